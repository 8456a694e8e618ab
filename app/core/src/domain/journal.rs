//! What the journeys record about a participant: check-ins, reviews, contacts, training
//! goals, attendance, absence, the closing conversation and follow-ups after exit.

use super::values::{day, Note, ShortText};
use super::{RecordError, Refusal, TimeOfDay};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A meeting at the workplace: case manager (often with the employment officer) meets the
/// participant and the supervisor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CheckIn {
    pub id: Uuid,
    pub participant_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement_id: Option<Uuid>,
    #[serde(deserialize_with = "day::required")]
    pub held_on: NaiveDate,
    /// When it started, on the Swedish wall clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_at: Option<super::TimeOfDay>,
    #[serde(default)]
    pub attendees: Vec<Attendee>,
    pub going: Going,
    #[serde(default)]
    pub notes: Note,
    /// A short rating of the areas the placement trains.
    #[serde(default)]
    pub ratings: Vec<AreaRating>,
    #[serde(default)]
    pub agreed_actions: Vec<AgreedAction>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "day::optional"
    )]
    pub next_check_in_on: Option<NaiveDate>,
}

/// What someone agreed at a check-in to do, and by when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AgreedAction {
    pub who: Attendee,
    pub what: ShortText,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "day::optional"
    )]
    pub by: Option<NaiveDate>,
}

/// The areas of care work a placement trains, as the check-in rates them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Area {
    AttendancePunctuality,
    HygieneRoutines,
    CareRecipientContact,
    Teamwork,
    SwedishAtWork,
}

impl Area {
    pub const ALL: [Area; 5] = [
        Area::AttendancePunctuality,
        Area::HygieneRoutines,
        Area::CareRecipientContact,
        Area::Teamwork,
        Area::SwedishAtWork,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Area::AttendancePunctuality => "attendance_punctuality",
            Area::HygieneRoutines => "hygiene_routines",
            Area::CareRecipientContact => "care_recipient_contact",
            Area::Teamwork => "teamwork",
            Area::SwedishAtWork => "swedish_at_work",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AreaRating {
    pub area: Area,
    pub rating: Rating,
}

/// Three steps, so it is quick to give with one thumb.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    Good,
    Developing,
    NeedsSupport,
}

impl Rating {
    pub const ALL: [Rating; 3] = [Rating::Good, Rating::Developing, Rating::NeedsSupport];

    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Good => "good",
            Rating::Developing => "developing",
            Rating::NeedsSupport => "needs_support",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Attendee {
    Participant,
    Supervisor,
    CaseManager,
    EmploymentOfficer,
    UnitManager,
}

/// How the placement is going, in the words of the check-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Going {
    Well,
    Mixed,
    Poorly,
}

/// A review between the employment officer and the case manager about one participant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Review {
    pub id: Uuid,
    pub participant_id: Uuid,
    #[serde(deserialize_with = "day::required")]
    pub held_on: NaiveDate,
    #[serde(default)]
    pub notes: Note,
    #[serde(default)]
    pub next_steps: Note,
}

/// One entry of the contact log: a call, a message, a meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContactEntry {
    pub id: Uuid,
    pub participant_id: Uuid,
    #[serde(deserialize_with = "day::required")]
    pub on: NaiveDate,
    pub channel: Channel,
    #[serde(default)]
    pub summary: Note,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Meeting,
    Phone,
    Email,
    TextMessage,
    Other,
}

/// A goal of the training course and how far the participant has come.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TrainingGoal {
    pub id: Uuid,
    pub participant_id: Uuid,
    pub goal: ShortText,
    pub progress: Progress,
    #[serde(default)]
    pub notes: Note,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Progress {
    NotStarted,
    Started,
    Achieved,
}

/// Whether a participant was at the workplace on a day, as the supervisor confirmed it, with
/// the day's planned times (from the schedule when it was confirmed) and, for a day that did
/// not go as planned, the actual times and why.
///
/// There is one record per participant and day (the id is derived from both), so two
/// people confirming the same day edit one record instead of creating two.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Attendance {
    pub id: Uuid,
    pub participant_id: Uuid,
    pub placement_id: Uuid,
    #[serde(deserialize_with = "day::required")]
    pub day: NaiveDate,
    pub status: AttendanceStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned_start: Option<TimeOfDay>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned_end: Option<TimeOfDay>,
    /// When the participant came, on a day they came late.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrived_at: Option<TimeOfDay>,
    /// When the participant left, on a day they left early.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left_at: Option<TimeOfDay>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<AttendanceReason>,
    /// A short note to the case manager (not shown to the participant).
    #[serde(default)]
    pub note: Note,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AttendanceStatus {
    Present,
    /// Came late or left early (the times say which).
    PartOfDay,
    Absent,
}

/// Why a day did not go as planned: the reason codes of the deviation reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AttendanceReason {
    Ill,
    ChildIll,
    Transport,
    OwnChoice,
    /// Needs a note that says what.
    Other,
}

impl AttendanceReason {
    pub const ALL: [AttendanceReason; 5] = [
        AttendanceReason::Ill,
        AttendanceReason::ChildIll,
        AttendanceReason::Transport,
        AttendanceReason::OwnChoice,
        AttendanceReason::Other,
    ];

    /// The code, as stored and as the deviation report writes it.
    pub fn code(self) -> &'static str {
        match self {
            AttendanceReason::Ill => "ill",
            AttendanceReason::ChildIll => "child_ill",
            AttendanceReason::Transport => "transport",
            AttendanceReason::OwnChoice => "own_choice",
            AttendanceReason::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|reason| reason.code() == code)
    }
}

/// Arriving later or leaving earlier than planned by more than this is a deviation.
pub const DEVIATION_MINUTES: i64 = 15;

/// How a day differed from the plan, when it is a deviation: absent, or late arrival or
/// early leave by more than [`DEVIATION_MINUTES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deviation {
    pub absent: bool,
    /// Minutes after the planned start the participant came, when more than the margin.
    pub late_minutes: Option<i64>,
    /// Minutes before the planned end the participant left, when more than the margin.
    pub early_minutes: Option<i64>,
}

impl Attendance {
    /// The one id a participant's attendance on `day` has.
    pub fn id_for(participant_id: Uuid, day: NaiveDate) -> Uuid {
        let name = format!("attendance:{participant_id}:{day}");
        Uuid::new_v5(&Uuid::NAMESPACE_URL, name.as_bytes())
    }

    /// An absence has a reason and no times; a part of a day has the planned times, the
    /// actual time that differs, and a reason; a day as planned has no reason; "other"
    /// says what in the note.
    pub fn validate(&self) -> Result<(), RecordError> {
        if self.id != Self::id_for(self.participant_id, self.day) {
            return Err(RecordError::rule("id", Refusal::AttendanceId));
        }
        let incomplete = |field: &str| Err(RecordError::rule(field, Refusal::AttendanceIncomplete));
        let actual = self.arrived_at.is_some() || self.left_at.is_some();
        match self.status {
            AttendanceStatus::Present if self.reason.is_some() => return incomplete("reason"),
            AttendanceStatus::Present if actual => return incomplete("arrived_at"),
            AttendanceStatus::Present => {}
            AttendanceStatus::Absent if actual => return incomplete("arrived_at"),
            AttendanceStatus::PartOfDay if !actual => return incomplete("arrived_at"),
            AttendanceStatus::PartOfDay
                if self.planned_start.is_none() || self.planned_end.is_none() =>
            {
                return incomplete("planned_start")
            }
            AttendanceStatus::Absent | AttendanceStatus::PartOfDay if self.reason.is_none() => {
                return incomplete("reason")
            }
            AttendanceStatus::Absent | AttendanceStatus::PartOfDay => {}
        }
        if self.reason == Some(AttendanceReason::Other) && self.note.as_str().trim().is_empty() {
            return incomplete("note");
        }
        // Part of a day is later than planned in, or earlier than planned out: it never adds
        // hours the plan did not have.
        if self
            .arrived_at
            .zip(self.planned_start)
            .is_some_and(|(came, planned)| came <= planned)
        {
            return incomplete("arrived_at");
        }
        if self
            .left_at
            .zip(self.planned_end)
            .is_some_and(|(went, planned)| went >= planned)
        {
            return incomplete("left_at");
        }
        let came = self.arrived_at.or(self.planned_start);
        let went = self.left_at.or(self.planned_end);
        if let (Some(came), Some(went)) = (came, went) {
            if went <= came {
                return Err(RecordError::rule(
                    "left_at",
                    Refusal::EndsAtNotAfterStartsAt,
                ));
            }
        }
        if let (Some(start), Some(end)) = (self.planned_start, self.planned_end) {
            if end <= start {
                return Err(RecordError::rule(
                    "planned_end",
                    Refusal::EndsAtNotAfterStartsAt,
                ));
            }
        }
        Ok(())
    }

    /// Attendance is confirmed for a day that has come: not after `today` (the Swedish day the
    /// change is made on). Checked when a change is made, like a check-in's day.
    pub fn happened_by(&self, today: NaiveDate) -> Result<(), RecordError> {
        if self.day > today {
            return Err(RecordError::rule("day", Refusal::AttendanceInTheFuture));
        }
        Ok(())
    }

    /// How the day differed from its plan, if that is a deviation.
    pub fn deviation(&self) -> Option<Deviation> {
        let minutes = |time: Option<TimeOfDay>| time.map(|time| minutes_of_day(time.time()));
        Deviation::of(
            self.status == AttendanceStatus::Absent,
            [minutes(self.planned_start), minutes(self.planned_end)],
            [minutes(self.arrived_at), minutes(self.left_at)],
        )
    }
}

/// Minutes since midnight.
pub fn minutes_of_day(time: chrono::NaiveTime) -> i64 {
    use chrono::Timelike;
    i64::from(time.hour()) * 60 + i64::from(time.minute())
}

impl Deviation {
    /// The deviation of a day, from whether the participant was absent, the planned
    /// `[start, end]` and the actual `[arrived, left]` (minutes since midnight): also used on
    /// the phone, which reads records as JSON.
    pub fn of(absent: bool, planned: [Option<i64>; 2], actual: [Option<i64>; 2]) -> Option<Self> {
        let beyond = |from: Option<i64>, to: Option<i64>| {
            Some(to? - from?).filter(|minutes| *minutes > DEVIATION_MINUTES)
        };
        let deviation = Deviation {
            absent,
            late_minutes: beyond(planned[0], actual[0]),
            early_minutes: beyond(actual[1], planned[1]),
        };
        (absent || deviation.late_minutes.is_some() || deviation.early_minutes.is_some())
            .then_some(deviation)
    }
}

/// A participant reporting that they will not come (or did not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Absence {
    pub id: Uuid,
    pub participant_id: Uuid,
    #[serde(deserialize_with = "day::required")]
    pub first_day: NaiveDate,
    #[serde(deserialize_with = "day::required")]
    pub last_day: NaiveDate,
    pub reason: AbsenceReason,
    /// Seen by the case manager, not by the workplace.
    #[serde(default)]
    pub note: Note,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AbsenceReason {
    Ill,
    ChildIll,
    Appointment,
    LanguageClass,
    Other,
}

impl CheckIn {
    pub fn validate(&self) -> Result<(), RecordError> {
        let mut rated = std::collections::HashSet::new();
        if !self.ratings.iter().all(|rating| rated.insert(rating.area)) {
            return Err(RecordError::rule("ratings", Refusal::AreaRatedTwice));
        }
        Ok(())
    }

    /// A check-in records a visit that took place, so it is not dated after `today` (the
    /// Swedish day the change is made on). Checked when a change is made, not when a stored
    /// one is read: yesterday's today is not today's.
    pub fn happened_by(&self, today: NaiveDate) -> Result<(), RecordError> {
        if self.held_on > today {
            return Err(RecordError::rule("held_on", Refusal::CheckInInTheFuture));
        }
        Ok(())
    }
}

impl Absence {
    pub fn validate(&self) -> Result<(), RecordError> {
        if self.last_day < self.first_day {
            return Err(RecordError::rule(
                "last_day",
                Refusal::LastDayBeforeFirstDay,
            ));
        }
        Ok(())
    }
}

/// The closing conversation and where the participant goes next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Closing {
    pub id: Uuid,
    pub participant_id: Uuid,
    #[serde(deserialize_with = "day::required")]
    pub held_on: NaiveDate,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employer: Option<ShortText>,
    #[serde(default)]
    pub notes: Note,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    HourlyEmployment,
    SubstitutePool,
    SummerSubstitute,
    FixedTermEmployment,
    PermanentEmployment,
    Studies,
    Other,
}

impl Outcome {
    /// Whether the outcome counts towards the target "in work or studies at exit".
    pub fn is_work_or_studies(self) -> bool {
        !matches!(self, Outcome::Other)
    }
}

/// A call after exit ("What happened next? Call them!"), planned and then done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FollowUp {
    pub id: Uuid,
    pub participant_id: Uuid,
    #[serde(deserialize_with = "day::required")]
    pub due_on: NaiveDate,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "day::optional"
    )]
    pub done_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub situation: Option<Situation>,
    #[serde(default)]
    pub notes: Note,
}

/// Where a former participant is when followed up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Situation {
    Working,
    Studying,
    JobSeeking,
    Other,
    NotReached,
}

impl FollowUp {
    pub fn validate(&self) -> Result<(), RecordError> {
        if self.situation.is_some() && self.done_on.is_none() {
            return Err(RecordError::rule("done_on", Refusal::FollowUpNeedsDoneOn));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_check_in_rates_each_area_at_most_once() {
        let check_in = |ratings: serde_json::Value| {
            crate::domain::from_json::<CheckIn>(json!({
                "id": Uuid::nil(), "participant_id": Uuid::nil(), "held_on": "2026-11-20",
                "going": "well", "ratings": ratings,
            }))
            .unwrap()
        };
        let once = check_in(json!([
            { "area": "teamwork", "rating": "good" },
            { "area": "hygiene_routines", "rating": "developing" },
        ]));
        assert!(once.validate().is_ok());
        let twice = check_in(json!([
            { "area": "teamwork", "rating": "good" },
            { "area": "teamwork", "rating": "needs_support" },
        ]));
        assert_eq!(twice.validate().unwrap_err().field, "ratings");
    }

    fn attendance(fields: serde_json::Value) -> Result<Attendance, RecordError> {
        let participant = Uuid::from_u128(1);
        let day: NaiveDate = "2026-12-07".parse().unwrap();
        let mut data = json!({ "id": Attendance::id_for(participant, day), "participant_id": participant,
            "placement_id": Uuid::from_u128(2), "day": day,
            "planned_start": "08:00", "planned_end": "16:00" });
        data.as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
        let attendance: Attendance = serde_json::from_value(data).unwrap();
        attendance.validate().map(|()| attendance)
    }

    fn refusal(fields: serde_json::Value) -> Refusal {
        attendance(fields).unwrap_err().refusal
    }

    #[test]
    fn a_day_that_did_not_go_as_planned_says_how_and_why() {
        assert!(attendance(json!({ "status": "present" })).is_ok());
        assert!(attendance(json!({ "status": "absent", "reason": "ill" })).is_ok());
        let late = json!({ "status": "part_of_day", "arrived_at": "08:20", "reason": "transport" });
        assert!(attendance(late).is_ok());
        let early = json!({ "status": "part_of_day", "left_at": "15:00", "reason": "ill" });
        assert!(attendance(early).is_ok());
        let incomplete = [
            json!({ "status": "absent" }),
            json!({ "status": "present", "reason": "ill" }),
            json!({ "status": "present", "arrived_at": "08:00" }),
            json!({ "status": "absent", "reason": "ill", "arrived_at": "09:00" }),
            json!({ "status": "part_of_day", "reason": "ill" }),
            json!({ "status": "part_of_day", "arrived_at": "09:00" }),
            json!({ "status": "absent", "reason": "other" }),
            json!({ "status": "part_of_day", "arrived_at": "09:00", "reason": "ill", "planned_start": null }),
            // Earlier in or later out than planned adds hours the plan did not have.
            json!({ "status": "part_of_day", "arrived_at": "07:00", "reason": "ill" }),
            json!({ "status": "part_of_day", "left_at": "17:00", "reason": "ill" }),
        ];
        for fields in incomplete {
            assert_eq!(
                refusal(fields.clone()),
                Refusal::AttendanceIncomplete,
                "{fields}"
            );
        }
        let moved = json!({ "status": "absent", "reason": "other", "note": "Flyttade." });
        assert!(attendance(moved).is_ok());
        let backwards = json!({ "status": "part_of_day", "arrived_at": "12:00", "left_at": "11:00",
            "reason": "ill" });
        assert_eq!(refusal(backwards), Refusal::EndsAtNotAfterStartsAt);
    }

    #[test]
    fn more_than_fifteen_minutes_late_or_early_or_absent_is_a_deviation() {
        let day = |fields| attendance(fields).unwrap().deviation();
        assert_eq!(day(json!({ "status": "present" })), None);
        let on_time =
            json!({ "status": "part_of_day", "arrived_at": "08:15", "reason": "transport" });
        assert_eq!(day(on_time), None);
        let late = json!({ "status": "part_of_day", "arrived_at": "08:20", "left_at": "15:30",
            "reason": "transport" });
        assert_eq!(
            day(late),
            Some(Deviation {
                absent: false,
                late_minutes: Some(20),
                early_minutes: Some(30)
            })
        );
        assert!(
            day(json!({ "status": "absent", "reason": "child_ill" }))
                .unwrap()
                .absent
        );
    }

    #[test]
    fn attendance_is_not_confirmed_ahead() {
        let confirmed = attendance(json!({ "status": "present" })).unwrap();
        assert!(confirmed.happened_by(confirmed.day).is_ok());
        let yesterday = confirmed.day.pred_opt().unwrap();
        assert_eq!(
            confirmed.happened_by(yesterday).unwrap_err().refusal,
            Refusal::AttendanceInTheFuture
        );
    }
}
