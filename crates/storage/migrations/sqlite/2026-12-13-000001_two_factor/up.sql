-- Two-factor sign-in (TOTP, RFC 6238). Keep in step with the other backend's copy.
-- The secret (base32) is stored as it is: it is to be encrypted at rest once
-- the server has a key file.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
-- When the secret was confirmed with a code; NULL: not enrolled.
ALTER TABLE users ADD COLUMN totp_enrolled_at TIMESTAMP;
-- The last time step (unix time / 30) whose code was accepted: a code is
-- accepted only for a later step, so none can be used twice.
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
-- A secret shown for enrolment and not yet confirmed.
ALTER TABLE users ADD COLUMN totp_pending_secret TEXT;
-- An administrator reset two-factor: the user must enrol again before
-- anything else, whatever their roles.
ALTER TABLE users ADD COLUMN two_factor_reenrol BOOLEAN NOT NULL DEFAULT 0;

-- One-time recovery codes, only their SHA-256 (they are high-entropy
-- random); a code is deleted when it is used.
CREATE TABLE recovery_codes (
    user_id    BIGINT NOT NULL REFERENCES users(id),
    code_hash  TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, code_hash)
);

-- A sign-in half done: the password was right and the code is due. Only
-- the SHA-256 of its token is stored; it is used once and expires.
CREATE TABLE login_challenges (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id    BIGINT NOT NULL REFERENCES users(id),
    kind       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX login_challenges_user ON login_challenges(user_id);
CREATE INDEX login_challenges_expires ON login_challenges(expires_at);
