//! Sync: the protocol, the pure rules both ends follow, and (in the browser) the device's
//! side that keeps the user's records and outbox in IndexedDB.

pub mod protocol;
pub mod replica;
pub mod scopes;
pub mod server;
pub mod status;

#[cfg(feature = "hydrate")]
pub mod device;

pub use protocol::*;
