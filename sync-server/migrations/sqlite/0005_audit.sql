-- The audit log (issue 13): who did what to the county's accounts and reference data, and who
-- took the case list away as a file. One row per sign-in (successful or failed), sign-out,
-- password change or reset, admin action and export.
--
-- `actor_*` are NULL for a failed sign-in (nobody is signed in yet; the name tried is in
-- `target`). `action` is a stable snake_case word (`sign_in`, `password_reset`,
-- `grids_import`, …); `detail` is a JSON object. Rows older than 180 days are pruned, and
-- failed sign-ins — the only rows someone without an account can cause — are kept to the
-- newest 100,000 (the sign-in throttle bounds how fast they come anyway).
CREATE TABLE audit_log (
    id              INTEGER PRIMARY KEY,
    at              TEXT NOT NULL,
    actor_id        TEXT,
    actor_username  TEXT,
    actor_role      TEXT,
    action          TEXT NOT NULL,
    target          TEXT,
    detail          TEXT NOT NULL DEFAULT '{}',
    address         TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_action ON audit_log(action, id);
CREATE INDEX audit_log_actor ON audit_log(actor_username, id);
