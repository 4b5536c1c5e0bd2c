DROP INDEX households_on_file;
