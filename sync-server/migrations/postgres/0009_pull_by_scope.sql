-- Issue 16: a pull reads the change log through its viewer's scopes instead of filtering the
-- whole log row by row. Before this, every first pull of every device read every row ever
-- logged (the load bench's pulls slowed as the log grew). Each scope a row can carry gets an
-- index ordered by seq, so a page is a few short index walks merged by seq
-- (`storage/postgres/changes.rs`). The indexes are partial: a row pays only for the scopes it
-- has. The path index compares bytes (COLLATE "C"), so a subtree is one range of it whatever
-- the database's collation.
CREATE INDEX changes_all ON changes(seq) WHERE scope_all;
CREATE INDEX changes_path ON changes((scope_path COLLATE "C"), seq) WHERE scope_path IS NOT NULL;
CREATE INDEX changes_grid ON changes(scope_grid, seq) WHERE scope_grid IS NOT NULL;
CREATE INDEX changes_depts ON changes(seq) WHERE scope_depts IS NOT NULL;
CREATE INDEX changes_user ON changes(scope_user, seq) WHERE scope_user IS NOT NULL;
