DROP TABLE matches;
DROP TABLE resources;
DROP TABLE providers;
