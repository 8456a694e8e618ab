//! Reading and changing records one at a time, and the participant lists. Every decision is
//! the permission module's; every read or write of a participant's data is logged.

use crate::api_error::{ApiError, ApiJson};
use crate::auth::SignedIn;
use crate::client_address::ClientAddress;
use crate::db::{AccessAction, AccessEntry, Actor, Narrow, StoredRecord, User, WriteOutcome};
use crate::startup::AppState;
use axum::extract::{Path, State};
use axum::Json;
use chrono::{NaiveDate, Utc};
use lotsa_core::access::Viewer;
use lotsa_core::change::{Change, Rejection};
use lotsa_core::domain::{stockholm_day, Kind, Record};
use serde::Serialize;
use std::net::IpAddr;
use uuid::Uuid;

/// A record as a user may see it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecordBody {
    #[schema(value_type = Kind)]
    pub kind: String,
    #[schema(format = Uuid)]
    pub id: String,
    pub version: i64,
    /// The record's fields; a limited view carries `"limited": true` and only what the
    /// reader's role needs.
    #[schema(value_type = lotsa_core::openapi::VisibleRecord)]
    pub data: serde_json::Value,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WrittenBody {
    /// The version the change was stored as.
    pub version: i64,
}

/// The signed-in user, the day it is in Sweden, and where the request came from.
pub(crate) struct Caller {
    pub actor: Actor,
    pub viewer: Viewer,
    pub today: NaiveDate,
}

impl Caller {
    pub(crate) async fn load(
        state: &AppState,
        user: &User,
        peer: IpAddr,
    ) -> Result<Self, ApiError> {
        let actor = Self::actor(user, peer)?;
        let today = stockholm_day(Utc::now());
        let viewer = state.db.viewer(actor.user_id, &user.roles, today).await?;
        Ok(Self {
            actor,
            viewer,
            today,
        })
    }

    /// Who is acting, and from where (for the access log).
    pub(crate) fn actor(user: &User, peer: IpAddr) -> Result<Actor, ApiError> {
        let user_id: Uuid = user
            .id
            .parse()
            .map_err(|_| ApiError::Internal(anyhow::anyhow!("a user id is not a UUID")))?;
        Ok(Actor {
            user_id,
            roles: user.roles.clone(),
            address: Some(peer.to_string()),
        })
    }

    /// What this caller may see of a stored record, if anything.
    pub(crate) fn view(&self, stored: &StoredRecord) -> Option<RecordBody> {
        stored
            .visible_to(&self.viewer, self.today)
            .map(|data| RecordBody {
                kind: stored.kind.as_str().to_owned(),
                id: stored.id.to_string(),
                version: stored.version,
                data,
            })
    }

    /// Access-log entries for the participant data among `records`.
    pub(crate) fn reads<'a>(
        &self,
        records: impl IntoIterator<Item = &'a StoredRecord>,
    ) -> Vec<AccessEntry> {
        let now = Utc::now();
        records
            .into_iter()
            .filter_map(|stored| {
                let participant = stored.record.as_ref()?.participant_id()?;
                Some(AccessEntry {
                    at: now,
                    user_id: self.actor.user_id.to_string(),
                    participant_id: Some(participant.to_string()),
                    action: AccessAction::Read,
                    kind: stored.kind.as_str().to_owned(),
                    record_id: Some(stored.id.to_string()),
                    address: self.actor.address.clone(),
                })
            })
            .collect()
    }
}

fn parse_kind(raw: &str) -> Result<Kind, ApiError> {
    raw.parse().map_err(|_| {
        let known: Vec<&str> = Kind::ALL.iter().map(|kind| kind.as_str()).collect();
        ApiError::BadRequest(format!(
            "unknown kind of record {raw:?}; the kinds are {}",
            known.join(", ")
        ))
    })
}

pub(crate) fn parse_id(raw: &str) -> Result<Uuid, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::BadRequest(format!("{raw:?} is not a record id (a UUID)")))
}

pub(crate) const NOT_VISIBLE: &str = "no such record, or you may not see it";

/// One record, as much of it as you may see.
#[utoipa::path(
    get,
    path = "/api/v1/records/{kind}/{id}",
    params(("kind" = Kind, Path), ("id" = Uuid, Path)),
    responses(
        (status = 200, body = RecordBody),
        (status = 400, description = "Unknown kind or malformed id", body = crate::api_error::ErrorBody),
        (status = 401, description = "Not signed in", body = crate::api_error::ErrorBody),
        (status = 404, description = "No such record, or not visible to you", body = crate::api_error::ErrorBody),
    ),
    tag = "records"
)]
#[tracing::instrument(skip_all, fields(kind = %kind))]
pub async fn get_record(
    State(state): State<AppState>,
    ClientAddress(peer): ClientAddress,
    SignedIn(user): SignedIn,
    Path((kind, id)): Path<(String, String)>,
) -> Result<Json<RecordBody>, ApiError> {
    let kind = parse_kind(&kind)?;
    let id = parse_id(&id)?;
    let caller = Caller::load(&state, &user, peer).await?;
    let stored = state.db.record(kind, id).await?;
    let Some((stored, body)) =
        stored.and_then(|stored| caller.view(&stored).map(|body| (stored, body)))
    else {
        return Err(ApiError::Missing(NOT_VISIBLE.to_owned()));
    };
    state.db.log_access(&caller.reads([&stored])).await?;
    Ok(Json(body))
}

fn written(outcome: WriteOutcome) -> Result<Json<WrittenBody>, ApiError> {
    match outcome {
        WriteOutcome::Applied { version } => Ok(Json(WrittenBody { version })),
        WriteOutcome::Rejected(rejection) => Err(ApiError::Refused(rejection)),
        WriteOutcome::Duplicate => Err(ApiError::Internal(anyhow::anyhow!(
            "a write without a mutation id was reported duplicate"
        ))),
    }
}

/// Create a record, or replace it with a new version. The body is the record itself; its
/// `id` must be the one in the path.
#[utoipa::path(
    put,
    path = "/api/v1/records/{kind}/{id}",
    params(("kind" = Kind, Path), ("id" = Uuid, Path)),
    request_body(content = lotsa_core::openapi::AnyRecord, description = "The record, of the kind in the address"),
    responses(
        (status = 200, body = WrittenBody),
        (status = 400, description = "Unknown kind, malformed id, or an invalid record (the message names the field)", body = crate::api_error::ErrorBody),
        (status = 401, description = "Not signed in", body = crate::api_error::ErrorBody),
        (status = 403, description = "You may not make this change, or a cross-site request", body = crate::api_error::ErrorBody),
        (status = 404, description = "A record it refers to does not exist", body = crate::api_error::ErrorBody),
        (status = 413, description = "The body is too large", body = crate::api_error::ErrorBody),
    ),
    tag = "records"
)]
#[tracing::instrument(skip_all, fields(kind = %kind))]
pub async fn put_record(
    State(state): State<AppState>,
    ClientAddress(peer): ClientAddress,
    SignedIn(user): SignedIn,
    Path((kind, id)): Path<(String, String)>,
    ApiJson(data): ApiJson<serde_json::Value>,
) -> Result<Json<WrittenBody>, ApiError> {
    let kind = parse_kind(&kind)?;
    let id = parse_id(&id)?;
    let record =
        Record::parse(kind, data).map_err(|error| ApiError::Refused(Rejection::Invalid(error)))?;
    if record.id() != id {
        return Err(ApiError::BadRequest(
            "id: the record's id differs from the one in the address".to_owned(),
        ));
    }
    let caller = Caller::load(&state, &user, peer).await?;
    let outcome = state
        .db
        .write(
            &caller.actor,
            Change::Save(Box::new(record)),
            None,
            caller.today,
            Utc::now(),
        )
        .await?;
    written(outcome)
}

/// Delete a record.
#[utoipa::path(
    delete,
    path = "/api/v1/records/{kind}/{id}",
    params(("kind" = Kind, Path), ("id" = Uuid, Path)),
    responses(
        (status = 200, body = WrittenBody),
        (status = 400, description = "Unknown kind or malformed id", body = crate::api_error::ErrorBody),
        (status = 401, description = "Not signed in", body = crate::api_error::ErrorBody),
        (status = 403, description = "You may not delete it, or a cross-site request", body = crate::api_error::ErrorBody),
        (status = 404, description = "No such record, or not visible to you", body = crate::api_error::ErrorBody),
    ),
    tag = "records"
)]
#[tracing::instrument(skip_all, fields(kind = %kind))]
pub async fn delete_record(
    State(state): State<AppState>,
    ClientAddress(peer): ClientAddress,
    SignedIn(user): SignedIn,
    Path((kind, id)): Path<(String, String)>,
) -> Result<Json<WrittenBody>, ApiError> {
    let kind = parse_kind(&kind)?;
    let id = parse_id(&id)?;
    let caller = Caller::load(&state, &user, peer).await?;
    // Do not tell a user who may not see a record whether it exists.
    let visible = state
        .db
        .record(kind, id)
        .await?
        .is_some_and(|stored| caller.view(&stored).is_some());
    if !visible {
        return Err(ApiError::Missing(NOT_VISIBLE.to_owned()));
    }
    let outcome = state
        .db
        .write(
            &caller.actor,
            Change::Delete { kind, id },
            None,
            caller.today,
            Utc::now(),
        )
        .await?;
    written(outcome)
}

/// Every participant you may see (for a supervisor: those placed with them, limited).
#[utoipa::path(
    get,
    path = "/api/v1/participants",
    responses(
        (status = 200, body = Vec<RecordBody>),
        (status = 401, description = "Not signed in", body = crate::api_error::ErrorBody),
    ),
    tag = "records"
)]
#[tracing::instrument(skip_all)]
pub async fn list_participants(
    State(state): State<AppState>,
    ClientAddress(peer): ClientAddress,
    SignedIn(user): SignedIn,
) -> Result<Json<Vec<RecordBody>>, ApiError> {
    let caller = Caller::load(&state, &user, peer).await?;
    let visible = visible_records(&state, &caller, Narrow::Kind(Kind::Participant)).await?;
    state
        .db
        .log_access(&caller.reads(visible.iter().map(|(stored, _)| stored)))
        .await?;
    Ok(Json(visible.into_iter().map(|(_, body)| body).collect()))
}

/// Everything about one participant that you may see.
#[utoipa::path(
    get,
    path = "/api/v1/participants/{id}/records",
    params(("id" = Uuid, Path, description = "The participant's id")),
    responses(
        (status = 200, body = Vec<RecordBody>),
        (status = 400, description = "Malformed id", body = crate::api_error::ErrorBody),
        (status = 401, description = "Not signed in", body = crate::api_error::ErrorBody),
        (status = 404, description = "No such participant, or not visible to you", body = crate::api_error::ErrorBody),
    ),
    tag = "records"
)]
#[tracing::instrument(skip_all)]
pub async fn participant_records(
    State(state): State<AppState>,
    ClientAddress(peer): ClientAddress,
    SignedIn(user): SignedIn,
    Path(id): Path<String>,
) -> Result<Json<Vec<RecordBody>>, ApiError> {
    let id = parse_id(&id)?;
    let caller = Caller::load(&state, &user, peer).await?;
    let visible = visible_records(&state, &caller, Narrow::Participant(id)).await?;
    if visible.is_empty() {
        return Err(ApiError::Missing(NOT_VISIBLE.to_owned()));
    }
    state
        .db
        .log_access(&caller.reads(visible.iter().map(|(stored, _)| stored)))
        .await?;
    Ok(Json(visible.into_iter().map(|(_, body)| body).collect()))
}

/// The live records this caller may see, narrowed by `narrow`.
pub(crate) async fn visible_records(
    state: &AppState,
    caller: &Caller,
    narrow: Narrow,
) -> Result<Vec<(StoredRecord, RecordBody)>, ApiError> {
    const PAGE: i64 = 5000;
    let selection = caller.viewer.selection();
    let mut after = 0;
    let mut found = Vec::new();
    loop {
        let page = state
            .db
            .select_records(&selection, narrow, after, PAGE)
            .await?;
        let Some(last) = page.last() else { break };
        after = last.version;
        let full_page = page.len() as i64 == PAGE;
        for stored in page {
            if let Some(body) = caller.view(&stored) {
                found.push((stored, body));
            }
        }
        if !full_page {
            break;
        }
    }
    Ok(found)
}
