//! The pages reachable by URL.

use crate::app::PageTitle;
use crate::i18n::*;
use leptos::prelude::*;

#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <PageTitle text=Signal::derive(move || t_string!(i18n, home_title).to_owned()) />
        <section class="card">
            <h1>{t!(i18n, home_title)}</h1>
            <p>{t!(i18n, home_intro)}</p>
            <p class="note">{t!(i18n, home_offline_note)}</p>
        </section>
        <section class="card">
            <h2>{t!(i18n, home_roles_heading)}</h2>
            <ul class="roles">
                <li>{t!(i18n, role_case_manager)}</li>
                <li>{t!(i18n, role_participant)}</li>
                <li>{t!(i18n, role_supervisor)}</li>
                <li>{t!(i18n, role_project_leader)}</li>
            </ul>
        </section>
    }
}

/// Shown for every URL no route matches; on the server it also sets the status to 404.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    let i18n = use_i18n();
    view! {
        <PageTitle text=Signal::derive(move || t_string!(i18n, not_found_title).to_owned()) />
        <section class="card" data-testid="not-found">
            <h1>{t!(i18n, not_found_title)}</h1>
            <p>{t!(i18n, not_found_text)}</p>
            <a class="button" href="/">{t!(i18n, not_found_home)}</a>
        </section>
    }
}
