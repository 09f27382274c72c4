-- Two example queries over the tables of tables.sql. Each filters on the partition columns,
-- so Athena reads only those days' objects.

-- 1. Sleep and readiness scores side by side, day by day, for February 2026.
SELECT
  json_extract_scalar(s.record, '$.day')                    AS day,
  CAST(json_extract_scalar(s.record, '$.score') AS integer) AS sleep_score,
  CAST(json_extract_scalar(r.record, '$.score') AS integer) AS readiness_score
FROM oura.daily_sleep AS s
LEFT JOIN oura.daily_readiness AS r
  ON r.year = s.year AND r.month = s.month AND r.day = s.day
WHERE s.year = '2026' AND s.month = '02'
ORDER BY 1;

-- 2. Resting heart rate per day in the first quarter of 2026, from the 5-minute samples:
--    the number of samples, the lowest and the average beats per minute.
SELECT
  s.year || '-' || s.month || '-' || s.day                             AS day,
  count(*)                                                             AS samples,
  min(CAST(json_extract_scalar(s.record, '$.bpm') AS integer))         AS min_bpm,
  round(avg(CAST(json_extract_scalar(s.record, '$.bpm') AS double)), 1) AS avg_bpm
FROM oura.heartrate AS s
WHERE s.year = '2026'
  AND s.month IN ('01', '02', '03')
  AND json_extract_scalar(s.record, '$.source') = 'rest'
GROUP BY 1
ORDER BY 1;
