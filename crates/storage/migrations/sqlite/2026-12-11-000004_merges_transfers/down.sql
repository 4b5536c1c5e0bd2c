DROP TABLE household_transfers;
DROP TABLE household_merges;
