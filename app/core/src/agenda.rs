//! A participant's days ahead, as their start page shows them: today to the end of next week,
//! each day with what happens, earliest first.

use crate::domain::{week_start, Occurrence, ScheduleEvent};
use chrono::NaiveDate;

/// One day with something planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgendaDay<'a> {
    pub day: NaiveDate,
    pub items: Vec<(&'a ScheduleEvent, Occurrence)>,
}

/// The last day a participant's start page looks ahead to: Sunday of next week.
pub fn horizon(today: NaiveDate) -> NaiveDate {
    week_start(today) + chrono::Days::new(13)
}

/// The days from `today` to the end of next week that have something in `events`, in order,
/// each day's items by their start.
pub fn agenda(events: &[ScheduleEvent], today: NaiveDate) -> Vec<AgendaDay<'_>> {
    let mut items: Vec<(&ScheduleEvent, Occurrence)> = events
        .iter()
        .flat_map(|event| {
            event
                .occurrences(today, horizon(today))
                .into_iter()
                .map(move |occurrence| (event, occurrence))
        })
        .collect();
    items.sort_by_key(|(event, occurrence)| (occurrence.starts, event.id));
    let mut days: Vec<AgendaDay> = Vec::new();
    for (event, occurrence) in items {
        match days.last_mut() {
            Some(last) if last.day == occurrence.day => last.items.push((event, occurrence)),
            _ => days.push(AgendaDay {
                day: occurrence.day,
                items: vec![(event, occurrence)],
            }),
        }
    }
    days
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{EventKind, Note, TimeOfDay};
    use uuid::Uuid;

    fn event(
        kind: EventKind,
        date: &str,
        starts: &str,
        weekly_until: Option<&str>,
    ) -> ScheduleEvent {
        ScheduleEvent {
            id: Uuid::new_v4(),
            programme_id: Uuid::nil(),
            participant_id: Uuid::nil(),
            kind,
            title: None,
            location: None,
            date: date.parse().unwrap(),
            starts_at: TimeOfDay::parse(starts).unwrap(),
            ends_at: TimeOfDay::parse("16:00").unwrap(),
            weekly_until: weekly_until.map(|day| day.parse().unwrap()),
            note: Note::default(),
        }
    }

    #[test]
    fn the_agenda_runs_from_today_to_sunday_next_week_with_each_days_items_in_order() {
        // Wednesday 9 December 2026: the agenda ends on Sunday the 20th.
        let today: NaiveDate = "2026-12-09".parse().unwrap();
        assert_eq!(horizon(today), "2026-12-20".parse().unwrap());
        let events = [
            event(
                EventKind::WorkplaceShift,
                "2026-11-02",
                "07:00",
                Some("2027-01-31"),
            ),
            event(EventKind::LanguageClass, "2026-12-14", "06:30", None),
            event(EventKind::Meeting, "2026-12-08", "10:00", None),
            event(EventKind::TrainingDay, "2026-12-21", "09:00", None),
        ];
        let days = agenda(&events, today);
        let found: Vec<(String, Vec<EventKind>)> = days
            .iter()
            .map(|day| {
                (
                    day.day.to_string(),
                    day.items.iter().map(|(event, _)| event.kind).collect(),
                )
            })
            .collect();
        assert_eq!(
            found,
            [(
                "2026-12-14".to_owned(),
                vec![EventKind::LanguageClass, EventKind::WorkplaceShift]
            ),],
            "yesterday's meeting and the day after next week are left out; the Monday shifts \
             of the 7th (past) and the 21st (beyond) too"
        );
    }
}
