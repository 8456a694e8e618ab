//! Demo mode: an empty database gets the demo programme on start, the login page's list of
//! accounts is served only in demo mode, and `server demo seed` stores the same on demand.

mod common;

use common::get_json;
use common::{fake_site, server_binary, TestApp, TestDb};
use serde_json::{json, Value};
use std::process::Command;

async fn sign_in(app: &TestApp, username: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let response = client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "username": username, "password": server::demo::DEMO_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{username} signs in");
    client
}

async fn participants(app: &TestApp, client: &reqwest::Client) -> Vec<Value> {
    get_json(app, client, "/api/v1/participants").await
}

#[tokio::test]
async fn demo_mode_fills_an_empty_database_and_lists_one_account_per_role() {
    let app = TestApp::spawn_with(fake_site(), TestDb::new().await, |settings| {
        settings.demo = true
    })
    .await;
    let logins: Vec<Value> = app.get("/api/v1/demo-logins").await.json().await.unwrap();
    let roles: Vec<&str> = logins
        .iter()
        .map(|login| login["role"].as_str().unwrap())
        .collect();
    assert_eq!(
        roles,
        [
            "project_leader",
            "case_manager",
            "employment_officer",
            "supervisor",
            "participant"
        ]
    );

    let leader = sign_in(&app, logins[0]["username"].as_str().unwrap()).await;
    let everyone = participants(&app, &leader).await;
    assert_eq!(everyone.len(), 85);
    let women = everyone
        .iter()
        .filter(|p| p["data"]["gender"] == "woman")
        .count();
    let men = everyone
        .iter()
        .filter(|p| p["data"]["gender"] == "man")
        .count();
    assert!(
        women.abs_diff(men) <= 1,
        "half women, half men: {women} / {men}"
    );

    let case_manager = sign_in(&app, logins[1]["username"].as_str().unwrap()).await;
    let caseload = participants(&app, &case_manager).await;
    assert!(
        (15..=30).contains(&caseload.len()),
        "a caseload of about a quarter: {}",
        caseload.len()
    );

    let supervisor = sign_in(&app, logins[3]["username"].as_str().unwrap()).await;
    let placed = participants(&app, &supervisor).await;
    assert!(
        !placed.is_empty(),
        "the demo supervisor has someone placed with them"
    );
    assert!(placed.iter().all(|p| p["data"]["limited"] == true));

    let participant = sign_in(&app, logins[4]["username"].as_str().unwrap()).await;
    assert_eq!(participants(&app, &participant).await.len(), 1);
    let own = participants(&app, &participant).await.remove(0);
    let file: Vec<Value> = participant
        .get(app.url(&format!(
            "/api/v1/participants/{}/records",
            own["id"].as_str().unwrap()
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        file.iter().any(|record| record["kind"] == "schedule_event"),
        "the demo participant has a schedule"
    );
    app.stop().await.unwrap();
}

#[tokio::test]
async fn two_servers_starting_at_once_on_one_database_store_the_demo_once() {
    let database = TestDb::new().await;
    let site = fake_site();
    let settings = || {
        let mut settings = server::config::Settings::new(
            "127.0.0.1:0".parse().unwrap(),
            database.data.path().to_path_buf(),
            database.url.as_deref(),
            site.path().to_path_buf(),
            Some(site.path().join("hash.txt")),
        )
        .unwrap();
        settings.demo = true;
        settings
    };
    let (first, second) = tokio::join!(
        server::startup::Application::build(settings()),
        server::startup::Application::build(settings())
    );
    let (first, second) = (
        first.expect("one starts"),
        second.expect("the other starts"),
    );
    let demo = server::demo::generate(lotsa_core::domain::stockholm_day(chrono::Utc::now()));
    let stored = database.count("SELECT COUNT(*) FROM records").await;
    assert_eq!(
        stored as usize,
        demo.records.len(),
        "every demo record once"
    );
    let users = database.count("SELECT COUNT(*) FROM users").await;
    assert_eq!(users as usize, demo.users.len(), "every demo account once");
    drop((first, second));
}

#[tokio::test]
async fn outside_demo_mode_no_accounts_are_listed_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let logins: Vec<Value> = app.get("/api/v1/demo-logins").await.json().await.unwrap();
    assert!(logins.is_empty());
    assert!(!app.db.has_records().await.unwrap());
    app.stop().await.unwrap();
}

#[tokio::test]
async fn the_seed_command_fills_an_empty_database_once() {
    let database = TestDb::new().await;
    let seed = || {
        let mut command = Command::new(server_binary());
        command
            .args(["demo", "seed"])
            .env("LOTSA_DATA_DIR", database.data.path())
            .env_remove("DATABASE_URL");
        if let Some(url) = &database.url {
            command.env("DATABASE_URL", url);
        }
        command.output().expect("run server demo seed")
    };
    let first = seed();
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(
        first.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(
        stdout.contains("handlaggare1"),
        "prints the demo accounts: {stdout}"
    );
    assert!(stdout.contains(server::demo::DEMO_PASSWORD));

    let second = seed();
    assert!(!second.status.success());
    let stderr = String::from_utf8_lossy(&second.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("lotsa: ") && last.contains("already holds records"),
        "{stderr}"
    );
}
