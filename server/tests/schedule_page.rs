//! The participant's start page: rendered by the server with no app code, holding their own
//! schedule, workplace and contacts and nobody else's; where signing in and the app's address
//! take a participant; its calendar-link and sign-out forms.

mod common;

use common::programme::{
    page_browser as browser, page_text, put_record, sign_in_on_the_page, signed_in, user,
    Programme, Side,
};
use common::TestApp;
use lotsa_core::domain::{Kind, Record};
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

fn location(response: &reqwest::Response) -> &str {
    response.headers()["location"].to_str().unwrap()
}

#[tokio::test]
async fn a_participant_lands_on_their_own_schedule_rendered_without_the_apps_code() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let tomorrow = programme.today + chrono::Days::new(1);
    let cm2 = signed_in(&app, "cm2").await;
    let theirs = json!({
        "id": Uuid::new_v4(), "programme_id": programme.programme,
        "participant_id": programme.participant_b, "kind": "meeting",
        "title": "Yonas möte", "date": tomorrow, "starts_at": "10:00", "ends_at": "11:00",
    });
    assert_eq!(
        put_record(&app, &cm2, "schedule_event", &theirs)
            .await
            .status(),
        StatusCode::OK
    );
    let cm = signed_in(&app, "cm1").await;
    let mine = json!({
        "id": Uuid::new_v4(), "programme_id": programme.programme,
        "participant_id": programme.participant_a, "kind": "language_class",
        "title": "Sfi kurs C", "location": "Folkets hus",
        "date": tomorrow, "starts_at": "08:15", "ends_at": "11:45",
    });
    assert_eq!(
        put_record(&app, &cm, "schedule_event", &mine)
            .await
            .status(),
        StatusCode::OK
    );

    let (part, start) = sign_in_on_the_page(&app, "part").await;
    assert_eq!(
        start, "/schedule",
        "signing in takes a participant to their schedule"
    );
    let response = part.get(app.url("/schedule")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["cache-control"],
        "no-store",
        "the browser's own caches (and Back after signing out) keep no copy"
    );
    let page = response.text().await.unwrap();
    assert!(page.contains("Hej Amina!"), "{page}");
    assert!(page.contains("I morgon"), "tomorrow by its name");
    assert!(page.contains("08:15–11:45"));
    assert!(page.contains("Språkundervisning: Sfi kurs C"));
    assert!(page.contains("Folkets hus"));
    assert!(
        page.contains("Utbildningsdag"),
        "the fixture's weekly training day"
    );
    let Record::Workplace(workplace) = programme.record(Kind::Workplace, Side::Own) else {
        unreachable!()
    };
    assert!(page.contains(workplace.name.as_str()));
    assert!(page.contains("Din handledare: Birgitta"));
    assert!(
        page.contains("href=\"tel:013206000\""),
        "the case manager is a tap away"
    );
    assert!(!page.contains("Yonas"), "nobody else's schedule");
    assert!(
        !page.contains(".wasm") && page.matches("<script").count() == 1,
        "no app code: {page}"
    );
    assert!(
        page.contains("<script src=\"/static-pages.js\" defer></script>"),
        "only the script that lets the page open offline"
    );

    // Each showing is a read of the participant's data, in the access log.
    let log: Vec<serde_json::Value> = common::get_json(
        &app,
        &signed_in(&app, "leader").await,
        &format!(
            "/api/v1/access-log?participant_id={}",
            programme.participant_a
        ),
    )
    .await;
    let part_id = user("part").to_string();
    assert!(log
        .iter()
        .any(|entry| entry["user_id"] == part_id.as_str() && entry["record_id"] == mine["id"]));

    // In English once the participant chose it with the page's language switch.
    let switched = part
        .get(app.url("/language?to=en&back=/schedule"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&switched), "/schedule");
    let english = page_text(&part, &app, "/schedule").await;
    assert!(english.contains("Hello Amina!") && english.contains("Tomorrow"));
}

#[tokio::test]
async fn the_apps_address_and_the_page_send_each_user_where_they_belong() {
    let app = TestApp::spawn().await;
    Programme::create(&app).await;
    let (part, _) = sign_in_on_the_page(&app, "part").await;
    let opened = part
        .get(app.url("/"))
        .header("sec-fetch-mode", "navigate")
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&opened), "/schedule");
    // A browser that sends no Sec-Fetch-Mode asks for a page by asking for HTML first.
    let older = part
        .get(app.url("/"))
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(location(&older), "/schedule");
    // The service worker's own fetch of the app's address is answered as always.
    let kept = part
        .get(app.url("/"))
        .header("sec-fetch-mode", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(kept.status(), StatusCode::OK);

    let (cm, start) = sign_in_on_the_page(&app, "cm1").await;
    assert_eq!(start, "/caseload");
    let response = cm.get(app.url("/schedule")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/caseload", "not a participant");
    let (sup, _) = sign_in_on_the_page(&app, "sup").await;
    let response = sup.get(app.url("/schedule")).send().await.unwrap();
    assert_eq!(location(&response), "/");
    let home = sup.get(app.url("/")).send().await.unwrap();
    assert_eq!(
        home.status(),
        StatusCode::OK,
        "others keep the welcome page"
    );

    let response = browser().get(app.url("/schedule")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/login", "nobody signed in");
}

#[tokio::test]
async fn the_page_makes_a_calendar_link_and_signs_out() {
    let app = TestApp::spawn().await;
    Programme::create(&app).await;
    let (part, _) = sign_in_on_the_page(&app, "part").await;
    let made = part
        .post(app.url("/schedule/calendar"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        made.status(),
        StatusCode::OK,
        "the link is shown, not redirected to"
    );
    let page = made.text().await.unwrap();
    let marker = "data-testid=\"calendar-url\">";
    let start = page.find(marker).unwrap() + marker.len();
    let url = &page[start..start + page[start..].find('<').unwrap()];
    assert!(url.starts_with(&app.url("/api/v1/calendar/")), "{url}");
    assert!(page.contains("href=\"webcal://"), "a tap subscribes");
    assert_eq!(reqwest::get(url).await.unwrap().status(), StatusCode::OK);

    // Another site cannot make a link for the participant.
    let forged = part
        .post(app.url("/schedule/calendar"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(reqwest::get(url).await.unwrap().status(), StatusCode::OK);

    let out = part.post(app.url("/logout")).send().await.unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&out), "/login");
    let after = part.get(app.url("/schedule")).send().await.unwrap();
    assert_eq!(location(&after), "/login", "signed out");
    let me = part.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_absence_reported_on_the_page_is_stored_once_and_bad_input_changes_nothing() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let (part, _) = sign_in_on_the_page(&app, "part").await;
    let today = programme.today.to_string();
    let id = Uuid::new_v4().to_string();
    let mine = programme.participant_a.to_string();
    let sick = [
        ("participant", mine.as_str()),
        ("id", id.as_str()),
        ("reason", "ill"),
        ("first_day", today.as_str()),
    ];
    for _ in 0..2 {
        // A double tap, or the phone sending it again: one absence.
        let sent = part
            .post(app.url("/schedule/absence"))
            .form(&sick)
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&sent), "/schedule#absence", "back to what it says");
    }
    let page = page_text(&part, &app, "/schedule").await;
    assert!(
        page.contains("I dag: Sjuk · <strong>skickad</strong>"),
        "{page}"
    );
    let absences = app
        .database
        .count(&format!(
            "SELECT COUNT(*) FROM records WHERE kind = 'absence' AND id = '{id}'"
        ))
        .await;
    assert_eq!(absences, 1);
    let case_manager: Vec<serde_json::Value> = common::get_json(
        &app,
        &signed_in(&app, "cm1").await,
        &format!("/api/v1/participants/{}/records", programme.participant_a),
    )
    .await;
    assert!(
        case_manager
            .iter()
            .any(|record| record["id"] == id.as_str() && record["data"]["reason"] == "ill"),
        "the case manager sees it"
    );

    let all = "SELECT COUNT(*) FROM records WHERE kind = 'absence'";
    let fresh = Uuid::new_v4().to_string();
    let stored = app.database.count(all).await;
    let theirs = programme.participant_b.to_string();
    for bad in [
        vec![
            ("participant", mine.as_str()),
            ("id", "not-an-id"),
            ("reason", "ill"),
            ("first_day", today.as_str()),
        ],
        vec![
            ("participant", mine.as_str()),
            ("reason", "ill"),
            ("first_day", today.as_str()),
        ],
        vec![
            ("participant", mine.as_str()),
            ("id", id.as_str()),
            ("reason", "bored"),
            ("first_day", today.as_str()),
        ],
        // Kept on a phone and sent later under another person's session: refused.
        vec![
            ("participant", theirs.as_str()),
            ("id", fresh.as_str()),
            ("reason", "ill"),
            ("first_day", today.as_str()),
        ],
        vec![
            ("id", fresh.as_str()),
            ("reason", "ill"),
            ("first_day", today.as_str()),
        ],
        vec![
            ("participant", mine.as_str()),
            ("id", fresh.as_str()),
            ("reason", "ill"),
            ("first_day", "2026-12-10"),
            ("last_day", "2026-12-01"),
        ],
    ] {
        let refused = part
            .post(app.url("/schedule/absence"))
            .form(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{bad:?}");
        assert!(refused
            .text()
            .await
            .unwrap()
            .contains("Frånvaron kunde inte sparas"));
    }
    assert_eq!(app.database.count(all).await, stored, "nothing written");

    // Only a participant reports their own absence here.
    let (sup, _) = sign_in_on_the_page(&app, "sup").await;
    let response = sup
        .post(app.url("/schedule/absence"))
        .form(&sick)
        .send()
        .await
        .unwrap();
    assert_eq!(location(&response), "/");
}

#[tokio::test]
async fn the_language_a_participant_chooses_is_kept_on_the_account_for_a_new_device_and_the_calendar(
) {
    let app = TestApp::spawn().await;
    Programme::create(&app).await;
    let (part, _) = sign_in_on_the_page(&app, "part").await;
    let chose = part
        .get(app.url("/language?to=ar&back=/schedule"))
        .send()
        .await
        .unwrap();
    assert_eq!(chose.status(), StatusCode::SEE_OTHER);

    // Another phone, with no cookie of its own: the sign-in brings the account's language.
    let (other_phone, _) = sign_in_on_the_page(&app, "part").await;
    let html = page_text(&other_phone, &app, "/schedule").await;
    assert!(
        html.contains("<html lang=\"ar\" dir=\"rtl\""),
        "{}",
        &html[..200]
    );

    // The calendar app carries no cookie at all: the feed speaks the account's language too.
    let api = signed_in(&app, "part").await;
    let link: serde_json::Value = api
        .post(app.url("/api/v1/me/calendar"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let feed = reqwest::get(link["url"].as_str().unwrap())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let training = lotsa_pages::schedule::kind_name(
        lotsa_core::domain::EventKind::TrainingDay,
        lotsa_pages::i18n::Locale::ar,
    );
    assert!(feed.contains(training), "{feed}");
}

#[tokio::test]
async fn what_the_case_manager_changed_since_the_last_visit_is_marked_as_new_once() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let (part, _) = sign_in_on_the_page(&app, "part").await;
    let page = || page_text(&part, &app, "/schedule");
    assert!(
        !page().await.contains("data-testid=\"new-mark\""),
        "a first visit marks nothing"
    );

    let cm = signed_in(&app, "cm1").await;
    let meeting = json!({
        "id": Uuid::new_v4(), "programme_id": programme.programme,
        "participant_id": programme.participant_a, "kind": "meeting",
        "title": "Trepartssamtal", "date": programme.today + chrono::Days::new(1),
        "starts_at": "13:00", "ends_at": "14:00",
    });
    assert_eq!(
        put_record(&app, &cm, "schedule_event", &meeting)
            .await
            .status(),
        StatusCode::OK
    );
    let html = page().await;
    assert_eq!(
        html.matches("data-testid=\"new-mark\"").count(),
        1,
        "{html}"
    );
    let marked = html.split("data-testid=\"new-mark\"").next().unwrap();
    assert!(
        marked
            .rsplit("agenda-item")
            .next()
            .unwrap()
            .contains("Trepartssamtal"),
        "the new meeting is the one marked"
    );
    assert!(
        !page().await.contains("data-testid=\"new-mark\""),
        "seen: no longer new"
    );
}
