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
