//! The case manager's screens: the caseload, a participant's page and the workplace
//! check-in. Everything is read from the device's copy (online or not) and every save goes
//! through the sync outbox, so it is on screen at once and sent when there is a network.
//!
//! All of it lives on one address, `/caseload` (`?p=<id>` for a participant), and renders
//! only after hydration: the server and the cached offline page then send the same HTML
//! whichever participant is asked for.

use crate::app::PageTitle;
use crate::domain::{from_json, stockholm_day, CheckIn, Kind, Record};
use crate::i18n::*;
use crate::sync::replica::key;
use crate::sync::status::SyncStatus;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The records of one kind in the view.
fn of_kind(view: &BTreeMap<String, Value>, kind: Kind) -> impl Iterator<Item = (&String, &Value)> {
    let prefix = format!("{}/", kind.as_str());
    view.range(prefix.clone()..)
        .take_while(move |(key, _)| key.starts_with(&prefix))
}

fn text(value: &Value, field: &str) -> String {
    value[field].as_str().unwrap_or_default().to_owned()
}

fn full_name(participant: &Value) -> String {
    format!(
        "{} {}",
        text(participant, "first_name"),
        text(participant, "last_name")
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
                Some(id) => view! { <ParticipantView id=id /> }.into_any(),
                None => view! { <CaseloadList /> }.into_any(),
            }}
        </Show>
    }
}

#[component]
fn CaseloadList() -> impl IntoView {
    let i18n = use_i18n();
    let status = expect_context::<SyncStatus>();
    let search = RwSignal::new(String::new());
    let participants = move || {
        let needle = search.get().to_lowercase();
        status.view.with(|view| {
            let mut found: Vec<(String, String, String)> = of_kind(view, Kind::Participant)
                .map(|(_, participant)| {
                    (
                        full_name(participant),
                        text(participant, "id"),
                        text(participant, "phase"),
                    )
                })
                .filter(|(name, _, _)| name.to_lowercase().contains(&needle))
                .collect();
            found.sort();
            found
        })
    };
    view! {
        <section class="card">
            <h1>{t!(i18n, caseload_title)}</h1>
            <label>
                {t!(i18n, caseload_search)}
                <input type="search" bind:value=search data-testid="caseload-search" />
            </label>
            <ul class="caseload" data-testid="caseload">
                <For each=participants key=|(_, id, _)| id.clone() let:participant>
                    <li>
                        <a class="row" href=format!("/caseload?p={}", participant.1)>
                            <strong>{participant.0.clone()}</strong>
                            <span class="note">{phase_label(i18n, &participant.2)}</span>
                        </a>
                    </li>
                </For>
            </ul>
            <Show when=move || participants().is_empty()>
                <p class="note">{t!(i18n, caseload_empty)}</p>
            </Show>
        </section>
    }
}

fn phase_label(i18n: leptos_i18n::I18nContext<Locale>, phase: &str) -> String {
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

fn going_label(i18n: leptos_i18n::I18nContext<Locale>, going: &str) -> String {
    match going {
        "well" => t_string!(i18n, going_well),
        "mixed" => t_string!(i18n, going_mixed),
        "poorly" => t_string!(i18n, going_poorly),
        _ => "",
    }
    .to_owned()
}

#[component]
fn ParticipantView(id: String) -> impl IntoView {
    let i18n = use_i18n();
    let status = expect_context::<SyncStatus>();
    let participant_key = key(Kind::Participant.as_str(), &id);
    let participant = {
        let participant_key = participant_key.clone();
        move || status.view.with(|view| view.get(&participant_key).cloned())
    };
    let check_ins = {
        let id = id.clone();
        move || {
            status.view.with(|view| {
                let mut found: Vec<(String, Value)> = of_kind(view, Kind::CheckIn)
                    .filter(|(_, check_in)| check_in["participant_id"] == id.as_str())
                    .map(|(key, check_in)| (key.clone(), check_in.clone()))
                    .collect();
                found.sort_by_key(|entry| std::cmp::Reverse(text(&entry.1, "held_on")));
                found
            })
        }
    };
    view! {
        {move || match participant() {
            None => view! {
                <section class="card" data-testid="participant-missing">
                    <h1>{t!(i18n, participant_missing)}</h1>
                    <a class="button" href="/caseload">{t!(i18n, caseload_back)}</a>
                </section>
            }.into_any(),
            Some(participant) => view! {
                <section class="card">
                    <a class="link" href="/caseload">{t!(i18n, caseload_back)}</a>
                    <h1 data-testid="participant-name">{full_name(&participant)}</h1>
                    <p class="note">{phase_label(i18n, &text(&participant, "phase"))}</p>
                </section>
            }.into_any(),
        }}
        <CheckInForm participant_id=id.clone() />
        <section class="card">
            <h2>{t!(i18n, check_ins_heading)}</h2>
            <ul class="timeline" data-testid="timeline">
                <For each=check_ins key=|(key, check_in)| format!("{key}{check_in}") let:entry>
                    <li>
                        <strong>{text(&entry.1, "held_on")}</strong>
                        " · "
                        {going_label(i18n, &text(&entry.1, "going"))}
                        <Show when={
                            let key = entry.0.clone();
                            move || status.unsent.with(|unsent| unsent.contains(&key))
                        }>
                            <span class="unsent" data-testid="unsent">{t!(i18n, unsent_marker)}</span>
                        </Show>
                        <p>{text(&entry.1, "notes")}</p>
                    </li>
                </For>
            </ul>
        </section>
    }
}

/// The workplace check-in: what a case manager records standing in the corridor.
#[component]
fn CheckInForm(participant_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let status = expect_context::<SyncStatus>();
    let today = stockholm_day(chrono::Utc::now()).to_string();
    let held_on = RwSignal::new(today);
    let going = RwSignal::new("well".to_owned());
    let notes = RwSignal::new(String::new());
    let next = RwSignal::new(String::new());
    let (error, set_error) = signal(None::<String>);
    let placement_of = {
        let participant_id = participant_id.clone();
        move || {
            status.view.with(|view| {
                of_kind(view, Kind::Placement)
                    .find(|(_, placement)| placement["participant_id"] == participant_id.as_str())
                    .map(|(_, placement)| text(placement, "id"))
            })
        }
    };
    let save = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let mut data = json!({
            "id": uuid::Uuid::new_v4(),
            "participant_id": participant_id,
            "held_on": held_on.get_untracked(),
            "going": going.get_untracked(),
            "notes": notes.get_untracked(),
            "attendees": ["participant", "supervisor", "case_manager"],
        });
        if let Some(placement) = placement_of() {
            data["placement_id"] = json!(placement);
        }
        let next_day = next.get_untracked();
        if !next_day.is_empty() {
            data["next_check_in_on"] = json!(next_day);
        }
        // The same rules as the server's, so a mistake is shown before anything is queued;
        // what was typed stays in the form.
        match from_json::<CheckIn>(data).map(Record::CheckIn) {
            Err(problem) => set_error.set(Some(problem.to_string())),
            Ok(record) => {
                set_error.set(None);
                #[cfg(feature = "hydrate")]
                leptos::task::spawn_local(async move {
                    let Some(device) = crate::sync::device::current() else {
                        set_error.set(Some(t_string!(i18n, check_in_no_device).to_owned()));
                        return;
                    };
                    match device
                        .change(crate::change::Change::Save(Box::new(record)))
                        .await
                    {
                        Ok(()) => {
                            notes.set(String::new());
                            next.set(String::new());
                        }
                        Err(crate::store::StoreError::QuotaExceeded) => {
                            set_error.set(Some(t_string!(i18n, storage_full).to_owned()))
                        }
                        Err(problem) => set_error.set(Some(problem.to_string())),
                    }
                });
                #[cfg(not(feature = "hydrate"))]
                let _ = record;
            }
        }
    };
    view! {
        <section class="card">
            <h2>{t!(i18n, check_in_heading)}</h2>
            <form on:submit=save data-testid="check-in-form">
                <label>
                    {t!(i18n, check_in_date)}
                    <input type="date" name="held_on" required bind:value=held_on />
                </label>
                <fieldset class="choices">
                    <legend>{t!(i18n, check_in_going)}</legend>
                    {["well", "mixed", "poorly"].into_iter().map(|choice| view! {
                        <label class="choice">
                            <input
                                type="radio"
                                name="going"
                                value=choice
                                prop:checked=move || going.get() == choice
                                on:change=move |_| going.set(choice.to_owned())
                            />
                            {going_label(i18n, choice)}
                        </label>
                    }).collect_view()}
                </fieldset>
                <label>
                    {t!(i18n, check_in_notes)}
                    <textarea name="notes" rows="4" bind:value=notes></textarea>
                </label>
                <label>
                    {t!(i18n, check_in_next)}
                    <input type="date" name="next_check_in_on" bind:value=next />
                </label>
                {move || error.get().map(|problem| view! {
                    <p class="form-error" role="alert" data-testid="check-in-error">{problem}</p>
                })}
                <button class="button" type="submit">{t!(i18n, check_in_save)}</button>
            </form>
        </section>
    }
}
