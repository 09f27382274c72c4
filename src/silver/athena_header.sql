-- Athena tables over the oura-sync silver layer: one table per data type, each row one record
-- (one sample for heartrate and ring_battery_level), typed from Oura's OpenAPI record schemas,
-- stored as Parquet month files <silver>/<type>/year=YYYY/month=MM/<type>_YYYY-MM.parquet.
-- This file is generated from the schemas in src/silver/schema.rs (a unit test keeps them equal).
--
-- Columns: Oura's fields under Oura's names; each datetime as a UTC `timestamp` plus
-- `<name>_offset_minutes`, the offset Oura sent it with (local time = the timestamp plus that
-- many minutes); `day` (the record's filing day, a date); `_extra` (JSON text of the fields the
-- schema does not know or whose value does not fit, read with json_extract); `_absent` (schema
-- fields the record lacked); `_bronze_sha256` (the bronze object the row came from).
--
-- Partitions come from partition projection on year=/month=: no crawler, no MSCK REPAIR.
-- Filter on year (and month) so that Athena reads only those files.
--
-- Before running: replace BUCKET_NAME and SILVER_PREFIX (the path of OURA_SILVER_DESTINATION,
-- e.g. `silver/oura` for s3://my-lake/silver/oura), for example:
--   sed -e 's/BUCKET_NAME/my-lake/g' -e 's#SILVER_PREFIX#silver/oura#g' scripts/athena/silver_tables.sql
-- Athena runs one statement per query: paste them one by one.

CREATE DATABASE IF NOT EXISTS oura_silver;
