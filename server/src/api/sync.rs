//! `POST /api/v1/sync`: apply a device's mutations (each once, each in its own
//! transaction), then send the changes it may see since its cursor, in pages.

use crate::api::records::Caller;
use crate::api_error::{ApiError, ApiJson, ErrorBody};
use crate::auth::SignedIn;
use crate::client_address::ClientAddress;
use crate::db::{AccessAction, AccessEntry, MutationRef, Narrow, StoredRecord, WriteOutcome};
use crate::startup::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use chrono::Utc;
use lotsa_core::access::Access;
use lotsa_core::sync::scopes::{self, ScopePlan};
use lotsa_core::sync::server::{self, Decision, Refused};
use lotsa_core::sync::{
    MutationResult, MutationStatus, RecordChange, SyncRequest, SyncResponse, PROTOCOL_HEADER,
    PROTOCOL_VERSION,
};
use std::collections::BTreeSet;
use uuid::Uuid;

/// Changes per response: a first sync of a caseload takes a few round trips, each small
/// enough for a slow phone connection.
pub const PAGE_SIZE: usize = 2000;
/// Mutations per request; a device with more sends them in several requests.
pub const MAX_MUTATIONS: usize = 500;
/// The oldest protocol version this server still speaks.
pub const MIN_PROTOCOL: u32 = 1;

/// How long a request may hold a device before another may take it over: far longer than a
/// sync takes, and only reached when a server process died holding it.
const LEASE: chrono::TimeDelta = chrono::TimeDelta::seconds(30);
/// How often a request waiting for a device asks again.
const LEASE_POLL: std::time::Duration = std::time::Duration::from_millis(20);

/// The right to sync one device. One sync at a time per device, whichever server process a
/// request reaches: a retry that overlaps a request still being processed waits for it, so
/// two pulls never decide the device's scopes from the same old state. The lease lives in
/// the database, not in a process.
struct DeviceLease {
    db: std::sync::Arc<dyn crate::db::Database>,
    client_id: Uuid,
    token: Uuid,
    held: bool,
}

impl DeviceLease {
    async fn take(state: &AppState, client_id: Uuid) -> Result<Self, ApiError> {
        let token = Uuid::new_v4();
        loop {
            let now = Utc::now();
            if state
                .db
                .lease_device(client_id, token, now, now + LEASE)
                .await?
            {
                return Ok(Self {
                    db: state.db.clone(),
                    client_id,
                    token,
                    held: true,
                });
            }
            tokio::time::sleep(LEASE_POLL).await;
        }
    }

    /// Gives the device back before the answer leaves; should that fail, the lease expires.
    async fn release(mut self) {
        match self.db.release_device(self.client_id, self.token).await {
            Ok(()) => self.held = false,
            Err(error) => tracing::warn!(error = %error, "releasing a device's sync lease"),
        }
    }
}

/// A request dropped half-way (the phone lost its connection, and axum dropped the handler)
/// gives the device back too, so that the phone's retry does not wait for the lease to expire.
impl Drop for DeviceLease {
    fn drop(&mut self) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if self.held {
            let (db, client_id, token) = (self.db.clone(), self.client_id, self.token);
            runtime.spawn(async move {
                if let Err(error) = db.release_device(client_id, token).await {
                    tracing::warn!(error = %error, "releasing a dropped request's sync lease");
                }
            });
        }
    }
}

/// Apply mutations and pull changes, in one round trip.
#[utoipa::path(
    post,
    path = "/api/v1/sync",
    params(("lotsa-protocol" = Option<u32>, Header, description = "The sync protocol version the app speaks; without it, the current one")),
    request_body(content = SyncRequest, description = "Mutation names are `<kind>.save` (args: the record) and `<kind>.delete` (args: `{ id }`); `base_version` is the version of the record the device changed"),
    responses(
        (status = 200, description = "The mutations' results and a page of changes", body = SyncResponse),
        (status = 400, description = "Malformed request", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "A cross-site request", body = ErrorBody),
        (status = 409, description = "This client id belongs to another user", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 426, description = "The app is too old for this server: reload it", body = ErrorBody),
    ),
    tag = "sync"
)]
#[tracing::instrument(skip_all, fields(mutations = request.mutations.len()))]
pub async fn sync(
    State(state): State<AppState>,
    ClientAddress(peer): ClientAddress,
    headers: HeaderMap,
    SignedIn(user): SignedIn,
    ApiJson(request): ApiJson<SyncRequest>,
) -> Result<Json<SyncResponse>, ApiError> {
    check_protocol(&headers)?;
    if request.mutations.len() > MAX_MUTATIONS {
        return Err(ApiError::BadRequest(format!(
            "mutations: send at most {MAX_MUTATIONS} per request"
        )));
    }
    if request.cursor.is_some_and(|cursor| cursor < 0) {
        return Err(ApiError::BadRequest(
            "cursor: must not be negative".to_owned(),
        ));
    }
    let lease = DeviceLease::take(&state, request.client_id).await?;
    let answer = answer(&state, peer, &user, request).await;
    lease.release().await;
    answer
}

/// Applies the mutations and pulls a page, while the request holds the device.
async fn answer(
    state: &AppState,
    peer: std::net::IpAddr,
    user: &crate::db::User,
    request: SyncRequest,
) -> Result<Json<SyncResponse>, ApiError> {
    let now = Utc::now();
    let mut caller = Caller::load(state, user, peer).await?;
    let client = state
        .db
        .sync_client(request.client_id, caller.actor.user_id, now)
        .await?
        .ok_or_else(|| {
            ApiError::Conflict(
                "this device's sync id belongs to another user; sign out and sign in again"
                    .to_owned(),
            )
        })?;

    let mut results = Vec::with_capacity(request.mutations.len());
    let mut last_processed = client.last_mutation_id;
    let mut ties_changed = false;
    for mutation in request.mutations {
        let reference = MutationRef {
            client_id: request.client_id,
            id: mutation.id,
            base_version: mutation.base_version,
        };
        let refused_before = if mutation.id <= last_processed {
            state.db.rejection(reference).await?
        } else {
            None
        };
        let (status, refused) = match server::decide(&mutation, last_processed, refused_before) {
            Decision::Duplicate => (MutationStatus::Duplicate, None),
            Decision::Rejected(refused) => {
                state.db.reject_mutation(reference, &refused).await?;
                (MutationStatus::Rejected, Some(refused))
            }
            Decision::Apply(change) => {
                ties_changed |= server::changes_ties(change.kind());
                match state
                    .db
                    .write(&caller.actor, change, Some(reference), caller.today, now)
                    .await?
                {
                    WriteOutcome::Applied { .. } => (MutationStatus::Applied, None),
                    WriteOutcome::Duplicate => (MutationStatus::Duplicate, None),
                    WriteOutcome::Rejected(rejection) => {
                        let refused = Refused::from(rejection);
                        state.db.reject_mutation(reference, &refused).await?;
                        (MutationStatus::Rejected, Some(refused))
                    }
                }
            }
        };
        last_processed = last_processed.max(mutation.id);
        results.push(MutationResult::new(mutation.id, status, refused));
    }
    if ties_changed {
        // A mutation may have changed what this user sees (a new participant of theirs).
        caller = Caller::load(state, user, peer).await?;
    }

    let cursor = request.cursor.unwrap_or(0);
    let pulled = pull(state, &caller, &client, cursor).await?;
    state
        .db
        .update_client_scopes(request.client_id, &pulled.scopes, pulled.cursor)
        .await?;
    state.db.log_access(&pulled.reads).await?;
    let notices = state
        .db
        .replaced_changes(caller.actor.user_id, cursor, pulled.cursor)
        .await?;
    Ok(Json(SyncResponse {
        cursor: pulled.cursor,
        results,
        changes: pulled.changes,
        more: pulled.more,
        notices,
    }))
}

/// Refuses an app whose protocol this server no longer speaks. An app that does not say
/// (a script, an outside test) is taken to speak the current one.
fn check_protocol(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(value) = headers.get(PROTOCOL_HEADER) else {
        return Ok(());
    };
    match value.to_str().ok().and_then(|raw| raw.trim().parse::<u32>().ok()) {
        Some(version) if (MIN_PROTOCOL..=PROTOCOL_VERSION).contains(&version) => Ok(()),
        Some(_) => Err(ApiError::UpgradeRequired(
            "this app is too old for the server; reload the page to update it (your changes are kept)"
                .to_owned(),
        )),
        None => Err(ApiError::BadRequest(format!(
            "{PROTOCOL_HEADER}: must be a whole number"
        ))),
    }
}

struct Pulled {
    cursor: i64,
    changes: Vec<RecordChange>,
    more: bool,
    scopes: ScopePlan,
    reads: Vec<AccessEntry>,
}

async fn pull(
    state: &AppState,
    caller: &Caller,
    client: &crate::db::SyncClient,
    cursor: i64,
) -> Result<Pulled, ApiError> {
    let programmes = caller.viewer.led_programmes();
    let led = if programmes.is_empty() {
        Vec::new()
    } else {
        state.db.participants_of(&programmes).await?
    };
    let scope_plan = scopes::plan(
        &client.scopes,
        &scopes::tracked(&caller.viewer, &led),
        cursor,
    );
    // Every version up to `newest` is committed, so the cursor never passes a change still
    // being written. A response that changes what the device holds gets a cursor of its
    // own, so the device's next cursor tells whether it received it.
    let newest = if scope_plan.sends_scope_changes() {
        state.db.new_cursor().await?
    } else {
        state.db.current_version().await?
    };

    let mut changes = Vec::new();
    let mut sent = Vec::new();
    let fetched: Vec<StoredRecord> = state
        .db
        .select_records(
            &caller.viewer.selection(),
            Narrow::All,
            cursor,
            PAGE_SIZE as i64 + 1,
        )
        .await?
        .into_iter()
        .filter(|stored| stored.version <= newest)
        .collect();
    let versions: Vec<i64> = fetched.iter().map(|stored| stored.version).collect();
    let end = server::page_end(cursor, newest, &versions, PAGE_SIZE);
    for stored in &fetched[..end.take] {
        push_visible(caller, stored, &mut changes, &mut sent);
    }
    // Newly visible entities: their older records, which the cursor has already passed.
    if cursor > 0 && !scope_plan.gained.is_empty() {
        for stored in state.db.records_in_scopes(&scope_plan.gained).await? {
            if stored.version <= cursor && stored.record.is_some() {
                push_visible(caller, &stored, &mut changes, &mut sent);
            }
        }
    }
    // No longer visible: tell the device to forget what it may no longer see.
    if !scope_plan.lost.is_empty() {
        for stored in state.db.records_in_scopes(&scope_plan.lost).await? {
            // Deleted ones too: a record deleted after access ended is still on the device.
            // Of kinds the user could never read, the device never held any.
            if caller.view(&stored).is_none() && caller.viewer.could_ever_read(stored.kind) {
                changes.push(deletion(&stored));
            }
        }
    }
    let reads = sync_reads(caller, &sent);
    Ok(Pulled {
        cursor: end.cursor,
        changes,
        more: end.more,
        scopes: scope_plan,
        reads,
    })
}

/// Adds a stored record to the changes as this caller may see it: its data, a deletion
/// (deleted rows carry no data), or nothing.
fn push_visible(
    caller: &Caller,
    stored: &StoredRecord,
    changes: &mut Vec<RecordChange>,
    sent: &mut Vec<uuid::Uuid>,
) {
    let Some(record) = &stored.record else {
        // Only those who may see such a record where it was hear that it was deleted.
        let access =
            caller
                .viewer
                .read_access(stored.kind, stored.scope, Some(stored.programme_id));
        if access != Access::None {
            changes.push(deletion(stored));
        }
        return;
    };
    if let Some(body) = caller.view(stored) {
        sent.extend(record.participant_id());
        changes.push(RecordChange {
            kind: body.kind,
            id: body.id,
            version: body.version,
            deleted: false,
            data: Some(body.data),
        });
    }
}

/// Tells the device to forget a record.
fn deletion(stored: &StoredRecord) -> RecordChange {
    RecordChange {
        kind: stored.kind.as_str().to_owned(),
        id: stored.id.to_string(),
        version: stored.version,
        deleted: true,
        data: None,
    }
}

/// One access-log entry per participant whose data this pull sent.
fn sync_reads(caller: &Caller, participants: &[uuid::Uuid]) -> Vec<AccessEntry> {
    let unique: BTreeSet<&uuid::Uuid> = participants.iter().collect();
    let now = Utc::now();
    unique
        .into_iter()
        .map(|participant| AccessEntry {
            at: now,
            user_id: caller.actor.user_id.to_string(),
            participant_id: Some(participant.to_string()),
            action: AccessAction::Read,
            kind: "sync".to_owned(),
            record_id: None,
            address: caller.actor.address.clone(),
        })
        .collect()
}
