-- Issue 16: in a province the console and the pull read one county's share of the ledger
-- through indexes, not the whole ledger.
--
-- The console's cases: a unit member's jurisdiction is one range of origin paths (a holder is
-- always on its origin's path: `Case::holder_on_origin_path`), and the queue filters by state
-- and orders by report time; this index answers the range, the state tabs' counts and a page
-- of a county's queue without reading the cases outside it. It compares bytes (COLLATE "C"),
-- as the queries do, whatever the database's collation. It replaces `cases_origin_path`,
-- whose text_pattern_ops served LIKE but not the range comparisons the queries make.
DROP INDEX cases_origin_path;
CREATE INDEX cases_origin_state ON cases((origin_path COLLATE "C"), state, reported_at);

-- The pull's reference data: a county's org units are the county's own (`Scope::Region`, the
-- county's path), so a worker pulls about three hundred units, not a province's thirty
-- thousand. Units above the counties stay everyone's.
ALTER TABLE changes ADD COLUMN scope_region TEXT;
CREATE INDEX changes_region ON changes((scope_region COLLATE "C"), seq)
    WHERE scope_region IS NOT NULL;
CREATE INDEX org_units_level ON org_units(level);
UPDATE changes c
   SET scope_all = FALSE, scope_region = a.path
  FROM org_units u JOIN org_units a
    ON a.level = 'county' AND left(u.path, length(a.path)) = a.path
 WHERE c.entity = 'org_unit' AND NOT c.deleted AND u.id = c.id;
