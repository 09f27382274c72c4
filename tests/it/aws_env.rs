//! The moto emulator seen from the tests: the clients, and a fresh bucket or table per test.
//!
//! `scripts/test.sh` starts moto and exports `AWS_ENDPOINT_URL`. A test that needs AWS and
//! finds no endpoint fails (it never skips), saying how to run it.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use oura_sync::aws::AwsClients;
use oura_sync::config::{EnvSnapshot, aws_settings};

/// The emulator's endpoint; panics with the fix when it is missing.
pub fn endpoint() -> String {
    match std::env::var("AWS_ENDPOINT_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "AWS_ENDPOINT_URL is not set: the S3/DynamoDB tests need the moto emulator; run them \
             with scripts/test.sh (it starts moto and runs cargo test)"
        ),
    }
}

/// Clients built the way the binary builds them, pointed at the emulator.
pub async fn clients() -> AwsClients {
    endpoint();
    let config = aws_settings(&EnvSnapshot::from_process()).expect("AWS settings");
    AwsClients::load(&config).await.expect("AWS clients")
}

/// The second S3 implementation's endpoint (s3s-fs, started by `scripts/test.sh`); panics
/// with the fix when it is missing.
pub fn compat_endpoint() -> String {
    match std::env::var("OURA_TEST_S3_COMPAT_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "OURA_TEST_S3_COMPAT_URL is not set: the S3-compatibility tests need s3s-fs; run \
             them with scripts/test.sh (it builds and starts s3s-fs)"
        ),
    }
}

/// Clients whose S3 side is the second S3 implementation (`AWS_ENDPOINT_URL_S3`), built the
/// way the binary builds them; DynamoDB stays on moto.
pub async fn compat_clients() -> AwsClients {
    endpoint();
    let mut config = aws_settings(&EnvSnapshot::from_process()).expect("AWS settings");
    config.s3_endpoint = Some(compat_endpoint());
    AwsClients::load(&config).await.expect("AWS clients")
}

/// A name no other test uses: `t-<tag>-<random>`, lower case, at most 63 characters.
pub fn unique_name(tag: &str) -> String {
    let tag: String = tag
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .take(40)
        .collect();
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("t-{}-{}", tag.trim_matches('-'), &random[..12])
}

/// Creates a fresh bucket and returns its name.
pub async fn new_bucket(aws: &AwsClients, tag: &str) -> String {
    let bucket = unique_name(tag);
    aws.s3.create_bucket().bucket(&bucket).send().await.expect("create_bucket");
    bucket
}

/// Creates a fresh ledger table (string keys `pk`, `sk`, on demand), waits until it is
/// active, and returns its name.
pub async fn new_table(aws: &AwsClients, tag: &str) -> String {
    new_table_with_keys(aws, tag, "pk", Some("sk")).await
}

/// Creates a fresh table with the given key names.
pub async fn new_table_with_keys(
    aws: &AwsClients,
    tag: &str,
    hash: &str,
    range: Option<&str>,
) -> String {
    let table = unique_name(tag);
    let mut request = aws
        .dynamodb
        .create_table()
        .table_name(&table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute(hash))
        .key_schema(key(hash, KeyType::Hash));
    if let Some(range) = range {
        request =
            request.attribute_definitions(attribute(range)).key_schema(key(range, KeyType::Range));
    }
    request.send().await.expect("create_table");
    // moto makes tables active at once; real DynamoDB takes seconds.
    for _ in 0..100 {
        let described = aws.dynamodb.describe_table().table_name(&table).send().await;
        let status = described.ok().and_then(|d| d.table).and_then(|t| t.table_status);
        if status == Some(aws_sdk_dynamodb::types::TableStatus::Active) {
            return table;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("table {table} did not become active");
}

/// Creates a fresh ingestion-log table as bio-lakehouse's `bronze-stack.yaml` creates
/// `bio_ingestion_log`: `file_path` (partition, string) and `upload_timestamp` (sort; a
/// string as the template declares it, or a number as that project's script and Lambdas
/// write it), on demand.
pub async fn new_ingestion_log_table(
    aws: &AwsClients,
    tag: &str,
    sort_key: oura_sync::ledger::SortKey,
) -> String {
    let table = unique_name(tag);
    let sort_type = match sort_key {
        oura_sync::ledger::SortKey::Number => ScalarAttributeType::N,
        oura_sync::ledger::SortKey::String => ScalarAttributeType::S,
    };
    aws.dynamodb
        .create_table()
        .table_name(&table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute("file_path"))
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("upload_timestamp")
                .attribute_type(sort_type)
                .build()
                .unwrap(),
        )
        .key_schema(key("file_path", KeyType::Hash))
        .key_schema(key("upload_timestamp", KeyType::Range))
        .send()
        .await
        .expect("create_table");
    table
}

/// An item as DynamoDB stores it.
pub type Item = std::collections::HashMap<String, AttributeValue>;

/// Puts the items other tools keep in an ingestion log: a Peloton CSV's (as the S3 trigger
/// logs it), a `drift-alert:` cooldown item, and the trigger's `validation_failed` item under
/// `our_uri` (the URI of one of our objects), stamped a day in the future so that it is the
/// newest item there. Returns them.
pub async fn put_foreign_items(
    aws: &AwsClients,
    table: &str,
    sort_key: oura_sync::ledger::SortKey,
    our_uri: &str,
) -> Vec<Item> {
    let now = jiff::Timestamp::now().as_second();
    let s = |v: &str| AttributeValue::S(v.to_string());
    let items = vec![
        Item::from([
            (
                "file_path".into(),
                s("s3://bio-lakehouse-bronze-123456789012/peloton/workouts/w.csv"),
            ),
            ("upload_timestamp".into(), sort_key.value(now - 3600)),
            ("source".into(), s("peloton/workouts")),
            ("status".into(), s("ingested")),
            ("file_size".into(), AttributeValue::N("2048".into())),
            ("environment".into(), s("dev")),
        ]),
        Item::from([
            ("file_path".into(), s("drift-alert:oura/readiness")),
            ("upload_timestamp".into(), sort_key.value(now - 60)),
            ("source".into(), s("oura/readiness")),
            ("status".into(), s("drift_alerted")),
            ("environment".into(), s("dev")),
        ]),
        Item::from([
            ("file_path".into(), s(our_uri)),
            ("upload_timestamp".into(), sort_key.value(now + 86_400)),
            ("source".into(), s("oura/sleep")),
            ("status".into(), s("validation_failed")),
            ("file_size".into(), AttributeValue::N("512".into())),
            ("environment".into(), s("dev")),
        ]),
    ];
    for item in &items {
        aws.dynamodb
            .put_item()
            .table_name(table)
            .set_item(Some(item.clone()))
            .send()
            .await
            .expect("put a foreign item");
    }
    items
}

/// Every one of `items` is in `table`, attribute for attribute.
pub async fn assert_items_present(aws: &AwsClients, table: &str, items: &[Item]) {
    for item in items {
        let stored = aws
            .dynamodb
            .get_item()
            .table_name(table)
            .key("file_path", item["file_path"].clone())
            .key("upload_timestamp", item["upload_timestamp"].clone())
            .consistent_read(true)
            .send()
            .await
            .expect("get_item")
            .item;
        assert_eq!(stored.as_ref(), Some(item), "a foreign item was changed or deleted");
    }
}

fn attribute(name: &str) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .unwrap()
}

fn key(name: &str, key_type: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder().attribute_name(name).key_type(key_type).build().unwrap()
}

/// A reverse proxy in front of the emulator's S3 that forwards everything, except that every
/// `PutObject` after the first `healthy_puts` gets a 500 `InternalError`: S3 failing halfway
/// through a sync. The binary reaches it through `AWS_ENDPOINT_URL_S3`.
pub struct FailingS3Proxy {
    pub url: String,
    state: std::sync::Arc<ProxyState>,
}

struct ProxyState {
    upstream: String,
    healthy_puts: usize,
    puts: std::sync::atomic::AtomicUsize,
    refused: std::sync::atomic::AtomicUsize,
    http: reqwest::Client,
}

impl FailingS3Proxy {
    /// Starts the proxy on a free loopback port, in a thread of its own.
    pub fn start(healthy_puts: usize) -> Self {
        let state = std::sync::Arc::new(ProxyState {
            upstream: endpoint(),
            healthy_puts,
            puts: Default::default(),
            refused: Default::default(),
            http: reqwest::Client::new(),
        });
        let app = axum::Router::new().fallback(forward).with_state(state.clone());
        let url = crate::fake_oura::serve_in_background(app);
        Self { url, state }
    }

    /// How many `PutObject` requests were refused.
    pub fn refused_puts(&self) -> usize {
        self.state.refused.load(std::sync::atomic::Ordering::SeqCst)
    }
}

async fn forward(
    axum::extract::State(state): axum::extract::State<std::sync::Arc<ProxyState>>,
    request: axum::extract::Request,
) -> axum::response::Response {
    use std::sync::atomic::Ordering::SeqCst;

    use axum::response::IntoResponse;

    let (parts, body) = request.into_parts();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_string();
    // Path style: `/bucket/key...` is an object; a PUT on it without a sub-resource is PutObject.
    let is_put_object = parts.method == axum::http::Method::PUT
        && parts.uri.path().trim_start_matches('/').contains('/')
        && parts.uri.query().is_none_or(|q| !q.contains("uploadId"));
    if is_put_object && state.puts.fetch_add(1, SeqCst) >= state.healthy_puts {
        state.refused.fetch_add(1, SeqCst);
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>InternalError</Code>\
                   <Message>We encountered an internal error. Please try again.</Message></Error>";
        return (axum::http::StatusCode::INTERNAL_SERVER_ERROR, xml).into_response();
    }
    let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    let mut upstream =
        state.http.request(parts.method.clone(), format!("{}{path}", state.upstream));
    for (name, value) in &parts.headers {
        if !matches!(name.as_str(), "host" | "content-length" | "connection" | "transfer-encoding")
        {
            upstream = upstream.header(name, value);
        }
    }
    let answer = upstream.body(body).send().await.unwrap();
    let mut response = axum::response::Response::builder().status(answer.status());
    for (name, value) in answer.headers() {
        if !matches!(name.as_str(), "content-length" | "connection" | "transfer-encoding") {
            response = response.header(name, value);
        }
    }
    response.body(axum::body::Body::from(answer.bytes().await.unwrap())).unwrap()
}
