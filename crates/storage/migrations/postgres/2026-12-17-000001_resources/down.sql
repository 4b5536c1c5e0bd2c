DROP TABLE matches;
DROP TABLE offers;
DROP TABLE providers;
