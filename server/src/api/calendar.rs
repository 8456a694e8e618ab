//! A participant's schedule as a private iCalendar feed, for the phone's calendar app.
//!
//! The participant asks for a link (`POST /me/calendar`); the link carries a secret, of which
//! only a hash is stored, and a new link revokes the old one. A calendar app fetches the feed
//! without a session: the secret is the key, and each fetch is in the access log under the
//! participant's account. Times are Swedish wall-clock times with a `VTIMEZONE`, so weekly
//! events keep their time across daylight saving.

use crate::api::records::{parse_id, visible_records, Caller, NOT_VISIBLE};
use crate::api_error::{ApiError, ErrorBody};
use crate::auth::{new_secret, token_hash, SignedIn};
use crate::client_address::ClientAddress;
use crate::db::{AccessAction, AccessEntry, Narrow, StoredRecord};
use crate::startup::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use icalendar::{Calendar, CalendarDateTime, Component, EventLike};
use lotsa_core::domain::{
    stockholm_instant, Entity, EventKind, Kind, Placement, Record, ScheduleEvent,
};
use lotsa_pages::i18n::{td_string, Locale};
use lotsa_pages::schedule::kind_name;
use serde::Serialize;

/// The time zone every time in the feed is in.
const TZID: &str = "Europe/Stockholm";

/// Sweden's time zone as calendar apps need it: CET, with summer time (CEST) from the last
/// Sunday of March at 02:00 to the last Sunday of October at 03:00, as in the EU since 1996.
const STOCKHOLM_VTIMEZONE: &str = "BEGIN:VTIMEZONE\r
TZID:Europe/Stockholm\r
BEGIN:DAYLIGHT\r
TZOFFSETFROM:+0100\r
TZOFFSETTO:+0200\r
TZNAME:CEST\r
DTSTART:19700329T020000\r
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r
END:DAYLIGHT\r
BEGIN:STANDARD\r
TZOFFSETFROM:+0200\r
TZOFFSETTO:+0100\r
TZNAME:CET\r
DTSTART:19701025T030000\r
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r
END:STANDARD\r
END:VTIMEZONE\r
";

/// A link for the phone's calendar app to subscribe to.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CalendarLink {
    /// Private: whoever has it can read the schedule. Asking again makes a new one.
    pub url: String,
}

const NO_FEED: &str =
    "no such calendar link; it may have been replaced or revoked — make a new one in Lotsa";

/// Makes a new private calendar link to your schedule, revoking the one you had.
#[utoipa::path(
    post,
    path = "/api/v1/me/calendar",
    responses(
        (status = 201, description = "The new link", body = CalendarLink),
        (status = 400, description = "The request names no host", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Only a participant has a schedule to subscribe to, or a cross-site request", body = ErrorBody),
    ),
    tag = "calendar"
)]
#[tracing::instrument(skip_all)]
pub async fn create_link(
    State(state): State<AppState>,
    ClientAddress(peer): ClientAddress,
    SignedIn(user): SignedIn,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let caller = Caller::load(&state, &user, peer).await?;
    let participant = caller.viewer.own_participant().ok_or_else(|| {
        ApiError::Forbidden("only a participant has a schedule to subscribe to".to_owned())
    })?;
    let url = new_link(&state, &user.id, participant, &headers).await?;
    Ok((StatusCode::CREATED, Json(CalendarLink { url })).into_response())
}

/// Makes `user_id` a new calendar link to `participant`'s schedule (revoking the one they
/// had), on the host the request came to: its address.
pub(crate) async fn new_link(
    state: &AppState,
    user_id: &str,
    participant: uuid::Uuid,
    headers: &HeaderMap,
) -> Result<String, ApiError> {
    let host = headers
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .filter(|host| !host.is_empty() && !host.contains(['/', '@', ' ']))
        .ok_or_else(|| ApiError::BadRequest("the request names no host".to_owned()))?;
    let secret = new_secret();
    state
        .db
        .replace_calendar_feed(user_id, participant, &token_hash(&secret), Utc::now())
        .await?;
    let scheme = crate::auth::SiteScheme::new(state.secure_cookies).0;
    Ok(format!("{scheme}://{host}/api/v1/calendar/{secret}.ics"))
}

/// Revokes your calendar link: it answers 404 from now on.
#[utoipa::path(
    delete,
    path = "/api/v1/me/calendar",
    responses(
        (status = 204, description = "No link is open any more"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "A cross-site request", body = ErrorBody),
    ),
    tag = "calendar"
)]
#[tracing::instrument(skip_all)]
pub async fn revoke_own_link(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
) -> Result<StatusCode, ApiError> {
    state.db.revoke_calendar_feed(&user.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Revokes a participant's calendar link: for whoever may change the participant's record
/// (their case manager, the programme's leader).
#[utoipa::path(
    delete,
    path = "/api/v1/participants/{id}/calendar",
    params(("id" = Uuid, Path, description = "The participant's id")),
    responses(
        (status = 204, description = "No link to the participant's schedule is open any more"),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not the participant's case manager or the programme's leader, or a cross-site request", body = ErrorBody),
        (status = 404, description = "No such participant, or not visible to you", body = ErrorBody),
    ),
    tag = "calendar"
)]
#[tracing::instrument(skip_all)]
pub async fn revoke_participant_link(
    State(state): State<AppState>,
    ClientAddress(peer): ClientAddress,
    SignedIn(user): SignedIn,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = parse_id(&id)?;
    let caller = Caller::load(&state, &user, peer).await?;
    let stored = state
        .db
        .record(Kind::Participant, id)
        .await?
        .filter(|stored| caller.view(stored).is_some())
        .ok_or_else(|| ApiError::Missing(NOT_VISIBLE.to_owned()))?;
    if !caller.viewer.may_write(
        Kind::Participant,
        Entity::Participant(id),
        Some(stored.programme_id),
    ) {
        return Err(ApiError::Forbidden(
            "only the participant's case manager or the programme's leader can revoke their \
             calendar link"
                .to_owned(),
        ));
    }
    if state.db.revoke_participant_calendar_feeds(id).await? {
        state
            .db
            .log_access(&[AccessEntry {
                at: Utc::now(),
                user_id: caller.actor.user_id.to_string(),
                participant_id: Some(id.to_string()),
                action: AccessAction::Delete,
                kind: "calendar_link".to_owned(),
                record_id: None,
                address: caller.actor.address.clone(),
            }])
            .await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The schedule behind a calendar link, as iCalendar.
#[utoipa::path(
    get,
    path = "/api/v1/calendar/{file}",
    params(("file" = String, Path, description = "The link's secret followed by `.ics`")),
    responses(
        (status = 200, description = "The participant's schedule", content_type = "text/calendar"),
        (status = 404, description = "No such link, or it was revoked", body = ErrorBody),
    ),
    tag = "calendar"
)]
#[tracing::instrument(skip_all)]
pub async fn feed(
    State(state): State<AppState>,
    ClientAddress(peer): ClientAddress,
    Path(file): Path<String>,
) -> Result<Response, ApiError> {
    let unknown = || ApiError::Missing(NO_FEED.to_owned());
    let secret = file.strip_suffix(".ics").ok_or_else(unknown)?;
    let link = state
        .db
        .calendar_feed(&token_hash(secret))
        .await?
        .ok_or_else(unknown)?;
    let user = state.db.user(&link.user_id).await?.ok_or_else(unknown)?;
    let caller = Caller::load(&state, &user, peer).await?;
    // The link opens the schedule only while its account is still that participant.
    if caller.viewer.own_participant() != Some(link.participant_id) {
        return Err(unknown());
    }
    let visible =
        visible_records(&state, &caller, Narrow::Participant(link.participant_id)).await?;
    let records: Vec<&StoredRecord> = visible.iter().map(|(stored, _)| stored).collect();
    let placements: Vec<&Placement> = records
        .iter()
        .filter_map(|stored| match &stored.record {
            Some(Record::Placement(placement)) => Some(placement),
            _ => None,
        })
        .collect();
    let mut entries = Vec::new();
    let mut shown = Vec::new();
    for stored in &records {
        let Some(Record::ScheduleEvent(event)) = &stored.record else {
            continue;
        };
        let location = match &event.location {
            Some(location) => Some(location.as_str().to_owned()),
            None if event.kind == EventKind::WorkplaceShift => {
                workplace_address(&state, &caller, &placements, event.date).await?
            }
            None => None,
        };
        entries.push(FeedEntry { event, location });
        shown.push(*stored);
    }
    state.db.log_access(&caller.reads(shown)).await?;
    // A calendar app carries no cookie: the feed speaks the language kept on the account.
    let locale = crate::schedule_page::account_language(&state, &link.user_id)
        .await?
        .unwrap_or_default();
    let body = feed_text(&entries, locale, Utc::now());
    Ok((
        [(header::CONTENT_TYPE, "text/calendar; charset=utf-8")],
        body,
    )
        .into_response())
}

/// Where a workplace shift on `day` is: the workplace of the placement that day, as much of
/// it as the participant may see.
async fn workplace_address(
    state: &AppState,
    caller: &Caller,
    placements: &[&Placement],
    day: NaiveDate,
) -> Result<Option<String>, ApiError> {
    let Some(placement) = placements
        .iter()
        .find(|placement| placement.is_active_on(day))
    else {
        return Ok(None);
    };
    Ok(visible_workplace(state, caller, placement.workplace_id)
        .await?
        .map(|(name, address)| [name, address].join(", ")))
}

/// A workplace's name and its address on one line, as much as `caller` may see of them.
pub(crate) async fn visible_workplace(
    state: &AppState,
    caller: &Caller,
    id: uuid::Uuid,
) -> Result<Option<(String, String)>, ApiError> {
    let Some(stored) = state.db.record(Kind::Workplace, id).await? else {
        return Ok(None);
    };
    let Some(body) = caller.view(&stored) else {
        return Ok(None);
    };
    let text = |value: &serde_json::Value| value.as_str().map(str::to_owned);
    let address = &body.data["address"];
    let street = text(&address["street"]);
    let town = match (text(&address["postal_code"]), text(&address["city"])) {
        (Some(code), Some(city)) => Some(format!("{code} {city}")),
        (code, city) => code.or(city),
    };
    let line: Vec<String> = [street, town].into_iter().flatten().collect();
    Ok(text(&body.data["name"]).map(|name| (name, line.join(", "))))
}

/// One event of the feed, with where it happens.
struct FeedEntry<'a> {
    event: &'a ScheduleEvent,
    location: Option<String>,
}

/// The feed: the time zone, then one event per schedule entry, weekly ones with a rule
/// (the calendar app repeats them on the same wall-clock time). The case manager's notes on
/// an entry stay out: a calendar service (Google's, Apple's) fetches the feed and keeps it.
fn feed_text(entries: &[FeedEntry<'_>], locale: Locale, now: DateTime<Utc>) -> String {
    let mut calendar = Calendar::new();
    calendar
        .name(td_string!(locale, app_name))
        .timezone(TZID)
        .append_property(("X-PUBLISHED-TTL", "PT1H"));
    for FeedEntry { event, location } in entries {
        let local = |time: lotsa_core::domain::TimeOfDay| CalendarDateTime::WithTimezone {
            date_time: event.date.and_time(time.time()),
            tzid: TZID.to_owned(),
        };
        let kind = kind_name(event.kind, locale);
        let summary = match &event.title {
            Some(title) => format!("{kind}: {}", title.as_str()),
            None => kind.to_owned(),
        };
        let mut entry = icalendar::Event::new();
        entry
            .uid(&format!("{}@lotsa", event.id))
            .timestamp(now)
            .starts(local(event.starts_at))
            .ends(local(event.ends_at))
            .summary(&summary);
        if let Some(location) = location {
            entry.location(location);
        }
        if let Some(until) = event.weekly_until {
            // With a time zone on the start, UNTIL is the last start as a UTC instant.
            let last = stockholm_instant(until, event.starts_at.time());
            entry.add_property(
                "RRULE",
                format!("FREQ=WEEKLY;UNTIL={}", last.format("%Y%m%dT%H%M%SZ")),
            );
        }
        calendar.push(entry.done());
    }
    with_time_zone(&calendar.done().to_string())
}

/// The calendar with Stockholm's `VTIMEZONE` before its first event. Written into the text
/// because icalendar-rs stamps every component it writes with `DTSTAMP` and `UID`, which
/// RFC 5545 does not allow in a time zone.
fn with_time_zone(calendar: &str) -> String {
    let at = calendar
        .find("BEGIN:VEVENT\r\n")
        .or_else(|| calendar.find("END:VCALENDAR"))
        .unwrap_or(calendar.len());
    [&calendar[..at], STOCKHOLM_VTIMEZONE, &calendar[at..]].concat()
}

#[cfg(test)]
mod tests {
    use super::*;
    use lotsa_core::domain::{Note, ShortText, TimeOfDay};
    use uuid::Uuid;

    fn event(kind: EventKind, date: &str, weekly_until: Option<&str>) -> ScheduleEvent {
        ScheduleEvent {
            id: Uuid::nil(),
            programme_id: Uuid::nil(),
            participant_id: Uuid::nil(),
            kind,
            title: None,
            location: None,
            date: date.parse().unwrap(),
            starts_at: TimeOfDay::parse("07:00").unwrap(),
            ends_at: TimeOfDay::parse("15:30").unwrap(),
            weekly_until: weekly_until.map(|day| day.parse().unwrap()),
            note: Note::default(),
        }
    }

    #[test]
    fn a_weekly_shift_is_one_event_in_swedish_time_with_a_rule_ending_at_its_last_start() {
        let shift = event(EventKind::WorkplaceShift, "2026-10-19", Some("2026-11-02"));
        let mut class = event(EventKind::LanguageClass, "2026-10-20", None);
        class.title = Some(ShortText::parse("Sfi kurs C").unwrap());
        let entries = [
            FeedEntry {
                event: &shift,
                location: Some("Ektorpsgården, Storgatan 1, 131 00 Nacka".to_owned()),
            },
            FeedEntry {
                event: &class,
                location: None,
            },
        ];
        let text = feed_text(&entries, Locale::sv, Utc::now());
        let unfolded = text.replace("\r\n ", "");
        assert!(unfolded.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Stockholm\r\n"));
        assert!(unfolded.contains("DTSTART;TZID=Europe/Stockholm:20261019T070000\r\n"));
        assert!(unfolded.contains("DTEND;TZID=Europe/Stockholm:20261019T153000\r\n"));
        // 2 November 07:00 is winter time: 06:00 UTC.
        assert!(unfolded.contains("RRULE:FREQ=WEEKLY;UNTIL=20261102T060000Z\r\n"));
        assert!(unfolded.contains("SUMMARY:Arbetspass\r\n"));
        assert!(unfolded.contains("LOCATION:Ektorpsgården\\, Storgatan 1\\, 131 00 Nacka\r\n"));
        assert!(unfolded.contains("SUMMARY:Språkundervisning: Sfi kurs C\r\n"));
        assert_eq!(unfolded.matches("BEGIN:VEVENT").count(), 2);
        assert_eq!(unfolded.matches("RRULE:FREQ=WEEKLY").count(), 1);
        assert!(
            !unfolded.contains("BEGIN:DAYLIGHT\r\nDTSTAMP"),
            "a time zone has no stamp"
        );
    }
}
