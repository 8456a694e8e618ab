//! Domain types, parsed from outside input: a value that exists is valid. Pure (no I/O), so
//! the server and the browser share them.

mod account;
mod journal;
mod participant;
mod person;
mod programme;
mod record;
mod refusal;
mod schedule;
mod values;
mod workplace;

pub use account::{
    cookie_value, DisplayName, Password, Role, UnknownRole, Username, ValidationError,
    SESSION_TAG_COOKIE,
};
pub use journal::*;
pub use participant::*;
pub use person::{Gender, IdentityNumber};
pub use programme::*;
pub use record::*;
pub use refusal::Refusal;
pub use schedule::*;
pub use values::*;
pub use workplace::*;
