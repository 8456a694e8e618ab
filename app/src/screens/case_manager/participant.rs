//! A participant's page on the case manager's phone: contact and language needs, support
//! and consent, the placement and supervisor (a tap to call), training goals, everything
//! that happened, and the forms to record a check-in or plan a placement. Read from the
//! device's copy and saved through the sync outbox, online or not.

use super::invite_card::InviteCard;
use super::journal_forms::{FollowUps, GoalProgress};
use crate::domain::{from_json, stockholm_day, Area, CheckIn, Kind, Rating, Record, ScheduleEvent};
use crate::i18n::*;
use crate::on_demand::{Form, OnDemand, Screen};
use crate::sync::replica::key;
use crate::sync::status::SyncStatus;
use crate::ui::attention::AttentionList;
use crate::ui::forms::{save_on_device, Saving};
use crate::ui::labels::{day_text, event_label, language_name, phase_label};
use crate::ui::notices::refusal_text;
use crate::ui::records::{current_placement, full_name, of_kind, text};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;
#[cfg(feature = "hydrate")]
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

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
    // The page is rebuilt only when the participant appears or goes, not on every sync, so
    // a pull that brings someone else's change never wipes a form being typed.
    let record = Memo::new({
        let participant_key = participant_key.clone();
        move |_| status.view.with(|view| view.get(&participant_key).cloned())
    });
    let present = Memo::new(move |_| record.with(Option::is_some));
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
        {move || match present.get().then(|| record.get_untracked()).flatten() {
            None => view! {
                <section class="card" data-testid="participant-missing">
                    <h1>{t!(i18n, participant_missing)}</h1>
                    <a class="button" href="/caseload">{t!(i18n, caseload_back)}</a>
                </section>
            }.into_any(),
            Some(participant) => view! {
                <section class="card">
                    <a class="link" href="/caseload">{t!(i18n, caseload_back)}</a>
                    <h1 data-testid="participant-name">
                        {move || record.with(|now| now.as_ref().map(full_name))}
                    </h1>
                    <p class="note">
                        {move || record.with(|now| now.as_ref().map(|now| phase_label(i18n, &text(now, "phase"))))}
                    </p>
                    {
                        let needs = needs.clone();
                        move || view! { <AttentionList needs=needs() /> }
                    }
                </section>
                {move || record.get().map(|now| view! { <ContactCard participant=now /> })}
                <section class="card">
                    <h2>{t!(i18n, send_invite_heading)}</h2>
                    <InviteCard role="participant" id=text(&participant, "id") />
                </section>
                <PlacementCard participant_id=text(&participant, "id") />
                <Schedule participant_id=text(&participant, "id") />
                <Goals participant_id=text(&participant, "id") />
                <FollowUps participant_id=text(&participant, "id") />
                <RecordForms participant=participant.clone() />
            }.into_any(),
        }}
        <section class="card">
            <h2>{t!(i18n, timeline_heading)}</h2>
            <ul class="timeline" data-testid="timeline">
                <For each=events key=|event| format!("{}{}{}{}", event.key, event.on, event.label, event.detail) let:event>
                    <li>
                        <strong>
                            <time datetime=event.on.clone()>
                                {
                                    let on = event.on.clone();
                                    move || match on.parse() {
                                        Ok(day) => day_text(i18n, day, stockholm_day(chrono::Utc::now())),
                                        Err(_) => on.clone(),
                                    }
                                }
                            </time>
                        </strong>
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

/// A button for each form that records something; a form's code is fetched the first time
/// one opens, and several may be open at once, in a fixed order. A check-in draft kept on
/// the device opens its form by itself, so an interrupted visit is where it was left.
#[component]
fn RecordForms(participant: Value) -> impl IntoView {
    let i18n = use_i18n();
    let open = RwSignal::new(Vec::<Form>::new());
    reopen_kept_check_in(open, text(&participant, "id"));
    let label = move |form: Form| match form {
        Form::CheckIn => t_string!(i18n, check_in_heading),
        Form::Absence => t_string!(i18n, absence_heading),
        Form::Review => t_string!(i18n, review_heading),
        Form::Contact => t_string!(i18n, contact_heading),
        Form::Placement => t_string!(i18n, plan_placement_heading),
        Form::Event => t_string!(i18n, event_form_heading),
        Form::Closing => t_string!(i18n, closing_heading),
        Form::CalendarLink => t_string!(i18n, calendar_off_heading),
    };
    let toggle = move |form: Form| {
        open.update(|open| match open.iter().position(|shown| *shown == form) {
            Some(at) => {
                open.remove(at);
            }
            None => open.push(form),
        })
    };
    let shown = move || {
        Form::ALL
            .into_iter()
            .filter(|form| open.with(|open| open.contains(form)))
            .collect::<Vec<_>>()
    };
    view! {
        <section class="card">
            <h2>{t!(i18n, record_heading)}</h2>
            <div class="record-menu">
                {Form::ALL.map(|form| view! {
                    <button
                        type="button"
                        aria-expanded=move || open.with(|open| open.contains(&form)).to_string()
                        data-testid=format!("open-{}", form.name())
                        on:click=move |_| toggle(form)
                    >
                        {move || label(form)}
                    </button>
                }).collect_view()}
            </div>
        </section>
        <For each=shown key=|form| *form let:form>
            <OnDemand screen=Screen::Form(form, participant.clone()) />
        </For>
    }
}

/// Opens the check-in form when the device keeps a draft of it for this participant.
fn reopen_kept_check_in(open: RwSignal<Vec<Form>>, participant_id: String) {
    #[cfg(feature = "hydrate")]
    {
        let status = expect_context::<SyncStatus>();
        let asked = StoredValue::new(false);
        Effect::new(move |_| {
            if asked.get_value() || status.phase.get() == crate::sync::status::SyncPhase::Starting {
                return;
            }
            let Some(device) = crate::sync::device::current() else {
                return;
            };
            asked.set_value(true);
            let name = format!("check_in/{participant_id}");
            leptos::task::spawn_local(async move {
                if device.draft::<Value>(&name).await.is_some() {
                    open.update(|open| {
                        if !open.contains(&Form::CheckIn) {
                            open.push(Form::CheckIn);
                        }
                    });
                }
            });
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (open, participant_id);
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
        (
            Kind::Attendance,
            "day",
            t_string!(i18n, timeline_attendance),
        ),
    ] {
        for (record_key, record) in of_kind(view, kind) {
            if record["participant_id"] != participant_id {
                continue;
            }
            let (label, detail) = match kind {
                Kind::CheckIn => (
                    format!(
                        "{label} {} · {}",
                        text(record, "held_at"),
                        going_label(i18n, &text(record, "going"))
                    ),
                    check_in_read_back(i18n, record),
                ),
                // A day as planned is the rule, not an event: one line for each buried the rest.
                // Only the days that went otherwise are listed.
                Kind::Attendance if text(record, "status") == "present" => continue,
                Kind::Attendance => (
                    format!(
                        "{label}: {}",
                        attendance_label(i18n, &text(record, "status"))
                    ),
                    String::new(),
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

/// Everything a check-in recorded, a line each: notes, who took part, the ratings, what was
/// agreed and by when, and the next check-in.
fn check_in_read_back(i18n: leptos_i18n::I18nContext<Locale>, record: &Value) -> String {
    let list = |field: &str| record[field].as_array().map_or(&[][..], Vec::as_slice);
    let mut lines = vec![text(record, "notes")];
    let who: Vec<String> = list("attendees")
        .iter()
        .filter_map(Value::as_str)
        .map(|who| attendee_label(i18n, who))
        .collect();
    if !who.is_empty() {
        let who = who.join(", ");
        lines.push(t_string!(i18n, timeline_took_part, who = who).to_string());
    }
    let ratings: Vec<String> = list("ratings")
        .iter()
        .filter_map(|rated| {
            let area = Area::ALL
                .into_iter()
                .find(|area| rated["area"] == area.as_str())?;
            let rating = Rating::ALL
                .into_iter()
                .find(|rating| rated["rating"] == rating.as_str())?;
            Some(format!(
                "{}: {}",
                area_label(i18n, area),
                rating_label(i18n, rating)
            ))
        })
        .collect();
    lines.push(ratings.join(" · "));
    for action in list("agreed_actions") {
        let mut line = format!(
            "{}: {}",
            attendee_label(i18n, &text(action, "who")),
            text(action, "what")
        );
        if let Some(by) = action["by"].as_str() {
            line = t_string!(i18n, timeline_action_by, action = line, date = by).to_string();
        }
        lines.push(line);
    }
    if let Some(next) = record["next_check_in_on"].as_str() {
        lines.push(format!("{}: {next}", t_string!(i18n, check_in_next)));
    }
    lines.retain(|line| !line.is_empty());
    lines.join("\n")
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

fn attendance_label(i18n: leptos_i18n::I18nContext<Locale>, status: &str) -> String {
    match status {
        "present" => t_string!(i18n, attendance_present),
        "part_of_day" => t_string!(i18n, attendance_part_of_day),
        _ => t_string!(i18n, attendance_absent),
    }
    .to_owned()
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
                <p data-testid="languages">
                    {t!(i18n, participant_languages)} ": "
                    {move || {
                        languages
                            .iter()
                            .map(|code| language_name(i18n, code))
                            .collect::<Vec<_>>()
                            .join(", ")
                    }}
                </p>
            })}
            {interpreter.map(|code| view! {
                <p class="notice" data-testid="interpreter">
                    {move || {
                        let language = language_name(i18n, &code);
                        t_string!(i18n, participant_interpreter, language = language).to_string()
                    }}
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
    .into_any()
}

#[component]
fn PlacementCard(participant_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let status = expect_context::<SyncStatus>();
    let placement = Memo::new(move |_| {
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
    });
    let supervisor_id = Memo::new(move |_| {
        placement.with(|found| {
            found
                .as_ref()
                .and_then(|(_, _, supervisor)| supervisor.as_ref().map(|s| text(s, "id")))
        })
    });
    view! {
        <section class="card" data-testid="placement-card">
            <h2>{t!(i18n, placement_heading)}</h2>
            {move || match placement.get() {
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
                        let name = full_name(&s);
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
            // Outside the block above, which is redrawn on every sync, so a code just made
            // stays on screen.
            {move || supervisor_id.get().map(|id| view! { <InviteCard role="supervisor" id=id /> })}
        </section>
    }
}

/// The participant's next two weeks: each event's occurrences, in Swedish time.
#[component]
fn Schedule(participant_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let status = expect_context::<SyncStatus>();
    let upcoming = Memo::new(move |_| {
        let today = stockholm_day(chrono::Utc::now());
        let last = today + chrono::Days::new(13);
        status.view.with(|view| {
            let mut slots: Vec<(String, String, String)> = of_kind(view, Kind::ScheduleEvent)
                .filter(|(_, event)| event["participant_id"] == participant_id.as_str())
                .flat_map(|(_, event)| {
                    let parsed = serde_json::from_value::<ScheduleEvent>(event.clone()).ok();
                    let label = event_label(i18n, event);
                    let hours = format!("{}–{}", text(event, "starts_at"), text(event, "ends_at"));
                    parsed
                        .map(|parsed| parsed.occurrences(today, last))
                        .unwrap_or_default()
                        .into_iter()
                        .map(move |slot| (slot.day.to_string(), hours.clone(), label.clone()))
                })
                .collect();
            slots.sort();
            slots
        })
    });
    view! {
        <section class="card" data-testid="schedule">
            <h2>{t!(i18n, schedule_heading)}</h2>
            <Show
                when=move || upcoming.with(|slots| !slots.is_empty())
                fallback=move || view! { <p class="note">{t!(i18n, schedule_empty)}</p> }
            >
                <ul>
                    {move || upcoming.get().into_iter().map(|(day, hours, label)| view! {
                        <li><strong>{day}</strong> " " {hours} " · " {label}</li>
                    }).collect_view()}
                </ul>
            </Show>
        </section>
    }
}

#[component]
fn Goals(participant_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let status = expect_context::<SyncStatus>();
    let goals = Memo::new(move |_| {
        status.view.with(|view| {
            let mut goals: Vec<Value> = of_kind(view, Kind::TrainingGoal)
                .filter(|(_, goal)| goal["participant_id"] == participant_id.as_str())
                .map(|(_, goal)| goal.clone())
                .collect();
            goals.sort_by_key(|goal| text(goal, "goal"));
            goals
        })
    });
    view! {
        <Show when=move || goals.with(|goals| !goals.is_empty())>
            <section class="card" data-testid="goals">
                <h2>{t!(i18n, goals_heading)}</h2>
                <ul>
                    <For each=move || goals.get() key=|goal| goal.to_string() let:goal>
                        <li class="goal">
                            <span>{text(&goal, "goal")}</span>
                            <GoalProgress goal=goal.clone() />
                        </li>
                    </For>
                </ul>
            </section>
        </Show>
    }
    .into_any()
}

/// What the check-in form holds while the user types, kept on the device (in the user's own
/// database, so signing out deletes it) and brought back after a reload.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
struct Draft {
    held_on: String,
    held_at: String,
    attendees: Vec<String>,
    going: String,
    ratings: BTreeMap<String, String>,
    notes: String,
    actions: Vec<DraftAction>,
    next_on: String,
    next_at: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct DraftAction {
    who: String,
    what: String,
    by: String,
}

impl Draft {
    fn fresh() -> Self {
        Draft {
            held_on: stockholm_day(chrono::Utc::now()).to_string(),
            held_at: crate::domain::clock_text(
                chrono::Utc::now().with_timezone(&chrono_tz::Europe::Stockholm),
            ),
            attendees: ["participant", "supervisor", "case_manager"]
                .map(str::to_owned)
                .to_vec(),
            going: "well".to_owned(),
            next_at: "10:00".to_owned(),
            ..Draft::default()
        }
    }

    fn check_in(&self, participant_id: &str, placement_id: Option<String>) -> Value {
        let actions: Vec<Value> = self
            .actions
            .iter()
            .filter(|action| !action.what.trim().is_empty())
            .map(|action| {
                let mut value = json!({ "who": action.who, "what": action.what });
                if !action.by.is_empty() {
                    value["by"] = json!(action.by);
                }
                value
            })
            .collect();
        let ratings: Vec<Value> = self
            .ratings
            .iter()
            .map(|(area, rating)| json!({ "area": area, "rating": rating }))
            .collect();
        let mut data = json!({
            "id": uuid::Uuid::new_v4(),
            "participant_id": participant_id,
            "held_on": self.held_on,
            "going": self.going,
            "notes": self.notes,
            "attendees": self.attendees,
            "ratings": ratings,
            "agreed_actions": actions,
        });
        if let Some(placement) = placement_id {
            data["placement_id"] = json!(placement);
        }
        if !self.held_at.is_empty() {
            data["held_at"] = json!(self.held_at);
        }
        if !self.next_on.is_empty() {
            data["next_check_in_on"] = json!(self.next_on);
        }
        data
    }

    /// The next check-in as an event in the participant's schedule (half an hour).
    fn next_meeting(&self, programme_id: &str, participant_id: &str, title: &str) -> Option<Value> {
        if self.next_on.is_empty() {
            return None;
        }
        let starts = chrono::NaiveTime::parse_from_str(&self.next_at, "%H:%M")
            .unwrap_or_else(|_| chrono::NaiveTime::from_hms_opt(10, 0, 0).unwrap_or_default());
        let ends = starts
            .overflowing_add_signed(chrono::TimeDelta::minutes(30))
            .0
            .max(starts);
        Some(json!({
            "id": uuid::Uuid::new_v4(),
            "programme_id": programme_id,
            "participant_id": participant_id,
            "kind": "meeting",
            "title": title,
            "date": self.next_on,
            "starts_at": crate::domain::clock_text(starts),
            "ends_at": crate::domain::clock_text(ends),
        }))
    }
}

const ATTENDEES: [&str; 5] = [
    "participant",
    "supervisor",
    "case_manager",
    "employment_officer",
    "unit_manager",
];

fn attendee_label(i18n: leptos_i18n::I18nContext<Locale>, who: &str) -> String {
    match who {
        "participant" => t_string!(i18n, attendee_participant),
        "supervisor" => t_string!(i18n, attendee_supervisor),
        "case_manager" => t_string!(i18n, attendee_case_manager),
        "employment_officer" => t_string!(i18n, attendee_employment_officer),
        _ => t_string!(i18n, attendee_unit_manager),
    }
    .to_owned()
}

fn area_label(i18n: leptos_i18n::I18nContext<Locale>, area: Area) -> String {
    match area {
        Area::AttendancePunctuality => t_string!(i18n, area_attendance_punctuality),
        Area::HygieneRoutines => t_string!(i18n, area_hygiene_routines),
        Area::CareRecipientContact => t_string!(i18n, area_care_recipient_contact),
        Area::Teamwork => t_string!(i18n, area_teamwork),
        Area::SwedishAtWork => t_string!(i18n, area_swedish_at_work),
    }
    .to_owned()
}

fn rating_label(i18n: leptos_i18n::I18nContext<Locale>, rating: Rating) -> String {
    match rating {
        Rating::Good => t_string!(i18n, rating_good),
        Rating::Developing => t_string!(i18n, rating_developing),
        Rating::NeedsSupport => t_string!(i18n, rating_needs_support),
    }
    .to_owned()
}

/// The workplace check-in: what a case manager records standing in the corridor.
#[component]
pub(crate) fn CheckInForm(participant: Value) -> impl IntoView {
    let i18n = use_i18n();
    let status = expect_context::<SyncStatus>();
    let participant_id = text(&participant, "id");
    let programme_id = text(&participant, "programme_id");
    let draft = RwSignal::new(Draft::fresh());
    let draft_name = format!("check_in/{participant_id}");
    let (error, set_error) = signal(None::<String>);
    let saving = Saving::default();
    let start_afresh = keep_draft(draft, draft_name, status);
    // The current placement's id (recorded with the check-in) and its workplace's name.
    let placement = Memo::new({
        let participant_id = participant_id.clone();
        move |_| {
            let today = stockholm_day(chrono::Utc::now()).to_string();
            status.view.with(|view| {
                let placement = current_placement(view, &participant_id, &today)?;
                let workplace = placement["workplace_id"]
                    .as_str()
                    .and_then(|id| view.get(&key(Kind::Workplace.as_str(), id)))
                    .map(|workplace| text(workplace, "name"));
                Some((text(placement, "id"), workplace))
            })
        }
    });
    let save = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let form = draft.get_untracked();
        let placement_id = placement.get_untracked().map(|(id, _)| id);
        let check_in =
            from_json::<CheckIn>(form.check_in(&participant_id, placement_id)).and_then(|c| {
                c.validate()?;
                c.happened_by(stockholm_day(chrono::Utc::now()))?;
                Ok(c)
            });
        let meeting = form
            .next_meeting(
                &programme_id,
                &participant_id,
                t_string!(i18n, check_in_next_title),
            )
            .map(|event| {
                from_json::<ScheduleEvent>(event).and_then(|event| {
                    event.validate()?;
                    Ok(event)
                })
            })
            .transpose();
        // The same rules as the server's, so a mistake is shown before anything is queued;
        // what was typed stays in the form.
        match (check_in, meeting) {
            (Err(problem), _) | (_, Err(problem)) => {
                set_error.set(Some(refusal_text(i18n, problem.refusal)))
            }
            (Ok(check_in), Ok(meeting)) => {
                set_error.set(None);
                let mut records = vec![Record::CheckIn(check_in)];
                records.extend(meeting.map(Record::ScheduleEvent));
                save_on_device(records, set_error, saving, start_afresh.clone());
            }
        }
    };
    let field = move |read: fn(&Draft) -> String| move || draft.with(read);
    // Rows are rebuilt only when one is added or removed, so typing keeps the focus.
    let action_count = Memo::new(move |_| draft.with(|form| form.actions.len()));
    view! {
        <section class="card">
            <h2>{t!(i18n, check_in_heading)}</h2>
            <form on:submit=save data-testid="check-in-form">
                {move || placement.get().and_then(|(_, workplace)| workplace).map(|name| view! {
                    <p data-testid="check-in-workplace">{t_string!(i18n, check_in_workplace, name = name).to_string()}</p>
                })}
                <label>
                    {t!(i18n, check_in_date)}
                    <input type="date" name="held_on" required
                        prop:value=field(|form| form.held_on.clone())
                        on:input=move |ev| draft.update(|form| form.held_on = event_target_value(&ev)) />
                </label>
                <label>
                    {t!(i18n, check_in_time)}
                    <input type="time" name="held_at"
                        prop:value=field(|form| form.held_at.clone())
                        on:input=move |ev| draft.update(|form| form.held_at = event_target_value(&ev)) />
                </label>
                <fieldset class="choices">
                    <legend>{t!(i18n, check_in_who)}</legend>
                    {ATTENDEES.into_iter().map(|who| view! {
                        <label class="choice">
                            <input type="checkbox" name="attendees" value=who
                                prop:checked=move || draft.with(|form| form.attendees.iter().any(|a| a == who))
                                on:change=move |ev| {
                                    let checked = event_target_checked(&ev);
                                    draft.update(|form| {
                                        form.attendees.retain(|a| a != who);
                                        if checked {
                                            form.attendees.push(who.to_owned());
                                        }
                                    });
                                } />
                            {attendee_label(i18n, who)}
                        </label>
                    }).collect_view()}
                </fieldset>
                <fieldset class="choices">
                    <legend>{t!(i18n, check_in_going)}</legend>
                    {["well", "mixed", "poorly"].into_iter().map(|choice| view! {
                        <label class="choice">
                            <input type="radio" name="going" value=choice
                                prop:checked=move || draft.with(|form| form.going == choice)
                                on:change=move |_| draft.update(|form| form.going = choice.to_owned()) />
                            {going_label(i18n, choice)}
                        </label>
                    }).collect_view()}
                </fieldset>
                <fieldset class="ratings">
                    <legend>{t!(i18n, check_in_ratings)}</legend>
                    {Area::ALL.into_iter().map(|area| view! {
                        <fieldset class="choices">
                            <legend>{area_label(i18n, area)}</legend>
                            {Rating::ALL.into_iter().map(|rating| view! {
                                <label class="choice">
                                    <input type="radio" name=format!("rating-{}", area.as_str()) value=rating.as_str()
                                        prop:checked=move || draft.with(|form| form.ratings.get(area.as_str()).map(String::as_str) == Some(rating.as_str()))
                                        on:change=move |_| draft.update(|form| { form.ratings.insert(area.as_str().to_owned(), rating.as_str().to_owned()); }) />
                                    {rating_label(i18n, rating)}
                                </label>
                            }).collect_view()}
                        </fieldset>
                    }).collect_view()}
                </fieldset>
                <label>
                    {t!(i18n, check_in_notes)}
                    <textarea name="notes" rows="4"
                        prop:value=field(|form| form.notes.clone())
                        on:input=move |ev| draft.update(|form| form.notes = event_target_value(&ev))></textarea>
                </label>
                <fieldset class="actions">
                    <legend>{t!(i18n, check_in_actions)}</legend>
                    {move || (0..action_count.get()).map(|index| view! {
                        <div class="action" data-testid="agreed-action">
                            <label>
                                {t!(i18n, action_who)}
                                <select name="action-who"
                                    on:change=move |ev| draft.update(|form| form.actions[index].who = event_target_value(&ev))>
                                    {ATTENDEES.into_iter().map(|who| view! {
                                        <option value=who selected=move || draft.with(|form| form.actions.get(index).is_some_and(|a| a.who == who))>
                                            {attendee_label(i18n, who)}
                                        </option>
                                    }).collect_view()}
                                </select>
                            </label>
                            <label>
                                {t!(i18n, action_what)}
                                <input type="text" name="action-what"
                                    prop:value=move || draft.with(|form| form.actions.get(index).map(|a| a.what.clone()).unwrap_or_default())
                                    on:input=move |ev| draft.update(|form| form.actions[index].what = event_target_value(&ev)) />
                            </label>
                            <label>
                                {t!(i18n, action_by)}
                                <input type="date" name="action-by"
                                    prop:value=move || draft.with(|form| form.actions.get(index).map(|a| a.by.clone()).unwrap_or_default())
                                    on:input=move |ev| draft.update(|form| form.actions[index].by = event_target_value(&ev)) />
                            </label>
                            <button type="button" class="link" on:click=move |_| draft.update(|form| { form.actions.remove(index); })>
                                {t!(i18n, action_remove)}
                            </button>
                        </div>
                    }).collect_view()}
                    <button type="button" class="link" data-testid="add-action"
                        on:click=move |_| draft.update(|form| form.actions.push(DraftAction { who: "participant".to_owned(), ..DraftAction::default() }))>
                        {t!(i18n, action_add)}
                    </button>
                </fieldset>
                <label>
                    {t!(i18n, check_in_next)}
                    <input type="date" name="next_check_in_on"
                        prop:value=field(|form| form.next_on.clone())
                        on:input=move |ev| draft.update(|form| form.next_on = event_target_value(&ev)) />
                </label>
                <label>
                    {t!(i18n, check_in_next_time)}
                    <input type="time" name="next_check_in_at"
                        prop:value=field(|form| form.next_at.clone())
                        on:input=move |ev| draft.update(|form| form.next_at = event_target_value(&ev)) />
                </label>
                {move || error.get().map(|problem| view! {
                    <p class="form-error" role="alert" data-testid="check-in-error">{problem}</p>
                })}
                <p class="note">{t!(i18n, check_in_draft_kept)}</p>
                <button class="button" type="submit">{t!(i18n, check_in_save)}</button>
            </form>
        </section>
    }
    .into_any()
}

/// Brings back a draft kept on the device once the device's store is open, then keeps it
/// as the user types: once typing pauses for [`DRAFT_PAUSE`], and at once when the page is
/// hidden (the phone locked, another app opened) or the form closed. Anything typed while the
/// kept draft is being read wins over it, so a slow read never takes back what the user just
/// did.
///
/// Returns what to call once the check-in is saved: the form starts afresh and the kept
/// draft is deleted (the fresh form is not kept, so tomorrow's form says tomorrow).
fn keep_draft(draft: RwSignal<Draft>, name: String, status: SyncStatus) -> impl Fn() + Clone {
    let afresh = StoredValue::new(false);
    // The form as typed and not yet kept. Shared with writes that finish after the form has
    // closed, so it lives outside the reactive system.
    let unkept: Arc<Mutex<Option<Draft>>> = Arc::default();
    #[cfg(feature = "hydrate")]
    {
        let loaded = RwSignal::new(false);
        let loading = StoredValue::new(false);
        let load_name = name.clone();
        Effect::new(move |_| {
            if loading.get_value() || status.phase.get() == crate::sync::status::SyncPhase::Starting
            {
                return;
            }
            let Some(device) = crate::sync::device::current() else {
                return;
            };
            loading.set_value(true);
            let before = draft.get_untracked();
            let name = load_name.clone();
            leptos::task::spawn_local(async move {
                if let Some(kept) = device.draft::<Draft>(&name).await {
                    if draft.with_untracked(|now| *now == before) {
                        draft.set(kept);
                    }
                }
                loaded.set(true);
            });
        });
        let typed = Arc::new(AtomicU64::new(0));
        let keep = {
            let (unkept, name) = (Arc::clone(&unkept), name.clone());
            move || keep_unkept(Arc::clone(&unkept), name.clone())
        };
        let keep_when_paused = keep.clone();
        let unkept_typed = Arc::clone(&unkept);
        Effect::new(move |_| {
            let form = draft.get();
            if afresh.get_value() {
                afresh.set_value(false);
                return;
            }
            if !loaded.get() {
                return;
            }
            *lock(&unkept_typed) = Some(form);
            let this = typed.fetch_add(1, Ordering::Relaxed) + 1;
            let (typed, keep) = (Arc::clone(&typed), keep_when_paused.clone());
            leptos::task::spawn_local(async move {
                gloo_timers::future::sleep(DRAFT_PAUSE).await;
                if typed.load(Ordering::Relaxed) == this {
                    keep();
                }
            });
        });
        let keep_when_hidden = keep.clone();
        let hidden = window_event_listener(leptos::ev::visibilitychange, move |_| {
            if document().visibility_state() == web_sys::VisibilityState::Hidden {
                keep_when_hidden();
            }
        });
        on_cleanup(move || {
            hidden.remove();
            keep();
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (&name, status);
    move || {
        afresh.set_value(true);
        lock(&unkept).take();
        draft.set(Draft::fresh());
        #[cfg(feature = "hydrate")]
        if let Some(device) = crate::sync::device::current() {
            let name = name.clone();
            leptos::task::spawn_local(async move {
                if let Err(problem) = device.discard_draft(&name).await {
                    leptos::logging::warn!("discarding the draft: {problem}");
                }
            });
        }
    }
}

/// How long typing must pause before the check-in draft is written to the device.
#[cfg(feature = "hydrate")]
const DRAFT_PAUSE: std::time::Duration = std::time::Duration::from_millis(400);

/// Writes the draft typed since the last write, if any.
#[cfg(feature = "hydrate")]
fn keep_unkept(unkept: Arc<Mutex<Option<Draft>>>, name: String) {
    let Some(form) = lock(&unkept).take() else {
        return;
    };
    if let Some(device) = crate::sync::device::current() {
        leptos::task::spawn_local(async move {
            if let Err(problem) = device.keep_draft(&name, &form).await {
                leptos::logging::warn!("keeping the draft: {problem}");
            }
        });
    }
}

/// The lock cannot be poisoned in practice (the browser runs one thread and nothing panics
/// while holding it); a poisoned one is used as it is.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
