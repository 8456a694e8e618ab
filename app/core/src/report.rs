//! The monthly attendance report a participant attests and the funder receives: hours per day
//! per activity, and the totals. Pure: it is worked out from the participant's schedule,
//! the supervisor's attendance and the participant's absences. Its canonical text (the CSV)
//! is what the attestation's SHA-256 digest covers, so the report the participant attested
//! can be told apart from one that changed since.

use crate::domain::{
    minutes_of_day, Absence, Attendance, AttendanceStatus, EventKind, ScheduleEvent,
};
use chrono::{Datelike, Months, NaiveDate};
use std::collections::BTreeMap;

/// What the hours were spent on, as the funder counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Activity {
    /// At the workplace, as the supervisor confirmed it.
    WorkplaceLearning,
    TrainingDay,
    /// Swedish for immigrants (SFI) and other language classes.
    LanguageClass,
    /// Meetings, introduction and study visits.
    Other,
}

impl Activity {
    pub const ALL: [Activity; 4] = [
        Activity::WorkplaceLearning,
        Activity::TrainingDay,
        Activity::LanguageClass,
        Activity::Other,
    ];

    /// The column's name in the CSV.
    pub fn code(self) -> &'static str {
        match self {
            Activity::WorkplaceLearning => "workplace_learning",
            Activity::TrainingDay => "training_day",
            Activity::LanguageClass => "language_class",
            Activity::Other => "other",
        }
    }

    fn of(kind: EventKind) -> Option<Self> {
        match kind {
            // Counted from the attendance the supervisor confirmed, not from the plan.
            EventKind::WorkplaceShift => None,
            EventKind::TrainingDay => Some(Activity::TrainingDay),
            EventKind::LanguageClass => Some(Activity::LanguageClass),
            EventKind::Meeting | EventKind::Introduction | EventKind::StudyVisit => {
                Some(Activity::Other)
            }
        }
    }
}

/// A calendar month, `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(NaiveDate);

impl Month {
    pub fn parse(raw: &str) -> Option<Self> {
        let (year, month) = raw.split_once('-')?;
        if year.len() != 4 || month.len() != 2 {
            return None;
        }
        NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, 1).map(Self)
    }

    pub fn of(day: NaiveDate) -> Self {
        Self(day.with_day(1).expect("every month has a first day"))
    }

    pub fn first_day(self) -> NaiveDate {
        self.0
    }

    pub fn last_day(self) -> NaiveDate {
        self.next()
            .0
            .pred_opt()
            .expect("a month has a day before the next")
    }

    pub fn next(self) -> Self {
        Self(self.0 + Months::new(1))
    }

    pub fn previous(self) -> Self {
        Self(self.0 - Months::new(1))
    }

    pub fn contains(self, day: NaiveDate) -> bool {
        Self::of(day) == self
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.0.year(), self.0.month())
    }
}

/// One day of the report: minutes per activity, in [`Activity::ALL`]'s order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportDay {
    pub day: NaiveDate,
    pub minutes: [i64; 4],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthlyReport {
    pub month: Month,
    /// The days with any hours, in order.
    pub days: Vec<ReportDay>,
    pub totals: [i64; 4],
}

/// The participant's report for `month`, as of `today` (a planned activity counts once its day
/// has come, unless the participant reported an absence for it; workplace hours count once
/// the supervisor confirmed the day).
pub fn monthly_report(
    month: Month,
    events: &[ScheduleEvent],
    attendance: &[Attendance],
    absences: &[Absence],
    today: NaiveDate,
) -> MonthlyReport {
    let last = month.last_day().min(today);
    let mut days: BTreeMap<NaiveDate, [i64; 4]> = BTreeMap::new();
    let absent = |day: NaiveDate| {
        absences
            .iter()
            .any(|absence| (absence.first_day..=absence.last_day).contains(&day))
    };
    for event in events {
        let Some(activity) = Activity::of(event.kind) else {
            continue;
        };
        let minutes = minutes_of_day(event.ends_at.time()) - minutes_of_day(event.starts_at.time());
        for slot in event.occurrences(month.first_day(), last) {
            if !absent(slot.day) {
                days.entry(slot.day).or_default()[activity as usize] += minutes;
            }
        }
    }
    for confirmed in attendance {
        if !month.contains(confirmed.day) || confirmed.day > today {
            continue;
        }
        let minutes = match confirmed.status {
            AttendanceStatus::Absent => 0,
            AttendanceStatus::Present | AttendanceStatus::PartOfDay => {
                let start = confirmed.arrived_at.or(confirmed.planned_start);
                let end = confirmed.left_at.or(confirmed.planned_end);
                match (start, end) {
                    (Some(start), Some(end)) => {
                        (minutes_of_day(end.time()) - minutes_of_day(start.time())).max(0)
                    }
                    _ => 0,
                }
            }
        };
        days.entry(confirmed.day).or_default()[Activity::WorkplaceLearning as usize] += minutes;
    }
    let days: Vec<ReportDay> = days
        .into_iter()
        .filter(|(_, minutes)| minutes.iter().any(|m| *m > 0))
        .map(|(day, minutes)| ReportDay { day, minutes })
        .collect();
    let mut totals = [0; 4];
    for day in &days {
        for (total, minutes) in totals.iter_mut().zip(day.minutes) {
            *total += minutes;
        }
    }
    MonthlyReport {
        month,
        days,
        totals,
    }
}

/// Hours with two decimals, from minutes (`7.50`), rounded to the nearest hundredth.
pub fn hours(minutes: i64) -> String {
    format!("{}.{:02}", minutes / 60, ((minutes % 60) * 100 + 30) / 60)
}

impl MonthlyReport {
    /// The canonical text of the report: a CSV with a header, one line per day and the
    /// totals, hours with two decimals. The attestation's digest is over these bytes.
    pub fn csv(&self) -> String {
        let mut text = String::from("date");
        for activity in Activity::ALL {
            text.push(',');
            text.push_str(activity.code());
            text.push_str("_hours");
        }
        text.push_str("\r\n");
        let line = |text: &mut String, first: &str, minutes: &[i64; 4]| {
            text.push_str(first);
            for value in minutes {
                text.push(',');
                text.push_str(&hours(*value));
            }
            text.push_str("\r\n");
        };
        for day in &self.days {
            line(&mut text, &day.day.to_string(), &day.minutes);
        }
        line(&mut text, "total", &self.totals);
        text
    }

    pub fn is_empty(&self) -> bool {
        self.days.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Kind, Record};
    use serde_json::json;
    use uuid::Uuid;

    const PARTICIPANT: Uuid = Uuid::from_u128(1);

    fn day(n: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, n).unwrap()
    }

    fn event(kind: &str, date: NaiveDate, times: (&str, &str), weekly: bool) -> ScheduleEvent {
        let mut data = json!({ "id": Uuid::new_v4(), "programme_id": Uuid::from_u128(2),
            "participant_id": PARTICIPANT, "kind": kind, "date": date,
            "starts_at": times.0, "ends_at": times.1 });
        if weekly {
            data["weekly_until"] = json!("2027-01-31");
        }
        match Record::parse(Kind::ScheduleEvent, data).unwrap() {
            Record::ScheduleEvent(event) => event,
            _ => unreachable!(),
        }
    }

    fn attendance(on: NaiveDate, fields: serde_json::Value) -> Attendance {
        let mut data = json!({ "id": Attendance::id_for(PARTICIPANT, on), "participant_id": PARTICIPANT,
            "placement_id": Uuid::from_u128(3), "day": on,
            "planned_start": "08:00", "planned_end": "16:00" });
        data.as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
        serde_json::from_value(data).unwrap()
    }

    #[test]
    fn a_month_counts_confirmed_workplace_hours_and_the_planned_classes_that_took_place() {
        // Mondays: SFI 08:30–11:45 every week; a training day on Tuesday 10 November.
        let events = [
            event("language_class", day(2), ("08:30", "11:45"), true),
            event("training_day", day(10), ("09:00", "15:00"), false),
        ];
        let attendance = [
            attendance(day(3), json!({ "status": "present" })),
            attendance(
                day(4),
                json!({ "status": "part_of_day", "arrived_at": "08:20", "reason": "transport" }),
            ),
            attendance(day(5), json!({ "status": "absent", "reason": "ill" })),
            attendance(day(30), json!({ "status": "present" })),
        ];
        let absences: [Absence; 1] = [serde_json::from_value(json!({ "id": Uuid::new_v4(),
            "participant_id": PARTICIPANT, "first_day": day(9), "last_day": day(9), "reason": "ill" }))
        .unwrap()];
        let report = monthly_report(Month::of(day(1)), &events, &attendance, &absences, day(24));
        let by_day: Vec<(u32, [i64; 4])> = report
            .days
            .iter()
            .map(|line| (line.day.day(), line.minutes))
            .collect();
        assert_eq!(
            by_day,
            [
                (2, [0, 0, 195, 0]),
                (3, [480, 0, 0, 0]),
                (4, [460, 0, 0, 0]),
                // 9: reported ill, so the class did not count.
                (10, [0, 360, 0, 0]),
                (16, [0, 0, 195, 0]),
                (23, [0, 0, 195, 0]),
                // 30 November has not come on the 24th.
            ]
        );
        assert_eq!(report.totals, [940, 360, 585, 0]);
        assert_eq!(
            report.csv().lines().last().unwrap(),
            "total,15.67,6.00,9.75,0.00"
        );
        assert!(report.csv().starts_with(
            "date,workplace_learning_hours,training_day_hours,language_class_hours,other_hours\r\n2026-11-02,0.00,0.00,3.25,0.00\r\n"
        ));
    }

    #[test]
    fn months_are_parsed_strictly() {
        assert_eq!(Month::parse("2026-11").unwrap().to_string(), "2026-11");
        assert_eq!(
            Month::parse("2026-12").unwrap().last_day(),
            NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
        );
        for wrong in ["2026-13", "2026-1", "26-11", "2026/11", "", "2026-11-01"] {
            assert_eq!(Month::parse(wrong), None, "{wrong}");
        }
    }
}
