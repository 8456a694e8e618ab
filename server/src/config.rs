//! Configuration from the command line and the environment, parsed into settings that are
//! valid by construction.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The file name of the embedded database inside the data directory.
pub const SQLITE_FILE_NAME: &str = "lotsa.sqlite3";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "DATABASE_URL is not a valid database address ({reason}); use postgres://user@host:port/db \
         or sqlite://path, or leave it unset for the embedded database"
    )]
    BadDatabaseUrl { reason: String },
    #[error(
        "the data directory {path} is not writable ({source}); choose another with LOTSA_DATA_DIR"
    )]
    DataDirNotWritable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the built site was not found at {path}; build it with `make build` or set LOTSA_SITE_ROOT"
    )]
    SiteMissing { path: PathBuf },
    #[error(
        "the list of hashed file names was not found at {path}; rebuild with `make build`, set \
         LOTSA_HASH_FILE to it, or LOTSA_HASH_FILES=false for a build without hashes"
    )]
    HashFileMissing { path: PathBuf },
}

/// Which database the server keeps its data in.
#[derive(Clone)]
pub enum DatabaseSettings {
    /// The embedded, zero-setup default.
    Sqlite { path: PathBuf },
    /// A PostgreSQL server, addressed by URL (which may hold a password, so it is never printed).
    Postgres { url: String },
}

impl std::fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite { path } => f.debug_struct("Sqlite").field("path", path).finish(),
            Self::Postgres { .. } => f.write_str("Postgres { url: <redacted> }"),
        }
    }
}

impl DatabaseSettings {
    /// Reads `DATABASE_URL`: unset means SQLite in the data directory.
    pub fn parse(url: Option<&str>, data_dir: &Path) -> Result<Self, ConfigError> {
        let Some(url) = url.map(str::trim).filter(|url| !url.is_empty()) else {
            return Ok(Self::Sqlite {
                path: data_dir.join(SQLITE_FILE_NAME),
            });
        };
        let bad = |reason: &str| ConfigError::BadDatabaseUrl {
            reason: reason.to_owned(),
        };
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // Parse now so a typo fails at start, not at the first query.
            sqlx::postgres::PgConnectOptions::from_str(url).map_err(|error| {
                ConfigError::BadDatabaseUrl {
                    reason: redact_url_error(&error.to_string(), url),
                }
            })?;
            return Ok(Self::Postgres {
                url: url.to_owned(),
            });
        }
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.trim_start_matches("//");
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() || path == ":memory:" {
                return Err(bad("an SQLite URL needs a file path"));
            }
            return Ok(Self::Sqlite {
                path: PathBuf::from(path),
            });
        }
        Err(bad(
            "it must start with postgres://, postgresql:// or sqlite:",
        ))
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Sqlite { .. } => "sqlite",
            Self::Postgres { .. } => "postgres",
        }
    }
}

/// Error messages from URL parsers may quote the URL, password included.
fn redact_url_error(message: &str, url: &str) -> String {
    message.replace(url, "<DATABASE_URL>")
}

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Settings {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    pub database: DatabaseSettings,
    /// Where the built site (`pkg/`, icons, manifest) lies.
    pub site_root: PathBuf,
    /// The file listing the content hashes in the built files' names (release builds have
    /// one); `None` when the names carry no hashes.
    pub hash_file: Option<PathBuf>,
    /// How long a sign-in lasts.
    pub session_ttl: chrono::Duration,
    /// Whether the session cookie is marked `Secure`. By default it is unless the server
    /// listens on loopback only; behind a TLS proxy on the same host, set it to `true`.
    pub secure_cookies: bool,
    /// Demo mode: fill an empty database with the demo programme and list its accounts on
    /// the login page.
    pub demo: bool,
    /// The reverse proxies whose `X-Forwarded-For` names the client (none by default).
    pub trusted_proxies: crate::client_address::TrustedProxies,
}

/// A week: long enough that a case manager who works offline for days is not locked out of
/// sending their changes, short enough that a lost phone's session runs out.
pub const DEFAULT_SESSION_TTL: chrono::Duration = chrono::Duration::days(7);

impl Settings {
    pub fn new(
        addr: SocketAddr,
        data_dir: PathBuf,
        database_url: Option<&str>,
        site_root: PathBuf,
        hash_file: Option<PathBuf>,
    ) -> Result<Self, ConfigError> {
        let database = DatabaseSettings::parse(database_url, &data_dir)?;
        Ok(Self {
            secure_cookies: !addr.ip().is_loopback(),
            demo: false,
            trusted_proxies: Default::default(),
            addr,
            data_dir,
            database,
            site_root,
            hash_file,
            session_ttl: DEFAULT_SESSION_TTL,
        })
    }

    /// Creates the data directory if needed and proves it can be written to, so that a
    /// read-only mount fails at start with a clear message rather than at the first write.
    pub fn ensure_data_dir(&self) -> Result<(), ConfigError> {
        let not_writable = |source| ConfigError::DataDirNotWritable {
            path: self.data_dir.clone(),
            source,
        };
        create_private_dir(&self.data_dir).map_err(not_writable)?;
        let probe = self.data_dir.join(".lotsa-write-check");
        std::fs::write(&probe, b"ok").map_err(not_writable)?;
        std::fs::remove_file(&probe).map_err(not_writable)?;
        Ok(())
    }

    pub fn ensure_site(&self) -> Result<(), ConfigError> {
        if !self.site_root.join("pkg").is_dir() {
            return Err(ConfigError::SiteMissing {
                path: self.site_root.clone(),
            });
        }
        match &self.hash_file {
            Some(path) if !path.is_file() => {
                Err(ConfigError::HashFileMissing { path: path.clone() })
            }
            _ => Ok(()),
        }
    }
}

/// Where the site lies when nothing says otherwise: cargo-leptos writes it to `site/` in the
/// target directory, beside the `release/` (or `debug/`) folder that holds this binary.
pub fn default_site_root() -> PathBuf {
    exe_dir()
        .and_then(|dir| dir.parent().map(|target| target.join("site")))
        .unwrap_or_else(|| PathBuf::from("target/site"))
}

/// cargo-leptos writes the hash list beside the binary.
pub fn default_hash_file() -> PathBuf {
    exe_dir()
        .map(|dir| dir.join("hash.txt"))
        .unwrap_or_else(|| PathBuf::from("hash.txt"))
}

fn exe_dir() -> Option<PathBuf> {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
}

/// Creates `dir` if needed, readable by this server's user only: it holds the SQLite
/// database, confidential records about people.
pub fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_url_means_sqlite_in_the_data_dir() {
        let settings = DatabaseSettings::parse(None, Path::new("/srv/lotsa")).unwrap();
        assert!(
            matches!(settings, DatabaseSettings::Sqlite { path } if path == Path::new("/srv/lotsa/lotsa.sqlite3"))
        );
        let blank = DatabaseSettings::parse(Some("  "), Path::new("d")).unwrap();
        assert_eq!(blank.backend_name(), "sqlite");
    }

    #[test]
    fn postgres_urls_are_accepted_and_never_shown() {
        let settings = DatabaseSettings::parse(
            Some("postgres://app:secret@127.0.0.1:5432/lotsa"),
            Path::new("d"),
        )
        .unwrap();
        assert_eq!(settings.backend_name(), "postgres");
        assert!(!format!("{settings:?}").contains("secret"));
    }

    #[test]
    fn sqlite_urls_name_a_file() {
        let settings =
            DatabaseSettings::parse(Some("sqlite://var/x.db?mode=rwc"), Path::new("d")).unwrap();
        assert!(
            matches!(settings, DatabaseSettings::Sqlite { path } if path == Path::new("var/x.db"))
        );
        assert!(DatabaseSettings::parse(Some("sqlite::memory:"), Path::new("d")).is_err());
    }

    #[test]
    fn other_urls_are_refused_with_advice() {
        for url in [
            "mysql://localhost/x",
            "localhost:5432",
            "postgres://host:notaport/db",
        ] {
            let error = DatabaseSettings::parse(Some(url), Path::new("d")).unwrap_err();
            let message = error.to_string();
            assert!(
                message.starts_with("DATABASE_URL is not a valid database address"),
                "{message}"
            );
        }
    }

    #[test]
    fn an_unwritable_data_dir_is_reported() {
        let file = tempfile::NamedTempFile::new().unwrap();
        // A regular file cannot hold a directory, whoever runs the test (root included).
        let settings = Settings::new(
            "127.0.0.1:0".parse().unwrap(),
            file.path().join("data"),
            None,
            PathBuf::from("site"),
            None,
        )
        .unwrap();
        let error = settings.ensure_data_dir().unwrap_err();
        assert!(error.to_string().contains("is not writable"), "{error}");
    }
}
