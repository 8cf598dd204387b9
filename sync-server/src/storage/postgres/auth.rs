//! PostgreSQL: users, bearer tokens and sign-in throttling (the port of `sqlite/auth.rs`).

use super::util::{parse_ts, ts};
use super::PgTx;
use crate::storage::auth::{AttemptCounts, AttemptEnd, AuthTx, NewToken, StoredUser, TokenRow};
use crate::storage::{Result, StorageError};
use ::postgres::Row;
use chrono::{DateTime, Duration, Utc};
use yiwang_core::ids::{DeviceId, GridId, UserId};
use yiwang_core::org::Role;
use yiwang_core::sync::ClientKind;

const USER_COLS: &str =
    "id, username, display_name, role, org_unit_id, department_id, password_hash, demo_password, disabled";

fn user_row(r: &Row) -> Result<StoredUser> {
    let role: String = r.get(3);
    Ok(StoredUser {
        id: UserId(r.get(0)),
        username: r.get(1),
        display_name: r.get(2),
        role: Role::parse(&role)
            .ok_or_else(|| StorageError::Invalid(format!("unknown role {role}")))?,
        org_unit_id: r.get::<_, Option<String>>(4).map(Into::into),
        department_id: r.get::<_, Option<String>>(5).map(Into::into),
        grid_ids: vec![],
        password_hash: r.get(6),
        demo_password: r.get(7),
        disabled: r.get(8),
    })
}

/// A `count(*)` (BIGINT) as the throttle's `u32`.
fn count(r: &Row, i: usize) -> Result<u32> {
    let n: i64 = r.get(i);
    u32::try_from(n).map_err(|_| StorageError::Invalid(format!("count {n} is out of range")))
}

impl PgTx<'_> {
    fn with_grids(&mut self, mut u: StoredUser) -> Result<StoredUser> {
        u.grid_ids = self
            .rows(
                "SELECT grid_id FROM user_grids WHERE user_id = $1 ORDER BY grid_id",
                &[&u.id.0],
            )?
            .iter()
            .map(|r| GridId(r.get(0)))
            .collect();
        Ok(u)
    }

    fn write_grids(&mut self, u: &StoredUser) -> Result<()> {
        self.exec("DELETE FROM user_grids WHERE user_id = $1", &[&u.id.0])?;
        for g in &u.grid_ids {
            self.exec(
                "INSERT INTO user_grids(user_id, grid_id) VALUES ($1, $2)",
                &[&u.id.0, &g.0],
            )?;
        }
        Ok(())
    }
}

impl AuthTx for PgTx<'_> {
    fn insert_user(&mut self, u: &StoredUser, now: DateTime<Utc>) -> Result<()> {
        self.exec(
            "INSERT INTO users(id, username, display_name, role, org_unit_id, department_id,
                               password_hash, demo_password, disabled, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[
                &u.id.0,
                &u.username,
                &u.display_name,
                &u.role.as_str(),
                &u.org_unit_id.as_ref().map(|x| x.0.as_str()),
                &u.department_id.as_ref().map(|x| x.0.as_str()),
                &u.password_hash,
                &u.demo_password,
                &u.disabled,
                &ts(now),
            ],
        )?;
        self.write_grids(u)
    }

    fn update_user(&mut self, u: &StoredUser) -> Result<()> {
        let n = self.exec(
            "UPDATE users SET username = $2, display_name = $3, role = $4, org_unit_id = $5,
                department_id = $6, password_hash = $7, demo_password = $8, disabled = $9
             WHERE id = $1",
            &[
                &u.id.0,
                &u.username,
                &u.display_name,
                &u.role.as_str(),
                &u.org_unit_id.as_ref().map(|x| x.0.as_str()),
                &u.department_id.as_ref().map(|x| x.0.as_str()),
                &u.password_hash,
                &u.demo_password,
                &u.disabled,
            ],
        )?;
        if n == 0 {
            return Err(StorageError::NotFound("user"));
        }
        self.write_grids(u)
    }

    fn user_by_name(&mut self, username: &str) -> Result<Option<StoredUser>> {
        let u = self
            .opt_row(
                &format!("SELECT {USER_COLS} FROM users WHERE username = $1"),
                &[&username],
            )?
            .map(|r| user_row(&r))
            .transpose()?;
        u.map(|u| self.with_grids(u)).transpose()
    }

    fn user_by_id(&mut self, id: &UserId) -> Result<Option<StoredUser>> {
        let u = self
            .opt_row(
                &format!("SELECT {USER_COLS} FROM users WHERE id = $1"),
                &[&id.0],
            )?
            .map(|r| user_row(&r))
            .transpose()?;
        u.map(|u| self.with_grids(u)).transpose()
    }

    fn users(&mut self) -> Result<Vec<StoredUser>> {
        let mut grids: std::collections::HashMap<String, Vec<GridId>> = Default::default();
        for r in self.rows(
            "SELECT user_id, grid_id FROM user_grids ORDER BY grid_id",
            &[],
        )? {
            grids
                .entry(r.get::<_, String>(0))
                .or_default()
                .push(GridId(r.get(1)));
        }
        self.rows(
            &format!("SELECT {USER_COLS} FROM users ORDER BY username"),
            &[],
        )?
        .iter()
        .map(|r| {
            let mut u = user_row(r)?;
            u.grid_ids = grids.remove(&u.id.0).unwrap_or_default();
            Ok(u)
        })
        .collect()
    }

    fn insert_token(&mut self, t: &NewToken<'_>, now: DateTime<Utc>) -> Result<()> {
        self.exec(
            "INSERT INTO tokens(token_hash, user_id, device_id, device_name, created_at,
                                last_used_at, kind, expires_at)
             VALUES ($1, $2, $3, $4, $5, $5, $6, $7)",
            &[
                &t.token_hash,
                &t.user.0,
                &t.device.0,
                &t.device_name,
                &ts(now),
                &t.kind.as_str(),
                &t.expires_at.map(ts),
            ],
        )?;
        Ok(())
    }

    fn token(&mut self, token_hash: &str) -> Result<Option<TokenRow>> {
        self.opt_row(
            &format!("SELECT {TOKEN_COLS} FROM tokens WHERE token_hash = $1"),
            &[&token_hash],
        )?
        .map(|r| token_row(&r))
        .transpose()
    }

    fn touch_token(&mut self, token_hash: &str, now: DateTime<Utc>) -> Result<()> {
        self.exec(
            "UPDATE tokens SET last_used_at = $2 WHERE token_hash = $1",
            &[&token_hash, &ts(now)],
        )?;
        Ok(())
    }

    fn revoke_token(&mut self, token_hash: &str, now: DateTime<Utc>) -> Result<bool> {
        let n = self.exec(
            "UPDATE tokens SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL",
            &[&token_hash, &ts(now)],
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
        self.exec(
            "UPDATE tokens SET revoked_at = $2
             WHERE user_id = $1 AND revoked_at IS NULL
               AND ($3::text IS NULL OR kind = $3::text)
               AND ($4::text IS NULL OR token_hash <> $4::text)",
            &[&user.0, &ts(now), &kind.map(ClientKind::as_str), &except],
        )
    }

    fn revoke_device(
        &mut self,
        user: &UserId,
        device: &DeviceId,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        self.exec(
            "UPDATE tokens SET revoked_at = $3
             WHERE user_id = $1 AND device_id = $2 AND revoked_at IS NULL",
            &[&user.0, &device.0, &ts(now)],
        )
    }

    fn user_tokens(&mut self, user: &UserId) -> Result<Vec<TokenRow>> {
        self.rows(
            &format!("SELECT {TOKEN_COLS} FROM tokens WHERE user_id = $1 ORDER BY created_at DESC"),
            &[&user.0],
        )?
        .iter()
        .map(token_row)
        .collect()
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
        let r = self.one(
            "SELECT count(*) FILTER (WHERE outcome = 'failed' OR at < $4),
                    max(at) FILTER (WHERE outcome = 'failed' OR at < $4),
                    count(*) FILTER (WHERE outcome = 'pending' AND at >= $4)
             FROM login_attempts WHERE username = $1 AND address = $2 AND at >= $3",
            &[&username, &address, &day, &stale],
        )?;
        let (pair_failures, pair_last, pair_pending) =
            (count(&r, 0)?, r.get::<_, Option<String>>(1), count(&r, 2)?);
        let r = self.one(
            "SELECT count(*) FILTER (WHERE outcome = 'failed' OR at < $3),
                    max(at) FILTER (WHERE outcome = 'failed' OR at < $3),
                    count(*) FILTER (WHERE outcome = 'pending' AND at >= $3)
             FROM login_attempts WHERE address = $1 AND at >= $2",
            &[&address, &hour, &stale],
        )?;
        let (address_failures, address_last, address_pending) =
            (count(&r, 0)?, r.get::<_, Option<String>>(1), count(&r, 2)?);
        let r = self.one(
            "SELECT count(*) FROM login_attempts
             WHERE username = $1 AND at >= $2 AND (outcome = 'failed' OR at < $3)",
            &[&username, &hour, &stale],
        )?;
        let account_failures = count(&r, 0)?;
        let time = |t: Option<String>| t.map(|t| parse_ts(&t)).transpose();
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
        let r = self.one(
            "INSERT INTO login_attempts(username, address, at, outcome)
             VALUES ($1, $2, $3, 'pending')
             RETURNING id",
            &[&username, &address, &ts(now)],
        )?;
        // Written through `one` for its RETURNING: count the row here.
        self.writes += 1;
        Ok(r.get(0))
    }

    fn end_login_attempt(&mut self, id: i64, end: AttemptEnd) -> Result<()> {
        let sql = match end {
            AttemptEnd::Succeeded => {
                "DELETE FROM login_attempts WHERE id = $1
                    OR (outcome = 'failed' AND (username, address) =
                        (SELECT username, address FROM login_attempts WHERE id = $1))"
            }
            AttemptEnd::Failed => "UPDATE login_attempts SET outcome = 'failed' WHERE id = $1",
            AttemptEnd::Abandoned => "DELETE FROM login_attempts WHERE id = $1",
        };
        self.exec(sql, &[&id])?;
        Ok(())
    }

    fn prune_login_attempts(&mut self, before: DateTime<Utc>) -> Result<u64> {
        self.exec("DELETE FROM login_attempts WHERE at < $1", &[&ts(before)])
    }
}

const TOKEN_COLS: &str = "user_id, device_id, device_name, kind, created_at, last_used_at, \
    expires_at, revoked_at";

fn token_row(r: &Row) -> Result<TokenRow> {
    let kind: String = r.get(3);
    let time = |i: usize| -> Result<Option<DateTime<Utc>>> {
        r.get::<_, Option<String>>(i)
            .map(|t| parse_ts(&t))
            .transpose()
    };
    Ok(TokenRow {
        user_id: UserId(r.get(0)),
        device_id: DeviceId(r.get(1)),
        device_name: r.get(2),
        kind: ClientKind::parse(&kind).unwrap_or_default(),
        created_at: parse_ts(&r.get::<_, String>(4))?,
        last_used_at: parse_ts(&r.get::<_, String>(5))?,
        expires_at: time(6)?,
        revoked_at: time(7)?,
    })
}
