DROP INDEX households_report_inbox;
ALTER TABLE households DROP COLUMN reported_at;
ALTER TABLE households DROP COLUMN report_reason;
ALTER TABLE households DROP COLUMN report_tier;
ALTER TABLE households DROP COLUMN report_union_path;
ALTER TABLE households DROP COLUMN report_union_id;
ALTER TABLE households DROP COLUMN report_state;
