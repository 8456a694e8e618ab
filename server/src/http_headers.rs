//! Headers every response carries: security headers and caching rules.

use app::csp::content_security_policy;
use axum::extract::{Request, State};
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// Hashed files never change under their name, so browsers may keep them for a year.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Everything else is revalidated on each use (cheap, thanks to ETags and Last-Modified),
/// so a new build is picked up at once: pages, the service worker, manifest and icons.
pub const REVALIDATE: &str = "no-cache";
/// API answers carry personal data: no cache (the browser's, a proxy's) may keep them.
pub const NEVER_STORE: &str = "no-store";

/// Whether the files under `/pkg/` carry content hashes in their names.
#[derive(Clone, Copy)]
pub struct HashedAssets(pub bool);

/// Adds the security headers to every response that does not set them itself (pages set a
/// Content-Security-Policy with their own nonce).
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        if let Ok(policy) = HeaderValue::from_str(&content_security_policy(None)) {
            headers.insert(header::CONTENT_SECURITY_POLICY, policy);
        }
    }
    let fixed: [(HeaderName, &str); 6] = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), payment=()",
        ),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        (
            HeaderName::from_static("cross-origin-resource-policy"),
            "same-origin",
        ),
    ];
    for (name, value) in fixed {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    response
}

/// Sets `Cache-Control`: immutable for hashed build files, never stored for the API,
/// revalidate for the rest.
pub async fn cache_headers(
    State(HashedAssets(hashed)): State<HashedAssets>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let long_lived = hashed && path.starts_with("/pkg/");
    let api = path.starts_with("/api/");
    let mut response = next.run(request).await;
    let policy = if api {
        NEVER_STORE
    } else if long_lived && response.status().is_success() {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    response
        .headers_mut()
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static(policy));
    response
}
