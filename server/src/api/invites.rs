//! Invites: a case manager invites a participant or supervisor with a one-time code (and a
//! link carrying it); the person opens it, chooses a user name and password, and is signed in.

use crate::api::records::Caller;
use crate::api_error::{ApiError, ApiJson, ErrorBody};
use crate::auth::{hash_password, signed_in_response, token_hash, SignedIn, UserBody};
use crate::client_address::ClientAddress;
use crate::db::{InviteProblem, NewUser};
use crate::startup::AppState;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Duration, Utc};
use lotsa_core::domain::{DisplayName, Entity, Kind, Password, Record, Role, Username};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use uuid::Uuid;

/// How long an invite can be used.
pub const INVITE_DAYS: i64 = 7;
/// Letters and digits that cannot be mistaken for one another when read aloud or copied
/// from a screen (no 0/O, 1/I/L, 5/S, 2/Z, 8/B).
pub const CODE_ALPHABET: &[u8] = b"ACDEFGHJKMNPQRTUVWXY34679";
/// 10 characters of a 25-letter alphabet: about 10^14 codes, against at most a few
/// guesses a minute (failed attempts count towards the sign-in rate limit).
pub const CODE_LENGTH: usize = 10;

fn new_code() -> String {
    // 250 is a multiple of 25, so rejecting the top few byte values keeps the choice uniform.
    let mut code = String::with_capacity(CODE_LENGTH + 1);
    let mut chosen = 0;
    while chosen < CODE_LENGTH {
        let mut byte = [0u8; 1];
        OsRng.fill_bytes(&mut byte);
        if byte[0] >= 250 {
            continue;
        }
        if chosen == CODE_LENGTH / 2 {
            code.push('-');
        }
        code.push(CODE_ALPHABET[usize::from(byte[0]) % CODE_ALPHABET.len()] as char);
        chosen += 1;
    }
    code
}

/// Codes are typed by people: ignore case, spaces and dashes.
fn normalise_code(raw: &str) -> String {
    let letters: String = raw
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if letters.len() == CODE_LENGTH {
        format!(
            "{}-{}",
            &letters[..CODE_LENGTH / 2],
            &letters[CODE_LENGTH / 2..]
        )
    } else {
        letters
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    /// `participant` or `supervisor`.
    #[schema(schema_with = lotsa_core::openapi::invite_role)]
    pub role: String,
    /// The participant's or supervisor's record id.
    pub id: Uuid,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InviteBody {
    /// Give this to the person: it works once, until `expires_at`.
    pub code: String,
    /// The page where the code is filled in for them.
    pub link: String,
    pub expires_at: DateTime<Utc>,
}

/// Invite a participant or supervisor to sign in.
#[utoipa::path(
    post,
    path = "/api/v1/invites",
    request_body = InviteRequest,
    responses(
        (status = 201, body = InviteBody),
        (status = 400, description = "Not a JSON invite request, or a role other than participant or supervisor", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not your participant, not allowed to invite, or a cross-site request", body = ErrorBody),
        (status = 404, description = "No such person, or not visible to you", body = ErrorBody),
        (status = 409, description = "The person can already sign in", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
    ),
    tag = "invites"
)]
#[tracing::instrument(skip_all)]
pub async fn create_invite(
    State(state): State<AppState>,
    ClientAddress(peer): ClientAddress,
    SignedIn(user): SignedIn,
    ApiJson(request): ApiJson<InviteRequest>,
) -> Result<Response, ApiError> {
    let (role, kind, subject) = match request.role.as_str() {
        "participant" => (
            Role::Participant,
            Kind::Participant,
            Entity::Participant(request.id),
        ),
        "supervisor" => (
            Role::Supervisor,
            Kind::Supervisor,
            Entity::Supervisor(request.id),
        ),
        _ => {
            return Err(ApiError::BadRequest(
                "role: only participants and supervisors are invited".to_owned(),
            ))
        }
    };
    let caller = Caller::load(&state, &user, peer).await?;
    // Someone who may not see the person hears the same as for nobody at all.
    let not_found = || ApiError::Missing("no such person, or you may not see them".to_owned());
    let stored = state
        .db
        .record(kind, request.id)
        .await?
        .filter(|stored| caller.view(stored).is_some())
        .ok_or_else(not_found)?;
    let Some(record) = &stored.record else {
        return Err(not_found());
    };
    let supervisor_links = match subject {
        Entity::Supervisor(_) => state.db.links_of(subject).await?,
        _ => Vec::new(),
    };
    if !caller
        .viewer
        .may_invite(record, stored.programme_id, &supervisor_links, caller.today)
    {
        return Err(ApiError::Forbidden(
            "only the participant's case manager can invite them; a supervisor, only the \
             programme's leader or the case manager of someone placed with them"
                .to_owned(),
        ));
    }
    let already = match record {
        Record::Participant(participant) => participant.user_id.is_some(),
        Record::Supervisor(supervisor) => supervisor.user_id.is_some(),
        _ => false,
    };
    if already {
        return Err(ApiError::Conflict(
            "this person can already sign in".to_owned(),
        ));
    }
    let code = new_code();
    let now = Utc::now();
    let expires_at = now + Duration::days(INVITE_DAYS);
    state
        .db
        .create_invite(
            &token_hash(&code),
            role,
            subject,
            &caller.actor,
            now,
            expires_at,
        )
        .await?;
    let body = InviteBody {
        link: format!("/invite/{code}"),
        code,
        expires_at,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InviteInfo {
    #[schema(schema_with = lotsa_core::openapi::invite_role)]
    pub role: String,
    pub expires_at: DateTime<Utc>,
}

fn problem(problem: InviteProblem) -> ApiError {
    match problem {
        InviteProblem::Unknown => ApiError::Missing(
            "no invite has this code; check it, or ask your case manager for a new one".to_owned(),
        ),
        InviteProblem::Expired => ApiError::Gone(
            "this invite has expired; ask your case manager for a new one".to_owned(),
        ),
        InviteProblem::Used => {
            ApiError::Gone("this invite has been used; sign in with your user name".to_owned())
        }
        InviteProblem::Revoked => ApiError::Gone(
            "this invite is no longer valid: the person already has an account; sign in with it"
                .to_owned(),
        ),
        InviteProblem::UsernameTaken => {
            ApiError::Conflict("that user name is taken; choose another".to_owned())
        }
    }
}

/// Whether a code is valid, and for what.
#[utoipa::path(
    get,
    path = "/api/v1/invites/{code}",
    params(("code" = String, Path)),
    responses(
        (status = 200, body = InviteInfo),
        (status = 404, body = ErrorBody),
        (status = 410, description = "Expired, used, or revoked because the person has an account", body = ErrorBody),
        (status = 429, description = "Too many wrong codes or sign-ins from this address", body = ErrorBody),
    ),
    tag = "invites"
)]
pub async fn check_invite(
    State(state): State<AppState>,
    ClientAddress(peer): ClientAddress,
    Path(code): Path<String>,
) -> Result<Json<InviteInfo>, ApiError> {
    let now = Utc::now();
    let address_key = refuse_guessing(&state, peer, now).await?;
    let Some(invite) = state.db.invite(&token_hash(&normalise_code(&code))).await? else {
        state.db.record_login_failure(&[address_key], now).await?;
        return Err(problem(InviteProblem::Unknown));
    };
    if invite.used {
        return Err(problem(InviteProblem::Used));
    }
    if invite.revoked {
        return Err(problem(InviteProblem::Revoked));
    }
    if invite.expires_at <= now {
        return Err(problem(InviteProblem::Expired));
    }
    Ok(Json(InviteInfo {
        role: invite.role.as_str().to_owned(),
        expires_at: invite.expires_at,
    }))
}

/// Guessing codes counts as failed sign-ins from the address: refuses an address over the
/// limit, and otherwise gives the key its next failure is noted under.
async fn refuse_guessing(
    state: &AppState,
    peer: IpAddr,
    now: DateTime<Utc>,
) -> Result<String, ApiError> {
    let address_key = crate::auth::address_key(peer);
    crate::auth::refuse_when_limited(
        state,
        &[(&address_key, crate::auth::MAX_FAILURES_PER_ADDRESS)],
        now,
    )
    .await?;
    Ok(address_key)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptRequest {
    /// 3–64 characters: letters a–z, digits, `.`, `-` or `_` (stored in lower case).
    #[schema(pattern = r"^\s*[A-Za-z0-9._-]{3,64}\s*$")]
    pub username: String,
    #[schema(min_length = 10, max_length = 256)]
    pub password: String,
    /// The name others see; defaults to the user name.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 100)]
    pub display_name: Option<String>,
}

/// Accept an invite: choose a user name and password, and be signed in.
#[utoipa::path(
    post,
    path = "/api/v1/invites/{code}/accept",
    params(("code" = String, Path)),
    request_body = AcceptRequest,
    responses(
        (status = 200, description = "Signed in; the session cookie is set", body = UserBody,
            headers(("set-cookie" = String, description = "The `lotsa_session` cookie"))),
        (status = 400, description = "Not a JSON request, or an invalid user name, password or name", body = ErrorBody),
        (status = 403, description = "A cross-site request", body = ErrorBody),
        (status = 404, description = "No invite has this code", body = ErrorBody),
        (status = 409, description = "The user name is taken", body = ErrorBody),
        (status = 410, description = "The invite has expired or was used", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 429, description = "Too many wrong codes or sign-ins from this address", body = ErrorBody,
            headers(("retry-after" = u32, description = "Seconds to wait"))),
    ),
    tag = "invites"
)]
#[tracing::instrument(skip_all)]
pub async fn accept_invite(
    State(state): State<AppState>,
    ClientAddress(peer): ClientAddress,
    Path(code): Path<String>,
    ApiJson(request): ApiJson<AcceptRequest>,
) -> Result<Response, ApiError> {
    let username = Username::parse(&request.username)
        .map_err(|error| ApiError::BadRequest(format!("username: {error}")))?;
    let password = Password::parse_new(&request.password)
        .map_err(|error| ApiError::BadRequest(format!("password: {error}")))?;
    let display_name =
        DisplayName::parse(request.display_name.as_deref().unwrap_or(username.as_str()))
            .map_err(|error| ApiError::BadRequest(format!("display_name: {error}")))?;
    let now = Utc::now();
    let address_key = refuse_guessing(&state, peer, now).await?;
    let code_hash = token_hash(&normalise_code(&code));
    let Some(invite) = state.db.invite(&code_hash).await? else {
        state.db.record_login_failure(&[address_key], now).await?;
        return Err(problem(InviteProblem::Unknown));
    };
    let user = NewUser {
        username,
        display_name,
        password_hash: hash_password(&password).await?,
        roles: vec![invite.role],
    };
    let user_id = state
        .db
        .accept_invite(&code_hash, &user, now)
        .await?
        .map_err(problem)?;
    let user =
        state.db.user(&user_id).await?.ok_or_else(|| {
            ApiError::Internal(anyhow::anyhow!("an accepted invite's user vanished"))
        })?;
    signed_in_response(&state, user).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_use_only_unambiguous_characters() {
        for _ in 0..200 {
            let code = new_code();
            assert_eq!(code.len(), CODE_LENGTH + 1);
            assert_eq!(code.as_bytes()[CODE_LENGTH / 2], b'-');
            assert!(code
                .bytes()
                .filter(|b| *b != b'-')
                .all(|b| CODE_ALPHABET.contains(&b)));
            for ambiguous in ['0', 'O', '1', 'I', 'L', '5', 'S', '2', 'Z', '8', 'B'] {
                assert!(!code.contains(ambiguous), "{code}");
            }
        }
    }

    #[test]
    fn typed_codes_are_normalised() {
        assert_eq!(normalise_code(" acdef ghjkm "), "ACDEF-GHJKM");
        assert_eq!(normalise_code("ACDEF-GHJKM"), "ACDEF-GHJKM");
    }
}
