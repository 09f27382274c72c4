-- Athena tables over the oura-sync lake: one table per data type (CONTRACT §3), each row one
-- record, the column `record` holding the record's JSON exactly as the lake stores it (one
-- line of the NDJSON object). Read fields with json_extract_scalar(record, '$.field'), so a
-- field Oura adds tomorrow is queryable without changing any table.
-- This file is generated from the layout in src/store/layout/ (a unit test keeps them equal).
--
-- Partitions come from partition projection on the lake's year=/month=/day= keys: no
-- crawler, no MSCK REPAIR TABLE, and a day synced a minute ago is visible at once. Filter on
-- year (and month, day) so that Athena reads only those prefixes.
--
-- `oura-sync athena` prints these statements ready to run for the configured lake (bucket,
-- prefix, layout and databases filled in); the README shows the loop that runs them with the
-- AWS CLI. By hand instead: replace BUCKET_NAME and LAKE_PREFIX (the path of OURA_DESTINATION, e.g.
-- `oura` for s3://my-lake/oura), for example:
--   sed -e 's/BUCKET_NAME/my-lake/g' -e 's#LAKE_PREFIX#oura#g' scripts/athena/tables.sql
-- (for a lake at the bucket's root, use -e 's#LAKE_PREFIX/##g' instead)
-- Athena runs one statement per query: paste them one by one, or loop over them with
-- `aws athena start-query-execution`. The year range runs to 2035; widen it if needed.
--
-- The default field delimiter of a text table is Ctrl-A (\u0001), which JSON text never
-- contains raw, so each whole line lands in `record`.

CREATE DATABASE IF NOT EXISTS oura;

CREATE EXTERNAL TABLE IF NOT EXISTS oura.daily_activity (
  record string
)
PARTITIONED BY (`year` string, `month` string, `day` string)
ROW FORMAT DELIMITED
LINES TERMINATED BY '\n'
STORED AS TEXTFILE
LOCATION 's3://BUCKET_NAME/LAKE_PREFIX/daily_activity/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2015,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'projection.day.type' = 'integer',
  'projection.day.range' = '1,31',
  'projection.day.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/LAKE_PREFIX/daily_activity/year=${year}/month=${month}/day=${day}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS oura.daily_readiness (
  record string
)
PARTITIONED BY (`year` string, `month` string, `day` string)
ROW FORMAT DELIMITED
LINES TERMINATED BY '\n'
STORED AS TEXTFILE
LOCATION 's3://BUCKET_NAME/LAKE_PREFIX/daily_readiness/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2015,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'projection.day.type' = 'integer',
  'projection.day.range' = '1,31',
  'projection.day.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/LAKE_PREFIX/daily_readiness/year=${year}/month=${month}/day=${day}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS oura.daily_sleep (
  record string
)
PARTITIONED BY (`year` string, `month` string, `day` string)
ROW FORMAT DELIMITED
LINES TERMINATED BY '\n'
STORED AS TEXTFILE
LOCATION 's3://BUCKET_NAME/LAKE_PREFIX/daily_sleep/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2015,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'projection.day.type' = 'integer',
  'projection.day.range' = '1,31',
  'projection.day.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/LAKE_PREFIX/daily_sleep/year=${year}/month=${month}/day=${day}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS oura.sleep (
  record string
)
PARTITIONED BY (`year` string, `month` string, `day` string)
ROW FORMAT DELIMITED
LINES TERMINATED BY '\n'
STORED AS TEXTFILE
LOCATION 's3://BUCKET_NAME/LAKE_PREFIX/sleep/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2015,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'projection.day.type' = 'integer',
  'projection.day.range' = '1,31',
  'projection.day.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/LAKE_PREFIX/sleep/year=${year}/month=${month}/day=${day}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS oura.sleep_time (
  record string
)
PARTITIONED BY (`year` string, `month` string, `day` string)
ROW FORMAT DELIMITED
LINES TERMINATED BY '\n'
STORED AS TEXTFILE
LOCATION 's3://BUCKET_NAME/LAKE_PREFIX/sleep_time/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2015,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'projection.day.type' = 'integer',
  'projection.day.range' = '1,31',
  'projection.day.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/LAKE_PREFIX/sleep_time/year=${year}/month=${month}/day=${day}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS oura.daily_spo2 (
  record string
)
PARTITIONED BY (`year` string, `month` string, `day` string)
ROW FORMAT DELIMITED
LINES TERMINATED BY '\n'
STORED AS TEXTFILE
LOCATION 's3://BUCKET_NAME/LAKE_PREFIX/daily_spo2/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2015,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'projection.day.type' = 'integer',
  'projection.day.range' = '1,31',
  'projection.day.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/LAKE_PREFIX/daily_spo2/year=${year}/month=${month}/day=${day}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS oura.daily_stress (
  record string
)
PARTITIONED BY (`year` string, `month` string, `day` string)
ROW FORMAT DELIMITED
LINES TERMINATED BY '\n'
STORED AS TEXTFILE
LOCATION 's3://BUCKET_NAME/LAKE_PREFIX/daily_stress/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2015,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'projection.day.type' = 'integer',
  'projection.day.range' = '1,31',
  'projection.day.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/LAKE_PREFIX/daily_stress/year=${year}/month=${month}/day=${day}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS oura.daily_resilience (
  record string
)
PARTITIONED BY (`year` string, `month` string, `day` string)
ROW FORMAT DELIMITED
LINES TERMINATED BY '\n'
STORED AS TEXTFILE
LOCATION 's3://BUCKET_NAME/LAKE_PREFIX/daily_resilience/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2015,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'projection.day.type' = 'integer',
  'projection.day.range' = '1,31',
  'projection.day.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/LAKE_PREFIX/daily_resilience/year=${year}/month=${month}/day=${day}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS oura.daily_cardiovascular_age (
  record string
)
PARTITIONED BY (`year` string, `month` string, `day` string)
ROW FORMAT DELIMITED
LINES TERMINATED BY '\n'
STORED AS TEXTFILE
LOCATION 's3://BUCKET_NAME/LAKE_PREFIX/daily_cardiovascular_age/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2015,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'projection.day.type' = 'integer',
  'projection.day.range' = '1,31',
  'projection.day.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/LAKE_PREFIX/daily_cardiovascular_age/year=${year}/month=${month}/day=${day}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS oura.vo2_max (
  record string
)
PARTITIONED BY (`year` string, `month` string, `day` string)
ROW FORMAT DELIMITED
LINES TERMINATED BY '\n'
STORED AS TEXTFILE
LOCATION 's3://BUCKET_NAME/LAKE_PREFIX/vo2_max/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2015,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'projection.day.type' = 'integer',
  'projection.day.range' = '1,31',
  'projection.day.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/LAKE_PREFIX/vo2_max/year=${year}/month=${month}/day=${day}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS oura.workout (
  record string
)
PARTITIONED BY (`year` string, `month` string, `day` string)
ROW FORMAT DELIMITED
LINES TERMINATED BY '\n'
STORED AS TEXTFILE
LOCATION 's3://BUCKET_NAME/LAKE_PREFIX/workout/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2015,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'projection.day.type' = 'integer',
  'projection.day.range' = '1,31',
  'projection.day.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/LAKE_PREFIX/workout/year=${year}/month=${month}/day=${day}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS oura.session (
  record string
)
PARTITIONED BY (`year` string, `month` string, `day` string)
ROW FORMAT DELIMITED
LINES TERMINATED BY '\n'
STORED AS TEXTFILE
LOCATION 's3://BUCKET_NAME/LAKE_PREFIX/session/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2015,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'projection.day.type' = 'integer',
  'projection.day.range' = '1,31',
  'projection.day.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/LAKE_PREFIX/session/year=${year}/month=${month}/day=${day}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS oura.tag (
  record string
)
PARTITIONED BY (`year` string, `month` string, `day` string)
ROW FORMAT DELIMITED
LINES TERMINATED BY '\n'
STORED AS TEXTFILE
LOCATION 's3://BUCKET_NAME/LAKE_PREFIX/tag/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2015,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'projection.day.type' = 'integer',
  'projection.day.range' = '1,31',
  'projection.day.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/LAKE_PREFIX/tag/year=${year}/month=${month}/day=${day}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS oura.enhanced_tag (
  record string
)
PARTITIONED BY (`year` string, `month` string, `day` string)
ROW FORMAT DELIMITED
LINES TERMINATED BY '\n'
STORED AS TEXTFILE
LOCATION 's3://BUCKET_NAME/LAKE_PREFIX/enhanced_tag/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2015,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'projection.day.type' = 'integer',
  'projection.day.range' = '1,31',
  'projection.day.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/LAKE_PREFIX/enhanced_tag/year=${year}/month=${month}/day=${day}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS oura.rest_mode_period (
  record string
)
PARTITIONED BY (`year` string, `month` string, `day` string)
ROW FORMAT DELIMITED
LINES TERMINATED BY '\n'
STORED AS TEXTFILE
LOCATION 's3://BUCKET_NAME/LAKE_PREFIX/rest_mode_period/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2015,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'projection.day.type' = 'integer',
  'projection.day.range' = '1,31',
  'projection.day.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/LAKE_PREFIX/rest_mode_period/year=${year}/month=${month}/day=${day}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS oura.heartrate (
  record string
)
PARTITIONED BY (`year` string, `month` string, `day` string)
ROW FORMAT DELIMITED
LINES TERMINATED BY '\n'
STORED AS TEXTFILE
LOCATION 's3://BUCKET_NAME/LAKE_PREFIX/heartrate/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2015,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'projection.day.type' = 'integer',
  'projection.day.range' = '1,31',
  'projection.day.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/LAKE_PREFIX/heartrate/year=${year}/month=${month}/day=${day}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS oura.ring_battery_level (
  record string
)
PARTITIONED BY (`year` string, `month` string, `day` string)
ROW FORMAT DELIMITED
LINES TERMINATED BY '\n'
STORED AS TEXTFILE
LOCATION 's3://BUCKET_NAME/LAKE_PREFIX/ring_battery_level/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2015,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'projection.day.type' = 'integer',
  'projection.day.range' = '1,31',
  'projection.day.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/LAKE_PREFIX/ring_battery_level/year=${year}/month=${month}/day=${day}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS oura.ring_configuration (
  record string
)
PARTITIONED BY (`year` string, `month` string, `day` string)
ROW FORMAT DELIMITED
LINES TERMINATED BY '\n'
STORED AS TEXTFILE
LOCATION 's3://BUCKET_NAME/LAKE_PREFIX/ring_configuration/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2015,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'projection.day.type' = 'integer',
  'projection.day.range' = '1,31',
  'projection.day.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/LAKE_PREFIX/ring_configuration/year=${year}/month=${month}/day=${day}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS oura.personal_info (
  record string
)
PARTITIONED BY (`year` string, `month` string, `day` string)
ROW FORMAT DELIMITED
LINES TERMINATED BY '\n'
STORED AS TEXTFILE
LOCATION 's3://BUCKET_NAME/LAKE_PREFIX/personal_info/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2015,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'projection.day.type' = 'integer',
  'projection.day.range' = '1,31',
  'projection.day.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/LAKE_PREFIX/personal_info/year=${year}/month=${month}/day=${day}/'
);
