//! The participant's start page: their schedule from today to the end of next week, who to
//! call, absences to report, and a private link for the phone's calendar. The server renders
//! it whole and it loads none of the app's code: a participant's phone (often cheap, on mobile
//! data) fetches the page, the stylesheets and one small script that lets it open offline.
//! Words come from this crate's locale files, in the language the participant chose.

use crate::i18n::{td_string, Locale};
pub use crate::shared::Contact;
use crate::shared::{day_heading, page, CallButton};
use chrono::NaiveDate;
use leptos::prelude::*;
use lotsa_core::domain::{AbsenceReason, EventKind};

/// Where the participant's start page is.
pub const SCHEDULE_PATH: &str = "/schedule";
/// Where its calendar-link form posts.
pub const CALENDAR_FORM_PATH: &str = "/schedule/calendar";
/// Where its absence forms post.
pub const ABSENCE_FORM_PATH: &str = "/schedule/absence";
/// Where a report comes back to: the absence section, which says whether it was sent.
pub const ABSENCE_ANCHOR: &str = "absence";
/// Where the attestation of a month's attendance posts.
pub const ATTEST_FORM_PATH: &str = "/schedule/attest";
/// Where an attestation comes back to.
pub const REPORT_ANCHOR: &str = "report";

/// What the page shows, gathered by the server from what the participant may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MySchedule {
    pub locale: Locale,
    pub first_name: String,
    pub today: NaiveDate,
    pub days: Vec<ScheduleDay>,
    pub case_manager: Option<Contact>,
    pub workplace: Option<Workplace>,
    /// A calendar link made just now: shown once, never put in an address.
    pub calendar_url: Option<String>,
    /// When the page was put together, Swedish time (`HH:MM`).
    pub updated_at: String,
    /// The participant's id, which the absence forms carry (see the server's `AbsenceForm`).
    pub participant: String,
    /// Absences the participant reported, from today on, as the server has them.
    pub absences: Vec<ReportedAbsence>,
    /// Ids for the page's two absence forms, chosen as the page is made: a form sent twice
    /// (a double tap, or the phone sending it again once online) is still one absence.
    pub absence_ids: [String; 2],
    /// Why an absence just sent was refused, if it was.
    pub absence_refused: bool,
    /// The attendance reports of last month and this one (those with any hours).
    pub reports: Vec<MonthReport>,
    /// An attestation just sent was refused (the report changed since it was shown).
    pub report_refused: bool,
}

/// A month's attendance report as the participant reads and attests it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthReport {
    /// `YYYY-MM`.
    pub month: String,
    /// Each day with hours: minutes per activity (workplace, training day, language class,
    /// other).
    pub days: Vec<(NaiveDate, [i64; 4])>,
    pub totals: [i64; 4],
    /// The digest of the report as shown, which the attestation form carries.
    pub digest: String,
    /// When the participant attested it (`YYYY-MM-DD`), if the attestation is in force.
    pub attested_on: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedAbsence {
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub reason: AbsenceReason,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleDay {
    pub day: NaiveDate,
    pub items: Vec<ScheduleItem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleItem {
    /// Changed since the participant's last visit.
    pub new: bool,
    pub kind: EventKind,
    pub title: Option<String>,
    pub location: Option<String>,
    pub starts_at: String,
    pub ends_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workplace {
    pub name: String,
    pub address: String,
    pub supervisor: Option<Contact>,
}

/// The whole document, as HTML.
pub fn render(schedule: MySchedule, options: LeptosOptions) -> String {
    let locale = schedule.locale;
    let title = td_string!(locale, schedule_title);
    page(
        locale,
        title,
        SCHEDULE_PATH,
        "my-schedule",
        options,
        move || {
            view! { <Schedule schedule /> }
        },
    )
}

#[component]
fn Schedule(schedule: MySchedule) -> impl IntoView {
    let locale = schedule.locale;
    let today = schedule.today;
    let days = schedule.days;
    let empty = days.is_empty();
    view! {
        <section class="card">
            <h1 data-testid="schedule-greeting">
                {td_string!(locale, schedule_greeting, name = schedule.first_name.clone())}
            </h1>
            <p class="note" data-testid="schedule-updated">
                {td_string!(locale, schedule_updated, time = schedule.updated_at.clone())}
            </p>
            {empty.then(|| view! { <p data-testid="schedule-empty">{td_string!(locale, schedule_nothing)}</p> })}
            <ol class="agenda" data-testid="schedule">
                {days.into_iter().map(|day| view! {
                    <li>
                        <h2>
                            <time datetime=day.day.to_string()>{day_heading(locale, day.day, today)}</time>
                        </h2>
                        <ul>
                            {day.items.into_iter().map(|item| view! {
                                <li class="agenda-item" data-kind=kind_code(item.kind)>
                                    <span class="agenda-time" dir="ltr">{format!("{}–{}", item.starts_at, item.ends_at)}</span>
                                    <span class="agenda-what">
                                        {item_title(locale, &item)}
                                        {item.new.then(|| view! { " " <span class="new-mark" data-testid="new-mark">{td_string!(locale, schedule_new)}</span> })}
                                    </span>
                                    {item.location.map(|place| view! { <span class="agenda-where">{place}</span> })}
                                </li>
                            }).collect_view()}
                        </ul>
                    </li>
                }).collect_view()}
            </ol>
        </section>
        {schedule.workplace.map(|workplace| view! {
            <section class="card" data-testid="my-workplace">
                <h2>{td_string!(locale, schedule_workplace)}</h2>
                <p>{workplace.name}<br />{workplace.address.clone()}</p>
                <a class="button secondary" href=map_link(&workplace.address) rel="noopener" target="_blank">
                    {td_string!(locale, schedule_map)}
                </a>
                {workplace.supervisor.map(|supervisor| view! {
                    <p>{td_string!(locale, schedule_supervisor, name = supervisor.name.clone())}</p>
                    <CallButton locale contact=supervisor />
                })}
            </section>
        })}
        {schedule.case_manager.map(|case_manager| view! {
            <section class="card" data-testid="my-case-manager">
                <h2>{td_string!(locale, schedule_case_manager)}</h2>
                <p>{case_manager.name.clone()}</p>
                <CallButton locale contact=case_manager />
            </section>
        })}
        <Absences
            locale
            today
            participant=schedule.participant.clone()
            reported=schedule.absences
            ids=schedule.absence_ids
            refused=schedule.absence_refused
        />
        <Reports
            locale
            today
            participant=schedule.participant.clone()
            reports=schedule.reports
            refused=schedule.report_refused
        />
        <section class="card" data-testid="my-calendar">
            <h2>{td_string!(locale, schedule_calendar_heading)}</h2>
            {match schedule.calendar_url {
                Some(url) => view! {
                    <p>{td_string!(locale, schedule_calendar_made)}</p>
                    <a class="button" href=url.replacen("https://", "webcal://", 1).replacen("http://", "webcal://", 1) data-testid="calendar-subscribe">
                        {td_string!(locale, schedule_calendar_subscribe)}
                    </a>
                    <p class="calendar-url"><code data-testid="calendar-url">{url.clone()}</code></p>
                }.into_any(),
                None => view! {
                    <p>{td_string!(locale, schedule_calendar_intro)}</p>
                    <form method="post" action=CALENDAR_FORM_PATH>
                        <button class="button secondary" type="submit" data-testid="calendar-make">
                            {td_string!(locale, schedule_calendar_make)}
                        </button>
                    </form>
                }.into_any(),
            }}
        </section>
        <crate::shared::SignOut locale />
    }
}

/// Reporting an absence: sick today in one tap, or another day and reason; and what the
/// server has. The service worker shows the hidden note when a report waits on the phone.
#[component]
fn Absences(
    locale: Locale,
    today: NaiveDate,
    participant: String,
    reported: Vec<ReportedAbsence>,
    ids: [String; 2],
    refused: bool,
) -> impl IntoView {
    let [ill_today, other] = ids;
    let reasons = [
        AbsenceReason::Ill,
        AbsenceReason::ChildIll,
        AbsenceReason::Appointment,
        AbsenceReason::LanguageClass,
        AbsenceReason::Other,
    ];
    view! {
        <section class="card absence" id=ABSENCE_ANCHOR data-testid="absence">
            <h2>{td_string!(locale, schedule_absence_heading)}</h2>
            <p class="notice" hidden data-outbox-notice data-testid="absence-waiting">
                {td_string!(locale, schedule_absence_waiting)}
            </p>
            <crate::shared::OutboxRefused locale />
            {refused.then(|| view! {
                <p class="notice" role="alert" data-testid="absence-refused">
                    {td_string!(locale, schedule_absence_refused)}
                </p>
            })}
            {(!reported.is_empty()).then(|| view! {
                <ul class="reported" data-testid="absence-reported">
                    {reported.into_iter().map(|absence| {
                        let days = if absence.first_day == absence.last_day {
                            day_heading(locale, absence.first_day, today)
                        } else {
                            format!(
                                "{} – {}",
                                day_heading(locale, absence.first_day, today),
                                day_heading(locale, absence.last_day, today)
                            )
                        };
                        view! {
                            <li>
                                {format!("{days}: {} · ", reason_name(absence.reason, locale))}
                                <strong>{td_string!(locale, schedule_absence_sent)}</strong>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
            <form method="post" action=ABSENCE_FORM_PATH>
                <input type="hidden" name="participant" value=participant.clone() />
                <input type="hidden" name="id" value=ill_today />
                <input type="hidden" name="reason" value="ill" />
                <input type="hidden" name="first_day" value=today.to_string() />
                <button class="button" type="submit" data-testid="absence-ill-today">
                    {td_string!(locale, schedule_absence_ill_today)}
                </button>
            </form>
            <details>
                <summary>{td_string!(locale, schedule_absence_other)}</summary>
                <form method="post" action=ABSENCE_FORM_PATH class="absence-other">
                    <input type="hidden" name="participant" value=participant />
                    <input type="hidden" name="id" value=other />
                    <label>
                        {td_string!(locale, absence_first_day)}
                        <input type="date" name="first_day" required min=today.to_string() value=today.to_string() />
                    </label>
                    <label>
                        {td_string!(locale, absence_last_day)}
                        <input type="date" name="last_day" min=today.to_string() />
                    </label>
                    <label>
                        {td_string!(locale, absence_reason)}
                        <select name="reason">
                            {reasons.into_iter().map(|reason| view! {
                                <option value=reason_code(reason)>{reason_name(reason, locale)}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <button class="button secondary" type="submit">{td_string!(locale, schedule_absence_send)}</button>
                </form>
            </details>
        </section>
    }
}

/// The month's hours for the participant to read and attest: a line per day, the totals, and
/// one button, or when they attested it.
#[component]
fn Reports(
    locale: Locale,
    today: NaiveDate,
    participant: String,
    reports: Vec<MonthReport>,
    refused: bool,
) -> impl IntoView {
    (!reports.is_empty() || refused).then(|| {
        view! {
            <section class="card report" id=REPORT_ANCHOR data-testid="reports">
                <p class="note">{td_string!(locale, report_intro)}</p>
                {refused.then(|| view! {
                    <p class="notice" role="alert" data-testid="report-refused">{td_string!(locale, report_refused)}</p>
                })}
                {reports.into_iter().map(|report| {
                    let month = report.month.clone();
                    let shown = month.split_once('-').map(|(year, month)| format!("{}/{year}", month.trim_start_matches('0'))).unwrap_or_default();
                    view! {
                        <div class="month-report" data-testid="month-report" data-month=month.clone()>
                            <h2>{td_string!(locale, report_heading, month = shown)}</h2>
                            <ul>
                                {report.days.into_iter().map(|(day, minutes)| view! {
                                    <li>{format!("{}: {}", crate::shared::day_heading(locale, day, today), activity_hours(locale, &minutes))}</li>
                                }).collect_view()}
                            </ul>
                            <p data-testid="report-total">
                                <strong>{td_string!(locale, report_total)}</strong>
                                {format!(": {}", activity_hours(locale, &report.totals))}
                            </p>
                            {match report.attested_on {
                                Some(on) => view! {
                                    <p class="confirmed" data-testid="report-attested"><strong>{td_string!(locale, report_attested, date = on)}</strong></p>
                                }.into_any(),
                                None => view! {
                                    <form method="post" action=ATTEST_FORM_PATH>
                                        <input type="hidden" name="participant" value=participant.clone() />
                                        <input type="hidden" name="id" value=format!("attest-{month}") />
                                        <input type="hidden" name="month" value=month.clone() />
                                        <input type="hidden" name="digest" value=report.digest />
                                        <button class="button" type="submit" data-testid="attest">{td_string!(locale, report_attest)}</button>
                                    </form>
                                }.into_any(),
                            }}
                        </div>
                    }
                }).collect_view()}
            </section>
        }
    })
}

/// "8 h 30 min": hours and minutes rather than decimal hours, which read the same in every
/// language the page speaks.
fn duration(minutes: i64) -> String {
    match (minutes / 60, minutes % 60) {
        (hours, 0) => format!("{hours} h"),
        (0, minutes) => format!("{minutes} min"),
        (hours, minutes) => format!("{hours} h {minutes} min"),
    }
}

/// "Praktik 8 h 30 min · Språkundervisning 3 h 15 min": the activities with any hours.
fn activity_hours(locale: Locale, minutes: &[i64; 4]) -> String {
    let names = [
        td_string!(locale, report_workplace),
        td_string!(locale, event_training_day),
        td_string!(locale, event_language_class),
        td_string!(locale, report_other),
    ];
    let parts: Vec<String> = names
        .iter()
        .zip(minutes)
        .filter(|(_, minutes)| **minutes > 0)
        .map(|(name, minutes)| format!("{name} {}", duration(*minutes)))
        .collect();
    if parts.is_empty() {
        duration(0)
    } else {
        parts.join(" · ")
    }
}

fn reason_code(reason: AbsenceReason) -> &'static str {
    match reason {
        AbsenceReason::Ill => "ill",
        AbsenceReason::ChildIll => "child_ill",
        AbsenceReason::Appointment => "appointment",
        AbsenceReason::LanguageClass => "language_class",
        AbsenceReason::Other => "other",
    }
}

fn reason_name(reason: AbsenceReason, locale: Locale) -> &'static str {
    match reason {
        AbsenceReason::Ill => td_string!(locale, reason_ill),
        AbsenceReason::ChildIll => td_string!(locale, reason_child_ill),
        AbsenceReason::Appointment => td_string!(locale, reason_appointment),
        AbsenceReason::LanguageClass => td_string!(locale, reason_language_class),
        AbsenceReason::Other => td_string!(locale, reason_other),
    }
}

fn kind_code(kind: EventKind) -> &'static str {
    match kind {
        EventKind::WorkplaceShift => "workplace_shift",
        EventKind::TrainingDay => "training_day",
        EventKind::LanguageClass => "language_class",
        EventKind::Meeting => "meeting",
        EventKind::Introduction => "introduction",
        EventKind::StudyVisit => "study_visit",
    }
}

/// The word for a kind of event (the page and the calendar feed say the same).
pub fn kind_name(kind: EventKind, locale: Locale) -> &'static str {
    match kind {
        EventKind::WorkplaceShift => td_string!(locale, event_workplace_shift),
        EventKind::TrainingDay => td_string!(locale, event_training_day),
        EventKind::LanguageClass => td_string!(locale, event_language_class),
        EventKind::Meeting => td_string!(locale, event_meeting),
        EventKind::Introduction => td_string!(locale, event_introduction),
        EventKind::StudyVisit => td_string!(locale, event_study_visit),
    }
}

fn item_title(locale: Locale, item: &ScheduleItem) -> String {
    let kind = kind_name(item.kind, locale);
    match &item.title {
        Some(title) => format!("{kind}: {title}"),
        None => kind.to_owned(),
    }
}

/// A map search for an address (OpenStreetMap: no account, no tracking script).
fn map_link(address: &str) -> String {
    let query: String = address
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (byte as char).to_string()
            }
            b' ' => "+".to_owned(),
            other => format!("%{other:02X}"),
        })
        .collect();
    format!("https://www.openstreetmap.org/search?query={query}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_hours_and_minutes() {
        assert_eq!(duration(510), "8 h 30 min");
        assert_eq!(duration(480), "8 h");
        assert_eq!(duration(45), "45 min");
        assert_eq!(duration(0), "0 h");
    }

    #[test]
    fn a_map_link_searches_for_the_address() {
        assert_eq!(
            map_link("Storgatan 1, 582 24 Linköping"),
            "https://www.openstreetmap.org/search?query=Storgatan+1%2C+582+24+Link%C3%B6ping"
        );
    }
}
