//! What only this device keeps for the app: offline sign-in verifiers, settings, and the
//! session changes the app makes without the server (an offline sign-in, a logout).

use rusqlite::params;
use yiwang_core::sync::UserInfo;

use super::outbox::{OutboxEntry, ENTRY_COLUMNS};
use super::{json_col, optional, ts, Result, Store, StoreError};

/// A user who signed in on this device before, with the local verifier of their password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalLogin {
    pub server_url: String,
    pub user: UserInfo,
    /// An argon2id PHC string; the password itself is never stored.
    pub verifier: String,
}

impl Store {
    /// The sign-in remembered for `username` at `server_url`, if any.
    pub fn local_login(&self, server_url: &str, username: &str) -> Result<Option<LocalLogin>> {
        self.read(|tx| {
            optional(tx.query_row(
                "SELECT user_json, verifier FROM local_logins
                 WHERE server_url = ?1 AND username = ?2",
                params![server_url, username],
                |r| {
                    Ok(LocalLogin {
                        server_url: server_url.to_owned(),
                        user: json_col(r, 0)?,
                        verifier: r.get(1)?,
                    })
                },
            ))
        })
    }

    /// Remembers a successful online sign-in with the verifier of its password.
    pub fn set_local_login(&self, server_url: &str, user: &UserInfo, verifier: &str) -> Result<()> {
        if !verifier.starts_with('$') {
            return Err(StoreError::invalid(
                "verifier",
                "a password verifier is a PHC string",
            ));
        }
        let user_json = serde_json::to_string(user)?;
        let now = ts(self.now());
        self.write(|tx| {
            tx.execute(
                "INSERT INTO local_logins (server_url, username, user_json, verifier, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (server_url, username) DO UPDATE SET user_json = excluded.user_json,
                    verifier = excluded.verifier, updated_at = excluded.updated_at",
                params![server_url, user.username, user_json, verifier, now],
            )?;
            Ok(())
        })
    }

    /// Signs `user` in without the server: the session has no token, so field work is recorded
    /// as theirs and the outbox waits for an online sign-in.
    pub fn set_offline_session(&self, server_url: &str, user: &UserInfo) -> Result<()> {
        let user_json = serde_json::to_string(user)?;
        let now = ts(self.now());
        self.write(|tx| {
            tx.execute(
                "INSERT INTO session (id, user_id, user_json, token, server_url, logged_in_at)
                 VALUES (1, ?1, ?2, NULL, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id,
                    user_json = excluded.user_json, token = NULL,
                    server_url = excluded.server_url, logged_in_at = excluded.logged_in_at",
                params![user.id.as_str(), user_json, server_url, now],
            )?;
            Ok(())
        })
    }

    /// Forgets who is signed in (logout). Refused while ops or photos wait: they are recorded
    /// as the user's, and only their sign-in can send them.
    pub fn clear_session(&self) -> Result<()> {
        self.write(|tx| {
            let waiting: i64 = tx.query_row(
                "SELECT (SELECT count(*) FROM outbox WHERE state = 'waiting')
                      + (SELECT count(*) FROM photos WHERE upload_state = 'waiting'
                                                       AND path IS NOT NULL)",
                [],
                |r| r.get(0),
            )?;
            if waiting > 0 {
                return Err(StoreError::invalid(
                    "session",
                    format!("{waiting} records still wait to be sent; sync before signing out"),
                ));
            }
            tx.execute("DELETE FROM session WHERE id = 1", [])?;
            Ok(())
        })
    }

    /// A setting by name.
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        self.read(|tx| {
            optional(
                tx.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                    r.get(0)
                }),
            )
        })
    }

    /// Sets several settings in one transaction.
    pub fn set_settings(&self, values: &[(&str, &str)]) -> Result<()> {
        self.write(|tx| {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )?;
            for (k, v) in values {
                stmt.execute(params![k, v])?;
            }
            Ok(())
        })
    }

    /// Up to `limit` ops still waiting for the server, oldest first, with their bookkeeping.
    pub fn outbox_waiting(&self, limit: u32) -> Result<Vec<OutboxEntry>> {
        self.read(|tx| {
            let mut stmt = tx.prepare_cached(&format!(
                "SELECT {ENTRY_COLUMNS} FROM outbox WHERE state = 'waiting' ORDER BY seq LIMIT ?1"
            ))?;
            let rows = stmt
                .query_map([i64::from(limit)], super::outbox::entry_row)?
                .collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        })
    }

    /// How many photo files wait for upload.
    pub fn photos_waiting_count(&self) -> Result<u32> {
        self.read(|tx| {
            let n: i64 = tx.query_row(
                "SELECT count(*) FROM photos WHERE upload_state = 'waiting' AND path IS NOT NULL",
                [],
                |r| r.get(0),
            )?;
            Ok(u32::try_from(n).unwrap_or(u32::MAX))
        })
    }
}

impl Store {
    /// "Now" by the store's clock (the wall clock unless a test replaced it), so the app and
    /// the store agree on what today is.
    pub fn clock_now(&self) -> chrono::DateTime<chrono::Utc> {
        self.now()
    }
}
