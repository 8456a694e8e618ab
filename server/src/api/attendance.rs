//! A participant's attendance for the funder and the public employment service: the monthly
//! report (CSV and PDF) with its attestation, reopening an attested month, and the
//! deviations of a period (CSV). For whoever may read all of the participant's attendance
//! (their case manager, the programme's leader, their employment officer); every download is
//! in the access log.

use crate::api::records::{parse_id, visible_records, Caller, RecordBody, NOT_VISIBLE};
use crate::api_error::{ApiError, ErrorBody};
use crate::auth::SignedIn;
use crate::client_address::ClientAddress;
use crate::db::{AccessAction, AccessEntry, Attestation, Narrow, StoredRecord};
use crate::startup::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use lotsa_core::access::{rule, Access, Relation};
use lotsa_core::domain::{Absence, Attendance, Entity, Kind, Record, ScheduleEvent};
use lotsa_core::report::{hours, monthly_report, Activity, Month, MonthlyReport};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// What the report of a participant's month is made from, as the caller may see it.
pub(crate) struct Sources {
    pub events: Vec<ScheduleEvent>,
    pub attendance: Vec<Attendance>,
    pub absences: Vec<Absence>,
    /// "First name Last name", for the PDF.
    pub name: String,
}

impl Sources {
    /// From a participant's records as the caller may see them (`visible_records`).
    pub(crate) fn of(visible: &[(StoredRecord, RecordBody)]) -> Self {
        let mut sources = Sources {
            events: Vec::new(),
            attendance: Vec::new(),
            absences: Vec::new(),
            name: String::new(),
        };
        for (stored, body) in visible {
            match &stored.record {
                Some(Record::ScheduleEvent(event)) => sources.events.push(event.clone()),
                Some(Record::Attendance(found)) => sources.attendance.push(found.clone()),
                Some(Record::Absence(absence)) => sources.absences.push(absence.clone()),
                Some(Record::Participant(_)) => {
                    let part =
                        |field: &str| body.data[field].as_str().unwrap_or_default().to_owned();
                    sources.name = format!("{} {}", part("first_name"), part("last_name"))
                        .trim()
                        .to_owned();
                }
                _ => {}
            }
        }
        sources
    }

    /// The participant's sources, and the records they were read from (for the access log).
    pub(crate) async fn load(
        state: &AppState,
        caller: &Caller,
        participant: Uuid,
    ) -> Result<(Self, Vec<StoredRecord>), ApiError> {
        let visible = visible_records(state, caller, Narrow::Participant(participant)).await?;
        let sources = Self::of(&visible);
        Ok((
            sources,
            visible.into_iter().map(|(stored, _)| stored).collect(),
        ))
    }

    pub(crate) fn report(&self, month: Month, today: NaiveDate) -> MonthlyReport {
        monthly_report(month, &self.events, &self.attendance, &self.absences, today)
    }
}

/// SHA-256 of a report's canonical text, in hex.
pub fn digest(report: &MonthlyReport) -> String {
    Sha256::digest(report.csv().as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The participant's programme, if the caller is responsible for the participant (their case
/// manager or employment officer, the programme's leader).
async fn readable(state: &AppState, caller: &Caller, participant: Uuid) -> Result<Uuid, ApiError> {
    let stored = state
        .db
        .record(Kind::Participant, participant)
        .await?
        .filter(|stored| caller.view(stored).is_some())
        .ok_or_else(|| ApiError::Missing(NOT_VISIBLE.to_owned()))?;
    // The people responsible for the participant: not the workplace, which confirms days.
    let responsible = caller
        .viewer
        .relations(Entity::Participant(participant), Some(stored.programme_id))
        .into_iter()
        .any(|relation| {
            matches!(
                relation,
                Relation::CaseManager | Relation::Leader | Relation::EmploymentOfficer
            ) && rule(Kind::Attendance, relation).0 == Access::Full
        });
    if !responsible {
        return Err(ApiError::Missing(NOT_VISIBLE.to_owned()));
    }
    Ok(stored.programme_id)
}

fn month_of(raw: &str) -> Result<Month, ApiError> {
    Month::parse(raw).ok_or_else(|| ApiError::BadRequest("the month must be YYYY-MM".to_owned()))
}

/// The monthly attendance report as CSV or PDF.
#[utoipa::path(
    get,
    path = "/api/v1/participants/{id}/attendance/{file}",
    params(
        ("id" = Uuid, Path, description = "The participant's id"),
        ("file" = String, Path, description = "`YYYY-MM.csv` or `YYYY-MM.pdf`"),
    ),
    responses(
        (status = 200, description = "The report: hours per day per activity and the totals; the PDF also says whether and when the participant attested it", content_type = "text/csv"),
        (status = 400, description = "Malformed id, month or file type", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such participant, or their attendance is not yours to read", body = ErrorBody),
    ),
    tag = "attendance"
)]
#[tracing::instrument(skip_all)]
pub async fn monthly(
    State(state): State<AppState>,
    ClientAddress(peer): ClientAddress,
    SignedIn(user): SignedIn,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let participant = parse_id(&id)?;
    let (month, pdf) = match file.rsplit_once('.') {
        Some((month, "csv")) => (month_of(month)?, false),
        Some((month, "pdf")) => (month_of(month)?, true),
        _ => {
            return Err(ApiError::BadRequest(
                "ask for YYYY-MM.csv or YYYY-MM.pdf".to_owned(),
            ))
        }
    };
    let caller = Caller::load(&state, &user, peer).await?;
    readable(&state, &caller, participant).await?;
    let (sources, records) = Sources::load(&state, &caller, participant).await?;
    let report = sources.report(month, caller.today);
    state.db.log_access(&caller.reads(records.iter())).await?;
    let name = format!("attendance-{month}");
    if !pdf {
        return Ok(download(
            report.csv().into_bytes(),
            "text/csv; charset=utf-8",
            &name,
            "csv",
        ));
    }
    let attestation = state
        .db
        .month_attestation(participant, &month.to_string())
        .await?;
    let bytes = crate::report_pdf::render(
        &report,
        &sources.name,
        attestation.as_ref(),
        &digest(&report),
    )
    .map_err(|error| ApiError::Internal(error.context("render the report as PDF")))?;
    Ok(download(bytes, "application/pdf", &name, "pdf"))
}

fn download(bytes: Vec<u8>, content_type: &'static str, name: &str, extension: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.{extension}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// Reopens an attested month so that its attendance can be changed; the attested version is
/// kept, and the month needs a new attestation.
#[utoipa::path(
    post,
    path = "/api/v1/participants/{id}/attendance/{month}/reopen",
    params(
        ("id" = Uuid, Path, description = "The participant's id"),
        ("month" = String, Path, description = "`YYYY-MM`"),
    ),
    responses(
        (status = 204, description = "The month is open for changes again"),
        (status = 400, description = "Malformed id or month", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not the participant's case manager or the programme's leader, or a cross-site request", body = ErrorBody),
        (status = 404, description = "No such participant, or not visible to you", body = ErrorBody),
        (status = 409, description = "The month is not attested", body = ErrorBody),
    ),
    tag = "attendance"
)]
#[tracing::instrument(skip_all)]
pub async fn reopen(
    State(state): State<AppState>,
    ClientAddress(peer): ClientAddress,
    SignedIn(user): SignedIn,
    Path((id, month)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let participant = parse_id(&id)?;
    let month = month_of(&month)?;
    let caller = Caller::load(&state, &user, peer).await?;
    let programme = readable(&state, &caller, participant).await?;
    if !caller.viewer.may_write(
        Kind::Participant,
        Entity::Participant(participant),
        Some(programme),
    ) {
        return Err(ApiError::Forbidden(
            "only the participant's case manager or the programme's leader can reopen a month"
                .to_owned(),
        ));
    }
    let reopened = state
        .db
        .reopen_month(participant, &month.to_string(), &user.id, Utc::now())
        .await?;
    if !reopened {
        return Err(ApiError::Conflict(format!(
            "{month} is not attested, so there is nothing to reopen"
        )));
    }
    log_attestation(&state, &caller, participant, AccessAction::Update).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Stores the participant's attestation of `month`, if the month has ended and `seen` is the
/// digest of the report as it is now (the participant attests what they saw, not what changed
/// since); whether it was stored.
pub(crate) async fn attest(
    state: &AppState,
    caller: &Caller,
    user_id: &str,
    participant: Uuid,
    month: Month,
    seen: &str,
) -> Result<bool, ApiError> {
    if month.last_day() >= caller.today {
        return Ok(false);
    }
    let (sources, _) = Sources::load(state, caller, participant).await?;
    let report = sources.report(month, caller.today);
    let digest = digest(&report);
    if report.is_empty() || digest != seen {
        return Ok(false);
    }
    let stored = state
        .db
        .attest_month(&Attestation {
            participant_id: participant.to_string(),
            month: month.to_string(),
            attested_at: Utc::now(),
            attested_by: user_id.to_owned(),
            digest,
            report: report.csv(),
        })
        .await?;
    if stored {
        log_attestation(state, caller, participant, AccessAction::Create).await?;
    }
    Ok(stored)
}

/// An attestation made or reopened, in the access log.
async fn log_attestation(
    state: &AppState,
    caller: &Caller,
    participant: Uuid,
    action: AccessAction,
) -> Result<(), ApiError> {
    state
        .db
        .log_access(&[AccessEntry {
            at: Utc::now(),
            user_id: caller.actor.user_id.to_string(),
            participant_id: Some(participant.to_string()),
            action,
            kind: "attendance_attestation".to_owned(),
            record_id: None,
            address: caller.actor.address.clone(),
        }])
        .await?;
    Ok(())
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct Period {
    /// The first day, `YYYY-MM-DD`.
    from: String,
    /// The last day, `YYYY-MM-DD`.
    to: String,
}

/// The deviations of a period as CSV: each day the participant was absent, or came later or
/// left earlier than planned by more than 15 minutes, with the planned and actual times and
/// the reason.
#[utoipa::path(
    get,
    path = "/api/v1/participants/{id}/deviations.csv",
    params(("id" = Uuid, Path, description = "The participant's id"), Period),
    responses(
        (status = 200, description = "One line per deviation, oldest first", content_type = "text/csv"),
        (status = 400, description = "Malformed id or days, or the last day before the first", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such participant, or their attendance is not yours to read", body = ErrorBody),
    ),
    tag = "attendance"
)]
#[tracing::instrument(skip_all)]
pub async fn deviations(
    State(state): State<AppState>,
    ClientAddress(peer): ClientAddress,
    SignedIn(user): SignedIn,
    Path(id): Path<String>,
    period: Result<Query<Period>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let participant = parse_id(&id)?;
    let bad =
        || ApiError::BadRequest("give from and to as YYYY-MM-DD, from not after to".to_owned());
    let Query(period) = period.map_err(|_| bad())?;
    let (Ok(from), Ok(to)) = (
        period.from.parse::<NaiveDate>(),
        period.to.parse::<NaiveDate>(),
    ) else {
        return Err(bad());
    };
    if to < from {
        return Err(bad());
    }
    let caller = Caller::load(&state, &user, peer).await?;
    readable(&state, &caller, participant).await?;
    let (sources, records) = Sources::load(&state, &caller, participant).await?;
    let mut found: Vec<&Attendance> = sources
        .attendance
        .iter()
        .filter(|day| (from..=to).contains(&day.day) && day.deviation().is_some())
        .collect();
    found.sort_by_key(|day| day.day);
    let mut csv = csv::Writer::from_writer(Vec::new());
    let write = |csv: &mut csv::Writer<Vec<u8>>| -> Result<(), csv::Error> {
        csv.write_record([
            "date",
            "deviation",
            "planned_start",
            "planned_end",
            "arrived_at",
            "left_at",
            "late_minutes",
            "early_minutes",
            "reason",
            "note",
        ])?;
        for day in &found {
            let Some(deviation) = day.deviation() else {
                continue;
            };
            let kind = match (
                deviation.absent,
                deviation.late_minutes,
                deviation.early_minutes,
            ) {
                (true, _, _) => "absent",
                (false, Some(_), Some(_)) => "late_and_left_early",
                (false, Some(_), None) => "late",
                (false, None, _) => "left_early",
            };
            let time = |time: Option<lotsa_core::domain::TimeOfDay>| {
                time.map(String::from).unwrap_or_default()
            };
            let minutes = |minutes: Option<i64>| minutes.map(|m| m.to_string()).unwrap_or_default();
            csv.write_record([
                day.day.to_string(),
                kind.to_owned(),
                time(day.planned_start),
                time(day.planned_end),
                time(day.arrived_at),
                time(day.left_at),
                minutes(deviation.late_minutes),
                minutes(deviation.early_minutes),
                day.reason
                    .map(|reason| reason.code())
                    .unwrap_or_default()
                    .to_owned(),
                spreadsheet_safe(day.note.as_str()),
            ])?;
        }
        Ok(())
    };
    write(&mut csv).map_err(|error| ApiError::Internal(anyhow::anyhow!(error)))?;
    let bytes = csv
        .into_inner()
        .map_err(|error| ApiError::Internal(anyhow::anyhow!(error.to_string())))?;
    let logged: Vec<&StoredRecord> = records
        .iter()
        .filter(|stored| stored.kind == Kind::Attendance)
        .collect();
    state.db.log_access(&caller.reads(logged)).await?;
    Ok(download(
        bytes,
        "text/csv; charset=utf-8",
        &format!("deviations-{from}-{to}"),
        "csv",
    ))
}

/// A free text as a CSV cell a spreadsheet shows as text: one that starts like a formula is
/// prefixed with an apostrophe.
fn spreadsheet_safe(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// Hours per activity in words for the PDF's header line.
pub fn activity_heading(activity: Activity) -> &'static str {
    match activity {
        Activity::WorkplaceLearning => "Arbetsplatsförlagt lärande",
        Activity::TrainingDay => "Utbildningsdag",
        Activity::LanguageClass => "Språkundervisning",
        Activity::Other => "Övrigt",
    }
}

/// `hours` for the PDF, with a decimal comma as Swedish writes it.
pub fn swedish_hours(minutes: i64) -> String {
    hours(minutes).replace('.', ",")
}

#[cfg(test)]
mod tests {
    use super::spreadsheet_safe;

    #[test]
    fn a_note_that_starts_like_a_formula_stays_text_in_a_spreadsheet() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_safe("-1"), "'-1");
        assert_eq!(spreadsheet_safe("Bussen kom inte."), "Bussen kom inte.");
    }
}
