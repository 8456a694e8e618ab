//! What pages post without the app's code. The sign-in page is plain HTML (it loads no wasm,
//! see `app::shell`), so signing in and switching the language there are ordinary form
//! submissions, answered with a redirect.

use crate::api_error::ApiError;
use crate::auth::{self, LoginRequest};
use crate::client_address::ClientAddress;
use crate::startup::AppState;
use app::app::language_code_cookie;
use app::i18n::Locale;
use app::screens::account::SignInProblem;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

/// The sign-in form's fields. Missing ones read as empty, which no account matches.
#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

/// `POST /login`: signs in and goes to the user's start page, or back to the sign-in page
/// saying why not. Signing in ends the session the browser carried, as the API's sign-in does.
#[tracing::instrument(skip_all)]
pub async fn sign_in(
    State(state): State<AppState>,
    ClientAddress(peer): ClientAddress,
    headers: HeaderMap,
    form: Result<Form<SignInForm>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return Redirect::to(&SignInProblem::WrongCredentials.page()).into_response();
    };
    let request = LoginRequest {
        username: form.username,
        password: form.password,
    };
    let signed_in = async {
        let user = auth::authenticate(&state, peer, request).await?;
        auth::end_carried_session(&state, &headers).await?;
        let cookies = auth::start_session(&state, &user).await?;
        // A language chosen on this device (on the sign-in page, say) goes to the account; a
        // device with none speaks the account's.
        let language = match device_language(&headers) {
            Some(chosen) => {
                state.db.set_user_language(&user.id, &chosen).await?;
                None
            }
            None => state
                .db
                .user_language(&user.id)
                .await?
                .map(|language| (header::SET_COOKIE, language_code_cookie(&language))),
        };
        let start = crate::schedule_page::page_start(&state, &user).await?;
        Ok::<_, ApiError>((cookies, language, start))
    };
    match signed_in.await {
        Ok((cookies, language, start)) => (
            cookies,
            axum::response::AppendHeaders(language),
            Redirect::to(start),
        )
            .into_response(),
        Err(ApiError::BadCredentials) => {
            Redirect::to(&SignInProblem::WrongCredentials.page()).into_response()
        }
        Err(ApiError::TooManyAttempts { .. }) => {
            Redirect::to(&SignInProblem::TooManyAttempts.page()).into_response()
        }
        Err(other) => {
            // Kept from the page, which only hears that the server could not sign anyone in
            // just now.
            other.log_if_internal();
            Redirect::to(&SignInProblem::Unreachable.page()).into_response()
        }
    }
}

/// The language this device chose (its language cookie), if it is one Lotsa speaks.
fn device_language(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|cookies| lotsa_core::domain::cookie_value(cookies, app::app::LANGUAGE_COOKIE))
        .filter(|chosen| is_language(chosen))
        .map(str::to_owned)
}

/// One of the app's languages, or the participants' pages' (which include them).
fn is_language(code: &str) -> bool {
    code.parse::<Locale>().is_ok() || code.parse::<lotsa_pages::i18n::Locale>().is_ok()
}

#[derive(Deserialize)]
pub struct LanguageChoice {
    to: String,
    #[serde(default)]
    back: String,
}

/// `GET /language?to=en&back=/login`: keeps the language in its cookie (as the running app
/// does) and, for someone signed in, on their account; then sends the browser back to the
/// page it came from, on this site only.
pub async fn choose_language(
    State(state): State<AppState>,
    headers: HeaderMap,
    choice: Result<Query<LanguageChoice>, QueryRejection>,
) -> Response {
    let Ok(Query(choice)) = choice else {
        return (StatusCode::BAD_REQUEST, "name a language: ?to=sv or ?to=en").into_response();
    };
    let chosen = choice.to.trim();
    if !is_language(chosen) {
        return (
            StatusCode::BAD_REQUEST,
            "unknown language: choose sv, en, ar, so, ti, fa-AF or uk",
        )
            .into_response();
    }
    let locale = chosen;
    // The cookie keeps the choice on this device whatever happens to the account's copy.
    let kept = async {
        if let Some(user) = auth::carried_user(&state, &headers).await? {
            state.db.set_user_language(&user.id, locale).await?;
        }
        Ok::<_, ApiError>(())
    };
    if let Err(error) = kept.await {
        error.log_if_internal();
    }
    let back = if is_local_path(&choice.back) {
        choice.back.as_str()
    } else {
        "/"
    };
    (
        [(header::SET_COOKIE, language_code_cookie(locale))],
        Redirect::to(back),
    )
        .into_response()
}

/// A path on this site, never another site's address (`//host`, `/\host`, `https:`).
fn is_local_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && !path.chars().any(|c| c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_on_this_site_are_gone_back_to() {
        for local in ["/", "/login", "/caseload?p=1", "/invite/abc"] {
            assert!(is_local_path(local), "{local}");
        }
        for foreign in [
            "",
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "login",
            "/log\nin",
        ] {
            assert!(!is_local_path(foreign), "{foreign:?}");
        }
    }
}
