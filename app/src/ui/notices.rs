//! What the user is told about their own changes after a sync: a change the server refused
//! (with the reason, until they discard it) and a change someone else's later change
//! replaced. Both are kept on the device until dismissed, so a reload does not hide them.

use crate::domain::{Note, Refusal, ShortText};
use crate::i18n::*;
use crate::sync::replica::{key, Notice, NoticeWhat};
use crate::sync::status::SyncStatus;
use crate::ui::records::full_name;
use leptos::prelude::*;
use serde_json::Value;
use std::collections::BTreeMap;

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

/// Why something was refused, in the user's language.
pub fn refusal_text(i18n: leptos_i18n::I18nContext<Locale>, refusal: Refusal) -> String {
    match refusal {
        Refusal::Invalid => t_string!(i18n, refusal_invalid).to_string(),
        Refusal::ShortText => t_string!(i18n, refusal_short_text, max = ShortText::MAX).to_string(),
        Refusal::LongText => t_string!(i18n, refusal_long_text, max = Note::MAX).to_string(),
        Refusal::Phone => t_string!(i18n, refusal_phone).to_string(),
        Refusal::Email => t_string!(i18n, refusal_email).to_string(),
        Refusal::Language => t_string!(i18n, refusal_language).to_string(),
        Refusal::PostalCode => t_string!(i18n, refusal_postal_code).to_string(),
        Refusal::Percent => t_string!(i18n, refusal_percent).to_string(),
        Refusal::IdentityNumberFormat => {
            t_string!(i18n, refusal_identity_number_format).to_string()
        }
        Refusal::IdentityNumberChecksum => {
            t_string!(i18n, refusal_identity_number_checksum).to_string()
        }
        Refusal::IdentityNumberDate => t_string!(i18n, refusal_identity_number_date).to_string(),
        Refusal::TimeOfDay => t_string!(i18n, refusal_time_of_day).to_string(),
        Refusal::DayOutOfRange => t_string!(i18n, refusal_day_out_of_range).to_string(),
        Refusal::EndsBeforeStartsOn => t_string!(i18n, refusal_ends_before_starts_on).to_string(),
        Refusal::LastDayBeforeFirstDay => {
            t_string!(i18n, refusal_last_day_before_first_day).to_string()
        }
        Refusal::EndsAtNotAfterStartsAt => {
            t_string!(i18n, refusal_ends_at_not_after_starts_at).to_string()
        }
        Refusal::WeeklyUntilBeforeDate => {
            t_string!(i18n, refusal_weekly_until_before_date).to_string()
        }
        Refusal::PlacementTooLong => t_string!(i18n, refusal_placement_too_long).to_string(),
        Refusal::WeekdayTwice => t_string!(i18n, refusal_weekday_twice).to_string(),
        Refusal::DayEndsBeforeStart => t_string!(i18n, refusal_day_ends_before_start).to_string(),
        Refusal::AreaRatedTwice => t_string!(i18n, refusal_area_rated_twice).to_string(),
        Refusal::CheckInInTheFuture => t_string!(i18n, refusal_check_in_in_the_future).to_string(),
        Refusal::ConsentWithdrawnBeforeGiven => {
            t_string!(i18n, refusal_consent_withdrawn_before_given).to_string()
        }
        Refusal::FollowUpNeedsDoneOn => {
            t_string!(i18n, refusal_follow_up_needs_done_on).to_string()
        }
        Refusal::AttendanceId => t_string!(i18n, refusal_attendance_id).to_string(),
        Refusal::AttendanceIncomplete => t_string!(i18n, refusal_attendance_incomplete).to_string(),
        Refusal::AttendanceInTheFuture => {
            t_string!(i18n, refusal_attendance_in_the_future).to_string()
        }
        Refusal::AttendanceMonthAttested => {
            t_string!(i18n, refusal_attendance_month_attested).to_string()
        }
        Refusal::AttendanceOutsidePlacement => {
            t_string!(i18n, refusal_attendance_outside_placement).to_string()
        }
        Refusal::CoFinancingOverBudget => {
            t_string!(i18n, refusal_co_financing_over_budget).to_string()
        }
        Refusal::ShareTargetsTooHigh => t_string!(i18n, refusal_share_targets_too_high).to_string(),
        Refusal::MaxPlacementRange => t_string!(i18n, refusal_max_placement_range).to_string(),
        Refusal::IntakeRoundEndsBeforeStart => {
            t_string!(i18n, refusal_intake_round_ends_before_start).to_string()
        }
        Refusal::ParticipantHasRecords => {
            t_string!(i18n, refusal_participant_has_records).to_string()
        }
        Refusal::ProgrammeMoved => t_string!(i18n, refusal_programme_moved).to_string(),
        Refusal::IdOfDeletedRecord => t_string!(i18n, refusal_id_of_deleted_record).to_string(),
        Refusal::NotCaseManager => t_string!(i18n, refusal_not_case_manager).to_string(),
        Refusal::NotEmploymentOfficer => {
            t_string!(i18n, refusal_not_employment_officer).to_string()
        }
        Refusal::NotStaffUser => t_string!(i18n, refusal_not_staff_user).to_string(),
        Refusal::NotPermitted => t_string!(i18n, refusal_not_permitted).to_string(),
        Refusal::Missing => t_string!(i18n, refusal_missing).to_string(),
        Refusal::UnknownChange => t_string!(i18n, refusal_unknown_change).to_string(),
    }
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

/// Whom a notice's record is about, by name, while the device holds the record: the
/// participant (or supervisor) it is, or whose file it is in.
fn about_whom(view: &BTreeMap<String, Value>, kind: &str, id: &str) -> Option<String> {
    let record = view.get(&key(kind, id))?;
    let person = match kind {
        "participant" | "supervisor" => record,
        _ => view.get(&key("participant", record["participant_id"].as_str()?))?,
    };
    Some(full_name(person))
}

#[component]
fn NoticeLine(notice: Notice) -> impl IntoView {
    let i18n = use_i18n();
    let status = expect_context::<SyncStatus>();
    let what = kind_label(i18n, &notice.kind);
    let what = match status
        .view
        .with_untracked(|view| about_whom(view, &notice.kind, &notice.record_id))
    {
        // "the participant Amina A", "the check-in for Amina A": the same order in both
        // languages, and plain words rather than templates, which cost the bundle more.
        Some(who) if matches!(notice.kind.as_str(), "participant" | "supervisor") => {
            format!("{what} {who}")
        }
        Some(who) => format!("{what} {} {who}", t_string!(i18n, notice_for)),
        None => what,
    };
    let (text, button, testid) = match &notice.what {
        NoticeWhat::Refused { error, code } => (
            t_string!(
                i18n,
                notice_refused,
                what = what.clone(),
                // A rejection kept from before refusals had codes has only the English text.
                reason = code.map_or_else(|| error.clone(), |code| refusal_text(i18n, code))
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
