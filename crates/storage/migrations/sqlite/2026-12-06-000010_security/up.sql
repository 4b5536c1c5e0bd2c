-- Security: counters of attempts per caller and window (failed logins per
-- client address, lookups of people filed elsewhere per user), and the
-- hashes of the passwords an account had before, so none is used again.
-- Keep in step with ../../postgres/2026-12-06-000010_security/up.sql.

CREATE TABLE rate_counters (
    -- what is counted and for whom: 'login_address:203.0.113.7', 'filed_elsewhere:user:42'
    bucket       TEXT PRIMARY KEY NOT NULL,
    hits         INTEGER NOT NULL,
    window_start TIMESTAMP NOT NULL
);
CREATE INDEX rate_counters_window ON rate_counters(window_start);

CREATE TABLE password_history (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       BIGINT NOT NULL REFERENCES users(id),
    -- the Argon2 hash of a password the account no longer has
    password_hash TEXT NOT NULL,
    replaced_at   TIMESTAMP NOT NULL
);
CREATE INDEX password_history_user ON password_history(user_id, id);
