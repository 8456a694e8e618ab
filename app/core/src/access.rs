//! The permission module: who may read and write which record. Pure: the server feeds it
//! the user's roles and ties (links), and every endpoint and the sync ask it.
//!
//! A user's relations to a record come from their links to the record's scope (its
//! participant, workplace, supervisor or staff card) and to its programme, each counted
//! only if the user holds the role the relation needs.

use crate::domain::{ConsentScope, Entity, Kind, Link, LinkKind, Record, Role};
use chrono::NaiveDate;
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use uuid::Uuid;

/// How a user stands to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Relation {
    /// Project leader of the record's programme.
    Leader,
    /// A case manager of the programme, not responsible for this participant.
    Coach,
    /// An employment officer working with the programme, not linked to this participant.
    Officer,
    /// The participant's responsible case manager.
    CaseManager,
    /// The employment officer linked to the participant.
    EmploymentOfficer,
    /// Supervises the participant in a current placement, or works at the workplace.
    Supervisor,
    /// The record is about the user themself.
    Myself,
    /// A participant or supervisor taking part in the programme.
    Member,
    /// A participant placed at this workplace or with this supervisor.
    Placed,
}

impl Relation {
    pub const ALL: [Relation; 9] = [
        Relation::Leader,
        Relation::Coach,
        Relation::Officer,
        Relation::CaseManager,
        Relation::EmploymentOfficer,
        Relation::Supervisor,
        Relation::Myself,
        Relation::Member,
        Relation::Placed,
    ];

    /// The role a user must hold for a tie to count as this relation; being the record's
    /// subject or a member of the programme needs none.
    pub fn role(self) -> Option<Role> {
        match self {
            Relation::Leader => Some(Role::ProjectLeader),
            Relation::Coach | Relation::CaseManager => Some(Role::CaseManager),
            Relation::Officer | Relation::EmploymentOfficer => Some(Role::EmploymentOfficer),
            Relation::Supervisor => Some(Role::Supervisor),
            Relation::Placed => Some(Role::Participant),
            Relation::Myself | Relation::Member => None,
        }
    }
}

/// How much of a record a relation lets a user read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    None,
    /// Only what the relation needs (for a supervisor: first name, last initial, …).
    Limited,
    Full,
}

/// The rule table: what one relation allows on one kind of record, as (read, write).
pub fn rule(kind: Kind, relation: Relation) -> (Access, bool) {
    use Access::{Full as F, Limited as L, None as N};
    use Kind as K;
    use Relation as R;
    match (kind, relation) {
        (K::Programme, R::Leader) => (F, true),
        (K::Programme, R::Coach | R::Officer) => (F, false),
        (K::Programme, R::Member) => (L, false),

        (K::Staff, R::Leader | R::Myself) => (F, true),
        (K::Staff, R::Coach | R::Officer | R::Member) => (F, false),

        (K::Workplace, R::Leader | R::Coach) => (F, true),
        (K::Workplace, R::Officer | R::Supervisor) => (F, false),
        (K::Workplace, R::Placed) => (L, false),

        (K::Supervisor, R::Leader | R::Coach) => (F, true),
        (K::Supervisor, R::Officer | R::Myself) => (F, false),
        (K::Supervisor, R::Placed) => (L, false),

        (K::Participant, R::Leader | R::CaseManager) => (F, true),
        (K::Participant, R::EmploymentOfficer | R::Myself) => (F, false),
        (K::Participant, R::Supervisor) => (L, false),

        (K::Placement | K::ScheduleEvent, R::Leader | R::CaseManager) => (F, true),
        (K::Placement | K::ScheduleEvent, R::EmploymentOfficer | R::Supervisor | R::Myself) => {
            (F, false)
        }

        (K::CheckIn | K::Review, R::CaseManager | R::EmploymentOfficer) => (F, true),
        (K::CheckIn | K::Review, R::Leader) => (F, false),

        (K::Contact, R::CaseManager) => (F, true),
        (K::Contact, R::Leader) => (F, false),

        (K::TrainingGoal, R::CaseManager) => (F, true),
        (K::TrainingGoal, R::Leader | R::EmploymentOfficer | R::Myself) => (F, false),

        (K::Attendance, R::CaseManager | R::Supervisor) => (F, true),
        (K::Attendance, R::Leader | R::EmploymentOfficer) => (F, false),
        // The supervisor's note is for the case manager.
        (K::Attendance, R::Myself) => (L, false),

        (K::Absence, R::CaseManager | R::Myself) => (F, true),
        (K::Absence, R::Leader | R::EmploymentOfficer) => (F, false),
        (K::Absence, R::Supervisor) => (L, false),

        (K::Closing | K::FollowUp, R::CaseManager) => (F, true),
        (K::Closing | K::FollowUp, R::Leader | R::EmploymentOfficer) => (F, false),

        _ => (N, false),
    }
}

/// A signed-in user as the permission module sees them: roles and currently valid links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub user_id: Uuid,
    pub roles: BTreeSet<Role>,
    /// `(kind, target)` of every link valid today whose principal is this user, or a
    /// supervisor or participant this user is.
    pub ties: BTreeSet<(LinkKind, Entity)>,
}

impl Viewer {
    /// Resolves the links that apply to a user on `today`: their own, plus those of the
    /// supervisor and participant records they are.
    pub fn new(
        user_id: Uuid,
        roles: impl IntoIterator<Item = Role>,
        links: &[Link],
        today: NaiveDate,
    ) -> Self {
        let valid: Vec<&Link> = links
            .iter()
            .filter(|link| link.is_valid_on(today))
            .collect();
        let principals = Self::principals(user_id, valid.iter().copied());
        let ties = valid
            .iter()
            .filter(|link| principals.contains(&link.principal))
            .map(|link| (link.kind, link.target))
            .collect();
        Self {
            user_id,
            roles: roles.into_iter().collect(),
            ties,
        }
    }

    /// The principals whose links decide this user's access (for loading links).
    pub fn principals<'a>(
        user_id: Uuid,
        links_of_user: impl IntoIterator<Item = &'a Link>,
    ) -> BTreeSet<Entity> {
        let me = Entity::User(user_id);
        let mut principals = BTreeSet::from([me]);
        for link in links_of_user {
            if link.principal == me && link.kind == LinkKind::Myself {
                principals.insert(link.target);
            }
        }
        principals
    }

    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The supervisor record this user is, if they sign in as a supervisor.
    pub fn own_supervisor(&self) -> Option<Uuid> {
        if !self.has(Role::Supervisor) {
            return None;
        }
        self.ties.iter().find_map(|tie| match tie {
            (LinkKind::Myself, Entity::Supervisor(id)) => Some(*id),
            _ => None,
        })
    }

    /// The participant this user is, if they sign in as one.
    pub fn own_participant(&self) -> Option<Uuid> {
        if !self.has(Role::Participant) {
            return None;
        }
        self.ties.iter().find_map(|tie| match tie {
            (LinkKind::Myself, Entity::Participant(id)) => Some(*id),
            _ => None,
        })
    }

    /// How this user stands to a record of `scope` in `programme`.
    pub fn relations(&self, scope: Entity, programme: Option<Uuid>) -> BTreeSet<Relation> {
        let mut relations = BTreeSet::new();
        if let Some(programme) = programme {
            let programme = Entity::Programme(programme);
            if self.ties.contains(&(LinkKind::Staff, programme)) {
                relations.extend([Relation::Leader, Relation::Coach, Relation::Officer]);
            }
            if self.ties.contains(&(LinkKind::Member, programme)) {
                relations.insert(Relation::Member);
            }
        }
        for (kind, target) in &self.ties {
            if *target != scope {
                continue;
            }
            relations.insert(match kind {
                LinkKind::CaseManager => Relation::CaseManager,
                LinkKind::EmploymentOfficer => Relation::EmploymentOfficer,
                LinkKind::Supervisor => Relation::Supervisor,
                LinkKind::Placed => Relation::Placed,
                LinkKind::Myself => Relation::Myself,
                LinkKind::Staff | LinkKind::Member => continue,
            });
        }
        relations.retain(|relation| relation.role().is_none_or(|role| self.has(role)));
        relations
    }

    /// The most this user may read of a record.
    pub fn read_access(&self, kind: Kind, scope: Entity, programme: Option<Uuid>) -> Access {
        self.relations(scope, programme)
            .into_iter()
            .map(|relation| rule(kind, relation).0)
            .max()
            .unwrap_or(Access::None)
    }

    /// Whether this user may create, change or delete a record of `kind` in `scope`.
    pub fn may_write(&self, kind: Kind, scope: Entity, programme: Option<Uuid>) -> bool {
        self.relations(scope, programme)
            .into_iter()
            .any(|relation| rule(kind, relation).1)
    }

    /// This user with the responsibility `record` would give them added, so that a case
    /// manager may register a participant into their own caseload. Only someone who
    /// already works for the record's programme gains anything: membership of a programme
    /// (a staff card, a participant's or supervisor's account) is granted by others, never
    /// taken by writing a record.
    pub fn with_links_of(&self, record: &Record, programme: Uuid) -> Viewer {
        let mut viewer = self.clone();
        if !self
            .ties
            .contains(&(LinkKind::Staff, Entity::Programme(programme)))
        {
            return viewer;
        }
        let me = Entity::User(self.user_id);
        for link in record.links() {
            let grants_responsibility = matches!(
                link.kind,
                LinkKind::CaseManager | LinkKind::EmploymentOfficer
            );
            if link.principal == me && grants_responsibility {
                viewer.ties.insert((link.kind, link.target));
            }
        }
        viewer
    }

    /// Whether any relation this user's roles allow could ever let them read records of
    /// `kind`: a deletion of a record they can never have held is not theirs to hear of.
    pub fn could_ever_read(&self, kind: Kind) -> bool {
        Relation::ALL.into_iter().any(|relation| {
            // Being a record's subject needs no role, but only a participant is the subject
            // of records about a participant.
            let role = match (relation, kind) {
                (Relation::Myself, Kind::Staff | Kind::Supervisor) => None,
                (Relation::Myself, _) => Some(Role::Participant),
                _ => relation.role(),
            };
            role.is_none_or(|role| self.has(role)) && rule(kind, relation).0 != Access::None
        })
    }

    /// Whether this user may invite `person` (a participant or supervisor record of
    /// `programme`) to sign in: a participant by their responsible case manager; a
    /// supervisor by the programme's leader, or by the case manager of a participant
    /// placed with them (`supervisor_links`: the links whose principal is that supervisor).
    /// An account reaches every participant placed with the person, so nobody else may
    /// bind one to them.
    pub fn may_invite(
        &self,
        person: &Record,
        programme: Uuid,
        supervisor_links: &[Link],
        today: NaiveDate,
    ) -> bool {
        let relations = self.relations(person.scope(), Some(programme));
        match person {
            Record::Participant(_) => relations.contains(&Relation::CaseManager),
            Record::Supervisor(_) => {
                relations.contains(&Relation::Leader)
                    || supervisor_links.iter().any(|link| {
                        link.principal == person.scope()
                            && link.kind == LinkKind::Supervisor
                            && link.is_valid_on(today)
                            && matches!(link.target, Entity::Participant(_))
                            && self
                                .relations(link.target, Some(programme))
                                .contains(&Relation::CaseManager)
                    })
            }
            _ => false,
        }
    }

    /// The programmes this user leads: they follow all their participants and search
    /// their access log.
    pub fn led_programmes(&self) -> Vec<Uuid> {
        if !self.has(Role::ProjectLeader) {
            return Vec::new();
        }
        self.ties
            .iter()
            .filter_map(|tie| match tie {
                (LinkKind::Staff, Entity::Programme(programme)) => Some(*programme),
                _ => None,
            })
            .collect()
    }
}

/// What a user may see of a record: all of it, a redacted copy, or nothing.
pub fn visible_data(record: &Record, access: Access, today: NaiveDate) -> Option<Value> {
    match access {
        Access::None => None,
        Access::Full => Some(record.to_json()),
        Access::Limited => Some(limited(record, today)),
    }
}

/// The fields a limited reader gets: an allow-list, so a field added later stays private
/// until someone decides otherwise.
fn limited(record: &Record, today: NaiveDate) -> Value {
    let full = record.to_json();
    let mut fields: Vec<&str> = match record.kind() {
        Kind::Programme => vec!["id", "name", "owner"],
        Kind::Workplace => vec![
            "id",
            "programme_id",
            "name",
            "type",
            "address",
            "municipality",
        ],
        Kind::Supervisor => vec![
            "id",
            "programme_id",
            "workplace_id",
            "first_name",
            "last_name",
            "phone",
        ],
        Kind::Participant => vec![
            "id",
            "programme_id",
            "first_name",
            "case_manager_id",
            "phase",
        ],
        Kind::Absence => vec!["id", "participant_id", "first_day", "last_day"],
        Kind::Attendance => vec![
            "id",
            "participant_id",
            "placement_id",
            "day",
            "status",
            "planned_start",
            "planned_end",
            "arrived_at",
            "left_at",
            "reason",
        ],
        _ => vec!["id"],
    };
    if let Record::Participant(participant) = record {
        if participant.consents_to(ConsentScope::ContactDetails, today) {
            fields.extend(["phone", "email"]);
        }
        if participant.consents_to(ConsentScope::SupportNeeds, today) {
            fields.push("support");
        }
        if participant.consents_to(ConsentScope::Languages, today) {
            fields.extend(["languages", "interpreter", "sfi_level"]);
        }
    }
    let mut out = Map::new();
    for field in fields {
        if let Some(value) = full.get(field) {
            out.insert(field.to_owned(), value.clone());
        }
    }
    if let Record::Participant(participant) = record {
        let initial: String = participant.last_name.as_str().chars().take(1).collect();
        out.insert("last_initial".to_owned(), Value::String(initial));
    }
    out.insert("limited".to_owned(), Value::Bool(true));
    Value::Object(out)
}

/// Where the records this user might see are: the server fetches these and the rule table
/// then decides each one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Records whose scope is one of these entities.
    pub scopes: Vec<Entity>,
    /// Every record of these programmes (project leaders).
    pub whole_programmes: Vec<Uuid>,
    /// The programme-wide records (programme, staff, workplaces, supervisors) of these.
    pub staff_programmes: Vec<Uuid>,
    /// The programme and staff cards of these (participants and supervisors).
    pub member_programmes: Vec<Uuid>,
}

impl Selection {
    pub const STAFF_KINDS: &'static [Kind] = &[
        Kind::Programme,
        Kind::Staff,
        Kind::Workplace,
        Kind::Supervisor,
    ];
    pub const MEMBER_KINDS: &'static [Kind] = &[Kind::Programme, Kind::Staff];
}

impl Viewer {
    pub fn selection(&self) -> Selection {
        let mut selection = Selection::default();
        for (kind, target) in &self.ties {
            match (kind, target) {
                (LinkKind::Staff, Entity::Programme(programme)) => {
                    if self.has(Role::ProjectLeader) {
                        selection.whole_programmes.push(*programme);
                    } else if self.has(Role::CaseManager) || self.has(Role::EmploymentOfficer) {
                        selection.staff_programmes.push(*programme);
                    }
                }
                (LinkKind::Member, Entity::Programme(programme)) => {
                    selection.member_programmes.push(*programme)
                }
                (_, target) => selection.scopes.push(*target),
            }
        }
        selection.scopes.sort();
        selection.scopes.dedup();
        selection
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::*;
    use serde_json::json;

    fn participant(consents: serde_json::Value) -> Record {
        Record::parse(
            Kind::Participant,
            json!({
                "id": Uuid::from_u128(1), "programme_id": Uuid::from_u128(2),
                "first_name": "Amina", "last_name": "Yusuf", "birth_date": "1990-04-02",
                "identity_number": "19811218-9876", "gender": "woman",
                "phone": "070-123 45 67", "languages": ["so", "sv"],
                "status_at_entry": "long_term_unemployed", "education_at_entry": "isced0_to2",
                "support": [{ "kind": "childcare", "note": "Förskoleplats saknas" }],
                "consents": consents,
                "case_manager_id": Uuid::from_u128(3), "phase": "placement"
            }),
        )
        .unwrap()
    }

    #[test]
    fn a_supervisor_sees_first_name_and_initial_but_nothing_sensitive() {
        let today: NaiveDate = "2026-11-22".parse().unwrap();
        let data = visible_data(&participant(json!([])), Access::Limited, today).unwrap();
        assert_eq!(data["first_name"], "Amina");
        assert_eq!(data["last_initial"], "Y");
        for hidden in [
            "last_name",
            "identity_number",
            "support",
            "phone",
            "birth_date",
            "languages",
        ] {
            assert!(data.get(hidden).is_none(), "{hidden} leaked: {data}");
        }
    }

    #[test]
    fn consent_opens_exactly_what_it_names_while_it_lasts() {
        let today: NaiveDate = "2026-11-22".parse().unwrap();
        let consents = json!([
            { "scope": "support_needs", "given_on": "2026-09-01", "recorded_by": Uuid::from_u128(3) },
            { "scope": "contact_details", "given_on": "2026-09-01", "recorded_by": Uuid::from_u128(3),
              "withdrawn_on": "2026-10-01" }
        ]);
        let data = visible_data(&participant(consents), Access::Limited, today).unwrap();
        assert!(data.get("support").is_some());
        assert!(
            data.get("phone").is_none(),
            "a withdrawn consent still shared: {data}"
        );
        assert!(data.get("identity_number").is_none());
    }

    #[test]
    fn relations_count_only_with_the_role_they_need() {
        let user = Uuid::from_u128(9);
        let participant = Entity::Participant(Uuid::from_u128(1));
        let link = Link {
            principal: Entity::User(user),
            kind: LinkKind::CaseManager,
            target: participant,
            from: None,
            until: None,
        };
        let today: NaiveDate = "2026-11-22".parse().unwrap();
        let without_role =
            Viewer::new(user, [Role::Supervisor], std::slice::from_ref(&link), today);
        assert!(!without_role.may_write(Kind::CheckIn, participant, None));
        let with_role = Viewer::new(user, [Role::CaseManager], &[link], today);
        assert!(with_role.may_write(Kind::CheckIn, participant, None));
        assert_eq!(
            with_role.read_access(Kind::Contact, participant, None),
            Access::Full
        );
    }

    #[test]
    fn a_placement_gives_its_supervisor_access_only_while_it_runs() {
        let user = Uuid::from_u128(9);
        let supervisor = Uuid::from_u128(5);
        let participant = Entity::Participant(Uuid::from_u128(1));
        let links = [
            Link {
                principal: Entity::User(user),
                kind: LinkKind::Myself,
                target: Entity::Supervisor(supervisor),
                from: None,
                until: None,
            },
            Link {
                principal: Entity::Supervisor(supervisor),
                kind: LinkKind::Supervisor,
                target: participant,
                from: Some("2026-09-01".parse().unwrap()),
                until: Some("2026-11-30".parse().unwrap()),
            },
        ];
        let during = Viewer::new(
            user,
            [Role::Supervisor],
            &links,
            "2026-11-22".parse().unwrap(),
        );
        assert_eq!(
            during.read_access(Kind::Participant, participant, None),
            Access::Limited
        );
        assert!(during.may_write(Kind::Attendance, participant, None));
        assert_eq!(
            during.read_access(Kind::CheckIn, participant, None),
            Access::None
        );
        let after = Viewer::new(
            user,
            [Role::Supervisor],
            &links,
            "2026-12-01".parse().unwrap(),
        );
        assert_eq!(
            after.read_access(Kind::Participant, participant, None),
            Access::None
        );
    }

    fn staff_of(user: Uuid, programme: Uuid, roles: &[Role]) -> Viewer {
        Viewer {
            user_id: user,
            roles: roles.iter().copied().collect(),
            ties: BTreeSet::from([(LinkKind::Staff, Entity::Programme(programme))]),
        }
    }

    #[test]
    fn writing_a_record_never_makes_its_writer_a_member() {
        let (user, programme) = (Uuid::from_u128(9), Uuid::from_u128(2));
        let card = Record::parse(
            Kind::Staff,
            json!({ "id": user, "programme_id": programme, "name": "Ny" }),
        )
        .unwrap();
        let nobody = Viewer {
            user_id: user,
            roles: BTreeSet::from([Role::ProjectLeader]),
            ties: BTreeSet::new(),
        };
        assert!(!nobody.with_links_of(&card, programme).may_write(
            Kind::Staff,
            card.scope(),
            Some(programme)
        ));

        // Responsibility for a new participant counts only inside one's own programme.
        let mut participant = participant(json!([])).to_json();
        participant["case_manager_id"] = json!(user);
        let participant = Record::parse(Kind::Participant, participant).unwrap();
        let own_programme = Uuid::from_u128(2);
        let coach = staff_of(user, own_programme, &[Role::CaseManager]);
        assert!(coach.with_links_of(&participant, own_programme).may_write(
            Kind::Participant,
            participant.scope(),
            Some(own_programme)
        ));
        let outsider = staff_of(user, Uuid::from_u128(77), &[Role::CaseManager]);
        assert!(!outsider
            .with_links_of(&participant, own_programme)
            .may_write(Kind::Participant, participant.scope(), Some(own_programme)));
    }

    #[test]
    fn a_supervisor_is_invited_by_the_leader_or_a_case_manager_of_someone_placed_with_them() {
        let today: NaiveDate = "2026-11-22".parse().unwrap();
        let (programme, supervisor, placed) =
            (Uuid::from_u128(2), Uuid::from_u128(5), Uuid::from_u128(1));
        let person = Record::parse(
            Kind::Supervisor,
            json!({ "id": supervisor, "programme_id": programme, "workplace_id": Uuid::from_u128(4),
                "first_name": "Kerstin", "last_name": "Handledare" }),
        )
        .unwrap();
        let placement = Link {
            principal: Entity::Supervisor(supervisor),
            kind: LinkKind::Supervisor,
            target: Entity::Participant(placed),
            from: Some("2026-11-01".parse().unwrap()),
            until: Some("2026-12-31".parse().unwrap()),
        };
        let cm = Uuid::from_u128(9);
        let mut responsible = staff_of(cm, programme, &[Role::CaseManager]);
        responsible
            .ties
            .insert((LinkKind::CaseManager, Entity::Participant(placed)));
        let colleague = staff_of(cm, programme, &[Role::CaseManager]);
        let leader = staff_of(cm, programme, &[Role::ProjectLeader]);
        let links = std::slice::from_ref(&placement);
        assert!(responsible.may_invite(&person, programme, links, today));
        assert!(!colleague.may_invite(&person, programme, links, today));
        assert!(leader.may_invite(&person, programme, &[], today));
        let after: NaiveDate = "2027-01-15".parse().unwrap();
        assert!(!responsible.may_invite(&person, programme, links, after));
    }

    #[test]
    fn deletions_reach_only_roles_that_could_ever_read_the_kind() {
        let supervisor = Viewer {
            user_id: Uuid::from_u128(9),
            roles: BTreeSet::from([Role::Supervisor]),
            ties: BTreeSet::new(),
        };
        assert!(supervisor.could_ever_read(Kind::Attendance));
        assert!(supervisor.could_ever_read(Kind::Participant));
        for private in [
            Kind::CheckIn,
            Kind::Review,
            Kind::Contact,
            Kind::Closing,
            Kind::TrainingGoal,
        ] {
            assert!(!supervisor.could_ever_read(private), "{private}");
        }
    }

    #[test]
    fn only_leaders_search_the_log_and_only_of_their_programmes() {
        let programme = Uuid::from_u128(2);
        let leader = staff_of(Uuid::from_u128(9), programme, &[Role::ProjectLeader]);
        assert_eq!(leader.led_programmes(), [programme]);
        let cm = staff_of(Uuid::from_u128(9), programme, &[Role::CaseManager]);
        assert!(cm.led_programmes().is_empty());
    }
}
