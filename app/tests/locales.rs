//! The app's translations against the codes the core speaks in.
#![cfg(not(target_arch = "wasm32"))]

use app::domain::Refusal;

/// Every code has a text in every locale of the app: a code without one would reach a
/// screen as a code.
#[test]
fn every_code_has_a_text_in_every_locale() {
    let locales = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
    let mut checked = 0;
    for entry in std::fs::read_dir(&locales).unwrap() {
        let path = entry.unwrap().path();
        let texts: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for refusal in Refusal::ALL {
            let key = format!("refusal_{}", refusal.code());
            let text = texts[&key].as_str().unwrap_or_default();
            assert!(
                !text.trim().is_empty(),
                "{key} has no text in {}",
                path.display()
            );
        }
        checked += 1;
    }
    assert!(checked >= 2, "the locales are in {}", locales.display());
}
