use super::util::{json, parse_ts, ts};
use super::SqliteTx;
use crate::storage::photos::{OpenUploads, PhotoCheck, PhotoFinding, PhotoRecord, PhotoTx, Upload};
use crate::storage::{Result, StorageError};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Row};
use yiwang_core::ids::{CaseId, FindingId, GridId, PhotoHash, UserId};

fn hash_col(row: &Row<'_>, i: usize) -> rusqlite::Result<PhotoHash> {
    let s: String = row.get(i)?;
    PhotoHash::parse(&s).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            format!("not a SHA-256: {s:?}").into(),
        )
    })
}

fn u64_col(row: &Row<'_>, i: usize) -> rusqlite::Result<u64> {
    let v: i64 = row.get(i)?;
    u64::try_from(v).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Integer, Box::new(e))
    })
}

fn u32_col(row: &Row<'_>, i: usize) -> rusqlite::Result<u32> {
    let v: i64 = row.get(i)?;
    u32::try_from(v).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Integer, Box::new(e))
    })
}

fn ts_col(row: &Row<'_>, i: usize) -> rusqlite::Result<DateTime<Utc>> {
    parse_ts(&row.get::<_, String>(i)?)
}

/// SQLite integers are i64; sizes and offsets never come near the limit, but say so if one did.
fn int(v: u64) -> Result<i64> {
    i64::try_from(v).map_err(|_| StorageError::Invalid(format!("{v} does not fit the ledger")))
}

const UPLOAD_COLUMNS: &str = "id, user_id, length, upload_offset, sha256, finding_id, metadata,
    created_at, expires_at, completed_at";

fn upload_row(row: &Row<'_>) -> rusqlite::Result<Upload> {
    let metadata: String = row.get(6)?;
    Ok(Upload {
        id: row.get(0)?,
        user_id: UserId(row.get(1)?),
        length: u64_col(row, 2)?,
        offset: u64_col(row, 3)?,
        sha256: hash_col(row, 4)?,
        finding_id: row.get::<_, Option<String>>(5)?.map(FindingId::from),
        metadata: serde_json::from_str(&metadata).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(6, rusqlite::types::Type::Text, Box::new(e))
        })?,
        created_at: ts_col(row, 7)?,
        expires_at: ts_col(row, 8)?,
        completed_at: row
            .get::<_, Option<String>>(9)?
            .map(|s| parse_ts(&s))
            .transpose()?,
    })
}

impl PhotoTx for SqliteTx<'_> {
    fn insert_upload(&mut self, u: &Upload) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO uploads(id, user_id, length, upload_offset, sha256, finding_id,
                                     metadata, created_at, expires_at, completed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                u.id,
                u.user_id.0,
                int(u.length)?,
                int(u.offset)?,
                u.sha256.as_str(),
                u.finding_id.as_ref().map(|f| f.as_str()),
                json(&u.metadata),
                ts(u.created_at),
                ts(u.expires_at),
                u.completed_at.map(ts),
            ])?;
        Ok(())
    }

    fn upload(&mut self, id: &str) -> Result<Option<Upload>> {
        Ok(self
            .tx
            .prepare_cached(&format!(
                "SELECT {UPLOAD_COLUMNS} FROM uploads WHERE id = ?1"
            ))?
            .query_row([id], upload_row)
            .optional()?)
    }

    fn lease_upload(
        &mut self,
        id: &str,
        token: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        deadline: DateTime<Utc>,
    ) -> Result<bool> {
        // Timestamps are fixed-width RFC 3339 text, so max/min order them as times.
        let n = self
            .tx
            .prepare_cached(
                "UPDATE uploads SET lease_token = ?2, lease_until = ?4,
                        expires_at = max(expires_at, min(?4, ?5))
                 WHERE id = ?1 AND (lease_token IS NULL OR lease_until <= ?3)",
            )?
            .execute(params![id, token, ts(now), ts(until), ts(deadline)])?;
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
        let n = self
            .tx
            .prepare_cached(
                "UPDATE uploads SET upload_offset = ?4, expires_at = ?5,
                        completed_at = coalesce(?6, completed_at),
                        lease_token = NULL, lease_until = NULL
                 WHERE id = ?1 AND lease_token = ?2 AND upload_offset = ?3",
            )?
            .execute(params![
                id,
                token,
                int(from)?,
                int(to)?,
                ts(expires_at),
                completed_at.map(ts)
            ])?;
        Ok(n == 1)
    }

    fn release_upload(&mut self, id: &str, token: &str) -> Result<()> {
        self.tx
            .prepare_cached(
                "UPDATE uploads SET lease_token = NULL, lease_until = NULL
                 WHERE id = ?1 AND lease_token = ?2",
            )?
            .execute(params![id, token])?;
        Ok(())
    }

    fn release_all_upload_leases(&mut self) -> Result<u64> {
        let n = self.tx.execute(
            "UPDATE uploads SET lease_token = NULL, lease_until = NULL
             WHERE lease_token IS NOT NULL",
            [],
        )?;
        Ok(n as u64)
    }

    fn delete_upload(&mut self, id: &str) -> Result<bool> {
        let n = self
            .tx
            .prepare_cached("DELETE FROM uploads WHERE id = ?1")?
            .execute([id])?;
        Ok(n == 1)
    }

    fn expired_uploads(&mut self, now: DateTime<Utc>, limit: u32) -> Result<Vec<String>> {
        let mut st = self.tx.prepare_cached(
            "SELECT id FROM uploads WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2",
        )?;
        let rows = st.query_map(params![ts(now), limit], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn open_uploads(&mut self, user: &UserId, now: DateTime<Utc>) -> Result<OpenUploads> {
        let (count, bytes): (i64, i64) = self
            .tx
            .prepare_cached(
                "SELECT count(*), coalesce(sum(length), 0) FROM uploads
                 WHERE user_id = ?1 AND completed_at IS NULL AND expires_at > ?2",
            )?
            .query_row(params![user.0, ts(now)], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(OpenUploads {
            count: u64::try_from(count).unwrap_or(0),
            bytes: u64::try_from(bytes).unwrap_or(0),
        })
    }

    fn photo(&mut self, sha256: &PhotoHash) -> Result<Option<PhotoRecord>> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT sha256, bytes, width, height, mime, stored_at, uploaded_by, finding_id,
                        checked_at IS NOT NULL, quarantine
                 FROM photos WHERE sha256 = ?1",
            )?
            .query_row([sha256.as_str()], |r| {
                Ok(PhotoRecord {
                    sha256: hash_col(r, 0)?,
                    bytes: u64_col(r, 1)?,
                    width: u32_col(r, 2)?,
                    height: u32_col(r, 3)?,
                    mime: r.get(4)?,
                    stored_at: ts_col(r, 5)?,
                    uploaded_by: UserId(r.get(6)?),
                    finding_id: r.get::<_, Option<String>>(7)?.map(FindingId::from),
                    check: PhotoCheck::from_columns(r.get(8)?, r.get(9)?),
                })
            })
            .optional()?)
    }

    fn insert_photo(&mut self, p: &PhotoRecord, uploader: &UserId) -> Result<bool> {
        let n = self
            .tx
            .prepare_cached(
                "INSERT INTO photos(sha256, bytes, width, height, mime, stored_at, uploaded_by,
                                    finding_id, checked_at, quarantine)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT(sha256) DO NOTHING",
            )?
            .execute(params![
                p.sha256.as_str(),
                int(p.bytes)?,
                p.width,
                p.height,
                p.mime,
                ts(p.stored_at),
                p.uploaded_by.0,
                p.finding_id.as_ref().map(|f| f.as_str()),
                (p.check != PhotoCheck::Pending).then(|| ts(p.stored_at)),
                p.check.quarantine(),
            ])?;
        self.tx
            .prepare_cached(
                "INSERT OR IGNORE INTO photo_uploaders(sha256, user_id) VALUES (?1, ?2)",
            )?
            .execute(params![p.sha256.as_str(), uploader.0])?;
        Ok(n == 1)
    }

    fn unchecked_photos(&mut self, limit: u32) -> Result<Vec<PhotoHash>> {
        let mut st = self.tx.prepare_cached(
            "SELECT sha256 FROM photos WHERE checked_at IS NULL ORDER BY stored_at LIMIT ?1",
        )?;
        let rows = st.query_map([limit], |r| hash_col(r, 0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn record_photo_check(
        &mut self,
        sha256: &PhotoHash,
        at: DateTime<Utc>,
        quarantine: Option<&str>,
    ) -> Result<bool> {
        let n = self
            .tx
            .prepare_cached(
                "UPDATE photos SET checked_at = ?2, quarantine = ?3
                 WHERE sha256 = ?1 AND checked_at IS NULL",
            )?
            .execute(params![sha256.as_str(), ts(at), quarantine])?;
        Ok(n == 1)
    }

    fn photo_uploaded_by(&mut self, sha256: &PhotoHash, user: &UserId) -> Result<bool> {
        Ok(self
            .tx
            .prepare_cached("SELECT 1 FROM photo_uploaders WHERE sha256 = ?1 AND user_id = ?2")?
            .query_row(params![sha256.as_str(), user.0], |_| Ok(()))
            .optional()?
            .is_some())
    }

    fn photo_findings(&mut self, sha256: &PhotoHash) -> Result<Vec<PhotoFinding>> {
        // The findings tables belong to the sync area; this only reads them.
        let mut st = self.tx.prepare_cached(
            "SELECT f.id, f.grid_id, u.path, f.case_id, f.worker_id
             FROM finding_photos fp
             JOIN findings f ON f.id = fp.finding_id
             JOIN grids g ON g.id = f.grid_id
             JOIN org_units u ON u.id = g.community_id
             WHERE fp.sha256 = ?1
             GROUP BY f.id
             ORDER BY min(f.received_at), f.id",
        )?;
        let rows = st.query_map([sha256.as_str()], |r| {
            Ok(PhotoFinding {
                finding_id: FindingId::from(r.get::<_, String>(0)?),
                grid_id: GridId::from(r.get::<_, String>(1)?),
                unit_path: r.get(2)?,
                case_id: r.get::<_, Option<String>>(3)?.map(CaseId),
                worker_id: UserId(r.get(4)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn photo_cases(&mut self, sha256: &PhotoHash) -> Result<Vec<CaseId>> {
        let mut st = self
            .tx
            .prepare_cached("SELECT case_id FROM case_photos WHERE sha256 = ?1 ORDER BY case_id")?;
        let rows = st.query_map([sha256.as_str()], |r| r.get::<_, String>(0).map(CaseId))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn unreferenced_photos(
        &mut self,
        stored_before: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<PhotoHash>> {
        let sql = format!(
            "SELECT p.sha256 FROM photos p
             WHERE p.stored_at < ?1 AND {UNREFERENCED}
             ORDER BY p.stored_at LIMIT ?2"
        );
        let mut st = self.tx.prepare_cached(&sql)?;
        let rows = st.query_map(params![ts(stored_before), limit], |r| hash_col(r, 0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn forget_unreferenced_photo(
        &mut self,
        sha256: &PhotoHash,
        stored_before: DateTime<Utc>,
    ) -> Result<bool> {
        let sql = format!(
            "SELECT 1 FROM photos p WHERE p.sha256 = ?1 AND p.stored_at < ?2 AND {UNREFERENCED}"
        );
        let still = self
            .tx
            .prepare_cached(&sql)?
            .query_row(params![sha256.as_str(), ts(stored_before)], |_| Ok(()))
            .optional()?
            .is_some();
        if !still {
            return Ok(false);
        }
        self.tx
            .prepare_cached("DELETE FROM photo_uploaders WHERE sha256 = ?1")?
            .execute([sha256.as_str()])?;
        let n = self
            .tx
            .prepare_cached("DELETE FROM photos WHERE sha256 = ?1")?
            .execute([sha256.as_str()])?;
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

#[cfg(test)]
mod tests {
    use crate::storage::photos::{PhotoCheck, PhotoRecord, Upload};
    use crate::storage::Ledger;
    use chrono::{DateTime, Duration, Utc};
    use yiwang_core::ids::{PhotoHash, UserId};

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn ledger() -> (tempfile::TempDir, Ledger) {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(&format!(
            "sqlite:{}",
            dir.path().join("ledger.sqlite").display()
        ))
        .unwrap();
        (dir, ledger)
    }

    fn upload(id: &str, now: DateTime<Utc>) -> Upload {
        Upload {
            id: id.into(),
            user_id: UserId("worker-0001".into()),
            length: 100,
            offset: 0,
            sha256: PhotoHash::of(b"x"),
            finding_id: None,
            metadata: [("filename".to_string(), "a.jpg".to_string())].into(),
            created_at: now,
            expires_at: now + Duration::hours(24),
            completed_at: None,
        }
    }

    #[test]
    fn an_upload_lease_admits_one_writer_until_it_lapses() {
        let (_dir, ledger) = ledger();
        let now = t("2026-11-26T01:00:00Z");
        ledger
            .write_blocking(move |tx| {
                tx.insert_upload(&upload("u1", now))?;
                let until = now + Duration::minutes(2);
                let far = now + Duration::days(3);
                assert!(
                    tx.lease_upload("u1", "a", now, until, far)?,
                    "a free upload leases"
                );
                assert!(
                    !tx.lease_upload("u1", "b", now, until, far)?,
                    "a live lease keeps the second writer out"
                );
                assert!(
                    !tx.advance_upload("u1", "b", 0, 10, until, None)?,
                    "only the lease holder moves the offset"
                );
                assert!(
                    !tx.advance_upload("u1", "a", 5, 10, until, None)?,
                    "the offset moves only from where it is"
                );
                assert!(tx.advance_upload("u1", "a", 0, 10, until, None)?);
                assert_eq!(tx.upload("u1")?.unwrap().offset, 10);
                assert!(
                    tx.lease_upload("u1", "b", now, until, far)?,
                    "advancing released the lease"
                );
                assert!(
                    tx.lease_upload("u1", "c", until, until + Duration::minutes(2), far)?,
                    "a lapsed lease (a writer that died) is taken over"
                );
                // The server starting again: the live lease of its dead predecessor goes.
                assert_eq!(tx.release_all_upload_leases()?, 1);
                assert!(
                    tx.lease_upload("u1", "d", until, until + Duration::minutes(2), far)?,
                    "a restarted server's first PATCH leases at once"
                );
                assert_eq!(
                    tx.upload("u1")?.unwrap().offset,
                    10,
                    "the offset stays where it was"
                );
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn uploads_round_trip_and_expire() {
        let (_dir, ledger) = ledger();
        let now = t("2026-11-26T01:00:00Z");
        ledger
            .write_blocking(move |tx| {
                let u = upload("u1", now);
                tx.insert_upload(&u)?;
                assert_eq!(tx.upload("u1")?, Some(u), "what is stored reads back");
                assert!(tx.expired_uploads(now, 10)?.is_empty());
                assert_eq!(
                    tx.expired_uploads(now + Duration::hours(25), 10)?,
                    vec!["u1".to_string()],
                    "a day without progress expires it"
                );
                assert!(tx.delete_upload("u1")?);
                assert!(!tx.delete_upload("u1")?, "a second delete finds nothing");
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn a_photo_is_recorded_once_with_every_uploader() {
        let (_dir, ledger) = ledger();
        let now = t("2026-11-26T01:00:00Z");
        ledger
            .write_blocking(move |tx| {
                let p = PhotoRecord {
                    sha256: PhotoHash::of(b"jpeg"),
                    bytes: 4,
                    width: 2,
                    height: 1,
                    mime: "image/jpeg".into(),
                    stored_at: now,
                    uploaded_by: UserId("a".into()),
                    finding_id: None,
                    check: PhotoCheck::Pending,
                };
                assert!(tx.insert_photo(&p, &UserId("a".into()))?, "first time: new");
                assert!(
                    !tx.insert_photo(&p, &UserId("b".into()))?,
                    "the same bytes again are not a new photo"
                );
                assert_eq!(
                    tx.photo(&p.sha256)?,
                    Some(p.clone()),
                    "the first record stays"
                );
                assert!(tx.photo_uploaded_by(&p.sha256, &UserId("b".into()))?);
                assert!(!tx.photo_uploaded_by(&p.sha256, &UserId("c".into()))?);

                // Its whole decode is pending until recorded, once.
                assert_eq!(tx.unchecked_photos(10)?, vec![p.sha256.clone()]);
                let later = now + Duration::seconds(5);
                assert!(tx.record_photo_check(&p.sha256, later, Some("corrupt_image: cut"))?);
                assert!(
                    !tx.record_photo_check(&p.sha256, later, None)?,
                    "the first outcome stays"
                );
                assert_eq!(
                    tx.photo(&p.sha256)?.map(|r| r.check),
                    Some(PhotoCheck::Quarantined("corrupt_image: cut".into()))
                );
                assert!(tx.unchecked_photos(10)?.is_empty());
                Ok(())
            })
            .unwrap();
    }
}
