//! The HTML document around the app, rendered on the server only.

use crate::csp::content_security_policy;
use crate::App;
use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags};

/// The colour of the browser chrome and the installed app's splash screen; the manifest
/// (`public/manifest.webmanifest`) names the same colour.
pub const THEME_COLOR: &str = "#1d5c63";

/// Renders the document for one request, with a fresh CSP nonce for its inline script.
pub fn shell(options: LeptosOptions) -> impl IntoView {
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
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="theme-color" content=THEME_COLOR />
                <link rel="manifest" href="/manifest.webmanifest" />
                <link rel="icon" href="/icons/icon-192.png" type="image/png" />
                <link rel="apple-touch-icon" href="/icons/icon-192.png" />
                <HashedStylesheet options=options.clone() id="leptos" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}
