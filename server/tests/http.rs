//! The server as a browser meets it: pages, files, headers, health.

mod common;

use common::TestApp;
use reqwest::header;

#[tokio::test]
async fn health_names_the_database_backend() {
    let app = TestApp::spawn().await;
    let response = app.get("/health").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], app.backend);
    assert!(body["schema_version"].as_i64().unwrap() >= 20261122000001);
    app.stop().await.unwrap();
}

#[tokio::test]
async fn the_start_page_is_rendered_on_the_server_in_swedish() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(app.url("/"))
        // Swedish first: the browser's language does not override it.
        .header(header::ACCEPT_LANGUAGE, "en-US,en;q=0.9")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-cache");
    let csp = response.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    let html = response.text().await.unwrap();
    assert!(html.contains("<html lang=\"sv\""), "{html}");
    assert!(html.contains("Välkommen till Lotsa"));
    assert!(html.contains("rel=\"manifest\" href=\"/manifest.webmanifest\""));
    assert!(
        html.contains("/pkg/lotsa.h4sh.js"),
        "the page loads the hashed bundle"
    );
    assert!(
        html.contains("/pkg/lotsa.h4sh.css"),
        "and the hashed style sheet"
    );

    // The inline hydration script carries the nonce that this response's policy allows.
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("the page's policy has a nonce");
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "{html}");
    assert!(!csp.contains("unsafe-inline"));

    let second = app.get("/").await;
    let second_csp = second.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert_ne!(csp, second_csp, "each page gets a fresh nonce");
    app.stop().await.unwrap();
}

#[tokio::test]
async fn the_chosen_language_is_kept_in_a_cookie() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(app.url("/"))
        .header(header::COOKIE, "lotsa_language=en")
        .send()
        .await
        .unwrap();
    // The browser keeps the cookie for a year; an answer setting it again would make it a
    // session cookie.
    assert!(
        response.headers().get(header::SET_COOKIE).is_none(),
        "the server only reads the language cookie"
    );
    let html = response.text().await.unwrap();
    assert!(html.contains("<html lang=\"en\""));
    assert!(html.contains("Welcome to Lotsa"));
    app.stop().await.unwrap();
}

#[tokio::test]
async fn an_unknown_address_is_a_real_404_page() {
    let app = TestApp::spawn().await;
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status(), 404);
    let html = response.text().await.unwrap();
    assert!(html.contains("Sidan finns inte"), "{html}");
    assert!(html.contains("href=\"/\""));
    app.stop().await.unwrap();
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    for path in [
        "/",
        "/health",
        "/sw.js",
        "/pkg/lotsa.h4sh.js",
        "/manifest.webmanifest",
        "/missing",
    ] {
        let response = app.get(path).await;
        let headers = response.headers();
        let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("'wasm-unsafe-eval'"), "{path}: {csp}");
        assert!(
            !csp.contains("http"),
            "{path}: nothing from other origins: {csp}"
        );
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
        assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY", "{path}");
        assert_eq!(headers[header::REFERRER_POLICY], "no-referrer", "{path}");
    }
    app.stop().await.unwrap();
}

#[tokio::test]
async fn hashed_files_are_cached_for_a_year_and_the_rest_revalidated() {
    let app = TestApp::spawn().await;
    let cache = |response: &reqwest::Response| {
        response.headers()[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .to_owned()
    };
    let wasm = app.get("/pkg/lotsa.h4sh.wasm").await;
    assert_eq!(wasm.status(), 200);
    assert_eq!(cache(&wasm), "public, max-age=31536000, immutable");
    for path in [
        "/",
        "/sw.js",
        "/manifest.webmanifest",
        "/icons/icon-192.png",
        "/health",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(cache(&response), "no-cache", "{path}");
    }
    let missing = app.get("/pkg/missing.js").await;
    assert_eq!(missing.status(), 404);
    assert_eq!(
        cache(&missing),
        "no-cache",
        "a 404 must not be cached for a year"
    );
    app.stop().await.unwrap();
}

#[tokio::test]
async fn responses_are_compressed_with_brotli_or_gzip() {
    let app = TestApp::spawn().await;
    for (accept, expected) in [("br", "br"), ("gzip", "gzip"), ("br, gzip", "br")] {
        for path in ["/", "/pkg/lotsa.h4sh.js", "/pkg/lotsa.h4sh.wasm", "/sw.js"] {
            let response = app
                .client
                .get(app.url(path))
                .header(header::ACCEPT_ENCODING, accept)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{path}");
            assert_eq!(
                response.headers()[header::CONTENT_ENCODING],
                expected,
                "{path} with Accept-Encoding: {accept}"
            );
        }
    }
    let plain = app.get("/pkg/lotsa.h4sh.wasm").await;
    assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
    assert_eq!(plain.bytes().await.unwrap().len(), 8 * 4096);
    app.stop().await.unwrap();
}

#[tokio::test]
async fn the_service_worker_precaches_the_shell_of_this_build() {
    let app = TestApp::spawn().await;
    let response = app.get("/sw.js").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    let script = response.text().await.unwrap();
    for url in [
        "\"/\"",
        "\"/pkg/lotsa.h4sh.wasm\"",
        "\"/pkg/lotsa.h4sh.js\"",
        "\"/pkg/lotsa.h4sh.css\"",
        "\"/manifest.webmanifest\"",
        "\"/icons/icon-192.png\"",
    ] {
        assert!(script.contains(url), "{url} is not precached");
    }
    assert!(script.contains("const CACHE = \"lotsa-"));
    assert!(script.contains("caches.delete"), "old caches are removed");
    app.stop().await.unwrap();
}

#[tokio::test]
async fn precompressed_copies_are_written_beside_the_big_files() {
    let app = TestApp::spawn().await;
    let pkg = app.site_path().join("pkg");
    // Precompression runs in the background after start; give it a moment.
    let mut waited = 0;
    while !(pkg.join("lotsa.h4sh.wasm.br").exists() && pkg.join("lotsa.h4sh.css.gz").exists()) {
        assert!(waited < 200, "precompressed files were not written");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        waited += 1;
    }
    let br = app
        .client
        .get(app.url("/pkg/lotsa.h4sh.wasm"))
        .header(header::ACCEPT_ENCODING, "br")
        .send()
        .await
        .unwrap();
    let on_disk = std::fs::read(pkg.join("lotsa.h4sh.wasm.br")).unwrap();
    assert_eq!(br.bytes().await.unwrap().as_ref(), on_disk.as_slice());
    app.stop().await.unwrap();
}

#[tokio::test]
async fn stopping_finishes_cleanly() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/health").await.status(), 200);
    let address = app.address.clone();
    app.stop().await.expect("graceful shutdown");
    assert!(reqwest::get(format!("{address}/health")).await.is_err());
}
