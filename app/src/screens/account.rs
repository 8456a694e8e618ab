//! Signing in, and accepting an invite, for every role. The sign-in page is served without the app's code
//! (see `shell`): its forms post to the server, which answers with a redirect to the start
//! page, or back to the sign-in page with a [`SignInProblem`]. When the page is shown by the
//! running app instead (after a session ended), the same forms post JSON to the API from the
//! browser, through the device. The invite page always posts JSON.

use crate::demo::DemoLogin;
use crate::domain::Role;
use crate::i18n::*;
use crate::ui::page_title::PageTitle;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// Where the sign-in form posts when the app's code is not running.
pub const SIGN_IN_PATH: &str = "/login";

/// Why a sign-in posted to [`SIGN_IN_PATH`] was sent back: the server names it in the
/// sign-in page's address (`?error=<code>`), and the page says it in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInProblem {
    WrongCredentials,
    TooManyAttempts,
    /// The server failed, or (said by the service worker) could not be reached.
    Unreachable,
}

impl SignInProblem {
    pub const ALL: [SignInProblem; 3] = [
        SignInProblem::WrongCredentials,
        SignInProblem::TooManyAttempts,
        SignInProblem::Unreachable,
    ];

    pub fn code(self) -> &'static str {
        match self {
            SignInProblem::WrongCredentials => "wrong",
            SignInProblem::TooManyAttempts => "too_many",
            SignInProblem::Unreachable => "unreachable",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|problem| problem.code() == code)
    }

    /// The sign-in page saying this problem.
    pub fn page(self) -> String {
        format!("{SIGN_IN_PATH}?error={}", self.code())
    }
}

impl From<SignInProblem> for FormError {
    fn from(problem: SignInProblem) -> Self {
        match problem {
            SignInProblem::WrongCredentials => FormError::WrongCredentials,
            SignInProblem::TooManyAttempts => FormError::TooManyAttempts,
            SignInProblem::Unreachable => FormError::Unreachable,
        }
    }
}

/// How an API call from a form went, as the user needs to hear it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FormError {
    WrongCredentials,
    TooManyAttempts,
    InviteUnknown,
    InviteGone,
    UsernameTaken,
    InvalidInput,
    Unreachable,
}

impl FormError {
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn from_status(status: u16) -> Self {
        match status {
            401 => FormError::WrongCredentials,
            429 => FormError::TooManyAttempts,
            404 => FormError::InviteUnknown,
            410 => FormError::InviteGone,
            409 => FormError::UsernameTaken,
            400 | 422 => FormError::InvalidInput,
            _ => FormError::Unreachable,
        }
    }
}

#[component]
fn FormErrorMessage(error: ReadSignal<Option<FormError>>) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        error.get().map(|error| {
            let text = match error {
                FormError::WrongCredentials => t_string!(i18n, login_wrong),
                FormError::TooManyAttempts => t_string!(i18n, login_too_many),
                FormError::InviteUnknown => t_string!(i18n, invite_unknown),
                FormError::InviteGone => t_string!(i18n, invite_gone),
                FormError::UsernameTaken => t_string!(i18n, invite_username_taken),
                FormError::InvalidInput => t_string!(i18n, invite_invalid),
                FormError::Unreachable => t_string!(i18n, form_unreachable),
            };
            view! { <p class="form-error" role="alert" data-testid="form-error">{text}</p> }
        })
    }
}

/// Posts `body` as JSON; on success loads the start page, otherwise reports why not.
/// The device sends it, so that a sign-out still waiting on the phone is sent first and never
/// ends the new session.
#[cfg(feature = "hydrate")]
async fn post_and_enter(url: &str, body: serde_json::Value) -> Result<(), FormError> {
    let request = gloo_net::http::Request::post(url)
        .json(&body)
        .map_err(|_| FormError::Unreachable)?;
    let response = crate::sync::device::sign_in(request)
        .await
        .map_err(|_| FormError::Unreachable)?;
    if response.ok() {
        let _ = window().location().set_href("/");
        Ok(())
    } else {
        Err(FormError::from_status(response.status()))
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let said = leptos_router::hooks::use_query_map().with_untracked(|query| {
        query
            .get("error")
            .and_then(|code| SignInProblem::from_code(&code))
            .map(FormError::from)
    });
    let (error, set_error) = signal(said);
    let busy = RwSignal::new(false);
    // Only when the running app shows this page: otherwise the browser posts the form.
    let send = move |username: String, password: String| {
        busy.set(true);
        set_error.set(None);
        #[cfg(feature = "hydrate")]
        {
            let body = serde_json::json!({ "username": username, "password": password });
            leptos::task::spawn_local(async move {
                if let Err(problem) = post_and_enter("/api/v1/auth/login", body).await {
                    set_error.set(Some(problem));
                    busy.set(false);
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (username, password);
    };
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        send(username.get_untracked(), password.get_untracked());
    };
    view! {
        <PageTitle text=Signal::derive(move || t_string!(i18n, login_title).to_owned()) />
        <section class="card">
            <h1>{t!(i18n, login_title)}</h1>
            <form method="post" action=SIGN_IN_PATH on:submit=submit data-testid="login-form">
                <label>
                    {t!(i18n, login_username)}
                    <input
                        name="username"
                        autocomplete="username"
                        autocapitalize="none"
                        required
                        bind:value=username
                    />
                </label>
                <label>
                    {t!(i18n, login_password)}
                    <input
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        required
                        bind:value=password
                    />
                </label>
                <FormErrorMessage error=error />
                <button class="button" type="submit" disabled=move || busy.get()>
                    {t!(i18n, login_submit)}
                </button>
            </form>
            <p class="note">{t!(i18n, login_invite_hint)}</p>
        </section>
        <DemoLoginList send=Callback::new(move |login: DemoLogin| send(login.username, login.password)) />
    }
}

/// The demo accounts, in demo mode only, each a form that signs in as it. They come from the
/// server's context as it renders the page. The running app shows this page only when a
/// session ended under it, and then leaves the list out rather than carry code to fetch it:
/// reloading the page brings it.
#[component]
fn DemoLoginList(send: Callback<DemoLogin>) -> impl IntoView {
    #[cfg(not(feature = "hydrate"))]
    let crate::demo::DemoLogins(logins) = use_context().unwrap_or_default();
    #[cfg(feature = "hydrate")]
    let logins = Vec::new();
    view! { <DemoAccounts logins=logins send=send /> }
}

#[component]
fn DemoAccounts(logins: Vec<DemoLogin>, send: Callback<DemoLogin>) -> impl IntoView {
    let i18n = use_i18n();
    (!logins.is_empty()).then(|| view! {
        <section class="card demo" data-testid="demo-logins">
            <h2>{t!(i18n, demo_heading)}</h2>
            <p class="note">{t!(i18n, demo_note)}</p>
            <ul class="demo-logins">
                {logins.into_iter().map(|login| {
                    let role = role_label(i18n, login.role);
                    let chosen = login.clone();
                    let submit = move |event: leptos::ev::SubmitEvent| {
                        event.prevent_default();
                        send.run(chosen.clone());
                    };
                    view! {
                        <li>
                            <form method="post" action=SIGN_IN_PATH on:submit=submit>
                                <input type="hidden" name="username" value=login.username.clone() />
                                <input type="hidden" name="password" value=login.password />
                                <button type="submit" class="link">
                                    <strong>{role}</strong>
                                    " "
                                    <code>{login.username}</code>
                                </button>
                            </form>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <p class="note">
                {t!(i18n, demo_password)} " " <code>{crate::demo::DEMO_PASSWORD}</code>
            </p>
        </section>
    })
}

pub fn role_label(i18n: leptos_i18n::I18nContext<Locale>, role: Role) -> String {
    match role {
        Role::ProjectLeader => t_string!(i18n, role_name_project_leader),
        Role::CaseManager => t_string!(i18n, role_name_case_manager),
        Role::EmploymentOfficer => t_string!(i18n, role_name_employment_officer),
        Role::Supervisor => t_string!(i18n, role_name_supervisor),
        Role::Participant => t_string!(i18n, role_name_participant),
    }
    .to_owned()
}

/// `/invite/:code`: a participant or supervisor chooses a user name and password.
#[component]
pub fn InvitePage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let code = RwSignal::new(params.get_untracked().get("code").unwrap_or_default());
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let (error, set_error) = signal(None::<FormError>);
    let busy = RwSignal::new(false);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        busy.set(true);
        set_error.set(None);
        #[cfg(feature = "hydrate")]
        {
            let code = code.get_untracked();
            let url = format!(
                "/api/v1/invites/{}/accept",
                js_sys::encode_uri_component(&code)
            );
            let body = serde_json::json!({
                "username": username.get_untracked(),
                "password": password.get_untracked(),
            });
            leptos::task::spawn_local(async move {
                if let Err(problem) = post_and_enter(&url, body).await {
                    set_error.set(Some(problem));
                    busy.set(false);
                }
            });
        }
    };
    view! {
        <PageTitle text=Signal::derive(move || t_string!(i18n, invite_title).to_owned()) />
        <section class="card">
            <h1>{t!(i18n, invite_title)}</h1>
            <p>{t!(i18n, invite_intro)}</p>
            <form on:submit=submit data-testid="invite-form">
                <label>
                    {t!(i18n, invite_code)}
                    <input name="code" autocapitalize="characters" required bind:value=code />
                </label>
                <label>
                    {t!(i18n, login_username)}
                    <input name="username" autocomplete="username" autocapitalize="none" required bind:value=username />
                </label>
                <label>
                    {t!(i18n, invite_password)}
                    <input name="password" type="password" autocomplete="new-password" minlength="10" required bind:value=password />
                </label>
                <FormErrorMessage error=error />
                <button class="button" type="submit" disabled=move || busy.get()>
                    {t!(i18n, invite_submit)}
                </button>
            </form>
        </section>
    }
}
