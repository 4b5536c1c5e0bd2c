-- Retention: the day a file's personal data was anonymised (storage/src/retention.rs).
ALTER TABLE households ADD COLUMN anonymised_on DATE;
