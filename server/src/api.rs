//! The JSON API under `/api/v1`, and its OpenAPI description generated from the handlers.

use crate::api_error::{ApiError, ErrorBody};
use crate::auth::{self, LoginRequest, UserBody};
use crate::startup::AppState;
use axum::routing::{get, post};
use axum::{Json, Router};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Lotsa API", description = "The JSON API of Lotsa. Sessions travel in the HttpOnly `lotsa_session` cookie."),
    paths(auth::login, auth::logout, auth::me, openapi_json),
    components(schemas(LoginRequest, UserBody, ErrorBody)),
    tags((name = "auth", description = "Signing in and out"))
)]
pub struct ApiDoc;

/// This description, as OpenAPI 3 JSON.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json")),
    tag = "meta"
)]
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/me", get(auth::me))
        .route("/openapi.json", get(openapi_json))
        .fallback(|| async { ApiError::NotFound })
        .layer(axum::middleware::from_fn(auth::refuse_cross_site))
}
