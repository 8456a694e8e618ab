//! The JSON API under `/api/v1`, and its OpenAPI description generated from the handlers.

pub mod access_log;
pub mod attendance;
pub mod calendar;
pub mod invites;
pub mod records;
pub mod sync;

use crate::api_error::{ApiError, ErrorBody};
use crate::auth::{self, LoginRequest, UserBody};
use crate::startup::AppState;
use axum::routing::{get, post};
use axum::{Json, Router};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Lotsa API", description = "The JSON API of Lotsa. Sessions travel in the HttpOnly `lotsa_session` cookie."),
    paths(
        auth::login, auth::logout, auth::me, auth::session, openapi_json, demo_logins,
        records::get_record, records::put_record, records::delete_record,
        records::list_participants, records::participant_records,
        invites::create_invite, invites::check_invite, invites::accept_invite,
        access_log::search,
        sync::sync,
        calendar::create_link, calendar::revoke_own_link, calendar::revoke_participant_link, calendar::feed,
        attendance::monthly, attendance::reopen, attendance::deviations,
    ),
    components(schemas(
        LoginRequest, UserBody, auth::SessionBody, ErrorBody, records::RecordBody, records::WrittenBody,
        calendar::CalendarLink, invites::InviteRequest, invites::InviteBody, invites::InviteInfo, invites::AcceptRequest,
        crate::db::AccessEntry, crate::db::AccessAction,
        lotsa_core::domain::Kind, lotsa_core::domain::Role, lotsa_core::openapi::AnyRecord, lotsa_core::openapi::VisibleRecord,
        lotsa_core::sync::SyncRequest, lotsa_core::sync::SyncResponse, lotsa_core::demo::DemoLogins,
    )),
    tags(
        (name = "auth", description = "Signing in and out"),
        (name = "records", description = "The programme's records, as much as the caller may see"),
        (name = "invites", description = "One-time invites for participants and supervisors"),
        (name = "access log", description = "Who read or changed which participant's data"),
        (name = "calendar", description = "A participant's schedule as a private iCalendar feed"),
        (name = "attendance", description = "Monthly attendance reports, their attestation, and deviations"),
        (name = "sync", description = "Offline devices: mutations up, changes down, in one round trip"),
        (name = "meta", description = "This description, and the demo accounts"),
    )
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

/// The demo accounts the login page lists: empty unless the server runs in demo mode.
#[utoipa::path(
    get,
    path = "/api/v1/demo-logins",
    responses((status = 200, description = "One account per role; empty outside demo mode", body = lotsa_core::demo::DemoLogins)),
    tag = "meta"
)]
pub async fn demo_logins(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> Json<lotsa_core::demo::DemoLogins> {
    Json(state.demo_logins.clone())
}

/// The API's routes; `scheme` is the one the site's pages are served under (for the
/// cross-site check).
pub fn router(scheme: auth::SiteScheme) -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/me", get(auth::me))
        .route("/session", get(auth::session))
        .route(
            "/records/{kind}/{id}",
            get(records::get_record)
                .put(records::put_record)
                .delete(records::delete_record),
        )
        .route("/participants", get(records::list_participants))
        .route(
            "/participants/{id}/records",
            get(records::participant_records),
        )
        .route("/invites", post(invites::create_invite))
        .route("/invites/{code}", get(invites::check_invite))
        .route("/invites/{code}/accept", post(invites::accept_invite))
        .route("/access-log", get(access_log::search))
        .route(
            "/me/calendar",
            post(calendar::create_link).delete(calendar::revoke_own_link),
        )
        .route(
            "/participants/{id}/calendar",
            axum::routing::delete(calendar::revoke_participant_link),
        )
        .route("/calendar/{file}", get(calendar::feed))
        .route(
            "/participants/{id}/attendance/{file}",
            get(attendance::monthly),
        )
        .route(
            "/participants/{id}/attendance/{month}/reopen",
            post(attendance::reopen),
        )
        .route(
            "/participants/{id}/deviations.csv",
            get(attendance::deviations),
        )
        .route("/sync", post(sync::sync))
        .route("/openapi.json", get(openapi_json))
        .route("/demo-logins", get(demo_logins))
        .fallback(|| async { ApiError::NotFound })
        .layer(axum::middleware::from_fn_with_state(
            scheme,
            auth::refuse_cross_site,
        ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lotsa_core::domain::{Kind, Role};
    use serde_json::json;

    #[test]
    fn the_document_enumerates_kinds_and_roles_and_describes_every_kind() {
        let document = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let schemas = &document["components"]["schemas"];
        let kinds: Vec<&str> = Kind::ALL.iter().map(|kind| kind.as_str()).collect();
        assert_eq!(schemas["Kind"]["enum"], json!(kinds));
        let roles: Vec<&str> = Role::ALL.iter().map(|role| role.as_str()).collect();
        assert_eq!(schemas["Role"]["enum"], json!(roles));
        for kind in Kind::ALL {
            let name = lotsa_core::openapi::record_schema_name(*kind);
            // No record allows unknown fields: that keeps the kinds' schemas exclusive, so
            // exactly one branch of `AnyRecord`'s oneOf matches a record.
            assert_eq!(
                schemas[&name]["additionalProperties"],
                json!(false),
                "{kind}: {name}"
            );
        }
        let put = &document["paths"]["/api/v1/records/{kind}/{id}"]["put"];
        assert_eq!(
            put["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/AnyRecord"
        );
    }
}
