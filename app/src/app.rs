//! The application root: translations, routes and the page frame every screen shares.

use crate::i18n::*;
use crate::screens::account::InvitePage;
use crate::screens::case_manager::caseload::CaseloadPage;
use crate::screens::home::{HomePage, NotFoundPage};
use crate::sync::status::{SyncPhase, SyncStatus};
use crate::ui::connectivity::{provide_connectivity, Connectivity};
use leptos::prelude::*;
use leptos_meta::provide_meta_context;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_connectivity();
    let sync = SyncStatus::provide();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            crate::sync::device::start(sync).await;
        });
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = sync;
    view! {
        <I18nContextProvider
            cookie_name=LANGUAGE_COOKIE
            cookie_options=read_only_language_cookie()
            ssr_lang_header_getter=swedish_unless_chosen()
        >
            <Router>
                <Frame>
                    <Routes fallback=NotFoundPage>
                        <Route path=path!("/") view=HomePage />
                        <Route path=path!("/login") view=SignInRoute />
                        <Route path=path!("/caseload") view=CaseloadPage />
                        <Route path=path!("/invite") view=InvitePage />
                        <Route path=path!("/invite/:code") view=InvitePage />
                    </Routes>
                </Frame>
            </Router>
        </I18nContextProvider>
    }
}

/// The sign-in page. The server renders it whole: it runs without the app's code (see
/// `shell`). The running app shows it only when a session ends under it, so there it is a
/// chunk of its own; the page is never hydrated, so the two need not match.
#[component]
fn SignInRoute() -> impl IntoView {
    #[cfg(not(feature = "hydrate"))]
    let page = view! { <crate::screens::account::LoginPage /> };
    #[cfg(feature = "hydrate")]
    let page = view! { <crate::on_demand::OnDemand screen=crate::on_demand::Screen::SignIn /> };
    page
}

/// The cookie that keeps the language the user chose, for the server's next render.
pub const LANGUAGE_COOKIE: &str = "lotsa_language";

/// Where the language switch sends a page that runs without the app's code (the sign-in
/// page): the server sets the cookie and sends the browser back.
pub const LANGUAGE_PATH: &str = "/language";

/// The `Set-Cookie` value that keeps `locale` for a year, on the whole site.
pub fn language_cookie(locale: Locale) -> String {
    format!("{LANGUAGE_COOKIE}={locale}; Path=/; Max-Age=31536000; SameSite=Lax")
}

/// [`language_cookie`] for a language code: the app's languages, or the participant pages'
/// (each reads the cookie and ignores a language it does not speak). Apart from it so that
/// the browser bundle keeps the one it uses.
#[cfg(feature = "ssr")]
pub fn language_code_cookie(locale: &str) -> String {
    format!("{LANGUAGE_COOKIE}={locale}; Path=/; Max-Age=31536000; SameSite=Lax")
}

/// Present while a page is rendered to run without the app's code (see `shell`): what only
/// the app's code can keep current (the connection) is then hidden.
#[derive(Debug, Clone, Copy)]
pub struct StaticPage;

/// The server reads the language cookie and never sets it: leptos-use would otherwise send it
/// back with every page as a session cookie, replacing the year-long one the browser wrote.
fn read_only_language_cookie() -> leptos_i18n::context::CookieOptions<Locale> {
    leptos_i18n::context::CookieOptions::default().readonly(true)
}

/// Keeps the language choice for the server's next render. Written here rather than by
/// leptos_i18n (its `cookie` feature is on for the server only): its cookie code brings a
/// date parser into the browser bundle that this one line does not need.
#[cfg(feature = "hydrate")]
fn remember_language(locale: Locale) {
    use wasm_bindgen::JsCast;
    if let Ok(document) = document().dyn_into::<web_sys::HtmlDocument>() {
        let _ = document.set_cookie(&language_cookie(locale));
    }
}

/// The language the user chose, as this browser keeps it (the cookie the switch writes).
#[cfg(feature = "hydrate")]
fn remembered_language() -> Option<Locale> {
    let chosen = crate::browser_cookie(LANGUAGE_COOKIE)?;
    <Locale as leptos_i18n::Locale>::get_all()
        .iter()
        .copied()
        .find(|locale| locale.as_str() == chosen)
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
    let static_page = use_context::<StaticPage>().is_some();
    let other = move || match i18n.get_locale() {
        Locale::sv => Locale::en,
        Locale::en => Locale::sv,
    };
    // The switch is a form, so that it also works on a page without the app's code; with the
    // code running, the page switches in place.
    let switch_language = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let next = other();
        i18n.set_locale(next);
        #[cfg(feature = "hydrate")]
        remember_language(next);
    };
    // A page the service worker kept from before the choice (the app started offline) was
    // rendered in the language of that day: the choice this browser keeps wins, once the
    // page has hydrated as it was rendered.
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        if let Some(chosen) = remembered_language() {
            if chosen != i18n.get_locale_untracked() {
                i18n.set_locale(chosen);
            }
        }
    });
    let location = leptos_router::hooks::use_location();
    let here = move || {
        let search = location.search.get();
        let search = search.trim_start_matches('?');
        let path = location.pathname.get();
        if search.is_empty() {
            path
        } else {
            format!("{path}?{search}")
        }
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
                // Only the app's code keeps it current.
                hidden=static_page
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
            <form class="language-switch" method="get" action=LANGUAGE_PATH on:submit=switch_language>
                <input type="hidden" name="to" value=move || other().to_string() />
                <input type="hidden" name="back" value=here />
                <button
                    class="language"
                    type="submit"
                    // Named by its visible text, in the language it offers (WCAG 2.5.3).
                    lang=move || other().to_string()
                    data-testid="switch-language"
                >
                    {t!(i18n, switch_language)}
                </button>
            </form>
        </header>
        <SyncBar />
        <main id="main">{children()}</main>
    }
}

/// The sync line under the header: when the device last synced, how many changes wait, who
/// can sign out, and what the user must know about their changes.
#[component]
fn SyncBar() -> impl IntoView {
    let i18n = use_i18n();
    let status = expect_context::<SyncStatus>();
    let phase_text = move || match status.phase.get() {
        SyncPhase::Starting | SyncPhase::SignedOut => None,
        SyncPhase::Syncing => Some(t_string!(i18n, sync_running).to_owned()),
        SyncPhase::SignInAgain => Some(t_string!(i18n, sync_sign_in_again).to_owned()),
        SyncPhase::SignOutWaiting => Some(t_string!(i18n, sync_sign_out_waiting).to_owned()),
        SyncPhase::Idle
        | SyncPhase::Offline
        | SyncPhase::Failed
        | SyncPhase::UpdateNeeded
        | SyncPhase::StorageFull => Some(match status.last_synced.get() {
            Some(at) => format!(
                "{} {}",
                t_string!(i18n, sync_last),
                crate::ui::labels::clock_time(&at)
            ),
            None => t_string!(i18n, sync_never).to_owned(),
        }),
    };
    // Whose data is open, if anyone's: when the server says nobody is signed in, the
    // remembered user's data stays shut (and on the device) until someone signs in.
    let signed_in = move || {
        !matches!(
            status.phase.get(),
            SyncPhase::Starting
                | SyncPhase::SignedOut
                | SyncPhase::SignInAgain
                | SyncPhase::SignOutWaiting
        )
    };
    // The caseload is only for someone signed in: anyone else is shown the sign-in page.
    let navigate = leptos_router::hooks::use_navigate();
    let location = leptos_router::hooks::use_location();
    Effect::new(move |_| {
        let shut = matches!(
            status.phase.get(),
            SyncPhase::SignedOut | SyncPhase::SignInAgain | SyncPhase::SignOutWaiting
        );
        if shut && location.pathname.get().starts_with("/caseload") {
            let replace = leptos_router::NavigateOptions {
                replace: true,
                ..Default::default()
            };
            navigate("/login", replace);
        }
    });
    let sign_out = move |_| {
        let pending = status.pending.get_untracked();
        #[cfg(feature = "hydrate")]
        {
            let confirmed = pending == 0
                || window()
                    .confirm_with_message(&t_string!(i18n, sign_out_unsent, count = pending))
                    .unwrap_or(false);
            if confirmed {
                // To the start page, which runs the app's code: a sign-out that could not
                // reach the server is shown there and sent when the network comes back.
                leptos::task::spawn_local(async move {
                    crate::sync::device::sign_out().await;
                    let _ = window().location().set_href("/");
                });
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = pending;
    };
    // A save's confirmation belongs to the page it was made on.
    Effect::new(move |_| {
        location.pathname.track();
        location.search.track();
        status.saved.set(false);
    });
    let saved_text = move || {
        status.saved.get().then(|| {
            if status.pending.get() > 0 {
                t_string!(i18n, saved_waiting)
            } else {
                t_string!(i18n, saved_sent)
            }
        })
    };
    let reload = move |_| {
        #[cfg(feature = "hydrate")]
        let _ = window().location().reload();
    };
    view! {
        <div class="sync-bar" data-testid="sync-bar">
            <span data-testid="sync-status">{phase_text}</span>
            <Show when=move || { status.pending.get() > 0 }>
                <span class="pending" data-testid="pending-count">
                    {move || t_string!(i18n, sync_pending, count = status.pending.get())}
                </span>
            </Show>
            <Show
                when=signed_in
                fallback=move || view! { <a href="/login" data-testid="sign-in-link">{t!(i18n, login_title)}</a> }
            >
                // Not on the list itself: room for what waits to be sent.
                <a
                    href="/caseload"
                    hidden=move || location.pathname.get() == "/caseload" && location.search.get().is_empty()
                    data-testid="caseload-link"
                >
                    {t!(i18n, caseload_title)}
                </a>
                <button type="button" class="link" on:click=sign_out data-testid="sign-out">
                    {t!(i18n, sign_out)}
                </button>
            </Show>
            <span class="saved" role="status" data-testid="saved">{saved_text}</span>
        </div>
        <Show when=move || status.phase.get() == SyncPhase::UpdateNeeded>
            <div class="notice" role="alert" data-testid="update-needed">
                <p>{t!(i18n, sync_update_needed)}</p>
                <button type="button" on:click=reload>{t!(i18n, sync_reload)}</button>
            </div>
        </Show>
        <Show when=move || status.phase.get() == SyncPhase::StorageFull>
            <p class="notice" role="alert" data-testid="storage-full">
                {t!(i18n, sync_storage_full)}
            </p>
        </Show>
        <crate::ui::notices::Notices />
    }
}
