//! Sync: the protocol, and the pure rules both ends follow (the device's `replica`, the
//! server's `server` and `scopes`).

pub mod protocol;
pub mod replica;
pub mod scopes;
pub mod server;

pub use protocol::*;
