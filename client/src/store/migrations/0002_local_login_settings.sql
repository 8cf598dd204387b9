-- Yiwang device store, schema 2: offline sign-in and the app's settings.

-- Who signed in on this device before, with a local argon2id verifier of their password, so
-- they can sign in again with no signal. One row per server and user name; the password
-- itself is never stored.
CREATE TABLE local_logins (
    server_url TEXT NOT NULL,
    username   TEXT NOT NULL,
    user_json  TEXT NOT NULL,
    verifier   TEXT NOT NULL, -- PHC string ($argon2id$…)
    updated_at TEXT NOT NULL,
    PRIMARY KEY (server_url, username)
) STRICT;

-- The app's settings (language, watermark, server address), by name.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
