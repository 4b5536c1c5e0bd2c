ALTER TABLE households DROP COLUMN anonymised_on;
