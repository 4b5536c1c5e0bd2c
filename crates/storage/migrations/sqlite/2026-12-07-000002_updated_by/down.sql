ALTER TABLE households DROP COLUMN updated_by;
