-- Applications for filing (一键申报 / 代为申请) and their steps: grassroots
-- review with a home visit, public notice with objections, approval at the
-- approving level. Keep in step with ../../postgres/2026-11-25-000003_applications/up.sql.

CREATE TABLE applications (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    -- the union applied to (a grassroots union, usually) and its path
    union_id         BIGINT NOT NULL REFERENCES unions(id),
    union_path       TEXT NOT NULL,
    -- 'online' (the worker) or 'officer' (entered on the worker's behalf)
    channel          TEXT NOT NULL,
    -- submitted → reviewed → notice → approved; or rejected / withdrawn
    status           TEXT NOT NULL,
    worker_name      TEXT NOT NULL,
    worker_id_number TEXT NOT NULL,
    phone            TEXT NOT NULL,
    division_code    TEXT NOT NULL,
    -- the application as entered (household, members, incomes), JSON
    data_json        TEXT NOT NULL,
    notice_from      DATE,
    notice_until     DATE,
    household_id     BIGINT REFERENCES households(id),
    version          BIGINT NOT NULL,
    created_by       BIGINT,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);
CREATE INDEX applications_scope ON applications(union_path, id);
CREATE INDEX applications_worker ON applications(worker_id_number);

CREATE TABLE application_steps (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL REFERENCES applications(id),
    -- submit, review, notice, objection, approve, reject, withdraw
    step           TEXT NOT NULL,
    actor_id       BIGINT,
    actor_name     TEXT NOT NULL,
    at             TIMESTAMP NOT NULL,
    -- what the step records (visit: seen/asked/explained; reason; objection)
    detail_json    TEXT NOT NULL,
    -- the identification decision the step was taken on, JSON
    decision_json  TEXT
);
CREATE INDEX application_steps_app ON application_steps(application_id, id);

-- Supporting documents uploaded with an application (size- and type-checked).
CREATE TABLE application_files (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL REFERENCES applications(id),
    name           TEXT NOT NULL,
    content_type   TEXT NOT NULL,
    size           BIGINT NOT NULL,
    data           BLOB NOT NULL,
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX application_files_app ON application_files(application_id);
