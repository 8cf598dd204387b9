-- Each case's facts for the figures (yiwang_core::measures::CaseFacts as JSON), brought forward
-- by every event the server appends, and the time of the case's latest event: `/stats` reads
-- one row per case instead of replaying every event of the county (issue 14). A NULL means
-- "not computed": the server fills every case from its events once, as it opens a ledger whose
-- meta `case_facts` is older than the binary's `CASE_FACTS_VERSION`.
ALTER TABLE cases ADD COLUMN facts TEXT;
ALTER TABLE cases ADD COLUMN facts_until TEXT;
