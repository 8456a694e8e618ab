//! Signing in and out through the HTTP API, and `server user create`, on the configured
//! backend (SQLite or PostgreSQL).

mod common;

use common::get_json;
use common::{fake_site, server_binary, TestApp, TestDb};
use lotsa_core::domain::Role;
use reqwest::{header, StatusCode};
use serde_json::{json, Value};
use std::io::Write;
use std::process::{Command, Stdio};

const PASSWORD: &str = "korrekt häst batteri";

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap()
}

async fn login(
    client: &reqwest::Client,
    app: &TestApp,
    username: &str,
    password: &str,
) -> reqwest::Response {
    client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "username": username, "password": password }))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn sign_in_me_and_sign_out() {
    let app = TestApp::spawn().await;
    app.create_user(
        "anna.k",
        PASSWORD,
        &[Role::CaseManager, Role::EmploymentOfficer],
    )
    .await;
    let client = browser();

    let response = client.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    let response = login(&client, &app, "Anna.K", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    for part in ["lotsa_session=", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["username"], "anna.k");
    assert_eq!(body["roles"], json!(["case_manager", "employment_officer"]));

    let me: Value = get_json(&app, &client, "/api/v1/me").await;
    assert_eq!(me["username"], "anna.k");
    assert_eq!(me["roles"], json!(["case_manager", "employment_officer"]));

    let response = client
        .post(app.url("/api/v1/auth/logout"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = client.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    app.stop().await.unwrap();
}

#[tokio::test]
async fn a_logged_out_session_cannot_be_replayed() {
    let app = TestApp::spawn().await;
    app.create_user("erik.s", PASSWORD, &[Role::Supervisor])
        .await;
    let response = login(&app.client, &app, "erik.s", PASSWORD).await;
    let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
    let session = cookie.split(';').next().unwrap().to_owned();
    let me = |session: String| {
        let app = &app;
        async move {
            app.client
                .get(app.url("/api/v1/me"))
                .header(header::COOKIE, session)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(me(session.clone()).await, StatusCode::OK);
    app.client
        .post(app.url("/api/v1/auth/logout"))
        .header(header::COOKIE, &session)
        .send()
        .await
        .unwrap();
    assert_eq!(
        me(session).await,
        StatusCode::UNAUTHORIZED,
        "the server forgot the session"
    );
    app.stop().await.unwrap();
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_answer() {
    let app = TestApp::spawn().await;
    app.create_user("anna.k", PASSWORD, &[Role::CaseManager])
        .await;
    let wrong = login(&app.client, &app, "anna.k", "not the password").await;
    let unknown = login(&app.client, &app, "nobody.here", PASSWORD).await;
    let invalid = login(&app.client, &app, "x", PASSWORD).await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(invalid.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.headers().get(header::SET_COOKIE).is_none());
    let bodies = [
        wrong.text().await.unwrap(),
        unknown.text().await.unwrap(),
        invalid.text().await.unwrap(),
    ];
    assert_eq!(bodies[0], bodies[1]);
    assert_eq!(bodies[1], bodies[2]);
    app.stop().await.unwrap();
}

#[tokio::test]
async fn repeated_failures_are_rate_limited_per_account() {
    let app = TestApp::spawn().await;
    app.create_user("anna.k", PASSWORD, &[Role::CaseManager])
        .await;
    for _ in 0..server::auth::MAX_FAILURES_PER_ACCOUNT {
        let response = login(&app.client, &app, "anna.k", "guess guess guess").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let limited = login(&app.client, &app, "anna.k", PASSWORD).await;
    assert_eq!(
        limited.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    assert_eq!(limited.headers()[header::RETRY_AFTER], "900");
    let body: Value = limited.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("wait 15 minutes"));

    app.create_user("erik.s", PASSWORD, &[Role::Supervisor])
        .await;
    let other = login(&app.client, &app, "erik.s", PASSWORD).await;
    assert_eq!(
        other.status(),
        StatusCode::OK,
        "other accounts are not locked"
    );
    app.stop().await.unwrap();
}

#[tokio::test]
async fn repeated_failures_are_rate_limited_per_address() {
    let app = TestApp::spawn().await;
    app.create_user("anna.k", PASSWORD, &[Role::CaseManager])
        .await;
    for attempt in 0..server::auth::MAX_FAILURES_PER_ADDRESS {
        let response = login(
            &app.client,
            &app,
            &format!("guess{attempt}"),
            "guess guess guess",
        )
        .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let limited = login(&app.client, &app, "anna.k", PASSWORD).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    app.stop().await.unwrap();
}

/// Signs in as a request that names `forwarded_for` in `X-Forwarded-For`.
async fn login_forwarded(
    app: &TestApp,
    forwarded_for: &str,
    username: &str,
    password: &str,
) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({ "username": username, "password": password }))
        .send()
        .await
        .unwrap()
}

/// Fails to sign in `MAX_FAILURES_PER_ADDRESS` times, each time claiming another address.
async fn guess_from_changing_addresses(app: &TestApp) {
    for attempt in 0..server::auth::MAX_FAILURES_PER_ADDRESS {
        let response = login_forwarded(
            app,
            &format!("203.0.113.{attempt}"),
            &format!("guess{attempt}"),
            "guess guess",
        )
        .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn a_forged_forwarded_address_does_not_escape_the_limit() {
    let app = TestApp::spawn().await;
    app.create_user("anna.k", PASSWORD, &[Role::CaseManager])
        .await;
    guess_from_changing_addresses(&app).await;
    let limited = login(&app.client, &app, "anna.k", PASSWORD).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    app.stop().await.unwrap();
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit() {
    let app = TestApp::spawn_with(fake_site(), TestDb::new().await, |settings| {
        settings.trusted_proxies =
            server::client_address::TrustedProxies::parse("127.0.0.0/8").unwrap();
    })
    .await;
    app.create_user("anna.k", PASSWORD, &[Role::CaseManager])
        .await;
    guess_from_changing_addresses(&app).await;
    // Everyone behind the proxy shares its address; one guesser must not lock them all out.
    let other = login_forwarded(&app, "198.51.100.20", "anna.k", PASSWORD).await;
    assert_eq!(other.status(), StatusCode::OK);
    for attempt in 0..server::auth::MAX_FAILURES_PER_ADDRESS {
        let guess = login_forwarded(
            &app,
            "203.0.113.200",
            &format!("nobody{attempt}"),
            "guess guess",
        )
        .await;
        assert_eq!(guess.status(), StatusCode::UNAUTHORIZED);
    }
    let limited = login_forwarded(&app, "203.0.113.200", "anna.k", PASSWORD).await;
    assert_eq!(
        limited.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "one client's guesses count against that client"
    );
    app.stop().await.unwrap();
}

#[tokio::test]
async fn sessions_expire() {
    let site = fake_site();
    let app = TestApp::spawn_with(site, TestDb::new().await, |settings| {
        settings.session_ttl = chrono::Duration::seconds(1);
    })
    .await;
    app.create_user("anna.k", PASSWORD, &[Role::CaseManager])
        .await;
    let client = browser();
    assert_eq!(
        login(&client, &app, "anna.k", PASSWORD).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        client
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let response = client
        .get(app.url("/api/v1/me"))
        // The browser would have dropped the cookie too; send it anyway to test the server.
        .header(header::COOKIE, "lotsa_session=expired")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    app.stop().await.unwrap();
}

#[tokio::test]
async fn bad_requests_get_a_400_with_a_message() {
    let app = TestApp::spawn().await;
    let cases: [(&str, &str); 3] = [
        ("{not json", "application/json"),
        (r#"{"username": "anna.k"}"#, "application/json"),
        (r#"{"username": 1, "password": 2}"#, "application/json"),
    ];
    for (body, content_type) in cases {
        let response = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .header(header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
        let error: Value = response.json().await.unwrap();
        assert!(!error["error"].as_str().unwrap().is_empty(), "{body}");
    }
    let unknown = app.get("/api/v1/no-such-thing").await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    app.stop().await.unwrap();
}

#[tokio::test]
async fn cross_site_posts_are_refused() {
    let app = TestApp::spawn().await;
    app.create_user("anna.k", PASSWORD, &[Role::CaseManager])
        .await;
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header(header::ORIGIN, "https://evil.example")
        .json(&json!({ "username": "anna.k", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let same_origin = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header(header::ORIGIN, &app.address)
        .json(&json!({ "username": "anna.k", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(same_origin.status(), StatusCode::OK);
    app.stop().await.unwrap();
}

#[tokio::test]
async fn the_openapi_document_describes_every_endpoint() {
    let app = TestApp::spawn().await;
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/me", "get"),
        ("/api/v1/session", "get"),
        ("/api/v1/openapi.json", "get"),
        ("/api/v1/demo-logins", "get"),
        ("/api/v1/records/{kind}/{id}", "get"),
        ("/api/v1/records/{kind}/{id}", "put"),
        ("/api/v1/records/{kind}/{id}", "delete"),
        ("/api/v1/participants", "get"),
        ("/api/v1/participants/{id}/records", "get"),
        ("/api/v1/invites", "post"),
        ("/api/v1/invites/{code}", "get"),
        ("/api/v1/invites/{code}/accept", "post"),
        ("/api/v1/access-log", "get"),
    ] {
        assert!(
            paths[path][method].is_object(),
            "{method} {path} is not described"
        );
    }
    app.stop().await.unwrap();
}

fn user_create(database: &TestDb, args: &[&str], password: &str) -> std::process::Output {
    let mut command = Command::new(server_binary());
    command
        .env_clear()
        .env("LOTSA_DATA_DIR", database.data.path())
        .args(["user", "create"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(url) = &database.url {
        command.env("DATABASE_URL", url);
    }
    let mut child = command.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(password.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn the_command_line_creates_users_who_can_sign_in() {
    let database = TestDb::new().await;
    let output = user_create(
        &database,
        &[
            "--username",
            "Projekt.Ledare",
            "--role",
            "project_leader",
            "--role",
            "case_manager",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("projekt.ledare"));

    // Each refused creation says why.
    let refused: [(&[&str], &str, &str); 3] = [
        (
            &["--username", "projekt.ledare", "--role", "participant"],
            PASSWORD,
            "taken",
        ),
        (
            &["--username", "someone", "--role", "admin"],
            PASSWORD,
            "unknown role",
        ),
        (
            &["--username", "someone", "--role", "participant"],
            "short",
            "at least 10",
        ),
    ];
    for (args, password, reason) in refused {
        let output = user_create(&database, args, password);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?} was accepted");
        assert!(stderr.contains(reason), "{args:?}: {stderr}");
    }

    let app = TestApp::spawn_with(fake_site(), database, |_| {}).await;
    let client = browser();
    let response = login(&client, &app, "projekt.ledare", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    let me: Value = get_json(&app, &client, "/api/v1/me").await;
    assert_eq!(me["roles"], json!(["project_leader", "case_manager"]));
    app.stop().await.unwrap();
}

#[tokio::test]
async fn the_cookie_is_secure_when_configured() {
    let app = TestApp::spawn_with(fake_site(), TestDb::new().await, |settings| {
        assert!(
            !settings.secure_cookies,
            "loopback defaults to plain HTTP cookies"
        );
        settings.secure_cookies = true;
    })
    .await;
    app.create_user("anna.k", PASSWORD, &[Role::CaseManager])
        .await;
    let response = login(&app.client, &app, "anna.k", PASSWORD).await;
    let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
    app.stop().await.unwrap();
}

#[tokio::test]
async fn the_session_endpoint_answers_whether_or_not_someone_is_signed_in() {
    let app = TestApp::spawn().await;
    app.create_user("anna.k", PASSWORD, &[Role::CaseManager])
        .await;
    let client = browser();
    let anonymous: Value = get_json(&app, &client, "/api/v1/session").await;
    assert_eq!(anonymous, json!({ "user": null }));
    assert_eq!(
        login(&client, &app, "anna.k", PASSWORD).await.status(),
        StatusCode::OK
    );
    let signed_in: Value = get_json(&app, &client, "/api/v1/session").await;
    assert_eq!(signed_in["user"]["username"], "anna.k");
    app.stop().await.unwrap();
}

/// Posts the sign-in page's form as a browser does without the app's code.
async fn post_sign_in_form(
    app: &TestApp,
    cookie: Option<&str>,
    username: &str,
    password: &str,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/login"))
        .header(header::ORIGIN, &app.address)
        .form(&[("username", username), ("password", password)]);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.send().await.unwrap()
}

/// The `name=value` pairs of a response's `Set-Cookie` headers, and the headers whole.
fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .collect()
}

fn cookie_pair<'a>(cookies: &'a [String], name: &str) -> &'a str {
    cookies
        .iter()
        .find(|cookie| cookie.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie in {cookies:?}"))
        .split(';')
        .next()
        .unwrap()
}

async fn me_status(app: &TestApp, cookie: &str) -> StatusCode {
    app.client
        .get(app.url("/api/v1/me"))
        .header(header::COOKIE, cookie)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn the_sign_in_page_works_without_the_apps_code() {
    let app = TestApp::spawn().await;
    app.create_user("anna.k", PASSWORD, &[Role::CaseManager])
        .await;

    let page = app.get("/login").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("method=\"post\" action=\"/login\""), "{html}");
    assert!(html.contains("/pkg/lotsa.h4sh.css"), "styled");
    assert!(
        !html.contains("/pkg/lotsa.h4sh.js") && !html.contains(".wasm"),
        "the sign-in page loads none of the app's code: {html}"
    );

    let wrong = post_sign_in_form(&app, None, "anna.k", "not the password").await;
    assert_eq!(wrong.status(), StatusCode::SEE_OTHER);
    assert_eq!(wrong.headers()[header::LOCATION], "/login?error=wrong");
    assert!(
        set_cookies(&wrong).is_empty(),
        "no session for a wrong password"
    );
    let said = app.get("/login?error=wrong").await.text().await.unwrap();
    assert!(said.contains("Fel användarnamn eller lösenord"), "{said}");

    let signed_in = post_sign_in_form(&app, None, "anna.k", PASSWORD).await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        signed_in.headers()[header::LOCATION],
        "/caseload",
        "a case manager starts on the caseload"
    );
    let cookies = set_cookies(&signed_in);
    let session = cookie_pair(&cookies, "lotsa_session").to_owned();
    let tag = cookie_pair(&cookies, "lotsa_session_tag").to_owned();
    assert!(cookies
        .iter()
        .any(|c| c.starts_with("lotsa_session=") && c.contains("HttpOnly")));
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("lotsa_session_tag=") && !c.contains("HttpOnly")),
        "the page can read the session's tag: {cookies:?}"
    );
    assert_eq!(me_status(&app, &session).await, StatusCode::OK);

    // Signing in again in the same browser ends the session it carried.
    let again =
        post_sign_in_form(&app, Some(&format!("{session}; {tag}")), "anna.k", PASSWORD).await;
    let new_session = cookie_pair(&set_cookies(&again), "lotsa_session").to_owned();
    assert_ne!(new_session, session);
    assert_eq!(me_status(&app, &session).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me_status(&app, &new_session).await, StatusCode::OK);

    // Another site cannot sign the browser in (login CSRF).
    let forged = app
        .client
        .post(app.url("/login"))
        .header(header::ORIGIN, "https://evil.example")
        .form(&[("username", "anna.k"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(set_cookies(&forged).is_empty());

    // A body that is not a form changes nothing and sends the page back.
    let garbage = app
        .client
        .post(app.url("/login"))
        .header(header::ORIGIN, &app.address)
        .header(header::CONTENT_TYPE, "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), StatusCode::SEE_OTHER);
    assert!(set_cookies(&garbage).is_empty());

    for _ in 0..server::auth::MAX_FAILURES_PER_ACCOUNT {
        post_sign_in_form(&app, None, "anna.k", "guess guess guess").await;
    }
    let limited = post_sign_in_form(&app, None, "anna.k", PASSWORD).await;
    assert_eq!(limited.headers()[header::LOCATION], "/login?error=too_many");
    assert!(set_cookies(&limited).is_empty());

    app.create_user("erik.s", PASSWORD, &[Role::Supervisor])
        .await;
    let supervisor = post_sign_in_form(&app, None, "erik.s", PASSWORD).await;
    assert_eq!(
        supervisor.headers()[header::LOCATION],
        "/",
        "a role without screens of its own yet starts on the welcome page"
    );
    app.stop().await.unwrap();
}

#[tokio::test]
async fn signing_in_through_the_api_ends_the_session_the_browser_carried() {
    let app = TestApp::spawn().await;
    app.create_user("anna.k", PASSWORD, &[Role::CaseManager])
        .await;
    let client = browser();
    let first = login(&client, &app, "anna.k", PASSWORD).await;
    let first = cookie_pair(&set_cookies(&first), "lotsa_session").to_owned();
    let second = login(&client, &app, "anna.k", PASSWORD).await;
    assert_eq!(second.status(), StatusCode::OK);
    assert_eq!(me_status(&app, &first).await, StatusCode::UNAUTHORIZED);
    let me: Value = get_json(&app, &client, "/api/v1/me").await;
    assert_eq!(me["username"], "anna.k");
    app.stop().await.unwrap();
}

#[tokio::test]
async fn the_language_switch_without_the_apps_code_keeps_the_choice_and_goes_back() {
    let app = TestApp::spawn().await;
    let chosen = app.get("/language?to=en&back=/login?error=wrong").await;
    assert_eq!(chosen.status(), StatusCode::SEE_OTHER);
    assert_eq!(chosen.headers()[header::LOCATION], "/login?error=wrong");
    let cookie = chosen.headers()[header::SET_COOKIE].to_str().unwrap();
    for part in [
        "lotsa_language=en",
        "Path=/",
        "Max-Age=31536000",
        "SameSite=Lax",
    ] {
        assert!(cookie.contains(part), "{cookie}");
    }
    let english = app
        .client
        .get(app.url("/login"))
        .header(header::COOKIE, "lotsa_language=en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(english.contains("<h1>Sign in</h1>"), "{english}");

    let elsewhere = app.get("/language?to=sv&back=//evil.example/").await;
    assert_eq!(
        elsewhere.headers()[header::LOCATION],
        "/",
        "never to another site"
    );
    for refused in ["/language?to=xx", "/language", "/language?back=/"] {
        let response = app.get(refused).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{refused}");
        assert!(response.headers().get(header::SET_COOKIE).is_none());
    }
    app.stop().await.unwrap();
}
