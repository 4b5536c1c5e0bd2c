-- Each file's worker name cut into its characters and its pairs of
-- neighbouring characters (ASCII letters lower-cased), so a search for part
-- of a name reads the files holding the searched pairs instead of every file
-- in scope. Chinese names are two to four characters long: a trigram index
-- (FTS5's trigram tokenizer, pg_trgm) matches nothing shorter than three.
-- Kept by storage's households::set_name_grams whenever a name is written.
-- Keep in step with ../../postgres/2026-12-15-000001_name_grams/up.sql.
CREATE TABLE name_grams (
    gram         TEXT NOT NULL,
    household_id BIGINT NOT NULL REFERENCES households(id),
    PRIMARY KEY (gram, household_id)
) WITHOUT ROWID;
CREATE INDEX name_grams_household ON name_grams(household_id);

-- The names already on file.
INSERT OR IGNORE INTO name_grams (gram, household_id)
WITH RECURSIVE pos(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM pos WHERE n < 64)
SELECT substr(lower(h.worker_name), pos.n, 1), h.id
FROM households h JOIN pos ON pos.n <= length(h.worker_name)
UNION
SELECT substr(lower(h.worker_name), pos.n, 2), h.id
FROM households h JOIN pos ON pos.n < length(h.worker_name);

-- Statistics now, so the planner does not meet a big table it knows
-- nothing of (on PostgreSQL it chose parallel plans for a few rows).
ANALYZE name_grams;
