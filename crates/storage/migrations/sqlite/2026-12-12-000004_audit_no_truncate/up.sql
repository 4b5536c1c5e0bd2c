-- SQLite has no TRUNCATE: `DELETE FROM audit_log` (its truncate) is already
-- refused by the row trigger of the foundation migration. Kept so both
-- migration sets stay in step.
SELECT 1;
