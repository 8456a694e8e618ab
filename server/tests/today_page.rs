//! The supervisor's start page: rendered by the server with no app code, listing the
//! participants placed with them who are expected on a day and nobody else, with the least
//! the supervisor needs; its forms confirm a day, mark a deviation with a reason, or confirm
//! everyone left; bad input changes nothing.

mod common;

use common::programme::{
    page_browser as browser, put_record, sign_in_on_the_page, signed_in, Programme,
};
use common::TestApp;
use lotsa_core::domain::Attendance;
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

/// A workplace shift today, 08:00–16:00, for each of the fixture's participants (A is placed
/// with `sup`, B at another workplace), written by their case managers.
async fn shifts_today(app: &TestApp, programme: &Programme) {
    for (case_manager, participant) in [
        ("cm1", programme.participant_a),
        ("cm2", programme.participant_b),
    ] {
        let client = signed_in(app, case_manager).await;
        let shift = json!({
            "id": Uuid::new_v4(), "programme_id": programme.programme,
            "participant_id": participant, "kind": "workplace_shift",
            "date": programme.today, "starts_at": "08:00", "ends_at": "16:00",
        });
        let response = put_record(app, &client, "schedule_event", &shift).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
}

/// Supervisor A's "all here as planned" for today, with participant A listed.
fn all_here(programme: &Programme) -> Vec<(String, String)> {
    vec![
        ("supervisor".to_owned(), programme.supervisor_a.to_string()),
        ("day".to_owned(), programme.today.to_string()),
        (
            "participant".to_owned(),
            programme.participant_a.to_string(),
        ),
    ]
}

async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> (StatusCode, String) {
    let response = client.get(app.url(path)).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

/// Participant A's attendance today, as their case manager reads it.
async fn attendance_today(app: &TestApp, programme: &Programme) -> Option<Value> {
    let cm = signed_in(app, "cm1").await;
    let id = Attendance::id_for(programme.participant_a, programme.today);
    let response = cm
        .get(app.url(&format!("/api/v1/records/attendance/{id}")))
        .send()
        .await
        .unwrap();
    match response.status() {
        StatusCode::OK => Some(response.json::<Value>().await.unwrap()["data"].clone()),
        StatusCode::NOT_FOUND => None,
        other => panic!("{other}"),
    }
}

/// The fields of the form that confirms participant A's day today.
fn form<'a>(programme: &Programme, fields: &[(&'a str, &'a str)]) -> Vec<(String, String)> {
    let mut all = vec![
        ("supervisor".to_owned(), programme.supervisor_a.to_string()),
        (
            "participant".to_owned(),
            programme.participant_a.to_string(),
        ),
        ("day".to_owned(), programme.today.to_string()),
        ("back".to_owned(), "/today".to_owned()),
    ];
    all.extend(
        fields
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned())),
    );
    all
}

async fn post(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    fields: &[(String, String)],
) -> reqwest::Response {
    client
        .post(app.url(path))
        .form(fields)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_supervisor_lands_on_the_day_with_only_their_participants_and_the_least_about_them() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    shifts_today(&app, &programme).await;

    let (sup, start) = sign_in_on_the_page(&app, "sup").await;
    assert_eq!(
        start, "/today",
        "signing in takes a supervisor to their day"
    );
    let response = sup
        .get(app.url("/"))
        .header("sec-fetch-mode", "navigate")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/today");

    let response = sup.get(app.url("/today")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let html = response.text().await.unwrap();
    assert!(html.contains("Amina D."), "first name and last initial");
    assert!(html.contains("08:00–16:00"), "the planned times");
    assert!(html.contains("Handläggare: cm1"), "the case manager's name");
    assert!(html.contains("tel:013206000"), "and a number to call");
    for private in [
        "Yonas",       // at another workplace
        "Deltagare",   // the last name
        "19811218",    // the identity number
        "Lång resväg", // support needs
        "Trivs bra",   // a check-in's notes
        "070-123",     // the participant's own phone
        ".wasm",       // the app's code
    ] {
        assert!(!html.contains(private), "{private} is not on the page");
    }
    // The week: seven days, each a link.
    assert_eq!(html.matches("href=\"/today").count(), 7, "{html}");

    // Anyone else is sent to their own start page; nobody signed in, to sign in.
    let (cm, _) = sign_in_on_the_page(&app, "cm1").await;
    let response = cm.get(app.url("/today")).send().await.unwrap();
    assert_eq!(response.headers()["location"], "/caseload");
    let response = browser().get(app.url("/today")).send().await.unwrap();
    assert_eq!(response.headers()["location"], "/login");
}

#[tokio::test]
async fn a_day_is_confirmed_in_one_tap_and_a_late_arrival_is_a_deviation_with_its_reason() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    shifts_today(&app, &programme).await;
    let (sup, _) = sign_in_on_the_page(&app, "sup").await;
    let anchor = format!("/today#p-{}", programme.participant_a);

    let here = form(&programme, &[("status", "present")]);
    let response = post(&sup, &app, "/today/attendance", &here).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], anchor.as_str());
    let stored = attendance_today(&app, &programme).await.unwrap();
    assert_eq!(stored["status"], "present");
    assert_eq!(
        (&stored["planned_start"], &stored["planned_end"]),
        (&json!("08:00"), &json!("16:00")),
        "the planned times come from the schedule"
    );
    let (_, html) = page(&sup, &app, "/today").await;
    assert!(html.contains("data-confirmed=\"true\""));
    assert!(!html.contains("data-testid=\"all-here\""), "nobody is left");

    // The same day corrected: twenty minutes late by bus, with a note for the case manager.
    let late = form(
        &programme,
        &[
            ("status", "part_of_day"),
            ("arrived_at", "08:20"),
            ("left_at", "16:00"),
            ("reason", "transport"),
            ("note", "Bussen kom inte."),
        ],
    );
    for _ in 0..2 {
        let response = post(&sup, &app, "/today/attendance", &late).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
    }
    let stored = attendance_today(&app, &programme).await.unwrap();
    assert_eq!(stored["status"], "part_of_day");
    assert_eq!(stored["arrived_at"], "08:20");
    assert!(
        stored.get("left_at").is_none(),
        "leaving as planned is no time of its own"
    );
    assert_eq!(stored["reason"], "transport");
    let attendance: Attendance = serde_json::from_value(stored).unwrap();
    let deviation = attendance
        .deviation()
        .expect("20 minutes late is a deviation");
    assert_eq!(deviation.late_minutes, Some(20));
    let count = app
        .database
        .count("SELECT COUNT(*) FROM records WHERE kind = 'attendance'")
        .await;
    assert_eq!(
        count, 3,
        "the fixture's two and one for today: sent twice, stored once"
    );
    let (_, html) = page(&sup, &app, "/today").await;
    assert!(html.contains("Kom 08:20 (Resor eller transport)"), "{html}");

    // The participant reads their day, but not the note to the case manager.
    let part = signed_in(&app, "part").await;
    let id = Attendance::id_for(programme.participant_a, programme.today);
    let theirs: Value = part
        .get(app.url(&format!("/api/v1/records/attendance/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["data"]["arrived_at"], "08:20");
    assert!(theirs["data"].get("note").is_none(), "{theirs}");
}

#[tokio::test]
async fn wrong_or_incomplete_forms_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    shifts_today(&app, &programme).await;
    let (sup, _) = sign_in_on_the_page(&app, "sup").await;
    let tomorrow = (programme.today + chrono::Days::new(1)).to_string();
    let yonas = programme.participant_b.to_string();
    let someone_else = programme.supervisor_b.to_string();
    let mut refused = vec![
        form(&programme, &[("status", "absent")]),
        form(&programme, &[("status", "absent"), ("reason", "other")]),
        form(
            &programme,
            &[
                ("status", "part_of_day"),
                ("arrived_at", "08:00"),
                ("reason", "ill"),
            ],
        ),
        form(
            &programme,
            &[
                ("status", "part_of_day"),
                ("arrived_at", "25:00"),
                ("reason", "ill"),
            ],
        ),
        form(&programme, &[("status", "away")]),
        form(&programme, &[("status", "absent"), ("reason", "hangover")]),
        vec![("status".to_owned(), "present".to_owned())],
    ];
    let mut other = form(&programme, &[("status", "present")]);
    other[1].1 = yonas.clone();
    refused.push(other);
    let mut other = form(&programme, &[("status", "present")]);
    other[0].1 = someone_else;
    refused.push(other);
    let mut ahead = form(&programme, &[("status", "present")]);
    ahead[2].1 = tomorrow;
    refused.push(ahead);
    for fields in &refused {
        let response = post(&sup, &app, "/today/attendance", fields).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{fields:?}");
        let html = response.text().await.unwrap();
        assert!(html.contains("data-testid=\"today-refused\""), "{fields:?}");
    }
    assert_eq!(attendance_today(&app, &programme).await, None);

    let everyone = vec![
        ("supervisor".to_owned(), programme.supervisor_a.to_string()),
        ("day".to_owned(), programme.today.to_string()),
        ("participant".to_owned(), yonas),
    ];
    let response = post(&sup, &app, "/today/all-here", &everyone).await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "Yonas is not theirs: skipped"
    );
    let count = app
        .database
        .count("SELECT COUNT(*) FROM records WHERE kind = 'attendance'")
        .await;
    assert_eq!(count, 2, "nothing was stored");
    let (status, _) = page(&sup, &app, "/today?day=someday").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn all_here_confirms_those_left_and_leaves_a_confirmed_day_as_it_is() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    shifts_today(&app, &programme).await;
    let (sup, _) = sign_in_on_the_page(&app, "sup").await;
    let absent = form(&programme, &[("status", "absent"), ("reason", "ill")]);
    let response = post(&sup, &app, "/today/attendance", &absent).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    let response = post(&sup, &app, "/today/all-here", &all_here(&programme)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        attendance_today(&app, &programme).await.unwrap()["status"],
        "absent",
        "confirmed before: not overwritten"
    );
}

#[tokio::test]
async fn a_supervisor_cannot_confirm_a_day_at_another_supervisors_placement_through_the_api() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let sup = signed_in(&app, "sup").await;
    let placement_b = programme.placement_of(programme.participant_b);
    let day = programme.today;
    let theirs_elsewhere = json!({
        "id": Attendance::id_for(programme.participant_a, day),
        "participant_id": programme.participant_a, "placement_id": placement_b,
        "day": day, "status": "present",
    });
    let response = put_record(&app, &sup, "attendance", &theirs_elsewhere).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "attendance_outside_placement", "{body}");
}

#[tokio::test]
async fn all_here_leaves_out_someone_who_reported_an_absence_and_far_days_are_refused() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    shifts_today(&app, &programme).await;
    let part = signed_in(&app, "part").await;
    let sick = json!({
        "id": Uuid::new_v4(), "participant_id": programme.participant_a,
        "first_day": programme.today, "last_day": programme.today, "reason": "ill",
    });
    assert_eq!(
        put_record(&app, &part, "absence", &sick).await.status(),
        StatusCode::OK
    );
    let (sup, _) = sign_in_on_the_page(&app, "sup").await;
    let (_, html) = page(&sup, &app, "/today").await;
    assert!(html.contains("data-testid=\"reported-absent\""));
    assert!(
        !html.contains("data-testid=\"all-here\""),
        "nobody left to confirm as here"
    );

    let response = post(&sup, &app, "/today/all-here", &all_here(&programme)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        attendance_today(&app, &programme).await,
        None,
        "not confirmed as here"
    );

    let far = (programme.today - chrono::Days::new(400)).to_string();
    let (status, _) = page(&sup, &app, &format!("/today?day={far}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = page(&sup, &app, "/today?day=+262142-12-31").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
