//! Signing in and out: password hashing (Argon2id, off the async threads), server-side
//! sessions behind an HttpOnly cookie, rate limits on failed sign-ins, and the CSRF check for
//! state-changing API requests.

use crate::api_error::{ApiError, ApiJson, ErrorBody};
use crate::client_address::ClientAddress;
use crate::db::{NewUser, User};
use crate::startup::AppState;
use anyhow::Context;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{AppendHeaders, IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{Duration, Utc};
use lotsa_core::domain::{DisplayName, Password, Role, Username};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::net::IpAddr;
use std::sync::LazyLock;

pub const SESSION_COOKIE: &str = "lotsa_session";
pub use lotsa_core::domain::SESSION_TAG_COOKIE;
/// Failed sign-ins allowed per account, and per address, within [`FAILURE_WINDOW_MINUTES`].
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
pub const FAILURE_WINDOW_MINUTES: i64 = 15;

/// A hash to verify against when the user does not exist, so that an unknown name takes as
/// long to refuse as a wrong password and the two cannot be told apart.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password_blocking("not the password of anyone").unwrap_or_default());

fn hash_password_blocking(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| anyhow::anyhow!("hashing a password failed: {error}"))
}

/// Hashes with Argon2id (the `argon2` crate's default) on a blocking thread: a hash takes
/// tens of milliseconds of CPU, which would stall every request on an async worker.
pub async fn hash_password(password: &Password) -> anyhow::Result<String> {
    let password = password.expose().to_owned();
    tokio::task::spawn_blocking(move || hash_password_blocking(&password))
        .await
        .context("the password hashing task failed")?
}

async fn verify_password(password: String, hash: Option<String>) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| DUMMY_HASH.clone());
        let parsed = PasswordHash::new(&hash)
            .map_err(|error| anyhow::anyhow!("a stored password hash is malformed: {error}"))?;
        let matches = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(known && matches)
    })
    .await
    .context("the password verification task failed")?
}

/// Creates a user (the command line's `user create`, and later the invite flow).
pub async fn create_user(
    db: &dyn crate::db::Database,
    username: Username,
    display_name: DisplayName,
    password: &Password,
    roles: Vec<Role>,
) -> anyhow::Result<String> {
    let password_hash = hash_password(password).await?;
    let user = NewUser {
        username,
        display_name,
        password_hash,
        roles,
    };
    Ok(db.create_user(&user, Utc::now()).await?)
}

/// A new random secret (a session token, a calendar link), 256 bits, URL-safe.
pub(crate) fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 of a secret (session token, invite code): only this is stored.
pub fn token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|cookies| lotsa_core::domain::cookie_value(cookies, SESSION_COOKIE))
        .map(str::to_owned)
}

/// The signed-in user, for handlers that need one; answers 401 otherwise.
pub struct SignedIn(pub User);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = session_token(&parts.headers).ok_or(ApiError::NotSignedIn)?;
        let user = state
            .db
            .session_user(&token_hash(&token), Utc::now())
            .await?
            .ok_or(ApiError::NotSignedIn)?;
        Ok(Self(user))
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// The signed-in user, as `me` and `login` answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct UserBody {
    #[schema(format = Uuid)]
    pub id: String,
    pub username: String,
    pub display_name: String,
    /// One or more of project_leader, case_manager, employment_officer, supervisor, participant.
    #[schema(value_type = Vec<lotsa_core::domain::Role>)]
    pub roles: Vec<String>,
}

impl From<User> for UserBody {
    fn from(user: User) -> Self {
        Self {
            id: user.id,
            username: user.username,
            display_name: user.display_name,
            roles: user
                .roles
                .iter()
                .map(|role| role.as_str().to_owned())
                .collect(),
        }
    }
}

/// Sign in with a user name and password.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in; the session cookie is set", body = UserBody,
            headers(("set-cookie" = String, description = "The `lotsa_session` cookie"))),
        (status = 400, description = "The body is not a JSON login request", body = ErrorBody),
        (status = 401, description = "Wrong user name or password (the same answer for both)", body = ErrorBody),
        (status = 403, description = "A cross-site request", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 429, description = "Too many failed sign-ins for this account or address", body = ErrorBody,
            headers(("retry-after" = u32, description = "Seconds to wait"))),
    ),
    tag = "auth"
)]
#[tracing::instrument(skip_all)]
pub async fn login(
    State(state): State<AppState>,
    ClientAddress(peer): ClientAddress,
    headers: HeaderMap,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let user = authenticate(&state, peer, request).await?;
    end_carried_session(&state, &headers).await?;
    let cookies = start_session(&state, &user).await?;
    Ok((cookies, Json(UserBody::from(user))).into_response())
}

/// Checks a user name and password, within the rate limits; answers who signed in.
pub(crate) async fn authenticate(
    state: &AppState,
    peer: IpAddr,
    request: LoginRequest,
) -> Result<User, ApiError> {
    let now = Utc::now();
    let window_start = now - Duration::minutes(FAILURE_WINDOW_MINUTES);
    let account_key = format!("user:{}", request.username.trim().to_lowercase());
    let address_key = address_key(peer);
    refuse_when_limited(
        state,
        &[
            (&account_key, MAX_FAILURES_PER_ACCOUNT),
            (&address_key, MAX_FAILURES_PER_ADDRESS),
        ],
        now,
    )
    .await?;

    let credentials = match Username::parse(&request.username) {
        Ok(username) => state.db.credentials(&username).await?,
        Err(_) => None,
    };
    let user_id = credentials.as_ref().map(|found| found.user_id.clone());
    let verified = verify_password(
        request.password,
        credentials.map(|found| found.password_hash),
    )
    .await?;
    let user = match (verified, user_id) {
        (true, Some(id)) => state.db.user(&id).await?,
        _ => None,
    };
    let Some(user) = user else {
        state
            .db
            .record_login_failure(&[account_key, address_key], now)
            .await?;
        tracing::info!("sign-in refused");
        return Err(ApiError::BadCredentials);
    };
    state
        .db
        .forget_login_failures(&account_key, window_start)
        .await?;
    Ok(user)
}

/// Ends the session the request's cookie names, if any: signing in again in a browser
/// replaces the session it had, so a sign-out still waiting on that device cannot be needed
/// for it any more.
pub(crate) async fn end_carried_session(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(), ApiError> {
    if let Some(token) = session_token(headers) {
        state.db.delete_session(&token_hash(&token)).await?;
    }
    Ok(())
}

/// The key failed sign-ins (and wrong invite codes) from `peer` are counted under.
pub(crate) fn address_key(peer: IpAddr) -> String {
    format!("addr:{peer}")
}

/// Refuses with 429 when any of `limits`' keys has had its most failures within the window.
pub(crate) async fn refuse_when_limited(
    state: &AppState,
    limits: &[(&str, i64)],
    now: chrono::DateTime<Utc>,
) -> Result<(), ApiError> {
    let window_start = now - Duration::minutes(FAILURE_WINDOW_MINUTES);
    for (key, max) in limits {
        if state.db.count_login_failures(key, window_start).await? >= *max {
            return Err(ApiError::TooManyAttempts {
                retry_after_minutes: FAILURE_WINDOW_MINUTES,
            });
        }
    }
    Ok(())
}

/// Starts a session for `user` and answers with the user and the session cookies.
pub(crate) async fn signed_in_response(state: &AppState, user: User) -> Result<Response, ApiError> {
    let cookies = start_session(state, &user).await?;
    Ok((cookies, Json(UserBody::from(user))).into_response())
}

/// Starts a session for `user`: the `Set-Cookie` headers that carry it.
pub(crate) async fn start_session(
    state: &AppState,
    user: &User,
) -> Result<SessionCookies, ApiError> {
    let now = Utc::now();
    let token = new_secret();
    let expires_at = now + state.session_ttl;
    state
        .db
        .create_session(&token_hash(&token), &user.id, now, expires_at)
        .await?;
    tracing::info!(user_id = %user.id, "signed in");
    let max_age = state.session_ttl.num_seconds();
    let tag = &new_secret()[..16];
    Ok(AppendHeaders([
        (
            header::SET_COOKIE,
            session_cookie(SESSION_COOKIE, &token, max_age, state.secure_cookies),
        ),
        (
            header::SET_COOKIE,
            session_cookie(SESSION_TAG_COOKIE, tag, max_age, state.secure_cookies),
        ),
    ]))
}

/// Both session cookies, as `Set-Cookie` headers (appended: one would replace the other).
pub(crate) type SessionCookies = AppendHeaders<[(header::HeaderName, HeaderValue); 2]>;

/// The cookies that clear both session cookies.
pub(crate) fn ended_session_cookies(secure: bool) -> SessionCookies {
    AppendHeaders([
        (
            header::SET_COOKIE,
            session_cookie(SESSION_COOKIE, "", 0, secure),
        ),
        (
            header::SET_COOKIE,
            session_cookie(SESSION_TAG_COOKIE, "", 0, secure),
        ),
    ])
}

/// The session cookie is HttpOnly; its tag is not, so that the page can read it.
fn session_cookie(name: &str, value: &str, max_age_seconds: i64, secure: bool) -> HeaderValue {
    // SameSite=Strict: the cookie never rides along on a request another site starts.
    let http_only = if name == SESSION_COOKIE {
        "; HttpOnly"
    } else {
        ""
    };
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/{http_only}; SameSite=Strict; Max-Age={max_age_seconds}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("lotsa_session=; Path=/; Max-Age=0"))
}

/// Sign out: ends the session on the server and clears the cookie.
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    responses(
        (status = 204, description = "Signed out (also when no one was signed in)",
            headers(("set-cookie" = String, description = "Clears the `lotsa_session` cookie"))),
        (status = 403, description = "A cross-site request", body = ErrorBody),
    ),
    tag = "auth"
)]
#[tracing::instrument(skip_all)]
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    end_carried_session(&state, &headers).await?;
    Ok((
        StatusCode::NO_CONTENT,
        ended_session_cookies(state.secure_cookies),
    )
        .into_response())
}

/// The signed-in user and their roles.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    responses(
        (status = 200, description = "The signed-in user", body = UserBody),
        (status = 401, description = "Not signed in, or the session expired", body = ErrorBody),
    ),
    tag = "auth"
)]
pub async fn me(SignedIn(user): SignedIn) -> Json<UserBody> {
    Json(user.into())
}

/// Who is signed in, if anyone: like `me`, but answering 200 either way, for the app's
/// start, where "nobody" is an ordinary answer and not an error.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SessionBody {
    pub user: Option<UserBody>,
}

#[utoipa::path(
    get,
    path = "/api/v1/session",
    responses((status = 200, description = "The signed-in user, or null", body = SessionBody)),
    tag = "auth"
)]
pub async fn session(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<SessionBody>, ApiError> {
    let user = carried_user(&state, &headers).await?;
    Ok(Json(SessionBody {
        user: user.map(UserBody::from),
    }))
}

/// The user whose session the request carries, if any (for pages, where "nobody" leads to
/// the sign-in page rather than to an error).
pub(crate) async fn carried_user(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<User>, ApiError> {
    match session_token(headers) {
        Some(token) => Ok(state
            .db
            .session_user(&token_hash(&token), Utc::now())
            .await?),
        None => Ok(None),
    }
}

/// The scheme pages of this server are served under: `https` when its cookies are marked
/// `Secure` (behind a TLS proxy), `http` otherwise.
#[derive(Debug, Clone, Copy)]
pub struct SiteScheme(pub &'static str);

impl SiteScheme {
    pub fn new(secure_cookies: bool) -> Self {
        Self(if secure_cookies { "https" } else { "http" })
    }
}

/// Refuses state-changing requests that another site started: a browser names the page's
/// origin in `Origin` (and says `Sec-Fetch-Site: cross-site`) on such requests. Together with
/// the SameSite=Strict cookie this is the CSRF protection. The scheme counts too: a page on
/// plain http is another site than the same host over https.
pub async fn refuse_cross_site(
    State(scheme): State<SiteScheme>,
    request: Request,
    next: Next,
) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe && is_cross_site(request.headers(), scheme) {
        return ApiError::CrossSite.into_response();
    }
    next.run(request).await
}

fn is_cross_site(headers: &HeaderMap, SiteScheme(scheme): SiteScheme) -> bool {
    // A browser that says where a request comes from is believed. It must be: under the
    // site's `Referrer-Policy: no-referrer` a form posted by one of its own pages (the
    // sign-in page) carries `Origin: null`.
    if let Some(site) = headers.get("sec-fetch-site") {
        return site.as_bytes() != b"same-origin";
    }
    let Some(origin) = headers
        .get(header::ORIGIN)
        .and_then(|value| value.to_str().ok())
    else {
        return false;
    };
    let Some(host) = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
    else {
        return true;
    };
    origin != format!("{scheme}://{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn the_session_token_is_read_from_among_other_cookies() {
        let map = headers(&[("cookie", "lotsa_language=sv; lotsa_session=abc123; x=y")]);
        assert_eq!(session_token(&map).as_deref(), Some("abc123"));
        assert_eq!(session_token(&headers(&[("cookie", "other=1")])), None);
    }

    #[test]
    fn tokens_are_random_and_only_their_hash_is_kept() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_ne!(token_hash(&a), a);
        assert_eq!(token_hash(&a), token_hash(&a));
    }

    #[test]
    fn cross_site_requests_are_recognised() {
        let https = SiteScheme::new(true);
        assert!(!is_cross_site(
            &headers(&[("host", "lotsa.example")]),
            https
        ));
        assert!(!is_cross_site(
            &headers(&[
                ("host", "lotsa.example"),
                ("origin", "https://lotsa.example")
            ]),
            https
        ));
        assert!(is_cross_site(
            &headers(&[
                ("host", "lotsa.example"),
                ("origin", "https://evil.example")
            ]),
            https
        ));
        assert!(is_cross_site(
            &headers(&[("sec-fetch-site", "cross-site")]),
            https
        ));
        assert!(is_cross_site(
            &headers(&[("sec-fetch-site", "same-site")]),
            https
        ));
        // The site's own form under `Referrer-Policy: no-referrer`.
        assert!(!is_cross_site(
            &headers(&[
                ("host", "lotsa.example"),
                ("origin", "null"),
                ("sec-fetch-site", "same-origin")
            ]),
            https
        ));
        assert!(is_cross_site(
            &headers(&[("host", "lotsa.example"), ("origin", "null")]),
            https
        ));
        // The same host over plain http is another site.
        assert!(is_cross_site(
            &headers(&[
                ("host", "lotsa.example"),
                ("origin", "http://lotsa.example")
            ]),
            https
        ));
        assert!(!is_cross_site(
            &headers(&[
                ("host", "127.0.0.1:3000"),
                ("origin", "http://127.0.0.1:3000")
            ]),
            SiteScheme::new(false)
        ));
        assert!(is_cross_site(
            &headers(&[("origin", "https://lotsa.example")]),
            https
        ));
    }

    #[test]
    fn cookies_are_http_only_strict_and_secure_when_asked() {
        let cookie = session_cookie(SESSION_COOKIE, "t", 60, true);
        let cookie = cookie.to_str().unwrap();
        for part in [
            "HttpOnly",
            "SameSite=Strict",
            "Max-Age=60",
            "Secure",
            "Path=/",
        ] {
            assert!(cookie.contains(part), "{cookie}");
        }
        assert!(!session_cookie(SESSION_COOKIE, "t", 60, false)
            .to_str()
            .unwrap()
            .contains("Secure"));
        let tag = session_cookie(SESSION_TAG_COOKIE, "t", 60, true);
        let tag = tag.to_str().unwrap();
        assert!(!tag.contains("HttpOnly"), "the page reads the tag: {tag}");
        assert!(
            tag.contains("SameSite=Strict") && tag.contains("Secure"),
            "{tag}"
        );
    }
}
