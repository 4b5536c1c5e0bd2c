-- The audit log refuses TRUNCATE too (row triggers do not fire on it, so
-- until now it emptied the log): a statement trigger with the same refusal.
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
