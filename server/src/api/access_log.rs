//! Searching the access log: project leaders answer "who looked at this person's data?".

use crate::api::records::Caller;
use crate::api_error::{ApiError, ErrorBody};
use crate::auth::SignedIn;
use crate::client_address::ClientAddress;
use crate::db::{AccessEntry, AccessQuery};
use crate::startup::AppState;
use axum::extract::{Query, State};
use axum::Json;

/// Search the access log by person, user and period (newest first, at most `limit`,
/// default 500), among the participants of the programmes you lead.
#[utoipa::path(
    get,
    path = "/api/v1/access-log",
    params(AccessQuery),
    responses(
        (status = 200, body = Vec<AccessEntry>),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Only the leader of a programme searches its access log", body = ErrorBody),
    ),
    tag = "access log"
)]
#[tracing::instrument(skip_all)]
pub async fn search(
    State(state): State<AppState>,
    ClientAddress(peer): ClientAddress,
    SignedIn(user): SignedIn,
    query: Result<Query<AccessQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<AccessEntry>>, ApiError> {
    let Query(query) = query.map_err(|rejection| ApiError::BadRequest(rejection.body_text()))?;
    let caller = Caller::load(&state, &user, peer).await?;
    let programmes = caller.viewer.led_programmes();
    if programmes.is_empty() {
        return Err(ApiError::Forbidden(
            "only the leader of a programme can search its access log".to_owned(),
        ));
    }
    Ok(Json(state.db.search_access_log(&query, &programmes).await?))
}
