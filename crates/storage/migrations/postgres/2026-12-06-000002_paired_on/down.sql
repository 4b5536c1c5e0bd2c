ALTER TABLE households DROP COLUMN paired_on;
