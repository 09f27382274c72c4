//! `.env.oura.example`, made from the settings table: every setting under its group, with what
//! it does and its default (or an example value), each line valid when uncommented.
//!
//! A test keeps the committed file equal to [`env_example`], so a new row in the table shows up
//! in the example file (and, through the same table, in the man page) or the suite fails.

use super::table::{GROUPS, SETTINGS, Setting};

/// The width of a comment line, `# ` included.
const WIDTH: usize = 98;

/// The whole `.env.oura.example` file.
pub fn env_example() -> String {
    let mut out = String::from(
        "# oura-sync settings. Copy to .env.oura (git-ignored) and fill in what you use.\n\
         # Precedence: command-line flag > environment variable > this file > built-in default.\n\
         # Each commented line is valid as it stands when you remove its `# `.\n\
         # (Made from the settings table in src/config/table.rs: `OURA_WRITE_ENV_EXAMPLE=1 cargo test\n\
         # --lib env_example` rewrites it.)\n",
    );
    for setting in SETTINGS {
        if let Some(group) = GROUPS.iter().find(|g| g.first == setting.name) {
            out.push_str(&format!("\n# --- {} ---\n", group.title));
        }
        for line in wrap(setting.help, WIDTH - 2) {
            out.push_str("# ");
            out.push_str(&line);
            out.push('\n');
        }
        out.push_str(&format!("# {}={}\n", setting.name, quote(shown_value(setting))));
    }
    out
}

/// What the example line sets: the default, else the example, else nothing (a secret).
pub fn shown_value(setting: &Setting) -> &'static str {
    setting.default.or(setting.example).unwrap_or("")
}

/// `value` as an env file writes it: bare when it has nothing the parser treats specially, in
/// single quotes (taken literally) otherwise, in double quotes when it holds a single quote.
pub fn quote(value: &str) -> String {
    let plain = value.chars().all(|c| {
        c.is_ascii_alphanumeric() || "_-.,:/+@%=~{}[]()<>!?*;|&^".contains(c) || !c.is_ascii()
    });
    if plain {
        value.to_owned()
    } else if !value.contains('\'') {
        format!("'{value}'")
    } else {
        let escaped = value.replace('\\', "\\\\").replace('"', "\\\"").replace('$', "\\$");
        format!("\"{escaped}\"")
    }
}

/// Greedy word wrap; a word longer than `width` stands alone on its line.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/.env.oura.example");

    /// The committed `.env.oura.example` is exactly what the settings table gives (rewrite it
    /// with `OURA_WRITE_ENV_EXAMPLE=1 cargo test --lib env_example` after changing a row).
    #[test]
    fn the_env_example_file_is_made_from_the_settings_table() {
        let made = env_example();
        if std::env::var_os("OURA_WRITE_ENV_EXAMPLE").is_some() {
            std::fs::write(PATH, &made).unwrap();
        }
        assert_eq!(std::fs::read_to_string(PATH).unwrap(), made);
    }

    /// Every setting of the table has its line, and each commented `NAME=value` line of the
    /// committed file, uncommented, is parsed by the env file reader (dotenvy) into exactly the
    /// name and the value the table shows: no line breaks the file (`OURA_SCOPES` once did).
    #[test]
    fn each_example_line_parses_to_the_tables_value_when_uncommented() {
        let file = std::fs::read_to_string(PATH).unwrap();
        let mut seen = Vec::new();
        for line in file.lines() {
            let Some(rest) = line.strip_prefix("# ") else { continue };
            let Some((name, _)) = rest.split_once('=') else { continue };
            let Some(setting) = SETTINGS.iter().find(|s| s.name == name) else { continue };
            let parsed: Vec<(String, String)> = dotenvy::from_read_iter(rest.as_bytes())
                .collect::<Result<_, _>>()
                .unwrap_or_else(|e| panic!("`{rest}` does not parse: {e}"));
            assert_eq!(parsed, vec![(name.to_owned(), shown_value(setting).to_owned())], "{rest}");
            seen.push(name);
        }
        let all: Vec<&str> = SETTINGS.iter().map(|s| s.name).collect();
        assert_eq!(seen, all);
    }

    /// Values with spaces, quotes, `$` or `#` are quoted so that the reader gives them back
    /// unchanged; plain ones stay bare.
    #[test]
    fn quoting_keeps_every_value_exact() {
        for value in ["a b c", "it's", "$HOME", "x#y", "back\\slash", "\"q\"", "plain-1.2", ""] {
            let line = format!("K={}", quote(value));
            let parsed: Vec<(String, String)> =
                dotenvy::from_read_iter(line.as_bytes()).collect::<Result<_, _>>().unwrap();
            assert_eq!(parsed, vec![("K".to_owned(), value.to_owned())], "{line}");
        }
        assert_eq!(quote("s3://bucket/prefix"), "s3://bucket/prefix");
        assert_eq!(quote("email personal"), "'email personal'");
    }

    /// Every group starts at a setting of the table, and the groups come in the table's order.
    #[test]
    fn groups_start_at_settings_in_table_order() {
        let positions: Vec<usize> = GROUPS
            .iter()
            .map(|g| SETTINGS.iter().position(|s| s.name == g.first).expect(g.first))
            .collect();
        assert_eq!(positions[0], 0);
        assert!(positions.windows(2).all(|w| w[0] < w[1]));
    }
}
