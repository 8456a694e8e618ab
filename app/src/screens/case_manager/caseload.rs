//! The caseload, the case manager's start page.
//!
//! All of it lives on one address, `/caseload` (`?p=<id>` for a participant), and renders
//! only after hydration: the server and the cached offline page then send the same HTML
//! whichever participant is asked for.

use crate::attention::Attention;
use crate::domain::{stockholm_day, Kind};
use crate::i18n::*;
use crate::on_demand::{OnDemand, Screen};
use crate::sync::status::SyncStatus;
use crate::ui::attention::AttentionList;
use crate::ui::labels::phase_label;
use crate::ui::page_title::PageTitle;
use crate::ui::records::{full_name, of_kind, text};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn CaseloadPage() -> impl IntoView {
    let i18n = use_i18n();
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let query = use_query_map();
    let selected = move || query.with(|query| query.get("p"));
    view! {
        <PageTitle text=Signal::derive(move || t_string!(i18n, caseload_title).to_owned()) />
        <Show
            when=move || hydrated.get()
            fallback=move || view! { <p class="card note">{t!(i18n, caseload_loading)}</p> }
        >
            {move || match selected() {
                Some(id) => view! { <OnDemand screen=Screen::Participant(id) /> }.into_any(),
                None => view! { <OnDemand screen=Screen::Caseload /> }.into_any(),
            }}
        </Show>
    }
}

/// One line of the caseload.
#[derive(Clone, PartialEq)]
struct Line {
    name: String,
    id: String,
    phase: String,
    /// Most urgent first.
    needs: Vec<Attention>,
    /// The next entry in the schedule, as shown.
    next: Option<String>,
}

#[component]
pub(crate) fn CaseloadList() -> impl IntoView {
    let i18n = use_i18n();
    let status = expect_context::<SyncStatus>();
    let search = RwSignal::new(String::new());
    let lines = move || {
        let needle = search.get().to_lowercase();
        let today = stockholm_day(chrono::Utc::now());
        status.view.with(|view| {
            let mut needs = crate::attention::caseload(view, today);
            let mut next = crate::attention::next_in_schedule(view, chrono::Utc::now());
            let mut found: Vec<Line> = of_kind(view, Kind::Participant)
                .map(|(_, participant)| {
                    let id = text(participant, "id");
                    Line {
                        name: full_name(participant),
                        phase: text(participant, "phase"),
                        needs: needs.remove(&id).unwrap_or_default(),
                        next: next.remove(&id).map(|next| {
                            let what = crate::ui::labels::event_label(i18n, &next.event);
                            let when = format!("{} {}", next.day, next.starts_at);
                            t_string!(i18n, caseload_next, when = when, what = what).to_string()
                        }),
                        id,
                    }
                })
                .filter(|line| line.name.to_lowercase().contains(&needle))
                .collect();
            // The most urgent need first (whoever needs nothing last), then by name.
            found.sort_by(|a, b| {
                (a.needs.is_empty(), a.needs.first(), &a.name).cmp(&(
                    b.needs.is_empty(),
                    b.needs.first(),
                    &b.name,
                ))
            });
            found
        })
    };
    let my_caseload = move || {
        status.user_id.with(|me| {
            let Some(me) = me else { return 0 };
            status.view.with(|view| {
                of_kind(view, Kind::Participant)
                    .filter(|(_, participant)| {
                        participant["case_manager_id"] == me.as_str()
                            && participant["phase"] != "ended"
                    })
                    .count()
            })
        })
    };
    view! {
        <section class="card caseload-card">
            <h1>{t!(i18n, caseload_title)}</h1>
            <label class="search">
                {t!(i18n, caseload_search)}
                <input type="search" bind:value=search data-testid="caseload-search" />
            </label>
            <ul class="caseload" data-testid="caseload">
                <For each=lines key=|line| format!("{}{:?}{:?}", line.id, line.needs, line.next) let:line>
                    <li>
                        <a class="row" href=format!("/caseload?p={}", line.id) data-participant=line.id.clone()>
                            <span class="row-head">
                                <strong>{line.name.clone()}</strong>
                                <span class="note">{phase_label(i18n, &line.phase)}</span>
                            </span>
                            <AttentionList needs=line.needs.clone() />
                            {line.next.clone().map(|next| view! {
                                <span class="note next" data-testid="next-in-schedule">{next}</span>
                            })}
                        </a>
                    </li>
                </For>
            </ul>
            <Show when=move || lines().is_empty()>
                <p class="note">{t!(i18n, caseload_empty)}</p>
            </Show>
            // Advice for the project leader's desk, not today's work: below the people.
            <Show when=move || { my_caseload() > crate::attention::CASELOAD_LIMIT }>
                <p class="notice" role="status" data-testid="caseload-too-large">
                    {move || t_string!(i18n, caseload_too_large, count = my_caseload()).to_string()}
                </p>
            </Show>
        </section>
    }
}
