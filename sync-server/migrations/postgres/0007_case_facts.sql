-- Each case's facts for the figures (see migrations/sqlite/0007_case_facts.sql).
ALTER TABLE cases ADD COLUMN facts TEXT;
ALTER TABLE cases ADD COLUMN facts_until TEXT;
