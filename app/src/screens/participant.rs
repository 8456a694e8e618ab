//! The participant's start page: their schedule from today to the end of next week, who to
//! call, and a private link for the phone's calendar. The server renders it whole and it
//! loads none of the app's code: a participant's phone (often cheap, on mobile data) fetches
//! the page and the stylesheet, nothing else. Words come from the locale files, in the
//! language the participant chose.

use crate::i18n::{td_string, Locale};
use chrono::{Datelike, NaiveDate, Weekday};
use leptos::prelude::*;
use leptos_meta::HashedStylesheet;
use lotsa_core::domain::EventKind;

/// Where the participant's start page is.
pub const SCHEDULE_PATH: &str = "/schedule";
/// Where its calendar-link form posts.
pub const CALENDAR_FORM_PATH: &str = "/schedule/calendar";
/// Where its sign-out form posts.
pub const SIGN_OUT_FORM_PATH: &str = "/logout";

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
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleDay {
    pub day: NaiveDate,
    pub items: Vec<ScheduleItem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleItem {
    pub kind: EventKind,
    pub title: Option<String>,
    pub location: Option<String>,
    pub starts_at: String,
    pub ends_at: String,
}

/// Someone to call: a name and maybe a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub name: String,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workplace {
    pub name: String,
    pub address: String,
    pub supervisor: Option<Contact>,
}

/// The whole document, as HTML.
pub fn render(schedule: MySchedule, options: LeptosOptions) -> String {
    Owner::new().with(|| {
        let locale = schedule.locale;
        let other = match locale {
            Locale::sv => Locale::en,
            Locale::en => Locale::sv,
        };
        let title = format!(
            "{} – {}",
            td_string!(locale, schedule_title),
            td_string!(locale, app_name)
        );
        view! {
            <!DOCTYPE html>
            <html lang=locale.to_string() dir="ltr">
                <head>
                    <meta charset="utf-8" />
                    <meta name="viewport" content="width=device-width, initial-scale=1" />
                    <meta name="theme-color" content=crate::shell::THEME_COLOR />
                    <link rel="manifest" href="/manifest.webmanifest" />
                    <link rel="icon" href="/icons/icon-192.png" type="image/png" />
                    <HashedStylesheet options id="leptos" />
                    <link rel="stylesheet" href=crate::shell::STATIC_PAGES_STYLESHEET />
                    <title>{title}</title>
                </head>
                <body>
                    <a class="skip-link" href="#main">{td_string!(locale, skip_to_content)}</a>
                    <header class="app-header">
                        <span class="brand">{td_string!(locale, app_name)}</span>
                        <form class="language-switch" method="get" action=crate::app::LANGUAGE_PATH>
                            <input type="hidden" name="to" value=other.to_string() />
                            <input type="hidden" name="back" value=SCHEDULE_PATH />
                            <button class="language" type="submit" lang=other.to_string() data-testid="switch-language">
                                {td_string!(locale, switch_language)}
                            </button>
                        </form>
                    </header>
                    <main id="main" class="my-schedule">
                        <Schedule schedule />
                    </main>
                </body>
            </html>
        }
        .to_html()
    })
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
                                    <span class="agenda-time">{format!("{}–{}", item.starts_at, item.ends_at)}</span>
                                    <span class="agenda-what">{item_title(locale, &item)}</span>
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
        <form method="post" action=SIGN_OUT_FORM_PATH class="sign-out-form">
            <button class="link" type="submit" data-testid="sign-out">{td_string!(locale, sign_out)}</button>
        </form>
    }
}

#[component]
fn CallButton(locale: Locale, contact: Contact) -> impl IntoView {
    contact.phone.map(|phone| {
        let number: String = phone
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect();
        view! {
            <a class="button" href=format!("tel:{number}")>
                {td_string!(locale, schedule_call, name = contact.name.clone())}
                " "
                <span class="phone">{phone.clone()}</span>
            </a>
        }
    })
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

/// "I dag", "I morgon", else the weekday and the day of the month ("Fredag 11/12").
fn day_heading(locale: Locale, day: NaiveDate, today: NaiveDate) -> String {
    let near = if day == today {
        Some(td_string!(locale, day_today))
    } else if Some(day) == today.succ_opt() {
        Some(td_string!(locale, day_tomorrow))
    } else {
        None
    };
    if let Some(word) = near {
        let mut letters = word.chars();
        return letters
            .next()
            .map(|first| first.to_uppercase().chain(letters).collect())
            .unwrap_or_default();
    }
    let weekday = match day.weekday() {
        Weekday::Mon => td_string!(locale, weekday_mon),
        Weekday::Tue => td_string!(locale, weekday_tue),
        Weekday::Wed => td_string!(locale, weekday_wed),
        Weekday::Thu => td_string!(locale, weekday_thu),
        Weekday::Fri => td_string!(locale, weekday_fri),
        Weekday::Sat => td_string!(locale, weekday_sat),
        Weekday::Sun => td_string!(locale, weekday_sun),
    };
    format!("{weekday} {}/{}", day.day(), day.month())
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
    fn days_near_today_are_named_and_others_have_their_weekday_and_date() {
        let today: NaiveDate = "2026-12-09".parse().unwrap();
        let next = |days: u64| today + chrono::Days::new(days);
        assert_eq!(day_heading(Locale::sv, today, today), "I dag");
        assert_eq!(day_heading(Locale::sv, next(1), today), "I morgon");
        assert_eq!(day_heading(Locale::sv, next(2), today), "Fredag 11/12");
        assert_eq!(day_heading(Locale::en, next(1), today), "Tomorrow");
    }

    #[test]
    fn a_map_link_searches_for_the_address() {
        assert_eq!(
            map_link("Storgatan 1, 582 24 Linköping"),
            "https://www.openstreetmap.org/search?query=Storgatan+1%2C+582+24+Link%C3%B6ping"
        );
    }
}
