use super::util::ts;
use super::SqliteTx;
use crate::storage::auth::{AuthTx, StoredUser, TokenRow};
use crate::storage::Result;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Row};
use yiwang_core::ids::{DeviceId, GridId, UserId};
use yiwang_core::org::Role;

const USER_COLS: &str =
    "id, username, display_name, role, org_unit_id, department_id, password_hash, demo_password, disabled";

fn user_row(r: &Row<'_>) -> rusqlite::Result<StoredUser> {
    let role: String = r.get(3)?;
    Ok(StoredUser {
        id: UserId(r.get(0)?),
        username: r.get(1)?,
        display_name: r.get(2)?,
        role: Role::parse(&role).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                3,
                rusqlite::types::Type::Text,
                format!("unknown role {role}").into(),
            )
        })?,
        org_unit_id: r.get::<_, Option<String>>(4)?.map(Into::into),
        department_id: r.get::<_, Option<String>>(5)?.map(Into::into),
        grid_ids: vec![],
        password_hash: r.get(6)?,
        demo_password: r.get(7)?,
        disabled: r.get(8)?,
    })
}

impl SqliteTx<'_> {
    fn with_grids(&self, mut u: StoredUser) -> Result<StoredUser> {
        let mut st = self
            .tx
            .prepare_cached("SELECT grid_id FROM user_grids WHERE user_id = ?1 ORDER BY grid_id")?;
        u.grid_ids = st
            .query_map([&u.id.0], |r| r.get::<_, String>(0).map(GridId))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(u)
    }

    fn write_grids(&self, u: &StoredUser) -> Result<()> {
        self.tx
            .execute("DELETE FROM user_grids WHERE user_id = ?1", [&u.id.0])?;
        let mut st = self
            .tx
            .prepare_cached("INSERT INTO user_grids(user_id, grid_id) VALUES (?1, ?2)")?;
        for g in &u.grid_ids {
            st.execute([&u.id.0, &g.0])?;
        }
        Ok(())
    }
}

impl AuthTx for SqliteTx<'_> {
    fn insert_user(&mut self, u: &StoredUser, now: DateTime<Utc>) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO users(id, username, display_name, role, org_unit_id, department_id,
                               password_hash, demo_password, disabled, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                u.id.0,
                u.username,
                u.display_name,
                u.role.as_str(),
                u.org_unit_id.as_ref().map(|x| &x.0),
                u.department_id.as_ref().map(|x| &x.0),
                u.password_hash,
                u.demo_password,
                u.disabled,
                ts(now)
            ])?;
        self.write_grids(u)
    }

    fn update_user(&mut self, u: &StoredUser) -> Result<()> {
        let n = self.tx.execute(
            "UPDATE users SET username = ?2, display_name = ?3, role = ?4, org_unit_id = ?5,
                department_id = ?6, password_hash = ?7, demo_password = ?8, disabled = ?9
             WHERE id = ?1",
            params![
                u.id.0,
                u.username,
                u.display_name,
                u.role.as_str(),
                u.org_unit_id.as_ref().map(|x| &x.0),
                u.department_id.as_ref().map(|x| &x.0),
                u.password_hash,
                u.demo_password,
                u.disabled
            ],
        )?;
        if n == 0 {
            return Err(crate::storage::StorageError::NotFound("user"));
        }
        self.write_grids(u)
    }

    fn user_by_name(&mut self, username: &str) -> Result<Option<StoredUser>> {
        let u = self
            .tx
            .prepare_cached(&format!(
                "SELECT {USER_COLS} FROM users WHERE username = ?1"
            ))?
            .query_row([username], user_row)
            .optional()?;
        u.map(|u| self.with_grids(u)).transpose()
    }

    fn user_by_id(&mut self, id: &UserId) -> Result<Option<StoredUser>> {
        let u = self
            .tx
            .prepare_cached(&format!("SELECT {USER_COLS} FROM users WHERE id = ?1"))?
            .query_row([&id.0], user_row)
            .optional()?;
        u.map(|u| self.with_grids(u)).transpose()
    }

    fn users(&mut self) -> Result<Vec<StoredUser>> {
        let mut grids: std::collections::HashMap<String, Vec<GridId>> = Default::default();
        {
            let mut st = self
                .tx
                .prepare("SELECT user_id, grid_id FROM user_grids ORDER BY grid_id")?;
            let rows =
                st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            for row in rows {
                let (u, g) = row?;
                grids.entry(u).or_default().push(GridId(g));
            }
        }
        let mut st = self
            .tx
            .prepare(&format!("SELECT {USER_COLS} FROM users ORDER BY username"))?;
        let users = st
            .query_map([], user_row)?
            .map(|u| {
                u.map(|mut u| {
                    u.grid_ids = grids.remove(&u.id.0).unwrap_or_default();
                    u
                })
            })
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(users)
    }

    fn insert_token(
        &mut self,
        token_hash: &str,
        user: &UserId,
        device: &DeviceId,
        device_name: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.tx.execute(
            "INSERT INTO tokens(token_hash, user_id, device_id, device_name, created_at, last_used_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            params![token_hash, user.0, device.0, device_name, ts(now)],
        )?;
        Ok(())
    }

    fn token(&mut self, token_hash: &str) -> Result<Option<TokenRow>> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT user_id, device_id, revoked_at IS NOT NULL FROM tokens WHERE token_hash = ?1",
            )?
            .query_row([token_hash], |r| {
                Ok(TokenRow {
                    user_id: UserId(r.get(0)?),
                    device_id: DeviceId(r.get(1)?),
                    revoked: r.get(2)?,
                })
            })
            .optional()?)
    }

    fn revoke_token(&mut self, token_hash: &str, now: DateTime<Utc>) -> Result<bool> {
        let n = self.tx.execute(
            "UPDATE tokens SET revoked_at = ?2 WHERE token_hash = ?1 AND revoked_at IS NULL",
            params![token_hash, ts(now)],
        )?;
        Ok(n > 0)
    }

    fn revoke_user_tokens(&mut self, user: &UserId, now: DateTime<Utc>) -> Result<u64> {
        let n = self.tx.execute(
            "UPDATE tokens SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL",
            params![user.0, ts(now)],
        )?;
        Ok(n as u64)
    }

    fn record_login_failure(&mut self, username: &str, now: DateTime<Utc>) -> Result<()> {
        self.tx.execute(
            "INSERT INTO login_failures(username, at) VALUES (?1, ?2)",
            params![username, ts(now)],
        )?;
        Ok(())
    }

    fn login_failures_since(&mut self, username: &str, since: DateTime<Utc>) -> Result<u64> {
        let n: i64 = self.tx.query_row(
            "SELECT count(*) FROM login_failures WHERE username = ?1 AND at >= ?2",
            params![username, ts(since)],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    fn clear_login_failures(&mut self, username: &str) -> Result<()> {
        self.tx
            .execute("DELETE FROM login_failures WHERE username = ?1", [username])?;
        Ok(())
    }
}
