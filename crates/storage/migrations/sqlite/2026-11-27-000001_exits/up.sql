-- Leaving the file and coming back (docs/rules.md §5, §8, §9; issue 5): the
-- decisions (exit, relief, removal, revocation) and their steps, the spans a
-- file was on file (so a panel as of a past date never changes), yearly
-- targets, the monthly run and the to-do items it leaves. Keep in step with
-- ../../postgres/2026-11-27-000001_exits/up.sql.

-- Why and when a file left, its follow-up, and the file it reopens.
ALTER TABLE households ADD COLUMN left_on DATE;
-- Exited households are followed until this date (exit + follow-up months).
ALTER TABLE households ADD COLUMN follow_until DATE;
-- Set by the monthly run (and on each income save): the suggested pathway
-- when the exit standard is met, for the ready-to-exit list.
ALTER TABLE households ADD COLUMN ready_pathway TEXT;
-- Set by the monthly run: the relief standard is met.
ALTER TABLE households ADD COLUMN relief_ready BOOLEAN NOT NULL DEFAULT FALSE;
-- 返困: flagged when an exited household falls back (date and why).
ALTER TABLE households ADD COLUMN relapse_on DATE;
ALTER TABLE households ADD COLUMN relapse_reason TEXT;
-- The exited file this one reopens, and the file that reopened this one.
ALTER TABLE households ADD COLUMN previous_id BIGINT;
ALTER TABLE households ADD COLUMN reopened_id BIGINT;
CREATE INDEX households_ready ON households(union_path, ready_pathway);
CREATE INDEX households_previous ON households(previous_id);
-- Covering indexes for the panel's sums over a subtree (filings, and the
-- assistance given), read from the index without touching the wide rows.
CREATE INDEX households_panel ON households(union_path, filed_on, previous_id, cohort);
CREATE INDEX assistance_panel ON assistance(union_path, given_on, status, cash, goods_value, persons);

-- One row per stretch of time a file was on file with the same union, tier,
-- category and size: from_on inclusive, until_on exclusive (NULL while it
-- lasts). A change closes the row at today and opens a new one, so counts
-- as of a past date read only rows that are never rewritten.
CREATE TABLE file_spans (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    household_id BIGINT NOT NULL REFERENCES households(id),
    union_id     BIGINT NOT NULL REFERENCES unions(id),
    union_path   TEXT NOT NULL,
    tier         TEXT NOT NULL,
    category     TEXT NOT NULL,
    cohort       TEXT NOT NULL,
    persons      INTEGER NOT NULL,
    from_on      DATE NOT NULL,
    until_on     DATE
);
-- Covering: the panel counts on file by union, tier, category and cohort
-- from the index alone.
CREATE INDEX file_spans_scope ON file_spans(union_path, from_on, until_on, tier, category, cohort, persons);
CREATE INDEX file_spans_household ON file_spans(household_id, until_on);
INSERT INTO file_spans (household_id, union_id, union_path, tier, category, cohort, persons, from_on, until_on)
SELECT id, union_id, union_path, tier, category, cohort, size, filed_on,
       CASE WHEN status = 'on_file' THEN NULL ELSE date(updated_at) END
FROM households;
UPDATE households SET left_on = date(updated_at) WHERE status <> 'on_file';

-- 脱困 / 解困 / 退出 decisions and their revocations, proposed, reviewed,
-- published and approved like a filing. Never deleted.
CREATE TABLE exits (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    household_id    BIGINT NOT NULL REFERENCES households(id),
    union_id        BIGINT NOT NULL REFERENCES unions(id),
    union_path      TEXT NOT NULL,
    -- 'out', 'relief', 'removal', 'revoke'
    kind            TEXT NOT NULL,
    -- for 'out': 'employment', 'entitlements', 'medical', 'social_assistance', 'other'
    pathway         TEXT,
    -- for 'removal': 'recheck', 'death', 'moved'
    reason          TEXT,
    -- the officer's statement (causes removed, why relief or removal)
    note            TEXT NOT NULL,
    -- what supports it (documents seen, department answers)
    evidence        TEXT NOT NULL,
    -- the household's cohort when proposed ('baseline' counts for targets)
    cohort          TEXT NOT NULL,
    -- 'proposed', 'reviewed', 'notice', 'approved', 'rejected'
    status          TEXT NOT NULL,
    notice_from     DATE,
    notice_until    DATE,
    -- the day it took effect (approval)
    decided_on      DATE,
    -- for 'revoke': the decision it revokes; on the revoked one, by whom
    revokes_id      BIGINT REFERENCES exits(id),
    revoked_by_id   BIGINT REFERENCES exits(id),
    -- the exit or relief evaluation seen when proposed (JSON)
    evaluation_json TEXT NOT NULL,
    version         BIGINT NOT NULL,
    created_by      BIGINT,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX exits_scope ON exits(union_path, status);
CREATE INDEX exits_household ON exits(household_id);
CREATE INDEX exits_decided ON exits(decided_on, union_path);

CREATE TABLE exit_steps (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    exit_id    BIGINT NOT NULL REFERENCES exits(id),
    step       TEXT NOT NULL,
    actor_id   BIGINT,
    actor_name TEXT NOT NULL,
    at         TIMESTAMP NOT NULL,
    note       TEXT NOT NULL
);
CREATE INDEX exit_steps_exit ON exit_steps(exit_id);

-- 目标任务: a union's share of its baseline cohort to be out or relieved in
-- a year, in basis points (3000 = 30 %). Absent rows inherit from the
-- nearest ancestor, then the default plan.
CREATE TABLE targets (
    union_id  BIGINT NOT NULL REFERENCES unions(id),
    year      INTEGER NOT NULL,
    share_bp  INTEGER NOT NULL,
    set_by    BIGINT,
    set_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (union_id, year)
);

-- The monthly run: at most one per month, whichever process claims it first
-- (the job row holds progress and the result counts).
CREATE TABLE monthly_runs (
    month      TEXT NOT NULL PRIMARY KEY,
    job_id     BIGINT NOT NULL REFERENCES jobs(id),
    started_at TIMESTAMP NOT NULL
);

-- 待办: what the monthly run found, for the responsible person (or, with
-- none, anyone managing the household's union); done when handled.
CREATE TABLE todos (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    month          TEXT NOT NULL,
    household_id   BIGINT NOT NULL REFERENCES households(id),
    union_id       BIGINT NOT NULL REFERENCES unions(id),
    union_path     TEXT NOT NULL,
    responsible_id BIGINT,
    -- 'exit_ready', 'relief_ready', 'relapse', 'not_eligible', 'plan_overdue', 'causes_changed'
    kind           TEXT NOT NULL,
    detail         TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    done_at        TIMESTAMP,
    done_by        BIGINT,
    UNIQUE (household_id, kind, month)
);
CREATE INDEX todos_scope ON todos(union_path, done_at);
CREATE INDEX todos_responsible ON todos(responsible_id, done_at);
