-- Yiwang county ledger, SQLite schema version 1.
-- Timestamps are RFC 3339 UTC text; JSON columns hold the yiwang-core wire form of a record.
-- Never edit a shipped migration: add the next file instead. (Version 1 has not shipped yet.)

-- ===== meta (skeleton) =====
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- ===== org (skeleton) =====
CREATE TABLE org_units (
    id        TEXT PRIMARY KEY,
    parent_id TEXT REFERENCES org_units(id),
    name      TEXT NOT NULL,
    level     TEXT NOT NULL CHECK (level IN ('county', 'township', 'community')),
    -- '/county/township/community/': a unit's subtree is every path starting with its path.
    path      TEXT NOT NULL
);
CREATE INDEX org_units_parent ON org_units(parent_id);

CREATE TABLE grids (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('urban_rural', 'school', 'enterprise')),
    community_id TEXT NOT NULL REFERENCES org_units(id),
    polygon      TEXT NOT NULL,
    worker_id    TEXT
);
CREATE INDEX grids_community ON grids(community_id);

CREATE TABLE departments (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE categories (
    code     TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    data     TEXT NOT NULL
);

-- ===== auth (skeleton) =====
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL,
    org_unit_id   TEXT REFERENCES org_units(id),
    department_id TEXT REFERENCES departments(id),
    password_hash TEXT NOT NULL,
    -- Users seeded by `demo` with the well-known password: refused unless serving in demo mode.
    demo_password INTEGER NOT NULL DEFAULT 0,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
);

CREATE TABLE user_grids (
    user_id TEXT NOT NULL REFERENCES users(id),
    grid_id TEXT NOT NULL REFERENCES grids(id),
    PRIMARY KEY (user_id, grid_id)
);
CREATE INDEX user_grids_grid ON user_grids(grid_id);

CREATE TABLE tokens (
    -- SHA-256 of the bearer token: a stolen database does not hand out sessions.
    token_hash   TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id),
    device_id    TEXT NOT NULL,
    device_name  TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_used_at TEXT NOT NULL,
    revoked_at   TEXT
);
CREATE INDEX tokens_user ON tokens(user_id);

CREATE TABLE login_failures (
    username TEXT NOT NULL,
    at       TEXT NOT NULL
);
CREATE INDEX login_failures_user ON login_failures(username, at);

-- ===== change log for pull (skeleton) =====
-- One row per record: writing a record again deletes its old row and appends a new one, so a
-- pull returns each record once, in its latest form, in server order.
CREATE TABLE changes (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    entity      TEXT NOT NULL,
    id          TEXT NOT NULL,
    deleted     INTEGER NOT NULL DEFAULT 0,
    -- Who may see it: everyone signed in, a subtree (org path), a grid, departments, one user.
    scope_all   INTEGER NOT NULL DEFAULT 0,
    scope_path  TEXT,
    scope_grid  TEXT,
    scope_depts TEXT,
    scope_user  TEXT,
    data        TEXT NOT NULL,
    UNIQUE (entity, id)
);

-- ===== cases (skeleton) =====
CREATE TABLE cases (
    id           TEXT PRIMARY KEY,
    version      INTEGER NOT NULL,
    head_hash    TEXT NOT NULL,
    state        TEXT NOT NULL,
    outcome      TEXT,
    channel      TEXT NOT NULL,
    category     TEXT NOT NULL,
    urgent       INTEGER NOT NULL,
    grid_id      TEXT,
    origin_unit  TEXT NOT NULL,
    origin_path  TEXT NOT NULL,
    holder_unit  TEXT NOT NULL,
    department   TEXT,
    -- ',power,housing,': every department the case was ever dispatched to.
    departments  TEXT NOT NULL DEFAULT ',',
    deadline     TEXT,
    supervisions INTEGER NOT NULL DEFAULT 0,
    reported_at  TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    closed_at    TEXT,
    description  TEXT NOT NULL,
    data         TEXT NOT NULL
);
CREATE INDEX cases_state ON cases(state);
CREATE INDEX cases_origin_path ON cases(origin_path);
CREATE INDEX cases_holder ON cases(holder_unit);
CREATE INDEX cases_grid ON cases(grid_id);
CREATE INDEX cases_reported ON cases(reported_at);
CREATE INDEX cases_department ON cases(department);
-- The console's sorts (updated_at, deadline) and category filter.
CREATE INDEX cases_updated ON cases(updated_at);
CREATE INDEX cases_deadline ON cases(deadline);
CREATE INDEX cases_category ON cases(category);

CREATE TABLE case_events (
    case_id TEXT NOT NULL REFERENCES cases(id),
    seq     INTEGER NOT NULL,
    at      TEXT NOT NULL,
    action  TEXT NOT NULL,
    hash    TEXT NOT NULL,
    data    TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
);
CREATE INDEX case_events_at ON case_events(at);

-- ===== sync (ops, patrols, findings) =====
CREATE TABLE devices (
    device_id  TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id),
    name       TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen  TEXT NOT NULL
);

-- Every op ever received, by op id: a re-sent op is answered from here, never applied twice.
CREATE TABLE ops (
    op_id       TEXT PRIMARY KEY,
    device_id   TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    type        TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    at          TEXT NOT NULL,
    received_at TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('applied', 'rejected')),
    code        TEXT,
    message     TEXT,
    seq         INTEGER,
    -- Kept for rejected ops, so a supervisor can read what was refused.
    data        TEXT,
    -- The org path of the sender's unit when the op arrived: the supervisors of that subtree
    -- see the op's rejection.
    unit_path   TEXT
);
CREATE INDEX ops_rejected ON ops(status, received_at) WHERE status = 'rejected';
CREATE INDEX ops_user ON ops(user_id);

CREATE TABLE patrols (
    id         TEXT PRIMARY KEY,
    grid_id    TEXT NOT NULL REFERENCES grids(id),
    worker_id  TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at   TEXT,
    points     INTEGER NOT NULL DEFAULT 0,
    data       TEXT NOT NULL
);
CREATE INDEX patrols_grid_started ON patrols(grid_id, started_at);
CREATE INDEX patrols_started ON patrols(started_at);

CREATE TABLE track_points (
    patrol_id  TEXT NOT NULL REFERENCES patrols(id),
    t          TEXT NOT NULL,
    lat        REAL NOT NULL,
    lon        REAL NOT NULL,
    accuracy_m REAL,
    mock       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX track_points_patrol ON track_points(patrol_id, t);

CREATE TABLE findings (
    id          TEXT PRIMARY KEY,
    grid_id     TEXT NOT NULL REFERENCES grids(id),
    patrol_id   TEXT,
    worker_id   TEXT NOT NULL,
    category    TEXT NOT NULL,
    disposition TEXT NOT NULL,
    case_id     TEXT,
    observed_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    data        TEXT NOT NULL
);
CREATE INDEX findings_grid ON findings(grid_id, observed_at);
CREATE INDEX findings_case ON findings(case_id);

CREATE TABLE finding_photos (
    finding_id TEXT NOT NULL REFERENCES findings(id),
    position   INTEGER NOT NULL,
    sha256     TEXT NOT NULL,
    PRIMARY KEY (finding_id, position)
);
CREATE INDEX finding_photos_hash ON finding_photos(sha256);

-- ===== photos and uploads (tus) =====
-- A stored photo, named by the SHA-256 of its file; the bytes live in the photo store
-- (`data_dir/photos/ab/<sha256>.jpg`), this row is what the ledger knows of them.
CREATE TABLE photos (
    sha256      TEXT PRIMARY KEY,
    bytes       INTEGER NOT NULL,
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    mime        TEXT NOT NULL CHECK (mime IN ('image/jpeg', 'image/png', 'image/webp')),
    stored_at   TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    -- The finding the first upload named in its Upload-Metadata. A hint for the uploader's own
    -- pull only: who may see a photo follows finding_photos and case_photos, which the records
    -- themselves state.
    finding_id  TEXT
);

-- Everyone who uploaded a photo's bytes. Content addressing turns a second upload of the same
-- file into a no-op, and its uploader may still fetch what they sent.
CREATE TABLE photo_uploaders (
    sha256  TEXT NOT NULL REFERENCES photos(sha256),
    user_id TEXT NOT NULL,
    PRIMARY KEY (sha256, user_id)
) WITHOUT ROWID;

-- Which cases show a photo, so the jurisdiction check of a photo fetch is one index lookup and
-- not a scan of every event. Derived, never written by hand: the trigger below reads the
-- `photos` array of each appended case event (reports, handling feedback, verifications,
-- comments carry one; the action is flattened into the event's JSON).
CREATE TABLE case_photos (
    sha256  TEXT NOT NULL,
    case_id TEXT NOT NULL,
    PRIMARY KEY (sha256, case_id)
) WITHOUT ROWID;

CREATE TRIGGER case_events_photos AFTER INSERT ON case_events
BEGIN
    INSERT OR IGNORE INTO case_photos(sha256, case_id)
    SELECT value, NEW.case_id FROM json_each(NEW.data, '$.photos') WHERE type = 'text';
END;

-- A tus upload in progress (or completed, until it expires). Every byte of state lives here and
-- in `data_dir/uploads/<id>.part`, so any server process can continue any upload.
CREATE TABLE uploads (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL,
    length        INTEGER NOT NULL CHECK (length > 0),
    -- Bytes received, fsynced and acknowledged; the .part file may hold more (unacknowledged).
    upload_offset INTEGER NOT NULL DEFAULT 0 CHECK (upload_offset BETWEEN 0 AND length),
    sha256        TEXT NOT NULL,
    finding_id    TEXT,
    -- The decoded Upload-Metadata, a JSON object of strings.
    metadata      TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    completed_at  TEXT,
    -- The PATCH writing to the upload now: one writer at a time, across processes. A lease
    -- rather than a lock, so a process that dies mid-PATCH blocks the upload only until it ends.
    lease_token   TEXT,
    lease_until   TEXT
);
CREATE INDEX uploads_expires ON uploads(expires_at);
