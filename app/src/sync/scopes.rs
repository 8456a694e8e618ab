//! Which entities a device holds data of, so that when a user loses access (a participant
//! moves to another case manager, a placement ends) the next pull tells the device to
//! forget them, and when a user gains access it receives their records whatever their
//! version.

use crate::access::Viewer;
use crate::domain::{Entity, LinkKind};
use std::collections::BTreeSet;
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

/// What changed between the scopes a device was sent and those it may see now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeChanges {
    pub gained: Vec<Entity>,
    pub lost: Vec<Entity>,
}

pub fn diff(before: &BTreeSet<Entity>, now: &BTreeSet<Entity>) -> ScopeChanges {
    ScopeChanges {
        gained: now.difference(before).copied().collect(),
        lost: before.difference(now).copied().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;

    #[test]
    fn a_participant_moved_away_is_lost_and_a_new_one_gained() {
        let (a, b) = (
            Entity::Participant(Uuid::from_u128(1)),
            Entity::Participant(Uuid::from_u128(2)),
        );
        let before = BTreeSet::from([a]);
        let viewer = Viewer {
            user_id: Uuid::from_u128(9),
            roles: BTreeSet::from([Role::CaseManager]),
            ties: BTreeSet::from([
                (LinkKind::CaseManager, b),
                (LinkKind::Staff, Entity::Programme(Uuid::from_u128(3))),
            ]),
        };
        let now = tracked(&viewer, &[]);
        assert_eq!(now, BTreeSet::from([b]));
        assert_eq!(
            diff(&before, &now),
            ScopeChanges {
                gained: vec![b],
                lost: vec![a]
            }
        );
    }
}
