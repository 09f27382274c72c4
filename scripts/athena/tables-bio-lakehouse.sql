-- Athena tables over a lake in the bio-lakehouse layout (OURA_LAYOUT=bio-lakehouse): the
-- same tables and columns as tables.sql (one row per record, its JSON in `record`, partitions
-- year/month/day by projection), so examples.sql runs unchanged on either layout.
-- This file is generated from the layout in src/store/layout/ (a unit test keeps them equal).
--
-- This layout stores each day as one JSON array, one record per line:
--   [
--   {...},
--   {...}
--   ]
-- so each type has a raw table `oura.<type>_lines` over its folder (one row per line) and a
-- view `oura.<type>` that keeps the lines that start with `{` (a record) and drops the comma
-- after each record but the last: every row of the view is one record's JSON, exactly as
-- Oura sent it. The folders are the replaced script's: readiness, sleep (daily_sleep),
-- activity, spo2, sleep_periods (our sleep), every other type under its own name. The
-- objects the replaced oura-sync.sh left in the same folders (readiness_<timestamp>.json)
-- were pretty-printed by jq, so none of their lines starts with `{` and the views leave them
-- out (the normalizer still reads them, and deduplicates on id).
--
-- `oura-sync athena` prints these statements ready to run for the configured lake (bucket,
-- prefix, layout and databases filled in); the README shows the loop that runs them with the
-- AWS CLI. By hand instead: replace BUCKET_NAME and LAKE_PREFIX (the path of the destination, `oura`
-- for s3://bio-lakehouse-bronze-ACCOUNT/oura), for example:
--   sed -e 's/BUCKET_NAME/bio-lakehouse-bronze-123456789012/g' -e 's#LAKE_PREFIX#oura#g' \
--     scripts/athena/tables-bio-lakehouse.sql
-- Athena runs one statement per query. The year range runs to 2035; widen it if needed.

CREATE DATABASE IF NOT EXISTS oura;

CREATE EXTERNAL TABLE IF NOT EXISTS oura.daily_activity_lines (
  line string
)
PARTITIONED BY (`year` string, `month` string, `day` string)
ROW FORMAT DELIMITED
LINES TERMINATED BY '\n'
STORED AS TEXTFILE
LOCATION 's3://BUCKET_NAME/LAKE_PREFIX/activity/'
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
  'storage.location.template' = 's3://BUCKET_NAME/LAKE_PREFIX/activity/year=${year}/month=${month}/day=${day}/'
);

CREATE OR REPLACE VIEW oura.daily_activity AS
SELECT regexp_replace(line, ',$', '') AS record, year, month, day
FROM oura.daily_activity_lines
WHERE line LIKE '{%';

CREATE EXTERNAL TABLE IF NOT EXISTS oura.daily_readiness_lines (
  line string
)
PARTITIONED BY (`year` string, `month` string, `day` string)
ROW FORMAT DELIMITED
LINES TERMINATED BY '\n'
STORED AS TEXTFILE
LOCATION 's3://BUCKET_NAME/LAKE_PREFIX/readiness/'
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
  'storage.location.template' = 's3://BUCKET_NAME/LAKE_PREFIX/readiness/year=${year}/month=${month}/day=${day}/'
);

CREATE OR REPLACE VIEW oura.daily_readiness AS
SELECT regexp_replace(line, ',$', '') AS record, year, month, day
FROM oura.daily_readiness_lines
WHERE line LIKE '{%';

CREATE EXTERNAL TABLE IF NOT EXISTS oura.daily_sleep_lines (
  line string
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

CREATE OR REPLACE VIEW oura.daily_sleep AS
SELECT regexp_replace(line, ',$', '') AS record, year, month, day
FROM oura.daily_sleep_lines
WHERE line LIKE '{%';

CREATE EXTERNAL TABLE IF NOT EXISTS oura.sleep_lines (
  line string
)
PARTITIONED BY (`year` string, `month` string, `day` string)
ROW FORMAT DELIMITED
LINES TERMINATED BY '\n'
STORED AS TEXTFILE
LOCATION 's3://BUCKET_NAME/LAKE_PREFIX/sleep_periods/'
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
  'storage.location.template' = 's3://BUCKET_NAME/LAKE_PREFIX/sleep_periods/year=${year}/month=${month}/day=${day}/'
);

CREATE OR REPLACE VIEW oura.sleep AS
SELECT regexp_replace(line, ',$', '') AS record, year, month, day
FROM oura.sleep_lines
WHERE line LIKE '{%';

CREATE EXTERNAL TABLE IF NOT EXISTS oura.sleep_time_lines (
  line string
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

CREATE OR REPLACE VIEW oura.sleep_time AS
SELECT regexp_replace(line, ',$', '') AS record, year, month, day
FROM oura.sleep_time_lines
WHERE line LIKE '{%';

CREATE EXTERNAL TABLE IF NOT EXISTS oura.daily_spo2_lines (
  line string
)
PARTITIONED BY (`year` string, `month` string, `day` string)
ROW FORMAT DELIMITED
LINES TERMINATED BY '\n'
STORED AS TEXTFILE
LOCATION 's3://BUCKET_NAME/LAKE_PREFIX/spo2/'
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
  'storage.location.template' = 's3://BUCKET_NAME/LAKE_PREFIX/spo2/year=${year}/month=${month}/day=${day}/'
);

CREATE OR REPLACE VIEW oura.daily_spo2 AS
SELECT regexp_replace(line, ',$', '') AS record, year, month, day
FROM oura.daily_spo2_lines
WHERE line LIKE '{%';

CREATE EXTERNAL TABLE IF NOT EXISTS oura.daily_stress_lines (
  line string
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

CREATE OR REPLACE VIEW oura.daily_stress AS
SELECT regexp_replace(line, ',$', '') AS record, year, month, day
FROM oura.daily_stress_lines
WHERE line LIKE '{%';

CREATE EXTERNAL TABLE IF NOT EXISTS oura.daily_resilience_lines (
  line string
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

CREATE OR REPLACE VIEW oura.daily_resilience AS
SELECT regexp_replace(line, ',$', '') AS record, year, month, day
FROM oura.daily_resilience_lines
WHERE line LIKE '{%';

CREATE EXTERNAL TABLE IF NOT EXISTS oura.daily_cardiovascular_age_lines (
  line string
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

CREATE OR REPLACE VIEW oura.daily_cardiovascular_age AS
SELECT regexp_replace(line, ',$', '') AS record, year, month, day
FROM oura.daily_cardiovascular_age_lines
WHERE line LIKE '{%';

CREATE EXTERNAL TABLE IF NOT EXISTS oura.vo2_max_lines (
  line string
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

CREATE OR REPLACE VIEW oura.vo2_max AS
SELECT regexp_replace(line, ',$', '') AS record, year, month, day
FROM oura.vo2_max_lines
WHERE line LIKE '{%';

CREATE EXTERNAL TABLE IF NOT EXISTS oura.workout_lines (
  line string
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

CREATE OR REPLACE VIEW oura.workout AS
SELECT regexp_replace(line, ',$', '') AS record, year, month, day
FROM oura.workout_lines
WHERE line LIKE '{%';

CREATE EXTERNAL TABLE IF NOT EXISTS oura.session_lines (
  line string
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

CREATE OR REPLACE VIEW oura.session AS
SELECT regexp_replace(line, ',$', '') AS record, year, month, day
FROM oura.session_lines
WHERE line LIKE '{%';

CREATE EXTERNAL TABLE IF NOT EXISTS oura.tag_lines (
  line string
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

CREATE OR REPLACE VIEW oura.tag AS
SELECT regexp_replace(line, ',$', '') AS record, year, month, day
FROM oura.tag_lines
WHERE line LIKE '{%';

CREATE EXTERNAL TABLE IF NOT EXISTS oura.enhanced_tag_lines (
  line string
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

CREATE OR REPLACE VIEW oura.enhanced_tag AS
SELECT regexp_replace(line, ',$', '') AS record, year, month, day
FROM oura.enhanced_tag_lines
WHERE line LIKE '{%';

CREATE EXTERNAL TABLE IF NOT EXISTS oura.rest_mode_period_lines (
  line string
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

CREATE OR REPLACE VIEW oura.rest_mode_period AS
SELECT regexp_replace(line, ',$', '') AS record, year, month, day
FROM oura.rest_mode_period_lines
WHERE line LIKE '{%';

CREATE EXTERNAL TABLE IF NOT EXISTS oura.heartrate_lines (
  line string
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

CREATE OR REPLACE VIEW oura.heartrate AS
SELECT regexp_replace(line, ',$', '') AS record, year, month, day
FROM oura.heartrate_lines
WHERE line LIKE '{%';

CREATE EXTERNAL TABLE IF NOT EXISTS oura.ring_battery_level_lines (
  line string
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

CREATE OR REPLACE VIEW oura.ring_battery_level AS
SELECT regexp_replace(line, ',$', '') AS record, year, month, day
FROM oura.ring_battery_level_lines
WHERE line LIKE '{%';

CREATE EXTERNAL TABLE IF NOT EXISTS oura.ring_configuration_lines (
  line string
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

CREATE OR REPLACE VIEW oura.ring_configuration AS
SELECT regexp_replace(line, ',$', '') AS record, year, month, day
FROM oura.ring_configuration_lines
WHERE line LIKE '{%';

CREATE EXTERNAL TABLE IF NOT EXISTS oura.personal_info_lines (
  line string
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

CREATE OR REPLACE VIEW oura.personal_info AS
SELECT regexp_replace(line, ',$', '') AS record, year, month, day
FROM oura.personal_info_lines
WHERE line LIKE '{%';
