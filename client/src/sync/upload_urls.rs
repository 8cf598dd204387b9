//! Where a client keeps the tus upload URL of each photo being uploaded: in memory for a bare
//! client, in the device store (`photos.upload_url`) when the sync agent runs it, so an upload
//! resumes after the app was killed.

use std::collections::HashMap;
use std::sync::Mutex;

use yiwang_core::ids::PhotoHash;

/// Where a client keeps the tus upload URL of each photo being uploaded.
pub trait UploadUrls: Send + Sync {
    fn get(&self, sha256: &PhotoHash) -> Option<String>;
    fn put(&self, sha256: &PhotoHash, url: &str);
    fn forget(&self, sha256: &PhotoHash);
}

/// Upload URLs for this process only.
#[derive(Debug, Default)]
pub struct MemoryUploads(Mutex<HashMap<PhotoHash, String>>);

impl UploadUrls for MemoryUploads {
    fn get(&self, sha256: &PhotoHash) -> Option<String> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(sha256)
            .cloned()
    }

    fn put(&self, sha256: &PhotoHash, url: &str) {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(sha256.clone(), url.to_owned());
    }

    fn forget(&self, sha256: &PhotoHash) {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(sha256);
    }
}

/// The device store keeps the URL with the photo (`photos.upload_url`). A store error only
/// costs the resume (the upload starts over), so it is logged, not raised.
impl UploadUrls for crate::store::Store {
    fn get(&self, sha256: &PhotoHash) -> Option<String> {
        self.photo_upload_url(sha256).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "cannot read a photo's upload URL; starting over");
            None
        })
    }

    fn put(&self, sha256: &PhotoHash, url: &str) {
        if let Err(e) = self.set_photo_upload_url(sha256, Some(url)) {
            tracing::warn!(error = %e, "cannot keep a photo's upload URL");
        }
    }

    fn forget(&self, sha256: &PhotoHash) {
        if let Err(e) = self.set_photo_upload_url(sha256, None) {
            tracing::warn!(error = %e, "cannot forget a photo's upload URL");
        }
    }
}
