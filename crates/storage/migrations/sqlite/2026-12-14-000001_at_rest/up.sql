-- Encryption at rest (storage/src/at_rest.rs): ID numbers, phones,
-- addresses, health and notes are stored sealed by the application; ID
-- numbers are found through a blind index (a keyed hash) instead. The first
-- start of this version seals the existing values and fills the indexes.
ALTER TABLE households ADD COLUMN worker_id_index TEXT;
DROP INDEX households_worker_id;
CREATE INDEX households_worker_index ON households(worker_id_index);

ALTER TABLE members ADD COLUMN id_index TEXT;
DROP INDEX members_id_number;
CREATE INDEX members_id_index ON members(id_index);

ALTER TABLE applications ADD COLUMN worker_id_index TEXT;
DROP INDEX applications_worker;
CREATE INDEX applications_worker_index ON applications(worker_id_index);

ALTER TABLE temporary_files ADD COLUMN worker_id_index TEXT;
DROP INDEX temporary_files_person;
CREATE INDEX temporary_files_person ON temporary_files(worker_id_index, status);

-- Everyone in an open file, by blind index: the primary key still refuses
-- a second open file for the same person.
ALTER TABLE open_persons RENAME COLUMN id_number TO person_index;

-- One row: a constant sealed with the key that sealed the data (so a wrong
-- key is refused at start, before anything is read), and what the last
-- finished pass sealed (the key's id and the list of sealed columns).
CREATE TABLE at_rest (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    key_check   TEXT NOT NULL,
    sealed_key  TEXT,
    sealed_at   TIMESTAMP NOT NULL
);
