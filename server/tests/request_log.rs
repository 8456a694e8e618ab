//! The request log, as the server writes it with its default filter: one line per answered
//! request, naming the path with an invite's code or a calendar link's secret left out.
//!
//! One test in this binary: it installs the process's log subscriber.

mod common;

use common::TestApp;
use std::io::Write;
use std::sync::{Arc, Mutex};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

/// Everything the log subscriber wrote.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn each_answered_request_is_logged_without_an_invite_code_or_calendar_secret() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::registry()
        .with(EnvFilter::new(server::telemetry::DEFAULT_FILTER))
        .with(
            tracing_subscriber::fmt::layer()
                .json()
                .with_writer(move || writer.clone()),
        )
        .init();
    let app = TestApp::spawn().await;
    let code = "ACDEF-GHJKM";
    let invite = app.get(&format!("/api/v1/invites/{code}")).await;
    assert_eq!(invite.status(), reqwest::StatusCode::NOT_FOUND);
    let secret = "n0tAR3alCalendarS3cretButL0ngEnough";
    let feed = app.get(&format!("/api/v1/calendar/{secret}.ics")).await;
    assert_eq!(feed.status(), reqwest::StatusCode::NOT_FOUND);
    assert!(app.get("/health").await.status().is_success());

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let answered: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("finished processing request"))
        .collect();
    for (path, status) in [
        ("/api/v1/invites/{code}", "404"),
        ("/api/v1/calendar/{secret}", "404"),
        ("/health", "200"),
    ] {
        assert!(
            answered
                .iter()
                .any(|line| line.contains(&format!("\"path\":\"{path}\""))
                    && line.contains(&format!("\"status\":{status}"))),
            "no request line for {path} in {answered:#?}"
        );
    }
    assert!(!log.contains(code), "the invite code reached the log");
    assert!(
        !log.contains(secret),
        "the calendar link's secret reached the log"
    );
}
