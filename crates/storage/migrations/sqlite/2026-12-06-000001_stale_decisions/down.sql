DROP TABLE stale_decisions;
