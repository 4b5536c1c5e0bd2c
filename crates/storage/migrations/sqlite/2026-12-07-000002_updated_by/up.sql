-- Who last changed a file (its data, its incomes or its status), shown with
-- updated_at as the file's 最近修改. Earlier changes are named from the
-- audit log where it has them (the latest filing, edit or income entry),
-- else by whoever filed the household.
ALTER TABLE households ADD COLUMN updated_by BIGINT;

UPDATE households
SET updated_by = latest.actor_id
FROM (
    SELECT a.object_id, a.actor_id
    FROM audit_log a
    JOIN (
        SELECT MAX(id) AS id
        FROM audit_log
        WHERE object_kind = 'household'
          AND action IN ('create_household', 'update_household', 'record_incomes')
          AND success
        GROUP BY object_id
    ) m ON m.id = a.id
) AS latest
WHERE latest.object_id = CAST(households.id AS TEXT);

UPDATE households SET updated_by = created_by WHERE updated_by IS NULL;
