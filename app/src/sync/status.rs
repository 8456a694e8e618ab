//! What the user sees of sync: whether it is running, when it last succeeded, how many of
//! their changes wait, and which were refused or replaced. Rendered the same on the server (nothing
//! known yet) and in the browser, where the device's sync engine fills it in.

use super::replica::Notice;
use leptos::prelude::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncPhase {
    /// Not started yet (and always on the server).
    Starting,
    Syncing,
    Idle,
    /// No network: changes wait on the device.
    Offline,
    /// The server says nobody is signed in: the remembered user's data stays on the device,
    /// unopened, and is sent after that user signs in again.
    SignInAgain,
    /// Nobody is signed in on this device.
    SignedOut,
    /// Nobody is signed in, but the server has not yet heard of the last sign-out: it is sent
    /// as soon as the server answers, and until then the session is not trusted.
    SignOutWaiting,
    /// The last attempt failed; it is retried with growing pauses.
    Failed,
    /// The server no longer speaks this app's protocol: reload to update; changes wait.
    UpdateNeeded,
    /// The device has no room left for the user's records; changes wait.
    StorageFull,
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
    /// What the user must be told about their changes (refused, replaced by someone else's).
    pub notices: RwSignal<Vec<Notice>>,
    /// What the screens show: the device's records with pending changes on top, by
    /// `kind/id`. Empty on the server; filled from IndexedDB in the browser.
    pub view: RwSignal<BTreeMap<String, Value>>,
    /// Keys of records with a change the server has not answered yet.
    pub unsent: RwSignal<BTreeSet<String>>,
    /// Who the device's data belongs to, once known.
    pub user_id: RwSignal<Option<String>>,
    /// That user's roles, to offer only what they may do.
    pub roles: RwSignal<Vec<crate::domain::Role>>,
    /// A form on this page saved something: the sync line says whether it is sent yet.
    pub saved: RwSignal<bool>,
}

impl SyncStatus {
    pub fn provide() -> Self {
        let status = Self {
            phase: RwSignal::new(SyncPhase::Starting),
            pending: RwSignal::new(0),
            last_synced: RwSignal::new(None),
            records: RwSignal::new(0),
            notices: RwSignal::new(Vec::new()),
            view: RwSignal::new(BTreeMap::new()),
            unsent: RwSignal::new(BTreeSet::new()),
            user_id: RwSignal::new(None),
            roles: RwSignal::new(Vec::new()),
            saved: RwSignal::new(false),
        };
        provide_context(status);
        status
    }
}
