//! Every kind of record the programme keeps, as one enum: what the sync moves, what the
//! permission module judges, what the database stores (as validated JSON, with its scope
//! in columns).

use super::*;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// Why a record was refused: which field, the code the app translates, and the English
/// message of the API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct RecordError {
    pub field: String,
    pub refusal: Refusal,
    pub message: String,
}

impl RecordError {
    /// A rule that spans fields was broken.
    pub fn rule(field: &str, refusal: Refusal) -> Self {
        Self {
            field: field.to_owned(),
            refusal,
            message: refusal.message(),
        }
    }

    /// A value that could not be read at all, with serde's account of it.
    pub fn malformed(field: &str, message: String) -> Self {
        Self {
            field: field.to_owned(),
            refusal: Refusal::of_message(&message),
            message,
        }
    }
}

macro_rules! kinds {
    ($($variant:ident($type:ty) = $name:literal,)*) => {
        /// The kinds of record, by their name in the API and the database.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum Kind { $($variant,)* }

        impl Kind {
            pub const ALL: &'static [Kind] = &[$(Kind::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(Kind::$variant => $name,)* }
            }
        }

        /// One record of any kind.
        // A participant is several times larger than most records; records live in
        // collections that are read far more than moved, so boxing would only add noise.
        #[allow(clippy::large_enum_variant)]
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum Record { $($variant($type),)* }

        impl Record {
            pub fn kind(&self) -> Kind {
                match self { $(Record::$variant(_) => Kind::$variant,)* }
            }

            pub fn id(&self) -> Uuid {
                match self { $(Record::$variant(record) => record.id,)* }
            }

            /// Reads a record of `kind` from JSON, checking every field and rule: for what
            /// someone sends.
            pub fn parse(kind: Kind, data: serde_json::Value) -> Result<Record, RecordError> {
                let record = Record::read_stored(kind, data)?;
                record.validate()?;
                Ok(record)
            }

            /// Reads a record of `kind` that was stored after [`Record::parse`] accepted it:
            /// field formats are read as always, but the rules of [`Record::validate`] are not
            /// run again, so a rule tightened later does not turn older rows into errors.
            pub fn read_stored(kind: Kind, data: serde_json::Value) -> Result<Record, RecordError> {
                Ok(match kind {
                    $(Kind::$variant => Record::$variant(from_json(data)?),)*
                })
            }

            pub fn to_json(&self) -> serde_json::Value {
                let value = match self {
                    $(Record::$variant(record) => serde_json::to_value(record),)*
                };
                value.expect("records serialise to JSON")
            }
        }
    };
}

kinds! {
    Programme(Programme) = "programme",
    Staff(Staff) = "staff",
    Workplace(Workplace) = "workplace",
    Supervisor(Supervisor) = "supervisor",
    Participant(Participant) = "participant",
    Placement(Placement) = "placement",
    ScheduleEvent(ScheduleEvent) = "schedule_event",
    CheckIn(CheckIn) = "check_in",
    Review(Review) = "review",
    Contact(ContactEntry) = "contact",
    TrainingGoal(TrainingGoal) = "training_goal",
    Attendance(Attendance) = "attendance",
    Absence(Absence) = "absence",
    Closing(Closing) = "closing",
    FollowUp(FollowUp) = "follow_up",
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown kind of record {0:?}")]
pub struct UnknownKind(pub String);

impl FromStr for Kind {
    type Err = UnknownKind;
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .iter()
            .copied()
            .find(|kind| kind.as_str() == raw)
            .ok_or_else(|| UnknownKind(raw.to_owned()))
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Deserialises one kind of record with the path of the offending field in the error.
/// Screens that handle one kind call this directly, so the browser bundle carries only
/// that kind's parser rather than all of them.
#[cfg(not(target_arch = "wasm32"))]
pub fn from_json<T: serde::de::DeserializeOwned>(
    data: serde_json::Value,
) -> Result<T, RecordError> {
    serde_path_to_error::deserialize(data).map_err(|error| {
        let path = error.path().to_string();
        let field = if path == "." { "record" } else { &path };
        RecordError::malformed(field, error.into_inner().to_string())
    })
}

/// Deserialises one kind of record. The browser's screens say what is wrong by the
/// refusal's code alone, so they do without the field's path, whose tracking wrapper
/// doubles every record parser in the bundle.
#[cfg(target_arch = "wasm32")]
pub fn from_json<T: serde::de::DeserializeOwned>(
    data: serde_json::Value,
) -> Result<T, RecordError> {
    T::deserialize(data).map_err(|error| RecordError::malformed("record", error.to_string()))
}

/// Something records and permissions refer to, written `kind:uuid` in the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Entity {
    User(Uuid),
    Programme(Uuid),
    Staff(Uuid),
    Workplace(Uuid),
    Supervisor(Uuid),
    Participant(Uuid),
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, id) = match self {
            Entity::User(id) => ("user", id),
            Entity::Programme(id) => ("programme", id),
            Entity::Staff(id) => ("staff", id),
            Entity::Workplace(id) => ("workplace", id),
            Entity::Supervisor(id) => ("supervisor", id),
            Entity::Participant(id) => ("participant", id),
        };
        write!(f, "{kind}:{id}")
    }
}

impl FromStr for Entity {
    type Err = UnknownKind;
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let unknown = || UnknownKind(raw.to_owned());
        let (kind, id) = raw.split_once(':').ok_or_else(unknown)?;
        let id: Uuid = id.parse().map_err(|_| unknown())?;
        Ok(match kind {
            "user" => Entity::User(id),
            "programme" => Entity::Programme(id),
            "staff" => Entity::Staff(id),
            "workplace" => Entity::Workplace(id),
            "supervisor" => Entity::Supervisor(id),
            "participant" => Entity::Participant(id),
            _ => return Err(unknown()),
        })
    }
}

/// How a principal (a user, or a supervisor or participant they are) is tied to an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// Works for the programme (which role is read from the user's roles).
    Staff,
    /// Takes part in the programme as a participant or supervisor.
    Member,
    /// Is this participant, supervisor or staff member.
    Myself,
    CaseManager,
    EmploymentOfficer,
    /// Supervises this participant (during a placement) or works at this workplace.
    Supervisor,
    /// This participant is placed at the workplace or with the supervisor.
    Placed,
}

impl LinkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Staff => "staff",
            LinkKind::Member => "member",
            LinkKind::Myself => "myself",
            LinkKind::CaseManager => "case_manager",
            LinkKind::EmploymentOfficer => "employment_officer",
            LinkKind::Supervisor => "supervisor",
            LinkKind::Placed => "placed",
        }
    }
}

impl FromStr for LinkKind {
    type Err = UnknownKind;
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        serde_json::from_value(serde_json::Value::String(raw.to_owned()))
            .map_err(|_| UnknownKind(raw.to_owned()))
    }
}

/// A tie a record creates, valid on the days `from..=until` (unbounded where `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub principal: Entity,
    pub kind: LinkKind,
    pub target: Entity,
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
}

impl Link {
    fn always(principal: Entity, kind: LinkKind, target: Entity) -> Self {
        Self {
            principal,
            kind,
            target,
            from: None,
            until: None,
        }
    }

    pub fn is_valid_on(&self, day: NaiveDate) -> bool {
        self.from.is_none_or(|from| from <= day) && self.until.is_none_or(|until| day <= until)
    }
}

/// A supervisor sees a placement's participant from two weeks before it starts (to prepare)
/// to one week after it ends (to confirm the last days' attendance).
pub const SUPERVISOR_DAYS_BEFORE: u64 = 14;
pub const SUPERVISOR_DAYS_AFTER: u64 = 7;

impl Record {
    /// Cross-field rules a single record can check on its own. Rules that need other
    /// records (a placement's length against its programme) are checked by the server.
    pub fn validate(&self) -> Result<(), RecordError> {
        match self {
            Record::Programme(programme) => programme.validate(),
            Record::Participant(participant) => participant.validate(),
            Record::Placement(placement) => placement.validate(None),
            Record::ScheduleEvent(event) => event.validate(),
            Record::Attendance(attendance) => attendance.validate(),
            Record::Absence(absence) => absence.validate(),
            Record::FollowUp(follow_up) => follow_up.validate(),
            Record::CheckIn(check_in) => check_in.validate(),
            _ => Ok(()),
        }
    }

    /// The entity whose permissions govern this record.
    pub fn scope(&self) -> Entity {
        match self {
            Record::Programme(r) => Entity::Programme(r.id),
            Record::Staff(r) => Entity::Staff(r.id),
            Record::Workplace(r) => Entity::Workplace(r.id),
            Record::Supervisor(r) => Entity::Supervisor(r.id),
            Record::Participant(r) => Entity::Participant(r.id),
            other => Entity::Participant(
                other
                    .participant_id()
                    .expect("journal records name their participant"),
            ),
        }
    }

    /// The participant this record is about, if it is about one.
    pub fn participant_id(&self) -> Option<Uuid> {
        match self {
            Record::Programme(_)
            | Record::Staff(_)
            | Record::Workplace(_)
            | Record::Supervisor(_) => None,
            Record::Participant(r) => Some(r.id),
            Record::Placement(r) => Some(r.participant_id),
            Record::ScheduleEvent(r) => Some(r.participant_id),
            Record::CheckIn(r) => Some(r.participant_id),
            Record::Review(r) => Some(r.participant_id),
            Record::Contact(r) => Some(r.participant_id),
            Record::TrainingGoal(r) => Some(r.participant_id),
            Record::Attendance(r) => Some(r.participant_id),
            Record::Absence(r) => Some(r.participant_id),
            Record::Closing(r) => Some(r.participant_id),
            Record::FollowUp(r) => Some(r.participant_id),
        }
    }

    /// The programme the record belongs to, where the record says so itself; records about
    /// a participant belong to the participant's programme.
    pub fn own_programme_id(&self) -> Option<Uuid> {
        match self {
            Record::Programme(r) => Some(r.id),
            Record::Staff(r) => Some(r.programme_id),
            Record::Workplace(r) => Some(r.programme_id),
            Record::Supervisor(r) => Some(r.programme_id),
            Record::Participant(r) => Some(r.programme_id),
            Record::Placement(r) => Some(r.programme_id),
            Record::ScheduleEvent(r) => Some(r.programme_id),
            _ => None,
        }
    }

    /// The ties this record creates between people and entities; permissions follow them.
    pub fn links(&self) -> Vec<Link> {
        use Entity as E;
        use LinkKind as L;
        match self {
            Record::Staff(r) => vec![
                Link::always(E::User(r.id), L::Staff, E::Programme(r.programme_id)),
                Link::always(E::User(r.id), L::Myself, E::Staff(r.id)),
            ],
            Record::Participant(r) => {
                let me = E::Participant(r.id);
                let mut links = vec![Link::always(E::User(r.case_manager_id), L::CaseManager, me)];
                if let Some(officer) = r.employment_officer_id {
                    links.push(Link::always(E::User(officer), L::EmploymentOfficer, me));
                }
                if let Some(user) = r.user_id {
                    links.push(Link::always(E::User(user), L::Myself, me));
                    links.push(Link::always(
                        E::User(user),
                        L::Member,
                        E::Programme(r.programme_id),
                    ));
                }
                links
            }
            Record::Supervisor(r) => match r.user_id {
                Some(user) => vec![
                    Link::always(E::User(user), L::Myself, E::Supervisor(r.id)),
                    Link::always(E::User(user), L::Supervisor, E::Workplace(r.workplace_id)),
                    Link::always(E::User(user), L::Member, E::Programme(r.programme_id)),
                ],
                None => Vec::new(),
            },
            Record::Placement(r) => {
                let from = r.starts_on - chrono::Days::new(SUPERVISOR_DAYS_BEFORE);
                let until = r.ends_on + chrono::Days::new(SUPERVISOR_DAYS_AFTER);
                let during = |principal, kind, target| Link {
                    principal,
                    kind,
                    target,
                    from: Some(from),
                    until: Some(until),
                };
                vec![
                    during(
                        E::Supervisor(r.supervisor_id),
                        L::Supervisor,
                        E::Participant(r.participant_id),
                    ),
                    during(
                        E::Participant(r.participant_id),
                        L::Placed,
                        E::Workplace(r.workplace_id),
                    ),
                    during(
                        E::Participant(r.participant_id),
                        L::Placed,
                        E::Supervisor(r.supervisor_id),
                    ),
                ]
            }
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for kind in Kind::ALL {
            assert_eq!(kind.as_str().parse::<Kind>(), Ok(*kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), json!(kind.as_str()));
        }
        assert!("note".parse::<Kind>().is_err());
    }

    #[test]
    fn entities_round_trip_through_their_keys() {
        let entity = Entity::Participant(Uuid::from_u128(7));
        assert_eq!(entity.to_string().parse::<Entity>(), Ok(entity));
        assert!("martian:1".parse::<Entity>().is_err());
    }

    #[test]
    fn errors_name_the_field_and_say_what_is_wrong() {
        let data = json!({
            "id": Uuid::from_u128(1), "participant_id": Uuid::from_u128(2),
            "on": "2026-11-20", "channel": "phone", "summary": "bell\u{7}"
        });
        let error = Record::parse(Kind::Contact, data).unwrap_err();
        assert_eq!(error.field, "summary");
        assert!(error.message.contains("5000"), "{error}");

        let missing = Record::parse(Kind::Review, json!({ "id": Uuid::from_u128(1) })).unwrap_err();
        assert!(missing.message.contains("missing field"), "{missing}");

        let unknown_field = json!({
            "id": Uuid::from_u128(1), "participant_id": Uuid::from_u128(2),
            "held_on": "2026-11-20", "secret": 1
        });
        let error = Record::parse(Kind::Review, unknown_field).unwrap_err();
        assert!(error.message.contains("secret"), "{error}");
    }

    #[test]
    fn a_placement_ties_the_supervisor_to_the_participant_only_around_its_dates() {
        let placement = Record::parse(
            Kind::Placement,
            json!({
                "id": Uuid::from_u128(1), "programme_id": Uuid::from_u128(2),
                "participant_id": Uuid::from_u128(3), "workplace_id": Uuid::from_u128(4),
                "supervisor_id": Uuid::from_u128(5),
                "starts_on": "2026-09-01", "ends_on": "2026-11-30",
                "weekly_pattern": [{ "weekday": "Mon", "starts_at": "07:00", "ends_at": "15:00" }]
            }),
        )
        .unwrap();
        let link = &placement.links()[0];
        assert_eq!(link.principal, Entity::Supervisor(Uuid::from_u128(5)));
        assert!(link.is_valid_on("2026-08-20".parse().unwrap()));
        assert!(link.is_valid_on("2026-12-07".parse().unwrap()));
        assert!(!link.is_valid_on("2026-12-08".parse().unwrap()));
    }
}
