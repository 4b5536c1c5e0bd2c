DROP TABLE name_grams;
