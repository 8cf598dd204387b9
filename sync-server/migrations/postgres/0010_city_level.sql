-- Issue 16: a province's ledger puts several counties under one city (`OrgLevel::City`). The
-- level's CHECK gains 'city'.
ALTER TABLE org_units DROP CONSTRAINT org_units_level_check;
ALTER TABLE org_units ADD CONSTRAINT org_units_level_check
    CHECK (level IN ('city', 'county', 'township', 'community'));
