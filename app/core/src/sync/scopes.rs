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
/// response that carried its older records, until the device sends that very cursor back,
/// and then [`CONFIRMED`]; `dropped_at` is the cursor of the response that told the device
/// to forget them.
///
/// Such a response is never paged and its cursor is drawn from the version counter for it
/// alone (no record has it), so only a device that received it can send it back. "At or
/// past it" would not do: a page's cursor is the version of its last record, and a
/// duplicated request answered later can page past a cursor the device never received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScopeRow {
    pub since: i64,
    pub dropped_at: Option<i64>,
}

/// `ScopeRow::since` of a scope whose records the device has confirmed receiving.
pub const CONFIRMED: i64 = 0;

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
    /// Received: the device sent back the cursor of the response that carried them.
    pub confirmed: Vec<Scope>,
    /// Visible to a device that starts from nothing (cursor 0): the pages bring all of it.
    pub adopted: Vec<Scope>,
}

impl ScopePlan {
    /// Whether this pull sends scope changes: then it is not paged, and gets a cursor of
    /// its own.
    pub fn sends_scope_changes(&self) -> bool {
        !self.gained.is_empty() || !self.lost.is_empty()
    }
}

/// Compares what the device was sent with what the user may see now. A response that was
/// lost is no reason to lose a deletion: until the device sends back the cursor of the
/// response that carried a scope change, it is sent again.
pub fn plan(rows: &BTreeMap<Scope, ScopeRow>, now: &BTreeSet<Scope>, cursor: i64) -> ScopePlan {
    let mut plan = ScopePlan::default();
    // A device that starts from nothing holds nothing: it is sent everything it may see,
    // in pages, and nothing to forget.
    if cursor == 0 {
        plan.adopted = now.iter().copied().collect();
        plan.settled = rows
            .keys()
            .filter(|scope| !now.contains(scope))
            .copied()
            .collect();
        return plan;
    }
    for scope in now {
        match rows.get(scope) {
            Some(row) if row.dropped_at.is_none() && row.since == CONFIRMED => {}
            Some(row) if row.dropped_at.is_none() && row.since == cursor => {
                plan.confirmed.push(*scope)
            }
            _ => plan.gained.push(*scope),
        }
    }
    for (scope, row) in rows {
        if now.contains(scope) {
            continue;
        }
        match row.dropped_at {
            Some(dropped_at) if dropped_at == cursor => plan.settled.push(*scope),
            _ => plan.lost.push(*scope),
        }
    }
    plan
}

/// The rows after a response with cursor `cursor` carried `plan`.
pub fn apply(rows: &mut BTreeMap<Scope, ScopeRow>, plan: &ScopePlan, cursor: i64) {
    let fresh = |since| ScopeRow {
        since,
        dropped_at: None,
    };
    for scope in &plan.gained {
        rows.insert(*scope, fresh(cursor));
    }
    for scope in &plan.adopted {
        rows.insert(*scope, fresh(CONFIRMED));
    }
    for scope in &plan.lost {
        if let Some(row) = rows.get_mut(scope) {
            row.dropped_at = Some(cursor);
        }
    }
    for scope in &plan.settled {
        rows.remove(scope);
    }
    for scope in &plan.confirmed {
        if let Some(row) = rows.get_mut(scope) {
            row.since = CONFIRMED;
        }
    }
}

/// The limited views (what a supervisor sees of a participant) a device was last sent:
/// they change with the day as consents begin and end, though the record does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ViewsSent {
    pub on: NaiveDate,
    /// The cursor of the response that sent them, until the device sends it back; then
    /// [`CONFIRMED`].
    pub cursor: i64,
}

/// What a pull must do about limited views.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Views {
    /// The device holds today's.
    Held,
    /// The device has just confirmed today's: remember that.
    Confirmed,
    /// Send today's (again, if the response that sent them was lost).
    Due,
}

/// Whether a pull must send the device today's limited views: it has not sent back the
/// cursor of a response that sent them today.
pub fn views(sent: Option<ViewsSent>, cursor: i64, today: NaiveDate) -> Views {
    match sent {
        Some(sent) if sent.on == today && sent.cursor == CONFIRMED => Views::Held,
        Some(sent) if sent.on == today && sent.cursor == cursor => Views::Confirmed,
        _ => Views::Due,
    }
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
                since: CONFIRMED,
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
        // A page of another response took the device past 13 without this one: not enough.
        assert_eq!(plan(&rows, &now, 15), first);
        // The device sends back 13: nothing more to send, `a` is settled, `b` confirmed.
        let confirmed = plan(&rows, &now, 13);
        assert!(!confirmed.sends_scope_changes());
        assert_eq!(
            (confirmed.settled.clone(), confirmed.confirmed.clone()),
            (vec![a], vec![b])
        );
        apply(&mut rows, &confirmed, 13);
        assert_eq!(rows.keys().copied().collect::<Vec<_>>(), vec![b]);
        assert_eq!(rows[&b].since, CONFIRMED);
        assert_eq!(plan(&rows, &now, 20), ScopePlan::default());
    }

    #[test]
    fn a_device_starting_from_nothing_is_sent_everything_in_pages() {
        let (a, b) = (participant(1), participant(2));
        let rows = BTreeMap::from([(
            a,
            ScopeRow {
                since: CONFIRMED,
                dropped_at: None,
            },
        )]);
        let fresh = plan(&rows, &BTreeSet::from([b]), 0);
        assert!(!fresh.sends_scope_changes());
        assert_eq!((fresh.adopted, fresh.settled), (vec![b], vec![a]));
    }

    #[test]
    fn a_participant_regained_before_the_loss_was_confirmed_is_sent_again() {
        let a = participant(1);
        let mut rows = BTreeMap::from([(
            a,
            ScopeRow {
                since: CONFIRMED,
                dropped_at: Some(12),
            },
        )]);
        let regained = plan(&rows, &BTreeSet::from([a]), 10);
        assert_eq!(regained.gained, vec![a]);
        apply(&mut rows, &regained, 14);
        assert_eq!(rows[&a].dropped_at, None);
    }

    #[test]
    fn limited_views_are_sent_again_until_the_device_sends_back_todays_cursor() {
        let today: NaiveDate = "2026-12-03".parse().unwrap();
        let yesterday = today.pred_opt().unwrap();
        assert_eq!(views(None, 0, today), Views::Due);
        let held_yesterday = ViewsSent {
            on: yesterday,
            cursor: CONFIRMED,
        };
        assert_eq!(views(Some(held_yesterday), 9, today), Views::Due);
        let sent_today = ViewsSent {
            on: today,
            cursor: 12,
        };
        assert_eq!(views(Some(sent_today), 9, today), Views::Due, "lost");
        assert_eq!(views(Some(sent_today), 15, today), Views::Due, "paged past");
        assert_eq!(views(Some(sent_today), 12, today), Views::Confirmed);
        let held = ViewsSent {
            on: today,
            cursor: CONFIRMED,
        };
        assert_eq!(views(Some(held), 30, today), Views::Held);
    }
}
