//! The server's side of one sync request, with the I/O at the edge: given the request, the
//! day and a [`SyncStore`], [`sync`] decides every mutation, plans what the device must gain
//! and forget, and assembles the page of changes. The server's handler runs it over the
//! database; the simulation (`tests/sync_simulation.rs`) runs the same code over memory.
//!
//! The engine assumes the edge serialises requests per device (the server's lease), so two
//! pulls never plan a device's scopes from the same old state.

use super::protocol::{MutationResult, MutationStatus, RecordChange, SyncRequest, SyncResponse};
use super::scopes::{self, Scope, ScopePlan, ScopeRow, Views, ViewsSent, CONFIRMED};
use super::server::{self, Decision, Refused};
use super::Replaced;
use crate::access::{visible_data, Access, Selection, Viewer};
use crate::change::{Change, Rejection};
use crate::domain::{Entity, Kind, Record};
use chrono::NaiveDate;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use uuid::Uuid;

/// A record as stored, with the columns a pull filters by.
#[derive(Debug, Clone)]
pub struct StoredRecord {
    pub kind: Kind,
    pub id: Uuid,
    pub programme_id: Uuid,
    /// Whose permissions govern the record; kept for deleted ones, so that only those who
    /// could see a record hear of its deletion.
    pub scope: Entity,
    pub version: i64,
    /// `None` when the record was deleted (pulls still send the deletion).
    pub record: Option<Record>,
}

impl StoredRecord {
    /// What `viewer` may see of this record on `today`, if anything.
    pub fn visible_to(&self, viewer: &Viewer, today: NaiveDate) -> Option<Value> {
        let record = self.record.as_ref()?;
        let access = viewer.read_access(record.kind(), record.scope(), Some(self.programme_id));
        visible_data(record, access, today)
    }

    /// Tells a device to forget this record.
    fn deletion(&self) -> RecordChange {
        RecordChange {
            kind: self.kind.as_str().to_owned(),
            id: self.id.to_string(),
            version: self.version,
            deleted: true,
            data: None,
        }
    }
}

/// A sync mutation: which device sent it, under which id, and the version of the record
/// the device changed (to tell whoever's change it replaces).
#[derive(Debug, Clone, Copy)]
pub struct MutationRef {
    pub client_id: Uuid,
    pub id: i64,
    pub base_version: Option<i64>,
}

/// What happened to a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOutcome {
    Applied {
        version: i64,
    },
    /// The sync mutation was processed before; nothing was done.
    Duplicate,
    Rejected(Rejection),
}

/// What the server remembers of a syncing device.
#[derive(Debug, Clone, Default)]
pub struct SyncClient {
    pub last_mutation_id: i64,
    /// What it was sent records of, and what it has confirmed of them.
    pub scopes: BTreeMap<Scope, ScopeRow>,
    pub views: Option<ViewsSent>,
}

/// What is committed past a cursor, as one read sees it.
#[derive(Debug, Clone, Default)]
pub struct Committed {
    /// The newest version given out; every change up to it is committed.
    pub newest: i64,
    /// The records (deleted ones too) the selection could show with a version above the
    /// cursor and up to `newest`, oldest first.
    pub records: Vec<StoredRecord>,
    /// This user's changes that another user's replaced, at versions above the cursor and up
    /// to `newest`.
    pub notices: Vec<Replaced>,
}

/// What a response told a device, for the server to remember.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sent {
    /// The response's cursor.
    pub cursor: i64,
    pub scopes: ScopePlan,
    /// What to remember of its limited views, if that changed.
    pub views: Option<ViewsSent>,
    /// The participants whose data it carried, for the access log.
    pub read: BTreeSet<Uuid>,
}

/// What the engine needs of the server's storage, for one signed-in user's request. Each
/// write (`write`, `reject`, `save_scopes`) is durable on its own: a process that dies
/// between two has lost nothing a retry cannot redo.
pub trait SyncStore: Send {
    type Error: Send;

    /// The device's state, registering it for this user if it is new; `None` if it belongs
    /// to another user.
    fn client(
        &mut self,
        client_id: Uuid,
    ) -> impl Future<Output = Result<Option<SyncClient>, Self::Error>> + Send;

    /// The user as the permission rules see them today.
    fn viewer(&mut self) -> impl Future<Output = Result<Viewer, Self::Error>> + Send;

    /// Why an already processed mutation was refused, if it was.
    fn rejection(
        &mut self,
        mutation: MutationRef,
    ) -> impl Future<Output = Result<Option<Refused>, Self::Error>> + Send;

    /// Marks a refused mutation as processed and keeps why.
    fn reject(
        &mut self,
        mutation: MutationRef,
        refused: &Refused,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Applies a change as this user (the permission rules and `change::plan` decide), and
    /// marks the mutation processed in the same transaction.
    fn write(
        &mut self,
        change: Change,
        mutation: MutationRef,
    ) -> impl Future<Output = Result<WriteOutcome, Self::Error>> + Send;

    /// What is committed past `after`, read together so that the page, its cursor and the
    /// notices agree (see [`Committed`]); at most `limit` records.
    fn committed_after(
        &mut self,
        selection: &Selection,
        after: i64,
        limit: usize,
    ) -> impl Future<Output = Result<Committed, Self::Error>> + Send;

    /// Draws a version no record has, once every write before it has committed.
    fn new_cursor(&mut self) -> impl Future<Output = Result<i64, Self::Error>> + Send;

    /// The records (deleted ones too) the selection could show with a version above
    /// `after`, oldest first, at most `limit`.
    fn records_after(
        &mut self,
        selection: &Selection,
        after: i64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<StoredRecord>, Self::Error>> + Send;

    /// These participants' records (live ones).
    fn participants(
        &mut self,
        ids: &[Uuid],
    ) -> impl Future<Output = Result<Vec<StoredRecord>, Self::Error>> + Send;

    /// Every record, live or deleted, in one of these scopes.
    fn records_in_scopes(
        &mut self,
        scopes: &[Scope],
    ) -> impl Future<Output = Result<Vec<StoredRecord>, Self::Error>> + Send;

    /// Remembers what a response told the device, and notes in the access log that the
    /// user's device was sent the data of the participants it read.
    fn save_sent(
        &mut self,
        client_id: Uuid,
        sent: &Sent,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// This user's changes that another user's replaced, at versions in `(after, up_to]`.
    fn replaced_changes(
        &mut self,
        after: i64,
        up_to: i64,
    ) -> impl Future<Output = Result<Vec<Replaced>, Self::Error>> + Send;
}

/// Why a request got no answer.
#[derive(Debug, thiserror::Error)]
pub enum SyncError<E> {
    #[error("this device's sync id belongs to another user")]
    AnotherUsersDevice,
    #[error(transparent)]
    Store(E),
}

impl<E> From<E> for SyncError<E> {
    fn from(error: E) -> Self {
        Self::Store(error)
    }
}

/// Answers one request: applies its mutations (each once, each durable on its own), then
/// sends at most `page_size` changes the user may see since the request's cursor, what the
/// device must now hold of entities it newly sees, and what it must forget.
pub async fn sync<S: SyncStore>(
    store: &mut S,
    request: SyncRequest,
    today: NaiveDate,
    page_size: usize,
) -> Result<SyncResponse, SyncError<S::Error>> {
    let client = store
        .client(request.client_id)
        .await?
        .ok_or(SyncError::AnotherUsersDevice)?;
    let mut results = Vec::with_capacity(request.mutations.len());
    let mut last_processed = client.last_mutation_id;
    for mutation in request.mutations {
        let reference = MutationRef {
            client_id: request.client_id,
            id: mutation.id,
            base_version: mutation.base_version,
        };
        let refused_before = if mutation.id <= last_processed {
            store.rejection(reference).await?
        } else {
            None
        };
        let (status, refused) = match server::decide(&mutation, last_processed, refused_before) {
            Decision::Duplicate => (MutationStatus::Duplicate, None),
            Decision::Rejected(refused) => {
                store.reject(reference, &refused).await?;
                (MutationStatus::Rejected, Some(refused))
            }
            Decision::Apply(change) => match store.write(change, reference).await? {
                WriteOutcome::Applied { .. } => (MutationStatus::Applied, None),
                WriteOutcome::Duplicate => (MutationStatus::Duplicate, None),
                WriteOutcome::Rejected(rejection) => {
                    let refused = Refused::from(rejection);
                    store.reject(reference, &refused).await?;
                    (MutationStatus::Rejected, Some(refused))
                }
            },
        };
        last_processed = last_processed.max(mutation.id);
        results.push(MutationResult::new(mutation.id, status, refused));
    }
    // Read after the mutations, once: one of them may have changed what this user sees.
    let viewer = store.viewer().await?;
    let cursor = request.cursor.unwrap_or(0);
    let page = pull(store, &viewer, &client, cursor, today, page_size).await?;
    store.save_sent(request.client_id, &page.sent).await?;
    let notices = match page.notices {
        Some(notices) => notices
            .into_iter()
            .filter(|notice| notice.version <= page.sent.cursor)
            .collect(),
        None => store.replaced_changes(cursor, page.sent.cursor).await?,
    };
    Ok(SyncResponse {
        cursor: page.sent.cursor,
        results,
        changes: page.changes,
        more: page.more,
        notices,
    })
}

struct Page {
    sent: Sent,
    changes: Vec<RecordChange>,
    more: bool,
    /// The user's replaced changes past the cursor, when the page's read brought them.
    notices: Option<Vec<Replaced>>,
}

impl Page {
    /// Adds a stored record as the viewer may see it: its data, a deletion (deleted rows
    /// carry no data) for those who could see it where it was, or nothing.
    fn push_visible(&mut self, viewer: &Viewer, stored: &StoredRecord, today: NaiveDate) {
        let Some(record) = &stored.record else {
            let access = viewer.read_access(stored.kind, stored.scope, Some(stored.programme_id));
            if access != Access::None {
                self.changes.push(stored.deletion());
            }
            return;
        };
        if let Some(data) = stored.visible_to(viewer, today) {
            self.sent.read.extend(record.participant_id());
            self.changes.push(RecordChange {
                kind: stored.kind.as_str().to_owned(),
                id: stored.id.to_string(),
                version: stored.version,
                deleted: false,
                data: Some(data),
            });
        }
    }
}

async fn pull<S: SyncStore>(
    store: &mut S,
    viewer: &Viewer,
    client: &SyncClient,
    cursor: i64,
    today: NaiveDate,
    page_size: usize,
) -> Result<Page, S::Error> {
    let tracked = scopes::tracked(viewer);
    let plan = scopes::plan(&client.scopes, &tracked, cursor);
    // Limited views older than the cursor that today's consents change: sent again, once a
    // day, if the device has held them since before today.
    let views_state = scopes::views(client.views, cursor, today);
    let mut views = Vec::new();
    if views_state == Views::Due && cursor > 0 {
        let participants: Vec<Uuid> = tracked
            .iter()
            .filter_map(|scope| match scope {
                Scope::Entity(Entity::Participant(id)) => Some(*id),
                _ => None,
            })
            .collect();
        if !participants.is_empty() {
            views = store.participants(&participants).await?;
            views.retain(|stored| {
                stored.version <= cursor
                    && stored.record.as_ref().is_some_and(|record| {
                        viewer.read_access(record.kind(), record.scope(), Some(stored.programme_id))
                            == Access::Limited
                    })
            });
        }
    }
    // Every version up to `newest` is committed, so the cursor never passes a change still
    // being written. A response that changes what the device holds without a newer version
    // is not paged and gets a cursor drawn for it alone: the device's next cursor tells
    // whether it received it (see `scopes::ScopeRow`).
    let unpaged = plan.sends_scope_changes() || !views.is_empty();
    let selection = viewer.selection();
    let (newest, limit, fetched, notices) = if unpaged {
        let newest = store.new_cursor().await?;
        let fetched = store.records_after(&selection, cursor, usize::MAX).await?;
        (newest, usize::MAX - 1, fetched, None)
    } else {
        let committed = store
            .committed_after(&selection, cursor, page_size + 1)
            .await?;
        let notices = Some(committed.notices);
        (committed.newest, page_size, committed.records, notices)
    };
    let fetched: Vec<StoredRecord> = fetched
        .into_iter()
        .filter(|stored| stored.version <= newest)
        .collect();
    let versions: Vec<i64> = fetched.iter().map(|stored| stored.version).collect();
    let end = server::page_end(cursor, newest, &versions, limit);
    let held = ViewsSent {
        on: today,
        cursor: CONFIRMED,
    };
    let views_sent = match views_state {
        Views::Held => None,
        Views::Confirmed => Some(held),
        // Nothing older than the cursor to send again: the pages carry today's views.
        Views::Due if views.is_empty() => Some(held),
        Views::Due => Some(ViewsSent {
            on: today,
            cursor: end.cursor,
        }),
    };
    let mut page = Page {
        sent: Sent {
            cursor: end.cursor,
            scopes: ScopePlan::default(),
            views: views_sent,
            read: BTreeSet::new(),
        },
        changes: Vec::new(),
        more: end.more,
        notices,
    };
    for stored in &views {
        page.push_visible(viewer, stored, today);
    }
    for stored in &fetched[..end.take] {
        page.push_visible(viewer, stored, today);
    }
    // Newly visible scopes: their older records, which the cursor has already passed, and
    // their deletions, for a device that may hold part of the scope from before (one lost
    // and regained before the loss reached it).
    if !plan.gained.is_empty() {
        for stored in store.records_in_scopes(&plan.gained).await? {
            if stored.version <= cursor {
                page.push_visible(viewer, &stored, today);
            }
        }
    }
    // No longer visible: tell the device to forget what it may no longer see.
    if !plan.lost.is_empty() {
        for stored in store.records_in_scopes(&plan.lost).await? {
            // Deleted ones too: a record deleted after access ended is still on the device.
            // Of kinds the user could never read, the device never held any.
            if stored.visible_to(viewer, today).is_none() && viewer.could_ever_read(stored.kind) {
                page.changes.push(stored.deletion());
            }
        }
    }
    page.sent.scopes = plan;
    Ok(page)
}
