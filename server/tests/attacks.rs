//! The attacker's side of the permission table: every relation a user could try to create
//! for themselves (a staff card, a membership, responsibility, a placement, an invite) is
//! refused, and the ways in that a probe of the demo found stay closed.

mod common;

use chrono::Days;
use common::get_json;
use common::programme::{
    put_record as put, signed_in, user, Programme, Side, HIDDEN_FROM_SUPERVISORS,
};
use common::TestApp;
use lotsa_core::domain::{Attendance, Kind, Record, Role};
use reqwest::StatusCode;
use serde_json::{json, Value};
use server::db::NewUser;
use uuid::Uuid;

async fn delete(app: &TestApp, client: &reqwest::Client, kind: &str, id: Uuid) -> StatusCode {
    client
        .delete(app.url(&format!("/api/v1/records/{kind}/{id}")))
        .send()
        .await
        .unwrap()
        .status()
}

/// One sync request from a new device, with `mutations`; the answer's body.
async fn sync(app: &TestApp, client: &reqwest::Client, mutations: Value) -> Value {
    let response = client
        .post(app.url("/api/v1/sync"))
        .json(&json!({ "client_id": Uuid::new_v4(), "cursor": null, "mutations": mutations }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn invite(
    app: &TestApp,
    client: &reqwest::Client,
    role: &str,
    id: Uuid,
) -> reqwest::Response {
    client
        .post(app.url("/api/v1/invites"))
        .json(&json!({ "role": role, "id": id }))
        .send()
        .await
        .unwrap()
}

async fn invite_code(app: &TestApp, client: &reqwest::Client, role: &str, id: Uuid) -> String {
    let response = invite(app, client, role, id).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json::<Value>().await.unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn accept(app: &TestApp, code: &str, username: &str) -> (reqwest::Client, StatusCode) {
    let person = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let status = person
        .post(app.url(&format!("/api/v1/invites/{code}/accept")))
        .json(&json!({ "username": username, "password": "mitt eget lösenord" }))
        .send()
        .await
        .unwrap()
        .status();
    (person, status)
}

fn participant_ids(list: &[Value]) -> Vec<String> {
    list.iter()
        .map(|record| record["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn nobody_enrols_themselves_in_a_programme() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let newcomer = signed_in(&app, "newcomer").await;
    let card = |programme_id: Uuid| json!({ "id": user("newcomer"), "programme_id": programme_id, "name": "Ny Coach" });

    let own_card = put(&app, &newcomer, "staff", &card(programme.programme)).await;
    assert_eq!(own_card.status(), StatusCode::FORBIDDEN);
    let through_sync = sync(
        &app,
        &newcomer,
        json!([{ "id": 1, "name": "staff.save", "args": card(programme.programme) }]),
    )
    .await;
    assert_eq!(through_sync["results"][0]["status"], "rejected");
    let list: Vec<Value> = get_json(&app, &newcomer, "/api/v1/participants").await;
    assert!(list.is_empty(), "a self-made card opened {list:?}");

    // A member who gives up their card cannot write themselves back in, nor elsewhere.
    let cm1 = signed_in(&app, "cm1").await;
    assert_eq!(
        delete(&app, &cm1, "staff", programme.cm).await,
        StatusCode::OK
    );
    let cm1_card =
        json!({ "id": programme.cm, "programme_id": programme.programme, "name": "cm1" });
    assert_eq!(
        put(&app, &cm1, "staff", &cm1_card).await.status(),
        StatusCode::FORBIDDEN
    );
    let list: Vec<Value> = get_json(&app, &cm1, "/api/v1/participants").await;
    assert!(
        !participant_ids(&list).contains(&programme.participant_b.to_string()),
        "no programme-wide access without a card"
    );

    // A leader takes people on into their own programme only.
    let leader = signed_in(&app, "leader").await;
    let elsewhere = put(&app, &leader, "staff", &card(programme.other_programme)).await;
    assert_eq!(elsewhere.status(), StatusCode::FORBIDDEN);
    let granted = put(&app, &leader, "staff", &card(programme.programme)).await;
    assert_eq!(granted.status(), StatusCode::OK);
    let path = format!("/api/v1/records/workplace/{}", programme.workplace_a);
    assert_eq!(
        newcomer.get(app.url(&path)).send().await.unwrap().status(),
        StatusCode::OK,
        "the card a leader made counts"
    );
    assert_eq!(
        put(&app, &leader, "staff", &cm1_card).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn nobody_makes_themselves_responsible_or_placed() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let cm1 = signed_in(&app, "cm1").await;

    // A participant of their own in a programme they do not work for.
    let mut elsewhere = programme.record(Kind::Participant, Side::Own).to_json();
    elsewhere["id"] = json!(Uuid::new_v4());
    elsewhere["programme_id"] = json!(programme.other_programme);
    elsewhere["employment_officer_id"] = Value::Null;
    assert_eq!(
        put(&app, &cm1, "participant", &elsewhere).await.status(),
        StatusCode::FORBIDDEN
    );

    // Another case manager's participant, taken over.
    let mut taken = programme.record(Kind::Participant, Side::Other).to_json();
    taken["case_manager_id"] = json!(programme.cm);
    assert_eq!(
        put(&app, &cm1, "participant", &taken).await.status(),
        StatusCode::FORBIDDEN
    );

    // An employment officer naming themselves.
    let eo1 = signed_in(&app, "eo1").await;
    let mut officer = programme.record(Kind::Participant, Side::Other).to_json();
    officer["employment_officer_id"] = json!(programme.eo);
    assert_eq!(
        put(&app, &eo1, "participant", &officer).await.status(),
        StatusCode::FORBIDDEN
    );

    // A supervisor placing someone else's participant with themselves, and a participant
    // placing themselves.
    let placement = |participant: Uuid, workplace: Uuid, supervisor: Uuid| {
        json!({ "id": Uuid::new_v4(), "programme_id": programme.programme,
            "participant_id": participant, "workplace_id": workplace, "supervisor_id": supervisor,
            "starts_on": programme.today, "ends_on": programme.today + Days::new(30),
            "weekly_pattern": [{ "weekday": "Tue", "starts_at": "08:00", "ends_at": "16:00" }] })
    };
    let sup = signed_in(&app, "sup").await;
    let grab = placement(
        programme.participant_b,
        programme.workplace_a,
        programme.supervisor_a,
    );
    assert_eq!(
        put(&app, &sup, "placement", &grab).await.status(),
        StatusCode::NOT_FOUND
    );
    let part = signed_in(&app, "part").await;
    let own = placement(
        programme.participant_a,
        programme.workplace_b,
        programme.supervisor_b,
    );
    assert_eq!(
        put(&app, &part, "placement", &own).await.status(),
        StatusCode::FORBIDDEN
    );

    let list: Vec<Value> = get_json(&app, &cm1, "/api/v1/participants").await;
    assert_eq!(
        participant_ids(&list),
        [programme.participant_a.to_string()]
    );
    let list: Vec<Value> = get_json(&app, &sup, "/api/v1/participants").await;
    assert_eq!(
        participant_ids(&list),
        [programme.participant_a.to_string()]
    );
}

#[tokio::test]
async fn an_invite_made_before_sign_up_is_dead_after_it() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let cm2 = signed_in(&app, "cm2").await;
    let first = invite_code(&app, &cm2, "participant", programme.participant_b).await;
    let second = invite_code(&app, &cm2, "participant", programme.participant_b).await;

    let (yonas, status) = accept(&app, &first, "yonas").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        app.get(&format!("/api/v1/invites/{second}")).await.status(),
        StatusCode::GONE
    );
    let (intruder, status) = accept(&app, &second, "intruder").await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(
        intruder
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED,
        "no account for the second code"
    );
    let list: Vec<Value> = get_json(&app, &yonas, "/api/v1/participants").await;
    assert_eq!(
        participant_ids(&list),
        [programme.participant_b.to_string()]
    );

    // A code made for someone who has an account (here stored directly, as an invite made
    // in the moment before their sign-up) does not take it over either.
    let code = "CDEFG-HJKMN";
    programme
        .store_invite(&app, code, programme.participant_a, chrono::Utc::now())
        .await;
    let (_, status) = accept(&app, code, "taker").await;
    assert_eq!(status, StatusCode::GONE);
    let stored = app
        .db
        .record(Kind::Participant, programme.participant_a)
        .await
        .unwrap()
        .unwrap();
    let Some(Record::Participant(participant)) = stored.record else {
        panic!("participant A")
    };
    assert_eq!(
        participant.user_id,
        Some(programme.part),
        "still bound to its person"
    );
}

#[tokio::test]
async fn only_those_responsible_for_a_placed_participant_invite_their_supervisor() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    // Supervisor B has no account; only cm2's participant B is placed with them.
    for (user, expected) in [
        ("cm1", StatusCode::FORBIDDEN),
        ("eo2", StatusCode::FORBIDDEN),
        ("outsider", StatusCode::NOT_FOUND),
        ("cm2", StatusCode::CREATED),
        ("leader", StatusCode::CREATED),
    ] {
        let client = signed_in(&app, user).await;
        let response = invite(&app, &client, "supervisor", programme.supervisor_b).await;
        assert_eq!(response.status(), expected, "{user}");
    }
}

#[tokio::test]
async fn a_participant_goes_only_with_their_records_and_their_id_stays_gone() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let cm1 = signed_in(&app, "cm1").await;
    let cm2 = signed_in(&app, "cm2").await;

    assert_eq!(
        delete(&app, &cm1, "participant", programme.participant_a).await,
        StatusCode::BAD_REQUEST,
        "participant A has a file"
    );
    let path = format!("/api/v1/records/participant/{}", programme.participant_a);
    assert_eq!(
        cm1.get(app.url(&path)).send().await.unwrap().status(),
        StatusCode::OK
    );

    let mut registered = programme.record(Kind::Participant, Side::Own).to_json();
    let id = Uuid::new_v4();
    registered["id"] = json!(id);
    assert_eq!(
        put(&app, &cm1, "participant", &registered).await.status(),
        StatusCode::OK
    );
    let contact = json!({ "id": Uuid::new_v4(), "participant_id": id, "on": programme.today,
        "channel": "phone", "summary": "Första samtalet." });
    assert_eq!(
        put(&app, &cm1, "contact", &contact).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        delete(&app, &cm1, "participant", id).await,
        StatusCode::BAD_REQUEST
    );
    let contact_id: Uuid = contact["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        delete(&app, &cm1, "contact", contact_id).await,
        StatusCode::OK
    );
    assert_eq!(delete(&app, &cm1, "participant", id).await, StatusCode::OK);

    // Nobody brings the ids back to reach what they were tied to.
    let mut reclaimed = registered.clone();
    reclaimed["case_manager_id"] = json!(programme.cm2);
    reclaimed["employment_officer_id"] = Value::Null;
    assert_eq!(
        put(&app, &cm2, "participant", &reclaimed).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        put(&app, &cm1, "participant", &registered).await.status(),
        StatusCode::BAD_REQUEST
    );
    let replayed = sync(
        &app,
        &cm1,
        json!([{ "id": 1, "name": "contact.save", "args": contact }]),
    )
    .await;
    assert_eq!(replayed["results"][0]["status"], "rejected");

    // An attendance's id follows from its participant and day: it may be recorded again.
    let day = programme.today - Days::new(1);
    let attendance_id = Attendance::id_for(programme.participant_a, day);
    assert_eq!(
        delete(&app, &cm1, "attendance", attendance_id).await,
        StatusCode::OK
    );
    let again = programme
        .records
        .iter()
        .find(|record| record.id() == attendance_id)
        .expect("the fixture's attendance")
        .to_json();
    assert_eq!(
        put(&app, &cm1, "attendance", &again).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_access_log_shows_a_leader_only_their_programmes() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let cm1 = signed_in(&app, "cm1").await;
    let path = format!("/api/v1/records/participant/{}", programme.participant_a);
    assert_eq!(
        cm1.get(app.url(&path)).send().await.unwrap().status(),
        StatusCode::OK
    );

    let leader = signed_in(&app, "leader").await;
    let entries: Vec<Value> = get_json(&app, &leader, "/api/v1/access-log").await;
    assert!(
        entries
            .iter()
            .any(|entry| entry["participant_id"] == programme.participant_a.to_string()),
        "the leader sees their programme's log"
    );

    // A project leader of no programme, and one of another programme.
    let hash = server::auth::hash_password(
        &lotsa_core::domain::Password::parse_new(common::programme::PASSWORD).unwrap(),
    )
    .await
    .unwrap();
    let leader_of = |name: &str| NewUser {
        username: lotsa_core::domain::Username::parse(name).unwrap(),
        display_name: lotsa_core::domain::DisplayName::parse(name).unwrap(),
        password_hash: hash.clone(),
        roles: vec![Role::ProjectLeader],
    };
    let (nowhere, elsewhere) = (Uuid::new_v4(), Uuid::new_v4());
    let card = Record::parse(
        Kind::Staff,
        json!({ "id": elsewhere, "programme_id": programme.other_programme, "name": "Annan ledare" }),
    )
    .unwrap();
    app.db
        .import(
            &[
                (nowhere, leader_of("nowhere")),
                (elsewhere, leader_of("elsewhere")),
            ],
            &[card],
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let nowhere = signed_in(&app, "nowhere").await;
    let response = nowhere
        .get(app.url("/api/v1/access-log"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let elsewhere = signed_in(&app, "elsewhere").await;
    for query in [
        "/api/v1/access-log".to_owned(),
        format!(
            "/api/v1/access-log?participant_id={}",
            programme.participant_a
        ),
        format!("/api/v1/access-log?user_id={}", programme.cm),
    ] {
        let entries: Vec<Value> = get_json(&app, &elsewhere, &query).await;
        assert!(entries.is_empty(), "{query}: {entries:?}");
    }
}

/// The fixture's records with every optional date field filled in as well.
fn records_with_every_date(programme: &Programme) -> Vec<(Kind, Value)> {
    let day = programme.today.to_string();
    programme
        .records
        .iter()
        .map(|record| {
            let mut data = record.to_json();
            match record.kind() {
                Kind::CheckIn => {
                    data["next_check_in_on"] = json!(day);
                    data["agreed_actions"] =
                        json!([{ "who": "participant", "what": "Ringa", "by": day }]);
                }
                Kind::Participant => {
                    data["consents"] = json!([{ "scope": "languages", "given_on": day,
                        "recorded_by": programme.cm, "withdrawn_on": day }]);
                    data["support"] = json!([{ "kind": "bus_card",
                        "decision": { "granted": true, "decided_on": day } }]);
                }
                Kind::Supervisor => data["trained_on"] = json!(day),
                Kind::FollowUp => data["done_on"] = json!(day),
                _ => {}
            }
            Record::parse(record.kind(), data.clone())
                .unwrap_or_else(|error| panic!("{}: {error}", record.kind()));
            (record.kind(), data)
        })
        .collect()
}

/// Copies of `data` with one date string replaced by `day`, one copy per date in it.
fn with_each_date_as(data: &Value, day: &str) -> Vec<Value> {
    fn dates(value: &Value, path: &mut Vec<Value>, found: &mut Vec<Vec<Value>>) {
        match value {
            Value::String(text)
                if text.len() == 10 && text.parse::<chrono::NaiveDate>().is_ok() =>
            {
                found.push(path.clone());
            }
            Value::Object(map) => {
                for (key, inner) in map {
                    path.push(json!(key));
                    dates(inner, path, found);
                    path.pop();
                }
            }
            Value::Array(items) => {
                for (index, inner) in items.iter().enumerate() {
                    path.push(json!(index));
                    dates(inner, path, found);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    dates(data, &mut Vec::new(), &mut found);
    found
        .into_iter()
        .map(|path| {
            let mut copy = data.clone();
            let mut slot = &mut copy;
            for step in &path {
                slot = match step {
                    Value::String(key) => &mut slot[key.as_str()],
                    Value::Number(index) => &mut slot[index.as_u64().unwrap() as usize],
                    _ => unreachable!(),
                };
            }
            *slot = json!(day);
            copy
        })
        .collect()
}

#[tokio::test]
async fn days_outside_1900_to_2200_are_refused_through_the_api_and_sync() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let leader = signed_in(&app, "leader").await;
    let mut mutations = Vec::new();
    let mut tried = 0;
    for (kind, data) in records_with_every_date(&programme) {
        for extreme in ["-262143-01-01", "+262142-12-31", "1899-12-31", "2201-01-01"] {
            for bad in with_each_date_as(&data, extreme) {
                tried += 1;
                let response = put(&app, &leader, kind.as_str(), &bad).await;
                assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{kind} {bad}");
                let message = response.json::<Value>().await.unwrap()["error"].to_string();
                assert!(message.contains("1900"), "{kind}: {message}");
                mutations.push(json!({
                    "id": mutations.len() + 1, "name": format!("{kind}.save"), "args": bad
                }));
            }
        }
    }
    assert!(
        tried >= 100,
        "every date field of every kind: {tried} tried"
    );
    // After all of them, a good change still goes through: nothing blocks the outbox.
    let good = programme.record(Kind::Programme, Side::Own).to_json();
    mutations.push(json!({ "id": mutations.len() + 1, "name": "programme.save", "args": good }));
    for chunk in mutations.chunks(400) {
        let body = sync(&app, &leader, json!(chunk)).await;
        let results = body["results"].as_array().unwrap();
        assert_eq!(results.len(), chunk.len());
        for (result, mutation) in results.iter().zip(chunk) {
            let expected = if mutation["name"] == "programme.save" && mutation["args"] == good {
                "applied"
            } else {
                "rejected"
            };
            assert_eq!(result["status"], expected, "{mutation}: {result}");
        }
    }
}

#[tokio::test]
async fn a_supervisor_never_hears_of_records_it_could_not_see() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let sup = signed_in(&app, "sup").await;
    let client_id = Uuid::new_v4();
    let pull = |cursor: Option<i64>| {
        let sup = sup.clone();
        let url = app.url("/api/v1/sync");
        async move {
            let body: Value = sup
                .post(url)
                .json(&json!({ "client_id": client_id, "cursor": cursor, "mutations": [] }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            body
        }
    };
    let first = pull(None).await;
    let cursor = first["cursor"].as_i64();

    let cm1 = signed_in(&app, "cm1").await;
    for kind in [Kind::CheckIn, Kind::Contact, Kind::Review] {
        let record = programme.record(kind, Side::Own);
        assert_eq!(
            delete(&app, &cm1, kind.as_str(), record.id()).await,
            StatusCode::OK
        );
    }
    // The placement ends long enough ago that the supervisor loses participant A.
    let leader = signed_in(&app, "leader").await;
    let mut placement = programme.record(Kind::Placement, Side::Own).to_json();
    placement["starts_on"] = json!(programme.today - Days::new(60));
    placement["ends_on"] = json!(programme.today - Days::new(10));
    assert_eq!(
        put(&app, &leader, "placement", &placement).await.status(),
        StatusCode::OK
    );

    let next = pull(cursor).await;
    let kinds: Vec<&str> = next["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|change| change["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"participant"),
        "participant A is purged: {kinds:?}"
    );
    for private in HIDDEN_FROM_SUPERVISORS {
        assert!(
            !kinds.contains(&private),
            "{private} reached the supervisor: {kinds:?}"
        );
    }
}

#[tokio::test]
async fn writes_and_invites_do_not_tell_hidden_participants_from_missing_ones() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let cm1 = signed_in(&app, "cm1").await;
    let contact_about = |participant: Uuid| {
        json!({ "id": Uuid::new_v4(), "participant_id": participant, "on": programme.today,
            "channel": "phone", "summary": "Prövar." })
    };
    let mut answers = Vec::new();
    for participant in [programme.participant_b, Uuid::new_v4()] {
        let response = put(&app, &cm1, "contact", &contact_about(participant)).await;
        let written = (response.status(), response.text().await.unwrap());
        let response = invite(&app, &cm1, "participant", participant).await;
        let invited = (response.status(), response.text().await.unwrap());
        let synced = sync(
            &app,
            &cm1,
            json!([{ "id": 1, "name": "contact.save", "args": contact_about(participant) }]),
        )
        .await["results"][0]
            .clone();
        answers.push((written, invited, synced));
    }
    assert_eq!(answers[0], answers[1], "hidden and missing answer alike");
    assert_eq!(answers[0].0 .0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn checking_invite_codes_counts_towards_the_rate_limit() {
    let app = TestApp::spawn().await;
    let mut last = StatusCode::OK;
    for _ in 0..=server::auth::MAX_FAILURES_PER_ADDRESS {
        last = app.get("/api/v1/invites/ACDEF-GHJKM").await.status();
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn api_answers_are_never_stored_and_oversized_bodies_are_too_large() {
    let app = TestApp::spawn().await;
    Programme::create(&app).await;
    let cm1 = signed_in(&app, "cm1").await;
    for response in [
        app.get("/api/v1/me").await,
        cm1.get(app.url("/api/v1/participants"))
            .send()
            .await
            .unwrap(),
    ] {
        assert_eq!(
            response.headers()["cache-control"],
            "no-store",
            "{}",
            response.url()
        );
    }
    let huge = json!({ "client_id": Uuid::new_v4(), "cursor": null,
        "mutations": [{ "id": 1, "name": "contact.save", "args": { "summary": "x".repeat(10 << 20) } }] });
    let response = cm1
        .post(app.url("/api/v1/sync"))
        .json(&huge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn the_same_host_under_another_scheme_is_another_site() {
    let login = |app: &TestApp, origin: String| {
        let request = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .header("origin", origin)
            .json(&json!({ "username": "nobody", "password": "wrong password here" }));
        async move { request.send().await.unwrap().status() }
    };
    let app = TestApp::spawn().await;
    let host = app.address.trim_start_matches("http://").to_owned();
    assert_eq!(
        login(&app, format!("http://{host}")).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login(&app, format!("https://{host}")).await,
        StatusCode::FORBIDDEN
    );

    let behind_tls = TestApp::spawn_with(
        common::fake_site(),
        common::TestDb::new().await,
        |settings| {
            settings.secure_cookies = true;
        },
    )
    .await;
    let host = behind_tls.address.trim_start_matches("http://").to_owned();
    assert_eq!(
        login(&behind_tls, format!("http://{host}")).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        login(&behind_tls, format!("https://{host}")).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_data_folder_and_database_file_are_private() {
    use std::os::unix::fs::PermissionsExt;
    // A data folder the server makes itself, inside the (already private) temporary one.
    let database = common::TestDb::new().await;
    let data = database.data.path().join("lotsa-data");
    let nested = data.clone();
    let app = TestApp::spawn_with(common::fake_site(), database, move |settings| {
        if let server::config::DatabaseSettings::Sqlite { path } = &mut settings.database {
            *path = nested.join(server::config::SQLITE_FILE_NAME);
        }
        settings.data_dir = nested;
    })
    .await;
    let data = data.as_path();
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(data), 0o700);
    let file = data.join(server::config::SQLITE_FILE_NAME);
    match app.backend {
        "sqlite" => assert_eq!(mode(&file), 0o600),
        _ => assert!(!file.exists(), "PostgreSQL keeps no database file here"),
    }
}

#[tokio::test]
async fn the_command_line_makes_the_first_leader_who_takes_the_others_on() {
    let app = TestApp::spawn().await;
    let leader_id = app
        .create_user("forsta", "ett långt lösenord", &[Role::ProjectLeader])
        .await;
    let coach_id = app
        .create_user("coach", "ett långt lösenord", &[Role::CaseManager])
        .await;
    let programme_id = Uuid::new_v4();
    let programme = json!({
        "id": programme_id, "name": "Vårdlyftet", "owner": "Norrköpings kommun",
        "funding": { "funder": "Europeiska socialfonden", "project_number": "2026/00042",
            "starts_on": "2026-01-01", "ends_on": "2028-12-31",
            "total_budget_sek": 5000000, "co_financing_sek": 1000000 },
        "targets": { "participants": 40, "share_women": 50, "share_men": 50,
            "share_in_work_or_studies": 60 },
        "max_placement": { "months": 6 }, "intake_rounds": [], "municipalities": ["Norrköping"]
    });
    let coach_user = lotsa_core::domain::Username::parse("coach").unwrap();
    let refused =
        server::admin::create_programme(app.db.as_ref(), programme.clone(), &coach_user).await;
    assert!(refused
        .unwrap_err()
        .to_string()
        .contains("not a project leader"));
    let leader = lotsa_core::domain::Username::parse("forsta").unwrap();
    let created = server::admin::create_programme(app.db.as_ref(), programme.clone(), &leader)
        .await
        .unwrap();
    assert_eq!(created, programme_id);
    assert!(
        server::admin::create_programme(app.db.as_ref(), programme, &leader)
            .await
            .is_err()
    );

    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let login = client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "username": "forsta", "password": "ett långt lösenord" }))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let card = json!({ "id": coach_id, "programme_id": programme_id, "name": "Coach" });
    assert_eq!(
        put(&app, &client, "staff", &card).await.status(),
        StatusCode::OK
    );
    let path = format!("/api/v1/records/staff/{leader_id}");
    assert_eq!(
        client.get(app.url(&path)).send().await.unwrap().status(),
        StatusCode::OK
    );
}
