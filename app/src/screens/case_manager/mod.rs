//! The case manager's screens: the caseload, a participant's page, the workplace check-in
//! and the other forms that record or plan. Everything is read from the device's copy (online
//! or not) and every save goes through the sync outbox, so it is on screen at once and sent
//! when there is a network.

pub mod caseload;
pub mod invite_card;
pub mod journal_forms;
pub mod participant;
pub mod planning;
