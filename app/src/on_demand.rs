//! Screens and forms whose code is a chunk of its own in the browser bundle
//! (`cargo leptos build --split`): a page downloads only what it shows, so a sign-in page
//! carries no caseload and a caseload carries no forms. Each `wasm_split` function below is a
//! split point; functions with the same module name share a chunk. The service worker
//! precaches every chunk, so all of them still open offline after one visit.
//!
//! The split points exist with the feature `split`, which only the browser bundle (`frontend`)
//! turns on: a split point imports its chunk's loader from a module that only
//! `cargo leptos build --split` provides, so any other wasm (the browser tests) would not
//! load. Without the feature, and on the server, each is an ordinary call.

/// Calls a split point: with `split` it returns a future that first fetches its chunk.
#[cfg(feature = "split")]
macro_rules! load {
    ($call:expr) => {
        $call.await
    };
}

#[cfg(not(feature = "split"))]
macro_rules! load {
    ($call:expr) => {
        $call
    };
}

use crate::i18n::*;
use crate::screens::account::LoginPage;
use crate::screens::case_manager::caseload::CaseloadList;
use crate::screens::case_manager::invite_card::CalendarLinkForm;
use crate::screens::case_manager::journal_forms::{
    AbsenceForm, ClosingForm, ContactForm, ReviewForm,
};
use crate::screens::case_manager::participant::{CheckInForm, ParticipantView};
use crate::screens::case_manager::planning::{EventForm, PlacementForm, RegisterForm};
use crate::sync::status::SyncStatus;
use leptos::prelude::*;
use serde_json::Value;

/// Why a screen loaded on demand could not be shown: its part of the app was neither cached
/// on the device nor reachable.
#[derive(Debug, Clone, Copy)]
pub struct ScreenUnavailable;

#[cfg(feature = "split")]
impl From<wasm_split_helpers::SplitLoaderError> for ScreenUnavailable {
    fn from(_: wasm_split_helpers::SplitLoaderError) -> Self {
        ScreenUnavailable
    }
}

/// The forms that record something on a participant's page, each opened on demand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Form {
    CheckIn,
    Absence,
    Review,
    Contact,
    Placement,
    Event,
    Closing,
    /// Turning off the participant's calendar link (not a record: it needs the server).
    CalendarLink,
}

impl Form {
    /// In the order the page offers them: the workplace visit first.
    pub const ALL: [Form; 8] = [
        Form::CheckIn,
        Form::Absence,
        Form::Review,
        Form::Contact,
        Form::Placement,
        Form::Event,
        Form::Closing,
        Form::CalendarLink,
    ];

    /// The name the end-to-end tests and the page's buttons know the form by.
    pub fn name(self) -> &'static str {
        match self {
            Form::CheckIn => "check-in",
            Form::Absence => "absence",
            Form::Review => "review",
            Form::Contact => "contact",
            Form::Placement => "placement",
            Form::Event => "event",
            Form::Closing => "closing",
            Form::CalendarLink => "calendar-link",
        }
    }
}

/// What `OnDemand` shows.
#[derive(Debug, Clone)]
pub enum Screen {
    /// The sign-in page, as the running app shows it when a session ends under it (the
    /// server renders it whole, for a page that runs without the app's code).
    SignIn,
    Caseload,
    Participant(String),
    /// A form for the participant whose record is given.
    Form(Form, Value),
}

/// Shows `screen` once its chunk is loaded (at once when it already is). A failed fetch says
/// so and offers to try again instead of stopping the app.
#[component]
pub fn OnDemand(screen: Screen) -> impl IntoView {
    let i18n = use_i18n();
    let attempt = RwSignal::new(0_u32);
    view! {
        <Suspense fallback=move || view! { <p class="card note">{t!(i18n, caseload_loading)}</p> }>
            {move || {
                attempt.track();
                let screen = screen.clone();
                Suspend::new(crate::browser_future(async move {
                    let loaded = match screen {
                        Screen::SignIn => load!(sign_in_screen()),
                        Screen::Caseload => load!(caseload_screen()),
                        Screen::Participant(id) => load!(participant_screen(id)),
                        Screen::Form(form, participant) => {
                            let id = crate::ui::records::text(&participant, "id");
                            match form {
                                Form::CheckIn => load!(check_in_form(participant)),
                                Form::Absence => load!(absence_form(id)),
                                Form::Review => load!(review_form(id)),
                                Form::Contact => load!(contact_form(id)),
                                Form::Closing => load!(closing_form(id)),
                                Form::Placement => load!(placement_form(participant)),
                                Form::Event => load!(event_form(participant)),
                                Form::CalendarLink => load!(calendar_link_form(id)),
                            }
                        }
                    };
                    loaded.unwrap_or_else(|ScreenUnavailable| view! {
                        <section class="card" role="alert" data-testid="screen-unavailable">
                            <p>{t!(i18n, screen_unavailable)}</p>
                            <button type="button" class="button" on:click=move |_| attempt.update(|n| *n += 1)>
                                {t!(i18n, screen_retry)}
                            </button>
                        </section>
                    }.into_any())
                }))
            }}
        </Suspense>
    }
}

#[cfg_attr(
    feature = "split",
    wasm_split_helpers::wasm_split(sign_in, wasm_split_path = ::wasm_split_helpers, fallible)
)]
fn sign_in_screen() -> Result<AnyView, ScreenUnavailable> {
    Ok(view! { <LoginPage /> }.into_any())
}

/// The caseload, and for a case manager the form that registers a new participant.
#[cfg_attr(
    feature = "split",
    wasm_split_helpers::wasm_split(caseload, wasm_split_path = ::wasm_split_helpers, fallible)
)]
fn caseload_screen() -> Result<AnyView, ScreenUnavailable> {
    let status = expect_context::<SyncStatus>();
    Ok(view! {
        <CaseloadList />
        <Show when=move || status.roles.with(|roles| roles.contains(&crate::domain::Role::CaseManager))>
            <RegisterForm />
        </Show>
    }
    .into_any())
}

/// One participant's page, without its forms.
#[cfg_attr(
    feature = "split",
    wasm_split_helpers::wasm_split(participant, wasm_split_path = ::wasm_split_helpers, fallible)
)]
fn participant_screen(id: String) -> Result<AnyView, ScreenUnavailable> {
    Ok(view! { <ParticipantView id=id /> }.into_any())
}

#[cfg_attr(
    feature = "split",
    wasm_split_helpers::wasm_split(check_in, wasm_split_path = ::wasm_split_helpers, fallible)
)]
fn check_in_form(participant: Value) -> Result<AnyView, ScreenUnavailable> {
    Ok(view! { <CheckInForm participant=participant /> }.into_any())
}

// The forms that add to the participant's journal share a chunk (`journal`), and so do the
// two that plan (`planning`): they share most of their code.

#[cfg_attr(
    feature = "split",
    wasm_split_helpers::wasm_split(journal, wasm_split_path = ::wasm_split_helpers, fallible)
)]
fn absence_form(participant_id: String) -> Result<AnyView, ScreenUnavailable> {
    Ok(view! { <AbsenceForm participant_id=participant_id /> }.into_any())
}

#[cfg_attr(
    feature = "split",
    wasm_split_helpers::wasm_split(journal, wasm_split_path = ::wasm_split_helpers, fallible)
)]
fn review_form(participant_id: String) -> Result<AnyView, ScreenUnavailable> {
    Ok(view! { <ReviewForm participant_id=participant_id /> }.into_any())
}

#[cfg_attr(
    feature = "split",
    wasm_split_helpers::wasm_split(journal, wasm_split_path = ::wasm_split_helpers, fallible)
)]
fn contact_form(participant_id: String) -> Result<AnyView, ScreenUnavailable> {
    Ok(view! { <ContactForm participant_id=participant_id /> }.into_any())
}

#[cfg_attr(
    feature = "split",
    wasm_split_helpers::wasm_split(journal, wasm_split_path = ::wasm_split_helpers, fallible)
)]
fn closing_form(participant_id: String) -> Result<AnyView, ScreenUnavailable> {
    Ok(view! { <ClosingForm participant_id=participant_id /> }.into_any())
}

#[cfg_attr(
    feature = "split",
    wasm_split_helpers::wasm_split(planning, wasm_split_path = ::wasm_split_helpers, fallible)
)]
fn placement_form(participant: Value) -> Result<AnyView, ScreenUnavailable> {
    Ok(view! { <PlacementForm participant=participant /> }.into_any())
}

#[cfg_attr(
    feature = "split",
    wasm_split_helpers::wasm_split(planning, wasm_split_path = ::wasm_split_helpers, fallible)
)]
fn event_form(participant: Value) -> Result<AnyView, ScreenUnavailable> {
    Ok(view! { <EventForm participant=participant /> }.into_any())
}

// With the journal's forms: a chunk of its own would cost every page more in the chunks the
// split shares out than the form weighs.
#[cfg_attr(
    feature = "split",
    wasm_split_helpers::wasm_split(journal, wasm_split_path = ::wasm_split_helpers, fallible)
)]
fn calendar_link_form(participant_id: String) -> Result<AnyView, ScreenUnavailable> {
    Ok(view! { <CalendarLinkForm participant_id=participant_id /> }.into_any())
}
