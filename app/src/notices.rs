//! What the user is told about their own changes after a sync: a change the server refused
//! (with the reason, until they discard it) and a change someone else's later change
//! replaced. Both are kept on the device until dismissed, so a reload does not hide them.

use crate::i18n::*;
use crate::sync::replica::{Notice, NoticeWhat};
use crate::sync::status::SyncStatus;
use leptos::prelude::*;

/// A record kind in words, for sentences like "the change to the check-in".
pub fn kind_label(i18n: leptos_i18n::I18nContext<Locale>, kind: &str) -> String {
    match kind {
        "programme" => t_string!(i18n, kind_programme),
        "staff" => t_string!(i18n, kind_staff),
        "workplace" => t_string!(i18n, kind_workplace),
        "supervisor" => t_string!(i18n, kind_supervisor),
        "participant" => t_string!(i18n, kind_participant),
        "placement" => t_string!(i18n, kind_placement),
        "schedule_event" => t_string!(i18n, kind_schedule_event),
        "check_in" => t_string!(i18n, kind_check_in),
        "review" => t_string!(i18n, kind_review),
        "contact" => t_string!(i18n, kind_contact),
        "training_goal" => t_string!(i18n, kind_training_goal),
        "attendance" => t_string!(i18n, kind_attendance),
        "absence" => t_string!(i18n, kind_absence),
        "closing" => t_string!(i18n, kind_closing),
        "follow_up" => t_string!(i18n, kind_follow_up),
        _ => t_string!(i18n, kind_other),
    }
    .to_owned()
}

#[component]
pub fn Notices() -> impl IntoView {
    let status = expect_context::<SyncStatus>();
    view! {
        <For each=move || status.notices.get() key=|notice| notice.key.clone() let:notice>
            <NoticeLine notice />
        </For>
    }
}

#[component]
fn NoticeLine(notice: Notice) -> impl IntoView {
    let i18n = use_i18n();
    let what = kind_label(i18n, &notice.kind);
    let (text, button, testid) = match &notice.what {
        NoticeWhat::Refused { error } => (
            t_string!(
                i18n,
                notice_refused,
                what = what.clone(),
                reason = error.clone()
            )
            .to_string(),
            t_string!(i18n, notice_discard).to_owned(),
            "refused",
        ),
        NoticeWhat::Replaced { .. } => (
            t_string!(i18n, notice_replaced, what = what.clone()).to_string(),
            t_string!(i18n, notice_ok).to_owned(),
            "replaced",
        ),
    };
    let key = notice.key.clone();
    let dismiss = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(device) = crate::sync::device::current() {
            let key = key.clone();
            leptos::task::spawn_local(async move {
                if let Err(error) = device.dismiss(&key).await {
                    leptos::logging::warn!("dismissing a notice: {error}");
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &key;
    };
    view! {
        <div class="notice" role="alert" data-testid=testid>
            <p>{text}</p>
            <button type="button" on:click=dismiss data-testid="dismiss-notice">
                {button}
            </button>
        </div>
    }
}
