//! The Content-Security-Policy, in one place for the HTML pages and every other response.

/// Builds the policy. Pages carry the per-response nonce of their inline hydration script;
/// other responses (files, JSON) get the same policy without one.
///
/// `'wasm-unsafe-eval'` lets the browser compile the app's WebAssembly; nothing is loaded
/// from another origin.
pub fn content_security_policy(nonce: Option<&str>) -> String {
    let script_src = match nonce {
        Some(nonce) => format!("'self' 'wasm-unsafe-eval' 'nonce-{nonce}'"),
        None => "'self' 'wasm-unsafe-eval'".to_owned(),
    };
    format!(
        "default-src 'self'; script-src {script_src}; style-src 'self'; img-src 'self' data:; \
         font-src 'self'; connect-src 'self'; manifest-src 'self'; worker-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_allow_only_their_own_nonce_and_wasm() {
        let policy = content_security_policy(Some("abc123"));
        assert!(policy.contains("script-src 'self' 'wasm-unsafe-eval' 'nonce-abc123';"));
        assert!(!policy.contains("unsafe-inline"));
        assert!(policy.contains("frame-ancestors 'none'"));
    }

    #[test]
    fn other_responses_allow_no_inline_script() {
        let policy = content_security_policy(None);
        assert!(policy.contains("script-src 'self' 'wasm-unsafe-eval';"));
        assert!(!policy.contains("nonce-"));
    }
}
