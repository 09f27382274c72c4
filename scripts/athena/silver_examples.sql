-- Example queries over the silver tables of silver_tables.sql (database oura_silver). Each
-- filters on the partition columns year/month, so Athena reads only those month files.

-- 1. Readiness against the previous night's sleep, day by day, for February 2026: the sleep
--    that ended on the morning of `day` (Oura files a sleep under its wake-up day).
SELECT
  r.day,
  r.score                                        AS readiness_score,
  s.total_sleep_duration / 3600.0                AS hours_slept,
  s.average_hrv,
  s.lowest_heart_rate,
  -- the local bedtime, from the UTC timestamp and the offset Oura gave it
  s.bedtime_start + s.bedtime_start_offset_minutes * INTERVAL '1' MINUTE AS local_bedtime
FROM oura_silver.daily_readiness AS r
LEFT JOIN oura_silver.sleep AS s
  ON s.day = r.day AND s.type = 'long_sleep' AND s.year = r.year AND s.month = r.month
WHERE r.year = '2026' AND r.month = '02'
ORDER BY r.day;

-- 2. HRV trend: the weekly average of the nightly average HRV over 2026, with a 4-week
--    moving average.
SELECT
  week,
  avg_hrv,
  avg(avg_hrv) OVER (ORDER BY week ROWS BETWEEN 3 PRECEDING AND CURRENT ROW) AS avg_hrv_4_weeks
FROM (
  SELECT date_trunc('week', day) AS week, avg(average_hrv) AS avg_hrv
  FROM oura_silver.sleep
  WHERE year = '2026' AND type = 'long_sleep'
  GROUP BY 1
)
ORDER BY week;

-- 3. Workouts per week in 2026: how many, minutes and calories, by activity.
SELECT
  date_trunc('week', day)                                         AS week,
  activity,
  count(*)                                                        AS workouts,
  round(sum(date_diff('second', start_datetime, end_datetime)) / 60.0) AS minutes,
  round(sum(calories))                                            AS calories
FROM oura_silver.workout
WHERE year = '2026'
GROUP BY 1, 2
ORDER BY 1, 2;

-- 4. Heart rate per day from the samples (one row per sample): lowest and highest.
SELECT day, min(bpm) AS min_bpm, max(bpm) AS max_bpm, count(*) AS samples
FROM oura_silver.heartrate
WHERE year = '2026' AND month IN ('01', '02', '03')
GROUP BY day
ORDER BY day;

-- 5. A field Oura added after these schemas were written is in _extra until the schema
--    learns it; read it with json_extract.
SELECT day, json_extract_scalar(_extra, '$.some_new_field') AS some_new_field
FROM oura_silver.daily_activity
WHERE year = '2026' AND _extra IS NOT NULL;
