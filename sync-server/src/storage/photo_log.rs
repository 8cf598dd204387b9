//! A stored photo's metadata in the pull log, scoped like the record that shows it. Written by
//! the upload (when the bytes land), the sync apply path (when a finding names a photo that
//! landed first) and the case workflow (when an action carries photos): all of them ledger
//! writers, so it lives with the ledger.

use super::{LedgerTx, Result, Scope, StorageError};
use yiwang_core::field::PhotoMeta;
use yiwang_core::ids::PhotoHash;
use yiwang_core::sync::Entity;

/// Logs a stored photo's metadata for pull. Its scope follows the record that shows it: the
/// first finding listing it (that grid's community path and grid, and the departments of the
/// finding's case), else the first case whose events carry it, else only its uploader until a
/// record names it. The sync area calls this again when a finding (or case event) arrives for a
/// photo stored before it, so the metadata reaches whoever sees that record. Returns the change
/// sequence number, or `None` when the photo is not stored.
pub fn log_photo(tx: &mut dyn LedgerTx, hash: &PhotoHash) -> Result<Option<i64>> {
    let Some(photo) = tx.photo(hash)? else {
        return Ok(None);
    };
    let findings = tx.photo_findings(hash)?;
    let mut finding_id = photo.finding_id.clone();
    let scope = if let Some(f) = findings.first() {
        finding_id = Some(f.finding_id.clone());
        let departments = match &f.case_id {
            Some(c) => tx.case(c)?.map(|c| c.departments).unwrap_or_default(),
            None => vec![],
        };
        Scope::Area {
            path: f.unit_path.clone(),
            grid: Some(f.grid_id.clone()),
            departments,
        }
    } else {
        let mut scope = Scope::User(photo.uploaded_by.clone());
        for id in tx.photo_cases(hash)? {
            let Some(case) = tx.case(&id)? else { continue };
            let path = tx.unit_path(&case.origin_unit)?.ok_or_else(|| {
                StorageError::Invalid(format!(
                    "case {}: unknown unit {}",
                    case.id, case.origin_unit
                ))
            })?;
            scope = Scope::Area {
                path,
                grid: case.grid_id.clone(),
                departments: case.departments.clone(),
            };
            break;
        }
        scope
    };
    let meta = PhotoMeta {
        sha256: hash.clone(),
        finding_id,
        width: photo.width,
        height: photo.height,
        bytes: photo.bytes,
        // The device keeps what EXIF said in its own records; the stored JPEG carries none.
        taken_at: None,
        exif_lat: None,
        exif_lon: None,
    };
    Ok(Some(tx.record_change(
        Entity::Photo,
        hash.as_str(),
        &scope,
        &serde_json::to_value(&meta)?,
    )?))
}
