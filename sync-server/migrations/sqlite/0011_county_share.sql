-- Issue 16: in a province the console and the pull read one county's share of the ledger
-- through indexes, not the whole ledger.
--
-- The console's cases: a unit member's jurisdiction is one range of origin paths (a holder is
-- always on its origin's path: `Case::holder_on_origin_path`), and the queue filters by state
-- and orders by report time; this index answers the range, the state tabs' counts and a page
-- of a county's queue without reading the cases outside it. It covers `cases_origin_path`.
DROP INDEX cases_origin_path;
CREATE INDEX cases_origin_state ON cases(origin_path, state, reported_at);

-- The pull's reference data: a county's org units are the county's own (`Scope::Region`, the
-- county's path), so a worker pulls about three hundred units, not a province's thirty
-- thousand. Units above the counties stay everyone's.
ALTER TABLE changes ADD COLUMN scope_region TEXT;
CREATE INDEX changes_region ON changes(scope_region, seq) WHERE scope_region IS NOT NULL;
CREATE INDEX org_units_level ON org_units(level);
UPDATE changes
   SET scope_all = 0,
       scope_region = (SELECT a.path FROM org_units u JOIN org_units a
                          ON a.level = 'county' AND substr(u.path, 1, length(a.path)) = a.path
                        WHERE u.id = changes.id)
 WHERE entity = 'org_unit' AND deleted = 0
   AND EXISTS (SELECT 1 FROM org_units u JOIN org_units a
                  ON a.level = 'county' AND substr(u.path, 1, length(a.path)) = a.path
                WHERE u.id = changes.id);
