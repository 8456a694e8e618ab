//! Sync: the protocol, the pure rules both ends follow (the device's `replica`, the server's
//! `server` and `scopes`), and the server's engine that runs them over a store (`engine`).

pub mod engine;
pub mod protocol;
pub mod replica;
pub mod scopes;
pub mod server;

pub use protocol::*;
