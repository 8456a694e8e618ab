//! The database behind one trait, with SQLite and PostgreSQL implementations and migrations
//! per backend (`migrations/sqlite`, `migrations/postgres`), applied at start.

pub mod accounts;
mod postgres;
pub mod records;
mod sqlite;

use crate::config::DatabaseSettings;
use std::sync::Arc;

pub use accounts::{Credentials, NewUser, Timestamp, User};
pub use postgres::PostgresDatabase;
pub use records::{
    AccessAction, AccessEntry, AccessQuery, Actor, Committed, Invite, InviteProblem, Leased,
    MutationRef, Narrow, RecordStore, StoredRecord, SyncClient, WriteOutcome,
};
pub use sqlite::SqliteDatabase;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot open the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("cannot bring the database schema up to date: {0}")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    #[error("database query failed: {0}")]
    Query(#[from] sqlx::Error),
    #[error("that user name is taken")]
    UsernameTaken,
    #[error("stored data cannot be read: {0}")]
    Corrupt(String),
    /// A sync request outlived its lease on the device and another request took it over:
    /// what this one planned for the device must not be saved.
    #[error("the device's sync lease was taken over by a newer request")]
    LeaseLost,
}

/// What `/health` reports about the database.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DbStatus {
    /// The newest migration applied.
    pub schema_version: i64,
}

/// The newest migration sqlx has applied; the same SQL on both backends.
pub(crate) const SCHEMA_VERSION_QUERY: &str =
    "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success";

/// The operations the server needs from its database, whichever backend holds it.
#[async_trait::async_trait]
pub trait Database: RecordStore + Send + Sync + 'static {
    /// `"sqlite"` or `"postgres"`.
    fn backend(&self) -> &'static str;

    /// Proves the database answers, and says which schema it has.
    async fn status(&self) -> Result<DbStatus, DbError>;

    /// Closes every connection, waiting for queries in flight.
    async fn close(&self);

    /// Creates a user with its roles; fails with [`DbError::UsernameTaken`] if the name is used.
    async fn create_user(&self, user: &NewUser, now: Timestamp) -> Result<String, DbError>;

    /// The stored password hash for a user name, if the user exists.
    async fn credentials(
        &self,
        username: &lotsa_core::domain::Username,
    ) -> Result<Option<Credentials>, DbError>;

    async fn user(&self, id: &str) -> Result<Option<User>, DbError>;

    /// Stores a session by the hash of its token.
    async fn create_session(
        &self,
        token_hash: &str,
        user_id: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), DbError>;

    /// The user a session token hash belongs to, if the session exists and has not expired.
    async fn session_user(&self, token_hash: &str, now: Timestamp)
        -> Result<Option<User>, DbError>;

    async fn delete_session(&self, token_hash: &str) -> Result<(), DbError>;

    /// Notes one failed sign-in under each key (the account, the address).
    async fn record_login_failure(&self, keys: &[String], now: Timestamp) -> Result<(), DbError>;

    async fn count_login_failures(&self, key: &str, since: Timestamp) -> Result<i64, DbError>;

    /// Forgets the failures under `key` (after a successful sign-in) and every failure
    /// older than `before`.
    async fn forget_login_failures(&self, key: &str, before: Timestamp) -> Result<(), DbError>;

    /// Makes `token_hash` the user's calendar link to `participant_id`'s schedule,
    /// revoking the one they had.
    async fn replace_calendar_feed(
        &self,
        user_id: &str,
        participant_id: uuid::Uuid,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<(), DbError>;

    /// The account and the participant a calendar link is for, if the link exists.
    async fn calendar_feed(&self, token_hash: &str) -> Result<Option<CalendarFeed>, DbError>;

    /// Revokes the user's calendar link; whether they had one.
    async fn revoke_calendar_feed(&self, user_id: &str) -> Result<bool, DbError>;

    /// Revokes every calendar link to a participant's schedule; whether there was one.
    async fn revoke_participant_calendar_feeds(
        &self,
        participant_id: uuid::Uuid,
    ) -> Result<bool, DbError>;

    /// Keeps the language the user chose on their account.
    async fn set_user_language(&self, user_id: &str, language: &str) -> Result<(), DbError>;

    /// The language the user chose, if they did.
    async fn user_language(&self, user_id: &str) -> Result<Option<String>, DbError>;

    /// Notes that the participant was shown their schedule up to record version `version`,
    /// and answers the version noted before (none on the first visit).
    async fn see_schedule(&self, user_id: &str, version: i64) -> Result<Option<i64>, DbError>;

    /// Stores a participant's attestation of a month's report, unless the month is attested
    /// and not reopened; whether it was stored.
    async fn attest_month(&self, attestation: &Attestation) -> Result<bool, DbError>;

    /// The month's attestation in force (not reopened), if there is one.
    async fn month_attestation(
        &self,
        participant_id: uuid::Uuid,
        month: &str,
    ) -> Result<Option<Attestation>, DbError>;

    /// Reopens the month's attestation in force, keeping it as it was attested; whether
    /// there was one.
    async fn reopen_month(
        &self,
        participant_id: uuid::Uuid,
        month: &str,
        by: &str,
        now: Timestamp,
    ) -> Result<bool, DbError>;
}

/// A participant's attestation of a month's attendance report.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Attestation {
    pub participant_id: String,
    /// `YYYY-MM`.
    pub month: String,
    pub attested_at: Timestamp,
    /// The user who attested (the participant's account).
    pub attested_by: String,
    /// SHA-256 of `report`, in hex.
    pub digest: String,
    /// The report's canonical text (its CSV) as attested.
    pub report: String,
}

/// Whose schedule a calendar link opens, and for which account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarFeed {
    pub user_id: String,
    pub participant_id: uuid::Uuid,
}

/// Opens the configured database and applies its pending migrations.
#[tracing::instrument(skip_all, fields(backend = settings.backend_name()))]
pub async fn connect(settings: &DatabaseSettings) -> Result<Arc<dyn Database>, DbError> {
    let db: Arc<dyn Database> = match settings {
        DatabaseSettings::Sqlite { path } => Arc::new(SqliteDatabase::open(path).await?),
        DatabaseSettings::Postgres { url } => Arc::new(PostgresDatabase::open(url).await?),
    };
    tracing::info!("database ready");
    Ok(db)
}
