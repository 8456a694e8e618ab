//! The participant's start page (`/schedule`) and the forms it posts. The page is rendered
//! here whole (see `app::screens::participant`), from what the participant may see, and each
//! showing is in the access log like any other read of their data.

use crate::api::attendance::{digest, Sources};
use crate::api::calendar::{new_link, visible_workplace};
use crate::api::records::{visible_records, Caller};
use crate::api_error::ApiError;
use crate::auth::{self, carried_user};
use crate::client_address::ClientAddress;
use crate::db::{Narrow, StoredRecord, User, WriteOutcome};
use crate::startup::AppState;
use app::app::LANGUAGE_COOKIE;
use app::screens::account::SIGN_IN_PATH;
use app::screens::home::start_page;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Utc;
use lotsa_core::access::Viewer;
use lotsa_core::agenda::agenda;
use lotsa_core::change::Change;
use lotsa_core::domain::{clock_text, stockholm_day, stockholm_time, Kind, Placement, Record};
use lotsa_core::report::Month;
use lotsa_pages::i18n::Locale;
use lotsa_pages::schedule::{
    render, Contact, MonthReport, MySchedule, ReportedAbsence, ScheduleDay, ScheduleItem,
    Workplace, ABSENCE_ANCHOR, REPORT_ANCHOR, SCHEDULE_PATH,
};
use std::net::IpAddr;
use uuid::Uuid;

/// Where someone starts after signing in on a page: their role's start page; for a
/// participant or a supervisor with no staff role, the page of the participant or supervisor
/// record they are (their schedule, their day), else the welcome page.
pub async fn page_start(state: &AppState, user: &User) -> Result<&'static str, ApiError> {
    let start = start_page(&user.roles);
    if start != "/" {
        return Ok(start);
    }
    let Ok(user_id) = user.id.parse() else {
        return Ok(start);
    };
    let viewer = state
        .db
        .viewer(user_id, &user.roles, stockholm_day(Utc::now()))
        .await?;
    Ok(if viewer.own_participant().is_some() {
        SCHEDULE_PATH
    } else if viewer.own_supervisor().is_some() {
        lotsa_pages::today::TODAY_PATH
    } else {
        start
    })
}

/// `GET /schedule`.
#[tracing::instrument(skip_all)]
pub async fn schedule(
    State(state): State<AppState>,
    ClientAddress(peer): ClientAddress,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    match Visitor::load(&state, peer, &headers).await? {
        Ok(me) => respond(&state, &me, &headers, Shown::default()).await,
        Err(elsewhere) => Ok(elsewhere),
    }
}

/// Who a request for a page comes from, what they may see, and the participant or supervisor
/// record they are (`own`); or where to send anyone else: nobody to the sign-in page, someone
/// who is no such record to their role's start page.
pub(crate) async fn page_visitor(
    state: &AppState,
    peer: IpAddr,
    headers: &HeaderMap,
    own: fn(&Viewer) -> Option<Uuid>,
) -> Result<Result<(User, Caller, Uuid), Response>, ApiError> {
    let Some(user) = carried_user(state, headers).await? else {
        return Ok(Err(Redirect::to(SIGN_IN_PATH).into_response()));
    };
    let caller = Caller::load(state, &user, peer).await?;
    match own(&caller.viewer) {
        Some(record) => Ok(Ok((user, caller, record))),
        None => Ok(Err(Redirect::to(start_page(&user.roles)).into_response())),
    }
}

/// The participant a request of these pages comes from, read once per request.
struct Visitor {
    user: User,
    caller: Caller,
    participant: Uuid,
}

impl Visitor {
    async fn load(
        state: &AppState,
        peer: IpAddr,
        headers: &HeaderMap,
    ) -> Result<Result<Self, Response>, ApiError> {
        let found = page_visitor(state, peer, headers, Viewer::own_participant).await?;
        Ok(found.map(|(user, caller, participant)| Self {
            user,
            caller,
            participant,
        }))
    }
}

/// What a form just did, for the page it answers with.
#[derive(Default)]
struct Shown {
    /// A calendar link made just now.
    calendar_url: Option<String>,
    /// An absence the server refused.
    absence_refused: bool,
    /// An attestation the server refused.
    report_refused: bool,
}

/// The absence forms' fields: missing ones are refused with the page saying so.
#[derive(serde::Deserialize)]
pub struct AbsenceForm {
    /// Whose page the form was on: a report kept on a phone and sent later is refused under
    /// anyone else's session.
    #[serde(default)]
    participant: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    first_day: String,
    #[serde(default)]
    last_day: String,
}

/// `POST /schedule/absence`: the participant reports an absence (the form's id makes a
/// second sending of the same form the same absence). Back to the page, which lists it as
/// sent; a refusal is answered 400 with the page saying what to do.
#[tracing::instrument(skip_all)]
pub async fn report_absence(
    State(state): State<AppState>,
    ClientAddress(peer): ClientAddress,
    headers: HeaderMap,
    form: Result<axum::Form<AbsenceForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, ApiError> {
    let me = match Visitor::load(&state, peer, &headers).await? {
        Ok(me) => me,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let participant = me.participant;
    let refused = || async {
        let page = respond(
            &state,
            &me,
            &headers,
            Shown {
                absence_refused: true,
                ..Shown::default()
            },
        )
        .await?;
        Ok::<_, ApiError>((axum::http::StatusCode::BAD_REQUEST, page).into_response())
    };
    let Ok(axum::Form(form)) = form else {
        return refused().await;
    };
    if form.participant.trim() != participant.to_string() {
        return refused().await;
    }
    let last_day = if form.last_day.trim().is_empty() {
        form.first_day.clone()
    } else {
        form.last_day.clone()
    };
    let record = Record::parse(
        Kind::Absence,
        serde_json::json!({
            "id": form.id.trim(),
            "participant_id": participant,
            "first_day": form.first_day.trim(),
            "last_day": last_day.trim(),
            "reason": form.reason.trim(),
        }),
    );
    let Ok(record) = record else {
        return refused().await;
    };
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
    match outcome {
        WriteOutcome::Applied { .. } => {
            Ok(Redirect::to(&format!("{SCHEDULE_PATH}#{ABSENCE_ANCHOR}")).into_response())
        }
        WriteOutcome::Rejected(_) | WriteOutcome::Duplicate => refused().await,
    }
}

/// `POST /schedule/calendar`: a new private calendar link (the old one revoked), shown on
/// the page it answers with. Never a redirect: the link must not end up in an address.
#[tracing::instrument(skip_all)]
pub async fn make_calendar_link(
    State(state): State<AppState>,
    ClientAddress(peer): ClientAddress,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let me = match Visitor::load(&state, peer, &headers).await? {
        Ok(me) => me,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let url = new_link(&state, &me.user.id, me.participant, &headers).await?;
    let shown = Shown {
        calendar_url: Some(url),
        ..Shown::default()
    };
    respond(&state, &me, &headers, shown).await
}

/// `POST /logout`: the page's sign-out, for pages without the app's code.
#[tracing::instrument(skip_all)]
pub async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    auth::end_carried_session(&state, &headers).await?;
    Ok((
        auth::ended_session_cookies(state.secure_cookies),
        Redirect::to(SIGN_IN_PATH),
    )
        .into_response())
}

/// Sends a participant or supervisor who opens the app's address to their start page (the
/// schedule, the day's attendance): the welcome page and its code are not for them. Only page loads are sent on; the service worker's own
/// fetches of `/` (which it keeps for the app) are answered as they always were.
pub async fn participants_start_on_their_schedule(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    // A browser that does not say (Safari before 16.4) is asking for a page when it asks for
    // HTML first; the worker's `cache.addAll` does not.
    let headers = request.headers();
    let page_load = match headers.get("sec-fetch-mode") {
        Some(mode) => mode == "navigate",
        None => headers
            .get(header::ACCEPT)
            .and_then(|accept| accept.to_str().ok())
            .is_some_and(|accept| accept.starts_with("text/html")),
    };
    if request.method() == Method::GET && request.uri().path() == "/" && page_load {
        let start = match carried_user(&state, request.headers()).await {
            Ok(Some(user)) => page_start(&state, &user).await.map(Some),
            Ok(None) => Ok(None),
            Err(error) => Err(error),
        };
        match start {
            Ok(Some(start)) if [SCHEDULE_PATH, lotsa_pages::today::TODAY_PATH].contains(&start) => {
                return Redirect::to(start).into_response();
            }
            Ok(_) => {}
            Err(error) => error.log_if_internal(),
        }
    }
    next.run(request).await
}

async fn respond(
    state: &AppState,
    me: &Visitor,
    headers: &HeaderMap,
    shown: Shown,
) -> Result<Response, ApiError> {
    let schedule = gather(state, me, headers, shown).await?;
    // Never kept by the browser's own caches (nor shown again by Back after signing out);
    // the service worker keeps its one copy, which signing out forgets.
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        Html(render(schedule, state.leptos_options.clone())),
    )
        .into_response())
}

/// The language the user chose: on this device (the cookie the language switch writes), else
/// on their account, else Swedish.
pub(crate) async fn chosen_language(
    state: &AppState,
    user: &User,
    headers: &HeaderMap,
) -> Result<Locale, ApiError> {
    let on_device = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|cookies| lotsa_core::domain::cookie_value(cookies, LANGUAGE_COOKIE))
        .and_then(|chosen| chosen.parse().ok());
    if let Some(locale) = on_device {
        return Ok(locale);
    }
    Ok(account_language(state, &user.id).await?.unwrap_or_default())
}

/// The language kept on the account, if it is one the pages speak.
pub(crate) async fn account_language(
    state: &AppState,
    user_id: &str,
) -> Result<Option<Locale>, ApiError> {
    Ok(state
        .db
        .user_language(user_id)
        .await?
        .and_then(|language| language.parse().ok()))
}

async fn gather(
    state: &AppState,
    me: &Visitor,
    headers: &HeaderMap,
    shown: Shown,
) -> Result<MySchedule, ApiError> {
    let (caller, user, participant) = (&me.caller, &me.user, me.participant);
    let today = caller.today;
    let visible = visible_records(state, caller, Narrow::Participant(participant)).await?;
    let records: Vec<&StoredRecord> = visible.iter().map(|(stored, _)| stored).collect();
    let mut events = Vec::new();
    let mut placements: Vec<&Placement> = Vec::new();
    let mut me = None;
    let mut absences = Vec::new();
    for stored in &records {
        match &stored.record {
            Some(Record::Absence(absence)) if absence.last_day >= today => {
                absences.push(ReportedAbsence {
                    first_day: absence.first_day,
                    last_day: absence.last_day,
                    reason: absence.reason,
                });
            }
            Some(Record::ScheduleEvent(event)) => events.push(event.clone()),
            Some(Record::Placement(placement)) => placements.push(placement),
            Some(Record::Participant(found)) if found.id == participant => me = Some(found),
            _ => {}
        }
    }
    // The placement of today, else the next one.
    let placement = placements
        .iter()
        .filter(|placement| placement.ends_on >= today)
        .min_by_key(|placement| placement.starts_on);
    let workplace = match placement {
        Some(placement) => visible_workplace(state, caller, placement.workplace_id)
            .await?
            .map(|(name, address)| (name, address, placement.supervisor_id)),
        None => None,
    };
    let workplace = match workplace {
        Some((name, address, supervisor)) => Some(Workplace {
            name,
            address,
            supervisor: visible_contact(state, caller, Kind::Supervisor, supervisor).await?,
        }),
        None => None,
    };
    let case_manager = match me {
        Some(me) => visible_contact(state, caller, Kind::Staff, me.case_manager_id).await?,
        None => None,
    };
    let first_name = me.map_or_else(
        || user.display_name.clone(),
        |me| me.first_name.as_str().to_owned(),
    );
    let shift_place = workplace.as_ref().map(|workplace| workplace.name.clone());
    // What changed since the last visit is marked as new (nothing on the first visit, when
    // everything would be).
    let versions: std::collections::HashMap<Uuid, i64> = records
        .iter()
        .filter(|stored| stored.kind == Kind::ScheduleEvent)
        .map(|stored| (stored.id, stored.version))
        .collect();
    let newest = versions.values().copied().max().unwrap_or_default();
    let seen = state.db.see_schedule(&user.id, newest).await?;
    let is_new = |event: &Uuid| {
        seen.zip(versions.get(event))
            .is_some_and(|(seen, version)| *version > seen)
    };
    let days = agenda(&events, today)
        .into_iter()
        .map(|day| ScheduleDay {
            day: day.day,
            items: day
                .items
                .into_iter()
                .map(|(event, _)| ScheduleItem {
                    new: is_new(&event.id),
                    kind: event.kind,
                    title: event.title.as_ref().map(|title| title.as_str().to_owned()),
                    location: event
                        .location
                        .as_ref()
                        .map(|place| place.as_str().to_owned())
                        .or_else(|| {
                            (event.kind == lotsa_core::domain::EventKind::WorkplaceShift)
                                .then(|| shift_place.clone())
                                .flatten()
                        }),
                    starts_at: String::from(event.starts_at),
                    ends_at: String::from(event.ends_at),
                })
                .collect(),
        })
        .collect();
    state.db.log_access(&caller.reads(records)).await?;
    Ok(MySchedule {
        locale: chosen_language(state, user, headers).await?,
        first_name,
        today,
        days,
        case_manager,
        workplace,
        calendar_url: shown.calendar_url,
        updated_at: clock_text(stockholm_time(Utc::now())),
        absences,
        participant: participant.to_string(),
        absence_ids: [Uuid::new_v4().to_string(), Uuid::new_v4().to_string()],
        absence_refused: shown.absence_refused,
        reports: month_reports(state, caller, participant, &Sources::of(&visible)).await?,
        report_refused: shown.report_refused,
    })
}

/// Last month's report, if it has any hours, with its attestation: a month is attested once
/// it has ended (a month still running changes every day, and locking it would refuse the
/// supervisor's confirmations still to come).
async fn month_reports(
    state: &AppState,
    caller: &Caller,
    participant: Uuid,
    sources: &Sources,
) -> Result<Vec<MonthReport>, ApiError> {
    let mut reports = Vec::new();
    for month in [Month::of(caller.today).previous()] {
        let report = sources.report(month, caller.today);
        if report.is_empty() {
            continue;
        }
        let attested = state
            .db
            .month_attestation(participant, &month.to_string())
            .await?;
        let digest = digest(&report);
        reports.push(MonthReport {
            month: month.to_string(),
            days: report
                .days
                .iter()
                .map(|day| (day.day, day.minutes))
                .collect(),
            totals: report.totals,
            attested_on: attested
                .filter(|attested| attested.digest == digest)
                .map(|attested| stockholm_day(attested.attested_at).to_string()),
            digest,
        });
    }
    Ok(reports)
}

/// The attestation form's fields.
#[derive(serde::Deserialize)]
pub struct AttestForm {
    #[serde(default)]
    participant: String,
    #[serde(default)]
    month: String,
    #[serde(default)]
    digest: String,
}

/// `POST /schedule/attest`: the participant attests a month's report as they saw it (the
/// form carries its digest). Back to the page, which says it is attested; a report that
/// changed since it was shown is refused with the page saying so.
#[tracing::instrument(skip_all)]
pub async fn attest_month(
    State(state): State<AppState>,
    ClientAddress(peer): ClientAddress,
    headers: HeaderMap,
    form: Result<axum::Form<AttestForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, ApiError> {
    let me = match Visitor::load(&state, peer, &headers).await? {
        Ok(me) => me,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let attested = match (
        &form,
        form.as_ref()
            .ok()
            .and_then(|f| Month::parse(f.month.trim())),
    ) {
        (Ok(axum::Form(form)), Some(month))
            if form.participant.trim() == me.participant.to_string() =>
        {
            let seen = form.digest.trim();
            let done = crate::api::attendance::attest(
                &state,
                &me.caller,
                &me.user.id,
                me.participant,
                month,
                seen,
            )
            .await?;
            // A second sending of the same form finds the month attested as it saw it.
            done || state
                .db
                .month_attestation(me.participant, &month.to_string())
                .await?
                .is_some_and(|attestation| attestation.digest == seen)
        }
        _ => false,
    };
    if attested {
        return Ok(Redirect::to(&format!("{SCHEDULE_PATH}#{REPORT_ANCHOR}")).into_response());
    }
    let shown = Shown {
        report_refused: true,
        ..Shown::default()
    };
    let page = respond(&state, &me, &headers, shown).await?;
    Ok((axum::http::StatusCode::BAD_REQUEST, page).into_response())
}

/// A supervisor's first name or a staff card's name, with the phone number, as much as
/// `caller` may see.
async fn visible_contact(
    state: &AppState,
    caller: &Caller,
    kind: Kind,
    id: Uuid,
) -> Result<Option<Contact>, ApiError> {
    let Some(stored) = state.db.record(kind, id).await? else {
        return Ok(None);
    };
    let Some(body) = caller.view(&stored) else {
        return Ok(None);
    };
    let name = body.data["first_name"]
        .as_str()
        .or_else(|| body.data["name"].as_str())
        .map(str::to_owned);
    Ok(name.map(|name| Contact {
        name,
        phone: body.data["phone"].as_str().map(str::to_owned),
    }))
}
