-- The device a session signed in from (its User-Agent, cut to 200
-- characters), so a user can tell their sessions apart and end one.
ALTER TABLE sessions ADD COLUMN device TEXT;
