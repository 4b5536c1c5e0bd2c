DROP INDEX plans_status;
ALTER TABLE plans DROP COLUMN submitted_at;
ALTER TABLE plans DROP COLUMN submitted_by;
