//! How many SQL statements one sync costs, counted from sqlx's own log of every statement it
//! runs (target `sqlx::query`), not by reading the code.
//!
//! One test in this binary: the counter sees every statement of the process.

mod common;

use common::programme::{signed_in, Programme, Side};
use common::TestApp;
use lotsa_core::domain::Kind;
use serde_json::json;
use std::sync::{Mutex, OnceLock};
use tracing::field::{Field, Visit};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;
use uuid::Uuid;

/// The most one sync with one new mutation and nothing else to send may cost, per backend:
/// 8 on PostgreSQL, whose statements can write in their `WITH` part; SQLite's cannot, and its
/// statements are calls within the process, not round trips (a ratchet that may only go down).
fn budget(backend: &str) -> usize {
    match backend {
        "postgres" => 8,
        _ => 11,
    }
}

/// The statements sqlx ran, while recording.
fn log() -> &'static Mutex<Option<Vec<String>>> {
    static LOG: OnceLock<Mutex<Option<Vec<String>>>> = OnceLock::new();
    LOG.get_or_init(|| Mutex::new(None))
}

struct Statements;

struct Summary(String);

impl Visit for Summary {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if matches!(field.name(), "summary" | "db.statement") && self.0.is_empty() {
            self.0 = format!("{value:?}");
        }
    }
}

impl<S: tracing::Subscriber> Layer<S> for Statements {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        if let Some(statements) = log().lock().unwrap().as_mut() {
            let mut summary = Summary(String::new());
            event.record(&mut summary);
            statements.push(summary.0);
        }
    }
}

fn recording<T>(run: impl FnOnce() -> T) -> T {
    *log().lock().unwrap() = Some(Vec::new());
    run()
}

fn recorded() -> Vec<String> {
    log().lock().unwrap().take().unwrap_or_default()
}

#[tokio::test]
async fn one_sync_with_one_check_in_costs_at_most_the_budget() {
    tracing_subscriber::registry()
        .with(
            Statements
                .with_filter(Targets::new().with_target("sqlx::query", tracing::Level::TRACE)),
        )
        .init();
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let client = signed_in(&app, "cm1").await;
    let device = Uuid::new_v4();
    let sync = |cursor: Option<i64>, mutations: serde_json::Value| {
        client
            .post(app.url("/api/v1/sync"))
            .json(&json!({ "client_id": device, "cursor": cursor, "mutations": mutations }))
            .send()
    };
    let mut cursor = None;
    loop {
        let body: serde_json::Value = sync(cursor, json!([])).await.unwrap().json().await.unwrap();
        cursor = body["cursor"].as_i64();
        if body["more"] != true {
            break;
        }
    }
    // The first sync after the full pull confirms what it received: not the steady state.
    let confirming: serde_json::Value =
        sync(cursor, json!([])).await.unwrap().json().await.unwrap();
    cursor = confirming["cursor"].as_i64();
    let mut check_in = programme.record(Kind::CheckIn, Side::Own).to_json();
    check_in["id"] = json!(Uuid::new_v4());
    let mutation = json!([{ "id": 1, "name": "check_in.save", "args": check_in }]);

    let response = recording(|| sync(cursor, mutation)).await.unwrap();
    let statements = recorded();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["results"][0]["status"], "applied", "{body}");
    println!("{} statements on {}:", statements.len(), app.backend);
    for statement in &statements {
        println!("  {statement}");
    }
    let budget = budget(app.backend);
    assert!(
        statements.len() <= budget,
        "{} statements, budget {budget}: {statements:#?}",
        statements.len()
    );
}
