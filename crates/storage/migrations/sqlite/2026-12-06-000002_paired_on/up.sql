-- The day (China time) the current pairing began, copied on the file like
-- pairing_union_id and responsible_id: a household's visit interval runs
-- from the later of its filing, this day and its last visit
-- (domain assistance::visit_overdue).
ALTER TABLE households ADD COLUMN paired_on DATE;

UPDATE households
SET paired_on = (
    SELECT date(p.from_at, '+8 hours')
    FROM pairings p
    WHERE p.household_id = households.id AND p.until_at IS NULL
    ORDER BY p.id DESC
    LIMIT 1
)
WHERE responsible_id IS NOT NULL;
