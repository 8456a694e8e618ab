//! The database behind one trait, with SQLite and PostgreSQL implementations and migrations
//! per backend (`migrations/sqlite`, `migrations/postgres`), applied at start.

mod postgres;
mod sqlite;

use crate::config::DatabaseSettings;
use std::sync::Arc;

pub use postgres::PostgresDatabase;
pub use sqlite::SqliteDatabase;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot open the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("cannot bring the database schema up to date: {0}")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    #[error("database query failed: {0}")]
    Query(#[from] sqlx::Error),
}

/// What `/health` reports about the database.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DbStatus {
    /// The newest migration applied.
    pub schema_version: i64,
}

/// The newest migration sqlx has applied; the same SQL on both backends.
const SCHEMA_VERSION_QUERY: &str =
    "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success";

/// The operations the server needs from its database, whichever backend holds it.
#[async_trait::async_trait]
pub trait Database: Send + Sync + 'static {
    /// `"sqlite"` or `"postgres"`.
    fn backend(&self) -> &'static str;

    /// Proves the database answers, and says which schema it has.
    async fn status(&self) -> Result<DbStatus, DbError>;

    /// Closes every connection, waiting for queries in flight.
    async fn close(&self);
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
