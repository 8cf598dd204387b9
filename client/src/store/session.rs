//! This installation and who is signed in on it.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};
use yiwang_core::ids::DeviceId;
use yiwang_core::sync::UserInfo;

use super::{json_col, optional, ts, ts_col, Result, Store, StoreError};

/// This installation of the app, as the server knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    /// A UUIDv7 made on first open; it never changes.
    pub id: DeviceId,
    pub name: String,
}

/// The signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub server_url: String,
    /// `None` after a logout or a 401: the user is remembered (field work goes on offline, and
    /// is recorded as theirs), but nothing is pushed until they sign in again.
    pub token: Option<String>,
    pub user: UserInfo,
    pub logged_in_at: DateTime<Utc>,
}

impl Store {
    /// This installation.
    pub fn device(&self) -> Result<Device> {
        let conn = self.lock();
        Ok(conn.query_row(
            "SELECT device_id, device_name FROM device WHERE id = 1",
            [],
            |r| {
                Ok(Device {
                    id: DeviceId::new(r.get::<_, String>(0)?),
                    name: r.get(1)?,
                })
            },
        )?)
    }

    /// This installation's id, sent with every login and push.
    pub fn device_id(&self) -> Result<DeviceId> {
        Ok(self.device()?.id)
    }

    /// Names the device as the user wants it shown to supervisors.
    pub fn set_device_name(&self, name: &str) -> Result<()> {
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::invalid("device_name", "give the device a name"));
        }
        self.write(|tx| {
            tx.execute("UPDATE device SET device_name = ?1 WHERE id = 1", [name])?;
            Ok(())
        })
    }

    /// Who is signed in, if anyone ever was.
    pub fn session(&self) -> Result<Option<Session>> {
        session(&self.lock())
    }

    /// Records a login. A different user replaces the previous one.
    pub fn set_session(&self, server_url: &str, token: &str, user: &UserInfo) -> Result<Session> {
        let session = Session {
            server_url: server_url.to_owned(),
            token: Some(token.to_owned()),
            user: user.clone(),
            logged_in_at: self.now(),
        };
        let user_json = serde_json::to_string(user)?;
        self.write(|tx| {
            tx.execute(
                "INSERT INTO session (id, user_id, user_json, token, server_url, logged_in_at)
                 VALUES (1, ?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id,
                    user_json = excluded.user_json, token = excluded.token,
                    server_url = excluded.server_url, logged_in_at = excluded.logged_in_at",
                params![
                    user.id.as_str(),
                    user_json,
                    token,
                    server_url,
                    ts(session.logged_in_at)
                ],
            )?;
            Ok(())
        })?;
        Ok(session)
    }

    /// Forgets the token (logout, or the server answered 401) but keeps the user and the
    /// device, so the outbox and offline work survive until the next login.
    pub fn clear_token(&self) -> Result<()> {
        self.write(|tx| {
            tx.execute("UPDATE session SET token = NULL WHERE id = 1", [])?;
            Ok(())
        })
    }
}

pub(super) fn session(conn: &Connection) -> Result<Option<Session>> {
    optional(conn.query_row(
        "SELECT server_url, token, user_json, logged_in_at FROM session WHERE id = 1",
        [],
        |r| {
            Ok(Session {
                server_url: r.get(0)?,
                token: r.get(1)?,
                user: json_col(r, 2)?,
                logged_in_at: ts_col(r, 3)?,
            })
        },
    ))
}

/// The user on whose behalf local records are made.
pub(super) fn current_user(conn: &Connection) -> Result<UserInfo> {
    session(conn)?
        .map(|s| s.user)
        .ok_or(StoreError::NotLoggedIn)
}
