//! Widgets and view helpers that screens of more than one role, or more than one screen,
//! share. Screens import from here and never from each other; nothing here imports a screen.

pub mod attention;
pub mod connectivity;
pub mod forms;
pub mod labels;
pub mod notices;
pub mod page_title;
pub mod records;
