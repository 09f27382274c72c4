-- Athena tables over bio-lakehouse's Oura silver tables as oura-sync writes them (OURA_LAYOUT=bio-lakehouse
-- with a silver destination): oura_daily_readiness, oura_daily_sleep, oura_daily_activity, with the
-- columns and types bio-lakehouse's Glue job glue/oura_normalizer.py gives them and its crawler
-- infers (strings as it writes them, `score` and the activity counts int, met_avg/met_max double),
-- Parquet under <silver>/<table>/year=YYYY/month=MM/. Generated from src/silver/bio/rows.rs (a unit
-- test keeps them equal; the integration test checks them against their job's output).
--
-- A database whose crawler already made these tables needs none of this. Otherwise
-- `oura-sync athena` prints these statements ready to run for the configured lake (bucket,
-- prefix, layout and databases filled in); the README shows the loop that runs them with the
-- AWS CLI. By hand instead: replace SILVER_BUCKET (and prepend the prefix of OURA_SILVER_DESTINATION to each path, if it has one):
--   sed -e 's/SILVER_BUCKET/bio-lakehouse-silver-123456789012/g' scripts/athena/bio_silver_tables.sql
-- Partitions come from partition projection on year=/month=: no crawler, no MSCK REPAIR.
-- The typed tables (scripts/athena/silver_tables.sql) are under <silver>/oura_sync/ with this layout.

CREATE DATABASE IF NOT EXISTS bio_silver;

CREATE EXTERNAL TABLE IF NOT EXISTS bio_silver.oura_daily_readiness (
  `id` string,
  `day` string,
  `score` int,
  `temperature_deviation` string,
  `temperature_trend_deviation` string,
  `timestamp` string,
  `contributors_activity_balance` string,
  `contributors_body_temperature` string,
  `contributors_hrv_balance` string,
  `contributors_previous_day_activity` string,
  `contributors_previous_night` string,
  `contributors_recovery_index` string,
  `contributors_resting_heart_rate` string,
  `contributors_sleep_balance` string,
  `contributors_sleep_regularity` string
)
PARTITIONED BY (`year` string, `month` string)
STORED AS PARQUET
LOCATION 's3://SILVER_BUCKET/oura_daily_readiness/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2013,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://SILVER_BUCKET/oura_daily_readiness/year=${year}/month=${month}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS bio_silver.oura_daily_sleep (
  `id` string,
  `day` string,
  `score` int,
  `timestamp` string,
  `contributors_deep_sleep` string,
  `contributors_efficiency` string,
  `contributors_latency` string,
  `contributors_rem_sleep` string,
  `contributors_restfulness` string,
  `contributors_timing` string,
  `contributors_total_sleep` string
)
PARTITIONED BY (`year` string, `month` string)
STORED AS PARQUET
LOCATION 's3://SILVER_BUCKET/oura_daily_sleep/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2013,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://SILVER_BUCKET/oura_daily_sleep/year=${year}/month=${month}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS bio_silver.oura_daily_activity (
  `id` string,
  `day` string,
  `score` int,
  `timestamp` string,
  `active_calories` int,
  `steps` int,
  `high_activity_time` int,
  `medium_activity_time` int,
  `low_activity_time` int,
  `sedentary_time` int,
  `total_calories` int,
  `met_interval` string,
  `met_avg` double,
  `met_max` double,
  `met_count` string
)
PARTITIONED BY (`year` string, `month` string)
STORED AS PARQUET
LOCATION 's3://SILVER_BUCKET/oura_daily_activity/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2013,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://SILVER_BUCKET/oura_daily_activity/year=${year}/month=${month}/'
);
