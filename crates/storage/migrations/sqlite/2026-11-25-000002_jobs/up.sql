-- Background jobs (a large Excel import, for now): their state lives here,
-- never in a process's memory, because many processes serve one database.
-- The work itself runs in the process that received the request; a job
-- still 'running' whose updated_at is old was interrupted (its process
-- stopped). Keep in step with ../../postgres/2026-11-25-000002_jobs/up.sql.

CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    -- what the job does: 'household_import'
    kind        TEXT NOT NULL,
    -- the union it acts for, and its path (scope filters need no join)
    union_id    BIGINT NOT NULL REFERENCES unions(id),
    union_path  TEXT NOT NULL,
    -- who started it; only they see it
    user_id     BIGINT NOT NULL REFERENCES users(id),
    status      TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    -- what it is doing now, in Chinese ('校验中', '写入中', …)
    phase       TEXT NOT NULL,
    -- progress: done of total units (rows, for an import)
    total       BIGINT NOT NULL DEFAULT 0,
    done        BIGINT NOT NULL DEFAULT 0,
    -- a sentence for people (the outcome, or why it failed)
    message     TEXT,
    -- the outcome for programs: a summary, or the list of errors
    result_json TEXT,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX jobs_user ON jobs(user_id, id);
