//! Domain types, parsed from outside input: a value that exists is valid. Pure (no I/O), so
//! the server and the browser share them.

mod account;

pub use account::{DisplayName, Password, Role, UnknownRole, Username, ValidationError};
