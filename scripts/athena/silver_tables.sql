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
-- `oura-sync athena` prints these statements ready to run for the configured lake (bucket,
-- prefix, layout and databases filled in); the README shows the loop that runs them with the
-- AWS CLI. By hand instead: replace BUCKET_NAME and SILVER_PREFIX (the path of OURA_SILVER_DESTINATION,
-- e.g. `silver/oura` for s3://my-lake/silver/oura), for example:
--   sed -e 's/BUCKET_NAME/my-lake/g' -e 's#SILVER_PREFIX#silver/oura#g' scripts/athena/silver_tables.sql
-- Athena runs one statement per query: paste them one by one.

CREATE DATABASE IF NOT EXISTS oura_silver;

CREATE EXTERNAL TABLE IF NOT EXISTS oura_silver.daily_activity (
  `id` string,
  `active_calories` bigint,
  `average_met_minutes` double,
  `class_5_min` string,
  `contributors` struct<`meet_daily_targets`:bigint,`move_every_hour`:bigint,`recovery_time`:bigint,`stay_active`:bigint,`training_frequency`:bigint,`training_volume`:bigint>,
  `day` date,
  `equivalent_walking_distance` bigint,
  `high_activity_met_minutes` bigint,
  `high_activity_time` bigint,
  `inactivity_alerts` bigint,
  `low_activity_met_minutes` bigint,
  `low_activity_time` bigint,
  `medium_activity_met_minutes` bigint,
  `medium_activity_time` bigint,
  `met` struct<`interval`:double,`items`:array<double>,`timestamp`:timestamp,`timestamp_offset_minutes`:int>,
  `meters_to_target` bigint,
  `non_wear_time` bigint,
  `resting_time` bigint,
  `score` bigint,
  `sedentary_met_minutes` bigint,
  `sedentary_time` bigint,
  `steps` bigint,
  `target_calories` bigint,
  `target_meters` bigint,
  `timestamp` timestamp,
  `timestamp_offset_minutes` int,
  `total_calories` bigint,
  `_extra` string,
  `_absent` array<string>,
  `_bronze_sha256` string
)
PARTITIONED BY (`year` string, `month` string)
STORED AS PARQUET
LOCATION 's3://BUCKET_NAME/SILVER_PREFIX/daily_activity/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2013,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/SILVER_PREFIX/daily_activity/year=${year}/month=${month}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS oura_silver.daily_readiness (
  `id` string,
  `contributors` struct<`activity_balance`:bigint,`body_temperature`:bigint,`hrv_balance`:bigint,`previous_day_activity`:bigint,`previous_night`:bigint,`recovery_index`:bigint,`resting_heart_rate`:bigint,`sleep_balance`:bigint,`sleep_regularity`:bigint>,
  `day` date,
  `score` bigint,
  `temperature_deviation` double,
  `temperature_trend_deviation` double,
  `timestamp` timestamp,
  `timestamp_offset_minutes` int,
  `_extra` string,
  `_absent` array<string>,
  `_bronze_sha256` string
)
PARTITIONED BY (`year` string, `month` string)
STORED AS PARQUET
LOCATION 's3://BUCKET_NAME/SILVER_PREFIX/daily_readiness/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2013,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/SILVER_PREFIX/daily_readiness/year=${year}/month=${month}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS oura_silver.daily_sleep (
  `id` string,
  `contributors` struct<`deep_sleep`:bigint,`efficiency`:bigint,`latency`:bigint,`rem_sleep`:bigint,`restfulness`:bigint,`timing`:bigint,`total_sleep`:bigint>,
  `day` date,
  `score` bigint,
  `timestamp` timestamp,
  `timestamp_offset_minutes` int,
  `_extra` string,
  `_absent` array<string>,
  `_bronze_sha256` string
)
PARTITIONED BY (`year` string, `month` string)
STORED AS PARQUET
LOCATION 's3://BUCKET_NAME/SILVER_PREFIX/daily_sleep/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2013,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/SILVER_PREFIX/daily_sleep/year=${year}/month=${month}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS oura_silver.sleep (
  `id` string,
  `average_breath` double,
  `average_heart_rate` double,
  `average_hrv` bigint,
  `awake_time` bigint,
  `bedtime_end` timestamp,
  `bedtime_end_offset_minutes` int,
  `bedtime_start` timestamp,
  `bedtime_start_offset_minutes` int,
  `day` date,
  `deep_sleep_duration` bigint,
  `efficiency` bigint,
  `heart_rate` struct<`interval`:double,`items`:array<double>,`timestamp`:timestamp,`timestamp_offset_minutes`:int>,
  `hrv` struct<`interval`:double,`items`:array<double>,`timestamp`:timestamp,`timestamp_offset_minutes`:int>,
  `latency` bigint,
  `light_sleep_duration` bigint,
  `low_battery_alert` boolean,
  `lowest_heart_rate` bigint,
  `movement_30_sec` string,
  `period` bigint,
  `readiness` struct<`contributors`:struct<`activity_balance`:bigint,`body_temperature`:bigint,`hrv_balance`:bigint,`previous_day_activity`:bigint,`previous_night`:bigint,`recovery_index`:bigint,`resting_heart_rate`:bigint,`sleep_balance`:bigint,`sleep_regularity`:bigint>,`score`:bigint,`temperature_deviation`:double,`temperature_trend_deviation`:double>,
  `readiness_score_delta` bigint,
  `rem_sleep_duration` bigint,
  `restless_periods` bigint,
  `sleep_algorithm_version` string,
  `sleep_analysis_reason` string,
  `sleep_phase_30_sec` string,
  `sleep_phase_5_min` string,
  `sleep_score_delta` bigint,
  `time_in_bed` bigint,
  `total_sleep_duration` bigint,
  `type` string,
  `ring_id` string,
  `app_sleep_phase_5_min` string,
  `_extra` string,
  `_absent` array<string>,
  `_bronze_sha256` string
)
PARTITIONED BY (`year` string, `month` string)
STORED AS PARQUET
LOCATION 's3://BUCKET_NAME/SILVER_PREFIX/sleep/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2013,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/SILVER_PREFIX/sleep/year=${year}/month=${month}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS oura_silver.sleep_time (
  `id` string,
  `day` date,
  `optimal_bedtime` struct<`day_tz`:bigint,`end_offset`:bigint,`start_offset`:bigint>,
  `recommendation` string,
  `status` string,
  `_extra` string,
  `_absent` array<string>,
  `_bronze_sha256` string
)
PARTITIONED BY (`year` string, `month` string)
STORED AS PARQUET
LOCATION 's3://BUCKET_NAME/SILVER_PREFIX/sleep_time/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2013,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/SILVER_PREFIX/sleep_time/year=${year}/month=${month}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS oura_silver.daily_spo2 (
  `id` string,
  `breathing_disturbance_index` bigint,
  `day` date,
  `spo2_percentage` struct<`average`:double>,
  `_extra` string,
  `_absent` array<string>,
  `_bronze_sha256` string
)
PARTITIONED BY (`year` string, `month` string)
STORED AS PARQUET
LOCATION 's3://BUCKET_NAME/SILVER_PREFIX/daily_spo2/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2013,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/SILVER_PREFIX/daily_spo2/year=${year}/month=${month}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS oura_silver.daily_stress (
  `id` string,
  `day` date,
  `day_summary` string,
  `recovery_high` bigint,
  `stress_high` bigint,
  `_extra` string,
  `_absent` array<string>,
  `_bronze_sha256` string
)
PARTITIONED BY (`year` string, `month` string)
STORED AS PARQUET
LOCATION 's3://BUCKET_NAME/SILVER_PREFIX/daily_stress/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2013,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/SILVER_PREFIX/daily_stress/year=${year}/month=${month}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS oura_silver.daily_resilience (
  `id` string,
  `day` date,
  `contributors` struct<`sleep_recovery`:double,`daytime_recovery`:double,`stress`:double>,
  `level` string,
  `_extra` string,
  `_absent` array<string>,
  `_bronze_sha256` string
)
PARTITIONED BY (`year` string, `month` string)
STORED AS PARQUET
LOCATION 's3://BUCKET_NAME/SILVER_PREFIX/daily_resilience/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2013,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/SILVER_PREFIX/daily_resilience/year=${year}/month=${month}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS oura_silver.daily_cardiovascular_age (
  `id` string,
  `day` date,
  `pulse_wave_velocity` double,
  `vascular_age` bigint,
  `_extra` string,
  `_absent` array<string>,
  `_bronze_sha256` string
)
PARTITIONED BY (`year` string, `month` string)
STORED AS PARQUET
LOCATION 's3://BUCKET_NAME/SILVER_PREFIX/daily_cardiovascular_age/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2013,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/SILVER_PREFIX/daily_cardiovascular_age/year=${year}/month=${month}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS oura_silver.vo2_max (
  `id` string,
  `day` date,
  `timestamp` timestamp,
  `timestamp_offset_minutes` int,
  `vo2_max` bigint,
  `_extra` string,
  `_absent` array<string>,
  `_bronze_sha256` string
)
PARTITIONED BY (`year` string, `month` string)
STORED AS PARQUET
LOCATION 's3://BUCKET_NAME/SILVER_PREFIX/vo2_max/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2013,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/SILVER_PREFIX/vo2_max/year=${year}/month=${month}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS oura_silver.workout (
  `id` string,
  `activity` string,
  `calories` double,
  `day` date,
  `distance` double,
  `end_datetime` timestamp,
  `end_datetime_offset_minutes` int,
  `intensity` string,
  `label` string,
  `source` string,
  `start_datetime` timestamp,
  `start_datetime_offset_minutes` int,
  `_extra` string,
  `_absent` array<string>,
  `_bronze_sha256` string
)
PARTITIONED BY (`year` string, `month` string)
STORED AS PARQUET
LOCATION 's3://BUCKET_NAME/SILVER_PREFIX/workout/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2013,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/SILVER_PREFIX/workout/year=${year}/month=${month}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS oura_silver.session (
  `id` string,
  `day` date,
  `end_datetime` timestamp,
  `end_datetime_offset_minutes` int,
  `heart_rate` struct<`interval`:double,`items`:array<double>,`timestamp`:timestamp,`timestamp_offset_minutes`:int>,
  `heart_rate_variability` struct<`interval`:double,`items`:array<double>,`timestamp`:timestamp,`timestamp_offset_minutes`:int>,
  `mood` string,
  `motion_count` struct<`interval`:double,`items`:array<double>,`timestamp`:timestamp,`timestamp_offset_minutes`:int>,
  `start_datetime` timestamp,
  `start_datetime_offset_minutes` int,
  `type` string,
  `_extra` string,
  `_absent` array<string>,
  `_bronze_sha256` string
)
PARTITIONED BY (`year` string, `month` string)
STORED AS PARQUET
LOCATION 's3://BUCKET_NAME/SILVER_PREFIX/session/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2013,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/SILVER_PREFIX/session/year=${year}/month=${month}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS oura_silver.tag (
  `id` string,
  `day` date,
  `text` string,
  `timestamp` timestamp,
  `timestamp_offset_minutes` int,
  `tags` array<string>,
  `_extra` string,
  `_absent` array<string>,
  `_bronze_sha256` string
)
PARTITIONED BY (`year` string, `month` string)
STORED AS PARQUET
LOCATION 's3://BUCKET_NAME/SILVER_PREFIX/tag/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2013,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/SILVER_PREFIX/tag/year=${year}/month=${month}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS oura_silver.enhanced_tag (
  `id` string,
  `tag_type_code` string,
  `start_time` timestamp,
  `start_time_offset_minutes` int,
  `end_time` timestamp,
  `end_time_offset_minutes` int,
  `start_day` date,
  `end_day` date,
  `comment` string,
  `custom_name` string,
  `day` date,
  `_extra` string,
  `_absent` array<string>,
  `_bronze_sha256` string
)
PARTITIONED BY (`year` string, `month` string)
STORED AS PARQUET
LOCATION 's3://BUCKET_NAME/SILVER_PREFIX/enhanced_tag/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2013,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/SILVER_PREFIX/enhanced_tag/year=${year}/month=${month}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS oura_silver.rest_mode_period (
  `id` string,
  `end_day` date,
  `end_time` timestamp,
  `end_time_offset_minutes` int,
  `episodes` array<struct<`tags`:array<string>,`timestamp`:timestamp,`timestamp_offset_minutes`:int>>,
  `start_day` date,
  `start_time` timestamp,
  `start_time_offset_minutes` int,
  `day` date,
  `_extra` string,
  `_absent` array<string>,
  `_bronze_sha256` string
)
PARTITIONED BY (`year` string, `month` string)
STORED AS PARQUET
LOCATION 's3://BUCKET_NAME/SILVER_PREFIX/rest_mode_period/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2013,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/SILVER_PREFIX/rest_mode_period/year=${year}/month=${month}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS oura_silver.heartrate (
  `timestamp` timestamp,
  `timestamp_offset_minutes` int,
  `timestamp_unix` bigint,
  `bpm` bigint,
  `source` string,
  `day` date,
  `_extra` string,
  `_absent` array<string>,
  `_bronze_sha256` string
)
PARTITIONED BY (`year` string, `month` string)
STORED AS PARQUET
LOCATION 's3://BUCKET_NAME/SILVER_PREFIX/heartrate/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2013,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/SILVER_PREFIX/heartrate/year=${year}/month=${month}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS oura_silver.ring_battery_level (
  `timestamp` timestamp,
  `timestamp_offset_minutes` int,
  `timestamp_unix` bigint,
  `charging` boolean,
  `in_charger` boolean,
  `level` bigint,
  `day` date,
  `_extra` string,
  `_absent` array<string>,
  `_bronze_sha256` string
)
PARTITIONED BY (`year` string, `month` string)
STORED AS PARQUET
LOCATION 's3://BUCKET_NAME/SILVER_PREFIX/ring_battery_level/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2013,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/SILVER_PREFIX/ring_battery_level/year=${year}/month=${month}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS oura_silver.ring_configuration (
  `id` string,
  `color` string,
  `design` string,
  `firmware_version` string,
  `hardware_type` string,
  `set_up_at` timestamp,
  `set_up_at_offset_minutes` int,
  `size` bigint,
  `day` date,
  `_extra` string,
  `_absent` array<string>,
  `_bronze_sha256` string
)
PARTITIONED BY (`year` string, `month` string)
STORED AS PARQUET
LOCATION 's3://BUCKET_NAME/SILVER_PREFIX/ring_configuration/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2013,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/SILVER_PREFIX/ring_configuration/year=${year}/month=${month}/'
);

CREATE EXTERNAL TABLE IF NOT EXISTS oura_silver.personal_info (
  `id` string,
  `age` bigint,
  `weight` double,
  `height` double,
  `biological_sex` string,
  `email` string,
  `day` date,
  `_extra` string,
  `_absent` array<string>,
  `_bronze_sha256` string
)
PARTITIONED BY (`year` string, `month` string)
STORED AS PARQUET
LOCATION 's3://BUCKET_NAME/SILVER_PREFIX/personal_info/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2013,2035',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://BUCKET_NAME/SILVER_PREFIX/personal_info/year=${year}/month=${month}/'
);
