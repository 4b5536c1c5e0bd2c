-- 部门核对 (cross-department verification) and its warnings. Keep in step
-- with ../../postgres/2026-12-09-000001_verification/up.sql.

-- The matching keys: departments send HMAC-SHA256(key, ID number) instead
-- of the number. The newest unretired key is current; old keys are kept so
-- old batches can still be read.
CREATE TABLE verification_keys (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    key_hex     TEXT NOT NULL,
    created_by  BIGINT,
    created_at  TIMESTAMP NOT NULL,
    retired_at  TIMESTAMP
);

-- A dataset received from a department: counts only. Rows that matched
-- nobody are never stored, and no ID number of a batch is kept.
CREATE TABLE verification_batches (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    dataset        TEXT NOT NULL,
    source         TEXT NOT NULL,
    as_of          DATE NOT NULL,
    union_id       BIGINT NOT NULL REFERENCES unions(id),
    union_path     TEXT NOT NULL,
    key_id         BIGINT REFERENCES verification_keys(id),
    file_name      TEXT,
    row_count      BIGINT NOT NULL,
    hashed_rows    BIGINT NOT NULL,
    duplicate_rows BIGINT NOT NULL,
    matched_people BIGINT NOT NULL,
    finding_count  BIGINT NOT NULL,
    created_by     BIGINT NOT NULL REFERENCES users(id),
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX verification_batches_scope ON verification_batches(union_path, id);
CREATE INDEX verification_batches_creator ON verification_batches(created_by, id);

-- A matched row that disagrees with the file: a finding on the household,
-- open until the responsible person confirms it with an action or
-- dismisses it with a reason.
CREATE TABLE verification_findings (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id      BIGINT NOT NULL REFERENCES verification_batches(id),
    dataset       TEXT NOT NULL,
    household_id  BIGINT NOT NULL REFERENCES households(id),
    union_id      BIGINT NOT NULL REFERENCES unions(id),
    union_path    TEXT NOT NULL,
    -- NULL: the worker; else the member.
    member_id     BIGINT,
    person_name   TEXT NOT NULL,
    concern       TEXT NOT NULL,
    facts         TEXT NOT NULL,
    dataset_says  TEXT NOT NULL,
    file_says     TEXT NOT NULL,
    as_of         DATE NOT NULL,
    -- 'open', 'confirmed', 'dismissed'
    status        TEXT NOT NULL,
    action        TEXT,
    note          TEXT NOT NULL DEFAULT '',
    -- What the action produced: 'exit' + id, 'household' + version, 'income' + month …
    linked_kind   TEXT,
    linked_ref    TEXT,
    resolved_by   BIGINT,
    resolved_at   TIMESTAMP,
    version       BIGINT NOT NULL,
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX verification_findings_scope ON verification_findings(union_path, status);
CREATE INDEX verification_findings_household ON verification_findings(household_id, status);
CREATE INDEX verification_findings_batch ON verification_findings(batch_id);

-- Asset thresholds by region (GB/T 2260 code; '' nationwide), inherited
-- like the lines: the longest prefix of a household's division wins.
CREATE TABLE verification_thresholds (
    division_code          TEXT PRIMARY KEY,
    vehicle_value_fen      BIGINT NOT NULL CHECK (vehicle_value_fen >= 0),
    properties             BIGINT NOT NULL CHECK (properties >= 0),
    floor_area_per_person  BIGINT NOT NULL CHECK (floor_area_per_person >= 0),
    updated_by             BIGINT,
    updated_at             TIMESTAMP NOT NULL
);
