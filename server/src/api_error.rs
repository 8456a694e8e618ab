//! Errors of the JSON API: a status and a message the client can show. Internal failures
//! are logged here and reach the client only as an opaque 500.

use axum::extract::rejection::JsonRejection;
use axum::extract::FromRequest;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("wrong user name or password")]
    BadCredentials,
    #[error("not signed in")]
    NotSignedIn,
    #[error("cross-site request refused")]
    CrossSite,
    #[error("no such API endpoint; see /api/v1/openapi.json")]
    NotFound,
    #[error("{0}")]
    Missing(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Gone(String),
    #[error("{0}")]
    Conflict(String),
    #[error("the request is too large; send less at a time")]
    TooLarge,
    /// The app is older than the server supports.
    #[error("{0}")]
    UpgradeRequired(String),
    /// A change the rules refused, with the code the app translates.
    #[error("{0}")]
    Refused(lotsa_core::change::Rejection),
    /// Nothing is wrong with the request, but it cannot be answered now; the client retries.
    #[error("{0}")]
    Unavailable(String),
    #[error("too many failed sign-ins; wait {retry_after_minutes} minutes and try again")]
    TooManyAttempts { retry_after_minutes: i64 },
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

/// The body of every error response.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong, in words a user can act on.
    pub error: String,
    /// Why a record or change was refused, as a code (only on such refusals).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<lotsa_core::domain::Refusal>,
}

impl From<crate::db::DbError> for ApiError {
    fn from(error: crate::db::DbError) -> Self {
        Self::Internal(error.into())
    }
}

impl ApiError {
    /// Logs an internal failure, which the client only hears of as opaque.
    pub fn log_if_internal(&self) {
        if let Self::Internal(error) = self {
            tracing::error!(error = format!("{error:#}"), "request failed");
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match &self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::BadCredentials | Self::NotSignedIn => StatusCode::UNAUTHORIZED,
            Self::CrossSite => StatusCode::FORBIDDEN,
            Self::NotFound | Self::Missing(_) => StatusCode::NOT_FOUND,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::Refused(rejection) => match rejection {
                lotsa_core::change::Rejection::NotPermitted => StatusCode::FORBIDDEN,
                lotsa_core::change::Rejection::Missing(_) => StatusCode::NOT_FOUND,
                lotsa_core::change::Rejection::Invalid(_)
                | lotsa_core::change::Rejection::UnknownName(_) => StatusCode::BAD_REQUEST,
            },
            Self::Gone(_) => StatusCode::GONE,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UpgradeRequired(_) => StatusCode::UPGRADE_REQUIRED,
            Self::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => {
                self.log_if_internal();
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let mut response = (
            status,
            Json(ErrorBody {
                error: self.to_string(),
                code: match &self {
                    Self::Refused(rejection) => Some(rejection.refusal()),
                    _ => None,
                },
            }),
        )
            .into_response();
        if let Self::TooManyAttempts {
            retry_after_minutes,
        } = self
        {
            if let Ok(value) = HeaderValue::from_str(&(retry_after_minutes * 60).to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

/// `Json<T>`, but a body that is not valid JSON of the right shape is a 400 whose message
/// says what is wrong, in the API's error format (a body over the size limit, a 413).
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::TooLarge)
            }
            Err(rejection) => Err(ApiError::BadRequest(rejection.body_text())),
        }
    }
}
