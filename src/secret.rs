//! A string that must never be printed: tokens, client secrets, API keys, authorization codes.
//!
//! `Debug` and `Display` both print `(redacted)`, so a secret that slips into a log line, an
//! error message or a report shows nothing. The only way to the value is [`Secret::expose`],
//! which is easy to find in review. Every value is also registered with [`crate::scrub`], so
//! a server that echoes it back has it removed from its text before anyone sees it.

use std::fmt;

use serde::{Deserialize, Deserializer};

/// A secret value whose `Debug` and `Display` are redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value (and registers it for [`crate::scrub::scrub`]).
    pub fn new(value: impl Into<String>) -> Self {
        let value = value.into();
        crate::scrub::register(&value);
        Self(value)
    }

    /// Returns the value itself, for the one place that must send it (a header, a form field).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True if and only if the value is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret::new)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(redacted)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(redacted)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let secret = Secret::new("hunter2-token");
        assert!(!format!("{secret:?}").contains("hunter2"));
        assert!(!format!("{secret}").contains("hunter2"));
        assert!(!format!("{:?}", Some(&secret)).contains("hunter2"));
        assert_eq!(secret.expose(), "hunter2-token");
    }
}
