-- Yiwang device store, schema 1.
--
-- Shipped migrations are never edited: a change is a new file (0002_*.sql) appended to
-- MIGRATIONS in store/mod.rs. Times are UTC RFC 3339 text with a fixed six-digit fraction and a
-- `Z`, so they compare and sort as text. Tables are STRICT so a wrong type is an error, not a
-- silent conversion. JSON columns hold records as serde writes them.

-- This installation. One row, made on first open; its id travels with every login and push.
CREATE TABLE device (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    device_id   TEXT NOT NULL,
    device_name TEXT NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;

-- Who is signed in. One row at most. `token` is NULL after a logout or a 401: the user is
-- remembered so field work can go on offline, and the outbox waits for the next login.
CREATE TABLE session (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    user_id      TEXT NOT NULL,
    user_json    TEXT NOT NULL,
    token        TEXT,
    server_url   TEXT NOT NULL,
    logged_in_at TEXT NOT NULL
) STRICT;

-- Where pulling stopped. The cursor is written in the same transaction as the changes it covers.
CREATE TABLE sync_meta (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    pull_cursor  TEXT,
    last_sync_at TEXT
) STRICT;
INSERT INTO sync_meta (id) VALUES (1);

-- Reference data, pulled from the server.
CREATE TABLE org_units (
    id        TEXT PRIMARY KEY,
    parent_id TEXT,
    name      TEXT NOT NULL,
    level     TEXT NOT NULL CHECK (level IN ('county', 'township', 'community'))
) STRICT;

CREATE TABLE grids (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('urban_rural', 'school', 'enterprise')),
    community_id TEXT NOT NULL,
    worker_id    TEXT,
    polygon      TEXT NOT NULL -- GeoJSON geometry
) STRICT;

CREATE TABLE departments (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL
) STRICT;

-- Codes sort as the tree reads: `01`, `01.01`, `01.02`, `02`, …
CREATE TABLE categories (
    code   TEXT PRIMARY KEY,
    parent TEXT,
    json   TEXT NOT NULL
) STRICT;

-- Patrols and findings are made here (origin 'local') or pulled (origin 'pulled'). A pull that
-- brings back a local record leaves its origin alone, so a rebuild after a 412 never deletes
-- what this device recorded.
CREATE TABLE patrols (
    id         TEXT PRIMARY KEY,
    grid_id    TEXT NOT NULL,
    worker_id  TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at   TEXT,
    origin     TEXT NOT NULL CHECK (origin IN ('local', 'pulled'))
) STRICT;
CREATE INDEX patrols_started_at ON patrols (started_at);

CREATE TABLE track_points (
    id          INTEGER PRIMARY KEY,
    patrol_id   TEXT NOT NULL REFERENCES patrols (id) ON DELETE CASCADE,
    t           TEXT NOT NULL,
    lat         REAL NOT NULL,
    lon         REAL NOT NULL,
    accuracy_m  REAL,
    mock        INTEGER NOT NULL CHECK (mock IN (0, 1))
) STRICT;
CREATE INDEX track_points_patrol ON track_points (patrol_id, t);

-- No foreign key to patrols: a pulled finding may arrive before (or without) its patrol.
CREATE TABLE findings (
    id            TEXT PRIMARY KEY,
    grid_id       TEXT NOT NULL,
    patrol_id     TEXT,
    worker_id     TEXT NOT NULL,
    category_code TEXT NOT NULL,
    description   TEXT NOT NULL,
    lat           REAL,
    lon           REAL,
    accuracy_m    REAL,
    mock_location INTEGER NOT NULL CHECK (mock_location IN (0, 1)),
    observed_at   TEXT NOT NULL,
    disposition   TEXT NOT NULL CHECK (disposition IN ('resolved_on_spot', 'report', 'note')),
    case_id       TEXT,
    urgent        INTEGER NOT NULL CHECK (urgent IN (0, 1)),
    origin        TEXT NOT NULL CHECK (origin IN ('local', 'pulled')),
    CHECK ((lat IS NULL) = (lon IS NULL))
) STRICT;
CREATE INDEX findings_patrol ON findings (patrol_id);
CREATE INDEX findings_observed_at ON findings (observed_at);

-- A finding's photos in the order the worker put them. No foreign key to photos: a pulled
-- finding names photos whose metadata may come later, or never to this device.
CREATE TABLE finding_photos (
    finding_id TEXT NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    sha256     TEXT NOT NULL,
    PRIMARY KEY (finding_id, position)
) STRICT;
CREATE INDEX finding_photos_sha256 ON finding_photos (sha256);

-- Photos by content hash. `path` is NULL for metadata pulled without the file. The file stays
-- 'waiting' until the server has acknowledged its upload.
CREATE TABLE photos (
    sha256       TEXT PRIMARY KEY CHECK (length(sha256) = 64),
    finding_id   TEXT,
    path         TEXT,
    thumb_path   TEXT,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    bytes        INTEGER NOT NULL,
    taken_at     TEXT, -- EXIF local time as the camera wrote it: no zone, so not UTC
    exif_lat     REAL,
    exif_lon     REAL,
    upload_state TEXT NOT NULL CHECK (upload_state IN ('waiting', 'uploaded')),
    uploaded_at  TEXT,
    recorded_at  TEXT NOT NULL
) STRICT;
CREATE INDEX photos_waiting ON photos (recorded_at) WHERE upload_state = 'waiting';

-- Pulled cases: the server's projection of the ledger, kept whole as JSON, with the columns
-- lists filter and sort on.
CREATE TABLE cases (
    id         TEXT PRIMARY KEY,
    json       TEXT NOT NULL,
    state      TEXT NOT NULL,
    version    INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    grid_id    TEXT
) STRICT;
CREATE INDEX cases_updated_at ON cases (updated_at);
CREATE INDEX cases_grid ON cases (grid_id);

-- No foreign key to cases: a page may carry an event before the case's own (later) change.
CREATE TABLE case_events (
    case_id TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    json    TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
) STRICT;

-- The outbox: every local change's op, written in the change's own transaction. `seq` is the
-- push order; AUTOINCREMENT never reuses a number, so the order holds even if rows are pruned.
-- A rejected op stays, with the server's code and message, and is shown; it never blocks the
-- ops behind it because only 'waiting' ops are pushed.
CREATE TABLE outbox (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    op_id      TEXT NOT NULL UNIQUE,
    type       TEXT NOT NULL
               CHECK (type IN ('patrol.start', 'patrol.track', 'patrol.end', 'finding.create',
                               'case.action')),
    entity_id  TEXT NOT NULL,
    at         TEXT NOT NULL,
    data       TEXT NOT NULL,
    state      TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'sent', 'rejected')),
    code       TEXT,
    message    TEXT,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL,
    acked_at   TEXT,
    CHECK (state <> 'rejected' OR code IS NOT NULL)
) STRICT;
CREATE INDEX outbox_entity ON outbox (entity_id);
CREATE INDEX outbox_waiting ON outbox (seq) WHERE state = 'waiting';

-- Ops of this user the server rejected, as it keeps them (any of the user's devices).
CREATE TABLE rejected_ops (
    op_id     TEXT PRIMARY KEY,
    entity_id TEXT NOT NULL,
    code      TEXT NOT NULL,
    message   TEXT NOT NULL,
    json      TEXT NOT NULL
) STRICT;
