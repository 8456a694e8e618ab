//! Building the application from its settings, and serving it until asked to stop.

use crate::assets;
use crate::config::{ConfigError, Settings};
use crate::db::{self, Database, DbError};
use crate::health::health;
use crate::http_headers::{cache_headers, security_headers, HashedAssets};
use app::shell::shell;
use app::App;
use axum::extract::{FromRef, Request, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use leptos::config::LeptosOptions;
use leptos_axum::{file_and_error_handler, generate_route_list, LeptosRoutes};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::services::ServeDir;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

/// The name cargo-leptos gives the browser bundle (`output-name` in Cargo.toml).
const OUTPUT_NAME: &str = "lotsa";
const PKG_DIR: &str = "pkg";

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Database(#[from] DbError),
    #[error("the address {0} is already in use; stop the other server or choose another address with LOTSA_ADDR")]
    AddressInUse(SocketAddr),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot read the built site: {0}")]
    Site(std::io::Error),
    #[error("cannot set up the demo programme: {0:#}")]
    Demo(anyhow::Error),
}

/// What every request handler can reach. One database pool for the whole server.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Arc<dyn Database>,
    pub session_ttl: chrono::Duration,
    /// See [`Settings::secure_cookies`].
    pub secure_cookies: bool,
    /// The demo accounts the login page lists; empty unless in demo mode.
    pub demo_logins: lotsa_core::demo::DemoLogins,
    /// See [`Settings::trusted_proxies`].
    pub trusted_proxies: crate::client_address::TrustedProxies,
    service_worker: Arc<str>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    db: Arc<dyn Database>,
    demo_logins: lotsa_core::demo::DemoLogins,
}

impl Application {
    /// Checks the settings, opens and migrates the database and binds the address; serving
    /// starts with [`Application::run_until_stopped`].
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        settings.ensure_data_dir()?;
        settings.ensure_site()?;
        let listener = match TcpListener::bind(settings.addr).await {
            Ok(listener) => listener,
            Err(error) if error.kind() == std::io::ErrorKind::AddrInUse => {
                return Err(StartupError::AddressInUse(settings.addr))
            }
            Err(source) => {
                return Err(StartupError::Listen {
                    addr: settings.addr,
                    source,
                })
            }
        };
        let db = db::connect(&settings.database).await?;
        let demo_logins = if settings.demo {
            crate::seed::seed_demo(db.as_ref())
                .await
                .map_err(StartupError::Demo)?;
            crate::seed::demo_logins()
        } else {
            lotsa_core::demo::DemoLogins::default()
        };

        let site_root = settings.site_root.clone();
        // Compress in the background: the server answers at once, and the precompressed
        // copies are used from the moment they are on disk.
        let pkg_dir = site_root.join(PKG_DIR);
        tokio::task::spawn_blocking(move || match assets::precompress_dir(&pkg_dir) {
            Ok(written) => tracing::info!(written, "precompressed the site's files"),
            Err(error) => tracing::warn!(%error, "could not precompress the site's files"),
        });
        let service_worker =
            assets::service_worker_script(&site_root).map_err(StartupError::Site)?;

        // Leptos joins the hash file's path to the binary's folder; an absolute path wins.
        let hash_file = settings
            .hash_file
            .as_deref()
            .map(std::path::absolute)
            .transpose()
            .map_err(StartupError::Site)?;
        let leptos_options = LeptosOptions::builder()
            .output_name(OUTPUT_NAME)
            .site_root(site_root.to_string_lossy().as_ref())
            .site_pkg_dir(PKG_DIR)
            .site_addr(listener.local_addr().map_err(StartupError::Site)?)
            .hash_files(hash_file.is_some())
            .hash_file(
                hash_file.map_or_else(|| "hash.txt".into(), |path| path.to_string_lossy().into()),
            )
            .build();
        let state = AppState {
            leptos_options,
            db: db.clone(),
            session_ttl: settings.session_ttl,
            secure_cookies: settings.secure_cookies,
            demo_logins,
            trusted_proxies: settings.trusted_proxies.clone(),
            service_worker: service_worker.into(),
        };
        let demo_logins = state.demo_logins.clone();
        let router = router(state, &settings);
        Ok(Self {
            listener,
            router,
            db,
            demo_logins,
        })
    }

    /// The demo accounts, when in demo mode.
    pub fn demo_logins(&self) -> &lotsa_core::demo::DemoLogins {
        &self.demo_logins
    }

    /// The database the application uses (for tests and administrative tasks).
    pub fn db(&self) -> Arc<dyn Database> {
        self.db.clone()
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound TCP listener has an address")
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight and closes
    /// the database.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let served = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        self.db.close().await;
        served
    }
}

fn router(state: AppState, settings: &Settings) -> Router {
    let routes = generate_route_list(App);
    let pkg = ServeDir::new(settings.site_root.join(PKG_DIR))
        .precompressed_br()
        .precompressed_gzip();
    let leptos_options = state.leptos_options.clone();
    let demo_logins = state.demo_logins.clone();
    Router::new()
        .route("/health", get(health))
        .route("/sw.js", get(service_worker))
        .nest(
            "/api/v1",
            crate::api::router(crate::auth::SiteScheme::new(settings.secure_cookies)),
        )
        .nest_service("/pkg", pkg)
        // The sign-in page's own forms (it runs without the app's code). Leptos serves the
        // page itself (GET) on the same path.
        .route(
            app::screens::account::SIGN_IN_PATH,
            post(crate::page_forms::sign_in).layer(axum::middleware::from_fn_with_state(
                crate::auth::SiteScheme::new(settings.secure_cookies),
                crate::auth::refuse_cross_site,
            )),
        )
        .route(
            app::app::LANGUAGE_PATH,
            get(crate::page_forms::choose_language),
        )
        // The participant's start page, rendered here whole, and the forms it posts.
        .route(
            lotsa_pages::schedule::SCHEDULE_PATH,
            get(crate::schedule_page::schedule),
        )
        .route(
            lotsa_pages::schedule::CALENDAR_FORM_PATH,
            post(crate::schedule_page::make_calendar_link).layer(
                axum::middleware::from_fn_with_state(
                    crate::auth::SiteScheme::new(settings.secure_cookies),
                    crate::auth::refuse_cross_site,
                ),
            ),
        )
        .route(
            lotsa_pages::schedule::ABSENCE_FORM_PATH,
            post(crate::schedule_page::report_absence).layer(axum::middleware::from_fn_with_state(
                crate::auth::SiteScheme::new(settings.secure_cookies),
                crate::auth::refuse_cross_site,
            )),
        )
        .route(
            lotsa_pages::schedule::ATTEST_FORM_PATH,
            post(crate::schedule_page::attest_month).layer(axum::middleware::from_fn_with_state(
                crate::auth::SiteScheme::new(settings.secure_cookies),
                crate::auth::refuse_cross_site,
            )),
        )
        // The supervisor's start page and its forms, rendered here whole like the participant's.
        .route(
            lotsa_pages::today::TODAY_PATH,
            get(crate::today_page::today),
        )
        .route(
            lotsa_pages::today::ATTENDANCE_FORM_PATH,
            post(crate::today_page::confirm).layer(axum::middleware::from_fn_with_state(
                crate::auth::SiteScheme::new(settings.secure_cookies),
                crate::auth::refuse_cross_site,
            )),
        )
        .route(
            lotsa_pages::today::ALL_HERE_FORM_PATH,
            post(crate::today_page::all_here).layer(axum::middleware::from_fn_with_state(
                crate::auth::SiteScheme::new(settings.secure_cookies),
                crate::auth::refuse_cross_site,
            )),
        )
        .route(
            lotsa_pages::shared::SIGN_OUT_FORM_PATH,
            post(crate::schedule_page::sign_out).layer(axum::middleware::from_fn_with_state(
                crate::auth::SiteScheme::new(settings.secure_cookies),
                crate::auth::refuse_cross_site,
            )),
        )
        .leptos_routes_with_context(
            &state,
            routes,
            move || leptos::prelude::provide_context(demo_logins.clone()),
            move || shell(leptos_options.clone()),
        )
        .fallback(file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn_with_state(
            HashedAssets(settings.hash_file.is_some()),
            cache_headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::schedule_page::participants_start_on_their_schedule,
        ))
        .layer(axum::middleware::from_fn(security_headers))
        // Pages and JSON are compressed on the fly at a level that keeps latency low;
        // the big files were compressed ahead of time at the highest level.
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(5)))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request| {
                    let path = crate::telemetry::loggable_path(request.uri().path());
                    tracing::info_span!("request", method = %request.method(), path = %path)
                })
                // One line per answered request at the default level: the request log
                // operators read (tower_http's own default is debug, which they never see).
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .with_state(state)
}

async fn service_worker(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        state.service_worker.to_string(),
    )
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
