//! What every page of this crate has: the document around it (head, header, the language
//! list), the sign-out form, a call button and how days are named.

use crate::i18n::{td_string, Locale};
use app::app::LANGUAGE_PATH;
use app::shell::{SharedHead, STATIC_PAGES_STYLESHEET};
use chrono::{Datelike, NaiveDate, Weekday};
use leptos::prelude::*;
use leptos_i18n::Locale as _;

/// The pages' one script (from `public/`): it lets them open offline.
pub const STATIC_PAGES_SCRIPT: &str = "/static-pages.js";
/// Where the pages' sign-out form posts.
pub const SIGN_OUT_FORM_PATH: &str = "/logout";

/// Someone to call: a name and maybe a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub name: String,
    pub phone: Option<String>,
}

/// The whole document, as HTML: `title` (before the app's name), the header with the
/// language list (which comes back to `path`), and `content` in the main element.
pub fn page<V: IntoView + 'static>(
    locale: Locale,
    title: &str,
    path: &'static str,
    main_class: &'static str,
    options: LeptosOptions,
    content: impl FnOnce() -> V,
) -> String {
    Owner::new().with(|| {
        let title = format!("{title} – {}", td_string!(locale, app_name));
        view! {
            <!DOCTYPE html>
            <html lang=locale.to_string() dir=direction(locale)>
                <head>
                    <SharedHead options />
                    <link rel="stylesheet" href=STATIC_PAGES_STYLESHEET />
                    <script src=STATIC_PAGES_SCRIPT defer></script>
                    <title>{title}</title>
                </head>
                <body>
                    <a class="skip-link" href="#main">{td_string!(locale, skip_to_content)}</a>
                    <header class="app-header">
                        <span class="brand">{td_string!(locale, app_name)}</span>
                        <Languages locale path />
                    </header>
                    <main id="main" class=main_class>
                        {content()}
                    </main>
                </body>
            </html>
        }
        .to_html()
    })
}

/// `rtl` for the languages written right to left (Arabic, Dari), else `ltr`.
pub fn direction(locale: Locale) -> &'static str {
    match locale.direction() {
        leptos_i18n::Direction::RightToLeft => "rtl",
        _ => "ltr",
    }
}

/// Every language the page speaks, each named in itself: a participant finds their own
/// whatever language the page is in now. Each is a link that keeps the choice (in the cookie
/// the app's language switch writes) and comes back to `path`.
#[component]
fn Languages(locale: Locale, path: &'static str) -> impl IntoView {
    view! {
        <details class="languages" data-testid="languages">
            <summary>
                {format!("{}: {}", td_string!(locale, language_heading), td_string!(locale, language_name))}
            </summary>
            <ul>
                {Locale::get_all().iter().map(|&language| {
                    let href = format!("{LANGUAGE_PATH}?to={language}&back={path}");
                    view! {
                        <li>
                            <a href=href lang=language.to_string() hreflang=language.to_string() dir=direction(language)
                                aria-current=(language == locale).then_some("true")>
                                {td_string!(language, language_name)}
                            </a>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </details>
    }
}

/// Said once when a form kept on the phone and sent later was refused by the server (the
/// service worker shows it: nothing of it was saved, and the user does it again).
#[component]
pub fn OutboxRefused(locale: Locale) -> impl IntoView {
    view! {
        <p class="notice" role="alert" hidden data-outbox-refused data-testid="outbox-refused">
            {td_string!(locale, outbox_refused)}
        </p>
    }
}

/// The sign-out form. Signing out drops what waits on the phone to be sent, so the page's
/// script asks first when something waits (`data-waiting-warning`).
#[component]
pub fn SignOut(locale: Locale) -> impl IntoView {
    view! {
        <form method="post" action=SIGN_OUT_FORM_PATH class="sign-out-form" data-waiting-warning=td_string!(locale, sign_out_waiting)>
            <button class="link" type="submit" data-testid="sign-out">{td_string!(locale, sign_out)}</button>
        </form>
    }
}

#[component]
pub fn CallButton(locale: Locale, contact: Contact) -> impl IntoView {
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

/// "I dag", "I morgon", else the weekday and the day of the month ("Fredag 11/12").
pub fn day_heading(locale: Locale, day: NaiveDate, today: NaiveDate) -> String {
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
    format!(
        "{} {}/{}",
        weekday_name(locale, day.weekday()),
        day.day(),
        day.month()
    )
}

pub fn weekday_name(locale: Locale, weekday: Weekday) -> &'static str {
    match weekday {
        Weekday::Mon => td_string!(locale, weekday_mon),
        Weekday::Tue => td_string!(locale, weekday_tue),
        Weekday::Wed => td_string!(locale, weekday_wed),
        Weekday::Thu => td_string!(locale, weekday_thu),
        Weekday::Fri => td_string!(locale, weekday_fri),
        Weekday::Sat => td_string!(locale, weekday_sat),
        Weekday::Sun => td_string!(locale, weekday_sun),
    }
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
        assert_eq!(day_heading(Locale::ar, next(1), today), "غداً");
    }

    #[test]
    fn arabic_and_dari_are_written_right_to_left() {
        let rtl: Vec<Locale> = Locale::get_all()
            .iter()
            .copied()
            .filter(|&locale| direction(locale) == "rtl")
            .collect();
        assert_eq!(rtl, [Locale::ar, Locale::fa_AF]);
    }
}
