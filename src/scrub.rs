//! Cleaning text that came from outside (an API's error `detail`, a token endpoint's
//! `error_description`, a provider's answer) before it is printed, logged, stored or sent.
//!
//! A hostile or careless server may echo what it was sent: the bearer token, the refresh
//! token, the client secret. Every [`crate::secret::Secret`] registers its value here when it
//! is made, so [`scrub`] knows every secret this process holds and replaces each with
//! `(redacted)`. It also drops control characters, so a server's ANSI escapes never reach
//! the terminal, and folds the text onto one line.

use std::sync::{OnceLock, RwLock};

/// What a secret value is replaced with.
pub const REDACTED: &str = "(redacted)";

/// Values shorter than this are not registered: they would redact ordinary words and numbers,
/// and no token, secret or key of the services oura-sync talks to is that short.
pub const MIN_SECRET_LEN: usize = 6;

fn registry() -> &'static RwLock<Vec<String>> {
    static SECRETS: OnceLock<RwLock<Vec<String>>> = OnceLock::new();
    SECRETS.get_or_init(Default::default)
}

/// Remembers `value` as a secret, so that [`scrub`] removes it from outside text.
pub fn register(value: &str) {
    if value.len() < MIN_SECRET_LEN {
        return;
    }
    let mut secrets = registry().write().unwrap_or_else(|e| e.into_inner());
    if !secrets.iter().any(|s| s == value) {
        secrets.push(value.to_string());
        // Longest first, so a secret that contains another is replaced whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }
}

/// `text` with every registered secret replaced by `(redacted)` and every control character
/// (ANSI escapes included) replaced by a space.
pub fn scrub(text: &str) -> String {
    let mut clean: String = text.chars().map(|c| if is_unsafe_char(c) { ' ' } else { c }).collect();
    let secrets = registry().read().unwrap_or_else(|e| e.into_inner());
    for secret in secrets.iter() {
        if clean.contains(secret.as_str()) {
            clean = clean.replace(secret.as_str(), REDACTED);
        }
    }
    clean
}

/// Control characters (C0, DEL, C1) and the bidirectional overrides that can make a terminal
/// show something other than the text.
fn is_unsafe_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_secrets_and_escapes_are_removed() {
        register("scrub-test-secret-1");
        register("abc");
        let text = "\u{1b}[31mbad token scrub-test-secret-1\u{1b}[0m abc\n";
        let clean = scrub(text);
        assert!(!clean.contains("scrub-test-secret-1"), "{clean}");
        assert!(!clean.contains('\u{1b}'), "{clean}");
        assert!(clean.contains("(redacted)") && clean.contains("abc"), "{clean}");
    }

    #[test]
    fn a_longer_secret_is_replaced_whole() {
        register("scrub-test-long");
        register("scrub-test-longer-one");
        assert_eq!(scrub("x scrub-test-longer-one y"), "x (redacted) y");
    }
}
