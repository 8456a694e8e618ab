//! The other records a case manager keeps on the phone, the same way as the check-in: a
//! three-party review, a reported absence, a contact, the closing conversation (which schedules the follow-up calls 4 weeks and
//! 6 months after exit), a follow-up call's result, and training-goal progress. Each is
//! parsed with the server's rules before it is queued, and shown at once.

use crate::domain::{
    from_json, stockholm_day, Absence, Closing, ContactEntry, FollowUp, Kind, Record, Review,
    TrainingGoal,
};
use crate::i18n::*;
use crate::sync::status::SyncStatus;
use crate::ui::forms::{save_on_device, Choice, Saving};
use crate::ui::notices::refusal_text;
use crate::ui::records::{of_kind, text};
use leptos::prelude::*;
use serde_json::{json, Value};

/// When the follow-up calls after exit fall: 4 weeks and 6 months after the closing
/// conversation.
pub fn follow_up_days(closed_on: chrono::NaiveDate) -> [chrono::NaiveDate; 2] {
    [
        closed_on + chrono::Days::new(28),
        closed_on
            .checked_add_months(chrono::Months::new(6))
            .unwrap_or(closed_on),
    ]
}

fn today() -> String {
    stockholm_day(chrono::Utc::now()).to_string()
}

#[component]
pub fn ContactForm(participant_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let on = RwSignal::new(today());
    let channel = RwSignal::new("phone".to_owned());
    let summary = RwSignal::new(String::new());
    let (error, set_error) = signal(None::<String>);
    let saving = Saving::default();
    let save = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let data = json!({ "id": uuid::Uuid::new_v4(), "participant_id": participant_id,
            "on": on.get_untracked(), "channel": channel.get_untracked(),
            "summary": summary.get_untracked() });
        match from_json::<ContactEntry>(data) {
            Err(problem) => set_error.set(Some(refusal_text(i18n, problem.refusal))),
            Ok(contact) => {
                set_error.set(None);
                save_on_device(
                    vec![Record::Contact(contact)],
                    set_error,
                    saving,
                    move || summary.set(String::new()),
                );
            }
        }
    };
    let channels = vec![
        ("phone", t_string!(i18n, channel_phone).to_owned()),
        ("meeting", t_string!(i18n, channel_meeting).to_owned()),
        ("email", t_string!(i18n, channel_email).to_owned()),
        (
            "text_message",
            t_string!(i18n, channel_text_message).to_owned(),
        ),
        ("other", t_string!(i18n, channel_other).to_owned()),
    ];
    view! {
        <section class="card">
            <h2>{t!(i18n, contact_heading)}</h2>
            <form on:submit=save data-testid="contact-form">
                <label>
                    {t!(i18n, check_in_date)}
                    <input type="date" name="on" required bind:value=on />
                </label>
                <Choice name="channel" label=t_string!(i18n, contact_channel) options=channels value=channel />
                <label>
                    {t!(i18n, contact_summary)}
                    <textarea name="summary" rows="3" bind:value=summary></textarea>
                </label>
                {move || error.get().map(|problem| view! { <p class="form-error" role="alert" data-testid="contact-error">{problem}</p> })}
                <button class="button" type="submit">{t!(i18n, contact_save)}</button>
            </form>
        </section>
    }
    .into_any()
}

/// The three-party review with the employment officer (step 7 of the model).
#[component]
pub fn ReviewForm(participant_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let held_on = RwSignal::new(today());
    let notes = RwSignal::new(String::new());
    let next_steps = RwSignal::new(String::new());
    let (error, set_error) = signal(None::<String>);
    let saving = Saving::default();
    let save = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let data = json!({ "id": uuid::Uuid::new_v4(), "participant_id": participant_id,
            "held_on": held_on.get_untracked(), "notes": notes.get_untracked(),
            "next_steps": next_steps.get_untracked() });
        match from_json::<Review>(data) {
            Err(problem) => set_error.set(Some(refusal_text(i18n, problem.refusal))),
            Ok(review) => {
                set_error.set(None);
                save_on_device(vec![Record::Review(review)], set_error, saving, move || {
                    notes.set(String::new());
                    next_steps.set(String::new());
                });
            }
        }
    };
    view! {
        <section class="card">
            <h2>{t!(i18n, review_heading)}</h2>
            <form on:submit=save data-testid="review-form">
                <label>
                    {t!(i18n, check_in_date)}
                    <input type="date" name="held_on" required bind:value=held_on />
                </label>
                <label>
                    {t!(i18n, review_notes)}
                    <textarea name="notes" rows="3" bind:value=notes></textarea>
                </label>
                <label>
                    {t!(i18n, review_next_steps)}
                    <textarea name="next_steps" rows="2" bind:value=next_steps></textarea>
                </label>
                {move || error.get().map(|problem| view! { <p class="form-error" role="alert" data-testid="review-error">{problem}</p> })}
                <button class="button" type="submit">{t!(i18n, review_save)}</button>
            </form>
        </section>
    }
    .into_any()
}

/// An absence the participant reported to the case manager (a call in the morning, say).
#[component]
pub fn AbsenceForm(participant_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let first_day = RwSignal::new(today());
    let last_day = RwSignal::new(today());
    let reason = RwSignal::new("ill".to_owned());
    let note = RwSignal::new(String::new());
    let (error, set_error) = signal(None::<String>);
    let saving = Saving::default();
    let save = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let data = json!({ "id": uuid::Uuid::new_v4(), "participant_id": participant_id,
            "first_day": first_day.get_untracked(), "last_day": last_day.get_untracked(),
            "reason": reason.get_untracked(), "note": note.get_untracked() });
        let absence = from_json::<Absence>(data).and_then(|absence| {
            absence.validate()?;
            Ok(absence)
        });
        match absence {
            Err(problem) => set_error.set(Some(refusal_text(i18n, problem.refusal))),
            Ok(absence) => {
                set_error.set(None);
                save_on_device(
                    vec![Record::Absence(absence)],
                    set_error,
                    saving,
                    move || note.set(String::new()),
                );
            }
        }
    };
    let reasons = vec![
        ("ill", t_string!(i18n, reason_ill).to_owned()),
        ("child_ill", t_string!(i18n, reason_child_ill).to_owned()),
        (
            "appointment",
            t_string!(i18n, reason_appointment).to_owned(),
        ),
        (
            "language_class",
            t_string!(i18n, reason_language_class).to_owned(),
        ),
        ("other", t_string!(i18n, reason_other).to_owned()),
    ];
    view! {
        <section class="card">
            <h2>{t!(i18n, absence_heading)}</h2>
            <form on:submit=save data-testid="absence-form">
                <label>
                    {t!(i18n, absence_first_day)}
                    <input type="date" name="first_day" required bind:value=first_day />
                </label>
                <label>
                    {t!(i18n, absence_last_day)}
                    <input type="date" name="last_day" required bind:value=last_day />
                </label>
                <Choice name="reason" label=t_string!(i18n, absence_reason) options=reasons value=reason />
                <label>
                    {t!(i18n, absence_note)}
                    <textarea name="note" rows="2" bind:value=note></textarea>
                </label>
                {move || error.get().map(|problem| view! { <p class="form-error" role="alert" data-testid="absence-error">{problem}</p> })}
                <button class="button" type="submit">{t!(i18n, absence_save)}</button>
            </form>
        </section>
    }
    .into_any()
}

#[component]
pub fn ClosingForm(participant_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let held_on = RwSignal::new(today());
    let outcome = RwSignal::new("hourly_employment".to_owned());
    let employer = RwSignal::new(String::new());
    let notes = RwSignal::new(String::new());
    let (error, set_error) = signal(None::<String>);
    let saving = Saving::default();
    let save = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let mut data = json!({ "id": uuid::Uuid::new_v4(), "participant_id": participant_id,
            "held_on": held_on.get_untracked(), "outcome": outcome.get_untracked(),
            "notes": notes.get_untracked() });
        if !employer.get_untracked().trim().is_empty() {
            data["employer"] = json!(employer.get_untracked());
        }
        let closing = match from_json::<Closing>(data) {
            Ok(closing) => closing,
            Err(problem) => return set_error.set(Some(refusal_text(i18n, problem.refusal))),
        };
        let mut records = Vec::new();
        for due in follow_up_days(closing.held_on) {
            let follow_up = from_json::<FollowUp>(json!({ "id": uuid::Uuid::new_v4(),
                "participant_id": closing.participant_id, "due_on": due }));
            match follow_up {
                Ok(follow_up) => records.push(Record::FollowUp(follow_up)),
                Err(problem) => return set_error.set(Some(refusal_text(i18n, problem.refusal))),
            }
        }
        records.insert(0, Record::Closing(closing));
        set_error.set(None);
        save_on_device(records, set_error, saving, move || {
            notes.set(String::new());
            employer.set(String::new());
        });
    };
    let outcomes = vec![
        (
            "hourly_employment",
            t_string!(i18n, outcome_hourly_employment).to_owned(),
        ),
        (
            "substitute_pool",
            t_string!(i18n, outcome_substitute_pool).to_owned(),
        ),
        (
            "summer_substitute",
            t_string!(i18n, outcome_summer_substitute).to_owned(),
        ),
        (
            "fixed_term_employment",
            t_string!(i18n, outcome_fixed_term_employment).to_owned(),
        ),
        (
            "permanent_employment",
            t_string!(i18n, outcome_permanent_employment).to_owned(),
        ),
        ("studies", t_string!(i18n, outcome_studies).to_owned()),
        ("other", t_string!(i18n, outcome_other).to_owned()),
    ];
    view! {
        <section class="card">
            <h2>{t!(i18n, closing_heading)}</h2>
            <form on:submit=save data-testid="closing-form">
                <label>
                    {t!(i18n, check_in_date)}
                    <input type="date" name="held_on" required bind:value=held_on />
                </label>
                <Choice name="outcome" label=t_string!(i18n, closing_outcome) options=outcomes value=outcome />
                <label>
                    {t!(i18n, closing_employer)}
                    <input type="text" name="employer" bind:value=employer />
                </label>
                <label>
                    {t!(i18n, check_in_notes)}
                    <textarea name="notes" rows="3" bind:value=notes></textarea>
                </label>
                <p class="note">{t!(i18n, closing_follow_ups)}</p>
                {move || error.get().map(|problem| view! { <p class="form-error" role="alert" data-testid="closing-error">{problem}</p> })}
                <button class="button" type="submit">{t!(i18n, closing_save)}</button>
            </form>
        </section>
    }
    .into_any()
}

/// The follow-up calls not yet made, each with a form for what happened.
#[component]
pub fn FollowUps(participant_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let status = expect_context::<SyncStatus>();
    let open = Memo::new(move |_| {
        status.view.with(|view| {
            let mut open: Vec<Value> = of_kind(view, Kind::FollowUp)
                .map(|(_, follow_up)| follow_up)
                .filter(|f| {
                    f["participant_id"] == participant_id.as_str()
                        && f.get("done_on").is_none_or(Value::is_null)
                })
                .cloned()
                .collect();
            open.sort_by_key(|f| text(f, "due_on"));
            open
        })
    });
    view! {
        <Show when=move || open.with(|open| !open.is_empty())>
            <section class="card" data-testid="follow-ups">
                <h2>{t!(i18n, follow_ups_heading)}</h2>
                <For each=move || open.get() key=|f| text(f, "id") let:follow_up>
                    <FollowUpForm follow_up />
                </For>
            </section>
        </Show>
    }
    .into_any()
}

#[component]
fn FollowUpForm(follow_up: Value) -> impl IntoView {
    let i18n = use_i18n();
    let done_on = RwSignal::new(today());
    let situation = RwSignal::new("working".to_owned());
    let notes = RwSignal::new(String::new());
    let (error, set_error) = signal(None::<String>);
    let saving = Saving::default();
    let due = text(&follow_up, "due_on");
    let save = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let mut data = follow_up.clone();
        data["done_on"] = json!(done_on.get_untracked());
        data["situation"] = json!(situation.get_untracked());
        data["notes"] = json!(notes.get_untracked());
        match from_json::<FollowUp>(data).and_then(|f| {
            f.validate()?;
            Ok(f)
        }) {
            Err(problem) => set_error.set(Some(refusal_text(i18n, problem.refusal))),
            Ok(follow_up) => {
                set_error.set(None);
                save_on_device(vec![Record::FollowUp(follow_up)], set_error, saving, || {});
            }
        }
    };
    let situations = vec![
        ("working", t_string!(i18n, situation_working).to_owned()),
        ("studying", t_string!(i18n, situation_studying).to_owned()),
        (
            "job_seeking",
            t_string!(i18n, situation_job_seeking).to_owned(),
        ),
        (
            "not_reached",
            t_string!(i18n, situation_not_reached).to_owned(),
        ),
        ("other", t_string!(i18n, situation_other).to_owned()),
    ];
    view! {
        <form on:submit=save class="follow-up" data-testid="follow-up-form">
            <h3>{t_string!(i18n, follow_up_due, date = due).to_string()}</h3>
            <label>
                {t!(i18n, follow_up_done_on)}
                <input type="date" name="done_on" required bind:value=done_on />
            </label>
            <Choice name="situation" label=t_string!(i18n, follow_up_situation) options=situations value=situation />
            <label>
                {t!(i18n, check_in_notes)}
                <textarea name="notes" rows="2" bind:value=notes></textarea>
            </label>
            {move || error.get().map(|problem| view! { <p class="form-error" role="alert">{problem}</p> })}
            <button class="button" type="submit">{t!(i18n, follow_up_save)}</button>
        </form>
    }
    .into_any()
}

/// Training goals, each with its progress to change in one tap.
#[component]
pub fn GoalProgress(goal: Value) -> impl IntoView {
    let i18n = use_i18n();
    let (error, set_error) = signal(None::<String>);
    let current = text(&goal, "progress");
    let change = move |ev: leptos::ev::Event| {
        let mut data = goal.clone();
        data["progress"] = json!(event_target_value(&ev));
        match from_json::<TrainingGoal>(data) {
            Err(problem) => set_error.set(Some(refusal_text(i18n, problem.refusal))),
            // Each choice replaces the last (same id): none is a duplicate to hold back.
            Ok(goal) => save_on_device(
                vec![Record::TrainingGoal(goal)],
                set_error,
                Saving::default(),
                || {},
            ),
        }
    };
    let options = [
        ("not_started", t_string!(i18n, progress_not_started)),
        ("started", t_string!(i18n, progress_started)),
        ("achieved", t_string!(i18n, progress_achieved)),
    ];
    view! {
        <select name="progress" on:change=change aria-label=t_string!(i18n, goal_progress)>
            {options.into_iter().map(|(value, label)| {
                let selected = current == value;
                view! { <option value=value selected=selected>{label}</option> }
            }).collect_view()}
        </select>
        {move || error.get().map(|problem| view! { <p class="form-error" role="alert">{problem}</p> })}
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn follow_up_calls_fall_four_weeks_and_six_months_after_exit() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(
            follow_up_days(day(2026, 11, 20)),
            [day(2026, 12, 18), day(2027, 5, 20)]
        );
        assert_eq!(
            follow_up_days(day(2026, 8, 31)),
            [day(2026, 9, 28), day(2027, 2, 28)],
            "the end of a shorter month"
        );
    }
}
