DROP INDEX measures_scope;
DROP TABLE assessment_scores;
DROP TABLE assessment_entries;
DROP TABLE assessment_items;
DROP TABLE assessment_schemes;
