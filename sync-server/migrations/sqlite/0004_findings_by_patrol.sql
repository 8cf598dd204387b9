-- The findings of a patrol, found by index (issue 13). The console's patrol lists count each
-- patrol's findings; without this index every count read the whole findings table, and a
-- county-wide patrol list took most of a minute.
CREATE INDEX IF NOT EXISTS findings_patrol ON findings(patrol_id);
