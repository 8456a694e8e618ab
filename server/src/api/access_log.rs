//! Searching the access log: project leaders answer "who looked at this person's data?".

use crate::api_error::{ApiError, ErrorBody};
use crate::auth::SignedIn;
use crate::db::{AccessEntry, AccessQuery};
use crate::startup::AppState;
use app::domain::Role;
use axum::extract::{Query, State};
use axum::Json;

/// Search the access log by person, user and period (newest first, at most `limit`,
/// default 500). Project leaders only.
#[utoipa::path(
    get,
    path = "/api/v1/access-log",
    params(AccessQuery),
    responses(
        (status = 200, body = Vec<AccessEntry>),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Only project leaders search the access log", body = ErrorBody),
    ),
    tag = "access log"
)]
#[tracing::instrument(skip_all)]
pub async fn search(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    query: Result<Query<AccessQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<AccessEntry>>, ApiError> {
    if !user.roles.contains(&Role::ProjectLeader) {
        return Err(ApiError::Forbidden(
            "only project leaders can search the access log".to_owned(),
        ));
    }
    let Query(query) = query.map_err(|rejection| ApiError::BadRequest(rejection.body_text()))?;
    Ok(Json(state.db.search_access_log(&query).await?))
}
