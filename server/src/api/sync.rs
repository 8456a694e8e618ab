//! `POST /api/v1/sync`: apply a device's mutations (each once, each in its own
//! transaction), then send the changes it may see since its cursor, in pages.

use crate::api::records::Caller;
use crate::api_error::{ApiError, ApiJson, ErrorBody};
use crate::auth::SignedIn;
use crate::db::{AccessAction, AccessEntry, MutationRef, StoredRecord, WriteOutcome};
use crate::startup::AppState;
use app::change::Change;
use app::domain::{Entity, Kind, LinkKind, Role};
use app::sync::{scopes, MutationResult, MutationStatus, RecordChange, SyncRequest, SyncResponse};
use axum::extract::{ConnectInfo, State};
use axum::Json;
use chrono::Utc;
use std::collections::BTreeSet;
use std::net::SocketAddr;

/// Changes per response: a first sync of a caseload takes a few round trips, each small
/// enough for a slow phone connection.
pub const PAGE_SIZE: usize = 2000;
/// Mutations per request; a device with more sends them in several requests.
pub const MAX_MUTATIONS: usize = 500;

/// Apply mutations and pull changes, in one round trip.
#[utoipa::path(
    post,
    path = "/api/v1/sync",
    request_body(content = Object, description = "`{ client_id, cursor, mutations: [{ id, name, args }] }`; mutation names are `<kind>.save` (args: the record) and `<kind>.delete` (args: `{ id }`)"),
    responses(
        (status = 200, description = "`{ cursor, results: [{ id, status, error? }], changes: [{ kind, id, version, deleted, data? }], more }`", content_type = "application/json"),
        (status = 400, description = "Malformed request", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 409, description = "This client id belongs to another user", body = ErrorBody),
    ),
    tag = "sync"
)]
#[tracing::instrument(skip_all, fields(mutations = request.mutations.len()))]
pub async fn sync(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    SignedIn(user): SignedIn,
    ApiJson(request): ApiJson<SyncRequest>,
) -> Result<Json<SyncResponse>, ApiError> {
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
    let now = Utc::now();
    let mut caller = Caller::load(&state, &user, peer).await?;
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
    // Only these kinds create links, and so change what this user may see.
    let mut links_changed = false;
    for mutation in request.mutations {
        let reference = MutationRef {
            client_id: request.client_id,
            id: mutation.id,
        };
        let outcome = if mutation.id <= last_processed {
            WriteOutcome::Duplicate
        } else {
            match Change::from_mutation(&mutation.name, mutation.args) {
                Ok(change) => {
                    links_changed |= matches!(
                        change.kind(),
                        Kind::Participant | Kind::Supervisor | Kind::Staff | Kind::Placement
                    );
                    state
                        .db
                        .write(&caller.actor, change, Some(reference), caller.today, now)
                        .await?
                }
                Err(rejection) => WriteOutcome::Rejected(rejection),
            }
        };
        let result = match outcome {
            WriteOutcome::Applied { .. } => (MutationStatus::Applied, None),
            WriteOutcome::Duplicate => (MutationStatus::Duplicate, None),
            WriteOutcome::Rejected(rejection) => {
                state.db.skip_mutation(reference).await?;
                (MutationStatus::Rejected, Some(rejection.to_string()))
            }
        };
        last_processed = last_processed.max(mutation.id);
        results.push(MutationResult {
            id: mutation.id,
            status: result.0,
            error: result.1,
        });
    }
    if links_changed {
        // A mutation may have changed what this user sees (a new participant of theirs).
        caller = Caller::load(&state, &user, peer).await?;
    }

    let pulled = pull(&state, &caller, &client, request.cursor.unwrap_or(0)).await?;
    state
        .db
        .update_client_scopes(
            request.client_id,
            &pulled.gained,
            &pulled.lost,
            pulled.cursor,
        )
        .await?;
    state.db.log_access(&pulled.reads).await?;
    Ok(Json(SyncResponse {
        cursor: pulled.cursor,
        results,
        changes: pulled.changes,
        more: pulled.more,
    }))
}

struct Pulled {
    cursor: i64,
    changes: Vec<RecordChange>,
    more: bool,
    gained: Vec<Entity>,
    lost: Vec<Entity>,
    reads: Vec<AccessEntry>,
}

async fn pull(
    state: &AppState,
    caller: &Caller,
    client: &crate::db::SyncClient,
    cursor: i64,
) -> Result<Pulled, ApiError> {
    // Read the counter first: every version up to it is committed, so the new cursor never
    // passes a change still being written.
    let newest = state.db.current_version().await?;
    let led: Vec<uuid::Uuid> = if caller.viewer.has(Role::ProjectLeader) {
        let programmes: Vec<uuid::Uuid> = caller
            .viewer
            .ties
            .iter()
            .filter_map(|(kind, target)| match (kind, target) {
                (LinkKind::Staff, Entity::Programme(id)) => Some(*id),
                _ => None,
            })
            .collect();
        state.db.participants_of(&programmes).await?
    } else {
        Vec::new()
    };
    let now_scopes = scopes::tracked(&caller.viewer, &led);
    // A device behind the response that last changed its scopes never saw that change.
    let before = if cursor >= client.scopes_cursor {
        client.scopes.clone()
    } else {
        BTreeSet::new()
    };
    let scope_changes = scopes::diff(&before, &now_scopes);

    let mut changes = Vec::new();
    let mut sent = Vec::new();
    let page = state
        .db
        .select_records(&caller.viewer.selection(), cursor, PAGE_SIZE as i64 + 1)
        .await?;
    let page: Vec<StoredRecord> = page
        .into_iter()
        .filter(|stored| stored.version <= newest)
        .collect();
    let more = page.len() > PAGE_SIZE;
    let page = &page[..page.len().min(PAGE_SIZE)];
    let new_cursor = if more {
        page.last().map_or(cursor, |stored| stored.version)
    } else {
        newest.max(cursor)
    };
    for stored in page {
        push_visible(caller, stored, &mut changes, &mut sent);
    }
    // Newly visible entities: their older records, which the cursor has already passed.
    if cursor > 0 && !scope_changes.gained.is_empty() {
        for stored in state.db.records_in_scopes(&scope_changes.gained).await? {
            if stored.version <= cursor && stored.record.is_some() {
                push_visible(caller, &stored, &mut changes, &mut sent);
            }
        }
    }
    // No longer visible: tell the device to forget what it may no longer see.
    if !scope_changes.lost.is_empty() {
        for stored in state.db.records_in_scopes(&scope_changes.lost).await? {
            if stored.record.is_some() && caller.view(&stored).is_none() {
                changes.push(deletion(&stored));
            }
        }
    }
    let reads = sync_reads(caller, &sent);
    Ok(Pulled {
        cursor: new_cursor,
        changes,
        more,
        gained: scope_changes.gained,
        lost: scope_changes.lost,
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
        changes.push(deletion(stored));
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
