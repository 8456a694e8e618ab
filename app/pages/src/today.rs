//! The supervisor's start page: the participants placed with them who are expected on a day
//! (today unless another day of the week is chosen), each confirmed with one tap, or marked
//! absent, late or gone early with the times and a reason; "all here as planned" confirms
//! the rest. Rendered whole by the server with none of the app's code, like the participant's
//! schedule: a supervisor on a shift, often with no signal, needs it to open at once. With no
//! network the service worker keeps each form until it can be sent, and the page says so.

use crate::i18n::{td_string, Locale};
pub use crate::shared::Contact;
use crate::shared::{day_heading, page, weekday_name, CallButton};
use chrono::{Datelike, NaiveDate};
use leptos::prelude::*;
use lotsa_core::domain::{AttendanceReason, AttendanceStatus};

/// Where the supervisor's start page is (`?day=YYYY-MM-DD` for another day).
pub const TODAY_PATH: &str = "/today";
/// Where the forms confirming one participant's day post.
pub const ATTENDANCE_FORM_PATH: &str = "/today/attendance";
/// Where "all here as planned" posts.
pub const ALL_HERE_FORM_PATH: &str = "/today/all-here";

/// What the page shows, gathered by the server from what the supervisor may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupervisorDay {
    pub locale: Locale,
    pub today: NaiveDate,
    /// The day shown.
    pub day: NaiveDate,
    /// Monday to Sunday of the day's week.
    pub week: Vec<WeekDay>,
    pub expected: Vec<Expected>,
    /// When the page was put together, Swedish time (`HH:MM`).
    pub updated_at: String,
    /// The supervisor's record id, which the forms carry: a form kept on a phone and sent
    /// later is refused under anyone else's session.
    pub supervisor: String,
    /// An id for "all here as planned", chosen as the page is made (the service worker keeps
    /// one sending of it).
    pub all_here_id: String,
    /// Why a form just sent was refused, if it was.
    pub refused: Option<Refused>,
}

/// Why the server refused a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Incomplete or wrong (a reason missing, a time that does not differ, …).
    Form,
    /// The participant attested the month.
    MonthAttested,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeekDay {
    pub day: NaiveDate,
    pub expected: usize,
    /// Expected and not yet confirmed.
    pub open: usize,
}

/// A participant expected at the workplace on the day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub participant: String,
    /// First name and last initial.
    pub name: String,
    /// The id the day's attendance has (one per participant and day).
    pub attendance_id: String,
    pub starts_at: String,
    pub ends_at: String,
    pub confirmed: Option<Confirmed>,
    /// The participant reported an absence covering the day.
    pub reported_absent: bool,
    pub case_manager: Option<Contact>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmed {
    pub status: AttendanceStatus,
    pub arrived_at: Option<String>,
    pub left_at: Option<String>,
    pub reason: Option<AttendanceReason>,
}

/// The page's address for `day`: the bare path for today, so that today's page is one page.
pub fn day_path(day: NaiveDate, today: NaiveDate) -> String {
    if day == today {
        TODAY_PATH.to_owned()
    } else {
        format!("{TODAY_PATH}?day={day}")
    }
}

/// The whole document, as HTML.
pub fn render(shown: SupervisorDay, options: LeptosOptions) -> String {
    let locale = shown.locale;
    let title = td_string!(locale, today_title);
    page(
        locale,
        title,
        TODAY_PATH,
        "supervisor-day",
        options,
        move || {
            view! { <Day shown /> }
        },
    )
}

#[component]
fn Day(shown: SupervisorDay) -> impl IntoView {
    let locale = shown.locale;
    let (day, today) = (shown.day, shown.today);
    let back = day_path(day, today);
    let open: Vec<String> = shown
        .expected
        .iter()
        // Someone who reported an absence is not confirmed as here with the others.
        .filter(|expected| expected.confirmed.is_none() && !expected.reported_absent)
        .map(|expected| expected.participant.clone())
        .collect();
    let has_come = day <= today;
    view! {
        <section class="card">
            <h1 data-testid="today-heading">
                {format!("{}: {}", td_string!(locale, today_title), day_heading(locale, day, today))}
            </h1>
            <p class="note" data-testid="today-updated">
                {td_string!(locale, schedule_updated, time = shown.updated_at.clone())}
            </p>
            <p class="notice" hidden data-outbox-notice data-testid="today-waiting">
                {td_string!(locale, today_waiting_notice)}
            </p>
            <crate::shared::OutboxRefused locale />
            {shown.refused.map(|refused| view! {
                <p class="notice" role="alert" data-testid="today-refused">
                    {match refused {
                        Refused::Form => td_string!(locale, today_refused),
                        Refused::MonthAttested => td_string!(locale, today_refused_attested),
                    }}
                </p>
            })}
            {(!has_come).then(|| view! { <p>{td_string!(locale, today_not_yet)}</p> })}
            {shown.expected.is_empty().then(|| view! {
                <p data-testid="today-nobody">{td_string!(locale, today_nobody)}</p>
            })}
            {(has_come && !open.is_empty()).then(|| view! {
                <form method="post" action=ALL_HERE_FORM_PATH>
                    <input type="hidden" name="supervisor" value=shown.supervisor.clone() />
                    <input type="hidden" name="id" value=shown.all_here_id.clone() />
                    <input type="hidden" name="day" value=day.to_string() />
                    <input type="hidden" name="back" value=back.clone() />
                    {open.into_iter().map(|participant| view! {
                        <input type="hidden" name="participant" value=participant />
                    }).collect_view()}
                    <button class="button" type="submit" data-testid="all-here">{td_string!(locale, today_all_here)}</button>
                </form>
            })}
        </section>
        <ul class="expected" data-testid="expected">
            {shown.expected.into_iter().map(|expected| view! {
                <ExpectedRow locale expected day has_come supervisor=shown.supervisor.clone() back=back.clone() />
            }).collect_view()}
        </ul>
        <Week locale week=shown.week today />
        <crate::shared::SignOut locale />
    }
}

#[component]
fn ExpectedRow(
    locale: Locale,
    expected: Expected,
    day: NaiveDate,
    has_come: bool,
    supervisor: String,
    back: String,
) -> impl IntoView {
    let row_id = format!("p-{}", expected.participant);
    let waiting = format!("{}:{day}", expected.participant);
    let confirmed = expected.confirmed.clone();
    let status_text = confirmed
        .as_ref()
        .map(|confirmed| confirmed_text(locale, confirmed));
    let planned = format!("{}–{}", expected.starts_at, expected.ends_at);
    let field =
        |name: &'static str, value: String| view! { <input type="hidden" name=name value=value /> };
    let hidden_fields = move || {
        view! {
            {field("supervisor", supervisor.clone())}
            {field("participant", expected.participant.clone())}
            {field("id", expected.attendance_id.clone())}
            {field("day", day.to_string())}
            {field("back", format!("{back}#{}", format_args!("p-{}", expected.participant)))}
        }
    };
    let fields_confirm = hidden_fields.clone();
    view! {
        <li class="card expected-row" id=row_id data-testid="expected-row" data-confirmed=confirmed.is_some().then_some("true")>
            <div class="row-head">
                <h2>{expected.name.clone()}</h2>
                <span class="agenda-time" dir="ltr">{planned}</span>
            </div>
            {expected.reported_absent.then(|| view! {
                <p class="notice" data-testid="reported-absent">{td_string!(locale, today_reported_absent)}</p>
            })}
            {status_text.map(|text| view! { <p class="confirmed" data-testid="confirmed"><strong>{text}</strong></p> })}
            <p class="notice" hidden data-waiting=waiting data-testid="row-waiting">{td_string!(locale, today_waiting)}</p>
            {(has_come && confirmed.is_none()).then(|| view! {
                <form method="post" action=ATTENDANCE_FORM_PATH>
                    {fields_confirm()}
                    <input type="hidden" name="status" value="present" />
                    <button class="button" type="submit" data-testid="confirm">{td_string!(locale, today_confirm)}</button>
                </form>
            })}
            <details>
                <summary data-testid="deviation">{td_string!(locale, today_other)}</summary>
                {has_come.then(|| view! {
                    <form method="post" action=ATTENDANCE_FORM_PATH class="deviation-form">
                        {hidden_fields()}
                        <fieldset>
                            <legend>{td_string!(locale, today_status)}</legend>
                            <StatusChoice value="present" text=td_string!(locale, today_status_present) />
                            <StatusChoice value="part_of_day" text=td_string!(locale, today_status_part) />
                            <StatusChoice value="absent" text=td_string!(locale, today_status_absent) />
                        </fieldset>
                        <label>
                            {td_string!(locale, today_arrived)}
                            <input type="time" name="arrived_at" value=expected.starts_at.clone() />
                        </label>
                        <label>
                            {td_string!(locale, today_left)}
                            <input type="time" name="left_at" value=expected.ends_at.clone() />
                        </label>
                        <label>
                            {td_string!(locale, today_reason)}
                            <select name="reason">
                                <option value="">{td_string!(locale, today_reason_none)}</option>
                                {AttendanceReason::ALL.into_iter().map(|reason| view! {
                                    <option value=reason.code()>{reason_name(locale, reason)}</option>
                                }).collect_view()}
                            </select>
                        </label>
                        <label>
                            {td_string!(locale, today_note)}
                            <textarea name="note" rows="2" maxlength="500"></textarea>
                        </label>
                        <button class="button secondary" type="submit" data-testid="save-deviation">{td_string!(locale, today_save)}</button>
                    </form>
                })}
                {expected.case_manager.map(|case_manager| view! {
                    <p class="note">{td_string!(locale, today_case_manager, name = case_manager.name.clone())}</p>
                    <CallButton locale contact=case_manager />
                })}
            </details>
        </li>
    }
}

#[component]
fn StatusChoice(value: &'static str, text: &'static str) -> impl IntoView {
    view! {
        <label class="choice">
            <input type="radio" name="status" value=value required checked={value == "present"} />
            {text}
        </label>
    }
}

/// The week's days, each a link to its page with how many are still to confirm.
#[component]
fn Week(locale: Locale, week: Vec<WeekDay>, today: NaiveDate) -> impl IntoView {
    view! {
        <nav class="card week" aria-label=td_string!(locale, today_week) data-testid="week">
            <h2>{td_string!(locale, today_week)}</h2>
            <ol>
                {week.into_iter().map(|day| {
                    let state = if day.expected == 0 {
                        String::new()
                    } else if day.day > today {
                        td_string!(locale, today_expected_count, count = day.expected).to_string()
                    } else if day.open == 0 {
                        td_string!(locale, today_all_done).to_owned()
                    } else {
                        td_string!(locale, today_open, count = day.open).to_string()
                    };
                    view! {
                        <li>
                            <a href=day_path(day.day, today) aria-current=(day.day == today).then_some("date")>
                                <span>{format!("{} {}/{}", weekday_name(locale, day.day.weekday()), day.day.day(), day.day.month())}</span>
                                " "
                                <span class="note">{state}</span>
                            </a>
                        </li>
                    }
                }).collect_view()}
            </ol>
        </nav>
    }
}

fn confirmed_text(locale: Locale, confirmed: &Confirmed) -> String {
    let reason = confirmed
        .reason
        .map(|reason| format!(" ({})", reason_name(locale, reason)))
        .unwrap_or_default();
    match confirmed.status {
        AttendanceStatus::Present => td_string!(locale, today_confirmed_present).to_owned(),
        AttendanceStatus::Absent => format!("{}{reason}", td_string!(locale, today_status_absent)),
        AttendanceStatus::PartOfDay => {
            let mut parts = Vec::new();
            if let Some(time) = &confirmed.arrived_at {
                parts.push(td_string!(locale, today_came_at, time = time.clone()).to_string());
            }
            if let Some(time) = &confirmed.left_at {
                parts.push(td_string!(locale, today_went_at, time = time.clone()).to_string());
            }
            format!("{}{reason}", parts.join(", "))
        }
    }
}

pub fn reason_name(locale: Locale, reason: AttendanceReason) -> &'static str {
    match reason {
        AttendanceReason::Ill => td_string!(locale, attendance_reason_ill),
        AttendanceReason::ChildIll => td_string!(locale, attendance_reason_child_ill),
        AttendanceReason::Transport => td_string!(locale, attendance_reason_transport),
        AttendanceReason::OwnChoice => td_string!(locale, attendance_reason_own_choice),
        AttendanceReason::Other => td_string!(locale, attendance_reason_other),
    }
}
