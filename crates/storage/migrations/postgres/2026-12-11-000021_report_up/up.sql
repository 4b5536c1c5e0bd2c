-- Keep in step with ../../sqlite/2026-12-11-000021_report_up/up.sql.
-- Reporting up: where the file stands (none → reported → accepted |
-- returned), the union it was reported to (and its path, for that union's
-- inbox), the tier it was reported at (changing the tier resets the state),
-- the reason of a return, and when the last act was.
ALTER TABLE households ADD COLUMN report_state TEXT NOT NULL DEFAULT 'none';
ALTER TABLE households ADD COLUMN report_union_id BIGINT REFERENCES unions(id);
ALTER TABLE households ADD COLUMN report_union_path TEXT COLLATE "C";
ALTER TABLE households ADD COLUMN report_tier TEXT;
ALTER TABLE households ADD COLUMN report_reason TEXT;
ALTER TABLE households ADD COLUMN reported_at TIMESTAMP;
CREATE INDEX households_report_inbox ON households(report_union_path, report_state);
