-- Issue 16: a province's ledger puts several counties under one city (`OrgLevel::City`). The
-- level's CHECK gains 'city'. SQLite changes a CHECK only by rebuilding the table; foreign keys
-- are off while migrations run and checked before the commit (`sqlite::migrate`), so the
-- tables that reference org_units keep pointing at it (by name) across the rebuild.
CREATE TABLE org_units_next (
    id        TEXT PRIMARY KEY,
    parent_id TEXT REFERENCES org_units(id),
    name      TEXT NOT NULL,
    level     TEXT NOT NULL CHECK (level IN ('city', 'county', 'township', 'community')),
    -- '/city/county/township/community/': a unit's subtree is every path starting with its path.
    path      TEXT NOT NULL
);
INSERT INTO org_units_next(id, parent_id, name, level, path)
    SELECT id, parent_id, name, level, path FROM org_units;
DROP TABLE org_units;
ALTER TABLE org_units_next RENAME TO org_units;
CREATE INDEX org_units_parent ON org_units(parent_id);
