use super::util::ts;
use super::SqliteTx;
use crate::storage::auth::{AttemptCounts, AttemptEnd, AuthTx, NewToken, StoredUser, TokenRow};
use crate::storage::Result;
use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, OptionalExtension, Row};
use yiwang_core::ids::{DeviceId, GridId, UserId};
use yiwang_core::org::Role;
use yiwang_core::sync::ClientKind;

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

    fn insert_token(&mut self, t: &NewToken<'_>, now: DateTime<Utc>) -> Result<()> {
        self.tx.execute(
            "INSERT INTO tokens(token_hash, user_id, device_id, device_name, created_at,
                                last_used_at, kind, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7)",
            params![
                t.token_hash,
                t.user.0,
                t.device.0,
                t.device_name,
                ts(now),
                t.kind.as_str(),
                t.expires_at.map(ts)
            ],
        )?;
        Ok(())
    }

    fn token(&mut self, token_hash: &str) -> Result<Option<TokenRow>> {
        Ok(self
            .tx
            .prepare_cached(&format!(
                "SELECT {TOKEN_COLS} FROM tokens WHERE token_hash = ?1"
            ))?
            .query_row([token_hash], token_row)
            .optional()?)
    }

    fn touch_token(&mut self, token_hash: &str, now: DateTime<Utc>) -> Result<()> {
        self.tx
            .prepare_cached("UPDATE tokens SET last_used_at = ?2 WHERE token_hash = ?1")?
            .execute(params![token_hash, ts(now)])?;
        Ok(())
    }

    fn revoke_token(&mut self, token_hash: &str, now: DateTime<Utc>) -> Result<bool> {
        let n = self.tx.execute(
            "UPDATE tokens SET revoked_at = ?2 WHERE token_hash = ?1 AND revoked_at IS NULL",
            params![token_hash, ts(now)],
        )?;
        Ok(n > 0)
    }

    fn revoke_user_tokens(
        &mut self,
        user: &UserId,
        kind: Option<ClientKind>,
        except: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        let n = self.tx.execute(
            "UPDATE tokens SET revoked_at = ?2
             WHERE user_id = ?1 AND revoked_at IS NULL
               AND (?3 IS NULL OR kind = ?3) AND (?4 IS NULL OR token_hash <> ?4)",
            params![user.0, ts(now), kind.map(ClientKind::as_str), except],
        )?;
        Ok(n as u64)
    }

    fn revoke_device(
        &mut self,
        user: &UserId,
        device: &DeviceId,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        let n = self.tx.execute(
            "UPDATE tokens SET revoked_at = ?3
             WHERE user_id = ?1 AND device_id = ?2 AND revoked_at IS NULL",
            params![user.0, device.0, ts(now)],
        )?;
        Ok(n as u64)
    }

    fn user_tokens(&mut self, user: &UserId) -> Result<Vec<TokenRow>> {
        let mut st = self.tx.prepare_cached(&format!(
            "SELECT {TOKEN_COLS} FROM tokens WHERE user_id = ?1 ORDER BY created_at DESC"
        ))?;
        let rows = st.query_map([&user.0], token_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn login_counts(
        &mut self,
        username: &str,
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<AttemptCounts> {
        let day = ts(now - Duration::days(1));
        let hour = ts(now - Duration::hours(1));
        // A pending attempt older than this was left by a process that died: a failure.
        let stale = ts(now - Duration::minutes(2));
        let (pair_failures, pair_last, pair_pending) = self
            .tx
            .prepare_cached(
                "SELECT count(*) FILTER (WHERE outcome = 'failed' OR at < ?4),
                        max(at) FILTER (WHERE outcome = 'failed' OR at < ?4),
                        count(*) FILTER (WHERE outcome = 'pending' AND at >= ?4)
                 FROM login_attempts WHERE username = ?1 AND address = ?2 AND at >= ?3",
            )?
            .query_row(params![username, address, day, stale], |r| {
                Ok((
                    r.get::<_, u32>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, u32>(2)?,
                ))
            })?;
        let (address_failures, address_last, address_pending) = self
            .tx
            .prepare_cached(
                "SELECT count(*) FILTER (WHERE outcome = 'failed' OR at < ?3),
                        max(at) FILTER (WHERE outcome = 'failed' OR at < ?3),
                        count(*) FILTER (WHERE outcome = 'pending' AND at >= ?3)
                 FROM login_attempts WHERE address = ?1 AND at >= ?2",
            )?
            .query_row(params![address, hour, stale], |r| {
                Ok((
                    r.get::<_, u32>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, u32>(2)?,
                ))
            })?;
        let account_failures: u32 = self
            .tx
            .prepare_cached(
                "SELECT count(*) FROM login_attempts
                 WHERE username = ?1 AND at >= ?2 AND (outcome = 'failed' OR at < ?3)",
            )?
            .query_row(params![username, hour, stale], |r| r.get(0))?;
        let time = |t: Option<String>| t.map(|t| super::util::parse_ts(&t)).transpose();
        Ok(AttemptCounts {
            pair_failures,
            pair_last: time(pair_last)?,
            pair_pending,
            address_failures,
            address_last: time(address_last)?,
            address_pending,
            account_failures,
        })
    }

    fn begin_login_attempt(
        &mut self,
        username: &str,
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        self.tx
            .prepare_cached(
                "INSERT INTO login_attempts(username, address, at, outcome)
                 VALUES (?1, ?2, ?3, 'pending')",
            )?
            .execute(params![username, address, ts(now)])?;
        Ok(self.tx.last_insert_rowid())
    }

    fn end_login_attempt(&mut self, id: i64, end: AttemptEnd) -> Result<()> {
        let sql = match end {
            AttemptEnd::Succeeded => {
                "DELETE FROM login_attempts WHERE id = ?1
                    OR (outcome = 'failed' AND (username, address) =
                        (SELECT username, address FROM login_attempts WHERE id = ?1))"
            }
            AttemptEnd::Failed => "UPDATE login_attempts SET outcome = 'failed' WHERE id = ?1",
            AttemptEnd::Abandoned => "DELETE FROM login_attempts WHERE id = ?1",
        };
        self.tx.prepare_cached(sql)?.execute([id])?;
        Ok(())
    }

    fn prune_login_attempts(&mut self, before: DateTime<Utc>) -> Result<u64> {
        let n = self
            .tx
            .execute("DELETE FROM login_attempts WHERE at < ?1", [ts(before)])?;
        Ok(n as u64)
    }
}

const TOKEN_COLS: &str = "user_id, device_id, device_name, kind, created_at, last_used_at, \
    expires_at, revoked_at";

fn token_row(r: &Row<'_>) -> rusqlite::Result<TokenRow> {
    let kind: String = r.get(3)?;
    let time = |i: usize| -> rusqlite::Result<Option<DateTime<Utc>>> {
        r.get::<_, Option<String>>(i)?
            .map(|t| super::util::parse_ts(&t))
            .transpose()
    };
    Ok(TokenRow {
        user_id: UserId(r.get(0)?),
        device_id: DeviceId(r.get(1)?),
        device_name: r.get(2)?,
        kind: ClientKind::parse(&kind).unwrap_or_default(),
        created_at: super::util::parse_ts(&r.get::<_, String>(4)?)?,
        last_used_at: super::util::parse_ts(&r.get::<_, String>(5)?)?,
        expires_at: time(6)?,
        revoked_at: time(7)?,
    })
}
