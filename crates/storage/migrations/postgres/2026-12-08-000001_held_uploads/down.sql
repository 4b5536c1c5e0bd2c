DROP TABLE held_uploads;
