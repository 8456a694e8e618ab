//! The case manager's screens: the caseload, a participant's page and the workplace
//! check-in. Everything is read from the device's copy (online or not) and every save goes
//! through the sync outbox, so it is on screen at once and sent when there is a network.
//!
//! All of it lives on one address, `/caseload` (`?p=<id>` for a participant), and renders
//! only after hydration: the server and the cached offline page then send the same HTML
//! whichever participant is asked for.

use crate::app::PageTitle;
use crate::attention::Attention;
use crate::domain::{stockholm_day, Kind};
use crate::i18n::*;
use crate::on_demand::{OnDemand, Screen};
use crate::sync::replica::key;
use crate::sync::status::SyncStatus;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde_json::Value;
use std::collections::BTreeMap;

/// The records of one kind in the view.
pub(crate) fn of_kind(
    view: &BTreeMap<String, Value>,
    kind: Kind,
) -> impl Iterator<Item = (&String, &Value)> {
    let prefix = format!("{}/", kind.as_str());
    view.range(prefix.clone()..)
        .take_while(move |(key, _)| key.starts_with(&prefix))
}

pub(crate) fn text(value: &Value, field: &str) -> String {
    value[field].as_str().unwrap_or_default().to_owned()
}

/// A participant's or supervisor's first and last name.
pub(crate) fn full_name(person: &Value) -> String {
    format!(
        "{} {}",
        text(person, "first_name"),
        text(person, "last_name")
    )
}

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
    workplace: Option<String>,
    supervisor: Option<String>,
    needs: Vec<Attention>,
    /// The next entry in the schedule, as shown.
    next: Option<String>,
}

/// The placement a participant is in today, or else their next one.
pub(crate) fn current_placement<'a>(
    view: &'a BTreeMap<String, Value>,
    participant_id: &str,
    today: &str,
) -> Option<&'a Value> {
    let mut placements: Vec<&Value> = of_kind(view, Kind::Placement)
        .map(|(_, placement)| placement)
        .filter(|placement| placement["participant_id"] == participant_id)
        .filter(|placement| text(placement, "ends_on").as_str() >= today)
        .collect();
    placements.sort_by_key(|placement| text(placement, "starts_on"));
    placements.into_iter().next()
}

#[component]
pub(crate) fn CaseloadList() -> impl IntoView {
    let i18n = use_i18n();
    let status = expect_context::<SyncStatus>();
    let search = RwSignal::new(String::new());
    let lines = move || {
        let needle = search.get().to_lowercase();
        let today = stockholm_day(chrono::Utc::now());
        let today_text = today.to_string();
        status.view.with(|view| {
            let mut needs = crate::attention::caseload(view, today);
            let mut next = crate::attention::next_in_schedule(view, chrono::Utc::now());
            let mut found: Vec<Line> = of_kind(view, Kind::Participant)
                .map(|(_, participant)| {
                    let id = text(participant, "id");
                    let placement = current_placement(view, &id, &today_text);
                    let linked = |kind: Kind, field: &str| {
                        placement.and_then(|placement| {
                            view.get(&key(kind.as_str(), placement[field].as_str()?))
                        })
                    };
                    Line {
                        name: full_name(participant),
                        phase: text(participant, "phase"),
                        workplace: linked(Kind::Workplace, "workplace_id")
                            .map(|workplace| text(workplace, "name")),
                        supervisor: linked(Kind::Supervisor, "supervisor_id").map(full_name),
                        needs: needs.remove(&id).unwrap_or_default(),
                        next: next.remove(&id).map(|next| {
                            let what = crate::participant::event_label(i18n, &next.event);
                            let when = format!("{} {}", next.day, next.starts_at);
                            t_string!(i18n, caseload_next, when = when, what = what).to_string()
                        }),
                        id,
                    }
                })
                .filter(|line| line.name.to_lowercase().contains(&needle))
                .collect();
            // Whoever needs attention first, then by name.
            found.sort_by(|a, b| (a.needs.is_empty(), &a.name).cmp(&(b.needs.is_empty(), &b.name)));
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
        <section class="card">
            <h1>{t!(i18n, caseload_title)}</h1>
            <Show when=move || { my_caseload() > crate::attention::CASELOAD_LIMIT }>
                <p class="notice" role="status" data-testid="caseload-too-large">
                    {move || t_string!(i18n, caseload_too_large, count = my_caseload()).to_string()}
                </p>
            </Show>
            <label>
                {t!(i18n, caseload_search)}
                <input type="search" bind:value=search data-testid="caseload-search" />
            </label>
            <ul class="caseload" data-testid="caseload">
                <For each=lines key=|line| format!("{}{:?}{:?}", line.id, line.needs, line.next) let:line>
                    <li>
                        <a class="row" href=format!("/caseload?p={}", line.id) data-participant=line.id.clone()>
                            <strong>{line.name.clone()}</strong>
                            <span class="note">{phase_label(i18n, &line.phase)}</span>
                            {line.workplace.clone().map(|workplace| view! {
                                <span class="note">{t_string!(i18n, caseload_at, workplace = workplace).to_string()}</span>
                            })}
                            {line.supervisor.clone().map(|name| view! {
                                <span class="note">{t_string!(i18n, caseload_with, name = name).to_string()}</span>
                            })}
                            {line.next.clone().map(|next| view! {
                                <span class="note" data-testid="next-in-schedule">{next}</span>
                            })}
                            <AttentionList needs=line.needs.clone() />
                        </a>
                    </li>
                </For>
            </ul>
            <Show when=move || lines().is_empty()>
                <p class="note">{t!(i18n, caseload_empty)}</p>
            </Show>
        </section>
    }
}

/// What needs attention, as short tags.
#[component]
pub(crate) fn AttentionList(needs: Vec<Attention>) -> impl IntoView {
    let i18n = use_i18n();
    (!needs.is_empty()).then(|| {
        view! {
            <ul class="attention" data-testid="attention" aria-label=t_string!(i18n, attention_heading)>
                {needs
                    .into_iter()
                    .map(|need| {
                        let (testid, label) = attention_label(i18n, &need);
                        view! { <li data-attention=testid>{label}</li> }
                    })
                    .collect_view()}
            </ul>
        }
    })
}

fn attention_label(
    i18n: leptos_i18n::I18nContext<Locale>,
    need: &Attention,
) -> (&'static str, String) {
    match need {
        Attention::AbsentToday => (
            "absent-today",
            t_string!(i18n, attention_absent_today).to_owned(),
        ),
        Attention::FollowUpDue { due_on } => (
            "follow-up-due",
            t_string!(i18n, attention_follow_up_due, date = due_on.to_string()).to_string(),
        ),
        Attention::NoRecentCheckIn { .. } => (
            "no-check-in",
            t_string!(i18n, attention_no_check_in).to_owned(),
        ),
        Attention::PlacementEnding { ends_on } => (
            "placement-ending",
            t_string!(i18n, attention_placement_ending, date = ends_on.to_string()).to_string(),
        ),
        Attention::LowAttendance { percent } => (
            "low-attendance",
            t_string!(i18n, attention_low_attendance, percent = *percent).to_string(),
        ),
        Attention::InvitePending { until } => (
            "invite-pending",
            t_string!(i18n, attention_invite_pending, date = until.to_string()).to_string(),
        ),
        Attention::InviteExpired { on } => (
            "invite-expired",
            t_string!(i18n, attention_invite_expired, date = on.to_string()).to_string(),
        ),
    }
}

pub(crate) fn phase_label(i18n: leptos_i18n::I18nContext<Locale>, phase: &str) -> String {
    match phase {
        "recruited" => t_string!(i18n, phase_recruited),
        "introduction" => t_string!(i18n, phase_introduction),
        "placement" => t_string!(i18n, phase_placement),
        "closing" => t_string!(i18n, phase_closing),
        "follow_up" => t_string!(i18n, phase_follow_up),
        "ended" => t_string!(i18n, phase_ended),
        _ => "",
    }
    .to_owned()
}

pub(crate) fn going_label(i18n: leptos_i18n::I18nContext<Locale>, going: &str) -> String {
    match going {
        "well" => t_string!(i18n, going_well),
        "mixed" => t_string!(i18n, going_mixed),
        "poorly" => t_string!(i18n, going_poorly),
        _ => "",
    }
    .to_owned()
}
