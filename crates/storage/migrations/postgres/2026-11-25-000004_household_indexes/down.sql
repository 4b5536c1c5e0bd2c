DROP INDEX households_filed;
DROP INDEX households_updated;
DROP INDEX households_decision_category;
