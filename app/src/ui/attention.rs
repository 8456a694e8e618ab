//! What needs a case manager's attention, as the caseload and a participant's page show it.

use crate::attention::Attention;
use crate::i18n::*;
use leptos::prelude::*;

/// What needs attention (most urgent first), as short tags. A caseload line shows only the
/// first (its style hides the rest, and `data-more` says how many there are).
#[component]
pub(crate) fn AttentionList(needs: Vec<Attention>) -> impl IntoView {
    let i18n = use_i18n();
    let more = (needs.len() > 1).then(|| format!("+{}", needs.len() - 1));
    (!needs.is_empty()).then(|| {
        view! {
            <ul
                class="attention"
                data-testid="attention"
                data-more=more
                aria-label=t_string!(i18n, attention_heading)
            >
                {needs
                    .into_iter()
                    .map(|need| {
                        let (testid, label) = attention_label(i18n, &need);
                        view! { <li data-attention=testid>{label}</li> }
                    })
                    .collect_view()}
            </ul>
        }
    })
}

fn attention_label(
    i18n: leptos_i18n::I18nContext<Locale>,
    need: &Attention,
) -> (&'static str, String) {
    match need {
        Attention::AbsentToday => (
            "absent-today",
            t_string!(i18n, attention_absent_today).to_owned(),
        ),
        Attention::Deviation { on } => (
            "deviation",
            t_string!(i18n, attention_deviation, date = on.to_string()).to_string(),
        ),
        Attention::FollowUpDue { due_on } => (
            "follow-up-due",
            t_string!(i18n, attention_follow_up_due, date = due_on.to_string()).to_string(),
        ),
        Attention::ActionDue { by } => (
            "action-due",
            t_string!(i18n, attention_action_due, date = by.to_string()).to_string(),
        ),
        Attention::NoRecentCheckIn { .. } => (
            "no-check-in",
            t_string!(i18n, attention_no_check_in).to_owned(),
        ),
        Attention::PlacementEnding { ends_on } => (
            "placement-ending",
            t_string!(i18n, attention_placement_ending, date = ends_on.to_string()).to_string(),
        ),
        Attention::LowAttendance { percent } => (
            "low-attendance",
            t_string!(i18n, attention_low_attendance, percent = *percent).to_string(),
        ),
        Attention::InvitePending { until } => (
            "invite-pending",
            t_string!(i18n, attention_invite_pending, date = until.to_string()).to_string(),
        ),
        Attention::InviteExpired { on } => (
            "invite-expired",
            t_string!(i18n, attention_invite_expired, date = on.to_string()).to_string(),
        ),
    }
}
