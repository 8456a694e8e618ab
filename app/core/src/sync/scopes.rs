//! Which entities a device holds data of, so that when a user loses access (a participant
//! moves to another case manager, a placement ends) the next pull tells the device to
//! forget them, and when a user gains access it receives their records whatever their
//! version.

use crate::access::Viewer;
use crate::domain::{Entity, LinkKind};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// The participants, workplaces and supervisors whose records reach this user through a
/// personal tie, plus every participant of the programmes they lead.
pub fn tracked(viewer: &Viewer, led_participants: &[Uuid]) -> BTreeSet<Entity> {
    let mut scopes: BTreeSet<Entity> = viewer
        .ties
        .iter()
        .filter(|(kind, _)| !matches!(kind, LinkKind::Staff | LinkKind::Member))
        .map(|(_, target)| *target)
        .filter(|target| {
            matches!(
                target,
                Entity::Participant(_) | Entity::Workplace(_) | Entity::Supervisor(_)
            )
        })
        .collect();
    scopes.extend(led_participants.iter().copied().map(Entity::Participant));
    scopes
}

/// What the server remembers of one entity a device was sent: `since` is the cursor of the
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
    pub gained: Vec<Entity>,
    /// No longer visible and not yet confirmed forgotten: send deletions (again, if the
    /// response that sent them was lost).
    pub lost: Vec<Entity>,
    /// Forgotten, and the device has confirmed it: the server can forget them too.
    pub settled: Vec<Entity>,
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
pub fn plan(rows: &BTreeMap<Entity, ScopeRow>, now: &BTreeSet<Entity>, cursor: i64) -> ScopePlan {
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
pub fn apply(rows: &mut BTreeMap<Entity, ScopeRow>, plan: &ScopePlan, cursor: i64) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;

    fn participant(n: u128) -> Entity {
        Entity::Participant(Uuid::from_u128(n))
    }

    #[test]
    fn tracked_scopes_are_personal_ties_and_led_participants() {
        let viewer = Viewer {
            user_id: Uuid::from_u128(9),
            roles: BTreeSet::from([Role::CaseManager]),
            ties: BTreeSet::from([
                (LinkKind::CaseManager, participant(2)),
                (LinkKind::Staff, Entity::Programme(Uuid::from_u128(3))),
            ]),
        };
        assert_eq!(
            tracked(&viewer, &[Uuid::from_u128(4)]),
            BTreeSet::from([participant(2), participant(4)])
        );
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
}
