//! Where a setting's value can come from, read once: the process environment and the env file
//! captured in an [`EnvSnapshot`], and the flags of the command line. [`Sources::get`] applies
//! the precedence (flag > environment > env file > default) and says which one won.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::table::{self, Setting};
use crate::error::UserError;

/// The env file read when `--env-file` is not given.
pub const DEFAULT_ENV_FILE: &str = ".env.oura";

/// The environment and the env file, each read once, before anything is resolved.
#[derive(Debug, Default, Clone)]
pub struct EnvSnapshot {
    process: BTreeMap<String, String>,
    file: BTreeMap<String, String>,
}

impl EnvSnapshot {
    /// Reads the process environment and the env file: `path` when given (it must exist),
    /// else `.env.oura` when present.
    pub fn capture(path: Option<&Path>) -> anyhow::Result<Self> {
        Ok(Self { file: read_env_file(path)?, ..Self::from_process() })
    }

    /// The process environment alone, without an env file.
    pub fn from_process() -> Self {
        let process = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        Self { process, file: BTreeMap::new() }
    }

    /// A snapshot from pairs alone: `process` as the environment, `file` as the env file
    /// (tests, and callers that build a configuration without a process around it).
    pub fn from_pairs(process: &[(&str, &str)], file: &[(&str, &str)]) -> Self {
        let map = |pairs: &[(&str, &str)]| {
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
        };
        Self { process: map(process), file: map(file) }
    }

    /// `name` from the environment, else the env file; an empty value counts as unset.
    fn lookup(&self, name: &str) -> Option<(&str, Source)> {
        fn set<'m>(map: &'m BTreeMap<String, String>, name: &str) -> Option<&'m str> {
            map.get(name).map(String::as_str).filter(|v| !v.is_empty())
        }
        set(&self.process, name)
            .map(|v| (v, Source::Environment))
            .or_else(|| set(&self.file, name).map(|v| (v, Source::EnvFile)))
    }
}

fn read_env_file(path: Option<&Path>) -> anyhow::Result<BTreeMap<String, String>> {
    let (path, required) = match path {
        Some(p) => (p.to_path_buf(), true),
        None => (PathBuf::from(DEFAULT_ENV_FILE), false),
    };
    if !required && !path.exists() {
        return Ok(BTreeMap::new());
    }
    let fail = |why: String| UserError::usage(format!("the env file {} {why}", path.display()));
    if path.is_dir() {
        return Err(fail("is a directory; give --env-file the settings file itself".into()));
    }
    let iter = dotenvy::from_path_iter(&path).map_err(|e| fail(open_failure(&e, required)))?;
    let mut file = BTreeMap::new();
    for item in iter {
        let (key, value) = item.map_err(|e| match e {
            dotenvy::Error::Io(io) => fail(format!("cannot be read: {io}")),
            dotenvy::Error::LineParse(line, index) => fail(format!(
                "is malformed at {}; each line must be KEY=value (quote a value that holds \
                 spaces: KEY='a b')",
                parse_position(&path, &line, index)
            )),
            other => {
                fail(format!("is malformed ({}); each line must be KEY=value", io_reason(&other)))
            }
        })?;
        file.insert(key, value);
    }
    Ok(file)
}

/// "line N, character M" for dotenvy's parse error at `index` of the (logical) line `line`,
/// found again in the file; the line itself may hold a secret and is never shown.
fn parse_position(path: &Path, line: &str, index: usize) -> String {
    let number = std::fs::read_to_string(path)
        .ok()
        .and_then(|text| text.find(line).map(|at| text[..at].matches('\n').count() + 1));
    match number {
        Some(n) => format!("line {n}, character {}", index + 1),
        None => format!("character {}", index + 1),
    }
}

/// Why the env file could not be opened, and what to do about it.
fn open_failure(e: &dotenvy::Error, explicit: bool) -> String {
    match e {
        dotenvy::Error::Io(io) if io.kind() == std::io::ErrorKind::NotFound => {
            "does not exist; check the path given to --env-file".to_string()
        }
        dotenvy::Error::Io(io) if io.kind() == std::io::ErrorKind::PermissionDenied => {
            "is not readable by this user; fix its owner or mode (chmod 600 is enough)".to_string()
        }
        other if explicit => {
            format!("cannot be read ({}); check the path given to --env-file", io_reason(other))
        }
        other => format!("cannot be read ({})", io_reason(other)),
    }
}

fn io_reason(e: &dotenvy::Error) -> String {
    match e {
        dotenvy::Error::Io(io) => io.to_string(),
        // dotenvy's parse error quotes the line, which may hold a secret: give only the position.
        dotenvy::Error::LineParse(_, index) => format!("cannot parse at character {index}"),
        _ => "cannot parse it".to_string(),
    }
}

/// `~` or a leading `~/` as the home directory `home` (a path set in an env file, or a flag
/// written `--dest=~/lake`, is expanded by no shell); other values, and every value when the
/// home is unknown, as they are. `~user/` is left alone.
fn expand_home(value: &str, home: Option<&str>) -> String {
    match (value, home) {
        ("~", Some(home)) => home.to_owned(),
        (_, Some(home)) if value.starts_with("~/") => {
            format!("{}/{}", home.trim_end_matches('/'), &value[2..])
        }
        _ => value.to_owned(),
    }
}

pub use crate::provenance::{Provenance, Source};

/// A value and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved<T> {
    pub value: T,
    pub source: Source,
}

/// The snapshot and the command line's flags, looked up by setting name.
#[derive(Debug)]
pub struct Sources<'a> {
    env: &'a EnvSnapshot,
    /// Setting name → (flag name, the flag's value).
    flags: BTreeMap<&'static str, (&'static str, String)>,
}

impl<'a> Sources<'a> {
    pub fn new(env: &'a EnvSnapshot) -> Self {
        Self { env, flags: BTreeMap::new() }
    }

    /// Records that `flag`, when given, sets `name` (and beats every other source).
    pub fn flag(&mut self, name: &'static str, flag: &'static str, value: Option<&str>) {
        if let Some(value) = value {
            self.flags.insert(name, (flag, value.to_string()));
        }
    }

    /// Records the lake's three place flags, as the commands that take them name them:
    /// `--dest`, `--layout` and `--silver-dest` (each `None` when not given or not taken).
    pub fn lake_flags(
        &mut self,
        dest: Option<&str>,
        layout: Option<&str>,
        silver_dest: Option<&str>,
    ) {
        self.flag("OURA_DESTINATION", "--dest", dest);
        self.flag("OURA_LAYOUT", "--layout", layout);
        self.flag("OURA_SILVER_DESTINATION", "--silver-dest", silver_dest);
    }

    /// The value of the setting `name` (a row of the settings table) and its source; the
    /// table's default when nothing sets it. `None` only for a setting without a default.
    pub fn get(&self, name: &'static str) -> Option<Resolved<String>> {
        let setting = table::setting(name);
        let resolved = if let Some((flag, value)) = self.flags.get(name) {
            Resolved { value: value.clone(), source: Source::Flag(flag) }
        } else if let Some((value, source)) = self.env.lookup(name) {
            Resolved { value: value.to_string(), source }
        } else {
            let default = setting.default?;
            Resolved { value: default.to_string(), source: Source::Default }
        };
        if setting.path {
            let home = self.env.process.get("HOME").map(String::as_str);
            return Some(Resolved { value: expand_home(&resolved.value, home), ..resolved });
        }
        Some(resolved)
    }

    /// Like [`Sources::get`], the value alone.
    pub fn value(&self, name: &'static str) -> Option<String> {
        self.get(name).map(|r| r.value)
    }

    /// Every setting of the table with its source and display value.
    pub fn provenance(&self) -> Vec<Provenance> {
        table::SETTINGS.iter().map(|s| self.provenance_of(s)).collect()
    }

    fn provenance_of(&self, setting: &Setting) -> Provenance {
        match self.get(setting.name) {
            None => Provenance { name: setting.name, source: Source::Unset, display: None },
            Some(r) => Provenance {
                name: setting.name,
                source: r.source,
                display: Some(if setting.secret { "(redacted)".into() } else { r.value }),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A path setting's `~/` is the home directory wherever it was set (env file, environment,
    /// flag); other settings and other tildes are left as they are.
    #[test]
    fn a_path_settings_tilde_is_the_home_directory() {
        let env = EnvSnapshot::from_pairs(
            &[("HOME", "/home/ana"), ("OURA_TOKENS_FILE", "~/.oura-tokens.json")],
            &[("OURA_DESTINATION", "~/my-lake"), ("OURA_TIMEZONE", "~/x")],
        );
        let mut sources = Sources::new(&env);
        assert_eq!(sources.value("OURA_DESTINATION").unwrap(), "/home/ana/my-lake");
        assert_eq!(sources.value("OURA_TOKENS_FILE").unwrap(), "/home/ana/.oura-tokens.json");
        assert_eq!(sources.value("OURA_TIMEZONE").unwrap(), "~/x");
        sources.flag("OURA_SILVER_DESTINATION", "--silver-dest", Some("~"));
        assert_eq!(sources.value("OURA_SILVER_DESTINATION").unwrap(), "/home/ana");
        assert_eq!(expand_home("~bob/lake", Some("/home/ana")), "~bob/lake");
        assert_eq!(expand_home("s3://b/~/x", Some("/home/ana")), "s3://b/~/x");
        assert_eq!(expand_home("~/lake", None), "~/lake");
    }

    #[test]
    fn an_unreadable_env_file_says_why_and_what_to_do() {
        let io = |kind| dotenvy::Error::Io(std::io::Error::from(kind));
        let denied = open_failure(&io(std::io::ErrorKind::PermissionDenied), true);
        assert!(denied.starts_with("is not readable by this user; fix its owner or mode"));
        let missing = open_failure(&io(std::io::ErrorKind::NotFound), true);
        assert_eq!(missing, "does not exist; check the path given to --env-file");
        let other = open_failure(&io(std::io::ErrorKind::InvalidData), false);
        assert!(other.starts_with("cannot be read (") && !other.contains("--env-file"), "{other}");
    }
}
