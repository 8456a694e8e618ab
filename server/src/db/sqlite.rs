use super::DbError;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::path::Path;
use std::time::Duration;

pub struct SqliteDatabase {
    pool: SqlitePool,
}

impl SqliteDatabase {
    pub async fn open(path: &Path) -> Result<Self, DbError> {
        // Two servers starting on one file would race to switch it to WAL, and SQLite's
        // migrator does not lock, so both would apply what they find missing. A lock on a file
        // of its own (never the database file, whose POSIX locks SQLite relies on and closing
        // another handle would drop) makes the second wait and then find nothing to do.
        let starting = lock_file(&lock_path(path)).await?;
        own_file(path).map_err(|error| DbError::Connect(sqlx::Error::Io(error)))?;
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            // WAL lets readers work while a sync writes; NORMAL is durable across app crashes.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(DbError::Connect)?;
        let migrated = sqlx::migrate!("./migrations/sqlite").run(&pool).await;
        drop(starting);
        migrated.map_err(DbError::Migrate)?;
        Ok(Self { pool })
    }
}

/// The file whose lock serialises opening and migrating: the database's name with `.migrating`.
fn lock_path(database: &Path) -> std::path::PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".migrating");
    name.into()
}

/// Holds an exclusive advisory lock on `path` (created private if missing) until the returned
/// file is dropped.
async fn lock_file(path: &Path) -> Result<std::fs::File, DbError> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&path)?;
        file.lock()?;
        Ok(file)
    })
    .await
    .map_err(|error| DbError::Connect(sqlx::Error::Io(std::io::Error::other(error))))?
    .map_err(|error| DbError::Connect(sqlx::Error::Io(error)))
}

/// Creates the database file readable and writable by this server's user only (SQLite
/// gives its WAL and shared-memory files the same mode), and narrows an existing one.
fn own_file(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

super::accounts::impl_database!(SqliteDatabase, "sqlite");
impl SqliteDatabase {
    /// Whether a statement may write in its `WITH` part, so that writes that belong
    /// together cost one round trip.
    const WRITING_CTES: bool = false;
    /// The aggregate that joins strings with a separator.
    const GROUP_CONCAT: &'static str = "group_concat";
}

super::records::impl_record_store!(SqliteDatabase, sqlx::SqliteConnection);
