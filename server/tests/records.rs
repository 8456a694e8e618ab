//! Records through the HTTP API: bad input is refused with a message and changes nothing,
//! and every read or write of a participant's data leaves an access-log entry.

mod common;

use common::get_json;
use common::programme::{signed_in, Programme, Side};
use common::TestApp;
use lotsa_core::domain::Kind;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn error_of(response: reqwest::Response) -> (StatusCode, String) {
    let (status, message, _) = refusal_of(response).await;
    (status, message)
}

/// The status, message and code (`Value::Null` when none) of an error response.
async fn refusal_of(response: reqwest::Response) -> (StatusCode, String, Value) {
    let status = response.status();
    let body: Value = response.json().await.expect("errors are JSON");
    (
        status,
        body["error"].as_str().unwrap_or_default().to_owned(),
        body["code"].clone(),
    )
}

#[tokio::test]
async fn invalid_records_are_refused_with_the_field_and_the_reason() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    // The project leader may create every kind below, so each refusal is about validity.
    let cm = signed_in(&app, "leader").await;
    let participant = programme.record(Kind::Participant, Side::Own).to_json();
    let placement = programme.record(Kind::Placement, Side::Own).to_json();
    let event = programme.record(Kind::ScheduleEvent, Side::Own).to_json();
    let new_id = uuid::Uuid::new_v4();
    let with = |mut data: Value, field: &str, value: Value| {
        data["id"] = json!(new_id);
        data[field] = value;
        data
    };
    let cases = [
        (
            "participant",
            with(
                participant.clone(),
                "identity_number",
                json!("19811218-9875"),
            ),
            "identity_number",
            "check digit",
            "identity_number_checksum",
        ),
        (
            "participant",
            with(participant.clone(), "birth_date", json!("1990-02-30")),
            "birth_date",
            "",
            "invalid",
        ),
        (
            "participant",
            with(participant.clone(), "gender", json!("unknown")),
            "gender",
            "woman",
            "invalid",
        ),
        (
            "participant",
            with(participant.clone(), "phone", json!("ring mig")),
            "phone",
            "phone number",
            "phone",
        ),
        (
            "participant",
            with(participant.clone(), "first_name", json!("   ")),
            "first_name",
            "1 to 200",
            "short_text",
        ),
        (
            "participant",
            with(participant.clone(), "case_manager_id", json!(programme.eo)),
            "case_manager_id",
            "not a case manager",
            "not_case_manager",
        ),
        (
            "placement",
            with(
                placement.clone(),
                "ends_on",
                json!(programme.today + chrono::Days::new(400)),
            ),
            "ends_on",
            "longer than the programme allows",
            "placement_too_long",
        ),
        (
            "schedule_event",
            with(event.clone(), "ends_at", json!("08:00")),
            "ends_at",
            "after starts_at",
            "ends_at_not_after_starts_at",
        ),
        (
            "schedule_event",
            with(event.clone(), "starts_at", json!("9 am")),
            "starts_at",
            "HH:MM",
            "time_of_day",
        ),
    ];
    for (kind, data, field, reason, code) in cases {
        let path = format!("/api/v1/records/{kind}/{new_id}");
        let (status, message, refusal) =
            refusal_of(cm.put(app.url(&path)).json(&data).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{kind} {field}: {message}");
        assert_eq!(refusal, code, "{kind} {field}: {message}");
        assert!(
            message.contains(field) && message.contains(reason),
            "{kind} {field}: {message}"
        );
        let stored = cm.get(app.url(&path)).send().await.unwrap();
        assert_eq!(
            stored.status(),
            StatusCode::NOT_FOUND,
            "nothing was stored for {kind} {field}"
        );
    }
}

#[tokio::test]
async fn malformed_requests_get_a_400_never_a_500() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let cm = signed_in(&app, "cm1").await;
    let check_in = programme.record(Kind::CheckIn, Side::Own);
    let path = format!("/api/v1/records/check_in/{}", check_in.id());
    let (status, message) = error_of(
        cm.put(app.url(&path))
            .header("content-type", "application/json")
            .body("{ not json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{message}");

    let (status, message) = error_of(
        cm.get(app.url("/api/v1/records/diary/1"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(message.contains("check_in"), "lists the kinds: {message}");

    let (status, _) = error_of(
        cm.get(app.url("/api/v1/records/check_in/not-a-uuid"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let other = format!("/api/v1/records/check_in/{}", uuid::Uuid::new_v4());
    let (status, message) = error_of(
        cm.put(app.url(&other))
            .json(&check_in.to_json())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(message.contains("id"), "{message}");

    let mut orphan = check_in.to_json();
    let orphan_id = uuid::Uuid::new_v4();
    orphan["id"] = json!(orphan_id);
    orphan["participant_id"] = json!(uuid::Uuid::new_v4());
    let path = format!("/api/v1/records/check_in/{orphan_id}");
    let (status, message) =
        error_of(cm.put(app.url(&path)).json(&orphan).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(message.contains("participant"), "{message}");

    let anonymous = app
        .get(&format!("/api/v1/records/check_in/{}", check_in.id()))
        .await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn every_read_and_write_of_participant_data_is_logged_without_free_text() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let cm = signed_in(&app, "cm1").await;
    let a = programme.participant_a.to_string();

    let participant_path = format!("/api/v1/records/participant/{a}");
    assert_eq!(
        cm.get(app.url(&participant_path))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let file: Vec<Value> = get_json(&app, &cm, &format!("/api/v1/participants/{a}/records")).await;
    assert!(file.len() >= 10, "the whole file: {}", file.len());
    assert_eq!(
        cm.get(app.url("/api/v1/participants"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );

    let check_in_id = uuid::Uuid::new_v4();
    let mut check_in = programme.record(Kind::CheckIn, Side::Own).to_json();
    check_in["id"] = json!(check_in_id);
    let check_in_path = format!("/api/v1/records/check_in/{check_in_id}");
    assert_eq!(
        cm.put(app.url(&check_in_path))
            .json(&check_in)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    check_in["notes"] = json!("Uppdaterad anteckning");
    assert_eq!(
        cm.put(app.url(&check_in_path))
            .json(&check_in)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        cm.delete(app.url(&check_in_path))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );

    let leader = signed_in(&app, "leader").await;
    let url = format!(
        "/api/v1/access-log?participant_id={a}&user_id={}",
        programme.cm
    );
    let response = leader.get(app.url(&url)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    let entries: Vec<Value> = serde_json::from_str(&text).unwrap();
    let count = |action: &str, kind: &str| {
        entries
            .iter()
            .filter(|e| e["action"] == action && e["kind"] == kind)
            .count()
    };
    // The single read, the whole file and the list each read the participant record.
    assert_eq!(count("read", "participant"), 3, "{text}");
    assert_eq!(count("read", "check_in"), 1, "{text}");
    assert_eq!(count("create", "check_in"), 1, "{text}");
    assert_eq!(count("update", "check_in"), 1, "{text}");
    assert_eq!(count("delete", "check_in"), 1, "{text}");
    assert!(entries
        .iter()
        .all(|e| e["participant_id"] == a && e["address"] == "127.0.0.1"));
    for private in ["Amina", "Deltagare", "Uppdaterad", "Trivs", "19811218"] {
        assert!(
            !text.contains(private),
            "the log holds personal data: {private}"
        );
    }

    let future = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let url = format!("/api/v1/access-log?from={}", urlencode(&future));
    let later: Vec<Value> = get_json(&app, &leader, &url).await;
    assert!(later.is_empty(), "the period filter works");

    let by_other_user = format!("/api/v1/access-log?user_id={}", programme.eo);
    let none: Vec<Value> = get_json(&app, &leader, &by_other_user).await;
    assert!(none.is_empty(), "eo1 read nothing");

    let (status, _) = error_of(cm.get(app.url("/api/v1/access-log")).send().await.unwrap()).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "only project leaders search the log"
    );
    let (status, _) = error_of(
        leader
            .get(app.url("/api/v1/access-log?from=yesterday"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

fn urlencode(text: &str) -> String {
    text.replace('+', "%2B").replace(':', "%3A")
}

#[tokio::test]
async fn the_access_log_cannot_be_changed_or_emptied() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let cm = signed_in(&app, "cm1").await;
    let path = format!("/api/v1/records/participant/{}", programme.participant_a);
    assert_eq!(
        cm.get(app.url(&path)).send().await.unwrap().status(),
        StatusCode::OK
    );

    let mut statements = vec![
        "UPDATE access_log SET user_id = 'someone else'",
        "DELETE FROM access_log",
    ];
    if app.backend == "postgres" {
        statements.push("TRUNCATE access_log");
    }
    for sql in statements {
        let refused = app.database.try_execute_sql(sql, &[]).await;
        assert!(refused.is_err(), "{sql} was allowed");
    }
    let leader = signed_in(&app, "leader").await;
    let entries: Vec<Value> = get_json(&app, &leader, "/api/v1/access-log").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["user_id"], programme.cm.to_string());
}

/// Reads participant A's record as cm1 with `forwarded_for` in `X-Forwarded-For`, and answers
/// the address the access log noted for that read.
async fn address_logged(app: &TestApp, programme: &Programme, forwarded_for: &str) -> String {
    let cm = signed_in(app, "cm1").await;
    let path = format!("/api/v1/records/participant/{}", programme.participant_a);
    let read = cm
        .get(app.url(&path))
        .header("x-forwarded-for", forwarded_for)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    let leader = signed_in(app, "leader").await;
    let entries: Vec<Value> = get_json(app, &leader, "/api/v1/access-log").await;
    assert_eq!(entries.len(), 1);
    entries[0]["address"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_access_log_names_the_forwarded_client() {
    let app = TestApp::spawn_with(
        common::fake_site(),
        common::TestDb::new().await,
        |settings| {
            settings.trusted_proxies =
                server::client_address::TrustedProxies::parse("127.0.0.1").unwrap();
        },
    )
    .await;
    let programme = Programme::create(&app).await;
    let address = address_logged(&app, &programme, "198.51.100.4, 203.0.113.9").await;
    assert_eq!(address, "203.0.113.9", "the address the proxy saw");
}

#[tokio::test]
async fn without_trusted_proxies_a_forwarded_address_is_ignored() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let address = address_logged(&app, &programme, "203.0.113.9").await;
    assert_eq!(address, "127.0.0.1", "the connection's own address");
}
