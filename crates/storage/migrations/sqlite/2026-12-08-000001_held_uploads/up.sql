-- Documents an applicant chose on the public form (/apply), held across a
-- refused submission so they need not be chosen again: keyed to the SHA-256
-- of the form's CSRF token (the browser's pre-login cookie, or an officer's
-- session), never served back, attached when the application is accepted,
-- removed after a few hours otherwise. Keep in step with
-- ../../postgres/2026-12-08-000001_held_uploads/up.sql.
CREATE TABLE held_uploads (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_hash   TEXT NOT NULL,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    data         BLOB NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX held_uploads_owner ON held_uploads(owner_hash, id);
CREATE INDEX held_uploads_created ON held_uploads(created_at);
