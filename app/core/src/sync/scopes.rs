//! What a device holds data of, so that when a user loses access (a participant moves to
//! another case manager, a placement ends, they leave a programme) the next pull tells the
//! device to forget it, and when a user gains access it receives the older records whatever
//! their version.

use crate::access::{Selection, Viewer};
use crate::domain::Entity;
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// One part of what a user may see, as a device was sent it: the records of one entity
/// (a participant and their journal, a workplace, a supervisor), or a part of a programme's
/// records (its staff, workplaces and supervisors, or all of them for its leaders).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    Entity(Entity),
    Programme(Uuid, ProgrammePart),
}

/// Which of a programme's records a scope covers; the same parts as [`Selection`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProgrammePart {
    /// Every record (its project leaders).
    All,
    /// [`Selection::STAFF_KINDS`] (its case managers and employment officers).
    Staff,
    /// [`Selection::MEMBER_KINDS`] (its participants and supervisors).
    Member,
}

impl ProgrammePart {
    const ALL: [ProgrammePart; 3] = [Self::All, Self::Staff, Self::Member];

    fn prefix(self) -> &'static str {
        match self {
            Self::All => "programme-all",
            Self::Staff => "programme-staff",
            Self::Member => "programme-member",
        }
    }
}

/// Stored as text: an entity as it reads (`participant:<id>`), a programme part as
/// `programme-staff:<id>` and so on.
impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Entity(entity) => entity.fmt(f),
            Scope::Programme(id, part) => write!(f, "{}:{id}", part.prefix()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("not a sync scope: {0:?}")]
pub struct NotAScope(String);

impl FromStr for Scope {
    type Err = NotAScope;
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let not_a_scope = || NotAScope(raw.to_owned());
        let (prefix, id) = raw.split_once(':').ok_or_else(not_a_scope)?;
        match ProgrammePart::ALL
            .into_iter()
            .find(|part| part.prefix() == prefix)
        {
            Some(part) => Ok(Scope::Programme(
                id.parse().map_err(|_| not_a_scope())?,
                part,
            )),
            None => raw.parse().map(Scope::Entity).map_err(|_| not_a_scope()),
        }
    }
}

/// Everything the user may see records of now, as scopes: the same ties their pulls select
/// by, so nothing a device holds is outside every scope.
pub fn tracked(viewer: &Viewer) -> BTreeSet<Scope> {
    let selection = viewer.selection();
    let programmes =
        |ids: Vec<Uuid>, part| ids.into_iter().map(move |id| Scope::Programme(id, part));
    selection
        .scopes
        .into_iter()
        .map(Scope::Entity)
        .chain(programmes(selection.whole_programmes, ProgrammePart::All))
        .chain(programmes(selection.staff_programmes, ProgrammePart::Staff))
        .chain(programmes(
            selection.member_programmes,
            ProgrammePart::Member,
        ))
        .collect()
}

/// The records of these scopes, as a selection to fetch them by.
pub fn selection_of(scopes: &[Scope]) -> Selection {
    let mut selection = Selection::default();
    for scope in scopes {
        match *scope {
            Scope::Entity(entity) => selection.scopes.push(entity),
            Scope::Programme(id, ProgrammePart::All) => selection.whole_programmes.push(id),
            Scope::Programme(id, ProgrammePart::Staff) => selection.staff_programmes.push(id),
            Scope::Programme(id, ProgrammePart::Member) => selection.member_programmes.push(id),
        }
    }
    selection
}

/// What the server remembers of one scope a device was sent: `since` is the cursor of the
/// response that first carried its records, `dropped_at` that of the response that told the
/// device to forget them. Each such cursor is new (the server draws one from the version
/// counter), so a device that sends a cursor at or past it has received that response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScopeRow {
    pub since: i64,
    pub dropped_at: Option<i64>,
}

/// What a pull must do about scopes, decided from what the device confirmed by its cursor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopePlan {
    /// Newly visible, or sent in a response the device has not confirmed: send their older
    /// records (those at or below the request's cursor).
    pub gained: Vec<Scope>,
    /// No longer visible and not yet confirmed forgotten: send deletions (again, if the
    /// response that sent them was lost).
    pub lost: Vec<Scope>,
    /// Forgotten, and the device has confirmed it: the server can forget them too.
    pub settled: Vec<Scope>,
}

impl ScopePlan {
    /// Whether this pull sends scope changes, and so needs a cursor of its own.
    pub fn sends_scope_changes(&self) -> bool {
        !self.gained.is_empty() || !self.lost.is_empty()
    }
}

/// Compares what the device was sent with what the user may see now. A response that was
/// lost is no reason to lose a deletion: until the device's cursor confirms a response,
/// its scope changes are sent again.
pub fn plan(rows: &BTreeMap<Scope, ScopeRow>, now: &BTreeSet<Scope>, cursor: i64) -> ScopePlan {
    let mut plan = ScopePlan::default();
    for scope in now {
        match rows.get(scope) {
            Some(row) if row.dropped_at.is_none() && row.since <= cursor => {}
            _ => plan.gained.push(*scope),
        }
    }
    for (scope, row) in rows {
        if now.contains(scope) {
            continue;
        }
        match row.dropped_at {
            Some(dropped_at) if dropped_at <= cursor => plan.settled.push(*scope),
            _ => plan.lost.push(*scope),
        }
    }
    plan
}

/// The rows after a response with cursor `cursor` carried `plan`.
pub fn apply(rows: &mut BTreeMap<Scope, ScopeRow>, plan: &ScopePlan, cursor: i64) {
    for scope in &plan.gained {
        rows.insert(
            *scope,
            ScopeRow {
                since: cursor,
                dropped_at: None,
            },
        );
    }
    for scope in &plan.lost {
        if let Some(row) = rows.get_mut(scope) {
            row.dropped_at = Some(cursor);
        }
    }
    for scope in &plan.settled {
        rows.remove(scope);
    }
}

/// The limited views (what a supervisor sees of a participant) a device was last sent:
/// they change with the day as consents begin and end, though the record does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ViewsSent {
    pub on: NaiveDate,
    /// The cursor of the response that sent them.
    pub cursor: i64,
}

/// Whether a pull must send the device today's limited views again: it has not confirmed,
/// by its cursor, a response that sent them today.
pub fn views_due(sent: Option<ViewsSent>, cursor: i64, today: NaiveDate) -> bool {
    !sent.is_some_and(|sent| sent.on == today && sent.cursor <= cursor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{LinkKind, Role};

    fn participant(n: u128) -> Scope {
        Scope::Entity(Entity::Participant(Uuid::from_u128(n)))
    }

    #[test]
    fn tracked_scopes_are_what_the_user_selects_by() {
        let programme = Uuid::from_u128(3);
        let case_manager = Viewer {
            user_id: Uuid::from_u128(9),
            roles: BTreeSet::from([Role::CaseManager]),
            ties: BTreeSet::from([
                (
                    LinkKind::CaseManager,
                    Entity::Participant(Uuid::from_u128(2)),
                ),
                (LinkKind::Staff, Entity::Programme(programme)),
            ]),
        };
        assert_eq!(
            tracked(&case_manager),
            BTreeSet::from([
                participant(2),
                Scope::Programme(programme, ProgrammePart::Staff)
            ])
        );
        let leader = Viewer {
            roles: BTreeSet::from([Role::ProjectLeader]),
            ..case_manager
        };
        assert!(tracked(&leader).contains(&Scope::Programme(programme, ProgrammePart::All)));
    }

    #[test]
    fn scopes_read_back_as_they_were_written() {
        let id = Uuid::from_u128(7);
        for scope in [
            participant(7),
            Scope::Entity(Entity::Programme(id)),
            Scope::Programme(id, ProgrammePart::All),
            Scope::Programme(id, ProgrammePart::Staff),
            Scope::Programme(id, ProgrammePart::Member),
        ] {
            assert_eq!(scope.to_string().parse::<Scope>().unwrap(), scope);
        }
        assert!("programme-some:1".parse::<Scope>().is_err());
        assert!("programme-all:x".parse::<Scope>().is_err());
    }

    #[test]
    fn a_participant_moved_away_is_lost_until_the_device_confirms_it() {
        let (a, b) = (participant(1), participant(2));
        let mut rows = BTreeMap::from([(
            a,
            ScopeRow {
                since: 5,
                dropped_at: None,
            },
        )]);
        let now = BTreeSet::from([b]);
        let first = plan(&rows, &now, 10);
        assert_eq!(
            (first.gained.clone(), first.lost.clone()),
            (vec![b], vec![a])
        );
        apply(&mut rows, &first, 12);
        // The response with cursor 12 was lost: the device asks again from 10.
        let retried = plan(&rows, &now, 10);
        assert_eq!(retried, first, "the same work is sent again");
        apply(&mut rows, &retried, 13);
        // The device got cursor 13: nothing more to send, and `a` is settled.
        let confirmed = plan(&rows, &now, 13);
        assert!(!confirmed.sends_scope_changes());
        assert_eq!(confirmed.settled, vec![a]);
        apply(&mut rows, &confirmed, 13);
        assert_eq!(rows.keys().copied().collect::<Vec<_>>(), vec![b]);
    }

    #[test]
    fn a_participant_regained_before_the_loss_was_confirmed_is_sent_again() {
        let a = participant(1);
        let mut rows = BTreeMap::from([(
            a,
            ScopeRow {
                since: 5,
                dropped_at: Some(12),
            },
        )]);
        let regained = plan(&rows, &BTreeSet::from([a]), 10);
        assert_eq!(regained.gained, vec![a]);
        apply(&mut rows, &regained, 14);
        assert_eq!(rows[&a].dropped_at, None);
    }

    #[test]
    fn limited_views_are_sent_again_until_a_response_of_today_is_confirmed() {
        let today: NaiveDate = "2026-12-03".parse().unwrap();
        let yesterday = today.pred_opt().unwrap();
        assert!(views_due(None, 0, today));
        let sent_yesterday = ViewsSent {
            on: yesterday,
            cursor: 5,
        };
        assert!(views_due(Some(sent_yesterday), 9, today));
        let sent_today = ViewsSent {
            on: today,
            cursor: 12,
        };
        assert!(
            views_due(Some(sent_today), 9, today),
            "the response was lost"
        );
        assert!(!views_due(Some(sent_today), 12, today));
    }
}
