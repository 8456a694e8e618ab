//! Lotsa's rules, with no user interface, browser or database: the domain types and their
//! parsing, who may see and change what (`access`, `change`), what needs a case manager's
//! attention, and the sync protocol with the pure rules the server and the device follow.
//! The app (Leptos, in the browser and on the server) and the server build on it; it is
//! tested natively (`cargo test -p lotsa-core`).

pub mod access;
pub mod agenda;
pub mod attention;
pub mod change;
pub mod demo;
pub mod domain;
pub mod report;
pub mod sync;

#[cfg(feature = "openapi")]
pub mod openapi;
