//! The HTML document around the app, rendered on the server only.

use crate::app::StaticPage;
use crate::csp::content_security_policy;
use crate::screens::account::SIGN_IN_PATH;
use crate::App;
use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags};

/// The colour of the browser chrome and the installed app's splash screen; the manifest
/// (`public/manifest.webmanifest`) names the same colour.
pub const THEME_COLOR: &str = "#1d5c63";

/// Pages served without the app's code: the sign-in page is plain HTML whose forms post to
/// the server, so the first page anyone opens loads no wasm. The running app still shows it
/// (rendered in the browser) when a session ends under it.
const STATIC_PAGES: &[&str] = &[SIGN_IN_PATH];

/// The looks of the pages served without the app's code (from `public/`): kept out of the
/// app's stylesheet, which every page of the app loads.
pub const STATIC_PAGES_STYLESHEET: &str = "/static-pages.css";

/// Renders the document for one request, with a fresh CSP nonce for its inline script.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let static_page = use_context::<http::request::Parts>()
        .is_some_and(|request| STATIC_PAGES.contains(&request.uri.path()));
    if static_page {
        provide_context(StaticPage);
    }
    leptos::nonce::provide_nonce();
    let nonce = leptos::nonce::use_nonce().map(|nonce| nonce.to_string());
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(policy) = content_security_policy(nonce.as_deref()).parse() {
            response.insert_header(http::header::CONTENT_SECURITY_POLICY, policy);
        }
    }
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <SharedHead options=options.clone() />
                {static_page.then(|| view! { <link rel="stylesheet" href=STATIC_PAGES_STYLESHEET /> })}
                {(!static_page).then(|| view! { <HydrationScripts options /> })}
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// What the head of every page holds: the phone's viewport and colour, the installed app's
/// manifest and icons, and the app's stylesheet.
#[component]
pub fn SharedHead(options: LeptosOptions) -> impl IntoView {
    view! {
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="theme-color" content=THEME_COLOR />
        <link rel="manifest" href="/manifest.webmanifest" />
        <link rel="icon" href="/icons/icon-192.png" type="image/png" />
        <link rel="apple-touch-icon" href="/icons/icon-192.png" />
        <HashedStylesheet options id="leptos" />
    }
}
