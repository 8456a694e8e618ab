//! `GET /health`: whether the server and its database answer.

use crate::startup::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;

#[derive(Serialize)]
pub struct Health {
    /// `"ok"`, or `"unavailable"` when the database does not answer.
    status: &'static str,
    /// `"sqlite"` or `"postgres"`.
    database: &'static str,
    /// The newest database migration applied, when the database answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    schema_version: Option<i64>,
    /// The server's version.
    version: &'static str,
}

#[tracing::instrument(skip_all)]
pub async fn health(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let database = state.db.backend();
    let version = env!("CARGO_PKG_VERSION");
    match state.db.status().await {
        Ok(status) => (
            StatusCode::OK,
            Json(Health {
                status: "ok",
                database,
                schema_version: Some(status.schema_version),
                version,
            }),
        ),
        Err(error) => {
            tracing::error!(%error, "health check: the database does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "unavailable",
                    database,
                    schema_version: None,
                    version,
                }),
            )
        }
    }
}
