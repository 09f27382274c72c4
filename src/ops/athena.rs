//! `oura-sync athena`: the Athena statements for the configured lake, ready to run: the bronze
//! tables of its layout over its bucket and prefix, the typed silver tables over an S3 silver
//! destination, and with the bio-lakehouse layout that project's three `bio_silver` tables.
//! The DDL itself is written where the tables are defined ([`crate::store::layout::athena`],
//! [`crate::silver::schema`], [`crate::silver::bio`]); this module only says where they point.

use crate::error::UserError;
use crate::store::layout::athena;
#[cfg(feature = "parquet")]
use crate::store::layout::bio_lakehouse;
use crate::store::place::{LakeConfig, LakePlace, SilverPlace};

/// The database of the bronze tables when `--database` is not given; the typed silver tables
/// go to `<database>_silver`.
pub const DEFAULT_DATABASE: &str = "oura";
/// The database bio-lakehouse's own jobs and queries read its silver tables from.
pub const BIO_SILVER_DATABASE: &str = "bio_silver";

/// What `athena` prints: each statement ends in `;` and a newline, and none holds a comment,
/// so a shell loop can split them on `;` and hand each to `aws athena start-query-execution`.
#[derive(Debug, Default)]
pub struct Statements {
    pub statements: Vec<String>,
    /// Why a part of the lake has no statements (a local silver destination Athena cannot read).
    pub left_out: Vec<String>,
}

/// The statements for `lake` and its `silver` destination in `database` (`[a-z0-9_]`, as Athena
/// stores a database name). A local lake is a usage error: Athena reads only S3.
pub fn statements(
    lake: &LakeConfig,
    silver: Option<&SilverPlace>,
    database: &str,
) -> Result<Statements, UserError> {
    check_database(database)?;
    let LakePlace::S3 { bucket, prefix, .. } = &lake.place else {
        return Err(UserError::Usage(format!(
            "Athena reads S3, and the lake at {} is a local directory; pass the S3 lake with \
             --dest s3://BUCKET/PREFIX (or OURA_DESTINATION)",
            lake.place.destination()
        )));
    };
    let mut out = Statements {
        statements: athena::bronze_statements(
            lake.layout.as_ref(),
            database,
            &root(bucket, prefix)?,
        ),
        ..Statements::default()
    };
    match silver {
        None => {}
        Some(SilverPlace::Local(path)) => out.left_out.push(format!(
            "the silver tables are in the local directory {}, which Athena cannot read; set \
             OURA_SILVER_DESTINATION (or --silver-dest) to s3://BUCKET/PREFIX for them",
            path.display()
        )),
        #[cfg(not(feature = "parquet"))]
        Some(SilverPlace::S3 { .. }) => {}
        #[cfg(feature = "parquet")]
        Some(SilverPlace::S3 { bucket, prefix, .. }) => {
            let typed = root(bucket, prefix)?;
            out.statements.extend(crate::silver::schema::athena_statements(
                &format!("{database}_silver"),
                &typed,
            ));
            if lake.layout.name() == bio_lakehouse::NAME {
                // The typed tables sit in their own folder; bio-lakehouse's take the root.
                let tables_root = typed
                    .strip_suffix(crate::silver::bio::TYPED_PREFIX)
                    .map(|r| r.trim_end_matches('/'))
                    .unwrap_or(&typed);
                out.statements.extend(crate::silver::bio::rows::athena_statements(
                    BIO_SILVER_DATABASE,
                    tables_root,
                ));
            }
        }
    }
    Ok(out)
}

/// `bucket/prefix` (just `bucket` at the bucket's root), as the DDL's `s3://` locations take
/// it. A prefix with a quote or backslash would need escaping inside the DDL's string
/// literals, which Athena's Hive parser reads its own way: refused instead.
fn root(bucket: &str, prefix: &str) -> Result<String, UserError> {
    let prefix = prefix.trim_matches('/');
    if prefix.contains(['\'', '\\']) || bucket.contains(['\'', '\\']) {
        return Err(UserError::Usage(format!(
            "s3://{bucket}/{prefix} holds a quote or a backslash, which the Athena statements \
             cannot name safely; use a prefix without them"
        )));
    }
    Ok(if prefix.is_empty() { bucket.to_string() } else { format!("{bucket}/{prefix}") })
}

/// A database name Athena takes unquoted and keeps as written: lower-case letters, digits and
/// `_`, at most 255 characters (the silver database adds `_silver`).
fn check_database(name: &str) -> Result<(), UserError> {
    let ok = !name.is_empty()
        && name.len() <= 240
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(UserError::Usage(format!(
            "--database `{name}`: an Athena database name is lower-case letters, digits and _ \
             (at most 240 characters here)"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::byte_store::Encryption;
    use crate::store::layout::by_name;

    fn s3_lake(prefix: &str, layout: &str) -> LakeConfig {
        LakeConfig {
            place: LakePlace::S3 {
                bucket: "my-lake".into(),
                prefix: prefix.into(),
                encryption: Encryption::Aes256,
                ledger_table: "oura-ledger".into(),
            },
            layout: by_name(layout).unwrap(),
            layout_explicit: false,
        }
    }

    fn s3_silver(prefix: &str) -> SilverPlace {
        SilverPlace::S3 {
            bucket: "my-silver".into(),
            prefix: prefix.into(),
            encryption: Encryption::Aes256,
        }
    }

    /// Every location names the configured bucket and prefix, no placeholder is left, and the
    /// databases are the one asked for and its `_silver`.
    #[test]
    fn the_statements_point_at_the_configured_lake() {
        let lake = s3_lake("oura", "hive-ndjson");
        let out = statements(&lake, Some(&s3_silver("silver/oura")), "health").unwrap();
        let all = out.statements.concat();
        for placeholder in ["BUCKET_NAME", "LAKE_PREFIX", "SILVER_PREFIX", "SILVER_BUCKET"] {
            assert!(!all.contains(placeholder), "{placeholder}");
        }
        assert!(all.contains("LOCATION 's3://my-lake/oura/daily_sleep/'"), "{all}");
        assert!(all.contains("LOCATION 's3://my-silver/silver/oura/daily_sleep/'"), "{all}");
        assert!(all.contains("CREATE DATABASE IF NOT EXISTS health;"));
        assert!(all.contains("CREATE DATABASE IF NOT EXISTS health_silver;"));
        assert!(!all.contains("bio_silver"));
        assert!(out.statements.iter().all(|s| s.ends_with(";\n") && s.matches(';').count() == 1));
    }

    /// With the bio-lakehouse layout, the typed tables sit under `oura_sync/` and bio-lakehouse's
    /// three at the destination's root, in `bio_silver`; a lake at a bucket's root has no `//`.
    #[test]
    #[cfg(feature = "parquet")]
    fn bio_lakehouse_adds_its_three_tables_at_the_silver_root() {
        let lake = s3_lake("", "bio-lakehouse");
        let silver = crate::silver::bio::typed_place(s3_silver(""), bio_lakehouse::NAME);
        let all = statements(&lake, Some(&silver), "oura").unwrap().statements.concat();
        assert!(all.contains("LOCATION 's3://my-lake/sleep/'"), "{all}");
        assert!(all.contains("LOCATION 's3://my-silver/oura_sync/daily_sleep/'"), "{all}");
        assert!(all.contains("bio_silver.oura_daily_sleep"));
        assert!(all.contains("LOCATION 's3://my-silver/oura_daily_sleep/'"), "{all}");
        assert!(!all.contains("//'") && !all.contains("s3:///"));
    }

    /// A local lake, a bad database name and a quote in the prefix are usage errors; a local
    /// silver destination is left out with the reason.
    #[test]
    fn what_athena_cannot_read_is_refused_or_left_out() {
        let local = LakeConfig {
            place: LakePlace::Local { root: "./oura-lake".into(), ledger_table: None },
            layout: by_name("hive-ndjson").unwrap(),
            layout_explicit: false,
        };
        assert!(
            statements(&local, None, "oura").unwrap_err().to_string().contains("Athena reads S3")
        );
        let lake = s3_lake("oura", "hive-ndjson");
        assert!(statements(&lake, None, "Oura-DB").is_err());
        assert!(statements(&s3_lake("it's", "hive-ndjson"), None, "oura").is_err());
        let out =
            statements(&lake, Some(&SilverPlace::Local("/data/silver".into())), "oura").unwrap();
        assert_eq!(out.left_out.len(), 1);
        assert!(!out.statements.concat().contains("oura_silver"));
    }
}
