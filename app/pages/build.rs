//! Generates the typed translation module from `locales/*.json` (leptos_i18n): the
//! participants' languages, apart from the staff app's Swedish and English (`app/locales`).

use leptos_i18n_build::{Config, ParseOptions, TranslationsInfos};
use std::error::Error;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo::rerun-if-changed=build.rs");
    let out_dir = std::env::var_os("OUT_DIR").ok_or("cargo did not set OUT_DIR")?;
    // Swedish is the default; every key must exist in every locale, checked at compile time.
    let config = Config::new("sv")?
        .add_locale("en")?
        .add_locale("ar")?
        .add_locale("so")?
        .add_locale("ti")?
        .add_locale("fa-AF")?
        .add_locale("uk")?
        // Names and times go inside plain strings (the whole page is rendered to text).
        .parse_options(ParseOptions::new().interpolate_display(true));
    let translations = TranslationsInfos::parse(config)?;
    translations.emit_diagnostics();
    translations.rerun_if_locales_changed();
    translations.generate_i18n_module(PathBuf::from(out_dir).join("i18n"))?;
    Ok(())
}
