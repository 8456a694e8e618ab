//! The device's side of sync, free of I/O: what to send, how to take in an answer, and what
//! to show (the server's records with this device's pending changes on top). The browser
//! edge (`sync::device`) only reads and writes IndexedDB and HTTP around these functions.

use super::protocol::{
    Mutation, MutationStatus, RecordChange, Replaced, SyncRequest, SyncResponse,
};
use crate::change::Change;
use crate::domain::Refusal;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// Mutations per request (the server takes at most 500).
pub const BATCH: usize = 200;

/// How long to wait after `failures` failed attempts in a row (the server down, restarting
/// or answering with an error): soon at first, so a restarted server gets the outbox within
/// seconds, then less and less often, up to five minutes.
pub fn retry_after(failures: u32) -> std::time::Duration {
    let seconds = 5u64.saturating_mul(1 << failures.saturating_sub(1).min(6));
    std::time::Duration::from_secs(seconds.min(300))
}

/// A record as the device holds it, as the server last sent it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Held {
    pub kind: String,
    pub id: String,
    pub version: i64,
    pub data: Value,
}

impl Held {
    pub fn key(&self) -> String {
        key(&self.kind, &self.id)
    }
}

/// The key of a record in the device store and in views: `kind/id`.
pub fn key(kind: &str, id: &str) -> String {
    format!("{kind}/{id}")
}

/// A change made on this device that the server has not answered yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    pub mutation: Mutation,
    pub kind: String,
    pub record_id: String,
    /// The record as saved (`None` for a deletion), shown until the server answers.
    pub data: Option<Value>,
}

/// How far the device has pulled. Kept apart from the mutation counter, which only the
/// outbox's writer touches, so neither write can undo the other.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncMeta {
    pub cursor: Option<i64>,
    /// When the last sync succeeded (RFC 3339), shown to the user.
    pub last_synced_at: Option<String>,
}

/// Turns a change the user made into an outbox entry; `last_id` is the id of the previous
/// mutation this device made (ids only grow), `base_version` the version of the record the
/// device holds (`None` for a new one).
pub fn enqueue(last_id: i64, change: &Change, base_version: Option<i64>) -> Pending {
    let (name, args, data) = match change {
        Change::Save(record) => {
            let data = record.to_json();
            (format!("{}.save", record.kind()), data.clone(), Some(data))
        }
        Change::Delete { kind, id } => (
            format!("{kind}.delete"),
            serde_json::json!({ "id": id }),
            None,
        ),
    };
    Pending {
        mutation: Mutation {
            id: last_id.max(0) + 1,
            name,
            args,
            base_version,
        },
        kind: change.kind().as_str().to_owned(),
        record_id: change.id().to_string(),
        data,
    }
}

/// The next request: the oldest pending mutations and the cursor.
pub fn request(client_id: Uuid, meta: &SyncMeta, outbox: &[Pending]) -> SyncRequest {
    let mut pending: Vec<&Pending> = outbox.iter().collect();
    pending.sort_by_key(|entry| entry.mutation.id);
    SyncRequest {
        client_id,
        cursor: meta.cursor,
        mutations: pending
            .into_iter()
            .take(BATCH)
            .map(|entry| entry.mutation.clone())
            .collect(),
    }
}

/// Something the user must be told about one of their changes, kept on the device until
/// they dismiss it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// Unique on the device, so a notice sent twice is kept once.
    pub key: String,
    pub kind: String,
    pub record_id: String,
    pub what: NoticeWhat,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "WhatFields", into = "WhatFields")]
pub enum NoticeWhat {
    /// The server refused the change; it is no longer shown, and this says why (the code,
    /// when the server gave one, in the user's language).
    Refused {
        error: String,
        #[serde(default, deserialize_with = "Refusal::known")]
        code: Option<Refusal>,
    },
    /// Someone else's later change replaced this user's; both are in the history.
    Replaced { version: i64 },
}

/// How a notice's `what` is stored on the device: `{"type": "refused", "error", "code"}` or
/// `{"type": "replaced", "version"}`. Read as one plain struct rather than as an internally
/// tagged enum, whose buffering of every field would be a sizeable part of the browser bundle.
#[derive(Serialize, Deserialize)]
struct WhatFields {
    #[serde(rename = "type")]
    kind: WhatKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(
        default,
        deserialize_with = "Refusal::known",
        skip_serializing_if = "Option::is_none"
    )]
    code: Option<Refusal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    version: Option<i64>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum WhatKind {
    Refused,
    Replaced,
}

impl TryFrom<WhatFields> for NoticeWhat {
    type Error = &'static str;
    fn try_from(fields: WhatFields) -> Result<Self, Self::Error> {
        match (fields.kind, fields.error, fields.version) {
            (WhatKind::Refused, Some(error), _) => Ok(NoticeWhat::Refused {
                error,
                code: fields.code,
            }),
            (WhatKind::Replaced, _, Some(version)) => Ok(NoticeWhat::Replaced { version }),
            (WhatKind::Refused, None, _) => Err("a refused change's notice without its error"),
            (WhatKind::Replaced, _, None) => Err("a replaced change's notice without its version"),
        }
    }
}

impl From<NoticeWhat> for WhatFields {
    fn from(what: NoticeWhat) -> Self {
        match what {
            NoticeWhat::Refused { error, code } => WhatFields {
                kind: WhatKind::Refused,
                error: Some(error),
                code,
                version: None,
            },
            NoticeWhat::Replaced { version } => WhatFields {
                kind: WhatKind::Replaced,
                error: None,
                code: None,
                version: Some(version),
            },
        }
    }
}

impl Notice {
    fn refused(pending: &Pending, error: String, code: Option<Refusal>) -> Self {
        Self {
            key: format!("refused/{}", pending.mutation.id),
            kind: pending.kind.clone(),
            record_id: pending.record_id.clone(),
            what: NoticeWhat::Refused { error, code },
        }
    }

    fn replaced(replaced: Replaced) -> Self {
        Self {
            key: format!("replaced/{}/{}", replaced.kind, replaced.replaced_version),
            kind: replaced.kind,
            record_id: replaced.id,
            what: NoticeWhat::Replaced {
                version: replaced.version,
            },
        }
    }
}

/// What an answer changes on the device; the edge writes it in one transaction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Absorbed {
    pub puts: Vec<Held>,
    /// Keys of records to forget.
    pub deletes: Vec<String>,
    /// Outbox entries the server has answered (applied, duplicate or rejected).
    pub answered: Vec<i64>,
    pub notices: Vec<Notice>,
    pub cursor: i64,
    pub more: bool,
}

/// Takes in a server answer. Changes of kinds this app does not know are kept as they are
/// (a newer server); every answered mutation leaves the outbox, never an unanswered one.
pub fn absorb(outbox: &[Pending], response: SyncResponse) -> Absorbed {
    let mut absorbed = Absorbed {
        cursor: response.cursor,
        more: response.more,
        ..Absorbed::default()
    };
    for result in response.results {
        let Some(pending) = outbox.iter().find(|entry| entry.mutation.id == result.id) else {
            continue;
        };
        absorbed.answered.push(result.id);
        if result.status == MutationStatus::Rejected {
            absorbed.notices.push(Notice::refused(
                pending,
                result.error.unwrap_or_default(),
                result.code,
            ));
        }
    }
    absorbed
        .notices
        .extend(response.notices.into_iter().map(Notice::replaced));
    for change in response.changes {
        let RecordChange {
            kind,
            id,
            version,
            deleted,
            data,
        } = change;
        match (deleted, data) {
            (false, Some(data)) => absorbed.puts.push(Held {
                kind,
                id,
                version,
                data,
            }),
            _ => absorbed.deletes.push(key(&kind, &id)),
        }
    }
    absorbed
}

/// What the user sees: the server's records with the pending changes applied in order, so a
/// change is on screen at once, online or not, and stays there after every pull until the
/// server has answered it.
pub fn rebase(held: &BTreeMap<String, Held>, outbox: &[Pending]) -> BTreeMap<String, Value> {
    let mut view: BTreeMap<String, Value> = held
        .iter()
        .map(|(key, held)| (key.clone(), held.data.clone()))
        .collect();
    let mut pending: Vec<&Pending> = outbox.iter().collect();
    pending.sort_by_key(|entry| entry.mutation.id);
    for entry in pending {
        let key = key(&entry.kind, &entry.record_id);
        match &entry.data {
            Some(data) => {
                view.insert(key, data.clone());
            }
            None => {
                view.remove(&key);
            }
        }
    }
    view
}

/// The device's records and outbox as last read from its store, kept in memory so that a
/// change made on the device updates the one record it touches instead of re-reading and
/// re-deriving everything.
#[derive(Debug, Clone, Default)]
pub struct Mirror {
    pub held: BTreeMap<String, Held>,
    pub outbox: Vec<Pending>,
}

impl Mirror {
    /// What the screens show, derived in full (after a start or a sync).
    pub fn view(&self) -> BTreeMap<String, Value> {
        rebase(&self.held, &self.outbox)
    }

    /// Keys of records with a change the server has not answered yet.
    pub fn unsent(&self) -> BTreeSet<String> {
        self.outbox
            .iter()
            .map(|pending| key(&pending.kind, &pending.record_id))
            .collect()
    }

    /// Takes in a change just saved on this device. Its mutation id is the highest yet, so it
    /// lies on top of everything else: what the screens show for its record is what it saved
    /// (`None` for a deletion). Answers the record's key and that.
    pub fn push(&mut self, pending: Pending) -> (String, Option<Value>) {
        let shown = (key(&pending.kind, &pending.record_id), pending.data.clone());
        self.outbox.push(pending);
        shown
    }

    /// Takes in a sync's answer once the store has it. `sent_from` is the outbox as the sync
    /// read it from the store: it may hold changes another tab made, which are kept; changes
    /// pushed here since then are kept too, and every answered one leaves.
    pub fn absorb(&mut self, sent_from: &[Pending], absorbed: &Absorbed) {
        for held in &absorbed.puts {
            self.held.insert(held.key(), held.clone());
        }
        for gone in &absorbed.deletes {
            self.held.remove(gone);
        }
        // In no particular order: what shows is derived in mutation order (`rebase`).
        let mut outbox: Vec<Pending> = Vec::with_capacity(sent_from.len() + self.outbox.len());
        for pending in sent_from.iter().chain(&self.outbox) {
            let id = pending.mutation.id;
            if !absorbed.answered.contains(&id) && !outbox.iter().any(|kept| kept.mutation.id == id)
            {
                outbox.push(pending.clone());
            }
        }
        self.outbox = outbox;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Kind, Record};
    use crate::sync::protocol::MutationResult;
    use serde_json::json;

    fn contact(id: u128, summary: &str) -> Record {
        Record::parse(
            Kind::Contact,
            json!({ "id": Uuid::from_u128(id), "participant_id": Uuid::from_u128(99),
                    "on": "2026-11-20", "channel": "phone", "summary": summary }),
        )
        .unwrap()
    }

    fn held(id: u128, version: i64, summary: &str) -> Held {
        Held {
            kind: "contact".into(),
            id: Uuid::from_u128(id).to_string(),
            version,
            data: contact(id, summary).to_json(),
        }
    }

    fn response(results: Vec<MutationResult>, changes: Vec<RecordChange>) -> SyncResponse {
        SyncResponse {
            cursor: 10,
            results,
            changes,
            more: false,
            notices: vec![],
        }
    }

    #[test]
    fn retries_start_soon_and_back_off_to_five_minutes() {
        let waits: Vec<u64> = (1..=9).map(|n| retry_after(n).as_secs()).collect();
        assert_eq!(waits, [5, 10, 20, 40, 80, 160, 300, 300, 300]);
    }

    #[test]
    fn mutation_ids_only_grow_and_requests_send_the_oldest_first() {
        let meta = SyncMeta::default();
        let first = enqueue(0, &Change::Save(Box::new(contact(1, "a"))), None);
        let second = enqueue(
            first.mutation.id,
            &Change::Delete {
                kind: Kind::Contact,
                id: Uuid::from_u128(1),
            },
            Some(7),
        );
        assert_eq!((first.mutation.id, second.mutation.id), (1, 2));
        assert_eq!(second.mutation.base_version, Some(7));
        assert_eq!(first.mutation.name, "contact.save");
        assert_eq!(second.mutation.name, "contact.delete");
        let request = request(Uuid::nil(), &meta, &[second.clone(), first.clone()]);
        let ids: Vec<i64> = request.mutations.iter().map(|m| m.id).collect();
        assert_eq!(ids, [1, 2]);
    }

    #[test]
    fn only_answered_mutations_leave_the_outbox_and_refusals_are_reported() {
        let outbox = vec![
            enqueue(0, &Change::Save(Box::new(contact(1, "a"))), None),
            enqueue(1, &Change::Save(Box::new(contact(2, "b"))), None),
            enqueue(2, &Change::Save(Box::new(contact(3, "c"))), None),
        ];
        let answer = response(
            vec![
                MutationResult {
                    id: 1,
                    status: MutationStatus::Applied,
                    error: None,
                    code: None,
                },
                MutationResult {
                    id: 2,
                    status: MutationStatus::Rejected,
                    error: Some("you may not make this change".into()),
                    code: Some(Refusal::NotPermitted),
                },
            ],
            vec![],
        );
        let absorbed = absorb(&outbox, answer);
        assert_eq!(absorbed.answered, [1, 2], "mutation 3 stays until answered");
        assert_eq!(absorbed.notices.len(), 1);
        assert_eq!(
            absorbed.notices[0].record_id,
            Uuid::from_u128(2).to_string()
        );
        assert_eq!(
            absorbed.notices[0].what,
            NoticeWhat::Refused {
                error: "you may not make this change".into(),
                code: Some(Refusal::NotPermitted),
            }
        );
    }

    #[test]
    fn deletions_and_unknown_kinds_are_taken_in() {
        let answer = response(
            vec![],
            vec![
                RecordChange {
                    kind: "contact".into(),
                    id: "x".into(),
                    version: 3,
                    deleted: true,
                    data: None,
                },
                RecordChange {
                    kind: "hologram".into(),
                    id: "y".into(),
                    version: 4,
                    deleted: false,
                    data: Some(json!({})),
                },
            ],
        );
        let absorbed = absorb(&[], answer);
        assert_eq!(absorbed.deletes, ["contact/x"]);
        assert_eq!(absorbed.puts[0].kind, "hologram");
        assert_eq!(absorbed.cursor, 10);
    }

    #[test]
    fn pending_changes_show_on_top_of_the_servers_records_until_answered() {
        let server: BTreeMap<String, Held> = [held(1, 5, "server"), held(2, 6, "kept")]
            .into_iter()
            .map(|h| (h.key(), h))
            .collect();
        let outbox = vec![
            enqueue(0, &Change::Save(Box::new(contact(1, "mine"))), Some(5)),
            enqueue(
                1,
                &Change::Delete {
                    kind: Kind::Contact,
                    id: Uuid::from_u128(2),
                },
                Some(6),
            ),
            enqueue(2, &Change::Save(Box::new(contact(3, "new"))), None),
        ];
        let view = rebase(&server, &outbox);
        let key1 = key("contact", &Uuid::from_u128(1).to_string());
        assert_eq!(view[&key1]["summary"], "mine");
        assert!(!view.contains_key(&key("contact", &Uuid::from_u128(2).to_string())));
        assert_eq!(view.len(), 2);
        // After the server answered, the pulled record is what shows.
        assert_eq!(rebase(&server, &[])[&key1]["summary"], "server");
    }

    fn mirror_of(held: &[Held]) -> Mirror {
        Mirror {
            held: held.iter().map(|h| (h.key(), h.clone())).collect(),
            outbox: Vec::new(),
        }
    }

    #[test]
    fn a_change_pushed_onto_the_mirror_shows_as_a_full_rebase_would_show_it() {
        let mut mirror = mirror_of(&[held(1, 5, "server"), held(2, 6, "kept")]);
        let mut shown = mirror.view();
        let changes = [
            Change::Save(Box::new(contact(1, "mine"))),
            Change::Delete {
                kind: Kind::Contact,
                id: Uuid::from_u128(2),
            },
            Change::Save(Box::new(contact(1, "mine again"))),
            Change::Save(Box::new(contact(3, "new"))),
        ];
        for (last, change) in changes.iter().enumerate() {
            let (key, data) = mirror.push(enqueue(last as i64, change, None));
            match data {
                Some(data) => shown.insert(key, data),
                None => shown.remove(&key),
            };
            assert_eq!(shown, mirror.view(), "after change {}", last + 1);
        }
        assert_eq!(mirror.unsent().len(), 3, "records 1, 2 and 3 wait");
    }

    #[test]
    fn a_sync_answer_updates_the_mirror_and_keeps_what_was_not_answered() {
        let mut mirror = mirror_of(&[held(1, 5, "server")]);
        // Read by the sync: this tab's change 1 and another tab's change 2.
        let sent = vec![
            enqueue(0, &Change::Save(Box::new(contact(1, "mine"))), Some(5)),
            enqueue(1, &Change::Save(Box::new(contact(4, "other tab"))), None),
        ];
        mirror.push(sent[0].clone());
        // Saved here while the request was on its way.
        mirror.push(enqueue(
            2,
            &Change::Save(Box::new(contact(5, "later"))),
            None,
        ));
        let absorbed = Absorbed {
            puts: vec![held(1, 7, "mine"), held(6, 1, "someone else's")],
            deletes: vec![key("contact", &Uuid::from_u128(9).to_string())],
            answered: vec![1],
            ..Absorbed::default()
        };
        mirror.absorb(&sent, &absorbed);
        let waiting: Vec<i64> = mirror.outbox.iter().map(|p| p.mutation.id).collect();
        assert_eq!(
            waiting,
            [2, 3],
            "answered change 1 left; 2 (other tab) and 3 (later) wait"
        );
        assert_eq!(mirror.held[&held(1, 7, "").key()].version, 7);
        assert!(mirror.held.contains_key(&held(6, 1, "").key()));
        let view = mirror.view();
        assert_eq!(view[&held(4, 0, "").key()]["summary"], "other tab");
        assert_eq!(view[&held(5, 0, "").key()]["summary"], "later");
    }

    #[test]
    fn notices_kept_on_a_device_read_back_as_they_were_written_and_as_older_versions_wrote_them() {
        let refused = NoticeWhat::Refused {
            error: "you may not make this change".into(),
            code: Some(Refusal::NotPermitted),
        };
        let replaced = NoticeWhat::Replaced { version: 42 };
        assert_eq!(
            serde_json::to_value(&refused).unwrap(),
            json!({ "type": "refused", "error": "you may not make this change", "code": "not_permitted" })
        );
        assert_eq!(
            serde_json::to_value(&replaced).unwrap(),
            json!({ "type": "replaced", "version": 42 })
        );
        for what in [refused, replaced] {
            let written = serde_json::to_value(&what).unwrap();
            assert_eq!(serde_json::from_value::<NoticeWhat>(written).unwrap(), what);
        }
        // As the internally tagged enum of earlier versions wrote them, with a null code and
        // a code this app does not know.
        for (old, code) in [
            (
                json!({ "type": "refused", "error": "no", "code": null }),
                None,
            ),
            (
                json!({ "type": "refused", "error": "no", "code": "from_a_newer_server" }),
                None,
            ),
            (
                json!({ "type": "refused", "error": "no", "code": "not_permitted" }),
                Some(Refusal::NotPermitted),
            ),
        ] {
            assert_eq!(
                serde_json::from_value::<NoticeWhat>(old).unwrap(),
                NoticeWhat::Refused {
                    error: "no".into(),
                    code
                }
            );
        }
        for broken in [
            json!({ "type": "refused" }),
            json!({ "type": "replaced" }),
            json!({ "type": "other" }),
        ] {
            assert!(serde_json::from_value::<NoticeWhat>(broken).is_err());
        }
    }
}
