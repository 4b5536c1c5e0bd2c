UPDATE households SET tier = 'local' WHERE tier IN ('province', 'city', 'county', 'grassroots');
UPDATE file_spans SET tier = 'local' WHERE tier IN ('province', 'city', 'county', 'grassroots');
