//! The permission table, through the HTTP API: every role, on its own and on someone else's
//! record of every kind, reading and writing. The expectations are written out here, not
//! derived from the server's rule table, so a change to the rules has to change this test.

mod common;

use common::get_json;
use common::programme::{signed_in, Programme, Side, HIDDEN_FROM_SUPERVISORS};
use common::TestApp;
use lotsa_core::domain::Kind;
use reqwest::StatusCode;
use serde_json::Value;

const ROLES: [&str; 5] = ["leader", "cm1", "eo1", "sup", "part"];

/// `F` full read, `L` limited read, `-` nothing; a trailing `W` may also write.
const TABLE: &[(Kind, Side, [&str; 5])] = &[
    //                                   leader  cm    eo    sup   part
    (Kind::Programme, Side::Own, ["FW", "F", "F", "L", "L"]),
    (Kind::Programme, Side::Other, ["-", "-", "-", "-", "-"]),
    (Kind::Staff, Side::Own, ["FW", "FW", "F", "F", "F"]),
    (Kind::Staff, Side::Other, ["-", "-", "-", "-", "-"]),
    (Kind::Workplace, Side::Own, ["FW", "FW", "F", "F", "L"]),
    (Kind::Workplace, Side::Other, ["FW", "FW", "F", "-", "-"]),
    (Kind::Supervisor, Side::Own, ["FW", "FW", "F", "F", "L"]),
    (Kind::Supervisor, Side::Other, ["FW", "FW", "F", "-", "-"]),
    (Kind::Participant, Side::Own, ["FW", "FW", "F", "L", "F"]),
    (Kind::Participant, Side::Other, ["FW", "-", "-", "-", "-"]),
    (Kind::Placement, Side::Own, ["FW", "FW", "F", "F", "F"]),
    (Kind::Placement, Side::Other, ["FW", "-", "-", "-", "-"]),
    (Kind::ScheduleEvent, Side::Own, ["FW", "FW", "F", "F", "F"]),
    (Kind::ScheduleEvent, Side::Other, ["FW", "-", "-", "-", "-"]),
    (Kind::CheckIn, Side::Own, ["F", "FW", "FW", "-", "-"]),
    (Kind::CheckIn, Side::Other, ["F", "-", "-", "-", "-"]),
    (Kind::Review, Side::Own, ["F", "FW", "FW", "-", "-"]),
    (Kind::Review, Side::Other, ["F", "-", "-", "-", "-"]),
    (Kind::Contact, Side::Own, ["F", "FW", "-", "-", "-"]),
    (Kind::Contact, Side::Other, ["F", "-", "-", "-", "-"]),
    (Kind::TrainingGoal, Side::Own, ["F", "FW", "F", "-", "F"]),
    (Kind::TrainingGoal, Side::Other, ["F", "-", "-", "-", "-"]),
    (Kind::Attendance, Side::Own, ["F", "FW", "F", "FW", "L"]),
    (Kind::Attendance, Side::Other, ["F", "-", "-", "-", "-"]),
    (Kind::Absence, Side::Own, ["F", "FW", "F", "L", "FW"]),
    (Kind::Absence, Side::Other, ["F", "-", "-", "-", "-"]),
    (Kind::Closing, Side::Own, ["F", "FW", "F", "-", "-"]),
    (Kind::Closing, Side::Other, ["F", "-", "-", "-", "-"]),
    (Kind::FollowUp, Side::Own, ["F", "FW", "F", "-", "-"]),
    (Kind::FollowUp, Side::Other, ["F", "-", "-", "-", "-"]),
];

#[tokio::test]
async fn every_role_reads_and_writes_exactly_what_the_table_says() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    for kind in Kind::ALL {
        assert!(
            TABLE.iter().filter(|(k, _, _)| k == kind).count() == 2,
            "the table covers {kind} on both sides"
        );
    }
    let untouched = programme.record(Kind::Contact, Side::Other);
    let version_before = app
        .db
        .record(Kind::Contact, untouched.id())
        .await
        .unwrap()
        .unwrap()
        .version;

    let mut mismatches = Vec::new();
    for (column, role) in ROLES.iter().enumerate() {
        let client = signed_in(&app, role).await;
        for (kind, side, row) in TABLE {
            let expected = row[column];
            let record = programme.record(*kind, *side);
            let path = format!("/api/v1/records/{kind}/{}", record.id());

            let response = client.get(app.url(&path)).send().await.unwrap();
            let read = match response.status() {
                StatusCode::OK => {
                    let body: Value = response.json().await.unwrap();
                    if body["data"]["limited"] == true {
                        "L"
                    } else {
                        "F"
                    }
                }
                StatusCode::NOT_FOUND => "-",
                other => panic!("{role} reading {kind} {side:?}: unexpected {other}"),
            };

            let response = client
                .put(app.url(&path))
                .json(&record.to_json())
                .send()
                .await
                .unwrap();
            let wrote = match response.status() {
                StatusCode::OK => "W",
                StatusCode::FORBIDDEN => "",
                other => panic!(
                    "{role} writing {kind} {side:?}: unexpected {other}: {}",
                    response.text().await.unwrap()
                ),
            };
            let got = format!("{read}{wrote}");
            if got != expected {
                mismatches.push(format!(
                    "{role} on {side:?} {kind}: expected {expected}, got {got}"
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );

    let version_after = app
        .db
        .record(Kind::Contact, untouched.id())
        .await
        .unwrap()
        .unwrap()
        .version;
    assert_eq!(
        version_before, version_after,
        "refused writes changed nothing"
    );
}

#[tokio::test]
async fn a_supervisor_sees_only_what_a_workplace_needs() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let client = signed_in(&app, "sup").await;
    let path = format!("/api/v1/records/participant/{}", programme.participant_a);
    let body: Value = get_json(&app, &client, &path).await;
    let data = &body["data"];
    assert_eq!(data["first_name"], "Amina");
    assert_eq!(data["last_initial"], "D");
    assert_eq!(data["case_manager_id"], programme.cm.to_string());
    for hidden in [
        "last_name",
        "identity_number",
        "support",
        "phone",
        "birth_date",
        "languages",
    ] {
        assert!(
            data.get(hidden).is_none(),
            "{hidden} reached the supervisor: {data}"
        );
    }
    let path = format!("/api/v1/participants/{}/records", programme.participant_a);
    let records: Vec<Value> = get_json(&app, &client, &path).await;
    let kinds: Vec<&str> = records
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    for private in HIDDEN_FROM_SUPERVISORS {
        assert!(
            !kinds.contains(&private),
            "{private} reached the supervisor: {kinds:?}"
        );
    }
    let absence = records
        .iter()
        .find(|r| r["kind"] == "absence")
        .expect("absences are shared");
    assert!(absence["data"].get("note").is_none(), "{absence}");
    assert!(absence["data"].get("reason").is_none(), "{absence}");
}

#[tokio::test]
async fn recorded_consent_lets_the_workplace_see_more() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let cm = signed_in(&app, "cm1").await;
    let mut participant = programme.record(Kind::Participant, Side::Own).to_json();
    participant["consents"] = serde_json::json!([{
        "scope": "support_needs", "given_on": programme.today, "recorded_by": programme.cm
    }]);
    let path = format!("/api/v1/records/participant/{}", programme.participant_a);
    let response = cm
        .put(app.url(&path))
        .json(&participant)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    let sup = signed_in(&app, "sup").await;
    let body: Value = get_json(&app, &sup, &path).await;
    assert_eq!(body["data"]["support"][0]["kind"], "bus_card");
    assert!(body["data"].get("identity_number").is_none());
    assert!(
        body["data"].get("phone").is_none(),
        "contact details were not consented to"
    );
}

#[tokio::test]
async fn participant_lists_follow_the_caseload() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let a = programme.participant_a.to_string();
    let b = programme.participant_b.to_string();
    for (role, expected) in [
        ("leader", vec![a.clone(), b.clone()]),
        ("cm1", vec![a.clone()]),
        ("cm2", vec![b.clone()]),
        ("eo1", vec![a.clone()]),
        ("sup", vec![a.clone()]),
        ("part", vec![a.clone()]),
        ("outsider", vec![]),
    ] {
        let client = signed_in(&app, role).await;
        let list: Vec<Value> = get_json(&app, &client, "/api/v1/participants").await;
        let mut ids: Vec<String> = list
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        assert_eq!(ids, expected, "{role}");
    }
}

#[tokio::test]
async fn a_case_manager_hands_a_participant_over_and_loses_access() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let cm = signed_in(&app, "cm1").await;
    let path = format!("/api/v1/records/participant/{}", programme.participant_a);
    let mut participant = programme.record(Kind::Participant, Side::Own).to_json();
    participant["case_manager_id"] = programme.cm2.to_string().into();
    let response = cm
        .put(app.url(&path))
        .json(&participant)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap()
    );

    assert_eq!(
        cm.get(app.url(&path)).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let cm2 = signed_in(&app, "cm2").await;
    let body: Value = get_json(&app, &cm2, &path).await;
    let history = &body["data"]["responsible_history"];
    assert_eq!(
        history[0]["case_manager_id"],
        programme.cm.to_string(),
        "{body}"
    );
    assert_eq!(
        body["data"]["user_id"],
        programme.part.to_string(),
        "server-owned field kept"
    );
}

#[tokio::test]
async fn a_case_manager_creates_participants_only_for_their_own_caseload() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let cm = signed_in(&app, "cm1").await;
    let mut participant = programme.record(Kind::Participant, Side::Own).to_json();
    let new_id = uuid::Uuid::new_v4();
    participant["id"] = new_id.to_string().into();
    participant["case_manager_id"] = programme.cm2.to_string().into();
    participant["user_id"] = uuid::Uuid::new_v4().to_string().into();
    let path = format!("/api/v1/records/participant/{new_id}");
    let response = cm
        .put(app.url(&path))
        .json(&participant)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "not theirs to create"
    );

    participant["case_manager_id"] = programme.cm.to_string().into();
    let response = cm
        .put(app.url(&path))
        .json(&participant)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = get_json(&app, &cm, &path).await;
    assert!(
        body["data"].get("user_id").is_none(),
        "only an invite sets who signs in: {body}"
    );
}
