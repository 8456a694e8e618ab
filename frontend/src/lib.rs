//! The browser entry point: hydrates the server-rendered page (which starts the device's
//! sync) and registers the service worker that lets the app start without a network.

use app::sync::store::request_persistent_storage;
use app::App;
use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
    mark_hydrated();
    wasm_bindgen_futures::spawn_local(prepare_device());
}

async fn prepare_device() {
    register_service_worker();
    if let Err(error) = request_persistent_storage().await {
        leptos::logging::warn!("persistent storage: {error}");
    }
}

/// Tells whoever watches the page (the end-to-end tests, for one) that it is interactive now.
fn mark_hydrated() {
    if let Some(body) = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.body())
    {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}

fn register_service_worker() {
    let Some(window) = web_sys::window() else {
        return;
    };
    // Registration resolves asynchronously; the page works the same whether or not it succeeds.
    let _registration = window.navigator().service_worker().register("/sw.js");
}
