//! Photo metadata, what shows a photo (findings and cases, for the jurisdiction check and the
//! pull scope), and resumable (tus) upload state.
//!
//! Vocabulary:
//! - [`PhotoRecord`]: what the ledger knows of a stored photo; its bytes are in the photo store.
//! - [`Upload`]: one tus upload: its length, the offset acknowledged so far, the whole-file
//!   SHA-256 the client promised, and when it expires. The offset is only ever moved by the
//!   PATCH holding the upload's *lease*, so two requests never write one upload at once, even
//!   from two server processes.
//! - [`PhotoFinding`]: a finding that lists a photo, with the org path of its grid's community.

use super::Result;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use yiwang_core::ids::{CaseId, FindingId, GridId, PhotoHash, UserId};

/// A stored photo as the ledger records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoRecord {
    pub sha256: PhotoHash,
    pub bytes: u64,
    pub width: u32,
    pub height: u32,
    /// `image/jpeg`, `image/png` or `image/webp`.
    pub mime: String,
    pub stored_at: DateTime<Utc>,
    /// Who uploaded it first.
    pub uploaded_by: UserId,
    /// The finding the first upload named (a hint; see the schema).
    pub finding_id: Option<FindingId>,
    /// Where its whole decode stands (`crate::photos::check`).
    pub check: PhotoCheck,
}

/// Where a stored photo's whole decode stands. Its upload was acknowledged after the checks
/// that need no decoding; decoding it whole and making its thumbnail follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhotoCheck {
    /// Not decoded yet.
    Pending,
    /// Decoded whole; its thumbnail is stored.
    Passed,
    /// It failed to decode (`code: message`): kept, logged, counted and shown as damaged.
    Quarantined(String),
}

impl PhotoCheck {
    /// From the `photos` row: whether `checked_at` is set, and `quarantine`.
    pub(crate) fn from_columns(checked: bool, quarantine: Option<String>) -> PhotoCheck {
        match (checked, quarantine) {
            (false, _) => PhotoCheck::Pending,
            (true, None) => PhotoCheck::Passed,
            (true, Some(why)) => PhotoCheck::Quarantined(why),
        }
    }

    /// Why it is quarantined, if it is.
    pub fn quarantine(&self) -> Option<&str> {
        match self {
            PhotoCheck::Quarantined(why) => Some(why),
            _ => None,
        }
    }
}

/// A tus upload's persisted state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// 32 lower-case hex digits (a random UUID): unguessable, and safe as a file name.
    pub id: String,
    /// The user who created it; nobody else may see or touch it.
    pub user_id: UserId,
    pub length: u64,
    /// Bytes received, fsynced and acknowledged.
    pub offset: u64,
    /// The SHA-256 of the whole file, from `Upload-Metadata`.
    pub sha256: PhotoHash,
    pub finding_id: Option<FindingId>,
    /// Every `Upload-Metadata` pair, decoded.
    pub metadata: BTreeMap<String, String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

/// A finding that lists a photo, and where the finding is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoFinding {
    pub finding_id: FindingId,
    pub grid_id: GridId,
    /// The worker who recorded the finding.
    pub worker_id: UserId,
    /// The org path (`/county/township/community/`) of the grid's community.
    pub unit_path: String,
    /// The case the finding opened, if any.
    pub case_id: Option<CaseId>,
}

pub trait PhotoTx {
    fn insert_upload(&mut self, upload: &Upload) -> Result<()>;
    fn upload(&mut self, id: &str) -> Result<Option<Upload>>;
    /// Gives the upload's write lease to `token` until `until`, unless another token holds a
    /// lease that is still live at `now`; keeps the upload alive as long as the lease, but never
    /// past `deadline` (its hard end: a stream of leases must not keep it alive for ever).
    /// False when someone else holds it (or the upload is gone).
    fn lease_upload(
        &mut self,
        id: &str,
        token: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        deadline: DateTime<Utc>,
    ) -> Result<bool>;
    /// Moves the offset from `from` to `to`, sets the expiry and, when given, the completion
    /// time, and releases the lease — only if `token` still holds the lease and the offset is
    /// still `from`. False (and nothing changed) otherwise.
    fn advance_upload(
        &mut self,
        id: &str,
        token: &str,
        from: u64,
        to: u64,
        expires_at: DateTime<Utc>,
        completed_at: Option<DateTime<Utc>>,
    ) -> Result<bool>;
    /// Releases `token`'s lease without moving the offset.
    fn release_upload(&mut self, id: &str, token: &str) -> Result<()>;
    /// Releases every lease whose process is gone: run as the server starts, so a lease left
    /// by a process that died mid-PATCH does not hold its upload until it lapses. SQLite has one
    /// process per ledger, so every lease left is a gone process's; on PostgreSQL a lease's
    /// token begins with its process's mark ([`super::Ledger::lease_mark`]) and the process
    /// holds a session lock while it lives, so a sibling's live leases stay. Returns how many
    /// were released.
    fn release_all_upload_leases(&mut self) -> Result<u64>;
    /// Forgets an upload; false when there was none.
    fn delete_upload(&mut self, id: &str) -> Result<bool>;
    /// Up to `limit` uploads that expired before `now`, oldest first.
    fn expired_uploads(&mut self, now: DateTime<Utc>, limit: u32) -> Result<Vec<String>>;
    /// The user's open uploads at `now` (not completed, not expired): how many, and the sum of
    /// their declared lengths. What the per-user upload limits count.
    fn open_uploads(&mut self, user: &UserId, now: DateTime<Utc>) -> Result<OpenUploads>;

    fn photo(&mut self, sha256: &PhotoHash) -> Result<Option<PhotoRecord>>;
    /// Records a stored photo unless it is already recorded (true when new), and `uploader` as
    /// one of its uploaders either way.
    fn insert_photo(&mut self, photo: &PhotoRecord, uploader: &UserId) -> Result<bool>;
    /// Up to `limit` photos whose whole decode has not run, oldest first.
    fn unchecked_photos(&mut self, limit: u32) -> Result<Vec<PhotoHash>>;
    /// Records that a photo's whole decode ended at `at`: passed, or failed for `quarantine`
    /// (`code: message`). Only a photo still [`PhotoCheck::Pending`]; false otherwise.
    fn record_photo_check(
        &mut self,
        sha256: &PhotoHash,
        at: DateTime<Utc>,
        quarantine: Option<&str>,
    ) -> Result<bool>;
    /// Whether `user` uploaded the photo's bytes.
    fn photo_uploaded_by(&mut self, sha256: &PhotoHash, user: &UserId) -> Result<bool>;
    /// The findings that list the photo, in the order they arrived.
    fn photo_findings(&mut self, sha256: &PhotoHash) -> Result<Vec<PhotoFinding>>;
    /// The cases whose events carry the photo, in id order.
    fn photo_cases(&mut self, sha256: &PhotoHash) -> Result<Vec<CaseId>>;
    /// Up to `limit` stored photos, stored before `stored_before`, that no record names: no
    /// finding lists them and no case event carries them. Oldest first.
    fn unreferenced_photos(
        &mut self,
        stored_before: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<PhotoHash>>;
    /// Forgets a stored photo (its row and uploaders) if it is still stored before
    /// `stored_before` and still named by no record: true when it was forgotten. The caller
    /// deletes its files.
    fn forget_unreferenced_photo(
        &mut self,
        sha256: &PhotoHash,
        stored_before: DateTime<Utc>,
    ) -> Result<bool>;
}

/// A user's open uploads: what the per-user limits count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OpenUploads {
    pub count: u64,
    /// The sum of their `Upload-Length`s.
    pub bytes: u64,
}
