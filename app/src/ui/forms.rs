//! What the forms share: a choice from a list, and saving through the device's outbox.

use crate::domain::Record;
#[cfg(feature = "hydrate")]
use crate::i18n::*;
use leptos::prelude::*;

/// A `<select>` whose options are `(value, label)`; `value` follows the choice.
#[component]
pub(crate) fn Choice(
    name: &'static str,
    #[prop(into)] label: String,
    options: Vec<(&'static str, String)>,
    value: RwSignal<String>,
) -> impl IntoView {
    view! {
        <label>
            {label}
            <select name=name on:change=move |ev| value.set(event_target_value(&ev))>
                {options.into_iter().map(|(option, text)| view! {
                    <option value=option selected=move || value.get() == option>{text}</option>
                }).collect_view()}
            </select>
        </label>
    }
}

/// Whether a form's save is under way: a second tap meanwhile (a double tap) saves nothing.
/// Not a signal: nothing on the page redraws for it.
#[derive(Clone, Copy)]
pub(crate) struct Saving(StoredValue<bool>);

impl Default for Saving {
    fn default() -> Self {
        Self(StoredValue::new(false))
    }
}

/// Saves records through the device's outbox, in order; `done` runs once all are queued.
/// Errors are put in `error` in words the user can act on. Nothing is saved while the same
/// form's last save (`saving`) is still under way.
pub(crate) fn save_on_device(
    records: Vec<Record>,
    error: WriteSignal<Option<String>>,
    saving: Saving,
    done: impl FnOnce() + 'static,
) {
    save_then(records, error, saving, Box::new(done));
}

/// [`save_on_device`] with `done` boxed: one copy of the saving code in the bundle, not one
/// per form.
fn save_then(
    records: Vec<Record>,
    error: WriteSignal<Option<String>>,
    saving: Saving,
    done: Box<dyn FnOnce()>,
) {
    if saving.0.get_value() {
        return;
    }
    #[cfg(feature = "hydrate")]
    {
        let i18n = use_i18n();
        let status = use_context::<crate::sync::status::SyncStatus>();
        saving.0.set_value(true);
        leptos::task::spawn_local(async move {
            let saved = queue(records).await;
            saving.0.set_value(false);
            match saved {
                Ok(()) => {
                    if let Some(status) = status {
                        status.saved.set(true);
                    }
                    done()
                }
                Err(None) => error.set(Some(t_string!(i18n, check_in_no_device).to_owned())),
                Err(Some(crate::sync::store::StoreError::QuotaExceeded)) => {
                    error.set(Some(t_string!(i18n, storage_full).to_owned()))
                }
                Err(Some(problem)) => error.set(Some(problem.to_string())),
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (records, error, done);
}

/// Puts `records` in the device's outbox; `Err(None)` when no device is open.
#[cfg(feature = "hydrate")]
async fn queue(records: Vec<Record>) -> Result<(), Option<crate::sync::store::StoreError>> {
    let device = crate::sync::device::current().ok_or(None)?;
    for record in records {
        device
            .change(crate::change::Change::Save(Box::new(record)))
            .await
            .map_err(Some)?;
    }
    Ok(())
}
