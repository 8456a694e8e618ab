//! The monthly attendance report: the case manager downloads it as CSV and PDF (read back with
//! pdftotext), the participant attests it on their page, an attested month is locked until the
//! case manager reopens it; the deviations of a period as CSV; who may not.

mod common;

use chrono::NaiveDate;
use common::programme::{page_text, put_record, sign_in_on_the_page, signed_in, Programme, Side};
use common::TestApp;
use lotsa_core::domain::Attendance;
use lotsa_core::report::Month;
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

/// A workplace shift of participant A on `day`, 08:00–16:00, by their case manager.
async fn shift_on(app: &TestApp, programme: &Programme, day: NaiveDate) {
    let cm = signed_in(app, "cm1").await;
    let shift = json!({
        "id": Uuid::new_v4(), "programme_id": programme.programme,
        "participant_id": programme.participant_a, "kind": "workplace_shift",
        "date": day, "starts_at": "08:00", "ends_at": "16:00",
    });
    let response = put_record(app, &cm, "schedule_event", &shift).await;
    assert_eq!(response.status(), StatusCode::OK);
}

/// Participant A's attendance on `day` at their placement, planned 08:00–16:00, with `fields`.
fn attendance(programme: &Programme, day: NaiveDate, fields: Value) -> Value {
    let placement = programme.placement_of(programme.participant_a);
    let mut data = json!({
        "id": Attendance::id_for(programme.participant_a, day),
        "participant_id": programme.participant_a, "placement_id": placement,
        "day": day, "planned_start": "08:00", "planned_end": "16:00",
    });
    data.as_object_mut()
        .unwrap()
        .extend(fields.as_object().unwrap().clone());
    data
}

/// Participant A came to today's shift at 08:20 by a late bus, as their supervisor recorded it.
async fn late_today(app: &TestApp, programme: &Programme) {
    shift_on(app, programme, programme.today).await;
    let sup = signed_in(app, "sup").await;
    let late = attendance(
        programme,
        programme.today,
        json!({ "status": "part_of_day", "arrived_at": "08:20",
            "reason": "transport", "note": "Bussen kom inte." }),
    );
    let response = put_record(app, &sup, "attendance", &late).await;
    assert_eq!(response.status(), StatusCode::OK);
}

/// The last day of last month: participant A's placement is made to reach back to it, they
/// had a shift then and came as planned, as their supervisor confirmed it.
async fn here_on_the_last_day_of_last_month(app: &TestApp, programme: &Programme) -> NaiveDate {
    let day = Month::of(programme.today).previous().last_day();
    let mut placement = programme
        .record(lotsa_core::domain::Kind::Placement, Side::Own)
        .to_json();
    placement["starts_on"] = json!(day - chrono::Days::new(14));
    let cm = signed_in(app, "cm1").await;
    let response = put_record(app, &cm, "placement", &placement).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap()
    );
    shift_on(app, programme, day).await;
    let sup = signed_in(app, "sup").await;
    let here = attendance(programme, day, json!({ "status": "present" }));
    let response = put_record(app, &sup, "attendance", &here).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap()
    );
    day
}

async fn download(client: &reqwest::Client, app: &TestApp, path: &str) -> (StatusCode, Vec<u8>) {
    let response = client.get(app.url(path)).send().await.unwrap();
    (response.status(), response.bytes().await.unwrap().to_vec())
}

fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, pdf).unwrap();
    let output = std::process::Command::new("pdftotext")
        .args(["-layout", path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils, installed by scripts/setup.sh --test)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test]
async fn the_case_manager_downloads_last_month_the_participant_attests_it_and_it_is_locked_until_reopened(
) {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    let day = here_on_the_last_day_of_last_month(&app, &programme).await;
    let month = Month::of(day);
    let cm = signed_in(&app, "cm1").await;
    let csv_path = format!(
        "/api/v1/participants/{}/attendance/{month}.csv",
        programme.participant_a
    );
    let pdf_path = csv_path.replace(".csv", ".pdf");

    let logged_before = app.database.count("SELECT COUNT(*) FROM access_log").await;
    let (status, csv) = download(&cm, &app, &csv_path).await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with(
        "date,workplace_learning_hours,training_day_hours,language_class_hours,other_hours\r\n"
    ));
    let day_line = csv
        .lines()
        .find(|line| line.starts_with(&day.to_string()))
        .expect("the confirmed day is in the report");
    assert!(day_line.starts_with(&format!("{day},8.00,")), "{day_line}");
    assert!(
        csv.lines().last().unwrap().starts_with("total,8.00,"),
        "{csv}"
    );
    assert!(
        app.database.count("SELECT COUNT(*) FROM access_log").await > logged_before,
        "the download is in the access log"
    );
    let (status, pdf) = download(&cm, &app, &pdf_path).await;
    assert_eq!(status, StatusCode::OK);
    let text = pdf_text(&pdf);
    assert!(text.contains(&format!("Närvarorapport {month}")), "{text}");
    assert!(text.contains("Deltagare: Amina Deltagare"), "{text}");
    assert!(text.contains("Arbetsplatsförlagt lärande"), "{text}");
    assert!(
        text.contains(&day.to_string()) && text.contains("8,00"),
        "{text}"
    );
    assert!(text.contains("Inte intygad av deltagaren."), "{text}");

    // The participant reads last month on their page and attests it as shown.
    let (part, _) = sign_in_on_the_page(&app, "part").await;
    let html = page_text(&part, &app, "/schedule").await;
    let report = html
        .split("data-testid=\"month-report\"")
        .find(|part| part.contains(&format!("data-month=\"{month}\"")))
        .expect("last month's report is on the page");
    assert!(report.contains("Praktik 8 h"), "{report}");
    assert!(
        !html.contains(&format!("data-month=\"{}\"", Month::of(programme.today))),
        "this month has not ended: not offered"
    );
    let digest = report
        .split("name=\"digest\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let attest = |month: Month, digest: String| {
        vec![
            ("participant", programme.participant_a.to_string()),
            ("month", month.to_string()),
            ("digest", digest),
        ]
    };
    for (month, digest) in [
        (month, "0".repeat(64)),
        (Month::of(programme.today), digest.clone()),
    ] {
        let refused = part
            .post(app.url("/schedule/attest"))
            .form(&attest(month, digest))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{month}");
        assert!(refused
            .text()
            .await
            .unwrap()
            .contains("data-testid=\"report-refused\""));
    }
    for _ in 0..2 {
        let response = part
            .post(app.url("/schedule/attest"))
            .form(&attest(month, digest.clone()))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "a second tap is the same attestation"
        );
    }
    let stored = app
        .database
        .count("SELECT COUNT(*) FROM attendance_attestations WHERE reopened_at IS NULL")
        .await;
    assert_eq!(stored, 1);
    let html = page_text(&part, &app, "/schedule").await;
    assert!(html.contains("data-testid=\"report-attested\""));
    let text = pdf_text(&download(&cm, &app, &pdf_path).await.1);
    assert!(text.contains("Intygad av deltagaren"), "{text}");
    assert!(
        text.contains(&digest),
        "the PDF names the attested report's digest: {text}"
    );

    // The attested month is locked: the supervisor's correction and deletion are refused, on
    // the page too.
    let sup = signed_in(&app, "sup").await;
    let absent = attendance(
        &programme,
        day,
        json!({ "status": "absent", "reason": "ill" }),
    );
    let response = put_record(&app, &sup, "attendance", &absent).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "attendance_month_attested", "{body}");
    let id = Attendance::id_for(programme.participant_a, day);
    let response = sup
        .delete(app.url(&format!("/api/v1/records/attendance/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST, "nor deleted");
    let (on_page, _) = sign_in_on_the_page(&app, "sup").await;
    let response = on_page
        .post(app.url("/today/attendance"))
        .form(&[
            ("supervisor", programme.supervisor_a.to_string()),
            ("participant", programme.participant_a.to_string()),
            ("day", day.to_string()),
            ("status", "absent".to_owned()),
            ("reason", "ill".to_owned()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(
        response.text().await.unwrap().contains("intygat"),
        "the page says why"
    );

    // Only the case manager (or the leader) reopens it; the attested version is kept.
    let reopen = format!(
        "/api/v1/participants/{}/attendance/{month}/reopen",
        programme.participant_a
    );
    let response = sup.post(app.url(&reopen)).send().await.unwrap();
    assert_eq!(
        response.status(),
        StatusCode::NOT_FOUND,
        "not the supervisor's to reopen"
    );
    let response = cm.post(app.url(&reopen)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = cm.post(app.url(&reopen)).send().await.unwrap();
    assert_eq!(
        response.status(),
        StatusCode::CONFLICT,
        "nothing left to reopen"
    );
    let kept = app
        .database
        .count("SELECT COUNT(*) FROM attendance_attestations WHERE reopened_at IS NOT NULL")
        .await;
    assert_eq!(kept, 1, "the attested version stays");
    let response = put_record(&app, &sup, "attendance", &absent).await;
    assert_eq!(response.status(), StatusCode::OK, "open again");
    let html = page_text(&part, &app, "/schedule").await;
    assert!(
        html.contains("data-testid=\"attest\""),
        "the month needs a new attestation"
    );
}

#[tokio::test]
async fn the_deviations_of_a_period_come_as_csv_and_nobody_else_reads_the_reports() {
    let app = TestApp::spawn().await;
    let programme = Programme::create(&app).await;
    late_today(&app, &programme).await;
    let cm = signed_in(&app, "cm1").await;
    let today = programme.today;
    let path = |from: &str, to: &str| {
        format!(
            "/api/v1/participants/{}/deviations.csv?from={from}&to={to}",
            programme.participant_a
        )
    };
    let week_ago = (today - chrono::Days::new(7)).to_string();
    let (status, csv) = download(&cm, &app, &path(&week_ago, &today.to_string())).await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8(csv).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines,
        [
            "date,deviation,planned_start,planned_end,arrived_at,left_at,late_minutes,early_minutes,reason,note",
            &format!("{today},late,08:00,16:00,08:20,,20,,transport,Bussen kom inte."),
        ]
    );
    let yesterday = (today - chrono::Days::new(1)).to_string();
    let (_, none) = download(&cm, &app, &path(&week_ago, &yesterday)).await;
    assert_eq!(
        String::from_utf8(none).unwrap().lines().count(),
        1,
        "the header only"
    );
    for (from, to) in [
        ("2026-13-01", "2026-12-01"),
        (today.to_string().as_str(), week_ago.as_str()),
    ] {
        let (status, _) = download(&cm, &app, &path(from, to)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{from}..{to}");
    }
    let month = Month::of(today);
    let report = format!(
        "/api/v1/participants/{}/attendance/{month}.csv",
        programme.participant_a
    );
    for (who, path) in [
        ("cm2", report.clone()),
        ("sup", report.clone()),
        ("part", report.clone()),
        ("outsider", report.clone()),
        ("cm2", path(&week_ago, &today.to_string())),
    ] {
        let client = signed_in(&app, who).await;
        let (status, _) = download(&client, &app, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who} {path}");
    }
    for wrong in ["2026-13.csv", "2026-12.txt", "december.pdf"] {
        let path = format!(
            "/api/v1/participants/{}/attendance/{wrong}",
            programme.participant_a
        );
        assert_eq!(
            download(&cm, &app, &path).await.0,
            StatusCode::BAD_REQUEST,
            "{wrong}"
        );
    }
    let leader = signed_in(&app, "leader").await;
    assert_eq!(download(&leader, &app, &report).await.0, StatusCode::OK);
}
