//! Where each setting's value came from (a flag, the environment, the env file, a default),
//! as the configuration resolves it and `doctor` shows it; apart from [`crate::config`] so
//! that the library's checks can show it without depending on the configuration.

use std::fmt;

/// Where a setting's value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag (named).
    Flag(&'static str),
    /// The process environment.
    Environment,
    /// The env file (`--env-file`, default `.env.oura`).
    EnvFile,
    /// The built-in default.
    Default,
    /// Not set anywhere, and no default.
    Unset,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag(flag) => write!(f, "flag {flag}"),
            Source::Environment => f.write_str("environment"),
            Source::EnvFile => f.write_str("env file"),
            Source::Default => f.write_str("default"),
            Source::Unset => f.write_str("unset"),
        }
    }
}

/// One setting as `doctor` shows it: its name, where its value came from, and the value for
/// display (a secret shows as `(redacted)`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Provenance {
    pub name: &'static str,
    #[serde(serialize_with = "display")]
    pub source: Source,
    /// `None` when unset.
    pub display: Option<String>,
}

fn display<S: serde::Serializer>(source: &Source, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(source)
}
