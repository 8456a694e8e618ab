//! Sync as the app sees it: the core's protocol and rules, what the user is shown of sync
//! (`status`) and, in the browser, the device's side (`device`) that keeps the user's records
//! and outbox in IndexedDB (`store`).

pub use lotsa_core::sync::*;

pub mod status;

#[cfg(feature = "hydrate")]
pub mod device;

#[cfg(feature = "hydrate")]
pub mod store;
