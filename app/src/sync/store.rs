//! The device store: the user's data, the outbox and small settings, kept in IndexedDB so
//! the app works offline and nothing typed is lost on reload.
//!
//! The schema is versioned. [`MIGRATIONS`] lists what each version adds; opening the database
//! runs every step between the version on the device and [`SCHEMA_VERSION`], so a device
//! can skip app releases and still arrive at the current shape with its data intact.
//!
//! Values are kept as JSON text: a record crosses into the browser as one string, where
//! converting it field by field would cost a call into JavaScript per field (and a converter
//! in the bundle). Values that earlier versions wrote as JavaScript objects, numbers or plain
//! strings still read (see [`decode`]), so no migration rewrites them.

use crate::change::Change;
use crate::sync::replica::{self, Absorbed, Held, Pending, SyncMeta};
use indexed_db_futures::database::Database;
use indexed_db_futures::error::{DomException, Error as IdbError, OpenDbError};
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsValue;

/// The database's name on the device.
pub const DB_NAME: &str = "lotsa";

/// Object stores, by name. A store is never renamed: a new version adds a new one.
pub mod stores {
    /// Small settings of this device, such as its client id.
    pub const META: &str = "meta";
    /// Records pulled from the server, keyed by `kind/id`.
    pub const RECORDS: &str = "records";
    /// Mutations made on this device that the server has not yet answered.
    pub const OUTBOX: &str = "outbox";
    /// What the user must be told about their changes (refused, replaced), until dismissed.
    pub const NOTICES: &str = "notices";
}

/// The object stores each schema version adds, oldest first. Version `n` is `MIGRATIONS[n - 1]`.
pub const MIGRATIONS: &[&[&str]] = &[
    &[stores::META, stores::RECORDS],
    &[stores::OUTBOX],
    &[stores::NOTICES],
];

/// The version this build of the app expects.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// The key under which the device remembers its own identity for the sync protocol.
const CLIENT_ID_KEY: &str = "client_id";

/// What can go wrong with the device store, in terms the app can act on.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum StoreError {
    #[error("this browser does not offer offline storage (IndexedDB)")]
    Unavailable,
    #[error("the device's storage is full")]
    QuotaExceeded,
    #[error("the data on this device was written by a newer version of the app")]
    NewerSchema,
    #[error("another tab holds the offline storage open; close it and try again")]
    Blocked,
    #[error("the stored data could not be read: {0}")]
    Corrupt(String),
    #[error("the offline storage failed: {0}")]
    Other(String),
}

impl From<IdbError> for StoreError {
    fn from(error: IdbError) -> Self {
        match error {
            IdbError::DomException(DomException::Other(exception))
                if exception.name() == "QuotaExceededError" =>
            {
                StoreError::QuotaExceeded
            }
            IdbError::DomException(DomException::Other(exception))
                if exception.name() == "VersionError" =>
            {
                StoreError::NewerSchema
            }
            other => StoreError::Other(other.to_string()),
        }
    }
}

impl From<OpenDbError> for StoreError {
    fn from(error: OpenDbError) -> Self {
        match error {
            OpenDbError::UnsupportedEnvironment | OpenDbError::NullFactory => {
                StoreError::Unavailable
            }
            OpenDbError::Base(error) => error.into(),
            other => StoreError::Other(other.to_string()),
        }
    }
}

/// A value as the store keeps it: its JSON text.
fn encode<T: Serialize>(value: &T) -> Result<JsValue, StoreError> {
    serde_json::to_string(value)
        .map(|text| JsValue::from_str(&text))
        .map_err(|error| StoreError::Corrupt(error.to_string()))
}

/// A stored value: JSON text, or what an earlier version wrote (an object or a number, read
/// through the browser's `JSON.stringify`; a plain string, such as the device's client id).
fn decode<T: DeserializeOwned>(value: JsValue) -> Result<T, StoreError> {
    let corrupt = |error: serde_json::Error| StoreError::Corrupt(error.to_string());
    match value.as_string() {
        // Read as the JSON string it would be now: the same parser, not a second one.
        Some(text) => serde_json::from_str(&text).or_else(|error| {
            let quoted = serde_json::Value::String(text).to_string();
            serde_json::from_str(&quoted).map_err(|_| corrupt(error))
        }),
        None => {
            let text = js_sys::JSON::stringify(&value)
                .ok()
                .and_then(|text| text.as_string())
                .ok_or_else(|| StoreError::Corrupt("a stored value is not JSON".to_owned()))?;
            serde_json::from_str(&text).map_err(corrupt)
        }
    }
}

/// An open connection to the device store.
pub struct DeviceStore {
    db: Database,
}

impl DeviceStore {
    /// Opens the app's database at the current schema version, upgrading it if needed.
    pub async fn open() -> Result<Self, StoreError> {
        Self::open_at(DB_NAME, SCHEMA_VERSION).await
    }

    /// Opens `name` at `version`, applying every migration from the device's version up to it.
    /// Opening at an older version than the device has fails with [`StoreError::NewerSchema`].
    pub async fn open_at(name: &str, version: u32) -> Result<Self, StoreError> {
        if version == 0 || version > SCHEMA_VERSION {
            return Err(StoreError::Other(format!(
                "schema version {version} is not between 1 and {SCHEMA_VERSION}"
            )));
        }
        let db = Database::open(name)
            .with_version(version)
            .with_on_blocked(|_| Ok(()))
            .with_on_upgrade_needed(move |event, db| {
                // Versions are whole numbers that IndexedDB reports as floats.
                let from = event.old_version() as usize;
                let to = event.new_version().map_or(version as usize, |v| v as usize);
                for added in &MIGRATIONS[from..to] {
                    for store in *added {
                        db.create_object_store(*store).build()?;
                    }
                }
                Ok(())
            })
            .await?;
        Ok(Self { db })
    }

    /// The schema version of the open database.
    pub fn version(&self) -> u32 {
        self.db.version() as u32
    }

    /// The names of the object stores in the open database.
    pub fn store_names(&self) -> Vec<String> {
        self.db.object_store_names().collect()
    }

    /// Writes `value` under `key` in `store`, replacing what was there.
    pub async fn put<T: Serialize>(
        &self,
        store: &'static str,
        key: &str,
        value: &T,
    ) -> Result<(), StoreError> {
        let transaction = self
            .db
            .transaction(store)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        transaction
            .object_store(store)?
            .put(encode(value)?)
            .with_key(key.to_owned())
            .await?;
        // Without an explicit commit the transaction rolls back when dropped.
        transaction.commit().await?;
        Ok(())
    }

    /// Reads the value under `key` in `store`, if there is one.
    pub async fn get<T: DeserializeOwned>(
        &self,
        store: &'static str,
        key: &str,
    ) -> Result<Option<T>, StoreError> {
        let transaction = self.db.transaction(store).build()?;
        let value = transaction
            .object_store(store)?
            .get::<JsValue, _, _>(key.to_owned())
            .await?;
        value.map(decode).transpose()
    }

    /// This device's id for the sync protocol, created on first use and kept from then on.
    pub async fn client_id(&self) -> Result<uuid::Uuid, StoreError> {
        if let Some(id) = self.get::<uuid::Uuid>(stores::META, CLIENT_ID_KEY).await? {
            return Ok(id);
        }
        let id = uuid::Uuid::new_v4();
        self.put(stores::META, CLIENT_ID_KEY, &id).await?;
        Ok(id)
    }

    /// Closes the connection, so that another version may open the database.
    pub fn close(self) {
        self.db.close();
    }
}

/// Each user's data lives in a database of its own, so that another user signing in on the
/// same device neither sees nor sends it, and signing out deletes exactly it.
pub fn user_db_name(user_id: &str) -> String {
    format!("{DB_NAME}-user-{user_id}")
}

/// Outbox keys sort like the mutation ids they hold.
fn outbox_key(id: i64) -> String {
    format!("{id:020}")
}

const SYNC_META_KEY: &str = "sync";
/// The id of the last mutation this device made.
const LAST_MUTATION_KEY: &str = "last_mutation_id";

impl DeviceStore {
    /// Opens (creating or upgrading) the signed-in user's own database.
    pub async fn open_for_user(user_id: &str) -> Result<Self, StoreError> {
        Self::open_at(&user_db_name(user_id), SCHEMA_VERSION).await
    }

    /// Every value in `store`.
    pub async fn all<T: DeserializeOwned>(
        &self,
        store: &'static str,
    ) -> Result<Vec<T>, StoreError> {
        let transaction = self.db.transaction(store).build()?;
        transaction
            .object_store(store)?
            .get_all::<JsValue>()
            .await?
            .map(|value| decode(value?))
            .collect()
    }

    pub async fn sync_meta(&self) -> Result<SyncMeta, StoreError> {
        Ok(self
            .get(stores::META, SYNC_META_KEY)
            .await?
            .unwrap_or_default())
    }

    /// Puts a change in the outbox under the next mutation id. Reading and advancing the
    /// counter happen in the same read-write transaction, which IndexedDB runs one at a
    /// time: two quick taps never get the same id, and a crash loses neither.
    pub async fn enqueue(&self, change: &Change) -> Result<Pending, StoreError> {
        let transaction = self
            .db
            .transaction([stores::OUTBOX, stores::META, stores::RECORDS])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let held = transaction
            .object_store(stores::RECORDS)?
            .get::<JsValue, _, _>(replica::key(
                change.kind().as_str(),
                &change.id().to_string(),
            ))
            .await?;
        let base_version = held
            .map(decode::<Held>)
            .transpose()?
            .map(|held| held.version);
        let meta = transaction.object_store(stores::META)?;
        let last: i64 = meta
            .get::<JsValue, _, _>(LAST_MUTATION_KEY.to_owned())
            .await?
            .map(decode)
            .transpose()?
            .unwrap_or(0);
        let pending = replica::enqueue(last, change, base_version);
        meta.put(encode(&pending.mutation.id)?)
            .with_key(LAST_MUTATION_KEY.to_owned())
            .await?;
        transaction
            .object_store(stores::OUTBOX)?
            .put(encode(&pending)?)
            .with_key(outbox_key(pending.mutation.id))
            .await?;
        transaction.commit().await?;
        Ok(pending)
    }

    /// Removes the value under `key` in `store`.
    pub async fn delete(&self, store: &'static str, key: &str) -> Result<(), StoreError> {
        let transaction = self
            .db
            .transaction(store)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        transaction
            .object_store(store)?
            .delete(key.to_owned())
            .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Writes what a sync answer changed — records, answered outbox entries and the cursor —
    /// in one transaction, however many records it holds.
    pub async fn absorb(&self, absorbed: &Absorbed, meta: &SyncMeta) -> Result<(), StoreError> {
        let transaction = self
            .db
            .transaction([
                stores::RECORDS,
                stores::OUTBOX,
                stores::META,
                stores::NOTICES,
            ])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let notices = transaction.object_store(stores::NOTICES)?;
        for notice in &absorbed.notices {
            notices
                .put(encode(notice)?)
                .with_key(notice.key.clone())
                .await?;
        }
        let records = transaction.object_store(stores::RECORDS)?;
        // Every put is issued first and awaited together: awaiting each in turn costs a trip
        // through the browser's event loop per record (about 0.5 ms, measured).
        let mut puts = Vec::with_capacity(absorbed.puts.len());
        for held in &absorbed.puts {
            puts.push(records.put(encode(held)?).with_key(held.key()).build()?);
        }
        futures::future::try_join_all(puts).await?;
        for key in &absorbed.deletes {
            records.delete(key.clone()).await?;
        }
        let outbox = transaction.object_store(stores::OUTBOX)?;
        for id in &absorbed.answered {
            outbox.delete(outbox_key(*id)).await?;
        }
        transaction
            .object_store(stores::META)?
            .put(encode(meta)?)
            .with_key(SYNC_META_KEY.to_owned())
            .await?;
        transaction.commit().await?;
        Ok(())
    }

    pub fn name(&self) -> String {
        self.db.name()
    }

    /// Closes the connection even where other handles to it remain (the sync loop holds
    /// one), so that the database can be deleted.
    pub fn close_shared(&self) {
        self.db.clone().close();
    }

    /// Deletes a database by name (signing out deletes the user's).
    pub async fn delete_named(name: &str) -> Result<(), StoreError> {
        Database::delete_by_name(name)?.await?;
        Ok(())
    }
}

/// Asks the browser to keep the device's data even when disk space runs low, so an offline
/// change is never evicted before it reached the server. Returns whether the browser agreed.
pub async fn request_persistent_storage() -> Result<bool, StoreError> {
    let storage = web_sys::window()
        .ok_or(StoreError::Unavailable)?
        .navigator()
        .storage();
    let promise = storage
        .persist()
        .map_err(|error| StoreError::Other(format!("{error:?}")))?;
    let granted = wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(|error| StoreError::Other(format!("{error:?}")))?;
    Ok(granted.as_bool().unwrap_or(false))
}
