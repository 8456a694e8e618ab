//! The messages of `POST /api/v1/sync`, shared by the server and the device.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The version of this protocol a device speaks, sent as [`PROTOCOL_HEADER`]. A server that
/// no longer speaks it answers 426, and the app asks the user to reload (its outbox waits).
pub const PROTOCOL_VERSION: u32 = 1;
pub const PROTOCOL_HEADER: &str = "lotsa-protocol";

/// What a device sends: its pending mutations, oldest first, and how far it has pulled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncRequest {
    pub client_id: Uuid,
    /// The `cursor` of the last response; absent or null on the first sync.
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub cursor: Option<i64>,
    #[serde(default)]
    pub mutations: Vec<Mutation>,
}

/// A named domain command, e.g. `check_in.save` with the check-in as `args`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Mutation {
    /// Increases with every mutation a client makes.
    pub id: i64,
    /// `<kind>.save` or `<kind>.delete`.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::mutation_name))]
    pub name: String,
    /// For `<kind>.save` the record, for `<kind>.delete` `{ "id" }`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::MutationArgs))]
    pub args: serde_json::Value,
    /// The version of the record the user changed, as the device held it (`None` for a new
    /// record). When another user's change came in between, theirs is replaced and they
    /// are told.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_version: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncResponse {
    /// Pull again from here.
    pub cursor: i64,
    pub results: Vec<MutationResult>,
    pub changes: Vec<RecordChange>,
    /// More changes are waiting: pull again at once.
    pub more: bool,
    /// Changes of this user's that someone else's later change replaced.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<Replaced>,
}

/// A change of the user's that another user's change replaced: both stay in the record's
/// history, the later one is current.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Replaced {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::domain::Kind))]
    pub kind: String,
    #[cfg_attr(feature = "openapi", schema(format = Uuid))]
    pub id: String,
    /// The version the user wrote.
    pub replaced_version: i64,
    /// The version that replaced it.
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MutationResult {
    pub id: i64,
    pub status: MutationStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Why it was rejected, as a code the app shows in the user's language. A code this app
    /// does not know (a newer server) reads as none, and the app shows `error`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::domain::Refusal::known"
    )]
    pub code: Option<crate::domain::Refusal>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MutationStatus {
    Applied,
    /// Already processed for this client: not applied again.
    Duplicate,
    Rejected,
}

/// One record as the user may now see it, or its deletion from the device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordChange {
    /// A record kind; a device ignores kinds it does not know (a newer server).
    #[cfg_attr(feature = "openapi", schema(value_type = crate::domain::Kind))]
    pub kind: String,
    #[cfg_attr(feature = "openapi", schema(format = Uuid))]
    pub id: String,
    pub version: i64,
    pub deleted: bool,
    /// The record as the user may see it; absent when `deleted`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::VisibleRecord>))]
    pub data: Option<serde_json::Value>,
}
