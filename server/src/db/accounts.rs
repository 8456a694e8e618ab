//! Accounts, sessions and failed sign-ins: one set of SQL for both backends (sqlx accepts
//! `$n` placeholders on SQLite too), implemented for each pool type by a macro.

use chrono::{DateTime, Utc};
use lotsa_core::domain::{DisplayName, Role, Username};
use serde::Serialize;

/// A user as the rest of the server sees it (no password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
}

pub struct NewUser {
    pub username: Username,
    pub display_name: DisplayName,
    pub password_hash: String,
    pub roles: Vec<Role>,
}

/// What sign-in checks a password against.
pub struct Credentials {
    pub user_id: String,
    pub password_hash: String,
}

/// Roles are stored by name; a name this build does not know is skipped rather than fatal,
/// so an older server keeps working with data a newer one wrote.
pub(super) fn parse_roles(names: Vec<String>) -> Vec<Role> {
    let mut roles: Vec<Role> = names.iter().filter_map(|name| name.parse().ok()).collect();
    roles.sort();
    roles
}

pub(super) fn new_user_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub(super) fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// Implements [`super::Database`] for a backend struct with a `pool` field: the SQL is the
/// same on both backends, so it is written once.
macro_rules! impl_database {
    ($backend:ty, $name:literal) => {
        #[async_trait::async_trait]
        impl $crate::db::Database for $backend {
            fn backend(&self) -> &'static str {
                $name
            }

            async fn status(&self) -> Result<$crate::db::DbStatus, $crate::db::DbError> {
                let schema_version: i64 = sqlx::query_scalar($crate::db::SCHEMA_VERSION_QUERY)
                    .fetch_one(&self.pool)
                    .await?;
                Ok($crate::db::DbStatus { schema_version })
            }

            async fn close(&self) {
                self.pool.close().await;
            }

            async fn create_user(
                &self,
                user: &$crate::db::NewUser,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<String, $crate::db::DbError> {
                let id = $crate::db::accounts::new_user_id();
                let mut tx = self.pool.begin().await?;
                Self::create_user_in(&mut tx, &id, user, now).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn credentials(
                &self,
                username: &lotsa_core::domain::Username,
            ) -> Result<Option<$crate::db::Credentials>, $crate::db::DbError> {
                let row: Option<(String, String)> =
                    sqlx::query_as("SELECT id, password_hash FROM users WHERE username = $1")
                        .bind(username.as_str())
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row.map(|(user_id, password_hash)| $crate::db::Credentials {
                    user_id,
                    password_hash,
                }))
            }

            async fn user(
                &self,
                id: &str,
            ) -> Result<Option<$crate::db::User>, $crate::db::DbError> {
                let row: Option<(String, String, String)> =
                    sqlx::query_as("SELECT id, username, display_name FROM users WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?;
                let Some((id, username, display_name)) = row else {
                    return Ok(None);
                };
                let roles: Vec<String> =
                    sqlx::query_scalar("SELECT role FROM user_roles WHERE user_id = $1")
                        .bind(&id)
                        .fetch_all(&self.pool)
                        .await?;
                Ok(Some($crate::db::User {
                    id,
                    username,
                    display_name,
                    roles: $crate::db::accounts::parse_roles(roles),
                }))
            }

            async fn create_session(
                &self,
                token_hash: &str,
                user_id: &str,
                now: chrono::DateTime<chrono::Utc>,
                expires_at: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::db::DbError> {
                sqlx::query(
                    "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4)",
                )
                .bind(token_hash)
                .bind(user_id)
                .bind(now)
                .bind(expires_at)
                .execute(&self.pool)
                .await?;
                // Expired sessions are of no use to anyone; drop them while we are here.
                sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn session_user(
                &self,
                token_hash: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<Option<$crate::db::User>, $crate::db::DbError> {
                // One query: every API request asks this first.
                let rows: Vec<(String, String, String, Option<String>)> = sqlx::query_as(
                    "SELECT u.id, u.username, u.display_name, r.role FROM sessions s \
                     JOIN users u ON u.id = s.user_id \
                     LEFT JOIN user_roles r ON r.user_id = u.id \
                     WHERE s.token_hash = $1 AND s.expires_at > $2",
                )
                .bind(token_hash)
                .bind(now)
                .fetch_all(&self.pool)
                .await?;
                let Some((id, username, display_name, _)) = rows.first().cloned() else {
                    return Ok(None);
                };
                let roles = rows
                    .into_iter()
                    .filter_map(|(_, _, _, role)| role)
                    .collect();
                Ok(Some($crate::db::User {
                    id,
                    username,
                    display_name,
                    roles: $crate::db::accounts::parse_roles(roles),
                }))
            }

            async fn delete_session(&self, token_hash: &str) -> Result<(), $crate::db::DbError> {
                sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                    .bind(token_hash)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn record_login_failure(
                &self,
                keys: &[String],
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::db::DbError> {
                let mut tx = self.pool.begin().await?;
                for key in keys {
                    sqlx::query("INSERT INTO login_failures (key, failed_at) VALUES ($1, $2)")
                        .bind(key)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn count_login_failures(
                &self,
                key: &str,
                since: chrono::DateTime<chrono::Utc>,
            ) -> Result<i64, $crate::db::DbError> {
                let count: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM login_failures WHERE key = $1 AND failed_at > $2",
                )
                .bind(key)
                .bind(since)
                .fetch_one(&self.pool)
                .await?;
                Ok(count)
            }

            async fn forget_login_failures(
                &self,
                key: &str,
                before: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::db::DbError> {
                sqlx::query("DELETE FROM login_failures WHERE key = $1 OR failed_at <= $2")
                    .bind(key)
                    .bind(before)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn replace_calendar_feed(
                &self,
                user_id: &str,
                participant_id: uuid::Uuid,
                token_hash: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::db::DbError> {
                sqlx::query(
                    "INSERT INTO calendar_feeds (user_id, participant_id, token_hash, created_at) \
                     VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (user_id) DO UPDATE SET participant_id = excluded.participant_id, \
                     token_hash = excluded.token_hash, created_at = excluded.created_at",
                )
                .bind(user_id)
                .bind(participant_id.to_string())
                .bind(token_hash)
                .bind(now)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn calendar_feed(
                &self,
                token_hash: &str,
            ) -> Result<Option<$crate::db::CalendarFeed>, $crate::db::DbError> {
                let row: Option<(String, String)> = sqlx::query_as(
                    "SELECT user_id, participant_id FROM calendar_feeds WHERE token_hash = $1",
                )
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|(user_id, participant)| {
                    let participant_id = participant.parse().map_err(|_| {
                        $crate::db::DbError::Corrupt("a calendar link's participant id".to_owned())
                    })?;
                    Ok($crate::db::CalendarFeed {
                        user_id,
                        participant_id,
                    })
                })
                .transpose()
            }

            async fn revoke_calendar_feed(
                &self,
                user_id: &str,
            ) -> Result<bool, $crate::db::DbError> {
                let done = sqlx::query("DELETE FROM calendar_feeds WHERE user_id = $1")
                    .bind(user_id)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn revoke_participant_calendar_feeds(
                &self,
                participant_id: uuid::Uuid,
            ) -> Result<bool, $crate::db::DbError> {
                let done = sqlx::query("DELETE FROM calendar_feeds WHERE participant_id = $1")
                    .bind(participant_id.to_string())
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn set_user_language(
                &self,
                user_id: &str,
                language: &str,
            ) -> Result<(), $crate::db::DbError> {
                sqlx::query("UPDATE users SET language = $2 WHERE id = $1")
                    .bind(user_id)
                    .bind(language)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn user_language(
                &self,
                user_id: &str,
            ) -> Result<Option<String>, $crate::db::DbError> {
                let language: Option<Option<String>> =
                    sqlx::query_scalar("SELECT language FROM users WHERE id = $1")
                        .bind(user_id)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(language.flatten())
            }

            async fn see_schedule(
                &self,
                user_id: &str,
                version: i64,
            ) -> Result<Option<i64>, $crate::db::DbError> {
                let before: Option<Option<i64>> =
                    sqlx::query_scalar("SELECT schedule_seen_version FROM users WHERE id = $1")
                        .bind(user_id)
                        .fetch_optional(&self.pool)
                        .await?;
                // Never back: a slower request that saw less leaves a newer visit's mark.
                sqlx::query(
                    "UPDATE users SET schedule_seen_version = $2 WHERE id = $1 \
                     AND (schedule_seen_version IS NULL OR schedule_seen_version < $2)",
                )
                .bind(user_id)
                .bind(version)
                .execute(&self.pool)
                .await?;
                Ok(before.flatten())
            }

            async fn attest_month(
                &self,
                attestation: &$crate::db::Attestation,
            ) -> Result<bool, $crate::db::DbError> {
                let done = sqlx::query(
                    "INSERT INTO attendance_attestations (participant_id, month, attested_at, \
                     attested_by, digest, report) SELECT $1, $2, $3, $4, $5, $6 \
                     WHERE NOT EXISTS (SELECT 1 FROM attendance_attestations \
                     WHERE participant_id = $1 AND month = $2 AND reopened_at IS NULL)",
                )
                .bind(&attestation.participant_id)
                .bind(&attestation.month)
                .bind(attestation.attested_at)
                .bind(&attestation.attested_by)
                .bind(&attestation.digest)
                .bind(&attestation.report)
                .execute(&self.pool)
                .await;
                match done {
                    Ok(done) => Ok(done.rows_affected() == 1),
                    // Another request attested the month first.
                    Err(error) if $crate::db::accounts::is_unique_violation(&error) => Ok(false),
                    Err(error) => Err(error.into()),
                }
            }

            async fn month_attestation(
                &self,
                participant_id: uuid::Uuid,
                month: &str,
            ) -> Result<Option<$crate::db::Attestation>, $crate::db::DbError> {
                Ok(sqlx::query_as(
                    "SELECT participant_id, month, attested_at, attested_by, digest, report \
                     FROM attendance_attestations \
                     WHERE participant_id = $1 AND month = $2 AND reopened_at IS NULL",
                )
                .bind(participant_id.to_string())
                .bind(month)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn reopen_month(
                &self,
                participant_id: uuid::Uuid,
                month: &str,
                by: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<bool, $crate::db::DbError> {
                let done = sqlx::query(
                    "UPDATE attendance_attestations SET reopened_at = $3, reopened_by = $4 \
                     WHERE participant_id = $1 AND month = $2 AND reopened_at IS NULL",
                )
                .bind(participant_id.to_string())
                .bind(month)
                .bind(now)
                .bind(by)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() > 0)
            }
        }
    };
}

pub(crate) use impl_database;

/// Kept here so the trait's signatures and the macro's agree on one import path.
pub type Timestamp = DateTime<Utc>;
