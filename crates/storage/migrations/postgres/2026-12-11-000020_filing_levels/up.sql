-- Five filing levels (建档标准, docs/rules.md §2) and reporting up (上报) /
-- return (退回). Keep in step with ../../sqlite/2026-12-11-000020_filing_levels/up.sql.
--
-- 地方级 ('local') becomes one of the four local levels: the level of the
-- filing union (households.union_id), capped below national (a national
-- union's local file is 省级); an industry union (产业工会) takes the level of
-- the nearest union above it that is not one. The same rule as
-- Tier::local_of in crates/domain/src/filing.rs. Every table holding a tier
-- changes the same way: households.tier, the history file_spans.tier (by
-- the household's filing union, so a file's spans keep one tier), and the
-- tier inside pending applications' data_json. 全国级 stays as it is, so the
-- national / local split of every past date is unchanged.
CREATE TEMPORARY TABLE local_tiers AS
SELECT u.id AS union_id,
       COALESCE((
           SELECT CASE a.level
                      WHEN 'city' THEN 'city'
                      WHEN 'county' THEN 'county'
                      WHEN 'grassroots' THEN 'grassroots'
                      ELSE 'province'
                  END
           FROM unions a
           WHERE substr(u.path, 1, length(a.path)) = a.path
             AND a.level <> 'industry'
           ORDER BY length(a.path) DESC
           LIMIT 1
       ), 'province') AS tier
FROM unions u;

UPDATE households
SET tier = COALESCE((SELECT t.tier FROM local_tiers t WHERE t.union_id = households.union_id), 'province')
WHERE tier = 'local';

UPDATE file_spans
SET tier = COALESCE((
    SELECT t.tier
    FROM households h
    JOIN local_tiers t ON t.union_id = h.union_id
    WHERE h.id = file_spans.household_id
), 'province')
WHERE tier = 'local';

UPDATE applications
SET data_json = REPLACE(data_json, '"tier":"local"', '"tier":"' || COALESCE((
    SELECT t.tier FROM local_tiers t WHERE t.union_id = applications.union_id
), 'province') || '"')
WHERE data_json LIKE '%"tier":"local"%';

DROP TABLE local_tiers;
