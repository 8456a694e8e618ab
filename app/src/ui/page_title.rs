//! The page's title in the browser tab.

use leptos::prelude::*;
use leptos_meta::Title;

/// The title every page shows in the browser tab: "<page> – Lotsa".
#[component]
pub fn PageTitle(#[prop(into)] text: Signal<String>) -> impl IntoView {
    view! { <Title text=move || format!("{} – Lotsa", text.get()) /> }
}
