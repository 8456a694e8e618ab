//! The welcome page and the page for an address nothing is at, for everyone.

use crate::domain::Role;
use crate::i18n::*;
use crate::sync::status::SyncStatus;
use crate::ui::page_title::PageTitle;
use leptos::prelude::*;

/// Where someone with `roles` starts: their role's own screen. Only the case manager's
/// exists so far; anyone else starts on the welcome page.
pub fn start_page(roles: &[Role]) -> &'static str {
    if roles.contains(&Role::CaseManager) {
        "/caseload"
    } else {
        "/"
    }
}

/// The welcome page, and the app's address: someone signed in goes on to their start page.
#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    let status = expect_context::<SyncStatus>();
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        let start = status.roles.with(|roles| start_page(roles));
        if start != "/" {
            let replace = leptos_router::NavigateOptions {
                replace: true,
                ..Default::default()
            };
            navigate(start, replace);
        }
    });
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_manager_starts_on_the_caseload_and_others_on_the_welcome_page() {
        assert_eq!(start_page(&[Role::CaseManager]), "/caseload");
        assert_eq!(
            start_page(&[Role::EmploymentOfficer, Role::CaseManager]),
            "/caseload"
        );
        for others in [
            vec![],
            vec![Role::Participant],
            vec![Role::Supervisor],
            vec![Role::ProjectLeader],
            vec![Role::EmploymentOfficer],
        ] {
            assert_eq!(start_page(&others), "/", "{others:?}");
        }
    }
}
