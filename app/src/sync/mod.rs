//! Sync: the protocol, and the pure rules both ends follow.

pub mod protocol;
pub mod scopes;

pub use protocol::*;
