//! Placements and the schedule: when and where a participant is expected, in Swedish local
//! time. Occurrences are computed here, so the phone shows the same schedule offline.

use super::values::{day, FieldError, Note, ShortText};
use super::{RecordError, Refusal};
use chrono::{DateTime, Datelike, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Europe::Stockholm;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A time of day on the wall clock in Sweden, `HH:MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TimeOfDay(NaiveTime);

impl TimeOfDay {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        NaiveTime::parse_from_str(raw.trim(), "%H:%M")
            .map(Self)
            .map_err(|_| FieldError::TimeOfDay)
    }

    pub fn time(self) -> NaiveTime {
        self.0
    }
}

impl TryFrom<String> for TimeOfDay {
    type Error = FieldError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<TimeOfDay> for String {
    fn from(time: TimeOfDay) -> Self {
        clock_text(time.0)
    }
}

/// A time of day as `HH:MM`. Written out rather than with chrono's `format`, whose format
/// string parser would be the only one in the browser bundle.
pub fn clock_text(time: impl chrono::Timelike) -> String {
    format!("{:02}:{:02}", time.hour(), time.minute())
}

/// A participant at a workplace with a supervisor, for a bounded period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Placement {
    pub id: Uuid,
    pub programme_id: Uuid,
    pub participant_id: Uuid,
    pub workplace_id: Uuid,
    pub supervisor_id: Uuid,
    #[serde(deserialize_with = "day::required")]
    pub starts_on: NaiveDate,
    #[serde(deserialize_with = "day::required")]
    pub ends_on: NaiveDate,
    /// The usual working week; the actual shifts are schedule events.
    #[serde(default)]
    pub weekly_pattern: Vec<WorkDay>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WorkDay {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Weekday))]
    pub weekday: Weekday,
    pub starts_at: TimeOfDay,
    pub ends_at: TimeOfDay,
}

impl Placement {
    /// Checks the placement on its own and against the programme's longest allowed placement.
    pub fn validate(&self, limit: Option<super::PlacementLimit>) -> Result<(), RecordError> {
        if self.ends_on < self.starts_on {
            return Err(RecordError::rule("ends_on", Refusal::EndsBeforeStartsOn));
        }
        if let Some(limit) = limit {
            if self.ends_on > limit.last_day(self.starts_on) {
                return Err(RecordError::rule("ends_on", Refusal::PlacementTooLong));
            }
        }
        let mut days: Vec<Weekday> = self.weekly_pattern.iter().map(|d| d.weekday).collect();
        days.sort_by_key(|day| day.num_days_from_monday());
        days.dedup();
        if days.len() != self.weekly_pattern.len() {
            return Err(RecordError::rule("weekly_pattern", Refusal::WeekdayTwice));
        }
        if self
            .weekly_pattern
            .iter()
            .any(|day| day.ends_at <= day.starts_at)
        {
            return Err(RecordError::rule(
                "weekly_pattern",
                Refusal::DayEndsBeforeStart,
            ));
        }
        Ok(())
    }

    pub fn is_active_on(&self, day: NaiveDate) -> bool {
        (self.starts_on..=self.ends_on).contains(&day)
    }

    /// The usual working week as schedule entries: one per working day, every week from the
    /// first such day of the placement to its last day. `new_id` names each entry.
    pub fn shifts(&self, mut new_id: impl FnMut() -> Uuid) -> Vec<ScheduleEvent> {
        self.weekly_pattern
            .iter()
            .map(|work_day| (work_day, next_on(self.starts_on, work_day.weekday)))
            .filter(|(_, first)| *first <= self.ends_on)
            .map(|(work_day, first)| ScheduleEvent {
                id: new_id(),
                programme_id: self.programme_id,
                participant_id: self.participant_id,
                kind: EventKind::WorkplaceShift,
                title: None,
                location: None,
                date: first,
                starts_at: work_day.starts_at,
                ends_at: work_day.ends_at,
                weekly_until: Some(self.ends_on),
                note: Note::default(),
            })
            .collect()
    }
}

/// The first `weekday` on or after `from`.
pub fn next_on(from: NaiveDate, weekday: Weekday) -> NaiveDate {
    let ahead = (7 + weekday.num_days_from_monday() - from.weekday().num_days_from_monday()) % 7;
    from + chrono::Days::new(u64::from(ahead))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    WorkplaceShift,
    TrainingDay,
    LanguageClass,
    Meeting,
    Introduction,
    StudyVisit,
}

/// Something in one participant's schedule: once, or every week until a last day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ScheduleEvent {
    pub id: Uuid,
    pub programme_id: Uuid,
    pub participant_id: Uuid,
    pub kind: EventKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<ShortText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<ShortText>,
    /// The first (or only) day.
    #[serde(deserialize_with = "day::required")]
    pub date: NaiveDate,
    pub starts_at: TimeOfDay,
    pub ends_at: TimeOfDay,
    /// Repeats on the same weekday every week up to and including this day.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "day::optional"
    )]
    pub weekly_until: Option<NaiveDate>,
    #[serde(default)]
    pub note: Note,
}

/// One concrete time slot of an event, as instants (for reminders and ordering) and as the
/// local day it falls on (for the calendar).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    pub event_id: Uuid,
    pub day: NaiveDate,
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
}

impl ScheduleEvent {
    pub fn validate(&self) -> Result<(), RecordError> {
        if self.ends_at <= self.starts_at {
            return Err(RecordError::rule(
                "ends_at",
                Refusal::EndsAtNotAfterStartsAt,
            ));
        }
        if self.weekly_until.is_some_and(|until| until < self.date) {
            return Err(RecordError::rule(
                "weekly_until",
                Refusal::WeeklyUntilBeforeDate,
            ));
        }
        Ok(())
    }

    /// The occurrences whose local day lies in `from..=to`.
    pub fn occurrences(&self, from: NaiveDate, to: NaiveDate) -> Vec<Occurrence> {
        let last = self.weekly_until.unwrap_or(self.date).min(to);
        let mut day = self.date;
        if day < from {
            // Jump to the first weekly repeat on or after `from`.
            let weeks = ((from - day).num_days() as u64).div_ceil(7);
            day = day + chrono::Days::new(weeks * 7);
        }
        let mut found = Vec::new();
        while day <= last {
            found.push(Occurrence {
                event_id: self.id,
                day,
                starts: stockholm_instant(day, self.starts_at.time()),
                ends: stockholm_instant(day, self.ends_at.time()),
            });
            day = day + chrono::Days::new(7);
        }
        found
    }
}

/// The instant a Swedish wall-clock time happens. In the spring gap (02:00–03:00 does not
/// exist) the clock has already moved on, so the time is read as summer time one hour on;
/// in the autumn overlap the first of the two instants is meant.
pub fn stockholm_instant(day: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let local = day.and_time(time);
    match Stockholm.from_local_datetime(&local) {
        LocalResult::Single(instant) | LocalResult::Ambiguous(instant, _) => instant.to_utc(),
        LocalResult::None => {
            let later = local + chrono::Duration::hours(1);
            Stockholm
                .from_local_datetime(&later)
                .earliest()
                .map(|instant| instant.to_utc())
                .unwrap_or_else(|| Utc.from_utc_datetime(&local))
        }
    }
}

/// The day it is in Sweden at `instant`.
pub fn stockholm_day(instant: DateTime<Utc>) -> NaiveDate {
    instant.with_timezone(&Stockholm).date_naive()
}

/// The time it is on Swedish clocks at `instant`.
pub fn stockholm_time(instant: DateTime<Utc>) -> NaiveTime {
    instant.with_timezone(&Stockholm).time()
}

/// Monday of the week `day` falls in.
pub fn week_start(day: NaiveDate) -> NaiveDate {
    day - chrono::Days::new(u64::from(day.weekday().num_days_from_monday()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn a_time_of_day_is_written_as_hours_and_minutes_with_leading_zeros() {
        let time = NaiveTime::from_hms_opt(7, 5, 59).unwrap();
        assert_eq!(clock_text(time), "07:05");
        assert_eq!(String::from(TimeOfDay::parse("23:40").unwrap()), "23:40");
    }

    fn weekly_shift(first: &str, until: &str) -> ScheduleEvent {
        ScheduleEvent {
            id: Uuid::nil(),
            programme_id: Uuid::nil(),
            participant_id: Uuid::nil(),
            kind: EventKind::WorkplaceShift,
            title: None,
            location: None,
            date: date(first),
            starts_at: TimeOfDay::parse("07:00").unwrap(),
            ends_at: TimeOfDay::parse("15:30").unwrap(),
            weekly_until: Some(date(until)),
            note: Note::default(),
        }
    }

    #[test]
    fn a_weekly_shift_keeps_its_wall_clock_time_across_daylight_saving() {
        // Summer time ends on Sunday 25 October 2026.
        let shift = weekly_shift("2026-10-19", "2026-11-30");
        let found = shift.occurrences(date("2026-10-01"), date("2026-10-31"));
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].starts.to_rfc3339(), "2026-10-19T05:00:00+00:00");
        assert_eq!(found[1].starts.to_rfc3339(), "2026-10-26T06:00:00+00:00");
        assert!(found.iter().all(|o| o.starts.weekday() == Weekday::Mon));
    }

    #[test]
    fn occurrences_are_limited_to_the_range_and_the_last_day() {
        let shift = weekly_shift("2026-11-02", "2026-11-23");
        let days: Vec<NaiveDate> = shift
            .occurrences(date("2026-11-10"), date("2026-12-31"))
            .into_iter()
            .map(|o| o.day)
            .collect();
        assert_eq!(days, [date("2026-11-16"), date("2026-11-23")]);
    }

    #[test]
    fn times_in_the_spring_gap_and_autumn_overlap_are_resolved() {
        // 29 March 2026: 02:30 does not exist in Sweden.
        let gap = stockholm_instant(
            date("2026-03-29"),
            NaiveTime::from_hms_opt(2, 30, 0).unwrap(),
        );
        assert_eq!(gap.to_rfc3339(), "2026-03-29T01:30:00+00:00");
        // 25 October 2026: 02:30 happens twice; the first is summer time.
        let overlap = stockholm_instant(
            date("2026-10-25"),
            NaiveTime::from_hms_opt(2, 30, 0).unwrap(),
        );
        assert_eq!(overlap.to_rfc3339(), "2026-10-25T00:30:00+00:00");
    }

    #[test]
    fn a_placements_working_week_becomes_weekly_shifts_until_its_last_day() {
        let day_at = |weekday, from: &str, to: &str| WorkDay {
            weekday,
            starts_at: TimeOfDay::parse(from).unwrap(),
            ends_at: TimeOfDay::parse(to).unwrap(),
        };
        // Wednesday 4 November to Monday 9 November: Monday's first shift is the 9th, and
        // Friday's the 6th; Thursday's only shift is the 5th.
        let placement = Placement {
            id: Uuid::nil(),
            programme_id: Uuid::nil(),
            participant_id: Uuid::nil(),
            workplace_id: Uuid::nil(),
            supervisor_id: Uuid::nil(),
            starts_on: date("2026-11-04"),
            ends_on: date("2026-11-09"),
            weekly_pattern: vec![
                day_at(Weekday::Mon, "07:00", "15:30"),
                day_at(Weekday::Thu, "13:00", "21:00"),
                day_at(Weekday::Tue, "07:00", "15:30"),
            ],
        };
        let shifts = placement.shifts(Uuid::new_v4);
        let found: Vec<(NaiveDate, String)> = shifts
            .iter()
            .map(|shift| (shift.date, String::from(shift.starts_at)))
            .collect();
        assert_eq!(
            found,
            [
                (date("2026-11-09"), "07:00".to_owned()),
                (date("2026-11-05"), "13:00".to_owned()),
            ],
            "Tuesday falls outside the placement"
        );
        assert!(shifts
            .iter()
            .all(|shift| shift.kind == EventKind::WorkplaceShift
                && shift.weekly_until == Some(date("2026-11-09"))
                && shift.validate().is_ok()));
        assert_ne!(shifts[0].id, shifts[1].id);
    }

    #[test]
    fn a_shift_must_end_after_it_starts() {
        let mut shift = weekly_shift("2026-11-02", "2026-11-23");
        shift.ends_at = TimeOfDay::parse("06:00").unwrap();
        assert!(shift.validate().is_err());
        assert_eq!(TimeOfDay::parse("25:00"), Err(FieldError::TimeOfDay));
    }
}
