-- 临时救助档案: a worker helped once after a sudden event without a full
-- file (docs/rules.md §2.2). Keep in step with
-- ../../postgres/2026-12-11-000003_temporary_files/up.sql.
--
-- status is what was stored ('open', 'converted', 'closed'); an open file
-- whose closes_on has passed reads as closed (bangfu_domain::temporary::
-- state_on), so nothing has to run to close it. Rows are never deleted.
CREATE TABLE temporary_files (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    union_id           BIGINT NOT NULL REFERENCES unions(id),
    union_path         TEXT NOT NULL,
    worker_name        TEXT NOT NULL,
    worker_id_number   TEXT NOT NULL,
    phone              TEXT NOT NULL,
    address            TEXT NOT NULL,
    employer           TEXT NOT NULL,
    -- a code of bangfu_domain::household::HardshipCause
    cause              TEXT NOT NULL,
    event              TEXT NOT NULL,
    event_on           DATE NOT NULL,
    given_on           DATE NOT NULL,
    cash_fen           BIGINT NOT NULL CHECK (cash_fen >= 0),
    -- the fund source the cash was paid from (NULL when no cash)
    source             TEXT,
    transfer_id        BIGINT REFERENCES fund_transfers(id),
    goods              TEXT NOT NULL,
    goods_value_fen    BIGINT NOT NULL CHECK (goods_value_fen >= 0),
    persons            INTEGER NOT NULL CHECK (persons > 0),
    status             TEXT NOT NULL,
    closes_on          DATE NOT NULL,
    household_id       BIGINT REFERENCES households(id),
    closed_reason      TEXT,
    closed_on          DATE,
    version            BIGINT NOT NULL,
    created_by         BIGINT REFERENCES users(id),
    created_at         TIMESTAMP NOT NULL,
    updated_by         BIGINT REFERENCES users(id),
    updated_at         TIMESTAMP NOT NULL
);
CREATE INDEX temporary_files_scope ON temporary_files(union_path, status);
CREATE INDEX temporary_files_person ON temporary_files(worker_id_number, status);
-- The household page finds the file it was converted from.
CREATE INDEX temporary_files_household ON temporary_files(household_id);
