-- The household file (建档立卡), its members and monthly incomes, the lines
-- and identification parameters per region. Keep in step with
-- ../../postgres/2026-11-25-000001_households/up.sql.

-- 低保标准 / 低收入家庭标准 per region (GB/T 2260 code) from a month on; the
-- line in force in month m is the latest row with effective_month <= m, of
-- the region or, when it has none, of its nearest ancestor.
CREATE TABLE poverty_lines (
    division_code       TEXT NOT NULL,
    effective_month     TEXT NOT NULL,          -- 'YYYY-MM'
    dibao_line_fen      BIGINT NOT NULL CHECK (dibao_line_fen > 0),
    low_income_line_fen BIGINT CHECK (low_income_line_fen IS NULL OR low_income_line_fen > 0),
    updated_by          BIGINT,
    updated_at          TIMESTAMP NOT NULL,
    PRIMARY KEY (division_code, effective_month)
);

-- Identification parameters per region; a region without a row inherits its
-- nearest ancestor's, and the whole country the built-in defaults.
CREATE TABLE identification_params (
    division_code   TEXT PRIMARY KEY,
    window_months   INTEGER NOT NULL CHECK (window_months BETWEEN 1 AND 36),
    multiple_k      INTEGER NOT NULL CHECK (multiple_k BETWEEN 1 AND 20),
    baseline_cutoff DATE NOT NULL,
    updated_by      BIGINT,
    updated_at      TIMESTAMP NOT NULL
);

-- Sequences behind file numbers: one per region and year.
CREATE TABLE file_no_counters (
    prefix TEXT PRIMARY KEY,
    last   BIGINT NOT NULL
);

CREATE TABLE households (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    union_id            BIGINT NOT NULL REFERENCES unions(id),
    -- the filing union's path, copied so scope filters need no join
    union_path          TEXT NOT NULL,
    file_no             TEXT NOT NULL UNIQUE,
    status              TEXT NOT NULL,
    worker_name         TEXT NOT NULL,
    worker_id_number    TEXT NOT NULL,
    worker_sex          TEXT NOT NULL,
    worker_birth_date   DATE,
    phone               TEXT NOT NULL,
    address             TEXT NOT NULL,
    division_code       TEXT NOT NULL,
    employer            TEXT NOT NULL,
    employer_kind       TEXT NOT NULL,
    employment          TEXT NOT NULL,
    labour_capacity     TEXT NOT NULL,
    health              TEXT NOT NULL,
    disability_grade    INTEGER,
    migrant             BOOLEAN NOT NULL,
    zero_employment     BOOLEAN NOT NULL,
    closure_laid_off    BOOLEAN NOT NULL,
    trade_friction      BOOLEAN NOT NULL,
    -- hardship cause codes between commas: ',illness,schooling,'
    causes              TEXT NOT NULL,
    category            TEXT NOT NULL,
    tier                TEXT NOT NULL,
    cohort              TEXT NOT NULL,
    filed_on            DATE NOT NULL,
    dibao_since         TEXT,                   -- 'YYYY-MM' or NULL: not on 低保
    other_relief_since  TEXT,
    notes               TEXT NOT NULL,
    size                INTEGER NOT NULL,       -- worker + members
    -- the latest identification: 'eligible', 'not_eligible', 'insufficient'
    decision            TEXT NOT NULL,
    decision_condition  INTEGER,
    decided_at          TIMESTAMP,
    version             BIGINT NOT NULL,
    created_by          BIGINT,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
CREATE INDEX households_scope ON households(union_path, id);
CREATE INDEX households_scope_filed ON households(union_path, filed_on);
CREATE INDEX households_worker_id ON households(worker_id_number);
CREATE INDEX households_name ON households(worker_name);
CREATE INDEX households_union ON households(union_id);

CREATE TABLE members (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    household_id     BIGINT NOT NULL REFERENCES households(id),
    name             TEXT NOT NULL,
    id_number        TEXT,
    sex              TEXT,
    birth_date       DATE,
    relation         TEXT NOT NULL,
    health           TEXT NOT NULL,
    disability_grade INTEGER,
    schooling        TEXT NOT NULL,
    employment       TEXT NOT NULL,
    income_fen       BIGINT NOT NULL CHECK (income_fen >= 0)
);
CREATE INDEX members_household ON members(household_id);
CREATE INDEX members_id_number ON members(id_number);

-- One month's household income and rigid (non-living) expenditure.
CREATE TABLE incomes (
    household_id  BIGINT NOT NULL REFERENCES households(id),
    month         TEXT NOT NULL,                -- 'YYYY-MM'
    wages_fen     BIGINT NOT NULL CHECK (wages_fen >= 0),
    business_fen  BIGINT NOT NULL CHECK (business_fen >= 0),
    property_fen  BIGINT NOT NULL CHECK (property_fen >= 0),
    transfer_fen  BIGINT NOT NULL CHECK (transfer_fen >= 0),
    medical_fen   BIGINT NOT NULL CHECK (medical_fen >= 0),
    schooling_fen BIGINT NOT NULL CHECK (schooling_fen >= 0),
    emergency_fen BIGINT NOT NULL CHECK (emergency_fen >= 0),
    PRIMARY KEY (household_id, month)
);

-- Everyone (worker or member) in a household that is not closed: a person
-- is in at most one open household across the whole tree, and the database
-- itself refuses a second, whichever process races to write it.
CREATE TABLE open_persons (
    id_number    TEXT PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES households(id)
);
CREATE INDEX open_persons_household ON open_persons(household_id);
