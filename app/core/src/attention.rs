//! What in a caseload needs the case manager's attention today, and what comes next in each
//! participant's schedule, worked out from the records on the device (online or not). Pure: it reads the device's view (`kind/id` → record JSON)
//! so the phone needs no typed parser for every kind.

use crate::domain::Deviation;
use chrono::NaiveDate;
use serde_json::Value;
use std::collections::BTreeMap;

/// Check in at least this often while a participant is at a workplace.
pub const CHECK_IN_EVERY_DAYS: i64 = 14;
/// Warn this many days before a placement ends.
pub const PLACEMENT_ENDING_DAYS: i64 = 14;
/// An action agreed at the last check-in shows this many days before its "by" day.
pub const ACTION_SOON_DAYS: i64 = 3;
/// A deviation in attendance, or an agreed action past its day, stays on the list this many
/// days.
pub const DEVIATION_DAYS: i64 = 7;
/// Attendance below this share of the last two weeks' recorded days needs a talk.
pub const ATTENDANCE_FLOOR_PERCENT: u32 = 80;
/// The supported-employment fidelity scale's largest caseload.
pub const CASELOAD_LIMIT: usize = 20;

/// Declared from the most urgent to the least: the derived order ranks them, so what needs
/// action today comes first and a routine reminder (no recent check-in) last but one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Attention {
    /// Reported absent today.
    AbsentToday,
    /// A follow-up call is due (on or before today) and not done.
    FollowUpDue { due_on: NaiveDate },
    /// Something agreed at the last check-in is to be done by this day (within three days,
    /// or in the last week): the earliest such day.
    ActionDue { by: NaiveDate },
    /// Invited to sign in, and the invite ran out unused.
    InviteExpired { on: NaiveDate },
    /// The current placement ends within two weeks.
    PlacementEnding { ends_on: NaiveDate },
    /// Present on fewer than 80 % of the recorded days of the last two weeks.
    LowAttendance { percent: u32 },
    /// The supervisor recorded a deviation (absent, late or left early) in the last week:
    /// the most recent day.
    Deviation { on: NaiveDate },
    /// At a workplace, and a check-in is overdue: the next one the last check-in agreed is
    /// past its day, or (none agreed) the last was more than two weeks ago, or there was none.
    NoRecentCheckIn { last: Option<NaiveDate> },
    /// Invited to sign in, and the invite is still unused (valid until the day given).
    InvitePending { until: NaiveDate },
}

/// Looks this far ahead for a participant's next schedule entry.
pub const NEXT_WITHIN_DAYS: u64 = 31;

/// The next entry in a participant's schedule: the first occurrence not yet over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Next {
    pub day: NaiveDate,
    pub starts_at: String,
    /// The schedule event's record, for its kind and title.
    pub event: Value,
}

/// Each participant's next schedule entry at `now`, per participant id.
pub fn next_in_schedule(
    view: &BTreeMap<String, Value>,
    now: chrono::DateTime<chrono::Utc>,
) -> BTreeMap<String, Next> {
    let today = crate::domain::stockholm_day(now);
    let last = today + chrono::Days::new(NEXT_WITHIN_DAYS);
    let mut found: BTreeMap<String, (chrono::DateTime<chrono::Utc>, Next)> = BTreeMap::new();
    let events = view
        .range("schedule_event/".to_owned().."schedule_event0".to_owned())
        .map(|(_, event)| event);
    for event in events {
        let Ok(parsed) = serde_json::from_value::<crate::domain::ScheduleEvent>(event.clone())
        else {
            continue;
        };
        let participant = parsed.participant_id.to_string();
        let Some(slot) = parsed
            .occurrences(today, last)
            .into_iter()
            .find(|slot| slot.ends > now)
        else {
            continue;
        };
        if found
            .get(&participant)
            .is_some_and(|(starts, _)| *starts <= slot.starts)
        {
            continue;
        }
        let next = Next {
            day: slot.day,
            starts_at: String::from(parsed.starts_at),
            event: event.clone(),
        };
        found.insert(participant, (slot.starts, next));
    }
    found
        .into_iter()
        .map(|(participant, (_, next))| (participant, next))
        .collect()
}

fn date(record: &Value, field: &str) -> Option<NaiveDate> {
    record.get(field)?.as_str()?.parse().ok()
}

/// Whether an attendance record (as JSON) is a deviation, by [`Deviation::of`].
fn deviates(record: &Value) -> bool {
    let minutes = |field: &str| {
        let (hours, minutes) = record.get(field)?.as_str()?.split_once(':')?;
        Some(hours.parse::<i64>().ok()? * 60 + minutes.parse::<i64>().ok()?)
    };
    Deviation::of(
        record.get("status").and_then(Value::as_str) == Some("absent"),
        [minutes("planned_start"), minutes("planned_end")],
        [minutes("arrived_at"), minutes("left_at")],
    )
    .is_some()
}

fn days(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

/// Everything that needs attention, per participant id, for every participant in `view`,
/// each participant's most urgent first.
pub fn caseload(
    view: &BTreeMap<String, Value>,
    today: NaiveDate,
) -> BTreeMap<String, Vec<Attention>> {
    #[derive(Default)]
    struct Facts {
        at_workplace: bool,
        ending: Option<NaiveDate>,
        /// The last check-in held: its day, the next one it agreed, and the days its agreed
        /// actions are due by.
        last_check_in: Option<(NaiveDate, Option<NaiveDate>, Vec<NaiveDate>)>,
        absent_today: bool,
        deviation: Option<NaiveDate>,
        follow_up_due: Option<NaiveDate>,
        attended: u32,
        recorded: u32,
        invited_until: Option<NaiveDate>,
    }
    let mut facts: BTreeMap<String, Facts> = BTreeMap::new();
    for (key, record) in view {
        let Some((kind, id)) = key.split_once('/') else {
            continue;
        };
        if kind == "participant" {
            let facts = facts.entry(id.to_owned()).or_default();
            let signs_in = record.get("user_id").is_some_and(|user| !user.is_null());
            facts.invited_until = date(record, "invited_until").filter(|_| !signs_in);
            continue;
        }
        let Some(participant) = record.get("participant_id").and_then(Value::as_str) else {
            continue;
        };
        let facts = facts.entry(participant.to_owned()).or_default();
        match kind {
            "placement" => {
                if let (Some(starts), Some(ends)) =
                    (date(record, "starts_on"), date(record, "ends_on"))
                {
                    if starts <= today && today <= ends {
                        facts.at_workplace = true;
                        if days(today, ends) <= PLACEMENT_ENDING_DAYS {
                            facts.ending = Some(ends);
                        }
                    }
                }
            }
            "check_in" => {
                if let Some(held) = date(record, "held_on").filter(|held| *held <= today) {
                    if facts
                        .last_check_in
                        .as_ref()
                        .is_none_or(|(last, ..)| *last < held)
                    {
                        let actions = record.get("agreed_actions").and_then(Value::as_array);
                        let by = actions.into_iter().flatten().filter_map(|a| date(a, "by"));
                        facts.last_check_in =
                            Some((held, date(record, "next_check_in_on"), by.collect()));
                    }
                }
            }
            "absence" => {
                if let (Some(first), Some(last)) =
                    (date(record, "first_day"), date(record, "last_day"))
                {
                    facts.absent_today |= first <= today && today <= last;
                }
            }
            "follow_up" => {
                let done = record.get("done_on").is_some_and(|done| !done.is_null());
                if let Some(due) = date(record, "due_on").filter(|due| *due <= today && !done) {
                    facts.follow_up_due =
                        Some(facts.follow_up_due.map_or(due, |other| other.min(due)));
                }
            }
            "attendance" => {
                if let Some(day) = date(record, "day") {
                    if day < today && days(day, today) <= 14 {
                        facts.recorded += 1;
                        if record.get("status").and_then(Value::as_str) == Some("present") {
                            facts.attended += 1;
                        }
                    }
                    if day <= today && days(day, today) <= DEVIATION_DAYS && deviates(record) {
                        facts.deviation = facts.deviation.max(Some(day));
                    }
                }
            }
            _ => {}
        }
    }
    facts
        .into_iter()
        .filter(|(id, _)| view.contains_key(&format!("participant/{id}")))
        .map(|(id, facts)| {
            let mut needs = Vec::new();
            if facts.absent_today {
                needs.push(Attention::AbsentToday);
            }
            if let Some(on) = facts.deviation {
                needs.push(Attention::Deviation { on });
            }
            if let Some(due_on) = facts.follow_up_due {
                needs.push(Attention::FollowUpDue { due_on });
            }
            let last = facts.last_check_in.as_ref();
            let due_by = last.and_then(|(_, _, by)| {
                by.iter()
                    .copied()
                    .filter(|by| (-DEVIATION_DAYS..=ACTION_SOON_DAYS).contains(&days(today, *by)))
                    .min()
            });
            if let Some(by) = due_by {
                needs.push(Attention::ActionDue { by });
            }
            // Due on the day the last check-in agreed, else two weeks after it.
            let overdue = last.is_none_or(|(held, next, _)| match next {
                Some(next) => *next < today,
                None => days(*held, today) > CHECK_IN_EVERY_DAYS,
            });
            if facts.at_workplace && overdue {
                needs.push(Attention::NoRecentCheckIn {
                    last: last.map(|(held, ..)| *held),
                });
            }
            if let Some(ends_on) = facts.ending {
                needs.push(Attention::PlacementEnding { ends_on });
            }
            if let Some(percent) = (facts.attended * 100).checked_div(facts.recorded) {
                if percent < ATTENDANCE_FLOOR_PERCENT {
                    needs.push(Attention::LowAttendance { percent });
                }
            }
            match facts.invited_until {
                Some(until) if until >= today => needs.push(Attention::InvitePending { until }),
                Some(on) => needs.push(Attention::InviteExpired { on }),
                None => {}
            }
            needs.sort();
            (id, needs)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn day(n: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, n).unwrap()
    }

    fn view(records: &[(&str, Value)]) -> BTreeMap<String, Value> {
        records
            .iter()
            .enumerate()
            .map(|(n, (kind, data))| {
                let key = if *kind == "participant" {
                    format!("participant/{}", data["id"].as_str().unwrap())
                } else {
                    format!("{kind}/{n}")
                };
                (key, data.clone())
            })
            .collect()
    }

    #[test]
    fn a_participant_with_nothing_going_on_needs_nothing() {
        let view = view(&[("participant", json!({ "id": "p" }))]);
        assert_eq!(caseload(&view, day(20))["p"], vec![]);
    }

    #[test]
    fn each_reason_is_found() {
        let today = day(20);
        let view = view(&[
            ("participant", json!({ "id": "p" })),
            (
                "placement",
                json!({ "participant_id": "p", "starts_on": "2026-10-01", "ends_on": "2026-11-30" }),
            ),
            (
                "check_in",
                json!({ "participant_id": "p", "held_on": "2026-11-02" }),
            ),
            (
                "absence",
                json!({ "participant_id": "p", "first_day": "2026-11-20", "last_day": "2026-11-21" }),
            ),
            (
                "follow_up",
                json!({ "participant_id": "p", "due_on": "2026-11-18" }),
            ),
            (
                "follow_up",
                json!({ "participant_id": "p", "due_on": "2026-11-10", "done_on": "2026-11-10" }),
            ),
            (
                "attendance",
                json!({ "participant_id": "p", "day": "2026-11-16", "status": "present" }),
            ),
            (
                "attendance",
                json!({ "participant_id": "p", "day": "2026-11-17", "status": "absent" }),
            ),
            (
                "attendance",
                json!({ "participant_id": "p", "day": "2026-11-18", "status": "part_of_day" }),
            ),
            (
                "attendance",
                json!({ "participant_id": "p", "day": "2026-11-19", "status": "present" }),
            ),
        ]);
        assert_eq!(
            caseload(&view, today)["p"],
            vec![
                Attention::AbsentToday,
                Attention::FollowUpDue { due_on: day(18) },
                Attention::PlacementEnding { ends_on: day(30) },
                Attention::LowAttendance { percent: 50 },
                Attention::Deviation { on: day(17) },
                Attention::NoRecentCheckIn { last: Some(day(2)) },
            ]
        );
    }

    #[test]
    fn a_deviation_of_the_last_week_needs_attention_and_a_few_minutes_do_not() {
        let attendance = |day: &str, status: &str, times: Value| {
            let mut record = json!({ "participant_id": "p", "day": day, "status": status,
                "planned_start": "08:00", "planned_end": "16:00" });
            record
                .as_object_mut()
                .unwrap()
                .extend(times.as_object().unwrap().clone());
            ("attendance", record)
        };
        let needs = |records: &[(&str, Value)]| {
            let mut all = vec![("participant", json!({ "id": "p" }))];
            all.extend_from_slice(records);
            caseload(&view(&all), day(20))["p"]
                .iter()
                .filter(|need| matches!(need, Attention::Deviation { .. }))
                .cloned()
                .collect::<Vec<_>>()
        };
        let late = |minutes: &str| {
            attendance(
                "2026-11-19",
                "part_of_day",
                json!({ "arrived_at": minutes }),
            )
        };
        assert_eq!(
            needs(&[late("08:20")]),
            [Attention::Deviation { on: day(19) }]
        );
        assert_eq!(needs(&[late("08:15")]), []);
        let early = attendance("2026-11-18", "part_of_day", json!({ "left_at": "15:00" }));
        let old = attendance("2026-11-12", "absent", json!({}));
        assert_eq!(
            needs(&[early.clone(), old.clone()]),
            [Attention::Deviation { on: day(18) }]
        );
        assert_eq!(needs(&[old]), []);
    }

    #[test]
    fn the_next_check_in_agreed_at_the_last_is_due_on_its_day_not_after_fourteen_days() {
        let needs = |check_in: Value, today: u32| {
            let view = view(&[
                ("participant", json!({ "id": "p" })),
                (
                    "placement",
                    json!({ "participant_id": "p", "starts_on": "2026-10-01", "ends_on": "2027-01-30" }),
                ),
                ("check_in", check_in),
            ]);
            caseload(&view, day(today))["p"].clone()
        };
        let agreed = json!({ "participant_id": "p", "held_on": "2026-11-02",
            "next_check_in_on": "2026-11-26" });
        assert_eq!(
            needs(agreed.clone(), 25),
            [],
            "agreed for later: not yet due"
        );
        assert_eq!(needs(agreed.clone(), 26), [], "due today: not late yet");
        assert_eq!(
            needs(agreed, 27),
            [Attention::NoRecentCheckIn { last: Some(day(2)) }]
        );
        let none_agreed = json!({ "participant_id": "p", "held_on": "2026-11-02" });
        assert_eq!(needs(none_agreed.clone(), 16), []);
        assert_eq!(
            needs(none_agreed, 17),
            [Attention::NoRecentCheckIn { last: Some(day(2)) }]
        );
    }

    #[test]
    fn actions_agreed_at_the_last_check_in_show_three_days_ahead_and_a_week_after() {
        let check_in = |held_on: &str, by: &[&str]| {
            let actions: Vec<Value> = by
                .iter()
                .map(|by| json!({ "who": "participant", "what": "Ringa", "by": by }))
                .collect();
            (
                "check_in",
                json!({ "participant_id": "p", "held_on": held_on, "agreed_actions": actions }),
            )
        };
        let needs = |records: &[(&str, Value)], today: u32| {
            let mut all = vec![("participant", json!({ "id": "p" }))];
            all.extend_from_slice(records);
            caseload(&view(&all), day(today))["p"].clone()
        };
        let last = check_in("2026-11-10", &["2026-11-20", "2026-11-24", "2026-11-30"]);
        assert_eq!(
            needs(std::slice::from_ref(&last), 16),
            [],
            "four days ahead: not yet"
        );
        assert_eq!(
            needs(std::slice::from_ref(&last), 17),
            [Attention::ActionDue { by: day(20) }]
        );
        assert_eq!(
            needs(std::slice::from_ref(&last), 27),
            [Attention::ActionDue { by: day(20) }],
            "a week after its day it still shows, the earliest first"
        );
        assert_eq!(
            needs(std::slice::from_ref(&last), 28),
            [Attention::ActionDue { by: day(24) }]
        );
        // A later check-in agrees anew: what the earlier one agreed is no longer asked for.
        let later = check_in("2026-11-15", &[]);
        assert_eq!(needs(&[last, later], 20), []);
    }

    #[test]
    fn a_recent_check_in_and_good_attendance_need_nothing() {
        let view = view(&[
            ("participant", json!({ "id": "p" })),
            (
                "placement",
                json!({ "participant_id": "p", "starts_on": "2026-10-01", "ends_on": "2027-01-30" }),
            ),
            (
                "check_in",
                json!({ "participant_id": "p", "held_on": "2026-11-13" }),
            ),
            (
                "follow_up",
                json!({ "participant_id": "p", "due_on": "2026-12-18" }),
            ),
            (
                "attendance",
                json!({ "participant_id": "p", "day": "2026-11-19", "status": "present" }),
            ),
        ]);
        assert_eq!(caseload(&view, day(20))["p"], vec![]);
    }

    #[test]
    fn an_unused_invite_needs_attention_until_it_is_accepted() {
        let pending = view(&[(
            "participant",
            json!({ "id": "p", "invited_until": "2026-11-25" }),
        )]);
        assert_eq!(
            caseload(&pending, day(20))["p"],
            vec![Attention::InvitePending { until: day(25) }]
        );
        assert_eq!(
            caseload(&pending, day(26))["p"],
            vec![Attention::InviteExpired { on: day(25) }]
        );
        let accepted = view(&[(
            "participant",
            json!({ "id": "p", "invited_until": "2026-11-25", "user_id": "u" }),
        )]);
        assert_eq!(caseload(&accepted, day(20))["p"], vec![]);
    }

    fn event(id: &str, participant: &str, date: &str, hours: (&str, &str)) -> (String, Value) {
        let event = json!({
            "id": id, "programme_id": "00000000-0000-0000-0000-000000000000",
            "participant_id": participant, "kind": "workplace_shift",
            "date": date, "starts_at": hours.0, "ends_at": hours.1,
        });
        (format!("schedule_event/{id}"), event)
    }

    #[test]
    fn the_next_entry_is_the_first_not_yet_over() {
        let p = "11111111-1111-1111-1111-111111111111";
        let q = "22222222-2222-2222-2222-222222222222";
        let view: BTreeMap<String, Value> = [
            event(
                "00000000-0000-0000-0000-00000000000a",
                p,
                "2026-11-20",
                ("07:00", "09:00"),
            ),
            event(
                "00000000-0000-0000-0000-00000000000b",
                p,
                "2026-11-20",
                ("13:00", "15:00"),
            ),
            event(
                "00000000-0000-0000-0000-00000000000c",
                p,
                "2026-11-23",
                ("07:00", "15:00"),
            ),
            event(
                "00000000-0000-0000-0000-00000000000d",
                q,
                "2026-10-01",
                ("07:00", "15:00"),
            ),
        ]
        .into_iter()
        .collect();
        // 10:00 in Stockholm (UTC+1 in November): the morning is over, the afternoon is next.
        let now = "2026-11-20T09:00:00Z".parse().unwrap();
        let next = next_in_schedule(&view, now);
        assert_eq!(next[p].day, day(20));
        assert_eq!(next[p].starts_at, "13:00");
        assert!(!next.contains_key(q), "a past one-off entry is not next");
        // During the afternoon entry it is still the next thing; after it, Monday's.
        let during = "2026-11-20T12:30:00Z".parse().unwrap();
        assert_eq!(next_in_schedule(&view, during)[p].starts_at, "13:00");
        let evening = "2026-11-20T18:00:00Z".parse().unwrap();
        assert_eq!(next_in_schedule(&view, evening)[p].day, day(23));
    }

    #[test]
    fn records_of_participants_not_held_are_ignored() {
        let view = view(&[(
            "absence",
            json!({ "participant_id": "gone", "first_day": "2026-11-20", "last_day": "2026-11-20" }),
        )]);
        assert!(caseload(&view, day(20)).is_empty());
    }
}
