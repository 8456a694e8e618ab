//! The supervisor's start page (`/today`) and the forms it posts: who is expected at the
//! workplace on a day, confirmed in one tap or marked absent, late or gone early. The page is
//! rendered here whole (see `lotsa_pages::today`) from what the supervisor may see, and each
//! showing is in the access log. The planned times come from the schedule here, never from
//! the form.

use crate::api::records::{visible_records, Caller};
use crate::api_error::ApiError;
use crate::client_address::ClientAddress;
use crate::db::{Narrow, StoredRecord, WriteOutcome};
use crate::schedule_page::{chosen_language, page_visitor};
use crate::startup::AppState;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{Datelike, Days, NaiveDate, Utc};
use lotsa_core::access::Viewer;
use lotsa_core::change::Change;
use lotsa_core::domain::{
    clock_text, stockholm_time, Attendance, AttendanceReason, AttendanceStatus, EventKind, Kind,
    Record, Refusal, TimeOfDay,
};
use lotsa_pages::today::{
    day_path, render, Confirmed, Contact, Expected, Refused, SupervisorDay, WeekDay,
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::net::IpAddr;
use uuid::Uuid;

/// The supervisor a request of these pages comes from, read once per request.
struct Visitor {
    user: crate::db::User,
    caller: Caller,
    supervisor: Uuid,
}

impl Visitor {
    async fn load(
        state: &AppState,
        peer: IpAddr,
        headers: &HeaderMap,
    ) -> Result<Result<Self, Response>, ApiError> {
        let found = page_visitor(state, peer, headers, Viewer::own_supervisor).await?;
        Ok(found.map(|(user, caller, supervisor)| Self {
            user,
            caller,
            supervisor,
        }))
    }
}

#[derive(serde::Deserialize)]
pub struct DayQuery {
    day: Option<String>,
}

/// `GET /today[?day=YYYY-MM-DD]`.
#[tracing::instrument(skip_all)]
pub async fn today(
    State(state): State<AppState>,
    ClientAddress(peer): ClientAddress,
    headers: HeaderMap,
    query: Result<Query<DayQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let me = match Visitor::load(&state, peer, &headers).await? {
        Ok(me) => me,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let day = match query.ok().and_then(|Query(query)| query.day) {
        None => me.caller.today,
        Some(raw) => within_a_year(&raw, me.caller.today).ok_or_else(|| {
            ApiError::BadRequest("day must be a date within a year of today, YYYY-MM-DD".to_owned())
        })?,
    };
    respond(&state, &me, &headers, day, None).await
}

/// A day (`YYYY-MM-DD`) within a year of `today`: the pages show nothing further off, and the
/// week's arithmetic stays far from the calendar's ends.
fn within_a_year(raw: &str, today: NaiveDate) -> Option<NaiveDate> {
    let day: NaiveDate = raw.trim().parse().ok()?;
    ((today - day).num_days().abs() <= 366).then_some(day)
}

/// The attendance form's fields: missing ones are refused with the page saying so.
#[derive(serde::Deserialize)]
pub struct AttendanceForm {
    /// Whose page the form was on: a form kept on a phone and sent later is refused under
    /// anyone else's session.
    #[serde(default)]
    supervisor: String,
    #[serde(default)]
    participant: String,
    #[serde(default)]
    day: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    arrived_at: String,
    #[serde(default)]
    left_at: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
}

/// `POST /today/attendance`: one participant's day. Back to the day's page at their row; a
/// refusal is answered 400 with the page saying what to do.
#[tracing::instrument(skip_all)]
pub async fn confirm(
    State(state): State<AppState>,
    ClientAddress(peer): ClientAddress,
    headers: HeaderMap,
    form: Result<axum::Form<AttendanceForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, ApiError> {
    let me = match Visitor::load(&state, peer, &headers).await? {
        Ok(me) => me,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let Ok(axum::Form(form)) = form else {
        return refused(&state, &me, &headers, me.caller.today).await;
    };
    let Some(day) = within_a_year(&form.day, me.caller.today) else {
        return refused(&state, &me, &headers, me.caller.today).await;
    };
    let shown = gather_day(&state, &me, day).await?;
    let expected = shown
        .expected
        .iter()
        .find(|expected| expected.participant.to_string() == form.participant.trim());
    let (Some(expected), true) = (
        expected,
        form.supervisor.trim() == me.supervisor.to_string(),
    ) else {
        return refused(&state, &me, &headers, day).await;
    };
    let Some(record) = attendance_of(&form, expected, day) else {
        return refused(&state, &me, &headers, day).await;
    };
    if let Err(why) = save(&state, &me, record).await? {
        return refused_for(&state, &me, &headers, day, why).await;
    }
    Ok(back_to(day, me.caller.today, Some(expected.participant)))
}

/// `POST /today/all-here`: each participant the page listed as not yet confirmed is here as
/// planned, unless their day was confirmed since (by a form sent before, or the case
/// manager): nothing confirmed is overwritten.
#[tracing::instrument(skip_all)]
pub async fn all_here(
    State(state): State<AppState>,
    ClientAddress(peer): ClientAddress,
    headers: HeaderMap,
    form: Result<axum::Form<Vec<(String, String)>>, axum::extract::rejection::FormRejection>,
) -> Result<Response, ApiError> {
    let me = match Visitor::load(&state, peer, &headers).await? {
        Ok(me) => me,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let Ok(axum::Form(fields)) = form else {
        return refused(&state, &me, &headers, me.caller.today).await;
    };
    let value = |name: &str| {
        fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim())
    };
    let Some(day) = value("day").and_then(|raw| within_a_year(raw, me.caller.today)) else {
        return refused(&state, &me, &headers, me.caller.today).await;
    };
    if value("supervisor") != Some(me.supervisor.to_string().as_str()) {
        return refused(&state, &me, &headers, day).await;
    }
    let listed: Vec<&str> = fields
        .iter()
        .filter(|(key, _)| key == "participant")
        .map(|(_, value)| value.trim())
        .collect();
    let shown = gather_day(&state, &me, day).await?;
    for expected in &shown.expected {
        if expected.confirmed.is_some()
            || expected.reported_absent
            || !listed.contains(&expected.participant.to_string().as_str())
        {
            continue;
        }
        let present = AttendanceForm {
            supervisor: String::new(),
            participant: String::new(),
            day: String::new(),
            status: "present".to_owned(),
            arrived_at: String::new(),
            left_at: String::new(),
            reason: String::new(),
            note: String::new(),
        };
        let Some(record) = attendance_of(&present, expected, day) else {
            continue;
        };
        if let Err(why) = save(&state, &me, record).await? {
            return refused_for(&state, &me, &headers, day, why).await;
        }
    }
    Ok(back_to(day, me.caller.today, None))
}

/// The attendance a form describes, with the planned times of the schedule: `None` when the
/// form is incomplete or wrong (the domain's rules say which).
fn attendance_of(form: &AttendanceForm, expected: &Planned, day: NaiveDate) -> Option<Record> {
    let status = match form.status.trim() {
        "present" => AttendanceStatus::Present,
        "part_of_day" => AttendanceStatus::PartOfDay,
        "absent" => AttendanceStatus::Absent,
        _ => return None,
    };
    // A time the form left at the planned one did not differ; times mean nothing for an absence.
    let actual = |raw: &str, planned: TimeOfDay| -> Option<Option<String>> {
        let raw = raw.trim();
        if raw.is_empty() || status != AttendanceStatus::PartOfDay {
            return Some(None);
        }
        let time = TimeOfDay::parse(raw).ok()?;
        Some((time != planned).then(|| String::from(time)))
    };
    let arrived_at = actual(&form.arrived_at, expected.starts_at)?;
    let left_at = actual(&form.left_at, expected.ends_at)?;
    let reason = match form.reason.trim() {
        "" => None,
        code => Some(AttendanceReason::from_code(code)?),
    };
    Record::parse(
        Kind::Attendance,
        serde_json::json!({
            "id": Attendance::id_for(expected.participant, day),
            "participant_id": expected.participant,
            "placement_id": expected.placement,
            "day": day,
            "status": status,
            "planned_start": expected.starts_at,
            "planned_end": expected.ends_at,
            "arrived_at": arrived_at,
            "left_at": left_at,
            "reason": reason.map(AttendanceReason::code),
            "note": form.note.trim(),
        }),
    )
    .ok()
}

/// Writes one attendance as the supervisor, or says why the rules refused it.
async fn save(
    state: &AppState,
    me: &Visitor,
    record: Record,
) -> Result<Result<(), Refused>, ApiError> {
    let outcome = state
        .db
        .write(
            &me.caller.actor,
            Change::Save(Box::new(record)),
            None,
            me.caller.today,
            Utc::now(),
        )
        .await?;
    Ok(match outcome {
        WriteOutcome::Applied { .. } | WriteOutcome::Duplicate => Ok(()),
        WriteOutcome::Rejected(rejection)
            if rejection.refusal() == Refusal::AttendanceMonthAttested =>
        {
            Err(Refused::MonthAttested)
        }
        WriteOutcome::Rejected(_) => Err(Refused::Form),
    })
}

/// Back to the day's page (at a participant's row).
fn back_to(day: NaiveDate, today: NaiveDate, participant: Option<Uuid>) -> Response {
    let anchor = participant
        .map(|participant| format!("#p-{participant}"))
        .unwrap_or_default();
    Redirect::to(&format!("{}{anchor}", day_path(day, today))).into_response()
}

async fn refused(
    state: &AppState,
    me: &Visitor,
    headers: &HeaderMap,
    day: NaiveDate,
) -> Result<Response, ApiError> {
    refused_for(state, me, headers, day, Refused::Form).await
}

async fn refused_for(
    state: &AppState,
    me: &Visitor,
    headers: &HeaderMap,
    day: NaiveDate,
    why: Refused,
) -> Result<Response, ApiError> {
    let page = respond(state, me, headers, day, Some(why)).await?;
    Ok((StatusCode::BAD_REQUEST, page).into_response())
}

async fn respond(
    state: &AppState,
    me: &Visitor,
    headers: &HeaderMap,
    day: NaiveDate,
    refused: Option<Refused>,
) -> Result<Response, ApiError> {
    let gathered = gather_day(state, me, day).await?;
    state
        .db
        .log_access(&me.caller.reads(gathered.shown.iter()))
        .await?;
    let today = me.caller.today;
    let week = gathered.week.clone();
    let expected = gathered
        .expected
        .into_iter()
        .map(|planned| Expected {
            participant: planned.participant.to_string(),
            name: planned.name,
            attendance_id: Attendance::id_for(planned.participant, day).to_string(),
            starts_at: String::from(planned.starts_at),
            ends_at: String::from(planned.ends_at),
            confirmed: planned.confirmed,
            reported_absent: planned.reported_absent,
            case_manager: planned.case_manager,
        })
        .collect();
    let shown = SupervisorDay {
        locale: chosen_language(state, &me.user, headers).await?,
        today,
        day,
        week,
        expected,
        updated_at: clock_text(stockholm_time(Utc::now())),
        supervisor: me.supervisor.to_string(),
        all_here_id: Uuid::new_v4().to_string(),
        refused,
    };
    // Never kept by the browser's own caches (nor shown again by Back after signing out);
    // the service worker keeps its one copy, which signing out forgets.
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        Html(render(shown, state.leptos_options.clone())),
    )
        .into_response())
}

/// A participant expected on the day, as the server knows them.
struct Planned {
    participant: Uuid,
    placement: Uuid,
    name: String,
    starts_at: TimeOfDay,
    ends_at: TimeOfDay,
    confirmed: Option<Confirmed>,
    reported_absent: bool,
    case_manager: Option<Contact>,
}

struct Gathered {
    expected: Vec<Planned>,
    week: Vec<WeekDay>,
    /// The records the page shows, for the access log.
    shown: Vec<StoredRecord>,
}

/// Who is expected at the supervisor's placements on `day` and its week: a participant placed
/// with them on the day, with a workplace shift in their schedule that day.
async fn gather_day(state: &AppState, me: &Visitor, day: NaiveDate) -> Result<Gathered, ApiError> {
    let visible = visible_records(state, &me.caller, Narrow::All).await?;
    let mut bodies: BTreeMap<(Kind, Uuid), Value> = BTreeMap::new();
    let mut placements = Vec::new();
    let mut shifts = Vec::new();
    let mut attendance = BTreeMap::new();
    let mut absences = Vec::new();
    for (stored, body) in &visible {
        match &stored.record {
            Some(Record::Placement(placement)) if placement.supervisor_id == me.supervisor => {
                placements.push(placement.clone());
            }
            Some(Record::ScheduleEvent(event)) if event.kind == EventKind::WorkplaceShift => {
                shifts.push(event.clone());
            }
            Some(Record::Attendance(found)) => {
                attendance.insert((found.participant_id, found.day), found.clone());
            }
            Some(Record::Absence(absence)) => {
                absences.push((
                    absence.id,
                    absence.participant_id,
                    absence.first_day,
                    absence.last_day,
                ));
            }
            _ => {}
        }
        bodies.insert((stored.kind, stored.id), body.data.clone());
    }
    // The planned times of each participant's shifts at this supervisor's placements, per day.
    let week_start = day - Days::new(u64::from(day.weekday().num_days_from_monday()));
    let week_end = week_start + Days::new(6);
    let mut planned: BTreeMap<(NaiveDate, Uuid), (Uuid, TimeOfDay, TimeOfDay)> = BTreeMap::new();
    for event in &shifts {
        for slot in event.occurrences(week_start, week_end) {
            let Some(placement) = placements
                .iter()
                .find(|p| p.participant_id == event.participant_id && p.is_active_on(slot.day))
            else {
                continue;
            };
            planned
                .entry((slot.day, event.participant_id))
                .and_modify(|(_, start, end)| {
                    *start = (*start).min(event.starts_at);
                    *end = (*end).max(event.ends_at);
                })
                .or_insert((placement.id, event.starts_at, event.ends_at));
        }
    }
    let week = week_start
        .iter_days()
        .take(7)
        .map(|on| {
            let expected: Vec<Uuid> = planned
                .range((on, Uuid::nil())..=(on, Uuid::max()))
                .map(|((_, participant), _)| *participant)
                .collect();
            let open = expected
                .iter()
                .filter(|participant| !attendance.contains_key(&(**participant, on)))
                .count();
            WeekDay {
                day: on,
                expected: expected.len(),
                open,
            }
        })
        .collect();
    let mut expected = Vec::new();
    let mut shown_ids = Vec::new();
    for ((_, participant), (placement, starts_at, ends_at)) in
        planned.range((day, Uuid::nil())..=(day, Uuid::max()))
    {
        let Some(person) = bodies.get(&(Kind::Participant, *participant)) else {
            continue;
        };
        let name = format!(
            "{} {}.",
            person["first_name"].as_str().unwrap_or_default(),
            person["last_initial"].as_str().unwrap_or_default()
        );
        let case_manager = person["case_manager_id"]
            .as_str()
            .and_then(|id| id.parse().ok())
            .and_then(|id| bodies.get(&(Kind::Staff, id)))
            .and_then(|staff| {
                Some(Contact {
                    name: staff["name"].as_str()?.to_owned(),
                    phone: staff["phone"].as_str().map(str::to_owned),
                })
            });
        let confirmed = attendance.get(&(*participant, day)).map(|found| Confirmed {
            status: found.status,
            arrived_at: found.arrived_at.map(String::from),
            left_at: found.left_at.map(String::from),
            reason: found.reason,
        });
        let reported: Vec<Uuid> = absences
            .iter()
            .filter(|(_, who, first, last)| who == participant && (*first..=*last).contains(&day))
            .map(|(id, ..)| *id)
            .collect();
        shown_ids.push((Kind::Participant, *participant));
        shown_ids.push((Kind::Attendance, Attendance::id_for(*participant, day)));
        shown_ids.extend(reported.iter().map(|id| (Kind::Absence, *id)));
        shown_ids.extend(
            shifts
                .iter()
                .filter(|event| {
                    event.participant_id == *participant && !event.occurrences(day, day).is_empty()
                })
                .map(|event| (Kind::ScheduleEvent, event.id)),
        );
        expected.push(Planned {
            participant: *participant,
            placement: *placement,
            name,
            starts_at: *starts_at,
            ends_at: *ends_at,
            confirmed,
            reported_absent: !reported.is_empty(),
            case_manager,
        });
    }
    let shown = visible
        .into_iter()
        .map(|(stored, _)| stored)
        .filter(|stored| shown_ids.contains(&(stored.kind, stored.id)))
        .collect();
    Ok(Gathered {
        expected,
        week,
        shown,
    })
}
