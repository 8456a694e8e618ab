use super::{Database, DbError, DbStatus, SCHEMA_VERSION_QUERY};
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

#[async_trait::async_trait]
impl Database for PostgresDatabase {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn status(&self) -> Result<DbStatus, DbError> {
        let schema_version: i64 = sqlx::query_scalar(SCHEMA_VERSION_QUERY)
            .fetch_one(&self.pool)
            .await?;
        Ok(DbStatus { schema_version })
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
