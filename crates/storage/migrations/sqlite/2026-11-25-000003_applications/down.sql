DROP TABLE application_files;
DROP TABLE application_steps;
DROP TABLE applications;
