//! Where a login is kept, as the user writes it: `OURA_TOKEN_STORE` and the `--from`/`--to`
//! of `oura-sync tokens move` take a [`StoreUri`].
//!
//! - `secretsmanager://SECRET_ID`: an AWS Secrets Manager secret (a name or an ARN);
//! - `dynamodb://TABLE`: one item of a DynamoDB table;
//! - `file://PATH`: a tokens file (the same as `OURA_TOKENS_FILE=PATH`).
//!
//! `ssm://` (SSM Parameter Store) is refused with the reason: a parameter has no
//! compare-and-swap, so two runs that refresh at once would each spend the single-use refresh
//! token and one of them would overwrite the other's new login.

use std::fmt;
use std::path::PathBuf;

use crate::error::UserError;

/// A token store's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreUri {
    /// A tokens file.
    File(PathBuf),
    /// A Secrets Manager secret, by name or ARN.
    SecretsManager(String),
    /// A DynamoDB table.
    DynamoDb(String),
}

impl StoreUri {
    /// Parses `text`; `setting` names where it came from, for the usage error (exit 2).
    pub fn parse(text: &str, setting: &str) -> anyhow::Result<Self> {
        let text = text.trim();
        let Some((scheme, rest)) = text.split_once("://") else {
            return Err(UserError::usage(format!(
                "{setting} `{text}` is not a token store; use secretsmanager://SECRET_ID, \
                 dynamodb://TABLE or file://PATH"
            )));
        };
        let empty = || {
            UserError::usage(format!("{setting} `{text}` names no {scheme} resource after `://`"))
        };
        match scheme.to_ascii_lowercase().as_str() {
            "secretsmanager" => {
                let id = rest.trim_end_matches('/');
                if id.is_empty() {
                    return Err(empty());
                }
                Ok(StoreUri::SecretsManager(id.to_string()))
            }
            "dynamodb" => {
                let table = rest.trim_end_matches('/');
                if table.is_empty() {
                    return Err(empty());
                }
                if !valid_table_name(table) {
                    return Err(UserError::usage(format!(
                        "{setting}: `{table}` is not a DynamoDB table name (3 to 255 letters, \
                         digits, `_`, `-` or `.`)"
                    )));
                }
                Ok(StoreUri::DynamoDb(table.to_string()))
            }
            "file" => {
                if rest.is_empty() {
                    return Err(empty());
                }
                Ok(StoreUri::File(PathBuf::from(rest)))
            }
            "ssm" => Err(UserError::usage(format!(
                "{setting} `{text}`: SSM Parameter Store cannot keep an Oura login safely: a \
                 parameter has no compare-and-swap, and Oura's refresh tokens are single use, so \
                 two runs refreshing at once would lose the login; use \
                 secretsmanager://SECRET_ID (encrypted like a SecureString, with versions) or \
                 dynamodb://TABLE instead"
            ))),
            other => Err(UserError::usage(format!(
                "{setting} `{text}`: unknown token store `{other}://`; use \
                 secretsmanager://SECRET_ID, dynamodb://TABLE or file://PATH"
            ))),
        }
    }
}

impl fmt::Display for StoreUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreUri::File(path) => write!(f, "file://{}", path.display()),
            StoreUri::SecretsManager(id) => write!(f, "secretsmanager://{id}"),
            StoreUri::DynamoDb(table) => write!(f, "dynamodb://{table}"),
        }
    }
}

/// DynamoDB's rule for table names.
fn valid_table_name(name: &str) -> bool {
    (3..=255).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{EXIT_USAGE, exit_code};

    /// Each scheme parses to its store and prints back the same.
    #[test]
    fn each_scheme_parses_and_prints_back() {
        let cases = [
            ("secretsmanager://oura/login", StoreUri::SecretsManager("oura/login".into())),
            (
                "secretsmanager://arn:aws:secretsmanager:eu-west-1:123456789012:secret:oura-AbCdEf",
                StoreUri::SecretsManager(
                    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:oura-AbCdEf".into(),
                ),
            ),
            ("dynamodb://oura-sync-ledger", StoreUri::DynamoDb("oura-sync-ledger".into())),
            ("file:///home/me/t.json", StoreUri::File("/home/me/t.json".into())),
        ];
        for (text, want) in cases {
            let got = StoreUri::parse(text, "OURA_TOKEN_STORE").unwrap();
            assert_eq!(got, want);
            assert_eq!(got.to_string(), text);
        }
    }

    /// SSM is refused with the reason and what to use; other mistakes are usage errors that
    /// name the setting.
    #[test]
    fn ssm_and_mistakes_are_usage_errors_that_say_what_to_use() {
        let err = StoreUri::parse("ssm:///bio-lakehouse/oura", "OURA_TOKEN_STORE").unwrap_err();
        assert_eq!(exit_code(&err), EXIT_USAGE);
        let message = err.to_string();
        assert!(message.contains("no compare-and-swap"), "{message}");
        assert!(message.contains("secretsmanager://"), "{message}");
        for bad in ["secretsmanager://", "dynamodb://a b", "s3://b/k", "tokens.json"] {
            let err = StoreUri::parse(bad, "OURA_TOKEN_STORE").unwrap_err();
            assert_eq!(exit_code(&err), EXIT_USAGE, "{bad}");
            assert!(err.to_string().contains("OURA_TOKEN_STORE"), "{err}");
        }
    }
}
