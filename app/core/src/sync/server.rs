//! The server's side of sync as pure rules, so the server and the native simulation
//! (`app/core/tests/sync_simulation.rs`) decide the same way: whether a mutation is new, whose
//! change a write replaces, and where a page of changes ends.

use super::protocol::{Mutation, MutationResult, MutationStatus};
use crate::change::{Change, Rejection};
use crate::domain::Refusal;
use uuid::Uuid;

/// Why a mutation was refused, as kept for a retry: the API's English message, and the
/// code the app translates (none for rejections kept before codes existed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub reason: String,
    pub code: Option<Refusal>,
}

impl MutationResult {
    /// What a device is told of one mutation: what became of it and, if refused, why.
    pub fn new(id: i64, status: MutationStatus, refused: Option<Refused>) -> Self {
        let (error, code) =
            refused.map_or((None, None), |refused| (Some(refused.reason), refused.code));
        Self {
            id,
            status,
            error,
            code,
        }
    }
}

impl From<Rejection> for Refused {
    fn from(rejection: Rejection) -> Self {
        Self {
            reason: rejection.to_string(),
            code: Some(rejection.refusal()),
        }
    }
}

/// What to do with one mutation of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Processed before (the response was lost and the device retried): not applied again.
    Duplicate,
    /// Refused, now or when it was first processed; the device is told why.
    Rejected(Refused),
    /// New: apply it (the write claims the mutation id in its own transaction).
    Apply(Change),
}

/// Decides a mutation from the last mutation id processed for its device and, for one
/// processed before, the reason it was refused then (so a retry after a lost response
/// still tells the user why, instead of "duplicate").
pub fn decide(
    mutation: &Mutation,
    last_processed: i64,
    refused_before: Option<Refused>,
) -> Decision {
    if mutation.id <= last_processed {
        return match refused_before {
            Some(refused) => Decision::Rejected(refused),
            None => Decision::Duplicate,
        };
    }
    match Change::from_mutation(&mutation.name, mutation.args.clone()) {
        Ok(change) => Decision::Apply(change),
        Err(rejection) => Decision::Rejected(rejection.into()),
    }
}

/// The author whose change a write replaces without having seen it: the record's current
/// version (`(version, author)`) is not the one the writer started from, and another user
/// wrote it.
pub fn replaced_author(
    base_version: Option<i64>,
    current: Option<(i64, Uuid)>,
    writer: Uuid,
) -> Option<Uuid> {
    let (version, author) = current?;
    (base_version != Some(version) && author != writer).then_some(author)
}

/// Where a page of changes ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageEnd {
    /// How many of the fetched records to send.
    pub take: usize,
    /// The cursor to answer with.
    pub cursor: i64,
    pub more: bool,
}

/// `versions` are those of the records above the request's cursor, ascending, at most
/// `size + 1` of them and none above `newest` (the counter read before fetching, so every
/// version up to it is committed).
pub fn page_end(cursor: i64, newest: i64, versions: &[i64], size: usize) -> PageEnd {
    if versions.len() > size {
        PageEnd {
            take: size,
            cursor: versions[size - 1],
            more: true,
        }
    } else {
        PageEnd {
            take: versions.len(),
            cursor: newest.max(cursor),
            more: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn mutation(id: i64, name: &str) -> Mutation {
        Mutation {
            id,
            name: name.to_owned(),
            args: json!({ "id": Uuid::nil() }),
            base_version: None,
        }
    }

    #[test]
    fn a_processed_mutation_is_a_duplicate_or_its_old_refusal() {
        assert_eq!(
            decide(&mutation(3, "contact.delete"), 3, None),
            Decision::Duplicate
        );
        let refused = Refused {
            reason: "no".into(),
            code: Some(Refusal::NotPermitted),
        };
        assert_eq!(
            decide(&mutation(2, "contact.delete"), 3, Some(refused.clone())),
            Decision::Rejected(refused)
        );
        assert!(matches!(
            decide(&mutation(4, "contact.delete"), 3, None),
            Decision::Apply(Change::Delete { .. })
        ));
        assert!(matches!(
            decide(&mutation(4, "hologram.save"), 3, None),
            Decision::Rejected(Refused { reason, code: Some(Refusal::UnknownChange) })
                if reason.contains("unknown change")
        ));
    }

    #[test]
    fn only_another_users_unseen_version_is_replaced() {
        let (me, other) = (Uuid::from_u128(1), Uuid::from_u128(2));
        assert_eq!(replaced_author(Some(4), Some((4, other)), me), None);
        assert_eq!(replaced_author(Some(4), Some((6, other)), me), Some(other));
        assert_eq!(replaced_author(None, Some((6, other)), me), Some(other));
        assert_eq!(replaced_author(Some(4), Some((6, me)), me), None);
        assert_eq!(replaced_author(None, None, me), None);
    }

    #[test]
    fn pages_end_at_the_last_record_sent_or_at_the_counter() {
        assert_eq!(
            page_end(10, 20, &[11, 12, 13], 2),
            PageEnd {
                take: 2,
                cursor: 12,
                more: true
            }
        );
        assert_eq!(
            page_end(10, 20, &[11, 12], 2),
            PageEnd {
                take: 2,
                cursor: 20,
                more: false
            }
        );
        assert_eq!(page_end(25, 20, &[], 2).cursor, 25);
    }
}
