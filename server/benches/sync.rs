//! Sync benchmark (not a test): seeds the demo programme with one case manager holding a
//! caseload of 60 participants, then measures through real HTTP on the configured database
//! (SQLite, or PostgreSQL with `DATABASE_URL` naming an empty database: it seeds its own users):
//!
//! - the first full sync: bytes on the wire (brotli, as browsers ask), pages, time;
//! - an incremental sync carrying one mutation: round trips and server time (p50, p95).
//!
//! Run with `make bench-sync` (or `cargo bench -p server --bench sync`).

use chrono::Utc;
use lotsa_core::domain::{stockholm_day, Kind, Record, Role};
use serde_json::{json, Value};
use server::config::Settings;
use server::startup::Application;
use std::time::{Duration, Instant};
use uuid::Uuid;

const CASELOAD: usize = 60;
const INCREMENTAL_ROUNDS: usize = 200;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let site = tempfile::tempdir()?;
    std::fs::create_dir_all(site.path().join("pkg"))?;
    let database_url = std::env::var("DATABASE_URL").ok();
    let mut settings = Settings::new(
        "127.0.0.1:0".parse()?,
        data.path().to_path_buf(),
        database_url.as_deref(),
        site.path().to_path_buf(),
        None,
    )?;
    settings.demo = false;
    let application = Application::build(settings).await?;
    let db = application.db();
    let address = format!("http://{}", application.local_addr());
    tokio::spawn(application.run_until_stopped(std::future::pending()));

    let (username, records) = seed(db.as_ref()).await?;
    println!("database: {}", db.backend());
    println!("caseload: {CASELOAD} participants, {records} records visible to the case manager");

    let client = reqwest::Client::builder().cookie_store(true).build()?;
    let login = client
        .post(format!("{address}/api/v1/auth/login"))
        .json(&json!({ "username": username, "password": server::demo::DEMO_PASSWORD }))
        .send()
        .await?;
    anyhow::ensure!(
        login.status().is_success(),
        "sign-in failed: {}",
        login.status()
    );

    // First full sync, as a phone does it: brotli, page after page.
    let client_id = Uuid::new_v4();
    let mut cursor: Option<i64> = None;
    let (mut wire_bytes, mut json_bytes, mut pages, mut changes) = (0usize, 0usize, 0, 0);
    let started = Instant::now();
    loop {
        let response = client
            .post(format!("{address}/api/v1/sync"))
            .header("accept-encoding", "br")
            .json(&json!({ "client_id": client_id, "cursor": cursor, "mutations": [] }))
            .send()
            .await?;
        anyhow::ensure!(response
            .headers()
            .get("content-encoding")
            .is_some_and(|e| e == "br"));
        let compressed = response.bytes().await?;
        wire_bytes += compressed.len();
        let mut plain = Vec::new();
        brotli::BrotliDecompress(&mut compressed.as_ref(), &mut plain)?;
        json_bytes += plain.len();
        let body: Value = serde_json::from_slice(&plain)?;
        pages += 1;
        changes += body["changes"].as_array().map_or(0, Vec::len);
        cursor = body["cursor"].as_i64();
        if body["more"] != true {
            break;
        }
    }
    let first = started.elapsed();
    println!(
        "first sync: {changes} changes in {pages} pages, {:.1} KB on the wire (brotli; {:.1} KB JSON), {:.0} ms",
        wire_bytes as f64 / 1000.0,
        json_bytes as f64 / 1000.0,
        first.as_secs_f64() * 1000.0
    );
    println!("  budget: ≤ 300 KB on the wire");

    // Incremental syncs, each carrying one new check-in.
    let participant = caseload_participant(&client, &address).await?;
    let mut times = Vec::with_capacity(INCREMENTAL_ROUNDS);
    let mut round_trips = 0;
    for round in 0..INCREMENTAL_ROUNDS {
        let check_in = json!({
            "id": Uuid::new_v4(), "participant_id": participant, "held_on": stockholm_day(Utc::now()),
            "going": "well", "notes": "Benchmark check-in"
        });
        let request = json!({
            "client_id": client_id, "cursor": cursor,
            "mutations": [{ "id": round + 1, "name": "check_in.save", "args": check_in }]
        });
        let started = Instant::now();
        let response = client
            .post(format!("{address}/api/v1/sync"))
            .header("accept-encoding", "br")
            .json(&request)
            .send()
            .await?;
        let compressed = response.bytes().await?;
        times.push(started.elapsed());
        round_trips += 1;
        let mut plain = Vec::new();
        brotli::BrotliDecompress(&mut compressed.as_ref(), &mut plain)?;
        let body: Value = serde_json::from_slice(&plain)?;
        anyhow::ensure!(body["results"][0]["status"] == "applied", "{body}");
        anyhow::ensure!(
            body["more"] == false,
            "an incremental sync needed a second round trip"
        );
        cursor = body["cursor"].as_i64();
    }
    times.sort();
    let percentile = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "incremental sync with one mutation: {} round trip each; p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms ({INCREMENTAL_ROUNDS} rounds, loopback HTTP)",
        round_trips / INCREMENTAL_ROUNDS,
        ms(percentile(0.50)),
        ms(percentile(0.95)),
        ms(*times.last().unwrap())
    );
    println!("  budget: one round trip, server time ≤ 10 ms at p95");
    Ok(())
}

/// Stores the demo programme with the first case manager responsible for 60 participants.
async fn seed(db: &dyn server::db::Database) -> anyhow::Result<(String, usize)> {
    let demo = server::demo::generate(stockholm_day(Utc::now()));
    let mut case_managers = demo
        .users
        .iter()
        .filter(|user| user.roles.contains(&Role::CaseManager));
    let case_manager = case_managers.next().expect("the demo has case managers");
    let colleague = case_managers
        .next()
        .expect("the demo has several case managers");
    let mut caseload = Vec::new();
    let mut records = demo.records.clone();
    for record in &mut records {
        if let Record::Participant(participant) = record {
            if caseload.len() < CASELOAD {
                participant.case_manager_id = case_manager.id;
                caseload.push(participant.id);
            } else if participant.case_manager_id == case_manager.id {
                participant.case_manager_id = colleague.id;
            }
        }
    }
    let visible = records
        .iter()
        .filter(|record| match record.participant_id() {
            Some(participant) => caseload.contains(&participant),
            None => matches!(
                record.kind(),
                Kind::Programme | Kind::Staff | Kind::Workplace | Kind::Supervisor
            ),
        })
        .count();
    let password = lotsa_core::domain::Password::parse_new(server::demo::DEMO_PASSWORD)?;
    let hash = server::auth::hash_password(&password).await?;
    let users = server::seed::demo_users(&demo, &hash)?;
    db.import(&users, &records, Utc::now()).await?;
    Ok((case_manager.username.clone(), visible))
}

async fn caseload_participant(client: &reqwest::Client, address: &str) -> anyhow::Result<String> {
    let list: Vec<Value> = client
        .get(format!("{address}/api/v1/participants"))
        .send()
        .await?
        .json()
        .await?;
    list.first()
        .and_then(|participant| participant["id"].as_str())
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("the case manager has no participants"))
}
