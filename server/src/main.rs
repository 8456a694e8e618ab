//! `server`: serves Lotsa. Run with no subcommand to serve the app.

use clap::Parser;
use server::config::{default_hash_file, default_site_root, Settings};
use server::startup::{shutdown_signal, Application};
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
    /// Where to listen.
    #[arg(long, env = "LOTSA_ADDR", default_value = "127.0.0.1:3000")]
    addr: SocketAddr,
    /// Where the embedded database and other local data live.
    #[arg(long, env = "LOTSA_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// postgres://… for PostgreSQL; unset for the embedded SQLite database in the data directory.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
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
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            if error.use_stderr() {
                // One line that says what is wrong, instead of clap's multi-line usage text.
                let rendered = error.render().to_string();
                eprintln!(
                    "lotsa: {}",
                    rendered
                        .lines()
                        .next()
                        .unwrap_or_default()
                        .trim_start_matches("error: ")
                );
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
    match runtime.block_on(serve(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("lotsa: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(cli: Cli) -> anyhow::Result<()> {
    let site_root = cli.site_root.unwrap_or_else(default_site_root);
    let settings = Settings::new(
        cli.addr,
        cli.data_dir,
        cli.database_url.as_deref(),
        site_root,
        cli.hash_files
            .then(|| cli.hash_file.unwrap_or_else(default_hash_file)),
    )?;
    let backend = settings.database.backend_name();
    let application = Application::build(settings).await?;
    let url = format!("http://{}", application.local_addr());
    tracing::info!(%url, backend, "serving");
    println!("Lotsa is running at {url} (database: {backend}). Press Ctrl-C to stop.");
    application.run_until_stopped(shutdown_signal()).await?;
    Ok(())
}
