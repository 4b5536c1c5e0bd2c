DROP TABLE verification_thresholds;
DROP TABLE verification_findings;
DROP TABLE verification_batches;
DROP TABLE verification_keys;
