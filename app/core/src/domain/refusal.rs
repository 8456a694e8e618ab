//! Why a record or a change was refused, as a code: the app shows each code in the user's
//! language (`refusal_<code>` in every locale), API clients can act on it, and the English
//! text stays in the message for whoever reads the API by hand.

use super::{FieldError, Note, ShortText};
use serde::{Deserialize, Serialize};

macro_rules! refusals {
    ($($variant:ident = $code:literal: $message:expr,)*) => {
        /// Why something was refused. Each has a text in every locale of the app. It is
        /// (de)serialised as its code, by hand: the derived code for every variant weighs
        /// on the browser bundle.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        // `rename_all` rather than a rename per variant: utoipa's schema does not see
        // renames made inside a macro. A test checks that each code is its variant's name.
        #[cfg_attr(
            feature = "openapi",
            derive(utoipa::ToSchema),
            serde(rename_all = "snake_case")
        )]
        pub enum Refusal { $($variant,)* }

        impl Refusal {
            pub const ALL: &'static [Refusal] = &[$(Refusal::$variant,)*];

            /// The code, as sent in the API and named in the locales' `refusal_<code>`.
            pub fn code(self) -> &'static str {
                match self { $(Refusal::$variant => $code,)* }
            }

            pub fn from_code(code: &str) -> Option<Refusal> {
                Refusal::ALL.iter().copied().find(|refusal| refusal.code() == code)
            }

            /// The English text: of a record's refusal in the API (a change's refusal has
            /// [`crate::change::Rejection`]'s own).
            pub fn message(self) -> String {
                match self { $(Refusal::$variant => $message.to_string(),)* }
            }
        }
    };
}

refusals! {
    // A value that is malformed in a way no code below names (a missing field, a wrong type,
    // a day that does not exist).
    Invalid = "invalid": "is not a valid value",
    ShortText = "short_text": FieldError::ShortText { max: ShortText::MAX },
    LongText = "long_text": FieldError::Note { max: Note::MAX },
    Phone = "phone": FieldError::Phone,
    Email = "email": FieldError::Email,
    Language = "language": FieldError::Language,
    PostalCode = "postal_code": FieldError::PostalCode,
    Percent = "percent": FieldError::Percent,
    IdentityNumberFormat = "identity_number_format": FieldError::IdentityNumberFormat,
    IdentityNumberChecksum = "identity_number_checksum": FieldError::IdentityNumberChecksum,
    IdentityNumberDate = "identity_number_date": FieldError::IdentityNumberDate,
    TimeOfDay = "time_of_day": FieldError::TimeOfDay,
    DayOutOfRange = "day_out_of_range": FieldError::DayOutOfRange,
    EndsBeforeStartsOn = "ends_before_starts_on": "must not be before starts_on",
    LastDayBeforeFirstDay = "last_day_before_first_day": "must not be before first_day",
    EndsAtNotAfterStartsAt = "ends_at_not_after_starts_at": "must be after starts_at",
    WeeklyUntilBeforeDate = "weekly_until_before_date": "must not be before date",
    PlacementTooLong = "placement_too_long": "the placement is longer than the programme allows",
    WeekdayTwice = "weekday_twice": "a weekday appears twice",
    DayEndsBeforeStart = "day_ends_before_start": "a day ends before it starts",
    AreaRatedTwice = "area_rated_twice": "an area is rated twice",
    CheckInInTheFuture = "check_in_in_the_future": "a check-in records a visit that took place: not after today",
    ConsentWithdrawnBeforeGiven = "consent_withdrawn_before_given": "a consent is withdrawn before it was given",
    FollowUpNeedsDoneOn = "follow_up_needs_done_on": "a follow-up with a result needs the day it was done",
    AttendanceId = "attendance_id": "an attendance record's id must be Attendance::id_for(participant_id, day)",
    AttendanceIncomplete = "attendance_incomplete": "an absence needs a reason; a late arrival or early leave needs the planned and actual times and a reason; the reason other needs a note",
    AttendanceInTheFuture = "attendance_in_the_future": "attendance is confirmed for a day that has come: not after today",
    AttendanceMonthAttested = "attendance_month_attested": "the participant attested this month's attendance; the case manager reopens the month to change it",
    AttendanceOutsidePlacement = "attendance_outside_placement": "the day is not in this participant's placement, or the placement is not with this supervisor",
    CoFinancingOverBudget = "co_financing_over_budget": "cannot exceed the total budget",
    ShareTargetsTooHigh = "share_targets_too_high": "the shares of women and men add up to more than 100 %",
    MaxPlacementRange = "max_placement_range": "must be 1–52 weeks or 1–12 months",
    IntakeRoundEndsBeforeStart = "intake_round_ends_before_start": "an intake round ends before it starts",
    ParticipantHasRecords = "participant_has_records": "the participant still has records (schedule, check-ins, …); delete those first",
    ProgrammeMoved = "programme_moved": "a record cannot move to another programme",
    IdOfDeletedRecord = "id_of_deleted_record": "belonged to a deleted record; use a new id",
    NotCaseManager = "not_case_manager": "is not a case manager",
    NotEmploymentOfficer = "not_employment_officer": "is not an employment officer",
    NotStaffUser = "not_staff_user": "is not a user with a staff role",
    NotPermitted = "not_permitted": "you may not make this change",
    Missing = "missing": "refers to something that does not exist",
    UnknownChange = "unknown_change": "this app may be newer or older than the server",
}

impl Serialize for Refusal {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Refusal {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        Refusal::from_code(&code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown refusal code {code:?}")))
    }
}

impl From<&FieldError> for Refusal {
    fn from(error: &FieldError) -> Self {
        match error {
            FieldError::ShortText { .. } => Refusal::ShortText,
            FieldError::Note { .. } => Refusal::LongText,
            FieldError::Phone => Refusal::Phone,
            FieldError::Email => Refusal::Email,
            FieldError::Language => Refusal::Language,
            FieldError::PostalCode => Refusal::PostalCode,
            FieldError::Percent => Refusal::Percent,
            FieldError::IdentityNumberFormat => Refusal::IdentityNumberFormat,
            FieldError::IdentityNumberChecksum => Refusal::IdentityNumberChecksum,
            FieldError::IdentityNumberDate => Refusal::IdentityNumberDate,
            FieldError::TimeOfDay => Refusal::TimeOfDay,
            FieldError::DayOutOfRange => Refusal::DayOutOfRange,
        }
    }
}

impl Refusal {
    /// The refusals a value's parser raises inside serde, which keeps them only as text.
    const OF_VALUES: [FieldError; 12] = [
        FieldError::ShortText {
            max: ShortText::MAX,
        },
        FieldError::Note { max: Note::MAX },
        FieldError::Phone,
        FieldError::Email,
        FieldError::Language,
        FieldError::PostalCode,
        FieldError::Percent,
        FieldError::IdentityNumberFormat,
        FieldError::IdentityNumberChecksum,
        FieldError::IdentityNumberDate,
        FieldError::TimeOfDay,
        FieldError::DayOutOfRange,
    ];

    /// The code of a value's refusal from the message serde carries it in; anything else
    /// (a missing field, a wrong type) is [`Refusal::Invalid`].
    pub fn of_message(message: &str) -> Refusal {
        Self::OF_VALUES
            .iter()
            .find(|error| message.starts_with(&error.to_string()))
            .map_or(Refusal::Invalid, Refusal::from)
    }

    /// Reads an optional code leniently: one this app does not know (sent by a newer
    /// server) is none, so the rest of the message still reads.
    pub fn known<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Refusal>, D::Error> {
        let code = Option::<String>::deserialize(deserializer)?;
        Ok(code.as_deref().and_then(Refusal::from_code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn an_unknown_code_reads_as_none() {
        let read = |code: serde_json::Value| Refusal::known(code).unwrap();
        assert_eq!(
            read(serde_json::json!("not_permitted")),
            Some(Refusal::NotPermitted)
        );
        assert_eq!(read(serde_json::json!("from_a_newer_server")), None);
        assert_eq!(read(serde_json::Value::Null), None);
    }

    #[test]
    fn codes_are_unique_and_match_serde() {
        let mut seen = HashSet::new();
        for refusal in Refusal::ALL {
            assert!(seen.insert(refusal.code()), "{} twice", refusal.code());
            assert_eq!(serde_json::to_value(refusal).unwrap(), refusal.code());
        }
    }

    #[test]
    fn a_value_error_keeps_its_code_through_serde() {
        let error = crate::domain::from_json::<crate::domain::ContactEntry>(serde_json::json!({
            "id": uuid::Uuid::nil(), "participant_id": uuid::Uuid::nil(), "on": "2026-11-20",
            "channel": "phone", "summary": "x".repeat(Note::MAX + 1),
        }))
        .unwrap_err();
        assert_eq!(error.field, "summary");
        assert_eq!(error.refusal, Refusal::LongText);
        assert_eq!(Refusal::of_message("missing field `on`"), Refusal::Invalid);
        for error in Refusal::OF_VALUES {
            assert_eq!(
                Refusal::of_message(&error.to_string()),
                Refusal::from(&error)
            );
        }
        let too_late = crate::domain::from_json::<crate::domain::ContactEntry>(serde_json::json!({
            "id": uuid::Uuid::nil(), "participant_id": uuid::Uuid::nil(), "on": "2999-01-01",
            "channel": "phone",
        }))
        .unwrap_err();
        assert_eq!(too_late.refusal, Refusal::DayOutOfRange);
    }
}
