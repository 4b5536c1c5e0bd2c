DROP TABLE open_persons;
DROP TABLE incomes;
DROP TABLE members;
DROP TABLE households;
DROP TABLE file_no_counters;
DROP TABLE identification_params;
DROP TABLE poverty_lines;
