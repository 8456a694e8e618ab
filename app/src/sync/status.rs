//! What the user sees of sync: whether it is running, when it last succeeded, how many of
//! their changes wait, and which were refused. Rendered the same on the server (nothing
//! known yet) and in the browser, where the device's sync engine fills it in.

use super::replica::Refused;
use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncPhase {
    /// Not started yet (and always on the server).
    Starting,
    Syncing,
    Idle,
    /// No network: changes wait on the device.
    Offline,
    /// The session ended; the data stays and is sent after signing in again.
    SignInAgain,
    /// Nobody is signed in on this device.
    SignedOut,
    /// The last attempt failed; it is retried with growing pauses.
    Failed,
}

#[derive(Clone, Copy)]
pub struct SyncStatus {
    pub phase: RwSignal<SyncPhase>,
    /// Changes waiting in the outbox.
    pub pending: RwSignal<usize>,
    /// When the last sync succeeded (RFC 3339).
    pub last_synced: RwSignal<Option<String>>,
    /// Records held on the device.
    pub records: RwSignal<usize>,
    pub refused: RwSignal<Vec<Refused>>,
}

impl SyncStatus {
    pub fn provide() -> Self {
        let status = Self {
            phase: RwSignal::new(SyncPhase::Starting),
            pending: RwSignal::new(0),
            last_synced: RwSignal::new(None),
            records: RwSignal::new(0),
            refused: RwSignal::new(Vec::new()),
        };
        provide_context(status);
        status
    }
}
