-- Merging two files found to be one household, and moving a household to
-- another union (docs/rules.md §2.3). Keep in step with
-- ../../postgres/2026-12-11-000004_merges_transfers/up.sql.

-- A merge: merged_id was closed into survivor_id. Both files keep their
-- histories; this row is the link between them. A file is merged once.
CREATE TABLE household_merges (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    survivor_id   BIGINT NOT NULL REFERENCES households(id),
    merged_id     BIGINT NOT NULL UNIQUE REFERENCES households(id),
    reason        TEXT NOT NULL,
    created_by    BIGINT REFERENCES users(id),
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX household_merges_survivor ON household_merges(survivor_id);

-- A transfer: the sending union (from_*) asks, the receiving union (to_*)
-- accepts or declines; status 'pending', 'accepted', 'declined', 'withdrawn'.
-- At most one pending transfer per household.
CREATE TABLE household_transfers (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    household_id   BIGINT NOT NULL REFERENCES households(id),
    from_union_id  BIGINT NOT NULL REFERENCES unions(id),
    from_path      TEXT NOT NULL,
    to_union_id    BIGINT NOT NULL REFERENCES unions(id),
    to_path        TEXT NOT NULL,
    reason         TEXT NOT NULL,
    status         TEXT NOT NULL,
    answer         TEXT,
    version        BIGINT NOT NULL,
    created_by     BIGINT REFERENCES users(id),
    created_at     TIMESTAMP NOT NULL,
    answered_by    BIGINT REFERENCES users(id),
    answered_at    TIMESTAMP
);
CREATE INDEX household_transfers_from ON household_transfers(from_path, status);
CREATE INDEX household_transfers_to ON household_transfers(to_path, status);
CREATE INDEX household_transfers_household ON household_transfers(household_id);
CREATE UNIQUE INDEX household_transfers_one_pending ON household_transfers(household_id) WHERE status = 'pending';
