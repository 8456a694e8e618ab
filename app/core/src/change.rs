//! Changes to records, and the rules every change passes before it is stored: who may make
//! it (through [`crate::access`]), whether it is valid against the records it refers to, and
//! which fields only the server may set. Pure, so the server applies these rules and the
//! device can run the same ones when it shows a pending change.

use crate::access::Viewer;
use crate::domain::{Entity, Kind, Record, RecordError, Refusal, Role};
use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;

/// One change a user asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Create the record, or replace it with this version.
    Save(Box<Record>),
    Delete {
        kind: Kind,
        id: Uuid,
    },
}

/// Why a change was refused. The message is for API clients; the app shows the
/// [`Rejection::refusal`] in the user's language.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("you may not make this change")]
    NotPermitted,
    #[error("{0}")]
    Invalid(#[from] RecordError),
    #[error("{0} does not exist")]
    Missing(&'static str),
    #[error("unknown change {0:?}; this app may be newer or older than the server")]
    UnknownName(String),
}

impl Rejection {
    pub fn refusal(&self) -> Refusal {
        match self {
            Rejection::NotPermitted => Refusal::NotPermitted,
            Rejection::Invalid(error) => error.refusal,
            Rejection::Missing(_) => Refusal::Missing,
            Rejection::UnknownName(_) => Refusal::UnknownChange,
        }
    }
}

impl Change {
    /// Reads a sync mutation: `<kind>.save` with the record as `args`, or `<kind>.delete`
    /// with `{ "id": … }`.
    pub fn from_mutation(name: &str, args: serde_json::Value) -> Result<Change, Rejection> {
        let unknown = || Rejection::UnknownName(name.to_owned());
        let (kind, verb) = name.split_once('.').ok_or_else(unknown)?;
        let kind: Kind = kind.parse().map_err(|_| unknown())?;
        match verb {
            "save" => Ok(Change::Save(Box::new(Record::parse(kind, args)?))),
            "delete" => {
                #[derive(Deserialize)]
                #[serde(deny_unknown_fields)]
                struct Args {
                    id: Uuid,
                }
                let args: Args = serde_json::from_value(args).map_err(|error| {
                    Rejection::Invalid(RecordError::malformed("id", error.to_string()))
                })?;
                Ok(Change::Delete { kind, id: args.id })
            }
            _ => Err(unknown()),
        }
    }

    pub fn kind(&self) -> Kind {
        match self {
            Change::Save(record) => record.kind(),
            Change::Delete { kind, .. } => *kind,
        }
    }

    pub fn id(&self) -> Uuid {
        match self {
            Change::Save(record) => record.id(),
            Change::Delete { id, .. } => *id,
        }
    }
}

/// What the server knows around a change: the record as stored now and the records it
/// refers to, each with the programme it belongs to.
#[derive(Debug, Default)]
pub struct Context {
    /// The current version of the record being changed, unless it is new or deleted.
    pub existing: Option<(Record, Uuid)>,
    /// The participant a journal record, placement or event is about.
    pub participant: Option<Record>,
    /// The programme a record belongs to (for its rules, such as the longest placement).
    pub programme: Option<Record>,
    pub workplace: Option<Record>,
    pub supervisor: Option<Record>,
    /// The placement an attendance is at.
    pub placement: Option<Record>,
    /// The participant attested the month of the attendance being changed, and it was not
    /// reopened: its attendance stays as attested.
    pub month_attested: bool,
    /// The roles of the users a participant record names as responsible.
    pub case_manager_roles: Vec<Role>,
    pub employment_officer_roles: Vec<Role>,
    /// The roles of the user a staff card is for.
    pub staff_user_roles: Vec<Role>,
    /// The scope and programme of a deleted record that had this id: a deleted record's id
    /// is not taken again, so nobody re-creates it to reach what it was tied to.
    pub deleted: Option<(Entity, Uuid)>,
    /// How many live records are about the participant being deleted.
    pub participant_records: usize,
}

/// A change that passed every rule, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub kind: Kind,
    pub id: Uuid,
    /// `None` for a deletion.
    pub record: Option<Record>,
    pub programme_id: Uuid,
    pub scope: Entity,
    pub participant_id: Option<Uuid>,
    pub created: bool,
}

/// The programme a record belongs to: its own field, or its participant's.
fn programme_of(record: &Record, context: &Context) -> Result<Uuid, Rejection> {
    if let Some(programme) = record.own_programme_id() {
        return Ok(programme);
    }
    match &context.participant {
        Some(Record::Participant(participant)) => Ok(participant.programme_id),
        _ => Err(Rejection::Missing("the participant")),
    }
}

/// Decides a change: permission on the record as it is (to change or delete it) and as it
/// would be (to create or move it), then the rules that span records.
pub fn plan(
    viewer: &Viewer,
    change: Change,
    context: &Context,
    today: NaiveDate,
) -> Result<Planned, Rejection> {
    if let Some((existing, programme)) = &context.existing {
        if existing.kind() != change.kind() {
            return Err(Rejection::NotPermitted);
        }
        if !viewer.may_write(existing.kind(), existing.scope(), Some(*programme)) {
            return Err(Rejection::NotPermitted);
        }
    }
    let mut record = match change {
        Change::Delete { kind, id } => {
            let Some((existing, programme)) = &context.existing else {
                return Err(Rejection::Missing("the record"));
            };
            if context.month_attested {
                return Err(month_attested());
            }
            if let Record::Attendance(attendance) = existing {
                supervisor_at_own_placement(attendance, context, viewer, *programme)?;
            }
            if kind == Kind::Participant && context.participant_records > 0 {
                return Err(Rejection::Invalid(RecordError::rule(
                    "id",
                    Refusal::ParticipantHasRecords,
                )));
            }
            return Ok(Planned {
                kind,
                id,
                record: None,
                programme_id: *programme,
                scope: existing.scope(),
                participant_id: existing.participant_id(),
                created: false,
            });
        }
        Change::Save(record) => *record,
    };
    let existing = context.existing.as_ref().map(|(record, _)| record);
    keep_server_fields(&mut record, existing, today);
    let programme_id = programme_of(&record, context)?;
    if let Some((_, old_programme)) = &context.existing {
        if *old_programme != programme_id {
            return Err(Rejection::Invalid(RecordError::rule(
                "programme_id",
                Refusal::ProgrammeMoved,
            )));
        }
    }
    if let Some((scope, programme)) = context.deleted {
        // Ids are new UUIDs, so a deleted one is never needed again, except where the id
        // is given: a staff card's is its user's (a leader may take them on again), an
        // attendance's follows from its participant and day (and stays in their file).
        let reusable = match record.kind() {
            Kind::Staff => true,
            Kind::Attendance => scope == record.scope() && programme == programme_id,
            _ => false,
        };
        if !reusable {
            return Err(Rejection::Invalid(RecordError::rule(
                "id",
                Refusal::IdOfDeletedRecord,
            )));
        }
    }
    if !viewer.with_links_of(&record, programme_id).may_write(
        record.kind(),
        record.scope(),
        Some(programme_id),
    ) {
        return Err(refusal(viewer, &record, programme_id));
    }
    check_references(&record, context, programme_id)?;
    if let Record::CheckIn(check_in) = &record {
        check_in.happened_by(today).map_err(Rejection::Invalid)?;
    }
    if let Record::Attendance(attendance) = &record {
        if context.month_attested {
            return Err(month_attested());
        }
        attendance.happened_by(today).map_err(Rejection::Invalid)?;
        at_placement(attendance, context, viewer, programme_id)?;
    }
    Ok(Planned {
        kind: record.kind(),
        id: record.id(),
        programme_id,
        scope: record.scope(),
        participant_id: record.participant_id(),
        created: existing.is_none(),
        record: Some(record),
    })
}

fn month_attested() -> Rejection {
    Rejection::Invalid(RecordError::rule("day", Refusal::AttendanceMonthAttested))
}

/// An attendance is at a placement of its participant that runs on its day; someone who
/// confirms it only as a supervisor confirms it at their own placements, not at another
/// workplace the participant was placed at.
fn at_placement(
    attendance: &crate::domain::Attendance,
    context: &Context,
    viewer: &Viewer,
    programme_id: Uuid,
) -> Result<(), Rejection> {
    let Some(Record::Placement(placement)) = &context.placement else {
        return Err(outside_placement());
    };
    if placement.participant_id != attendance.participant_id
        || !placement.is_active_on(attendance.day)
    {
        return Err(outside_placement());
    }
    supervisor_at_own_placement(attendance, context, viewer, programme_id)
}

/// Someone who changes attendance only as a supervisor (not as the participant's case manager
/// or the programme's leader) does so at their own placements only. Staff may also delete
/// attendance whose placement is gone.
fn supervisor_at_own_placement(
    attendance: &crate::domain::Attendance,
    context: &Context,
    viewer: &Viewer,
    programme_id: Uuid,
) -> Result<(), Rejection> {
    let as_staff = viewer
        .relations(
            Entity::Participant(attendance.participant_id),
            Some(programme_id),
        )
        .iter()
        .any(|relation| {
            matches!(
                relation,
                crate::access::Relation::CaseManager | crate::access::Relation::Leader
            )
        });
    let own = match &context.placement {
        Some(Record::Placement(placement)) => {
            viewer.own_supervisor() == Some(placement.supervisor_id)
        }
        _ => false,
    };
    if as_staff || own {
        Ok(())
    } else {
        Err(outside_placement())
    }
}

fn outside_placement() -> Rejection {
    Rejection::Invalid(RecordError::rule(
        "placement_id",
        Refusal::AttendanceOutsidePlacement,
    ))
}

/// The refusal of a change the user may not make. Someone who may not see the participant a
/// record is about hears the same as for a participant that does not exist, so that writes
/// cannot probe which participants there are.
fn refusal(viewer: &Viewer, record: &Record, programme: Uuid) -> Rejection {
    let about_another = record.kind() != Kind::Participant && record.participant_id().is_some();
    if about_another
        && viewer.read_access(Kind::Participant, record.scope(), Some(programme))
            == crate::access::Access::None
    {
        Rejection::Missing("the participant")
    } else {
        Rejection::NotPermitted
    }
}

/// Fields a client may not set: who signs in as a participant or supervisor (set by an
/// accepted invite), until when an invite is open, and the history of responsibility.
fn keep_server_fields(record: &mut Record, existing: Option<&Record>, today: NaiveDate) {
    match (record, existing) {
        (Record::Participant(new), existing) => {
            let previous = match existing {
                Some(Record::Participant(old)) => Some(old),
                _ => None,
            };
            new.user_id = previous.and_then(|old| old.user_id);
            new.invited_until = previous.and_then(|old| old.invited_until);
            new.keep_history(previous, today);
        }
        (Record::Supervisor(new), existing) => {
            let previous = match existing {
                Some(Record::Supervisor(old)) => Some(old),
                _ => None,
            };
            new.user_id = previous.and_then(|old| old.user_id);
            new.invited_until = previous.and_then(|old| old.invited_until);
        }
        _ => {}
    }
}

fn same_programme(
    record: Option<&Record>,
    programme_id: Uuid,
    what: &'static str,
) -> Result<(), Rejection> {
    match record {
        Some(record) if record.own_programme_id() == Some(programme_id) => Ok(()),
        _ => Err(Rejection::Missing(what)),
    }
}

fn check_references(
    record: &Record,
    context: &Context,
    programme_id: Uuid,
) -> Result<(), Rejection> {
    match record {
        Record::Participant(participant) => {
            if !context.case_manager_roles.contains(&Role::CaseManager) {
                return Err(Rejection::Invalid(RecordError::rule(
                    "case_manager_id",
                    Refusal::NotCaseManager,
                )));
            }
            if participant.employment_officer_id.is_some()
                && !context
                    .employment_officer_roles
                    .contains(&Role::EmploymentOfficer)
            {
                return Err(Rejection::Invalid(RecordError::rule(
                    "employment_officer_id",
                    Refusal::NotEmploymentOfficer,
                )));
            }
            same_programme(context.programme.as_ref(), programme_id, "the programme")
        }
        Record::Staff(_) => {
            let is_staff = context.staff_user_roles.iter().any(|role| {
                matches!(
                    role,
                    Role::ProjectLeader | Role::CaseManager | Role::EmploymentOfficer
                )
            });
            if !is_staff {
                return Err(Rejection::Invalid(RecordError::rule(
                    "id",
                    Refusal::NotStaffUser,
                )));
            }
            same_programme(context.programme.as_ref(), programme_id, "the programme")
        }
        Record::Workplace(_) => {
            same_programme(context.programme.as_ref(), programme_id, "the programme")
        }
        Record::Supervisor(_) => {
            same_programme(context.workplace.as_ref(), programme_id, "the workplace")
        }
        Record::Placement(placement) => {
            same_programme(context.workplace.as_ref(), programme_id, "the workplace")?;
            match &context.supervisor {
                Some(Record::Supervisor(supervisor))
                    if supervisor.workplace_id == placement.workplace_id => {}
                _ => return Err(Rejection::Missing("a supervisor at that workplace")),
            }
            let Some(Record::Programme(programme)) = &context.programme else {
                return Err(Rejection::Missing("the programme"));
            };
            placement.validate(Some(programme.max_placement))?;
            same_programme(
                context.participant.as_ref(),
                programme_id,
                "the participant",
            )
        }
        Record::ScheduleEvent(_) => same_programme(
            context.participant.as_ref(),
            programme_id,
            "the participant",
        ),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Attendance, LinkKind};
    use serde_json::json;
    use std::collections::BTreeSet;

    const PROGRAMME: Uuid = Uuid::from_u128(2);
    const PARTICIPANT: Uuid = Uuid::from_u128(1);

    fn case_manager() -> Viewer {
        Viewer {
            user_id: Uuid::from_u128(9),
            roles: BTreeSet::from([Role::CaseManager]),
            ties: BTreeSet::from([
                (LinkKind::Staff, Entity::Programme(PROGRAMME)),
                (LinkKind::CaseManager, Entity::Participant(PARTICIPANT)),
            ]),
        }
    }

    fn participant() -> Record {
        Record::parse(
            Kind::Participant,
            json!({ "id": PARTICIPANT, "programme_id": PROGRAMME, "first_name": "Amina",
                "last_name": "Yusuf", "birth_date": "1990-04-02", "gender": "woman",
                "status_at_entry": "long_term_unemployed", "education_at_entry": "isced0_to2",
                "case_manager_id": Uuid::from_u128(9), "phase": "placement" }),
        )
        .unwrap()
    }

    fn context_with(existing: Option<Record>) -> Context {
        Context {
            existing: existing.map(|record| (record, PROGRAMME)),
            participant: Some(participant()),
            ..Context::default()
        }
    }

    fn today() -> NaiveDate {
        "2026-11-22".parse().unwrap()
    }

    #[test]
    fn a_participant_with_records_is_not_deleted() {
        let delete = Change::Delete {
            kind: Kind::Participant,
            id: PARTICIPANT,
        };
        let mut context = context_with(Some(participant()));
        context.participant_records = 3;
        let refused = plan(&case_manager(), delete.clone(), &context, today());
        assert!(matches!(refused, Err(Rejection::Invalid(_))), "{refused:?}");
        context.participant_records = 0;
        assert!(plan(&case_manager(), delete, &context, today()).is_ok());
    }

    #[test]
    fn a_deleted_id_is_taken_again_only_where_the_id_is_given() {
        let contact = Record::parse(
            Kind::Contact,
            json!({ "id": Uuid::from_u128(50), "participant_id": PARTICIPANT,
                "on": "2026-11-20", "channel": "phone", "summary": "Samtal" }),
        )
        .unwrap();
        let mut context = context_with(None);
        context.deleted = Some((Entity::Participant(PARTICIPANT), PROGRAMME));
        let change = || Change::Save(Box::new(contact.clone()));
        assert!(plan(&case_manager(), change(), &context, today()).is_err());
        context.deleted = None;
        assert!(plan(&case_manager(), change(), &context, today()).is_ok());

        let day: NaiveDate = "2026-11-20".parse().unwrap();
        let attendance = Record::parse(
            Kind::Attendance,
            json!({ "id": Attendance::id_for(PARTICIPANT, day), "participant_id": PARTICIPANT,
                "placement_id": Uuid::from_u128(60), "day": day, "status": "present" }),
        )
        .unwrap();
        context.deleted = Some((Entity::Participant(PARTICIPANT), PROGRAMME));
        context.placement = Some(placement(60, SUPERVISOR));
        let change = Change::Save(Box::new(attendance));
        assert!(plan(&case_manager(), change, &context, today()).is_ok());
    }

    const SUPERVISOR: Uuid = Uuid::from_u128(70);

    fn placement(id: u128, supervisor: Uuid) -> Record {
        Record::parse(
            Kind::Placement,
            json!({ "id": Uuid::from_u128(id), "programme_id": PROGRAMME, "participant_id": PARTICIPANT,
                "workplace_id": Uuid::from_u128(80), "supervisor_id": supervisor,
                "starts_on": "2026-11-02", "ends_on": "2026-11-27" }),
        )
        .unwrap()
    }

    #[test]
    fn a_supervisor_confirms_days_that_have_come_at_their_own_placements_only() {
        let supervisor = Viewer {
            user_id: Uuid::from_u128(11),
            roles: BTreeSet::from([Role::Supervisor]),
            ties: BTreeSet::from([
                (LinkKind::Member, Entity::Programme(PROGRAMME)),
                (LinkKind::Myself, Entity::Supervisor(SUPERVISOR)),
                (LinkKind::Supervisor, Entity::Participant(PARTICIPANT)),
            ]),
        };
        let confirm = |day: &str, placement_id: u128| {
            let day: NaiveDate = day.parse().unwrap();
            Change::Save(Box::new(
                Record::parse(
                    Kind::Attendance,
                    json!({ "id": Attendance::id_for(PARTICIPANT, day), "participant_id": PARTICIPANT,
                        "placement_id": Uuid::from_u128(placement_id), "day": day, "status": "present" }),
                )
                .unwrap(),
            ))
        };
        let refusal = |result: Result<Planned, Rejection>| match result {
            Err(Rejection::Invalid(error)) => Some(error.refusal),
            Err(other) => panic!("{other:?}"),
            Ok(_) => None,
        };
        let mut context = context_with(None);
        context.placement = Some(placement(60, SUPERVISOR));
        assert_eq!(
            refusal(plan(
                &supervisor,
                confirm("2026-11-20", 60),
                &context,
                today()
            )),
            None
        );
        let ahead = plan(
            &supervisor,
            confirm("2026-11-23", 60),
            &context,
            "2026-11-22".parse().unwrap(),
        );
        assert_eq!(refusal(ahead), Some(Refusal::AttendanceInTheFuture));
        let before = plan(&supervisor, confirm("2026-10-30", 60), &context, today());
        assert_eq!(refusal(before), Some(Refusal::AttendanceOutsidePlacement));
        // The participant's placement with another supervisor: theirs to confirm, and the
        // case manager's.
        context.placement = Some(placement(61, Uuid::from_u128(71)));
        let elsewhere = plan(&supervisor, confirm("2026-11-20", 61), &context, today());
        assert_eq!(
            refusal(elsewhere),
            Some(Refusal::AttendanceOutsidePlacement)
        );
        let by_case_manager = plan(
            &case_manager(),
            confirm("2026-11-20", 61),
            &context,
            today(),
        );
        assert_eq!(refusal(by_case_manager), None);
        context.placement = None;
        let nowhere = plan(
            &case_manager(),
            confirm("2026-11-20", 62),
            &context,
            today(),
        );
        assert_eq!(refusal(nowhere), Some(Refusal::AttendanceOutsidePlacement));

        // Deleting: the supervisor at their own placement only; the case manager also where
        // the placement is gone.
        let day: NaiveDate = "2026-11-20".parse().unwrap();
        let Change::Save(record) = confirm("2026-11-20", 61) else {
            unreachable!()
        };
        let delete = Change::Delete {
            kind: Kind::Attendance,
            id: Attendance::id_for(PARTICIPANT, day),
        };
        let mut context = context_with(Some(*record));
        context.placement = Some(placement(61, Uuid::from_u128(71)));
        let theirs = plan(&supervisor, delete.clone(), &context, today());
        assert_eq!(refusal(theirs), Some(Refusal::AttendanceOutsidePlacement));
        context.placement = Some(placement(61, SUPERVISOR));
        assert_eq!(
            refusal(plan(&supervisor, delete.clone(), &context, today())),
            None
        );
        context.placement = None;
        assert_eq!(
            refusal(plan(&case_manager(), delete, &context, today())),
            None
        );
    }

    #[test]
    fn writing_about_a_hidden_participant_reads_as_a_missing_one() {
        let stranger = Viewer {
            user_id: Uuid::from_u128(10),
            roles: BTreeSet::from([Role::CaseManager]),
            ties: BTreeSet::from([(LinkKind::Staff, Entity::Programme(Uuid::from_u128(77)))]),
        };
        let contact = Record::parse(
            Kind::Contact,
            json!({ "id": Uuid::from_u128(50), "participant_id": PARTICIPANT,
                "on": "2026-11-20", "channel": "phone", "summary": "Samtal" }),
        )
        .unwrap();
        let hidden = plan(
            &stranger,
            Change::Save(Box::new(contact.clone())),
            &context_with(None),
            today(),
        );
        let missing = plan(
            &stranger,
            Change::Save(Box::new(contact)),
            &Context::default(),
            today(),
        );
        assert_eq!(hidden, missing);
        assert_eq!(hidden, Err(Rejection::Missing("the participant")));
    }

    #[test]
    fn a_check_in_dated_after_today_is_refused_and_one_of_today_is_not() {
        let check_in = |held_on: &str| {
            Record::parse(
                Kind::CheckIn,
                json!({ "id": Uuid::from_u128(51), "participant_id": PARTICIPANT,
                    "held_on": held_on, "going": "well" }),
            )
            .unwrap()
        };
        let context = context_with(None);
        let tomorrow = plan(
            &case_manager(),
            Change::Save(Box::new(check_in("2026-11-23"))),
            &context,
            today(),
        );
        let Err(Rejection::Invalid(error)) = tomorrow else {
            panic!("{tomorrow:?}");
        };
        assert_eq!(error.refusal, Refusal::CheckInInTheFuture);
        for held_on in ["2026-11-22", "2026-11-01"] {
            let change = Change::Save(Box::new(check_in(held_on)));
            assert!(plan(&case_manager(), change, &context, today()).is_ok());
        }
    }
}
