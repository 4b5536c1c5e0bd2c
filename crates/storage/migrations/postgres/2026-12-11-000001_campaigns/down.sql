DROP TABLE campaign_clearances;
DROP TABLE campaign_tasks;
DROP TABLE campaigns;
