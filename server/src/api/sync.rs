//! `POST /api/v1/sync`: the edge of the sync engine (`lotsa_core::sync::engine`): checks the
//! request, holds the device's lease, and runs the engine over the database.

use crate::api::records::Caller;
use crate::api_error::{ApiError, ApiJson, ErrorBody};
use crate::auth::SignedIn;
use crate::client_address::ClientAddress;
use crate::db::{
    AccessAction, AccessEntry, Actor, Committed, Database, DbError, Leased, MutationRef, Narrow,
    StoredRecord, SyncClient, WriteOutcome,
};
use crate::startup::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use lotsa_core::access::{Selection, Viewer};
use lotsa_core::change::Change;
use lotsa_core::domain::{stockholm_day, Entity, Kind};
use lotsa_core::sync::engine::{self, Sent, SyncError, SyncStore};
use lotsa_core::sync::scopes::Scope;
use lotsa_core::sync::server::Refused;
use lotsa_core::sync::{Replaced, SyncRequest, SyncResponse, PROTOCOL_HEADER, PROTOCOL_VERSION};
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
/// two pulls never decide the device's scopes from the same old state. The lease lives on
/// the device's row in the database, not in a process; it is taken with the device's state
/// and given back with what the response told the device.
struct DeviceLease {
    db: std::sync::Arc<dyn crate::db::Database>,
    client_id: Uuid,
    token: Uuid,
    held: bool,
}

impl DeviceLease {
    fn new(state: &AppState, client_id: Uuid) -> Self {
        Self {
            db: state.db.clone(),
            client_id,
            token: Uuid::new_v4(),
            held: false,
        }
    }

    /// Takes the device, waiting while another request holds it, and reads its state;
    /// `None` if it belongs to another user.
    async fn take(&mut self, user_id: Uuid) -> Result<Option<SyncClient>, DbError> {
        loop {
            let now = Utc::now();
            // Held from the moment the statement may have taken it: an error after its commit
            // (a lost connection, an unreadable row) still gives the device back.
            self.held = true;
            match self
                .db
                .lease_client(self.client_id, user_id, self.token, now, now + LEASE)
                .await?
            {
                Leased::Taken(client) => return Ok(Some(client)),
                Leased::AnotherUser => {
                    self.held = false;
                    return Ok(None);
                }
                Leased::Busy => {
                    self.held = false;
                    tokio::time::sleep(LEASE_POLL).await;
                }
            }
        }
    }

    /// Gives the device back before the answer leaves, if the response's save did not;
    /// should that fail, the lease expires.
    async fn release(&mut self) {
        if !self.held {
            return;
        }
        match self.db.release_client(self.client_id, self.token).await {
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
                if let Err(error) = db.release_client(client_id, token).await {
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
        (status = 503, description = "The request took so long that a newer one of this device took over; sync again (what it applied stays applied)", body = ErrorBody),
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
    let actor = Caller::actor(&user, peer)?;
    let now = Utc::now();
    let today = stockholm_day(now);
    let mut store = DbSync {
        db: state.db.as_ref(),
        lease: DeviceLease::new(&state, request.client_id),
        viewer: None,
        actor,
        today,
        now,
    };
    let answer = engine::sync(&mut store, request, today, PAGE_SIZE).await;
    store.lease.release().await;
    match answer {
        Ok(response) => Ok(Json(response)),
        Err(SyncError::AnotherUsersDevice) => Err(ApiError::Conflict(
            "this device's sync id belongs to another user; sign out and sign in again".to_owned(),
        )),
        Err(SyncError::Store(DbError::LeaseLost)) => Err(ApiError::Unavailable(
            "this device's sync was taken over by a newer request; sync again".to_owned(),
        )),
        Err(SyncError::Store(error)) => Err(error.into()),
    }
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

/// The engine's store: the database, as one signed-in user on one day.
struct DbSync<'a> {
    db: &'a dyn Database,
    lease: DeviceLease,
    /// The user as the last write's permission check saw them, while no write since changed
    /// who they are tied to.
    viewer: Option<Viewer>,
    actor: Actor,
    today: NaiveDate,
    now: DateTime<Utc>,
}

impl SyncStore for DbSync<'_> {
    type Error = DbError;

    async fn client(&mut self, client_id: Uuid) -> Result<Option<SyncClient>, DbError> {
        debug_assert_eq!(client_id, self.lease.client_id);
        self.lease.take(self.actor.user_id).await
    }

    async fn viewer(&mut self) -> Result<Viewer, DbError> {
        if let Some(viewer) = self.viewer.take() {
            return Ok(viewer);
        }
        self.db
            .viewer(self.actor.user_id, &self.actor.roles, self.today)
            .await
    }

    async fn rejection(&mut self, mutation: MutationRef) -> Result<Option<Refused>, DbError> {
        self.db.rejection(mutation).await
    }

    async fn reject(&mut self, mutation: MutationRef, refused: &Refused) -> Result<(), DbError> {
        self.db.reject_mutation(mutation, refused).await
    }

    async fn write(
        &mut self,
        change: Change,
        mutation: MutationRef,
    ) -> Result<WriteOutcome, DbError> {
        let (outcome, viewer) = self
            .db
            .write_seen(&self.actor, change, Some(mutation), self.today, self.now)
            .await?;
        // A duplicate was not looked at: what was seen before still holds.
        if outcome != WriteOutcome::Duplicate {
            self.viewer = viewer;
        }
        Ok(outcome)
    }

    async fn committed_after(
        &mut self,
        selection: &Selection,
        after: i64,
        limit: usize,
    ) -> Result<Committed, DbError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.db
            .committed_after(selection, self.actor.user_id, after, limit)
            .await
    }

    async fn new_cursor(&mut self) -> Result<i64, DbError> {
        self.db.new_cursor().await
    }

    async fn records_after(
        &mut self,
        selection: &Selection,
        after: i64,
        limit: usize,
    ) -> Result<Vec<StoredRecord>, DbError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.db
            .select_records(selection, Narrow::All, after, limit)
            .await
    }

    async fn records_in_scopes(&mut self, scopes: &[Scope]) -> Result<Vec<StoredRecord>, DbError> {
        self.db.records_in_scopes(scopes).await
    }

    async fn participants(&mut self, ids: &[Uuid]) -> Result<Vec<StoredRecord>, DbError> {
        let selection = Selection {
            scopes: ids.iter().copied().map(Entity::Participant).collect(),
            ..Selection::default()
        };
        self.db
            .select_records(&selection, Narrow::Kind(Kind::Participant), 0, i64::MAX)
            .await
    }

    /// Also gives the device back: nothing after this reads or writes its state.
    async fn save_sent(&mut self, client_id: Uuid, sent: &Sent) -> Result<(), DbError> {
        // One access-log entry per participant whose data the response carries.
        let reads: Vec<AccessEntry> = sent
            .read
            .iter()
            .map(|participant| AccessEntry {
                at: self.now,
                user_id: self.actor.user_id.to_string(),
                participant_id: Some(participant.to_string()),
                action: AccessAction::Read,
                kind: "sync".to_owned(),
                record_id: None,
                address: self.actor.address.clone(),
            })
            .collect();
        let saved = self
            .db
            .update_client(client_id, sent, self.lease.token, &reads)
            .await;
        // Given back, or taken over by another request: not this one's to give back again.
        if matches!(saved, Ok(()) | Err(DbError::LeaseLost)) {
            self.lease.held = false;
        }
        saved
    }

    async fn replaced_changes(&mut self, after: i64, up_to: i64) -> Result<Vec<Replaced>, DbError> {
        self.db
            .replaced_changes(self.actor.user_id, after, up_to)
            .await
    }
}
