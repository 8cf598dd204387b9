-- Leaner writes for the busiest path, a push of findings (issue 4: one device's ingest rate).
--
-- 1. The change log no longer copies a finding: `changes.data` is NULL for a finding's row and a
--    pull reads the record from `findings.data` (findings are written once and never changed, so
--    the two can never disagree). A finding's bytes were written twice per op before; every
--    other entity keeps its copy in the log. SQLite cannot drop a NOT NULL constraint in place,
--    so the table is rebuilt, keeping every seq and the AUTOINCREMENT high-water mark (a seq is
--    never handed out twice, even after its row was replaced).
CREATE TABLE changes_next (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    entity      TEXT NOT NULL,
    id          TEXT NOT NULL,
    deleted     INTEGER NOT NULL DEFAULT 0,
    scope_all   INTEGER NOT NULL DEFAULT 0,
    scope_path  TEXT,
    scope_grid  TEXT,
    scope_depts TEXT,
    scope_user  TEXT,
    -- The record as pulled; NULL for a finding, whose record is `findings.data`.
    data        TEXT,
    UNIQUE (entity, id)
);
INSERT INTO changes_next(seq, entity, id, deleted, scope_all, scope_path, scope_grid,
                         scope_depts, scope_user, data)
    SELECT seq, entity, id, deleted, scope_all, scope_path, scope_grid, scope_depts, scope_user,
           CASE WHEN entity = 'finding' AND deleted = 0
                     AND data = (SELECT f.data FROM findings f WHERE f.id = changes.id)
                THEN NULL ELSE data END
    FROM changes;
DELETE FROM sqlite_sequence WHERE name = 'changes_next';
INSERT INTO sqlite_sequence(name, seq)
    SELECT 'changes_next', seq FROM sqlite_sequence WHERE name = 'changes';
DROP TABLE changes;
ALTER TABLE changes_next RENAME TO changes;

-- 2. Only a reported finding has a case: index those alone (most findings are notes or resolved
--    on the spot, and each would otherwise add an index entry holding NULL).
DROP INDEX findings_case;
CREATE INDEX findings_case ON findings(case_id) WHERE case_id IS NOT NULL;

-- 3. Ops are read by user only among the rejected ones (the list of refused ops), which goes
--    through `ops_rejected`; an index on the user of every applied op cost a B-tree insert per
--    op and served no query.
DROP INDEX ops_user;
