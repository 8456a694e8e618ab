//! Whether the device has a network connection, as the browser reports it.

use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct Connectivity {
    pub online: ReadSignal<bool>,
}

/// Provides the connection state to every component below.
///
/// The server always renders "online" so that hydration sees the same markup; the browser
/// then corrects it from `navigator.onLine` and follows the `online`/`offline` events.
pub fn provide_connectivity() {
    let (online, set_online) = signal(true);
    #[cfg(feature = "hydrate")]
    {
        Effect::new(move |_| {
            set_online.set(window().navigator().on_line());
        });
        let on_online = window_event_listener(leptos::ev::online, move |_| set_online.set(true));
        let on_offline = window_event_listener(leptos::ev::offline, move |_| set_online.set(false));
        on_cleanup(move || {
            on_online.remove();
            on_offline.remove();
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = set_online;
    provide_context(Connectivity { online });
}
