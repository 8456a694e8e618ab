//! The pages the server renders whole and serves without the app's code: the participant's
//! start page (`schedule`) and the supervisor's (`today`), with what they share (`shared`). They speak the participants' languages (Swedish, English, Arabic,
//! Somali, Tigrinya, Dari, Ukrainian; `locales/`), apart from the staff app's translations,
//! so that none of these words weighs on the browser bundle.

include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));

pub mod schedule;
pub mod shared;
pub mod today;
