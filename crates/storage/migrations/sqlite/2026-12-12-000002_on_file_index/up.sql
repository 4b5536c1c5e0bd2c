-- The files on file of a subtree with what the assessment's shares read
-- (pairing, the visit clock): one index-only range per status, so counting
-- them by union path never reads the wide household rows (docs/rules.md §8.3).
CREATE INDEX households_on_file ON households(status, union_path, pairing_union_id, filed_on, paired_on, last_visit_on, id);
