-- The foundation: the union tree, users and roles, sessions, login throttling, the audit log.
-- Keep in step with ../../postgres/2026-11-22-000001_foundation/up.sql.

CREATE TABLE unions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    parent_id     BIGINT REFERENCES unions(id),
    -- materialised path '/1/5/23/': subtree = one index range
    path          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    level         TEXT NOT NULL,
    division_code TEXT NOT NULL,
    active        BOOLEAN NOT NULL DEFAULT 1,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    UNIQUE (parent_id, name)
);
CREATE INDEX unions_parent ON unions(parent_id);

CREATE TABLE users (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    union_id             BIGINT NOT NULL REFERENCES unions(id),
    -- the union's path, copied so scope filters on users need no join
    union_path           TEXT NOT NULL,
    username             TEXT NOT NULL UNIQUE,
    display_name         TEXT NOT NULL,
    password_hash        TEXT NOT NULL,
    must_change_password BOOLEAN NOT NULL,
    active               BOOLEAN NOT NULL DEFAULT 1,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    last_login_at        TIMESTAMP
);
CREATE INDEX users_union ON users(union_id);
CREATE INDEX users_scope ON users(union_path, username);

CREATE TABLE user_roles (
    user_id BIGINT NOT NULL REFERENCES users(id),
    role    TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE TABLE sessions (
    -- SHA-256 of the token: a copy of the database does not hand out sessions
    token_hash   TEXT PRIMARY KEY NOT NULL,
    user_id      BIGINT NOT NULL REFERENCES users(id),
    kind         TEXT NOT NULL,
    csrf_token   TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    ip           TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_last_seen ON sessions(last_seen_at);

CREATE TABLE login_throttle (
    username     TEXT PRIMARY KEY NOT NULL,
    failures     INTEGER NOT NULL,
    locked_until TIMESTAMP,
    updated_at   TIMESTAMP NOT NULL
);

CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    at             TIMESTAMP NOT NULL,
    actor_id       BIGINT,
    actor_username TEXT,
    union_id       BIGINT,
    union_path     TEXT,
    action         TEXT NOT NULL,
    object_kind    TEXT NOT NULL,
    object_id      TEXT,
    before_json    TEXT,
    after_json     TEXT,
    ip             TEXT,
    success        BOOLEAN NOT NULL
);
CREATE INDEX audit_log_path_id ON audit_log(union_path, id);
CREATE INDEX audit_log_at ON audit_log(at);

-- The audit log is append-only, whatever code runs against the database.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
