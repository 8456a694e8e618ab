//! `server`: serves Lotsa when called with no subcommand; `server user create` adds a user.

use anyhow::Context;
use clap::{Parser, Subcommand};
use lotsa_core::domain::{DisplayName, Password, Role, Username};
use server::client_address::TrustedProxies;
use server::config::{default_hash_file, default_site_root, DatabaseSettings, Settings};
use server::startup::{shutdown_signal, Application};
use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "server",
    version,
    about = "Lotsa: workplace learning, offline first"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Where to listen.
    #[arg(long, env = "LOTSA_ADDR", default_value = "127.0.0.1:3000")]
    addr: SocketAddr,
    /// Where the embedded database and other local data live.
    #[arg(long, env = "LOTSA_DATA_DIR", default_value = "data", global = true)]
    data_dir: PathBuf,
    /// postgres://… for PostgreSQL; unset for the embedded SQLite database in the data directory.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, global = true)]
    database_url: Option<String>,
    /// The built site (default: `site/` in the target directory beside this binary).
    #[arg(long, env = "LOTSA_SITE_ROOT")]
    site_root: Option<PathBuf>,
    /// Whether the built file names carry content hashes (cargo-leptos `hash-files`).
    #[arg(long, env = "LOTSA_HASH_FILES", default_value_t = true, action = clap::ArgAction::Set)]
    hash_files: bool,
    /// The list of those hashes (default: `hash.txt` beside this binary).
    #[arg(long, env = "LOTSA_HASH_FILE")]
    hash_file: Option<PathBuf>,
    /// Mark the session cookie `Secure` (default: unless listening on loopback only); set
    /// `true` behind a TLS proxy on the same host.
    #[arg(long, env = "LOTSA_SECURE_COOKIES", action = clap::ArgAction::Set)]
    secure_cookies: Option<bool>,
    /// Demo mode: fill an empty database with a fictional programme and show its accounts
    /// on the login page. Never on a server with real data.
    #[arg(long, env = "LOTSA_DEMO", default_value_t = false, action = clap::ArgAction::Set)]
    demo: bool,
    /// Reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For names
    /// the client for rate limits and the access log; without them the header is ignored.
    #[arg(long, env = "LOTSA_TRUSTED_PROXIES", value_parser = TrustedProxies::parse)]
    trusted_proxies: Option<TrustedProxies>,
}

#[derive(Subcommand)]
enum Command {
    /// Manage users without the web interface.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The demo programme.
    Demo {
        #[command(subcommand)]
        command: DemoCommand,
    },
    /// Programmes: the first one of an installation, and its leader.
    Programme {
        #[command(subcommand)]
        command: ProgrammeCommand,
    },
}

#[derive(Subcommand)]
enum ProgrammeCommand {
    /// Store a programme from a JSON file (the programme record, as the API takes it) and
    /// make an existing project leader its leader; they take everyone else on.
    Create {
        #[arg(long)]
        file: std::path::PathBuf,
        /// The user name of the project leader.
        #[arg(long)]
        leader: String,
    },
}

#[derive(Subcommand)]
enum DemoCommand {
    /// Fill an empty database with the demo programme, dated around today.
    Seed,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user; the password is read from standard input.
    Create {
        #[arg(long)]
        username: String,
        /// project_leader, case_manager, employment_officer, supervisor or participant;
        /// repeat for several roles.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// The name others see (default: the user name).
        #[arg(long)]
        name: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            if error.use_stderr() {
                // One line that says what is wrong, instead of clap's multi-line usage text.
                let rendered = error.render().to_string();
                let first = rendered.lines().next().unwrap_or_default();
                eprintln!("lotsa: {}", first.trim_start_matches("error: "));
                return ExitCode::from(2);
            }
            print!("{}", error.render());
            return ExitCode::SUCCESS;
        }
    };
    server::telemetry::init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("lotsa: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = match cli.command {
        None => runtime.block_on(serve(cli)),
        Some(Command::User {
            command:
                UserCommand::Create {
                    ref username,
                    ref roles,
                    ref name,
                },
        }) => runtime.block_on(create_user(&cli, username, roles, name.as_deref())),
        Some(Command::Demo {
            command: DemoCommand::Seed,
        }) => runtime.block_on(seed_demo(&cli)),
        Some(Command::Programme {
            command:
                ProgrammeCommand::Create {
                    ref file,
                    ref leader,
                },
        }) => runtime.block_on(create_programme(&cli, file, leader)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("lotsa: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(cli: Cli) -> anyhow::Result<()> {
    let site_root = cli.site_root.unwrap_or_else(default_site_root);
    let mut settings = Settings::new(
        cli.addr,
        cli.data_dir,
        cli.database_url.as_deref(),
        site_root,
        cli.hash_files
            .then(|| cli.hash_file.unwrap_or_else(default_hash_file)),
    )?;
    if let Some(secure) = cli.secure_cookies {
        settings.secure_cookies = secure;
    }
    settings.demo = cli.demo;
    settings.trusted_proxies = cli.trusted_proxies.unwrap_or_default();
    let backend = settings.database.backend_name();
    let application = Application::build(settings).await?;
    let url = format!("http://{}", application.local_addr());
    tracing::info!(%url, backend, "serving");
    println!("Lotsa is running at {url} (database: {backend}). Press Ctrl-C to stop.");
    if !application.demo_logins().0.is_empty() {
        print!(
            "{}",
            server::seed::describe_logins(application.demo_logins())
        );
    }
    application.run_until_stopped(shutdown_signal()).await?;
    Ok(())
}

async fn create_user(
    cli: &Cli,
    username: &str,
    roles: &[String],
    name: Option<&str>,
) -> anyhow::Result<()> {
    let username = Username::parse(username)?;
    let display_name = DisplayName::parse(name.unwrap_or(username.as_str()))?;
    let mut roles = roles
        .iter()
        .map(|role| role.parse::<Role>())
        .collect::<Result<Vec<_>, _>>()?;
    roles.sort();
    roles.dedup();
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .context("cannot read the password from standard input")?;
    let password = Password::parse_new(input.trim_end_matches(['\r', '\n']))?;

    let db = open_database(cli).await?;
    let created = server::auth::create_user(
        db.as_ref(),
        username.clone(),
        display_name,
        &password,
        roles.clone(),
    )
    .await;
    db.close().await;
    created.with_context(|| format!("cannot create the user {username}"))?;
    let roles: Vec<&str> = roles.iter().map(|role| role.as_str()).collect();
    println!("Created the user {username} ({}).", roles.join(", "));
    Ok(())
}

async fn create_programme(cli: &Cli, file: &std::path::Path, leader: &str) -> anyhow::Result<()> {
    let leader = Username::parse(leader)?;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let programme: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", file.display()))?;
    let db = open_database(cli).await?;
    let created = server::admin::create_programme(db.as_ref(), programme, &leader).await;
    db.close().await;
    let id = created?;
    println!("Stored the programme {id}; {leader} leads it.");
    Ok(())
}

/// Opens (creating and migrating) the configured database, for the administrative commands.
async fn open_database(cli: &Cli) -> anyhow::Result<std::sync::Arc<dyn server::db::Database>> {
    let database = DatabaseSettings::parse(cli.database_url.as_deref(), &cli.data_dir)?;
    if let DatabaseSettings::Sqlite { .. } = database {
        server::config::create_private_dir(&cli.data_dir).with_context(|| {
            format!(
                "cannot create the data directory {}",
                cli.data_dir.display()
            )
        })?;
    }
    Ok(server::db::connect(&database).await?)
}

async fn seed_demo(cli: &Cli) -> anyhow::Result<()> {
    let db = open_database(cli).await?;
    let seeded = server::seed::seed_demo(db.as_ref()).await;
    db.close().await;
    match seeded? {
        server::seed::Seeded::Created(records) => {
            println!("Stored the demo programme ({records} records).");
            print!(
                "{}",
                server::seed::describe_logins(&server::seed::demo_logins())
            );
            Ok(())
        }
        server::seed::Seeded::AlreadyFilled => anyhow::bail!(
            "the database already holds records; the demo is only stored in an empty database"
        ),
    }
}
