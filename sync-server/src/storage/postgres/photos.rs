//! PostgreSQL: photo metadata and their uploaders, tus uploads with their write leases, and the
//! sweep of photos no record names (the port of `sqlite/photos.rs`).

use super::util::{json, parse_ts, ts};
use super::PgTx;
use crate::storage::photos::{OpenUploads, PhotoCheck, PhotoFinding, PhotoRecord, PhotoTx, Upload};
use crate::storage::{Result, StorageError};
use ::postgres::Row;
use chrono::{DateTime, Utc};
use yiwang_core::ids::{CaseId, FindingId, GridId, PhotoHash, UserId};

fn hash_col(row: &Row, i: usize) -> Result<PhotoHash> {
    let s: String = row.get(i);
    PhotoHash::parse(&s)
        .ok_or_else(|| StorageError::Invalid(format!("stored photo hash is not a SHA-256: {s:?}")))
}

fn u64_col(row: &Row, i: usize) -> Result<u64> {
    let v: i64 = row.get(i);
    u64::try_from(v).map_err(|_| StorageError::Invalid(format!("stored size {v} is negative")))
}

fn u32_col(row: &Row, i: usize) -> Result<u32> {
    let v: i64 = row.get(i);
    u32::try_from(v)
        .map_err(|_| StorageError::Invalid(format!("stored dimension {v} is not a u32")))
}

fn ts_col(row: &Row, i: usize) -> Result<DateTime<Utc>> {
    parse_ts(&row.get::<_, String>(i))
}

/// PostgreSQL integers are BIGINT (i64); sizes and offsets never come near the limit, but say so
/// if one did.
fn int(v: u64) -> Result<i64> {
    i64::try_from(v).map_err(|_| StorageError::Invalid(format!("{v} does not fit the ledger")))
}

const UPLOAD_COLUMNS: &str = "id, user_id, length, upload_offset, sha256, finding_id, metadata,
    created_at, expires_at, completed_at";

fn upload_row(row: &Row) -> Result<Upload> {
    let metadata: String = row.get(6);
    Ok(Upload {
        id: row.get(0),
        user_id: UserId(row.get(1)),
        length: u64_col(row, 2)?,
        offset: u64_col(row, 3)?,
        sha256: hash_col(row, 4)?,
        finding_id: row.get::<_, Option<String>>(5).map(FindingId::from),
        metadata: serde_json::from_str(&metadata)?,
        created_at: ts_col(row, 7)?,
        expires_at: ts_col(row, 8)?,
        completed_at: row
            .get::<_, Option<String>>(9)
            .map(|s| parse_ts(&s))
            .transpose()?,
    })
}

/// The living process that holds an upload's lease, as a subquery over the row's `lease_token`
/// (`$6`: `LEASE_LOCK_CLASS`): a token begins with its process's mark (eight hex digits and a
/// dot, `PgLedger::lease_mark`), and a living process holds the session advisory lock
/// (LEASE_LOCK_CLASS, mark) on a connection of its own; a process that died lost its
/// connection and with it the lock. A token without a mark is nobody's.
const LEASE_HOLDER: &str = "SELECT 1 FROM pg_locks l
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
        AND l.classid::bigint = $6::bigint
        AND l.objid::bigint = CASE WHEN lease_token ~ '^[0-7][0-9a-f]{7}[.]'
            THEN ('x' || substr(lease_token, 1, 8))::bit(32)::int::bigint END";

impl PhotoTx for PgTx<'_> {
    fn insert_upload(&mut self, u: &Upload) -> Result<()> {
        self.exec(
            "INSERT INTO uploads(id, user_id, length, upload_offset, sha256, finding_id,
                                 metadata, created_at, expires_at, completed_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[
                &u.id,
                &u.user_id.0,
                &int(u.length)?,
                &int(u.offset)?,
                &u.sha256.as_str(),
                &u.finding_id.as_ref().map(|f| f.as_str()),
                &json(&u.metadata),
                &ts(u.created_at),
                &ts(u.expires_at),
                &u.completed_at.map(ts),
            ],
        )?;
        Ok(())
    }

    fn upload(&mut self, id: &str) -> Result<Option<Upload>> {
        self.opt_row(
            &format!("SELECT {UPLOAD_COLUMNS} FROM uploads WHERE id = $1"),
            &[&id],
        )?
        .map(|r| upload_row(&r))
        .transpose()
    }

    fn lease_upload(
        &mut self,
        id: &str,
        token: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        deadline: DateTime<Utc>,
    ) -> Result<bool> {
        // One conditional UPDATE takes the lease, so it is atomic whichever process asks: a
        // second UPDATE of the row waits for the first to commit and then re-checks the WHERE
        // against the row as the first left it (and write transactions hold the ledger's write
        // lock besides). Timestamps are fixed-width RFC 3339 text compared byte by byte (the C
        // collation), so GREATEST/LEAST order them as times.
        // A lease whose process is gone (killed mid-PATCH) is free at once, so its device
        // resumes on a sibling without waiting for the lease to lapse.
        let n = self.exec(
            &format!(
                "UPDATE uploads SET lease_token = $2, lease_until = $4::text,
                        expires_at = GREATEST(expires_at, LEAST($4::text, $5::text))
                 WHERE id = $1 AND (lease_token IS NULL OR lease_until <= $3::text
                                    OR NOT EXISTS ({LEASE_HOLDER}))"
            ),
            &[
                &id,
                &token,
                &ts(now),
                &ts(until),
                &ts(deadline),
                &i64::from(super::LEASE_LOCK_CLASS),
            ],
        )?;
        Ok(n == 1)
    }

    fn advance_upload(
        &mut self,
        id: &str,
        token: &str,
        from: u64,
        to: u64,
        expires_at: DateTime<Utc>,
        completed_at: Option<DateTime<Utc>>,
    ) -> Result<bool> {
        let n = self.exec(
            "UPDATE uploads SET upload_offset = $4, expires_at = $5,
                    completed_at = coalesce($6::text, completed_at),
                    lease_token = NULL, lease_until = NULL
             WHERE id = $1 AND lease_token = $2 AND upload_offset = $3",
            &[
                &id,
                &token,
                &int(from)?,
                &int(to)?,
                &ts(expires_at),
                &completed_at.map(ts),
            ],
        )?;
        Ok(n == 1)
    }

    fn release_upload(&mut self, id: &str, token: &str) -> Result<()> {
        self.exec(
            "UPDATE uploads SET lease_token = NULL, lease_until = NULL
             WHERE id = $1 AND lease_token = $2",
            &[&id, &token],
        )?;
        Ok(())
    }

    /// The leases of processes that are gone ([`LEASE_HOLDER`]): a token begins with its process's mark (eight
    /// hex digits and a dot, `PgLedger::lease_mark`), and a living process holds the session
    /// advisory lock (LEASE_LOCK_CLASS, mark) on a connection of its own; a process that died
    /// lost its connection and with it the lock. A token without a mark is nobody's.
    fn release_all_upload_leases(&mut self) -> Result<u64> {
        self.exec(
            &format!(
                "UPDATE uploads SET lease_token = NULL, lease_until = NULL
                 WHERE lease_token IS NOT NULL AND NOT EXISTS ({})",
                LEASE_HOLDER.replace("$6", "$1")
            ),
            &[&i64::from(super::LEASE_LOCK_CLASS)],
        )
    }

    fn delete_upload(&mut self, id: &str) -> Result<bool> {
        let n = self.exec("DELETE FROM uploads WHERE id = $1", &[&id])?;
        Ok(n == 1)
    }

    fn expired_uploads(&mut self, now: DateTime<Utc>, limit: u32) -> Result<Vec<String>> {
        // `id` breaks ties in expiry, which SQLite leaves in its row order.
        let rows = self.rows(
            "SELECT id FROM uploads WHERE expires_at <= $1 ORDER BY expires_at, id LIMIT $2",
            &[&ts(now), &i64::from(limit)],
        )?;
        Ok(rows.iter().map(|r| r.get::<_, String>(0)).collect())
    }

    fn open_uploads(&mut self, user: &UserId, now: DateTime<Utc>) -> Result<OpenUploads> {
        // sum(bigint) is NUMERIC in PostgreSQL: cast back.
        let row = self.one(
            "SELECT count(*), coalesce(sum(length), 0)::bigint FROM uploads
             WHERE user_id = $1 AND completed_at IS NULL AND expires_at > $2",
            &[&user.0, &ts(now)],
        )?;
        let (count, bytes): (i64, i64) = (row.get(0), row.get(1));
        Ok(OpenUploads {
            count: u64::try_from(count).unwrap_or(0),
            bytes: u64::try_from(bytes).unwrap_or(0),
        })
    }

    fn photo(&mut self, sha256: &PhotoHash) -> Result<Option<PhotoRecord>> {
        let Some(r) = self.opt_row(
            "SELECT sha256, bytes, width, height, mime, stored_at, uploaded_by, finding_id,
                    checked_at IS NOT NULL, quarantine
             FROM photos WHERE sha256 = $1",
            &[&sha256.as_str()],
        )?
        else {
            return Ok(None);
        };
        Ok(Some(PhotoRecord {
            sha256: hash_col(&r, 0)?,
            bytes: u64_col(&r, 1)?,
            width: u32_col(&r, 2)?,
            height: u32_col(&r, 3)?,
            mime: r.get(4),
            stored_at: ts_col(&r, 5)?,
            uploaded_by: UserId(r.get(6)),
            finding_id: r.get::<_, Option<String>>(7).map(FindingId::from),
            check: PhotoCheck::from_columns(r.get(8), r.get(9)),
        }))
    }

    fn insert_photo(&mut self, p: &PhotoRecord, uploader: &UserId) -> Result<bool> {
        let n = self.exec(
            "INSERT INTO photos(sha256, bytes, width, height, mime, stored_at, uploaded_by,
                                finding_id, checked_at, quarantine)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (sha256) DO NOTHING",
            &[
                &p.sha256.as_str(),
                &int(p.bytes)?,
                &i64::from(p.width),
                &i64::from(p.height),
                &p.mime,
                &ts(p.stored_at),
                &p.uploaded_by.0,
                &p.finding_id.as_ref().map(|f| f.as_str()),
                &(p.check != PhotoCheck::Pending).then(|| ts(p.stored_at)),
                &p.check.quarantine(),
            ],
        )?;
        self.exec(
            "INSERT INTO photo_uploaders(sha256, user_id) VALUES ($1, $2)
             ON CONFLICT DO NOTHING",
            &[&p.sha256.as_str(), &uploader.0],
        )?;
        Ok(n == 1)
    }

    fn unchecked_photos(&mut self, limit: u32) -> Result<Vec<PhotoHash>> {
        let rows = self.rows(
            "SELECT sha256 FROM photos WHERE checked_at IS NULL ORDER BY stored_at LIMIT $1",
            &[&i64::from(limit)],
        )?;
        rows.iter().map(|r| hash_col(r, 0)).collect()
    }

    fn record_photo_check(
        &mut self,
        sha256: &PhotoHash,
        at: DateTime<Utc>,
        quarantine: Option<&str>,
    ) -> Result<bool> {
        let n = self.exec(
            "UPDATE photos SET checked_at = $2, quarantine = $3
             WHERE sha256 = $1 AND checked_at IS NULL",
            &[&sha256.as_str(), &ts(at), &quarantine],
        )?;
        Ok(n == 1)
    }

    fn photo_uploaded_by(&mut self, sha256: &PhotoHash, user: &UserId) -> Result<bool> {
        Ok(self
            .opt_row(
                "SELECT 1 FROM photo_uploaders WHERE sha256 = $1 AND user_id = $2",
                &[&sha256.as_str(), &user.0],
            )?
            .is_some())
    }

    fn photo_findings(&mut self, sha256: &PhotoHash) -> Result<Vec<PhotoFinding>> {
        // The findings tables belong to the sync area; this only reads them. A finding that
        // lists the photo twice comes once. PostgreSQL wants `u.path` grouped too (one grid,
        // one community per finding: the groups are the same).
        let rows = self.rows(
            "SELECT f.id, f.grid_id, u.path, f.case_id, f.worker_id
             FROM finding_photos fp
             JOIN findings f ON f.id = fp.finding_id
             JOIN grids g ON g.id = f.grid_id
             JOIN org_units u ON u.id = g.community_id
             WHERE fp.sha256 = $1
             GROUP BY f.id, u.path
             ORDER BY min(f.received_at), f.id",
            &[&sha256.as_str()],
        )?;
        Ok(rows
            .iter()
            .map(|r| PhotoFinding {
                finding_id: FindingId::from(r.get::<_, String>(0)),
                grid_id: GridId::from(r.get::<_, String>(1)),
                unit_path: r.get(2),
                case_id: r.get::<_, Option<String>>(3).map(CaseId),
                worker_id: UserId(r.get(4)),
            })
            .collect())
    }

    fn photo_cases(&mut self, sha256: &PhotoHash) -> Result<Vec<CaseId>> {
        let rows = self.rows(
            "SELECT case_id FROM case_photos WHERE sha256 = $1 ORDER BY case_id",
            &[&sha256.as_str()],
        )?;
        Ok(rows.iter().map(|r| CaseId(r.get(0))).collect())
    }

    fn unreferenced_photos(
        &mut self,
        stored_before: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<PhotoHash>> {
        // `sha256` breaks ties in storage time, which SQLite leaves in its sort's order.
        let sql = format!(
            "SELECT p.sha256 FROM photos p
             WHERE p.stored_at < $1 AND {UNREFERENCED}
             ORDER BY p.stored_at, p.sha256 LIMIT $2"
        );
        let rows = self.rows(&sql, &[&ts(stored_before), &i64::from(limit)])?;
        rows.iter().map(|r| hash_col(r, 0)).collect()
    }

    fn forget_unreferenced_photo(
        &mut self,
        sha256: &PhotoHash,
        stored_before: DateTime<Utc>,
    ) -> Result<bool> {
        let sql = format!(
            "SELECT 1 FROM photos p WHERE p.sha256 = $1 AND p.stored_at < $2 AND {UNREFERENCED}"
        );
        let still = self
            .opt_row(&sql, &[&sha256.as_str(), &ts(stored_before)])?
            .is_some();
        if !still {
            return Ok(false);
        }
        self.exec(
            "DELETE FROM photo_uploaders WHERE sha256 = $1",
            &[&sha256.as_str()],
        )?;
        let n = self.exec("DELETE FROM photos WHERE sha256 = $1", &[&sha256.as_str()])?;
        Ok(n == 1)
    }
}

/// A photo (`p`) that no record names. Every table through which a record shows a photo is
/// listed here: a new one must be added, or the sweeper deletes photos it shows. An upload of
/// the same bytes (under way, or finished and not yet expired) keeps it too: a process
/// completing that upload may find the photo stored and record it while a sweeper in another
/// process would delete its files.
const UNREFERENCED: &str = "NOT EXISTS (SELECT 1 FROM finding_photos fp WHERE fp.sha256 = p.sha256)
     AND NOT EXISTS (SELECT 1 FROM case_photos cp WHERE cp.sha256 = p.sha256)
     AND NOT EXISTS (SELECT 1 FROM uploads u WHERE u.sha256 = p.sha256)";
