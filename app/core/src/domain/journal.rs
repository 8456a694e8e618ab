//! What the journeys record about a participant: check-ins, reviews, contacts, training
//! goals, attendance, absence, the closing conversation and follow-ups after exit.

use super::values::{day, Note, ShortText};
use super::{RecordError, Refusal};
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

/// Whether a participant was at the workplace on a day, as the supervisor confirmed it.
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AttendanceStatus {
    Present,
    PartOfDay,
    Absent,
}

impl Attendance {
    /// The one id a participant's attendance on `day` has.
    pub fn id_for(participant_id: Uuid, day: NaiveDate) -> Uuid {
        let name = format!("attendance:{participant_id}:{day}");
        Uuid::new_v5(&Uuid::NAMESPACE_URL, name.as_bytes())
    }

    pub fn validate(&self) -> Result<(), RecordError> {
        if self.id != Self::id_for(self.participant_id, self.day) {
            return Err(RecordError::rule("id", Refusal::AttendanceId));
        }
        Ok(())
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
}
