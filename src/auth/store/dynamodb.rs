//! The login in one DynamoDB item (`OURA_TOKEN_STORE=dynamodb://TABLE`).
//!
//! The item's key is `pk` = `oura#login`, and `sk` = `tokens` when the table has the sort key
//! `sk` (so the ledger's pk/sk table can hold it beside the runs). Its attributes:
//! - `tokens`: the tokens JSON (absent when there is no login);
//! - `oura_sync`: the bookkeeping JSON, leases and a move note
//!   ([`crate::auth::store::document`]);
//! - `version`: a number, one more on every write; every write is conditional on the number
//!   read (`attribute_not_exists(pk)` for the first), so a lost race changes nothing. Another
//!   tool that writes the item must add 1 to `version` too.
//!
//! Reads are strongly consistent. Anyone who may read the table may read the login: keep it
//! in a table of its own, or in Secrets Manager, when others read the ledger.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{AttributeValue, KeyType, ScalarAttributeType};

use crate::auth::store::document::Doc;
use crate::auth::store::remote::{Register, Written};
use crate::aws::CallFailure;
use crate::error::UserError;
use crate::scrub::scrub;

/// The item's partition key.
pub const LOGIN_PK: &str = "oura#login";
/// The item's sort key, in a table that has `sk`.
pub const LOGIN_SK: &str = "tokens";

/// One table's login item.
#[derive(Debug, Clone)]
pub struct DynamoRegister {
    client: Client,
    table: String,
    /// Whether the table has the sort key `sk`, learnt once from `DescribeTable`.
    sorted: Arc<tokio::sync::OnceCell<bool>>,
}

impl DynamoRegister {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into(), sorted: Arc::default() }
    }

    /// The item's key, checking the table's keys on first use.
    async fn key(&self) -> anyhow::Result<HashMap<String, AttributeValue>> {
        let sorted = *self.sorted.get_or_try_init(|| self.describe_keys()).await?;
        let mut key = HashMap::from([("pk".to_string(), AttributeValue::S(LOGIN_PK.into()))]);
        if sorted {
            key.insert("sk".into(), AttributeValue::S(LOGIN_SK.into()));
        }
        Ok(key)
    }

    /// True for a pk/sk table, false for a pk-only one; a usage error for any other key.
    async fn describe_keys(&self) -> anyhow::Result<bool> {
        let table = &self.table;
        let out = self.client.describe_table().table_name(table).send().await.map_err(|err| {
            let failure = CallFailure::from_sdk(&err);
            if failure.is_not_found() {
                UserError::usage(format!(
                    "the DynamoDB table `{table}` (OURA_TOKEN_STORE) does not exist in this \
                         region; create it with the string partition key `pk` (see README: \
                         Where the login is kept)"
                ))
            } else {
                self.call_error("describing", "dynamodb:DescribeTable", &failure)
            }
        })?;
        let description = out.table.context("DynamoDB described no table")?;
        let types: HashMap<&str, &ScalarAttributeType> = description
            .attribute_definitions()
            .iter()
            .map(|a| (a.attribute_name(), a.attribute_type()))
            .collect();
        let keys: Vec<(&str, &KeyType)> =
            description.key_schema().iter().map(|k| (k.attribute_name(), k.key_type())).collect();
        let string = |name: &str| types.get(name) == Some(&&ScalarAttributeType::S);
        match keys.as_slice() {
            [("pk", KeyType::Hash)] if string("pk") => Ok(false),
            [("pk", KeyType::Hash), ("sk", KeyType::Range)] if string("pk") && string("sk") => {
                Ok(true)
            }
            _ => {
                let found: Vec<String> =
                    keys.iter().map(|(name, kind)| format!("{name} ({})", kind.as_str())).collect();
                Err(UserError::usage(format!(
                    "the DynamoDB table `{table}` has the keys {}; a token store needs the string \
                     partition key `pk` and, if any, the string sort key `sk` (the ledger's \
                     pk/sk table will do)",
                    found.join(" and ")
                )))
            }
        }
    }

    /// The error for a failed call, without any secret in it.
    fn call_error(&self, what: &str, permission: &str, failure: &CallFailure) -> anyhow::Error {
        let table = &self.table;
        if failure.is_access_denied() {
            UserError::usage(format!(
                "access to the DynamoDB table `{table}` is denied ({what} the login): these AWS \
                 credentials need {permission} on it; see README: Where the login is kept"
            ))
        } else {
            anyhow::anyhow!(
                "{what} the login in the DynamoDB table `{table}` failed: {}",
                scrub(&failure.detail)
            )
        }
    }
}

impl Register for DynamoRegister {
    fn describe(&self) -> String {
        format!("DynamoDB table `{}`", self.table)
    }

    fn uri(&self) -> String {
        format!("dynamodb://{}", self.table)
    }

    async fn read(&self) -> anyhow::Result<Option<(Doc, String)>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(self.key().await?))
            .consistent_read(true)
            .send()
            .await
            .map_err(|err| {
                self.call_error("reading", "dynamodb:GetItem", &CallFailure::from_sdk(&err))
            })?;
        let Some(item) = out.item else { return Ok(None) };
        let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).map(String::as_str);
        let version = item
            .get("version")
            .and_then(|v| v.as_n().ok())
            .cloned()
            .unwrap_or_else(|| "0".to_string());
        Ok(Some((Doc::from_parts(text("tokens"), text(META_ATTR)), version)))
    }

    async fn write(&self, expected: Option<&str>, doc: &Doc) -> anyhow::Result<Written> {
        let next = match expected {
            None => 1,
            Some(v) => v.parse::<u64>().context("the stored version is not a number")? + 1,
        };
        let mut item = self.key().await?;
        item.insert("version".into(), AttributeValue::N(next.to_string()));
        item.insert("updated_at".into(), AttributeValue::S(jiff::Timestamp::now().to_string()));
        let (tokens, meta) = doc.to_parts();
        if let Some(tokens) = tokens {
            item.insert("tokens".into(), AttributeValue::S(tokens));
        }
        if let Some(meta) = meta {
            item.insert(META_ATTR.into(), AttributeValue::S(meta));
        }
        let mut put = self.client.put_item().table_name(&self.table).set_item(Some(item));
        put = match expected {
            None => put.condition_expression("attribute_not_exists(pk)"),
            Some("0") => {
                put.condition_expression("attribute_exists(pk) AND attribute_not_exists(version)")
            }
            Some(v) => put
                .condition_expression("version = :v")
                .expression_attribute_values(":v", AttributeValue::N(v.to_string())),
        };
        match put.send().await {
            Ok(_) => Ok(Written::Done(next.to_string())),
            Err(err) if err.code() == Some("ConditionalCheckFailedException") => Ok(Written::Lost),
            Err(err) => {
                Err(self.call_error("writing", "dynamodb:PutItem", &CallFailure::from_sdk(&err)))
            }
        }
    }
}

/// The attribute of the bookkeeping.
const META_ATTR: &str = crate::auth::store::document::META_KEY;
