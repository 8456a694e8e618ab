//! `POST /api/v1/sync` as devices use it: first sync, retries, rejections that do not block,
//! incremental pulls, paging, and purging what a user may no longer see.

mod common;

use common::get_json;
use common::programme::{put_record, signed_in, user, Programme, Side};
use common::TestApp;
use lotsa_core::domain::Kind;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

struct Device {
    client: reqwest::Client,
    id: Uuid,
    cursor: Option<i64>,
}

impl Device {
    async fn new(app: &TestApp, user: &str) -> Self {
        Self {
            client: signed_in(app, user).await,
            id: Uuid::new_v4(),
            cursor: None,
        }
    }

    async fn send(
        &self,
        app: &TestApp,
        cursor: Option<i64>,
        mutations: Value,
    ) -> reqwest::Response {
        self.client
            .post(app.url("/api/v1/sync"))
            .json(&json!({ "client_id": self.id, "cursor": cursor, "mutations": mutations }))
            .send()
            .await
            .unwrap()
    }

    /// Syncs once, keeping the cursor.
    async fn sync(&mut self, app: &TestApp, mutations: Value) -> Value {
        let response = self.send(app, self.cursor, mutations).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        self.cursor = Some(body["cursor"].as_i64().unwrap());
        body
    }

    /// Pulls until there is no more; the changes of every page, in order.
    async fn pull_all(&mut self, app: &TestApp) -> Vec<Value> {
        let mut changes = Vec::new();
        loop {
            let body = self.sync(app, json!([])).await;
            changes.extend(body["changes"].as_array().unwrap().iter().cloned());
            if body["more"] != true {
                return changes;
            }
        }
    }
}

fn ids_of(changes: &[Value], kind: &str) -> BTreeSet<String> {
    changes
        .iter()
        .filter(|change| change["kind"] == kind && change["deleted"] == false)
        .map(|change| change["id"].as_str().unwrap().to_owned())
        .collect()
}

fn about(changes: &[Value], participant: Uuid) -> Vec<&Value> {
    let id = participant.to_string();
    changes
        .iter()
        .filter(|change| {
            change["data"]["participant_id"] == id.as_str() || change["id"] == id.as_str()
        })
        .collect()
}

fn new_check_in(programme: &Programme) -> (Uuid, Value) {
    let id = Uuid::new_v4();
    let mut check_in = programme.record(Kind::CheckIn, Side::Own).to_json();
    check_in["id"] = json!(id);
    (id, check_in)
}

#[tokio::test]
async fn a_first_sync_brings_exactly_the_caseload() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let mut device = Device::new(&app, "cm1").await;
    let changes = device.pull_all(&app).await;
    assert_eq!(
        ids_of(&changes, "participant"),
        BTreeSet::from([programme.participant_a.to_string()])
    );
    assert!(
        about(&changes, programme.participant_b).is_empty(),
        "nothing of someone else's participant"
    );
    for kind in [
        "placement",
        "schedule_event",
        "check_in",
        "review",
        "contact",
        "attendance",
        "closing",
    ] {
        assert_eq!(ids_of(&changes, kind).len(), 1, "{kind}");
    }
    assert!(device.cursor.unwrap() > 0);

    let again = device.sync(&app, json!([])).await;
    assert_eq!(again["changes"], json!([]), "nothing new since the cursor");
}

#[tokio::test]
async fn a_stored_record_that_todays_rules_would_refuse_is_still_read() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let check_in = programme.record(Kind::CheckIn, Side::Own);
    // Written when a check-in could still rate an area twice (a rule added later).
    let mut older = check_in.to_json();
    older["ratings"] = json!([
        { "area": "teamwork", "rating": "good" },
        { "area": "teamwork", "rating": "developing" },
    ]);
    assert!(
        lotsa_core::domain::Record::parse(Kind::CheckIn, older.clone()).is_err(),
        "today's rules refuse it"
    );
    let changed = app
        .database
        .execute_sql(
            "UPDATE records SET data = $1 WHERE kind = 'check_in' AND id = $2",
            &[&older.to_string(), &check_in.id().to_string()],
        )
        .await;
    assert_eq!(changed, 1);

    let mut device = Device::new(&app, "cm1").await;
    let changes = device.pull_all(&app).await;
    let pulled = changes
        .iter()
        .find(|change| change["id"] == check_in.id().to_string().as_str())
        .expect("the older check-in is pulled");
    assert_eq!(pulled["data"]["ratings"], older["ratings"]);
    let read: Value = get_json(
        &app,
        &device.client,
        &format!("/api/v1/records/check_in/{}", check_in.id()),
    )
    .await;
    assert_eq!(read["data"]["ratings"], older["ratings"]);
}

#[tokio::test]
async fn a_retried_mutation_is_applied_once() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let mut device = Device::new(&app, "cm1").await;
    device.pull_all(&app).await;
    let (id, check_in) = new_check_in(&programme);
    let mutations = json!([{ "id": 1, "name": "check_in.save", "args": check_in }]);
    let first = device.sync(&app, mutations.clone()).await;
    assert_eq!(first["results"], json!([{ "id": 1, "status": "applied" }]));
    assert_eq!(
        ids_of(first["changes"].as_array().unwrap(), "check_in"),
        BTreeSet::from([id.to_string()])
    );

    // The response was lost: the device sends the same request again.
    let retry = device
        .send(&app, None, mutations)
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(
        retry["results"],
        json!([{ "id": 1, "status": "duplicate" }])
    );
    let file: Vec<Value> = get_json(
        &app,
        &device.client,
        &format!("/api/v1/participants/{}/records", programme.participant_a),
    )
    .await;
    assert_eq!(
        file.iter().filter(|r| r["kind"] == "check_in").count(),
        2,
        "the fixture's and this one"
    );
}

#[tokio::test]
async fn rejected_mutations_say_why_and_do_not_block_the_rest() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let mut device = Device::new(&app, "cm1").await;
    let (good, check_in) = new_check_in(&programme);
    let mut invalid = check_in.clone();
    invalid["id"] = json!(Uuid::new_v4());
    invalid["going"] = json!("splendidly");
    let mut not_mine = programme.record(Kind::Contact, Side::Other).to_json();
    not_mine["id"] = json!(Uuid::new_v4());
    let body = device
        .sync(
            &app,
            json!([
                { "id": 1, "name": "diary.save", "args": {} },
                { "id": 2, "name": "check_in.save", "args": invalid },
                { "id": 3, "name": "contact.save", "args": not_mine },
                { "id": 4, "name": "check_in.save", "args": check_in },
            ]),
        )
        .await;
    let results = body["results"].as_array().unwrap();
    let statuses: Vec<&str> = results
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["rejected", "rejected", "rejected", "applied"]);
    assert!(
        results[0]["error"].as_str().unwrap().contains("unknown"),
        "{}",
        results[0]
    );
    assert!(
        results[1]["error"].as_str().unwrap().contains("going"),
        "{}",
        results[1]
    );
    // Someone else's participant, whom cm1 may not see, reads as one that does not exist.
    assert!(
        results[2]["error"]
            .as_str()
            .unwrap()
            .contains("the participant does not exist"),
        "{}",
        results[2]
    );
    // Each refusal also has a code the app shows in the user's language.
    let codes: Vec<&Value> = results.iter().map(|r| &r["code"]).collect();
    assert_eq!(
        codes,
        [
            &json!("unknown_change"),
            &json!("invalid"),
            &json!("missing"),
            &Value::Null
        ]
    );
    assert!(ids_of(body["changes"].as_array().unwrap(), "check_in").contains(&good.to_string()));

    // Rejected ids count as processed too, and a retry after a lost response is told why
    // again, so the user still learns of it.
    let retry = device
        .send(
            &app,
            device.cursor,
            json!([{ "id": 2, "name": "check_in.save", "args": {} }]),
        )
        .await;
    let retry: Value = retry.json().await.unwrap();
    assert_eq!(retry["results"][0]["status"], "rejected");
    assert_eq!(retry["results"][0]["error"], results[1]["error"]);
    assert_eq!(
        retry["results"][0]["code"], results[1]["code"],
        "the code is kept too"
    );
}

#[tokio::test]
async fn the_user_whose_change_was_replaced_is_told() {
    let app = TestApp::spawn().await;
    Programme::create(&app).await;
    let mut coach = Device::new(&app, "cm1").await;
    let mut officer = Device::new(&app, "eo1").await;
    let held = coach.pull_all(&app).await;
    officer.pull_all(&app).await;
    let check_in = held
        .iter()
        .find(|change| change["kind"] == "check_in")
        .expect("the fixture's check-in");
    let base = check_in["version"].as_i64().unwrap();
    let edit = |notes: &str| {
        let mut data = check_in["data"].clone();
        data["notes"] = json!(notes);
        data
    };

    // Both edited the same check-in offline, from the same version.
    let first = coach
        .sync(
            &app,
            json!([{ "id": 1, "name": "check_in.save", "args": edit("Coachens anteckning"),
                     "base_version": base }]),
        )
        .await;
    assert_eq!(first["results"][0]["status"], "applied");
    assert!(first.get("notices").is_none(), "{first}");
    let second = officer
        .sync(
            &app,
            json!([{ "id": 1, "name": "check_in.save", "args": edit("AF:s anteckning"),
                     "base_version": base }]),
        )
        .await;
    assert_eq!(second["results"][0]["status"], "applied");
    assert!(
        second.get("notices").is_none(),
        "the last applied change wins and its author is not told anything: {second}"
    );

    let told = coach.sync(&app, json!([])).await;
    let notices = told["notices"].as_array().expect("a notice");
    assert_eq!(notices.len(), 1, "{told}");
    assert_eq!(notices[0]["kind"], "check_in");
    assert_eq!(notices[0]["id"], check_in["id"]);
    assert!(notices[0]["version"].as_i64() > notices[0]["replaced_version"].as_i64());
    let current = told["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|change| change["id"] == check_in["id"])
        .expect("the current version");
    assert_eq!(current["data"]["notes"], "AF:s anteckning");
    let again = coach.sync(&app, json!([])).await;
    assert!(
        again.get("notices").is_none(),
        "told once per device cursor"
    );

    // An edit made after seeing the other's version replaces nothing unseen.
    let seen = current["version"].as_i64().unwrap();
    coach
        .sync(
            &app,
            json!([{ "id": 2, "name": "check_in.save", "args": edit("Sett båda"),
                     "base_version": seen }]),
        )
        .await;
    let quiet = officer.sync(&app, json!([])).await;
    assert!(quiet.get("notices").is_none(), "{quiet}");
}

#[tokio::test]
async fn an_app_too_old_for_the_server_is_told_to_update_and_nothing_is_applied() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let device = Device::new(&app, "cm1").await;
    let (id, check_in) = new_check_in(&programme);
    let body = json!({ "client_id": device.id, "cursor": null,
                       "mutations": [{ "id": 1, "name": "check_in.save", "args": check_in }] });
    for (version, status) in [
        ("0", StatusCode::UPGRADE_REQUIRED),
        ("one", StatusCode::BAD_REQUEST),
    ] {
        let response = device
            .client
            .post(app.url("/api/v1/sync"))
            .header("lotsa-protocol", version)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{version}");
        let error: Value = response.json().await.unwrap();
        assert!(!error["error"].as_str().unwrap().is_empty());
    }
    let missing = device
        .client
        .get(app.url(&format!("/api/v1/records/check_in/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND, "nothing applied");
    let current = device
        .client
        .post(app.url("/api/v1/sync"))
        .header(
            "lotsa-protocol",
            lotsa_core::sync::PROTOCOL_VERSION.to_string(),
        )
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(current.status(), StatusCode::OK);
}

#[tokio::test]
async fn malformed_sync_requests_get_a_400() {
    let app = TestApp::spawn().await;
    Programme::create(&app).await;
    let device = Device::new(&app, "cm1").await;
    for body in [
        "{",
        r#"{"cursor": null}"#,
        r#"{"client_id": "x", "cursor": null}"#,
        r#"{"client_id": "6f1c2a4e-1b1a-4d33-9a0c-7f0e7e3e1a11", "cursor": "a"}"#,
    ] {
        let response = device
            .client
            .post(app.url("/api/v1/sync"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
        let error: Value = response.json().await.unwrap();
        assert!(!error["error"].as_str().unwrap().is_empty());
    }
    let anonymous = app
        .post_json(
            "/api/v1/sync",
            &json!({ "client_id": Uuid::new_v4(), "cursor": null }),
        )
        .await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn another_users_device_id_is_refused() {
    let app = TestApp::spawn().await;
    Programme::create(&app).await;
    let mut first = Device::new(&app, "cm1").await;
    first.sync(&app, json!([])).await;
    let mut second = Device::new(&app, "cm2").await;
    second.id = first.id;
    let response = second.send(&app, None, json!([])).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_participant_handed_over_is_purged_from_the_old_device_and_sent_to_the_new() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let mut old = Device::new(&app, "cm1").await;
    let mut new = Device::new(&app, "cm2").await;
    old.pull_all(&app).await;
    new.pull_all(&app).await;

    let leader = signed_in(&app, "leader").await;
    let mut participant = programme.record(Kind::Participant, Side::Own).to_json();
    participant["case_manager_id"] = json!(programme.cm2);
    assert_eq!(
        put_record(&app, &leader, "participant", &participant)
            .await
            .status(),
        StatusCode::OK
    );

    // The response that told the old device to forget A is lost; the retry tells it again.
    let lost = old.send(&app, old.cursor, json!([])).await;
    assert_eq!(lost.status(), StatusCode::OK);
    let purged = old.pull_all(&app).await;
    let a_records = programme
        .records
        .iter()
        .filter(|record| record.participant_id() == Some(programme.participant_a))
        .count();
    let deletions: Vec<&Value> = purged
        .iter()
        .filter(|change| change["deleted"] == true)
        .collect();
    assert_eq!(
        deletions.len(),
        a_records,
        "everything of A is deleted from the old device: {purged:?}"
    );
    assert!(
        purged.iter().all(|change| change.get("data").is_none()),
        "no data of A reaches the old device"
    );
    let settled = old.sync(&app, json!([])).await;
    assert_eq!(
        settled["changes"],
        json!([]),
        "once the device has confirmed, nothing is sent again"
    );

    let received = new.pull_all(&app).await;
    let of_a = about(&received, programme.participant_a);
    assert_eq!(
        of_a.len(),
        a_records,
        "the new case manager gets all of A, old versions too"
    );
    // The next request's cursor confirms it; from then on, as the cursor moves on, only
    // what is new about A comes.
    let quiet = new.sync(&app, json!([])).await;
    assert_eq!(quiet["changes"], json!([]), "{quiet}");
    let (check_in, body) = new_check_in(&programme);
    let later = new
        .sync(
            &app,
            json!([{ "id": 1, "name": "check_in.save", "args": body }]),
        )
        .await;
    let ids: Vec<&Value> = later["changes"].as_array().unwrap().iter().collect();
    assert_eq!(
        ids.iter().map(|change| &change["id"]).collect::<Vec<_>>(),
        [&json!(check_in)],
        "only the new check-in: {later}"
    );
    let after = new.sync(&app, json!([])).await;
    assert_eq!(after["changes"], json!([]), "A is not sent again: {after}");
}

#[tokio::test]
async fn a_supervisor_forgets_a_participant_once_the_placement_has_ended() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let mut device = Device::new(&app, "sup").await;
    let first = device.pull_all(&app).await;
    let participant = first
        .iter()
        .find(|change| change["kind"] == "participant")
        .expect("the placed participant");
    assert_eq!(participant["data"]["limited"], true);
    assert!(participant["data"].get("identity_number").is_none());

    let leader = signed_in(&app, "leader").await;
    let mut placement = programme.record(Kind::Placement, Side::Own).to_json();
    placement["starts_on"] = json!(programme.today - chrono::Days::new(60));
    placement["ends_on"] = json!(programme.today - chrono::Days::new(10));
    assert_eq!(
        put_record(&app, &leader, "placement", &placement)
            .await
            .status(),
        StatusCode::OK
    );

    let after = device.pull_all(&app).await;
    let deleted: BTreeSet<&str> = after
        .iter()
        .filter(|change| change["deleted"] == true)
        .map(|change| change["kind"].as_str().unwrap())
        .collect();
    for kind in ["participant", "placement", "schedule_event", "attendance"] {
        assert!(deleted.contains(kind), "{kind} is purged: {after:?}");
    }
    assert!(
        after.iter().all(|change| change["deleted"] == true),
        "{after:?}"
    );
}

#[tokio::test]
async fn a_case_manager_joining_a_programme_gets_its_older_cards_and_leaving_forgets_them() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let mut device = Device::new(&app, "newcomer").await;
    let before = device.pull_all(&app).await;
    assert!(
        ids_of(&before, "workplace").is_empty(),
        "not staff anywhere yet: {before:?}"
    );

    let leader = signed_in(&app, "leader").await;
    let card = json!({ "id": user("newcomer"), "programme_id": programme.programme,
                       "name": "Ny Coach", "phone": "013-20 60 01" });
    let put = put_record(&app, &leader, "staff", &card).await;
    assert_eq!(put.status(), StatusCode::OK);

    let joined = device.pull_all(&app).await;
    let workplaces = ids_of(&joined, "workplace");
    assert_eq!(
        workplaces,
        BTreeSet::from([
            programme.workplace_a.to_string(),
            programme.workplace_b.to_string()
        ]),
        "the programme's workplaces, stored before the device's cursor: {joined:?}"
    );
    for kind in ["programme", "staff", "supervisor"] {
        assert!(!ids_of(&joined, kind).is_empty(), "{kind} cards arrive");
    }
    assert!(
        ids_of(&joined, "participant").is_empty(),
        "joining as staff shows no participant"
    );

    let path = format!("/api/v1/records/staff/{}", user("newcomer"));
    let deleted = leader.delete(app.url(&path)).send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::OK);
    let left = device.pull_all(&app).await;
    let forgotten: BTreeSet<String> = left
        .iter()
        .filter(|change| change["deleted"] == true)
        .map(|change| change["id"].as_str().unwrap().to_owned())
        .collect();
    for id in workplaces.iter().chain(&ids_of(&joined, "supervisor")) {
        assert!(forgotten.contains(id), "{id} is forgotten: {left:?}");
    }
    assert!(
        left.iter().all(|change| change.get("data").is_none()),
        "nothing of the programme is sent after leaving: {left:?}"
    );
}

#[tokio::test]
async fn a_supervisor_device_gets_todays_limited_view_when_a_consent_has_ended_since() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let leader = signed_in(&app, "leader").await;
    // Consent to share contact details, withdrawn as of today.
    let mut participant = programme.record(Kind::Participant, Side::Own).to_json();
    participant["phone"] = json!("070-123 45 67");
    participant["consents"] = json!([{ "scope": "contact_details",
        "given_on": programme.today - chrono::Days::new(30), "recorded_by": programme.cm,
        "withdrawn_on": programme.today }]);
    let path = format!("/api/v1/records/participant/{}", programme.participant_a);
    let put = leader
        .put(app.url(&path))
        .json(&participant)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::OK);

    let mut device = Device::new(&app, "sup").await;
    device.pull_all(&app).await;
    let settled = device.sync(&app, json!([])).await;
    assert_eq!(settled["changes"], json!([]), "nothing more to send today");

    // The device last received its limited views yesterday, when the consent still held.
    app.database
        .execute_sql(
            "UPDATE sync_clients SET views_on = $1 WHERE client_id = $2",
            &[
                &(programme.today - chrono::Days::new(1)).to_string(),
                &device.id.to_string(),
            ],
        )
        .await;
    let next_day = device.sync(&app, json!([])).await;
    let resent: Vec<&Value> = next_day["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|change| change["id"] == programme.participant_a.to_string().as_str())
        .collect();
    assert_eq!(resent.len(), 1, "the participant is sent again: {next_day}");
    assert_eq!(resent[0]["data"]["limited"], true);
    assert!(
        resent[0]["data"].get("phone").is_none(),
        "no phone after the consent ended: {}",
        resent[0]
    );
    let after = device.sync(&app, json!([])).await;
    assert_eq!(after["changes"], json!([]), "once a day, once confirmed");
}

#[tokio::test]
async fn records_that_became_visible_reach_a_device_whose_response_was_lost() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let mut device = Device::new(&app, "cm1").await;
    device.pull_all(&app).await;
    let cursor_before = device.cursor;

    let leader = signed_in(&app, "leader").await;
    let mut participant = programme.record(Kind::Participant, Side::Other).to_json();
    participant["case_manager_id"] = json!(programme.cm);
    assert_eq!(
        put_record(&app, &leader, "participant", &participant)
            .await
            .status(),
        StatusCode::OK
    );

    let lost = device.send(&app, cursor_before, json!([])).await;
    assert_eq!(lost.status(), StatusCode::OK);
    // The response never arrived; the device asks again from where it was.
    let retried: Value = device
        .send(&app, cursor_before, json!([]))
        .await
        .json()
        .await
        .unwrap();
    let changes = retried["changes"].as_array().unwrap();
    let b_records = programme
        .records
        .iter()
        .filter(|record| record.participant_id() == Some(programme.participant_b))
        .count();
    assert_eq!(about(changes, programme.participant_b).len(), b_records);
}

#[tokio::test]
async fn a_project_leaders_first_sync_of_the_demo_comes_in_pages() {
    let app = TestApp::spawn_with(
        common::fake_site(),
        common::TestDb::new().await,
        |settings| settings.demo = true,
    )
    .await;
    let leader = server::seed::demo_logins().0.remove(0);
    let mut device = Device {
        client: reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap(),
        id: Uuid::new_v4(),
        cursor: None,
    };
    let login = device
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "username": leader.username, "password": leader.password }))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let mut pages = 0;
    let mut seen: BTreeMap<(String, String), i64> = BTreeMap::new();
    loop {
        let body = device.sync(&app, json!([])).await;
        pages += 1;
        for change in body["changes"].as_array().unwrap() {
            let key = (
                change["kind"].as_str().unwrap().to_owned(),
                change["id"].as_str().unwrap().to_owned(),
            );
            assert!(
                seen.insert(key, change["version"].as_i64().unwrap())
                    .is_none(),
                "sent twice: {change}"
            );
        }
        if body["more"] != true {
            break;
        }
    }
    let total = server::demo::generate(lotsa_core::domain::stockholm_day(chrono::Utc::now()))
        .records
        .len();
    // The project leader sees every record of the programme.
    assert_eq!(seen.len(), total);
    assert!(pages >= 2, "{total} records came in {pages} pages");
}

/// A device's syncs run one at a time whichever server process takes them: the lease is in
/// the database, so one taken elsewhere (here straight through the database, as another
/// process would) holds a sync back until it is given back, one left by a process that died
/// expires, and a refused request gives its lease back.
#[tokio::test]
async fn a_device_syncs_one_request_at_a_time_across_server_processes() {
    use chrono::{TimeDelta, Utc};
    use server::db::Leased;
    use std::time::Duration;
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let mut device = Device::new(&app, "cm1").await;
    device.sync(&app, json!([])).await;
    assert_eq!(
        app.database
            .count("SELECT COUNT(*) FROM sync_clients WHERE lease_token IS NOT NULL")
            .await,
        0,
        "a sync gives its lease back"
    );

    let elsewhere = Uuid::new_v4();
    let now = Utc::now();
    let until = now + TimeDelta::minutes(1);
    let taken = app
        .db
        .lease_client(device.id, programme.cm, elsewhere, now, until)
        .await
        .unwrap();
    assert!(matches!(taken, Leased::Taken(_)), "{taken:?}");
    let again = app
        .db
        .lease_client(device.id, programme.cm, Uuid::new_v4(), now, until)
        .await
        .unwrap();
    assert!(
        matches!(again, Leased::Busy),
        "a held device is busy: {again:?}"
    );
    let (client, url, id) = (device.client.clone(), app.url("/api/v1/sync"), device.id);
    let waiting = tokio::spawn(async move {
        let body = json!({ "client_id": id, "cursor": null, "mutations": [] });
        client.post(url).json(&body).send().await.unwrap().status()
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !waiting.is_finished(),
        "the sync waits while another process holds the device"
    );
    app.db.release_client(device.id, elsewhere).await.unwrap();
    let status = tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .expect("the sync goes on once the device is given back")
        .unwrap();
    assert_eq!(status, StatusCode::OK);

    // A process that died holding the device: its lease ran out a minute ago.
    let then = Utc::now() - TimeDelta::minutes(2);
    let expired = then + TimeDelta::minutes(1);
    let dead = app
        .db
        .lease_client(device.id, programme.cm, elsewhere, then, expired)
        .await
        .unwrap();
    assert!(matches!(dead, Leased::Taken(_)), "{dead:?}");
    tokio::time::timeout(Duration::from_secs(10), device.sync(&app, json!([])))
        .await
        .expect("an expired lease does not hold the device");

    // Another user's request for this device is refused, and gives the device back.
    let intruder = Device {
        id: device.id,
        ..Device::new(&app, "cm2").await
    };
    let refused = intruder.send(&app, None, json!([])).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let taken_by_another = app
        .db
        .lease_client(device.id, programme.cm2, Uuid::new_v4(), Utc::now(), until)
        .await
        .unwrap();
    assert!(
        matches!(taken_by_another, Leased::AnotherUser),
        "another user's request takes nothing: {taken_by_another:?}"
    );
    tokio::time::timeout(Duration::from_secs(10), device.sync(&app, json!([])))
        .await
        .expect("a refused request gives the device back");
}

/// A request that takes a device's lease just as another process's request gives it back,
/// after saving the device's scopes in the same transaction, reads the scopes that request
/// saved: what it decides next starts from the device's newest state.
#[tokio::test]
async fn a_lease_taken_as_another_process_gives_it_back_reads_the_scopes_it_saved() {
    use chrono::{TimeDelta, Utc};
    use lotsa_core::sync::scopes::Scope;
    use server::db::Leased;
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let mut device = Device::new(&app, "cm1").await;
    device.sync(&app, json!([])).await;
    let client = device.id.to_string();
    let saved = format!("participant:{}", Uuid::new_v4());
    let now = Utc::now();
    let taken = app
        .database
        .in_open_transaction(
            &[
                (
                    "UPDATE sync_clients SET scopes_version = scopes_version + 1, \
                     lease_token = NULL, lease_until = NULL WHERE client_id = $1",
                    &[client.as_str()],
                ),
                (
                    "INSERT INTO sync_client_scopes (client_id, scope, since, dropped_at) \
                     VALUES ($1, $2, 77, NULL)",
                    &[client.as_str(), saved.as_str()],
                ),
            ],
            app.db.lease_client(
                device.id,
                programme.cm,
                Uuid::new_v4(),
                now,
                now + TimeDelta::minutes(1),
            ),
        )
        .await
        .unwrap();
    let Leased::Taken(state) = taken else {
        panic!("the device was free once the other request committed: {taken:?}");
    };
    let scope: Scope = saved.parse().unwrap();
    assert_eq!(
        state.scopes.get(&scope).map(|row| row.since),
        Some(77),
        "the scopes saved by the request that gave the device back"
    );
}

/// A programme whose case manager's device has synced its caseload, the project leader, and
/// the address of the case manager's entries in the access log.
async fn synced_under_watch(app: &TestApp) -> (Programme, Device, reqwest::Client, String) {
    let programme = Programme::create(app).await;
    let leader = signed_in(app, "leader").await;
    let log = format!("/api/v1/access-log?user_id={}", programme.cm);
    let mut device = Device::new(app, "cm1").await;
    device.pull_all(app).await;
    (programme, device, leader, log)
}

/// What a sync applies and what it sends are in the access log: the change, and a read for
/// each participant whose data a response carried.
#[tokio::test]
async fn a_sync_logs_the_change_it_applied_and_each_participant_it_sent() {
    let app = TestApp::spawn().await;
    let (programme, mut device, leader, log) = synced_under_watch(&app).await;
    let of = |entries: &[Value], action: &str, kind: &str| -> Vec<Value> {
        entries
            .iter()
            .filter(|entry| entry["action"] == action && entry["kind"] == kind)
            .cloned()
            .collect()
    };
    let before: Vec<Value> = get_json(&app, &leader, &log).await;
    let first_reads = of(&before, "read", "sync");
    assert!(!first_reads.is_empty(), "the first sync sent the caseload");

    let (id, check_in) = new_check_in(&programme);
    let body = device
        .sync(
            &app,
            json!([{ "id": 1, "name": "check_in.save", "args": check_in }]),
        )
        .await;
    assert_eq!(body["results"][0]["status"], "applied", "{body}");
    assert_eq!(
        ids_of(body["changes"].as_array().unwrap(), "check_in"),
        BTreeSet::from([id.to_string()]),
        "the response carries the check-in back"
    );
    let after: Vec<Value> = get_json(&app, &leader, &log).await;
    let created = of(&after, "create", "check_in");
    assert_eq!(created.len(), 1, "{after:?}");
    assert_eq!(created[0]["record_id"], id.to_string());
    let reads = of(&after, "read", "sync");
    assert_eq!(
        reads.len(),
        first_reads.len() + 1,
        "one read for the response that carried the check-in"
    );
    let participant = programme.participant_a.to_string();
    for entry in created.iter().chain(&reads) {
        assert_eq!(entry["participant_id"], participant.as_str(), "{entry}");
        assert_eq!(entry["address"], "127.0.0.1", "{entry}");
    }
}

/// A request that outlived its lease, once a newer request of the device took it over, saves
/// nothing of what it decided for the device and logs no read: the device goes on from the
/// newer request's answer, and this one is told to sync again.
#[tokio::test]
async fn a_request_that_outlived_its_lease_saves_nothing() {
    use chrono::{TimeDelta, Utc};
    use lotsa_core::sync::engine::Sent;
    use lotsa_core::sync::scopes::{Scope, ScopePlan};
    use server::db::{AccessAction, AccessEntry, DbError, Leased};
    let app = TestApp::spawn().await;
    let (programme, device, leader, log) = synced_under_watch(&app).await;
    let logged: Vec<Value> = get_json(&app, &leader, &log).await;

    let then = Utc::now() - TimeDelta::minutes(2);
    let slow = Uuid::new_v4();
    let taken = app
        .db
        .lease_client(
            device.id,
            programme.cm,
            slow,
            then,
            then + TimeDelta::seconds(30),
        )
        .await
        .unwrap();
    assert!(matches!(taken, Leased::Taken(_)), "{taken:?}");
    let now = Utc::now();
    let newer = Uuid::new_v4();
    let Leased::Taken(state) = app
        .db
        .lease_client(
            device.id,
            programme.cm,
            newer,
            now,
            now + TimeDelta::seconds(30),
        )
        .await
        .unwrap()
    else {
        panic!("an expired lease is taken over");
    };

    let gained: Scope = format!("participant:{}", Uuid::new_v4()).parse().unwrap();
    let read = AccessEntry {
        at: now,
        user_id: programme.cm.to_string(),
        participant_id: Some(programme.participant_a.to_string()),
        action: AccessAction::Read,
        kind: "sync".to_owned(),
        record_id: None,
        address: None,
    };
    let read_only = Sent {
        cursor: state.last_mutation_id + 1_000,
        read: BTreeSet::from([programme.participant_a]),
        ..Sent::default()
    };
    let with_scopes = Sent {
        scopes: ScopePlan {
            gained: vec![gained],
            ..ScopePlan::default()
        },
        ..read_only.clone()
    };
    for sent in [&read_only, &with_scopes] {
        let saved = app
            .db
            .update_client(device.id, sent, slow, std::slice::from_ref(&read))
            .await;
        assert!(matches!(saved, Err(DbError::LeaseLost)), "{saved:?}");
    }

    app.db
        .update_client(device.id, &Sent::default(), newer, &[])
        .await
        .expect("the newer request still holds the device");
    let Leased::Taken(after) = app
        .db
        .lease_client(
            device.id,
            programme.cm,
            Uuid::new_v4(),
            now,
            now + TimeDelta::seconds(30),
        )
        .await
        .unwrap()
    else {
        panic!("the newer request gave the device back");
    };
    assert_eq!(
        after.scopes, state.scopes,
        "the outlived request saved no scopes"
    );
    let still: Vec<Value> = get_json(&app, &leader, &log).await;
    assert_eq!(still.len(), logged.len(), "nor logged a read: {still:?}");
}

#[tokio::test]
async fn a_supervisor_and_a_case_manager_changing_one_days_attendance_offline_are_both_applied_and_the_first_told(
) {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let mut supervisor = Device::new(&app, "sup").await;
    let mut coach = Device::new(&app, "cm1").await;
    let held = supervisor.pull_all(&app).await;
    coach.pull_all(&app).await;
    let yesterday = programme.today - chrono::Days::new(1);
    let attendance_id = lotsa_core::domain::Attendance::id_for(programme.participant_a, yesterday);
    let attendance = held
        .iter()
        .find(|change| change["id"] == attendance_id.to_string().as_str())
        .expect("the supervisor's device holds the day's attendance");
    let base = attendance["version"].as_i64().unwrap();
    let marked = |status: &str, details: Value| {
        let mut data = attendance["data"].clone();
        data["status"] = json!(status);
        data.as_object_mut()
            .unwrap()
            .extend(details.as_object().unwrap().clone());
        data
    };

    // Both corrected the same day from the same version while offline; the supervisor's
    // phone reached the server first.
    let first = supervisor
        .sync(
            &app,
            json!([{ "id": 1, "name": "attendance.save", "args": marked("part_of_day", json!({
                "planned_start": "07:00", "planned_end": "15:30", "arrived_at": "08:00",
                "reason": "transport" })),
                     "base_version": base }]),
        )
        .await;
    assert_eq!(first["results"][0]["status"], "applied", "{first}");
    let second = coach
        .sync(
            &app,
            json!([{ "id": 1, "name": "attendance.save", "args": marked("absent", json!({ "reason": "ill" })),
                     "base_version": base }]),
        )
        .await;
    assert_eq!(second["results"][0]["status"], "applied", "{second}");
    assert!(second.get("notices").is_none(), "{second}");

    let told = supervisor.sync(&app, json!([])).await;
    let notices = told["notices"].as_array().expect("the supervisor is told");
    assert_eq!(notices.len(), 1, "{told}");
    assert_eq!(notices[0]["kind"], "attendance");
    assert_eq!(notices[0]["id"], attendance["id"]);
    let replaced = notices[0]["replaced_version"].as_i64().unwrap();
    assert!(notices[0]["version"].as_i64().unwrap() > replaced);
    let current = told["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|change| change["id"] == attendance["id"])
        .expect("the case manager's version reaches the supervisor");
    assert_eq!(current["data"]["status"], "absent");

    // The supervisor's version is kept in the record's history, not overwritten.
    let kept = app
        .database
        .count(&format!(
            "SELECT COUNT(*) FROM record_history WHERE kind = 'attendance' \
             AND id = '{attendance_id}' AND version = {replaced} AND changed_by = '{}'",
            user("sup")
        ))
        .await;
    assert_eq!(kept, 1, "the replaced version is in the history");
}
