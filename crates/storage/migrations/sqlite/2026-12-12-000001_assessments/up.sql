-- 考核评价 (assessment, docs/rules.md §8.3). Keep in step with
-- ../../postgres/2026-12-12-000001_assessments/up.sql.

-- A scheme: a union assesses the unions of one level beneath it for a year.
CREATE TABLE assessment_schemes (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    union_id     BIGINT NOT NULL REFERENCES unions(id),
    union_path   TEXT NOT NULL,
    -- The level of the unions assessed: 'province', 'city', 'county', 'grassroots'.
    level        TEXT NOT NULL,
    year         INTEGER NOT NULL,
    title        TEXT NOT NULL,
    created_by   BIGINT REFERENCES users(id),
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    -- When the computed items were last counted, and the day they count to.
    scored_at    TIMESTAMP,
    scored_as_of DATE,
    version      BIGINT NOT NULL,
    UNIQUE (union_id, level, year)
);
CREATE INDEX assessment_schemes_scope ON assessment_schemes(union_path, year);

-- Its items in order; weights (whole points) add up to 100.
CREATE TABLE assessment_items (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    scheme_id  BIGINT NOT NULL REFERENCES assessment_schemes(id),
    position   INTEGER NOT NULL,
    area       TEXT NOT NULL,
    name       TEXT NOT NULL,
    weight     INTEGER NOT NULL,
    -- A computed source ('plan_share', …) or 'manual' / 'third_party'.
    source     TEXT NOT NULL
);
CREATE INDEX assessment_items_scheme ON assessment_items(scheme_id, position);

-- A score entered by hand for one union on one item, with its evidence.
CREATE TABLE assessment_entries (
    item_id        BIGINT NOT NULL REFERENCES assessment_items(id),
    union_id       BIGINT NOT NULL REFERENCES unions(id),
    scheme_id      BIGINT NOT NULL REFERENCES assessment_schemes(id),
    -- Hundredths of a point.
    points         BIGINT NOT NULL,
    note           TEXT NOT NULL,
    document_name  TEXT,
    document_type  TEXT,
    document_size  BIGINT,
    document       BLOB,
    entered_by     BIGINT NOT NULL REFERENCES users(id),
    entered_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (item_id, union_id)
);
CREATE INDEX assessment_entries_scheme ON assessment_entries(scheme_id, union_id);

-- A computed item's count for one union at the scheme's last scoring.
CREATE TABLE assessment_scores (
    item_id      BIGINT NOT NULL REFERENCES assessment_items(id),
    union_id     BIGINT NOT NULL REFERENCES unions(id),
    scheme_id    BIGINT NOT NULL REFERENCES assessment_schemes(id),
    numerator    BIGINT NOT NULL,
    denominator  BIGINT NOT NULL,
    -- Hundredths of a point.
    points       BIGINT NOT NULL,
    PRIMARY KEY (item_id, union_id)
);
CREATE INDEX assessment_scores_scheme ON assessment_scores(scheme_id, union_id);

-- Measures due in a subtree in a period (帮扶措施按期落实率).
CREATE INDEX measures_scope ON measures(union_path, due_on);
