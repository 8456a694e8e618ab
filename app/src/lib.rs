//! Lotsa's user interface (Leptos), on the rules of `lotsa_core`, and behind features the code
//! that only runs on the server (`ssr`) or only in the browser (`hydrate`). `app` is the frame
//! and the routes, `screens` each role's screens, `ui` what screens share, and `sync` the
//! device's side of sync with its IndexedDB store.
// The participant page's view type nests deeper than the default limit allows.
#![recursion_limit = "256"]

include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));

pub mod app;
pub mod csp;
pub mod on_demand;
pub mod screens;
pub mod sync;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod shell;

#[cfg(feature = "ssr")]
pub use lotsa_core::openapi;
pub use lotsa_core::{access, attention, change, demo, domain};

pub use app::App;

/// Lets a browser future (which holds JavaScript values, so is not `Send`) run where Leptos
/// asks for `Send`: in the browser everything runs on one thread.
#[cfg(feature = "hydrate")]
pub fn browser_future<F: std::future::Future>(future: F) -> send_wrapper::SendWrapper<F> {
    send_wrapper::SendWrapper::new(future)
}

/// The value of the cookie `name` as this page's document sees it.
#[cfg(feature = "hydrate")]
pub fn browser_cookie(name: &str) -> Option<String> {
    use wasm_bindgen::JsCast;
    let cookies = leptos::prelude::document()
        .dyn_into::<web_sys::HtmlDocument>()
        .ok()?
        .cookie()
        .ok()?;
    lotsa_core::domain::cookie_value(&cookies, name).map(str::to_owned)
}

/// On the server the same future is `Send` as it is.
#[cfg(not(feature = "hydrate"))]
pub fn browser_future<F: std::future::Future + Send>(future: F) -> F {
    future
}
