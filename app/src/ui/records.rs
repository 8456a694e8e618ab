//! Reading the device's records as the screens show them: by kind, field by field.

use crate::domain::Kind;
use serde_json::Value;
use std::collections::BTreeMap;

/// The records of one kind in the view.
pub(crate) fn of_kind(
    view: &BTreeMap<String, Value>,
    kind: Kind,
) -> impl Iterator<Item = (&String, &Value)> {
    let prefix = format!("{}/", kind.as_str());
    view.range(prefix.clone()..)
        .take_while(move |(key, _)| key.starts_with(&prefix))
}

pub(crate) fn text(value: &Value, field: &str) -> String {
    value[field].as_str().unwrap_or_default().to_owned()
}

/// A participant's or supervisor's first and last name.
pub(crate) fn full_name(person: &Value) -> String {
    format!(
        "{} {}",
        text(person, "first_name"),
        text(person, "last_name")
    )
}

/// The placement a participant is in today, or else their next one.
pub(crate) fn current_placement<'a>(
    view: &'a BTreeMap<String, Value>,
    participant_id: &str,
    today: &str,
) -> Option<&'a Value> {
    let mut placements: Vec<&Value> = of_kind(view, Kind::Placement)
        .map(|(_, placement)| placement)
        .filter(|placement| placement["participant_id"] == participant_id)
        .filter(|placement| text(placement, "ends_on").as_str() >= today)
        .collect();
    placements.sort_by_key(|placement| text(placement, "starts_on"));
    placements.into_iter().next()
}
