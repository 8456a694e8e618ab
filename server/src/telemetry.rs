//! Structured logs with `tracing`. Set `RUST_LOG` to change what is logged and
//! `LOTSA_LOG_FORMAT=json` for one JSON object per line.
//!
//! Request logs name the method, the path and the status, never query strings or bodies:
//! they may carry personal data.

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

/// What is logged unless `RUST_LOG` says otherwise.
pub const DEFAULT_FILTER: &str = "info,sqlx=warn,tower_http=info";

pub fn init() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let json = std::env::var("LOTSA_LOG_FORMAT").is_ok_and(|format| format == "json");
    let registry = tracing_subscriber::registry().with(filter);
    // Logs go to standard error; standard output is for what the user asked for.
    let result = if json {
        registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_writer(std::io::stderr),
            )
            .try_init()
    } else {
        registry
            .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
            .try_init()
    };
    // A second initialisation (as in tests that start several servers) keeps the first.
    drop(result);
}

/// The path as it may be logged: an invite's code works like a password until it is used,
/// and a calendar link's secret opens a participant's schedule, so the segment after
/// `/invite/` or `/api/v1/invites/` is replaced by `{code}`, and after `/api/v1/calendar/`
/// by `{secret}`.
pub fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    for (prefix, placeholder) in [
        ("/api/v1/invites/", "{code}"),
        ("/invite/", "{code}"),
        ("/api/v1/calendar/", "{secret}"),
    ] {
        if let Some(rest) = path.strip_prefix(prefix) {
            if rest.is_empty() {
                break;
            }
            let tail = rest.find('/').map_or("", |slash| &rest[slash..]);
            return format!("{prefix}{placeholder}{tail}").into();
        }
    }
    path.into()
}

#[cfg(test)]
mod tests {
    use super::loggable_path;

    #[test]
    fn invite_codes_and_calendar_secrets_never_reach_the_log() {
        assert_eq!(
            loggable_path("/api/v1/invites/ACDEF-GHJKM/accept"),
            "/api/v1/invites/{code}/accept"
        );
        assert_eq!(
            loggable_path("/api/v1/invites/ACDEF-GHJKM"),
            "/api/v1/invites/{code}"
        );
        assert_eq!(loggable_path("/invite/ACDEF-GHJKM"), "/invite/{code}");
        assert_eq!(loggable_path("/api/v1/invites"), "/api/v1/invites");
        assert_eq!(loggable_path("/caseload"), "/caseload");
        assert_eq!(
            loggable_path("/api/v1/calendar/kQ3x-secret_value.ics"),
            "/api/v1/calendar/{secret}"
        );
    }
}
