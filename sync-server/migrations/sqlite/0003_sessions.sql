-- Sessions that end, and sign-in throttling that neither races nor locks out (issue 12).
--
-- 1. A token is for the console or for a device. A console session ends after 12 idle hours
--    and 7 days at the most (`expires_at`); a device's sign-in lasts while it is used (90 idle
--    days). `last_used_at` is kept as tokens are used. Tokens from before this version were
--    handed out to devices and the console alike; they count as device tokens.
ALTER TABLE tokens ADD COLUMN kind TEXT NOT NULL DEFAULT 'device'
    CHECK (kind IN ('console', 'device'));
ALTER TABLE tokens ADD COLUMN expires_at TEXT;
CREATE INDEX tokens_user_device ON tokens(user_id, device_id);

-- 2. Every sign-in attempt, by the account it named and the address it came from: `pending`
--    while its password is being checked (reserved in the same transaction that counted the
--    attempts before it, so a burst of parallel guesses cannot overtake the count), `failed`
--    afterwards. A success deletes its own row and the failures of the same account from the
--    same address. Rows older than a day are pruned.
DROP TABLE login_failures;
CREATE TABLE login_attempts (
    id       INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    address  TEXT NOT NULL,
    at       TEXT NOT NULL,
    outcome  TEXT NOT NULL CHECK (outcome IN ('pending', 'failed'))
);
CREATE INDEX login_attempts_account ON login_attempts(username, at);
CREATE INDEX login_attempts_address ON login_attempts(address, at);
CREATE INDEX login_attempts_at ON login_attempts(at);
