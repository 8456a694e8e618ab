//! The participant's calendar link: a private iCalendar feed of their schedule, read here by
//! an independent parser (PyPI's `icalendar`, installed by `scripts/setup.sh --test`), with
//! Swedish times right across the end of summer time; the link is replaced, revoked by the
//! participant or their case manager, and opens nobody else's schedule.

mod common;

use common::get_json;
use common::programme::{put_record, signed_in, Programme, Side};
use common::TestApp;
use lotsa_core::domain::{Kind, Record, ScheduleEvent};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

/// The feed as the independent parser reads it (see `tests/calendar/read_feed.py`).
fn read_feed(ics: &str) -> Value {
    use std::io::Write;
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let python = format!("{root}/.venv/bin/python");
    let mut child = std::process::Command::new(&python)
        .arg(format!("{root}/tests/calendar/read_feed.py"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| {
            panic!("{python}: {error}; run scripts/setup.sh --test to install the parser")
        });
    child
        .stdin
        .take()
        .unwrap()
        .write_all(ics.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "the parser refused the feed: {}\n{ics}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

async fn new_link(app: &TestApp, client: &reqwest::Client) -> String {
    let response = client
        .post(app.url("/api/v1/me/calendar"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    let url = body["url"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with(&app.url("/api/v1/calendar/")) && url.ends_with(".ics"),
        "{url}"
    );
    url
}

/// Fetched as a calendar app does: no session.
async fn fetch(url: &str) -> reqwest::Response {
    reqwest::get(url).await.unwrap()
}

fn event(programme: &Programme, participant: Uuid, data: Value) -> Value {
    let mut event = json!({
        "id": Uuid::new_v4(),
        "programme_id": programme.programme,
        "participant_id": participant,
        "starts_at": "07:00",
        "ends_at": "15:30",
    });
    event
        .as_object_mut()
        .unwrap()
        .extend(data.as_object().unwrap().clone());
    event
}

fn instants(found: &[lotsa_core::domain::Occurrence]) -> (Vec<String>, Vec<String>) {
    let utc = |instant: chrono::DateTime<chrono::Utc>| {
        instant.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
    };
    (
        found.iter().map(|o| utc(o.starts)).collect(),
        found.iter().map(|o| utc(o.ends)).collect(),
    )
}

#[tokio::test]
async fn the_feed_holds_the_participants_schedule_in_swedish_time_across_daylight_saving() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let cm = signed_in(&app, "cm1").await;
    let cm2 = signed_in(&app, "cm2").await;
    let part = signed_in(&app, "part").await;
    let mine = programme.participant_a;

    // Summer time ends on Sunday 25 October 2026: the Monday class stays at 07:00 in Sweden.
    let across = event(
        &programme,
        mine,
        json!({ "kind": "language_class", "title": "Sfi kurs C", "location": "Folkets hus",
                "date": "2026-10-19", "weekly_until": "2026-11-09" }),
    );
    let tomorrow = programme.today + chrono::Days::new(1);
    let shift = event(
        &programme,
        mine,
        json!({ "kind": "workplace_shift", "date": tomorrow, "starts_at": "13:00", "ends_at": "21:00" }),
    );
    let theirs = event(
        &programme,
        programme.participant_b,
        json!({ "kind": "meeting", "title": "Someone else's meeting", "date": tomorrow }),
    );
    for (client, data) in [(&cm, &across), (&cm, &shift), (&cm2, &theirs)] {
        let response = put_record(&app, client, "schedule_event", data).await;
        assert_eq!(response.status(), StatusCode::OK, "{data}");
    }

    let url = new_link(&app, &part).await;
    let response = fetch(&url).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/calendar; charset=utf-8"
    );
    let feed = read_feed(&response.text().await.unwrap());
    let events = feed["events"].as_array().unwrap();
    let by_uid = |id: &Value| {
        let uid = format!("{}@lotsa", id.as_str().unwrap());
        events
            .iter()
            .find(move |event| event["uid"] == uid.as_str())
    };

    // Checked against the schedule as the app computes it (and shows it on the phone).
    let across_record: ScheduleEvent = serde_json::from_value(across.clone()).unwrap();
    let expected =
        across_record.occurrences("2026-10-01".parse().unwrap(), "2026-12-31".parse().unwrap());
    let (starts, ends) = instants(&expected);
    assert_eq!(starts.len(), 4);
    assert_eq!(starts[0], "2026-10-19T05:00:00+00:00", "summer time");
    assert_eq!(starts[1], "2026-10-26T06:00:00+00:00", "winter time");
    let class = by_uid(&across["id"]).expect("the weekly class is in the feed");
    assert_eq!(class["starts"], json!(starts));
    assert_eq!(class["ends"], json!(ends));
    assert_eq!(class["summary"], "Språkundervisning: Sfi kurs C");
    assert_eq!(class["location"], "Folkets hus");

    // A workplace shift says where: the workplace of the placement that day.
    let Record::Workplace(workplace) = programme.record(Kind::Workplace, Side::Own) else {
        unreachable!()
    };
    let shift_event = by_uid(&shift["id"]).expect("the shift is in the feed");
    assert_eq!(shift_event["summary"], "Arbetspass");
    let location = shift_event["location"].as_str().unwrap();
    assert!(location.starts_with(workplace.name.as_str()), "{location}");
    assert!(
        location.contains(workplace.address.street.as_str()),
        "{location}"
    );
    let shift_record: ScheduleEvent = serde_json::from_value(shift.clone()).unwrap();
    let (starts, _) = instants(&shift_record.occurrences(tomorrow, tomorrow));
    assert_eq!(shift_event["starts"], json!(starts));

    // The fixture's own weekly training day is there; the other participant's meeting is not.
    assert!(events
        .iter()
        .any(|event| event["summary"] == "Utbildningsdag" && event["location"] == "Campus Valla"));
    assert!(by_uid(&theirs["id"]).is_none(), "{feed}");
    assert!(!feed.to_string().contains("Someone else"));

    // Each fetch is in the access log, under the participant's account.
    let log: Vec<Value> = get_json(
        &app,
        &signed_in(&app, "leader").await,
        &format!("/api/v1/access-log?participant_id={mine}"),
    )
    .await;
    let part_id = common::programme::user("part").to_string();
    assert!(
        log.iter().any(|entry| entry["user_id"] == part_id.as_str()
            && entry["action"] == "read"
            && entry["record_id"] == across["id"]),
        "{log:?}"
    );
}

#[tokio::test]
async fn a_new_link_revokes_the_old_and_a_revoked_link_answers_404() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let part = signed_in(&app, "part").await;

    let first = new_link(&app, &part).await;
    let second = new_link(&app, &part).await;
    assert_ne!(first, second);
    assert_eq!(fetch(&first).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(fetch(&second).await.status(), StatusCode::OK);

    let response = part
        .delete(app.url("/api/v1/me/calendar"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let gone = fetch(&second).await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    let body: Value = gone.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("make a new one"),
        "{body}"
    );

    // The case manager revokes it from the participant's page. Who may not see the file hears
    // of no such participant; the supervisor and the participant, who see it, may not.
    let third = new_link(&app, &part).await;
    let path = format!("/api/v1/participants/{}/calendar", programme.participant_a);
    for (who, expected) in [
        ("cm2", StatusCode::NOT_FOUND),
        ("sup", StatusCode::FORBIDDEN),
        ("outsider", StatusCode::NOT_FOUND),
        ("part", StatusCode::FORBIDDEN),
    ] {
        let client = signed_in(&app, who).await;
        let response = client.delete(app.url(&path)).send().await.unwrap();
        assert_eq!(response.status(), expected, "{who}");
        assert_eq!(fetch(&third).await.status(), StatusCode::OK, "{who}");
    }
    let cm = signed_in(&app, "cm1").await;
    let response = cm.delete(app.url(&path)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(fetch(&third).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn only_a_participant_has_a_link_and_guesses_open_nothing() {
    let app = TestApp::spawn().await;
    Programme::create(&app).await;
    for who in ["cm1", "sup", "leader"] {
        let client = signed_in(&app, who).await;
        let response = client
            .post(app.url("/api/v1/me/calendar"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{who}");
    }
    let anonymous = reqwest::Client::new()
        .post(app.url("/api/v1/me/calendar"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    for path in [
        "/api/v1/calendar/guess.ics",
        "/api/v1/calendar/guess",
        "/api/v1/calendar/.ics",
        "/api/v1/calendar/%00.ics",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let response = signed_in(&app, "cm1")
        .await
        .delete(app.url("/api/v1/participants/not-an-id/calendar"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}
