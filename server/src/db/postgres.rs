use super::DbError;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};
use std::str::FromStr;
use std::time::Duration;

pub struct PostgresDatabase {
    pool: PgPool,
}

impl PostgresDatabase {
    pub async fn open(url: &str) -> Result<Self, DbError> {
        let options = PgConnectOptions::from_str(url).map_err(DbError::Connect)?;
        // One direct connection first: when the server cannot be reached, this says why,
        // where the pool would only report that it timed out.
        PgConnection::connect_with(&options)
            .await
            .map_err(DbError::Connect)?
            .close()
            .await
            .map_err(DbError::Connect)?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .map_err(DbError::Connect)?;
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .map_err(DbError::Migrate)?;
        Ok(Self { pool })
    }
}

super::accounts::impl_database!(PostgresDatabase, "postgres");
impl PostgresDatabase {
    /// Whether a statement may write in its `WITH` part, so that writes that belong
    /// together cost one round trip.
    const WRITING_CTES: bool = true;
    /// The aggregate that joins strings with a separator.
    const GROUP_CONCAT: &'static str = "string_agg";
}

super::records::impl_record_store!(PostgresDatabase, sqlx::PgConnection);
