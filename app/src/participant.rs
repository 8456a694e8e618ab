//! A participant's page on the case manager's phone: contact and language needs, support
//! and consent, the placement and supervisor (a tap to call), training goals, everything
//! that happened, and the forms to record a check-in or plan a placement. Read from the
//! device's copy and saved through the sync outbox, online or not.

use crate::caseload::{
    current_placement, full_name, going_label, of_kind, phase_label, supervisor_name, text,
    AttentionList,
};
use crate::domain::{from_json, stockholm_day, CheckIn, Kind, Placement, PlacementLimit, Record};
use crate::i18n::*;
use crate::sync::replica::key;
use crate::sync::status::SyncStatus;
use leptos::prelude::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Saves a record through the device's outbox; `done` runs once it is queued. Errors are
/// put in `error` in words the user can act on.
fn save_on_device(
    record: Record,
    error: WriteSignal<Option<String>>,
    done: impl FnOnce() + 'static,
) {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        let i18n = use_i18n();
        let Some(device) = crate::sync::device::current() else {
            error.set(Some(t_string!(i18n, check_in_no_device).to_owned()));
            return;
        };
        match device
            .change(crate::change::Change::Save(Box::new(record)))
            .await
        {
            Ok(()) => done(),
            Err(crate::store::StoreError::QuotaExceeded) => {
                error.set(Some(t_string!(i18n, storage_full).to_owned()))
            }
            Err(problem) => error.set(Some(problem.to_string())),
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (record, error, done);
}

/// One entry of the timeline.
#[derive(Clone, PartialEq)]
struct Event {
    key: String,
    on: String,
    label: String,
    detail: String,
}

#[component]
pub fn ParticipantView(id: String) -> impl IntoView {
    let i18n = use_i18n();
    let status = expect_context::<SyncStatus>();
    let participant_key = key(Kind::Participant.as_str(), &id);
    let participant = {
        let participant_key = participant_key.clone();
        move || status.view.with(|view| view.get(&participant_key).cloned())
    };
    let needs = {
        let id = id.clone();
        move || {
            let today = stockholm_day(chrono::Utc::now());
            status.view.with(|view| {
                crate::attention::caseload(view, today)
                    .remove(&id)
                    .unwrap_or_default()
            })
        }
    };
    let events = {
        let id = id.clone();
        move || status.view.with(|view| timeline(i18n, view, &id))
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
                    {
                        let needs = needs.clone();
                        move || view! { <AttentionList needs=needs() /> }
                    }
                </section>
                <ContactCard participant=participant.clone() />
                <PlacementCard participant_id=text(&participant, "id") />
                <Goals participant_id=text(&participant, "id") />
                <CheckInForm participant_id=text(&participant, "id") />
                <PlacementForm participant=participant.clone() />
            }.into_any(),
        }}
        <section class="card">
            <h2>{t!(i18n, timeline_heading)}</h2>
            <ul class="timeline" data-testid="timeline">
                <For each=events key=|event| format!("{}{}{}", event.key, event.on, event.detail) let:event>
                    <li>
                        <strong>{event.on.clone()}</strong>
                        " · "
                        {event.label.clone()}
                        <Show when={
                            let key = event.key.clone();
                            move || status.unsent.with(|unsent| unsent.contains(&key))
                        }>
                            <span class="unsent" data-testid="unsent">{t!(i18n, unsent_marker)}</span>
                        </Show>
                        <p>{event.detail.clone()}</p>
                    </li>
                </For>
            </ul>
        </section>
    }
}

/// Check-ins, reviews, contacts, absences and follow-up calls, newest first.
fn timeline(
    i18n: leptos_i18n::I18nContext<Locale>,
    view: &BTreeMap<String, Value>,
    participant_id: &str,
) -> Vec<Event> {
    let mut events = Vec::new();
    for (kind, date_field, label) in [
        (Kind::CheckIn, "held_on", t_string!(i18n, timeline_check_in)),
        (Kind::Review, "held_on", t_string!(i18n, timeline_review)),
        (Kind::Contact, "on", t_string!(i18n, timeline_contact)),
        (
            Kind::Absence,
            "first_day",
            t_string!(i18n, timeline_absence),
        ),
        (
            Kind::FollowUp,
            "due_on",
            t_string!(i18n, timeline_follow_up),
        ),
    ] {
        for (record_key, record) in of_kind(view, kind) {
            if record["participant_id"] != participant_id {
                continue;
            }
            let (label, detail) = match kind {
                Kind::CheckIn => (
                    format!("{label} · {}", going_label(i18n, &text(record, "going"))),
                    text(record, "notes"),
                ),
                Kind::Contact => (label.to_owned(), text(record, "summary")),
                Kind::Absence => (
                    format!(
                        "{label} {}–{}",
                        text(record, "first_day"),
                        text(record, "last_day")
                    ),
                    text(record, "note"),
                ),
                _ => (label.to_owned(), text(record, "notes")),
            };
            events.push(Event {
                key: record_key.clone(),
                on: text(record, date_field),
                label,
                detail,
            });
        }
    }
    events.sort_by(|a, b| b.on.cmp(&a.on).then_with(|| a.key.cmp(&b.key)));
    events
}

fn support_label(i18n: leptos_i18n::I18nContext<Locale>, kind: &str) -> String {
    match kind {
        "bus_card" => t_string!(i18n, support_bus_card),
        "childcare" => t_string!(i18n, support_childcare),
        "forms" => t_string!(i18n, support_forms),
        "interpreter" => t_string!(i18n, support_interpreter),
        "work_clothes" => t_string!(i18n, support_work_clothes),
        "health" => t_string!(i18n, support_health),
        _ => t_string!(i18n, support_other),
    }
    .to_owned()
}

fn consent_label(i18n: leptos_i18n::I18nContext<Locale>, scope: &str) -> String {
    match scope {
        "contact_details" => t_string!(i18n, consent_contact_details),
        "support_needs" => t_string!(i18n, consent_support_needs),
        _ => t_string!(i18n, consent_languages),
    }
    .to_owned()
}

/// A `tel:` address: the digits and a leading +, as phones dial them.
fn tel(number: &str) -> String {
    let digits: String = number
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect();
    format!("tel:{digits}")
}

#[component]
fn ContactCard(participant: Value) -> impl IntoView {
    let i18n = use_i18n();
    let phone = participant["phone"].as_str().map(str::to_owned);
    let email = participant["email"].as_str().map(str::to_owned);
    let languages: Vec<String> = participant["languages"]
        .as_array()
        .map(|all| {
            all.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let interpreter = participant["interpreter"].as_str().map(str::to_owned);
    let support: Vec<Value> = participant["support"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let consents: Vec<Value> = participant["consents"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    view! {
        <section class="card" data-testid="contact-card">
            <h2>{t!(i18n, participant_contact)}</h2>
            {phone.map(|number| view! {
                <a class="button" href=tel(&number) data-testid="call-participant">
                    {t_string!(i18n, participant_phone, number = number.clone()).to_string()}
                </a>
            })}
            {email.map(|address| view! {
                <p><a href=format!("mailto:{address}")>{address.clone()}</a></p>
            })}
            {(!languages.is_empty()).then(|| view! {
                <p>{t!(i18n, participant_languages)} ": " {languages.join(", ")}</p>
            })}
            {interpreter.map(|language| view! {
                <p class="notice" data-testid="interpreter">
                    {t_string!(i18n, participant_interpreter, language = language).to_string()}
                </p>
            })}
            {(!support.is_empty()).then(|| view! {
                <h3>{t!(i18n, participant_support)}</h3>
                <ul>
                    {support.iter().map(|need| {
                        let decision = match (need["decision"]["granted"].as_bool(), need["decision"]["decided_on"].as_str()) {
                            (Some(true), Some(on)) => t_string!(i18n, support_granted, date = on.to_owned()).to_string(),
                            (Some(false), Some(on)) => t_string!(i18n, support_denied, date = on.to_owned()).to_string(),
                            _ => String::new(),
                        };
                        view! {
                            <li>
                                {support_label(i18n, &text(need, "kind"))} " " {decision}
                                <span class="note">" " {text(need, "note")}</span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
            {(!consents.is_empty()).then(|| view! {
                <h3>{t!(i18n, participant_consents)}</h3>
                <ul>
                    {consents.iter().map(|consent| {
                        let when = match consent["withdrawn_on"].as_str() {
                            Some(on) => t_string!(i18n, consent_withdrawn, date = on.to_owned()).to_string(),
                            None => t_string!(i18n, consent_given, date = text(consent, "given_on")).to_string(),
                        };
                        view! { <li>{consent_label(i18n, &text(consent, "scope"))} " (" {when} ")"</li> }
                    }).collect_view()}
                </ul>
            })}
        </section>
    }
}

#[component]
fn PlacementCard(participant_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let status = expect_context::<SyncStatus>();
    let placement = move || {
        let today = stockholm_day(chrono::Utc::now()).to_string();
        status.view.with(|view| {
            let placement = current_placement(view, &participant_id, &today)?.clone();
            let workplace = view
                .get(&key(
                    Kind::Workplace.as_str(),
                    &text(&placement, "workplace_id"),
                ))
                .cloned();
            let supervisor = view
                .get(&key(
                    Kind::Supervisor.as_str(),
                    &text(&placement, "supervisor_id"),
                ))
                .cloned();
            Some((placement, workplace, supervisor))
        })
    };
    view! {
        <section class="card" data-testid="placement-card">
            <h2>{t!(i18n, placement_heading)}</h2>
            {move || match placement() {
                None => view! { <p class="note">{t!(i18n, placement_none)}</p> }.into_any(),
                Some((placement, workplace, supervisor)) => view! {
                    <p>
                        <strong>{workplace.as_ref().map(|w| text(w, "name")).unwrap_or_default()}</strong>
                        " · "
                        {t_string!(i18n, placement_period, from = text(&placement, "starts_on"), to = text(&placement, "ends_on")).to_string()}
                    </p>
                    {workplace.map(|w| view! {
                        <p class="note">{text(&w["address"], "street")} ", " {text(&w["address"], "city")}</p>
                    })}
                    {supervisor.map(|s| {
                        let name = supervisor_name(&s);
                        match s["phone"].as_str() {
                            Some(number) => view! {
                                <a class="button" href=tel(number) data-testid="call-supervisor">
                                    {t_string!(i18n, placement_supervisor_call, name = name).to_string()}
                                </a>
                            }.into_any(),
                            None => view! { <p>{name}</p> }.into_any(),
                        }
                    })}
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn Goals(participant_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let status = expect_context::<SyncStatus>();
    let goals = Memo::new(move |_| {
        status.view.with(|view| {
            let mut goals: Vec<(String, String)> = of_kind(view, Kind::TrainingGoal)
                .filter(|(_, goal)| goal["participant_id"] == participant_id.as_str())
                .map(|(_, goal)| (text(goal, "goal"), text(goal, "progress")))
                .collect();
            goals.sort();
            goals
        })
    });
    view! {
        <Show when=move || goals.with(|goals| !goals.is_empty())>
            <section class="card" data-testid="goals">
                <h2>{t!(i18n, goals_heading)}</h2>
                <ul>
                    {move || goals.get().into_iter().map(|(goal, progress)| {
                        let progress = match progress.as_str() {
                            "achieved" => t_string!(i18n, progress_achieved),
                            "started" => t_string!(i18n, progress_started),
                            _ => t_string!(i18n, progress_not_started),
                        };
                        view! { <li>{goal} " – " <span class="note">{progress}</span></li> }
                    }).collect_view()}
                </ul>
            </section>
        </Show>
    }
}

/// Matching a participant to a workplace and supervisor, within the programme's longest
/// placement.
#[component]
fn PlacementForm(participant: Value) -> impl IntoView {
    let i18n = use_i18n();
    let status = expect_context::<SyncStatus>();
    let workplace = RwSignal::new(String::new());
    let supervisor = RwSignal::new(String::new());
    let starts = RwSignal::new(String::new());
    let ends = RwSignal::new(String::new());
    let (error, set_error) = signal(None::<String>);
    let programme_id = text(&participant, "programme_id");
    let participant_id = text(&participant, "id");
    let workplaces = move || {
        status.view.with(|view| {
            let mut found: Vec<(String, String)> = of_kind(view, Kind::Workplace)
                .map(|(_, w)| (text(w, "name"), text(w, "id")))
                .collect();
            found.sort();
            found
        })
    };
    let supervisors = move || {
        let chosen = workplace.get();
        status.view.with(|view| {
            let mut found: Vec<(String, String)> = of_kind(view, Kind::Supervisor)
                .filter(|(_, s)| s["workplace_id"] == chosen.as_str())
                .map(|(_, s)| (supervisor_name(s), text(s, "id")))
                .collect();
            found.sort();
            found
        })
    };
    let limit = move || {
        status.view.with(|view| {
            let programme = view.get(&key(Kind::Programme.as_str(), &programme_id))?;
            serde_json::from_value::<PlacementLimit>(programme["max_placement"].clone()).ok()
        })
    };
    let save = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let (Ok(first), Ok(last)) = (
            starts.get_untracked().parse::<chrono::NaiveDate>(),
            ends.get_untracked().parse::<chrono::NaiveDate>(),
        ) else {
            set_error.set(Some(t_string!(i18n, plan_incomplete).to_owned()));
            return;
        };
        if workplace.get_untracked().is_empty() || supervisor.get_untracked().is_empty() {
            set_error.set(Some(t_string!(i18n, plan_incomplete).to_owned()));
            return;
        }
        if let Some(limit) = limit() {
            let last_allowed = limit.last_day(first);
            if last > last_allowed {
                set_error.set(Some(
                    t_string!(i18n, plan_too_long, date = last_allowed.to_string()).to_string(),
                ));
                return;
            }
        }
        let data = json!({
            "id": uuid::Uuid::new_v4(),
            "programme_id": text(&participant, "programme_id"),
            "participant_id": participant_id,
            "workplace_id": workplace.get_untracked(),
            "supervisor_id": supervisor.get_untracked(),
            "starts_on": first,
            "ends_on": last,
        });
        match from_json::<Placement>(data).and_then(|placement| {
            placement.validate(limit())?;
            Ok(Record::Placement(placement))
        }) {
            Err(problem) => set_error.set(Some(problem.to_string())),
            Ok(record) => {
                set_error.set(None);
                save_on_device(record, set_error, move || {
                    starts.set(String::new());
                    ends.set(String::new());
                });
            }
        }
    };
    view! {
        <section class="card">
            <h2>{t!(i18n, plan_placement_heading)}</h2>
            <form on:submit=save data-testid="placement-form">
                <label>
                    {t!(i18n, plan_workplace)}
                    <select name="workplace_id" on:change=move |ev| { workplace.set(event_target_value(&ev)); supervisor.set(String::new()); }>
                        <option value="">{t!(i18n, plan_choose)}</option>
                        {move || workplaces().into_iter().map(|(name, id)| view! { <option value=id>{name}</option> }).collect_view()}
                    </select>
                </label>
                <label>
                    {t!(i18n, plan_supervisor)}
                    <select name="supervisor_id" on:change=move |ev| supervisor.set(event_target_value(&ev))>
                        <option value="">{t!(i18n, plan_choose)}</option>
                        {move || supervisors().into_iter().map(|(name, id)| view! { <option value=id>{name}</option> }).collect_view()}
                    </select>
                </label>
                <label>
                    {t!(i18n, plan_starts)}
                    <input type="date" name="starts_on" bind:value=starts />
                </label>
                <label>
                    {t!(i18n, plan_ends)}
                    <input type="date" name="ends_on" bind:value=ends />
                </label>
                {move || error.get().map(|problem| view! {
                    <p class="form-error" role="alert" data-testid="placement-error">{problem}</p>
                })}
                <button class="button" type="submit">{t!(i18n, plan_save)}</button>
            </form>
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
                save_on_device(record, set_error, move || {
                    notes.set(String::new());
                    next.set(String::new());
                });
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
