-- The day (China time) the current pairing began, copied on the file like
-- pairing_union_id and responsible_id: a household's visit interval runs
-- from the later of its filing, this day and its last visit
-- (domain assistance::visit_overdue).
ALTER TABLE households ADD COLUMN paired_on DATE;

UPDATE households h
SET paired_on = (p.from_at + INTERVAL '8 hours')::date
FROM pairings p
WHERE p.household_id = h.id AND p.until_at IS NULL;
