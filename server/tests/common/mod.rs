//! Starts the real server on a free port against a fresh database, for one test.
//!
//! The backend is chosen by `LOTSA_TEST_DATABASE` (`sqlite`, the default, or `postgres`); for
//! PostgreSQL, `TEST_DATABASE_URL` names a server where each test creates its own database.

#![allow(dead_code)] // Each test file uses a different part of this harness.

pub mod programme;

use lotsa_core::domain::{DisplayName, Password, Role, Username};
use server::config::Settings;
use server::startup::Application;
use std::path::{Path, PathBuf};
use tokio::sync::oneshot;

/// A fresh database for one test: a data directory (SQLite) and, for PostgreSQL, its URL.
pub struct TestDb {
    pub data: tempfile::TempDir,
    pub url: Option<String>,
}

impl TestDb {
    pub async fn new() -> Self {
        let data = tempfile::tempdir().expect("temporary data directory");
        let url = match backend() {
            "postgres" => Some(fresh_postgres_database().await),
            _ => None,
        };
        Self { data, url }
    }
}

/// A connection of the test's own to the database, beside the app's pool.
enum Direct {
    Postgres(sqlx::PgConnection),
    Sqlite(sqlx::SqliteConnection),
}

impl TestDb {
    async fn direct(&self) -> Direct {
        use sqlx::Connection;
        match &self.url {
            Some(url) => Direct::Postgres(sqlx::PgConnection::connect(url).await.unwrap()),
            None => {
                let file = self.data.path().join(server::config::SQLITE_FILE_NAME);
                let url = format!("sqlite://{}", file.display());
                Direct::Sqlite(sqlx::SqliteConnection::connect(&url).await.unwrap())
            }
        }
    }

    /// Runs one statement straight on the database, past the app's checks (to set up what
    /// the app itself would refuse to write, or to see what the database itself refuses);
    /// how many rows it changed.
    pub async fn try_execute_sql(&self, sql: &str, binds: &[&str]) -> Result<u64, sqlx::Error> {
        match self.direct().await {
            Direct::Postgres(mut conn) => {
                let query = binds.iter().fold(sqlx::query(sql), |q, bind| q.bind(*bind));
                query
                    .execute(&mut conn)
                    .await
                    .map(|done| done.rows_affected())
            }
            Direct::Sqlite(mut conn) => {
                let query = binds.iter().fold(sqlx::query(sql), |q, bind| q.bind(*bind));
                query
                    .execute(&mut conn)
                    .await
                    .map(|done| done.rows_affected())
            }
        }
    }

    /// [`TestDb::try_execute_sql`] for a statement that must succeed.
    pub async fn execute_sql(&self, sql: &str, binds: &[&str]) -> u64 {
        self.try_execute_sql(sql, binds).await.unwrap()
    }

    /// Runs `statements` in one transaction straight on the database, as another server
    /// process would, and commits it only once `then` has run for a while: whatever `then`
    /// does meanwhile meets that transaction in flight.
    pub async fn in_open_transaction<T>(
        &self,
        statements: &[(&str, &[&str])],
        then: impl std::future::Future<Output = T>,
    ) -> T {
        use sqlx::Connection;
        let hold = std::time::Duration::from_millis(300);
        let then = std::pin::pin!(then);
        match self.direct().await {
            Direct::Postgres(mut conn) => {
                let mut tx = conn.begin().await.unwrap();
                for (sql, binds) in statements {
                    let query = binds.iter().fold(sqlx::query(sql), |q, bind| q.bind(*bind));
                    query.execute(&mut *tx).await.unwrap();
                }
                finish_after(then, hold, async { tx.commit().await.unwrap() }).await
            }
            Direct::Sqlite(mut conn) => {
                let mut tx = conn.begin().await.unwrap();
                for (sql, binds) in statements {
                    let query = binds.iter().fold(sqlx::query(sql), |q, bind| q.bind(*bind));
                    query.execute(&mut *tx).await.unwrap();
                }
                finish_after(then, hold, async { tx.commit().await.unwrap() }).await
            }
        }
    }

    /// The number a `SELECT COUNT(*) ...` answers.
    pub async fn count(&self, sql: &str) -> i64 {
        match self.direct().await {
            Direct::Postgres(mut conn) => sqlx::query_scalar(sql).fetch_one(&mut conn).await,
            Direct::Sqlite(mut conn) => sqlx::query_scalar(sql).fetch_one(&mut conn).await,
        }
        .unwrap()
    }
}

/// Polls `then` for `hold`, runs `commit`, then waits for `then` to finish.
async fn finish_after<T>(
    mut then: std::pin::Pin<&mut impl std::future::Future<Output = T>>,
    hold: std::time::Duration,
    commit: impl std::future::Future<Output = ()>,
) -> T {
    if let Ok(done) = tokio::time::timeout(hold, then.as_mut()).await {
        return done;
    }
    commit.await;
    then.await
}

pub struct TestApp {
    pub address: String,
    pub db: std::sync::Arc<dyn server::db::Database>,
    pub client: reqwest::Client,
    pub backend: &'static str,
    pub site: tempfile::TempDir,
    pub database: TestDb,
    stop: Option<oneshot::Sender<()>>,
    stopped: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

pub fn backend() -> &'static str {
    match std::env::var("LOTSA_TEST_DATABASE").as_deref() {
        Ok("postgres") => "postgres",
        _ => "sqlite",
    }
}

/// A small stand-in for the built site: the files cargo-leptos would write.
pub fn fake_site() -> tempfile::TempDir {
    let site = tempfile::tempdir().expect("temporary site directory");
    let write = |path: &str, contents: &[u8]| {
        let path = site.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    };
    write("pkg/lotsa.h4sh.wasm", &b"\0asm\x01\0\0\0".repeat(4096));
    write(
        "pkg/lotsa.h4sh.js",
        "export default function init() {}\n".repeat(300).as_bytes(),
    );
    write(
        "pkg/lotsa.h4sh.css",
        "body { margin: 0 }\n".repeat(300).as_bytes(),
    );
    // cargo-leptos writes this beside the binary; tests point the server at it.
    write("hash.txt", b"js: h4sh\nwasm: h4sh\ncss: h4sh\n");
    write("manifest.webmanifest", br#"{"name":"Lotsa"}"#);
    write("icons/icon-192.png", &[137, 80, 78, 71, 13, 10, 26, 10]);
    site
}

/// A database URL for a fresh, empty PostgreSQL database.
pub async fn fresh_postgres_database() -> String {
    use sqlx::Connection;
    let admin_url = std::env::var("TEST_DATABASE_URL")
        .expect("LOTSA_TEST_DATABASE=postgres needs TEST_DATABASE_URL");
    let name = format!("lotsa_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .expect("connect to TEST_DATABASE_URL");
    sqlx::query(&format!(r#"CREATE DATABASE "{name}""#))
        .execute(&mut admin)
        .await
        .expect("create the test database");
    let (base, _) = admin_url
        .rsplit_once('/')
        .expect("TEST_DATABASE_URL names a database");
    format!("{base}/{name}")
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with_site(fake_site()).await
    }

    pub async fn spawn_with_site(site: tempfile::TempDir) -> Self {
        Self::spawn_with(site, TestDb::new().await, |_| {}).await
    }

    /// Starts the app on `database`, after `adjust` has changed the settings as a test needs.
    pub async fn spawn_with(
        site: tempfile::TempDir,
        database: TestDb,
        adjust: impl FnOnce(&mut Settings),
    ) -> Self {
        let backend = backend();
        let mut settings = Settings::new(
            "127.0.0.1:0".parse().unwrap(),
            database.data.path().to_path_buf(),
            database.url.as_deref(),
            site.path().to_path_buf(),
            Some(site.path().join("hash.txt")),
        )
        .expect("valid test settings");
        adjust(&mut settings);
        let application = Application::build(settings)
            .await
            .expect("the application starts");
        let db = application.db();
        let address = format!("http://{}", application.local_addr());
        let (stop, stop_rx) = oneshot::channel::<()>();
        let stopped = tokio::spawn(application.run_until_stopped(async move {
            let _ = stop_rx.await;
        }));
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            address,
            db,
            client,
            backend,
            site,
            database,
            stop: Some(stop),
            stopped: Some(stopped),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request reaches the server")
    }

    /// Creates a user directly in the database.
    pub async fn create_user(&self, username: &str, password: &str, roles: &[Role]) -> String {
        server::auth::create_user(
            self.db.as_ref(),
            Username::parse(username).unwrap(),
            DisplayName::parse(username).unwrap(),
            &Password::parse_new(password).unwrap(),
            roles.to_vec(),
        )
        .await
        .expect("create the user")
    }

    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request reaches the server")
    }

    pub fn site_path(&self) -> &Path {
        self.site.path()
    }

    /// Stops the server the way Ctrl-C does and waits until it has finished.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.stopped
            .take()
            .expect("stopped once")
            .await
            .expect("server task")
    }
}

/// The server binary, built by cargo for this test run.
pub fn server_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_server"))
}

/// GETs `path` as `client` and reads the JSON answer.
pub async fn get_json<T: serde::de::DeserializeOwned>(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
) -> T {
    client
        .get(app.url(path))
        .send()
        .await
        .expect("request reaches the server")
        .json()
        .await
        .expect("the answer is JSON of the expected shape")
}
