//! The application root: translations, routes and the page frame every screen shares.

use crate::account_pages::{InvitePage, LoginPage};
use crate::connectivity::{provide_connectivity, Connectivity};
use crate::i18n::*;
use crate::pages::{HomePage, NotFoundPage};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_connectivity();
    view! {
        <I18nContextProvider ssr_lang_header_getter=swedish_unless_chosen()>
            <Router>
                <Frame>
                    <Routes fallback=NotFoundPage>
                        <Route path=path!("/") view=HomePage />
                        <Route path=path!("/login") view=LoginPage />
                        <Route path=path!("/invite") view=InvitePage />
                        <Route path=path!("/invite/:code") view=InvitePage />
                    </Routes>
                </Frame>
            </Router>
        </I18nContextProvider>
    }
}

/// The language comes from the user's own choice (a cookie set by the language switch),
/// never from the browser's Accept-Language: staff devices are often set to English, yet the
/// programme works in Swedish.
fn swedish_unless_chosen() -> leptos_use::UseLocalesOptions {
    leptos_use::UseLocalesOptions::default().ssr_lang_header_getter(|| None)
}

/// The header with the app's name, the connection state and the language switch.
#[component]
fn Frame(children: Children) -> impl IntoView {
    let i18n = use_i18n();
    let connectivity = expect_context::<Connectivity>();
    let switch_language = move |_| {
        let next = match i18n.get_locale() {
            Locale::sv => Locale::en,
            Locale::en => Locale::sv,
        };
        i18n.set_locale(next);
    };
    view! {
        <a class="skip-link" href="#main">{t!(i18n, skip_to_content)}</a>
        <header class="app-header">
            <a class="brand" href="/">{t!(i18n, app_name)}</a>
            <p
                class="connection"
                class:offline=move || !connectivity.online.get()
                role="status"
                aria-live="polite"
                data-testid="connection"
            >
                {move || {
                    if connectivity.online.get() {
                        t_string!(i18n, status_online)
                    } else {
                        t_string!(i18n, status_offline)
                    }
                }}
            </p>
            <button
                class="language"
                type="button"
                on:click=switch_language
                aria-label=move || t_string!(i18n, switch_language_label)
                data-testid="switch-language"
            >
                {t!(i18n, switch_language)}
            </button>
        </header>
        <main id="main">{children()}</main>
    }
}

/// The title every page shows in the browser tab: "<page> – Lotsa".
#[component]
pub fn PageTitle(#[prop(into)] text: Signal<String>) -> impl IntoView {
    view! { <Title text=move || format!("{} – Lotsa", text.get()) /> }
}
