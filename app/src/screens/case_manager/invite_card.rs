//! Inviting a participant or supervisor to sign in, and turning off a participant's calendar
//! link. The server makes the one-time code and keeps the links, so both need a connection;
//! the device learns by sync that an invite is open, and the caseload shows it until it is
//! used.

use crate::i18n::*;
use crate::sync::replica::key;
use crate::sync::status::SyncStatus;
use crate::ui::labels::{day_of_instant, day_text};
use leptos::prelude::*;
use serde::Deserialize;

/// What the server answers to a new invite.
#[derive(Debug, Clone, Deserialize)]
struct Made {
    code: String,
    link: String,
    /// RFC 3339, read by the browser (see `day_of_instant`).
    expires_at: String,
}

/// Whether the person can sign in, and a button to invite them if not.
/// `role` is `participant` or `supervisor`, as the invite API names them.
#[component]
pub fn InviteCard(role: &'static str, id: String) -> impl IntoView {
    let i18n = use_i18n();
    let status = expect_context::<SyncStatus>();
    let record_key = key(role, &id);
    let signs_in = Memo::new(move |_| {
        status.view.with(|view| {
            view.get(&record_key)
                .is_some_and(|record| record["user_id"].is_string())
        })
    });
    let connectivity = expect_context::<crate::ui::connectivity::Connectivity>();
    let offline = move || !connectivity.online.get();
    let made = RwSignal::new(None::<Made>);
    let (error, set_error) = signal(None::<String>);
    let busy = RwSignal::new(false);
    let id = StoredValue::new(id);
    let invite = move |_| {
        busy.set(true);
        set_error.set(None);
        #[cfg(feature = "hydrate")]
        {
            let body = serde_json::json!({ "role": role, "id": id.get_value() });
            leptos::task::spawn_local(async move {
                match post_invite(body).await {
                    Ok(invite) => {
                        made.set(Some(invite));
                        if let Some(device) = crate::sync::device::current() {
                            device.sync_soon();
                        }
                    }
                    Err(Some(reason)) => set_error.set(Some(
                        t_string!(i18n, send_invite_failed, reason = reason).to_string(),
                    )),
                    Err(None) => set_error.set(Some(t_string!(i18n, form_unreachable).to_owned())),
                }
                busy.set(false);
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (id, made);
    };
    let button_label = move || match role {
        "supervisor" => t_string!(i18n, send_invite_supervisor),
        _ => t_string!(i18n, send_invite_participant),
    };
    view! {
        <div class="invite" data-testid=format!("invite-{role}")>
            <Show
                when=move || !signs_in.get()
                fallback=move || view! { <p class="note">{t!(i18n, send_invite_can_sign_in)}</p> }
            >
                {move || match made.get() {
                    Some(invite) => {
                        let today = crate::domain::stockholm_day(chrono::Utc::now());
                        let day = day_of_instant(&invite.expires_at)
                            .map(|day| day_text(i18n, day, today))
                            .unwrap_or_else(|| invite.expires_at.clone());
                        let link = absolute(&invite.link);
                        view! {
                            <p role="status" data-testid="invite-code">
                                {t_string!(i18n, send_invite_code, code = invite.code.clone(), date = day).to_string()}
                            </p>
                            <label>
                                {t!(i18n, send_invite_link)}
                                <input type="text" readonly name="invite-link" prop:value=link />
                            </label>
                        }.into_any()
                    }
                    None => view! {
                        <button type="button" class="button"
                            disabled=move || busy.get() || offline()
                            on:click=invite>
                            {button_label}
                        </button>
                        <Show when=offline>
                            <p class="note">{t!(i18n, needs_connection)}</p>
                        </Show>
                    }.into_any(),
                }}
                {move || error.get().map(|problem| view! {
                    <p class="form-error" role="alert" data-testid="invite-error">{problem}</p>
                })}
            </Show>
        </div>
    }
}

/// Turns off the participant's calendar link (a lost phone, a link shared by mistake): the
/// calendar apps subscribed to it stop getting the schedule. The participant can make a new
/// one on their schedule page. Offered among the participant page's forms, so its code loads
/// only when it is opened.
#[component]
pub(crate) fn CalendarLinkForm(participant_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let connectivity = expect_context::<crate::ui::connectivity::Connectivity>();
    let offline = move || !connectivity.online.get();
    // What the last tap came to, said in the line under the button.
    let said = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let id = StoredValue::new(participant_id);
    let turn_off = move |_| {
        busy.set(true);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let url = format!("/api/v1/participants/{}/calendar", id.get_value());
            said.set(
                match send(gloo_net::http::Request::delete(&url).build()).await {
                    Ok(_) => t_string!(i18n, calendar_off_done).to_owned(),
                    Err(Some(reason)) => {
                        t_string!(i18n, calendar_off_failed, reason = reason).to_string()
                    }
                    Err(None) => t_string!(i18n, form_unreachable).to_owned(),
                },
            );
            busy.set(false);
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (id, said);
    };
    view! {
        <section class="card" data-testid="calendar-link-form">
            <h2>{t!(i18n, calendar_off_heading)}</h2>
            <p class="note">{t!(i18n, calendar_off_what)}</p>
            <button type="button" class="button" data-testid="calendar-off"
                disabled=move || busy.get() || offline()
                on:click=turn_off>
                {t!(i18n, calendar_off)}
            </button>
            <p role="status" data-testid="calendar-off-said">
                {move || if offline() { t_string!(i18n, needs_connection).to_owned() } else { said.get() }}
            </p>
        </section>
    }
}

/// The invite link as the person will open it, on this server.
fn absolute(path: &str) -> String {
    #[cfg(feature = "hydrate")]
    if let Ok(origin) = window().location().origin() {
        return format!("{origin}{path}");
    }
    path.to_owned()
}

/// Asks the server for an invite; the error is the server's message, or none if the server
/// could not be reached.
#[cfg(feature = "hydrate")]
async fn post_invite(body: serde_json::Value) -> Result<Made, Option<String>> {
    send(gloo_net::http::Request::post("/api/v1/invites").json(&body))
        .await?
        .json()
        .await
        .map_err(|_| None)
}

/// Sends a request the server answers at once; the error is the server's message, or none if
/// the server could not be reached.
#[cfg(feature = "hydrate")]
async fn send(
    request: Result<gloo_net::http::Request, gloo_net::Error>,
) -> Result<gloo_net::http::Response, Option<String>> {
    let unreachable = |_| None;
    let response = request
        .map_err(unreachable)?
        .send()
        .await
        .map_err(unreachable)?;
    if response.ok() {
        return Ok(response);
    }
    let problem: serde_json::Value = response.json().await.unwrap_or_default();
    Err(Some(problem["error"].as_str().map_or_else(
        || response.status().to_string(),
        str::to_owned,
    )))
}
