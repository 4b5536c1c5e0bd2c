DROP TABLE password_history;
DROP TABLE rate_counters;
