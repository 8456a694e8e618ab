//! Record values in the user's language.

use crate::i18n::*;
use serde_json::Value;

pub(crate) fn phase_label(i18n: leptos_i18n::I18nContext<Locale>, phase: &str) -> String {
    match phase {
        "recruited" => t_string!(i18n, phase_recruited),
        "introduction" => t_string!(i18n, phase_introduction),
        "placement" => t_string!(i18n, phase_placement),
        "closing" => t_string!(i18n, phase_closing),
        "follow_up" => t_string!(i18n, phase_follow_up),
        "ended" => t_string!(i18n, phase_ended),
        _ => "",
    }
    .to_owned()
}

/// A language's name in the user's language (`ti` → "tigrinja"), from the browser's own
/// locale data (`Intl.DisplayNames`), so no table of names ships in the bundle. The code
/// itself where the browser knows no name, and on the server, which never renders the
/// screens that show languages (they render after hydration).
pub(crate) fn language_name(i18n: leptos_i18n::I18nContext<Locale>, code: &str) -> String {
    #[cfg(feature = "hydrate")]
    {
        let locales = js_sys::Array::of1(&i18n.get_locale().as_str().into());
        let names = js_sys::Intl::DisplayNames::new(&locales, &options(&[("type", "language")]));
        if let Some(name) = names.of(code) {
            return name.into();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = i18n;
    code.to_owned()
}

/// A day as the user reads it, in their language: "i dag", "i morgon" and "i går" near
/// `today`, else the weekday and the date from the browser's locale data ("tis 15 dec."),
/// with the year when it is another year's (nothing on the server, which never renders the
/// screens that show days: they render after hydration).
pub(crate) fn day_text(
    i18n: leptos_i18n::I18nContext<Locale>,
    day: chrono::NaiveDate,
    today: chrono::NaiveDate,
) -> String {
    use chrono::Datelike;
    match (day - today).num_days() {
        -1 => return t_string!(i18n, day_yesterday).to_owned(),
        0 => return t_string!(i18n, day_today).to_owned(),
        1 => return t_string!(i18n, day_tomorrow).to_owned(),
        _ => {}
    }
    // A date alone is midnight UTC to the browser: written in UTC, it stays that day.
    let parts = [
        ("timeZone", "UTC"),
        ("weekday", "short"),
        ("day", "numeric"),
        ("month", "short"),
        ("year", "numeric"),
    ];
    let parts = if day.year() == today.year() {
        &parts[..4]
    } else {
        &parts[..]
    };
    browser_date(&day.to_string(), i18n.get_locale().as_str(), parts)
}

pub(crate) fn event_label(i18n: leptos_i18n::I18nContext<Locale>, event: &Value) -> String {
    if let Some(title) = event["title"].as_str() {
        return title.to_owned();
    }
    match event["kind"].as_str().unwrap_or_default() {
        "workplace_shift" => t_string!(i18n, event_workplace_shift),
        "training_day" => t_string!(i18n, event_training_day),
        "language_class" => t_string!(i18n, event_language_class),
        "introduction" => t_string!(i18n, event_introduction),
        "study_visit" => t_string!(i18n, event_study_visit),
        _ => t_string!(i18n, event_meeting),
    }
    .to_owned()
}

/// `HH:MM` in Swedish time from an RFC 3339 instant, read and written by the browser's own
/// date code (chrono's RFC 3339 parser would be in the bundle for this alone). Empty on the
/// server, which never knows when a device last synced.
pub(crate) fn clock_time(instant: &str) -> String {
    let clock = [
        ("timeZone", "Europe/Stockholm"),
        ("hour", "2-digit"),
        ("minute", "2-digit"),
    ];
    browser_date(instant, "sv-SE", &clock)
}

/// The day in Sweden of an RFC 3339 instant, as the browser's own date code reads it (chrono's
/// parser for instants would be in the bundle for this alone); none on the server.
pub(crate) fn day_of_instant(instant: &str) -> Option<chrono::NaiveDate> {
    // Swedish writes a date as YYYY-MM-DD.
    let day = [
        ("timeZone", "Europe/Stockholm"),
        ("year", "numeric"),
        ("month", "2-digit"),
        ("day", "2-digit"),
    ];
    browser_date(instant, "sv-SE", &day).parse().ok()
}

/// `at` (an RFC 3339 instant or a `YYYY-MM-DD` date, as Lotsa writes them) as the browser
/// writes it in `locale` with the `Intl` options `parts` ("Invalid Date" for anything else);
/// nothing on the server.
fn browser_date(at: &str, locale: &str, parts: &[(&str, &str)]) -> String {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::new(&at.into())
            .to_locale_string(locale, &options(parts))
            .into()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (at, locale, parts);
        String::new()
    }
}

/// An options object for the browser's `Intl` formatters.
#[cfg(feature = "hydrate")]
fn options(pairs: &[(&str, &str)]) -> js_sys::Object {
    let options = js_sys::Object::new();
    for (key, value) in pairs {
        let _ = js_sys::Reflect::set(&options, &(*key).into(), &(*value).into());
    }
    options
}
