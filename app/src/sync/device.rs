//! The browser edge of sync: keeps the signed-in user's records and outbox in IndexedDB and
//! runs the sync loop — at start, when the network comes back, shortly after each local
//! change, and every few minutes while the app is visible, with growing pauses after
//! failures. Every decision is made by [`super::replica`]; this module only moves data.
//!
//! It also guards who may open the data on a shared phone: a sign-out that could not reach
//! the server waits on the device and is sent before anything trusts the session again, and
//! when the server says nobody is signed in the remembered user's data stays shut (kept on
//! the device, to be sent when that user signs in again).

use super::protocol::{SyncResponse, PROTOCOL_HEADER, PROTOCOL_VERSION};
use super::replica::{self, Held, Mirror, Notice, Pending};
use super::status::{SyncPhase, SyncStatus};
use super::store::{stores, DeviceStore, StoreError};
use crate::change::Change;
use futures::channel::mpsc;
use futures::lock::Mutex;
use futures::{FutureExt, StreamExt};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

/// How often to pull while the app is open and visible.
const PERIOD: Duration = Duration::from_secs(180);
/// A local change is sent after this pause, so a burst of taps goes in one request.
const AFTER_CHANGE: Duration = Duration::from_millis(800);

/// Who is signed in on this device, remembered for starting offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceUser {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<String>,
}

const DEVICE_USER_KEY: &str = "signed_in_user";

/// Present in the device-wide store while a sign-out has not reached the server: the browser
/// may still carry that session's cookie (it is HttpOnly, so only the server can end it).
const SIGN_OUT_PENDING_KEY: &str = "sign_out_pending";

/// A sign-out waiting on the device, with the tag of the session it ends (the server's
/// readable `lotsa_session_tag` cookie). Kept as `true` by versions before the tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
enum PendingSignOut {
    Session(String),
    Untagged(bool),
}

/// Read by what the stored value is, a string or a boolean: serde's untagged enums buffer
/// the value first, which costs the bundle more than the whole rest of this.
impl<'de> Deserialize<'de> for PendingSignOut {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Either;
        impl serde::de::Visitor<'_> for Either {
            type Value = PendingSignOut;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a session tag or true")
            }
            fn visit_str<E: serde::de::Error>(self, tag: &str) -> Result<Self::Value, E> {
                Ok(PendingSignOut::Session(tag.to_owned()))
            }
            fn visit_bool<E: serde::de::Error>(self, pending: bool) -> Result<Self::Value, E> {
                Ok(PendingSignOut::Untagged(pending))
            }
        }
        deserializer.deserialize_any(Either)
    }
}

/// The readable tag of the session the browser holds, if any.
fn session_tag() -> Option<String> {
    crate::browser_cookie(crate::domain::SESSION_TAG_COOKIE)
}

/// Drafts live in the user's own database, so signing out deletes them with the rest.
fn draft_key(name: &str) -> String {
    format!("draft/{name}")
}

#[derive(Debug, thiserror::Error)]
enum SyncError {
    #[error("not signed in")]
    Unauthorized,
    #[error("offline")]
    Offline,
    #[error("the server answered {0}")]
    Server(u16),
    #[error("the server no longer speaks this app's protocol")]
    TooOld,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The running sync of one user on this device.
#[derive(Clone)]
pub struct Device {
    store: Rc<DeviceStore>,
    client_id: uuid::Uuid,
    status: SyncStatus,
    kick: mpsc::UnboundedSender<()>,
    /// The records and outbox as this page last read or wrote them, so that a change updates
    /// what shows without re-reading the store.
    mirror: Rc<RefCell<Mirror>>,
    /// The pull cursor as this page last left it. Another tab of the app shares the store;
    /// when the stored cursor has moved otherwise, that tab pulled records this page has not
    /// seen, and the next refresh reads the store again.
    cursor_seen: Rc<Cell<Option<i64>>>,
    stale: Rc<Cell<bool>>,
}

thread_local! {
    /// The signed-in user's device sync, once started (the browser runs one thread).
    static CURRENT: RefCell<Option<Device>> = const { RefCell::new(None) };
    /// Held while a queued sign-out or a sign-in is on its way, so the two never overlap: a
    /// queued sign-out can then never carry (or clear) the cookie of a session started after it.
    static SESSION_REQUESTS: Rc<Mutex<()>> = Rc::new(Mutex::new(()));
}

/// The running device sync, if someone is signed in.
pub fn current() -> Option<Device> {
    CURRENT.with(|current| current.borrow().clone())
}

impl Device {
    /// Records a change made on this device: in the outbox at once, sent shortly after.
    pub async fn change(&self, change: Change) -> Result<(), StoreError> {
        let pending = self.store.enqueue(&change).await?;
        let (key, shown) = self.mirror.borrow_mut().push(pending);
        let waiting = self.mirror.borrow().outbox.len();
        self.status.pending.set(waiting);
        self.status.unsent.update(|keys| {
            keys.insert(key.clone());
        });
        self.status.view.update(|view| match shown {
            Some(data) => {
                view.insert(key, data);
            }
            None => {
                view.remove(&key);
            }
        });
        let _ = self.kick.unbounded_send(());
        Ok(())
    }

    /// Syncs now rather than at the next pause, to fetch what the server just changed
    /// (such as an invite it made).
    pub fn sync_soon(&self) {
        let _ = self.kick.unbounded_send(());
    }

    /// A draft kept on this device under `name` (such as a half-typed check-in).
    pub async fn draft<T: serde::de::DeserializeOwned>(&self, name: &str) -> Option<T> {
        self.store
            .get(stores::META, &draft_key(name))
            .await
            .ok()
            .flatten()
    }

    pub async fn keep_draft<T: Serialize>(&self, name: &str, draft: &T) -> Result<(), StoreError> {
        self.store.put(stores::META, &draft_key(name), draft).await
    }

    pub async fn discard_draft(&self, name: &str) -> Result<(), StoreError> {
        self.store.delete(stores::META, &draft_key(name)).await
    }

    /// Forgets a notice the user has read (a refused change is discarded with it).
    pub async fn dismiss(&self, notice_key: &str) -> Result<(), StoreError> {
        self.store.delete(stores::NOTICES, notice_key).await?;
        self.status
            .notices
            .update(|notices| notices.retain(|notice| notice.key != notice_key));
        Ok(())
    }
}

/// Finds who is signed in (the server, or the device's memory when offline), opens their
/// store and starts the sync loop; the running sync is then [`current`].
pub async fn start(status: SyncStatus) -> Option<Device> {
    // A sign-out the server has not heard of goes first: until it has, the session the browser
    // may still carry belongs to someone who signed out, so nobody is signed in.
    if !send_pending_sign_out().await {
        status.phase.set(SyncPhase::SignOutWaiting);
        keep_sending_sign_out(status);
        return None;
    }
    let user = match fetch_me().await {
        Ok(Some(user)) => {
            remember_user(Some(&user)).await;
            user
        }
        // The server says nobody is signed in: the remembered user's data stays on the device
        // (it is sent after they sign in again) but is not opened for whoever holds the phone.
        Ok(None) => {
            let remembered = remembered_user().await.is_some();
            status.phase.set(if remembered {
                SyncPhase::SignInAgain
            } else {
                SyncPhase::SignedOut
            });
            return None;
        }
        // No answer (offline, or the server is down): the remembered user's data opens.
        Err(_) => match remembered_user().await {
            Some(user) => user,
            None => {
                status.phase.set(SyncPhase::SignedOut);
                return None;
            }
        },
    };
    status.user_id.set(Some(user.id.clone()));
    // A role this app does not know yet (a newer server) is left out rather than failing.
    status.roles.set(
        user.roles
            .iter()
            .filter_map(|role| role.parse().ok())
            .collect(),
    );
    let store = match DeviceStore::open_for_user(&user.id).await {
        Ok(store) => Rc::new(store),
        Err(error) => {
            leptos::logging::warn!("device store: {error}");
            status.phase.set(SyncPhase::Failed);
            return None;
        }
    };
    let client_id = match store.client_id().await {
        Ok(id) => id,
        Err(error) => {
            leptos::logging::warn!("device store: {error}");
            return None;
        }
    };
    let meta = store.sync_meta().await.unwrap_or_default();
    status.last_synced.set(meta.last_synced_at);
    let (kick, wakes) = mpsc::unbounded();
    let device = Device {
        store,
        client_id,
        status,
        kick,
        mirror: Rc::default(),
        cursor_seen: Rc::new(Cell::new(meta.cursor)),
        stale: Rc::new(Cell::new(true)),
    };
    refresh(&device).await;
    leptos::task::spawn_local(run(device.clone(), wakes));
    watch_connectivity(device.kick.clone());
    CURRENT.with(|current| *current.borrow_mut() = Some(device.clone()));
    Some(device)
}

/// Recomputes what the screens show, after a start or a sync: from the mirror, or from the
/// store when another tab may have changed it. Notices are few and always read again.
async fn refresh(device: &Device) {
    let store = &device.store;
    let Ok(notices) = store.all::<Notice>(stores::NOTICES).await else {
        return;
    };
    if device.stale.get() {
        let (Ok(held), Ok(outbox)) = (
            store.all::<Held>(stores::RECORDS).await,
            store.all::<Pending>(stores::OUTBOX).await,
        ) else {
            return;
        };
        *device.mirror.borrow_mut() = Mirror {
            held: held.into_iter().map(|held| (held.key(), held)).collect(),
            outbox,
        };
        device.stale.set(false);
    }
    let status = device.status;
    let mirror = device.mirror.borrow();
    status.notices.set(notices);
    status.pending.set(mirror.outbox.len());
    status.records.set(mirror.held.len());
    status.unsent.set(mirror.unsent());
    status.view.set(mirror.view());
}

/// Shuts the user's data away when the server says nobody is signed in: the sync stops and
/// the screens empty, while the records and the outbox stay on the device for when that user
/// signs in again.
fn shut(status: SyncStatus) {
    CURRENT.with(|current| current.borrow_mut().take());
    status.view.set(Default::default());
    status.unsent.set(Default::default());
    status.notices.set(Vec::new());
    status.records.set(0);
    status.pending.set(0);
    status.user_id.set(None);
    status.roles.set(Vec::new());
    status.phase.set(SyncPhase::SignInAgain);
}

fn watch_connectivity(kick: mpsc::UnboundedSender<()>) {
    let handle = window_event_listener(leptos::ev::online, move |_| {
        let _ = kick.unbounded_send(());
    });
    // The listener lives as long as the page.
    std::mem::forget(handle);
}

fn is_online() -> bool {
    window().navigator().on_line()
}

fn is_visible() -> bool {
    document().visibility_state() == web_sys::VisibilityState::Visible
}

async fn run(device: Device, mut wakes: mpsc::UnboundedReceiver<()>) {
    let mut pause = Duration::ZERO;
    let mut failures = 0;
    loop {
        if !pause.is_zero() {
            let timer = gloo_timers::future::sleep(pause).fuse();
            let woken = wakes.next().fuse();
            futures::pin_mut!(timer, woken);
            let kicked = futures::select! {
                () = timer => false,
                _ = woken => true,
            };
            if kicked {
                // Let a burst of changes collect before sending.
                gloo_timers::future::sleep(AFTER_CHANGE).await;
                while wakes.try_recv().is_ok() {}
            } else if !is_visible() {
                // Nobody is looking: the periodic pull waits for the next change or wake-up.
                continue;
            }
        }
        if !is_online() {
            device.status.phase.set(SyncPhase::Offline);
            pause = PERIOD;
            continue;
        }
        device.status.phase.set(SyncPhase::Syncing);
        let outcome = sync_until_done(&device).await;
        refresh(&device).await;
        // Failures in a row count only the attempts that end in the retry arm below.
        let failed_before = std::mem::take(&mut failures);
        pause = match outcome {
            Ok(()) => {
                device.status.phase.set(SyncPhase::Idle);
                PERIOD
            }
            // The server says nobody is signed in (the session expired or was ended): the
            // data is shut until someone signs in, and this loop ends with it.
            Err(SyncError::Unauthorized) => {
                shut(device.status);
                return;
            }
            // No network: the `online` event starts the next attempt.
            Err(SyncError::Offline) if !is_online() => {
                device.status.phase.set(SyncPhase::Offline);
                PERIOD
            }
            Err(SyncError::TooOld) => {
                device.status.phase.set(SyncPhase::UpdateNeeded);
                PERIOD
            }
            Err(SyncError::Store(StoreError::QuotaExceeded)) => {
                device.status.phase.set(SyncPhase::StorageFull);
                PERIOD
            }
            // The server is down or restarting (or answered with an error): try again soon,
            // then less and less often.
            Err(error) => {
                leptos::logging::warn!("sync: {error}");
                device.status.phase.set(SyncPhase::Failed);
                failures = failed_before + 1;
                replica::retry_after(failures)
            }
        };
    }
}

/// Sends the outbox and pulls until the server has nothing more. While a page with more to
/// come and nothing to send is written to IndexedDB, the next page is already on its way:
/// a first sync waits for the slower of the two, not for both in turn.
async fn sync_until_done(device: &Device) -> Result<(), SyncError> {
    let mut prefetched: Option<Result<SyncResponse, SyncError>> = None;
    loop {
        let mut meta = device.store.sync_meta().await?;
        if meta.cursor != device.cursor_seen.get() {
            device.stale.set(true);
        }
        let (outbox, sent, response) = match prefetched.take() {
            // Asked for with nothing to send; what was queued meanwhile goes next round.
            Some(response) => (Vec::new(), 0, response?),
            None => {
                let outbox: Vec<Pending> = device.store.all(stores::OUTBOX).await?;
                let request = replica::request(device.client_id, &meta, &outbox);
                let response = post_sync(&request).await?;
                (outbox, request.mutations.len(), response)
            }
        };
        let absorbed = replica::absorb(&outbox, response);
        meta.cursor = Some(absorbed.cursor);
        // RFC 3339 from the browser's clock, as `clock_time` reads it back.
        meta.last_synced_at = Some(js_sys::Date::new_0().to_iso_string().into());
        if absorbed.more && outbox.is_empty() {
            let next = replica::request(device.client_id, &meta, &[]);
            let (written, next_response) =
                futures::join!(device.store.absorb(&absorbed, &meta), post_sync(&next));
            written?;
            prefetched = Some(next_response);
        } else {
            device.store.absorb(&absorbed, &meta).await?;
        }
        device.mirror.borrow_mut().absorb(&outbox, &absorbed);
        device.cursor_seen.set(meta.cursor);
        device.status.last_synced.set(meta.last_synced_at.clone());
        let more_to_send = outbox.len() > sent;
        if !absorbed.more && !more_to_send {
            return Ok(());
        }
    }
}

async fn post_sync(request: &super::protocol::SyncRequest) -> Result<SyncResponse, SyncError> {
    let response = gloo_net::http::Request::post("/api/v1/sync")
        .header(PROTOCOL_HEADER, &PROTOCOL_VERSION.to_string())
        .json(request)
        .map_err(|_| SyncError::Server(0))?
        .send()
        .await
        .map_err(|_| SyncError::Offline)?;
    match response.status() {
        200 => response.json().await.map_err(|_| SyncError::Server(200)),
        401 => Err(SyncError::Unauthorized),
        426 => Err(SyncError::TooOld),
        status => Err(SyncError::Server(status)),
    }
}

/// Who the server says is signed in; `Offline` without asking when the browser knows it has
/// no network (a failed request would only add noise).
async fn fetch_me() -> Result<Option<DeviceUser>, SyncError> {
    #[derive(Deserialize)]
    struct Session {
        user: Option<DeviceUser>,
    }
    if !is_online() {
        return Err(SyncError::Offline);
    }
    let response = gloo_net::http::Request::get("/api/v1/session")
        .send()
        .await
        .map_err(|_| SyncError::Offline)?;
    match response.status() {
        200 => Ok(response
            .json::<Session>()
            .await
            .map_err(|_| SyncError::Server(200))?
            .user),
        401 => Ok(None),
        status => Err(SyncError::Server(status)),
    }
}

async fn remembered_user() -> Option<DeviceUser> {
    let store = DeviceStore::open().await.ok()?;
    let user = store
        .get(stores::META, DEVICE_USER_KEY)
        .await
        .ok()
        .flatten();
    store.close();
    user
}

async fn remember_user(user: Option<&DeviceUser>) {
    if let Ok(store) = DeviceStore::open().await {
        let _ = match user {
            Some(user) => store.put(stores::META, DEVICE_USER_KEY, user).await,
            None => store.delete(stores::META, DEVICE_USER_KEY).await,
        };
        store.close();
    }
}

/// Signs out: deletes this user's data from the device, forgets them and ends the session.
/// When the server cannot be reached the sign-out waits on the device and is sent at the next
/// start or when the network comes back, before anything trusts the session again.
/// The caller warns first when changes are waiting.
pub async fn sign_out() {
    // Marked first, so that a page closed before the server answered still ends the session.
    set_sign_out_pending(Some(
        session_tag().map_or(PendingSignOut::Untagged(true), PendingSignOut::Session),
    ))
    .await;
    if let Some(device) = CURRENT.with(|current| current.borrow_mut().take()) {
        let user_db = device.store.name();
        device.store.close_shared();
        if let Err(error) = DeviceStore::delete_named(&user_db).await {
            leptos::logging::warn!("deleting the signed-out user's data: {error}");
        }
    }
    remember_user(None).await;
    send_pending_sign_out().await;
}

/// Sends a sign-in request (a login, or an invite's acceptance) and answers the server's
/// response. A sign-out still waiting on the device is sent first; once the server has
/// signed someone in, the new session's cookie replaces the old one, so the waiting sign-out
/// is dropped and can never end the new session.
pub async fn sign_in(
    request: gloo_net::http::Request,
) -> Result<gloo_net::http::Response, gloo_net::Error> {
    let requests = SESSION_REQUESTS.with(Rc::clone);
    let _alone = requests.lock().await;
    if sign_out_pending().await && post_logout().await {
        set_sign_out_pending(None).await;
    }
    let response = request.send().await?;
    if response.ok() {
        set_sign_out_pending(None).await;
    }
    Ok(response)
}

/// Sends the sign-out waiting on this device, if there is one. Answers whether none waits
/// any more (false while offline or when the server did not take it).
async fn send_pending_sign_out() -> bool {
    let requests = SESSION_REQUESTS.with(Rc::clone);
    let _alone = requests.lock().await;
    if !sign_out_pending().await {
        return true;
    }
    if !is_online() || !post_logout().await {
        return false;
    }
    set_sign_out_pending(None).await;
    true
}

/// Retries the waiting sign-out when the network comes back, and with growing pauses while
/// the server does not take it.
fn keep_sending_sign_out(status: SyncStatus) {
    let (kick, mut wakes) = mpsc::unbounded();
    watch_connectivity(kick);
    leptos::task::spawn_local(async move {
        let mut failures = 0;
        loop {
            let pause = if is_online() {
                replica::retry_after(failures)
            } else {
                PERIOD
            };
            let timer = gloo_timers::future::sleep(pause).fuse();
            let woken = wakes.next().fuse();
            futures::pin_mut!(timer, woken);
            futures::select! {
                () = timer => {},
                _ = woken => {},
            }
            if send_pending_sign_out().await {
                status.phase.set(SyncPhase::SignedOut);
                return;
            }
            if is_online() {
                failures += 1;
            }
        }
    });
}

/// Ends the session the browser carries; whether the server did (so not when offline, on a
/// network error or when the server failed).
async fn post_logout() -> bool {
    gloo_net::http::Request::post("/api/v1/auth/logout")
        .send()
        .await
        .is_ok_and(|response| response.ok())
}

/// Whether a sign-out waits that still has a session to end. One made in a session the
/// browser no longer holds is dropped: the browser has signed in since, and that sign-in
/// ended the old session on the server (sending it now would end the new one).
async fn sign_out_pending() -> bool {
    let Ok(store) = DeviceStore::open().await else {
        return false;
    };
    let pending = store
        .get::<PendingSignOut>(stores::META, SIGN_OUT_PENDING_KEY)
        .await
        .ok()
        .flatten();
    store.close();
    match pending {
        None | Some(PendingSignOut::Untagged(false)) => false,
        Some(PendingSignOut::Untagged(true)) => true,
        Some(PendingSignOut::Session(tag)) => match session_tag() {
            Some(held) if held != tag => {
                set_sign_out_pending(None).await;
                false
            }
            _ => true,
        },
    }
}

async fn set_sign_out_pending(pending: Option<PendingSignOut>) {
    match DeviceStore::open().await {
        Ok(store) => {
            let written = match &pending {
                Some(pending) => store.put(stores::META, SIGN_OUT_PENDING_KEY, pending).await,
                None => store.delete(stores::META, SIGN_OUT_PENDING_KEY).await,
            };
            if let Err(error) = written {
                leptos::logging::warn!("marking the sign-out: {error}");
            }
            store.close();
        }
        Err(error) => leptos::logging::warn!("marking the sign-out: {error}"),
    }
}
