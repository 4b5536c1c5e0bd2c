DROP TABLE verification_datasets;
