//! The screens, in a folder for each role they serve (`account` and `home` serve everyone).
//! Screens take their widgets and helpers from `ui`, never from another screen: a page may
//! show a part another file defines (one way, never back), and the screens that load on
//! demand are named only in `on_demand`.

pub mod account;
pub mod case_manager;
pub mod home;
