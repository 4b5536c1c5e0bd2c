-- Files whose stored identification (households.decision, decision_condition,
-- cohort) must be recomputed before a server serves: a migration that changes
-- the rule lists the open files here, and every server, when it starts, takes
-- rows (DELETE … RETURNING, so each row is taken by one process however many
-- start at once) and re-identifies their files until none is left. Empty in
-- steady state.
CREATE TABLE stale_decisions (
    household_id BIGINT NOT NULL PRIMARY KEY REFERENCES households(id),
    -- why the stored decision is stale (for the operator reading the table)
    reason       TEXT NOT NULL
);

-- docs/rules.md §4, decided 2026-12-06: conditions 2–4 each need non-living
-- expenditure in the window (ΣE > 0); decisions stored under the old rule
-- are refreshed.
INSERT INTO stale_decisions (household_id, reason)
SELECT id, 'rules §4 (2026-12-06): conditions 2-4 need non-living expenditure in the window'
FROM households
WHERE status = 'on_file';
