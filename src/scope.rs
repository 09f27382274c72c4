//! OAuth scopes as Oura grants them: the names Oura has used for one permission, and whether a
//! login's granted scopes seem to cover a data type.
//!
//! A scope list is a hint, never the truth. Exports before 1.40 name SpO2 `spo2Daily`, later
//! ones `spo2`, and apps keep the name they were made with; `stress` and `ring_configuration`
//! are enforced by the live API but appear in no export. So the sync asks Oura for every type
//! whatever the scopes say (a wrong guess costs one request, never data), and uses these
//! functions only to explain a refusal or to note that a type came although its scope seemed
//! missing.

use std::collections::BTreeSet;

/// Names Oura has used for one permission: the newest name first, then the older ones.
pub const ALIASES: &[&[&str]] = &[&["spo2", "spo2Daily"]];

/// The newest name of `scope`, without Oura's `extapi:` prefix (`extapi:spo2Daily` → `spo2`).
/// Scope names are compared without regard to case.
pub fn canonical(scope: &str) -> String {
    let bare = scope.trim();
    let bare = bare.strip_prefix("extapi:").unwrap_or(bare);
    ALIASES
        .iter()
        .find(|names| names.iter().any(|n| n.eq_ignore_ascii_case(bare)))
        .map_or_else(|| bare.to_ascii_lowercase(), |names| names[0].to_string())
}

/// True if and only if `granted` holds `scope` under any of its names.
pub fn covers(granted: &BTreeSet<String>, scope: &str) -> bool {
    let wanted = canonical(scope);
    granted.iter().any(|g| canonical(g) == wanted)
}

/// The scope `scope_of_type` that `granted` does not seem to hold, if any; `None` when the
/// granted scopes are unknown (a bare token), as nothing can be said then.
pub fn seems_missing<'a>(
    granted: Option<&BTreeSet<String>>,
    scope_of_type: &'a str,
) -> Option<&'a str> {
    granted.filter(|g| !covers(g, scope_of_type)).map(|_| scope_of_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(scopes: &[&str]) -> BTreeSet<String> {
        scopes.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_old_and_new_spo2_names_are_one_permission() {
        assert_eq!(canonical("spo2Daily"), "spo2");
        assert_eq!(canonical("extapi:spo2Daily"), "spo2");
        assert_eq!(canonical("SPO2DAILY"), "spo2");
        assert_eq!(canonical("extapi:heart_health"), "heart_health");
        assert!(covers(&set(&["daily", "spo2Daily"]), "spo2"));
        assert!(covers(&set(&["spo2"]), "spo2Daily"));
        assert!(!covers(&set(&["daily"]), "spo2"));
    }

    #[test]
    fn a_missing_scope_is_named_only_when_the_grant_is_known() {
        assert_eq!(seems_missing(Some(&set(&["daily"])), "stress"), Some("stress"));
        assert_eq!(seems_missing(Some(&set(&["daily", "stress"])), "stress"), None);
        assert_eq!(seems_missing(None, "stress"), None);
    }
}
