-- Lists sorted by filing date or last change stop after one page when they
-- can walk an index in that order instead of sorting every file in scope.
CREATE INDEX households_filed ON households(filed_on, id);
CREATE INDEX households_updated ON households(updated_at, id);
CREATE INDEX households_decision_category ON households(decision, category);
