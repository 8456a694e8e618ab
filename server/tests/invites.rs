//! Invites: a case manager invites a participant or supervisor, who chooses a password and
//! is signed in; codes expire, work once, and a wrong code is told apart from a used one.

mod common;

use common::get_json;
use common::programme::{signed_in, Programme, Side};
use common::TestApp;
use lotsa_core::domain::Kind;
use reqwest::StatusCode;
use serde_json::{json, Value};

const NEW_PASSWORD: &str = "mitt eget lösenord";

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap()
}

/// Creates a participant in `cm1`'s caseload who cannot sign in yet.
async fn new_participant(app: &TestApp, programme: &Programme, cm: &reqwest::Client) -> uuid::Uuid {
    let id = uuid::Uuid::new_v4();
    let mut participant = programme.record(Kind::Participant, Side::Own).to_json();
    participant["id"] = json!(id);
    participant["first_name"] = json!("Fatima");
    let path = format!("/api/v1/records/participant/{id}");
    let response = cm
        .put(app.url(&path))
        .json(&participant)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    id
}

async fn invite(
    app: &TestApp,
    client: &reqwest::Client,
    role: &str,
    id: uuid::Uuid,
) -> reqwest::Response {
    client
        .post(app.url("/api/v1/invites"))
        .json(&json!({ "role": role, "id": id }))
        .send()
        .await
        .unwrap()
}

async fn accept(
    app: &TestApp,
    client: &reqwest::Client,
    code: &str,
    username: &str,
    password: &str,
) -> reqwest::Response {
    client
        .post(app.url(&format!("/api/v1/invites/{code}/accept")))
        .json(&json!({ "username": username, "password": password }))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_invited_participant_chooses_a_password_and_sees_their_own_data() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let cm = signed_in(&app, "cm1").await;
    let participant = new_participant(&app, &programme, &cm).await;

    let response = invite(&app, &cm, "participant", participant).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    let code = body["code"].as_str().unwrap().to_owned();
    assert_eq!(body["link"], format!("/invite/{code}"));
    assert!(
        code.chars()
            .all(|c| c == '-' || "ACDEFGHJKMNPQRTUVWXY34679".contains(c)),
        "{code}"
    );
    let expires: chrono::DateTime<chrono::Utc> =
        body["expires_at"].as_str().unwrap().parse().unwrap();
    let days = (expires - chrono::Utc::now()).num_hours() as f64 / 24.0;
    assert!((6.9..=7.0).contains(&days), "expires in 7 days, not {days}");

    let check: Value = app
        .get(&format!("/api/v1/invites/{code}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(check["role"], "participant");

    // The record says until when the invite is open, so the case manager's devices see it
    // go unused; a client cannot change that.
    let path = format!("/api/v1/records/participant/{participant}");
    let marked: Value = get_json(&app, &cm, &path).await;
    let until = lotsa_core::domain::stockholm_day(expires).to_string();
    assert_eq!(marked["data"]["invited_until"], until.as_str(), "{marked}");
    let mut edited = marked["data"].clone();
    edited["invited_until"] = json!("2030-01-01");
    edited["phone"] = json!("070-123 45 67");
    let response = cm.put(app.url(&path)).json(&edited).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let kept: Value = get_json(&app, &cm, &path).await;
    assert_eq!(kept["data"]["invited_until"], until.as_str());

    let person = browser();
    let weak = accept(&app, &person, &code, "fatima", "kort").await;
    assert_eq!(
        weak.status(),
        StatusCode::BAD_REQUEST,
        "a short password is refused"
    );
    // Typed in lower case with spaces, as people do.
    let typed = code.to_lowercase().replace('-', " ");
    let response = accept(&app, &person, &typed, "fatima", NEW_PASSWORD).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap()
    );

    let me: Value = get_json(&app, &person, "/api/v1/me").await;
    assert_eq!(me["username"], "fatima");
    assert_eq!(me["roles"], json!(["participant"]));
    let own = person
        .get(app.url(&format!("/api/v1/records/participant/{participant}")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        own.status(),
        StatusCode::OK,
        "the participant sees their own record"
    );
    let others = person
        .get(app.url(&format!(
            "/api/v1/records/participant/{}",
            programme.participant_a
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(others.status(), StatusCode::NOT_FOUND);

    let accepted: Value = get_json(&app, &cm, &path).await;
    assert!(accepted["data"]["user_id"].is_string());
    assert!(
        accepted["data"].get("invited_until").is_none(),
        "no invite is open once it is used: {accepted}"
    );

    let again = accept(&app, &browser(), &code, "fatima2", NEW_PASSWORD).await;
    assert_eq!(again.status(), StatusCode::GONE, "an invite works once");
    let second = invite(&app, &cm, "participant", participant).await;
    assert_eq!(
        second.status(),
        StatusCode::CONFLICT,
        "they can already sign in"
    );

    let leader = signed_in(&app, "leader").await;
    let url = format!("/api/v1/access-log?participant_id={participant}");
    let log: Vec<Value> = get_json(&app, &leader, &url).await;
    assert!(
        log.iter().any(|entry| entry["action"] == "invite"),
        "{log:?}"
    );
}

#[tokio::test]
async fn an_invited_supervisor_sees_the_participants_placed_with_them() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    // Participant B, placed with supervisor B, is cm2's.
    let cm = signed_in(&app, "cm2").await;
    let response = invite(&app, &cm, "supervisor", programme.supervisor_b).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let code = response.json::<Value>().await.unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let person = browser();
    assert_eq!(
        accept(&app, &person, &code, "kerstin", NEW_PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
    let list: Vec<Value> = get_json(&app, &person, "/api/v1/participants").await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], programme.participant_b.to_string());
    assert_eq!(list[0]["data"]["limited"], true);
}

#[tokio::test]
async fn only_the_responsible_case_manager_invites() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let cm = signed_in(&app, "cm1").await;
    let participant = new_participant(&app, &programme, &cm).await;
    // Those who may not see the participant hear the same as for nobody at all.
    for (user, expected) in [
        ("cm2", StatusCode::NOT_FOUND),
        ("eo1", StatusCode::FORBIDDEN),
        ("part", StatusCode::NOT_FOUND),
    ] {
        let client = signed_in(&app, user).await;
        assert_eq!(
            invite(&app, &client, "participant", participant)
                .await
                .status(),
            expected,
            "{user}"
        );
    }
    let response = invite(&app, &cm, "project_leader", participant).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let unknown = invite(&app, &cm, "participant", uuid::Uuid::new_v4()).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn wrong_and_expired_codes_are_refused_with_advice() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let person = browser();
    let wrong = accept(&app, &person, "ACDEF-GHJKM", "someone", NEW_PASSWORD).await;
    assert_eq!(wrong.status(), StatusCode::NOT_FOUND);
    let message: Value = wrong.json().await.unwrap();
    assert!(
        message["error"].as_str().unwrap().contains("case manager"),
        "{message}"
    );
    assert_eq!(
        app.get("/api/v1/invites/ACDEF-GHJKM").await.status(),
        StatusCode::NOT_FOUND
    );

    // An invite made eight days ago.
    let code = "CDEFG-HJKMN";
    let made = chrono::Utc::now() - chrono::Duration::days(8);
    programme
        .store_invite(&app, code, programme.participant_b, made)
        .await;
    assert_eq!(
        app.get(&format!("/api/v1/invites/{code}")).await.status(),
        StatusCode::GONE
    );
    let expired = accept(&app, &person, code, "someone", NEW_PASSWORD).await;
    assert_eq!(expired.status(), StatusCode::GONE);
    assert!(expired.json::<Value>().await.unwrap()["error"]
        .as_str()
        .unwrap()
        .contains("expired"));
    let me = person.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(
        me.status(),
        StatusCode::UNAUTHORIZED,
        "no account was created"
    );
}

#[tokio::test]
async fn guessing_codes_is_rate_limited() {
    let app = TestApp::spawn().await;
    Programme::create(&app).await;
    let person = browser();
    let mut last = StatusCode::OK;
    for attempt in 0..=server::auth::MAX_FAILURES_PER_ADDRESS {
        let code = format!("ACDEF-{:05}", attempt)
            .replace('0', "A")
            .replace('1', "C")
            .replace('2', "D");
        last = accept(&app, &person, &code, "guesser", NEW_PASSWORD)
            .await
            .status();
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}
