DROP TABLE temporary_files;
