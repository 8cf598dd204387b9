//! Photo upload over tus 1.0.0 (<https://tus.io/protocols/resumable-upload>): create the upload
//! with the photo's SHA-256 in `Upload-Metadata`, then PATCH it in [`CHUNK_BYTES`] chunks, each
//! with `Upload-Checksum: sha256 …` so the server keeps only bytes it can verify.
//!
//! Resuming: the server keeps whatever part of a chunk arrived before a connection broke. After
//! a failed PATCH the client asks `HEAD` for the server's offset and continues from there, so at
//! most one chunk is sent twice. The upload URL of each photo is kept in an `UploadUrls`: in
//! memory by default, in the device store when the sync agent runs the client, so an upload
//! resumes in a later sync and after the app was killed and started again. A URL the server
//! forgot (expired after a day without progress, or three days after it began) or of another
//! server is dropped and the upload starts over.
//!
//! A server short of disk space (`507 insufficient_storage`) or holding as many of this user's
//! unfinished uploads as it allows (`429 too_many_uploads`) takes no bytes for now: both are
//! [`SyncError::Server`], retried by the agent's back-off (no sooner than `Retry-After`), never
//! a refusal of the photo.

use std::path::Path;
use yiwang_core::error::ErrorCode;

use base64::Engine;
use reqwest::{Method, StatusCode};
use sha2::{Digest, Sha256};
use yiwang_core::ids::PhotoHash;

use super::http::{error_answer, header_text, network, SyncClient};
use super::{Result, SyncError};

/// Bytes per PATCH: small enough to finish within a request on a 2G link, large enough that
/// the per-request cost does not dominate on a good one.
pub const CHUNK_BYTES: usize = 256 * 1024;

/// Failed PATCHes in a row (no progress between them) before the upload gives up for this sync.
const MAX_STALLS: u32 = 3;

/// The pause before asking again after a server-side failure, times the stalls so far.
const STALL_PAUSE: std::time::Duration = std::time::Duration::from_millis(250);

const TUS_RESUMABLE: &str = "Tus-Resumable";
const TUS_VERSION: &str = "1.0.0";

/// How an upload ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadOutcome {
    /// Bytes the server lacked when this call began: the file's length less `resumed_from`.
    pub bytes_sent: u64,
    /// The offset the upload was resumed from (0 for a fresh upload).
    pub resumed_from: u64,
}

impl SyncClient {
    /// Uploads the photo at `path`, whose SHA-256 is `sha256`, linked to `finding_id` if given.
    /// `progress` is told the number of new bytes the server accepted, as they are accepted.
    ///
    /// A network failure mid-upload is retried from the server's offset a few times; if the
    /// link stays down the error is returned and the upload URL is kept for the next call.
    pub async fn upload_photo(
        &self,
        path: &Path,
        sha256: &PhotoHash,
        finding_id: Option<&str>,
        progress: impl Fn(u64) + Send + Sync,
    ) -> Result<UploadOutcome> {
        let owned = path.to_owned();
        let bytes = tokio::task::spawn_blocking(move || std::fs::read(owned))
            .await
            .map_err(|e| SyncError::PhotoFile(std::io::Error::other(e)))?
            .map_err(SyncError::PhotoFile)?;
        if bytes.is_empty() {
            return Err(SyncError::PhotoFile(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "the photo file is empty",
            )));
        }
        let length = bytes.len() as u64;

        let known = self.upload_url(sha256);
        let (url, mut offset) = match known {
            Some(url) => match self.offset(&url).await {
                Ok(offset) => (url, offset),
                // The server forgot it (expired, finished and cleaned up, another server):
                // start over.
                Err(SyncError::Refused {
                    status: 404 | 410, ..
                }) => {
                    self.forget_upload(sha256);
                    (self.create(sha256, finding_id, length).await?, 0)
                }
                Err(e) => return Err(e),
            },
            None => (self.create(sha256, finding_id, length).await?, 0),
        };
        let resumed_from = offset;
        if resumed_from > 0 {
            // What the server already holds counts as done on the progress bar.
            progress(resumed_from);
        }
        let mut stalls = 0u32;
        while offset < length {
            let start = usize::try_from(offset).unwrap_or(usize::MAX);
            let end = bytes.len().min(start.saturating_add(CHUNK_BYTES));
            let Some(chunk) = bytes.get(start..end) else {
                return Err(SyncError::NotOurServer(format!(
                    "the server says offset {offset} of a {length}-byte upload"
                )));
            };
            match self.patch(&url, offset, chunk).await {
                Ok(new) if new > offset && new <= length => {
                    progress(new - offset);
                    offset = new;
                    stalls = 0;
                }
                Ok(new) => {
                    return Err(SyncError::NotOurServer(format!(
                        "a PATCH at {offset} answered offset {new} of {length}"
                    )))
                }
                Err(e) => {
                    let resync = match &e {
                        // The server takes no photo bytes now (disk nearly full, or this user's
                        // uploads at their limit): not a refusal of the photo, and asking again
                        // at once cannot help. The agent backs off; the URL is kept to resume.
                        SyncError::Server {
                            status: 429 | 507, ..
                        } => false,
                        // Lost on the way or garbled: ask where the server stands.
                        SyncError::Network(_) | SyncError::Server { .. } => true,
                        SyncError::Refused { status: 460, .. } => true,
                        SyncError::Refused { code, .. } if *code == ErrorCode::OffsetMismatch => {
                            true
                        }
                        // 404/410: the upload is gone; 422: the file is refused whole.
                        SyncError::Refused {
                            status: 404 | 410 | 422,
                            ..
                        } => {
                            self.forget_upload(sha256);
                            false
                        }
                        _ => false,
                    };
                    stalls += 1;
                    if !resync {
                        return Err(e);
                    }
                    if stalls > MAX_STALLS {
                        // Each answer was one a busy server gives (a lease still held by our
                        // own cut-off PATCH, an offset that moved meanwhile): not a refusal of
                        // the photo. The next sync resumes from the server's offset.
                        return Err(SyncError::Server {
                            status: 409,
                            message: format!(
                                "the upload did not move after {stalls} tries (last: {e}); \
                                 resuming next sync"
                            ),
                            retry_after: e.retry_after(),
                        });
                    }
                    tracing::debug!(error = %e, offset, "upload chunk failed; asking the offset");
                    if matches!(e, SyncError::Server { .. }) {
                        // Give a busy server (or a lease held by our own cut-off PATCH) a moment.
                        tokio::time::sleep(STALL_PAUSE * stalls).await;
                    }
                    let at = self.offset(&url).await?;
                    if at > offset {
                        progress(at - offset);
                    }
                    // The server never moves an offset back; if it did, trust it anyway.
                    offset = at;
                }
            }
        }
        self.forget_upload(sha256);
        Ok(UploadOutcome {
            bytes_sent: length - resumed_from,
            resumed_from,
        })
    }

    /// The upload URL kept for this photo, if it is one of this client's server.
    fn upload_url(&self, sha256: &PhotoHash) -> Option<String> {
        let url = self.uploads.get(sha256)?;
        let ours = super::server_url::same_origin(self.server_url(), &url)
            && url
                .strip_prefix(self.server_url())
                .is_some_and(|rest| rest.starts_with('/'));
        if !ours {
            // Made on another server (the address was changed in the settings).
            self.uploads.forget(sha256);
            return None;
        }
        Some(url)
    }

    fn forget_upload(&self, sha256: &PhotoHash) {
        self.uploads.forget(sha256);
    }

    /// `POST /api/v1/photos`: a new upload; its URL is remembered for resuming.
    async fn create(
        &self,
        sha256: &PhotoHash,
        finding_id: Option<&str>,
        length: u64,
    ) -> Result<String> {
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let mut metadata = format!("sha256 {}", b64(sha256.as_str()));
        if let Some(f) = finding_id {
            metadata.push_str(&format!(",finding_id {}", b64(f)));
        }
        let resp = self
            .authed(Method::POST, "/api/v1/photos")?
            .header(TUS_RESUMABLE, TUS_VERSION)
            .header("Upload-Length", length.to_string())
            .header("Upload-Metadata", metadata)
            .send()
            .await
            .map_err(network)?;
        if resp.status() != StatusCode::CREATED {
            return Err(error_answer(resp).await);
        }
        let location = header_text(resp.headers(), "location");
        if location.is_empty() || header_text(resp.headers(), TUS_RESUMABLE) != TUS_VERSION {
            return Err(SyncError::NotOurServer(
                "an upload was created without a tus Location".into(),
            ));
        }
        let url = self.url(&location);
        if !super::server_url::same_origin(self.server_url(), &url) {
            // Never kept, never sent the token: see `SyncClient::authed`.
            return Err(SyncError::NotOurServer(format!(
                "the upload was given an address on another server ({url}); check the server's \
                 proxy settings"
            )));
        }
        self.uploads.put(sha256, &url);
        Ok(url)
    }

    /// `HEAD` of an upload: the offset the server stands at.
    async fn offset(&self, url: &str) -> Result<u64> {
        let resp = self
            .authed(Method::HEAD, url)?
            .header(TUS_RESUMABLE, TUS_VERSION)
            .send()
            .await
            .map_err(network)?;
        if resp.status() != StatusCode::OK {
            return Err(error_answer(resp).await);
        }
        tus_offset(resp.headers())
    }

    /// One `PATCH`: the chunk at `offset`; the server's new offset.
    async fn patch(&self, url: &str, offset: u64, chunk: &[u8]) -> Result<u64> {
        let digest = Sha256::digest(chunk);
        let checksum = format!(
            "sha256 {}",
            base64::engine::general_purpose::STANDARD.encode(digest)
        );
        let resp = self
            .authed(Method::PATCH, url)?
            .header(TUS_RESUMABLE, TUS_VERSION)
            .header("Upload-Offset", offset.to_string())
            .header("Upload-Checksum", checksum)
            .header("Content-Type", "application/offset+octet-stream")
            .body(chunk.to_vec())
            .send()
            .await
            .map_err(network)?;
        if resp.status() != StatusCode::NO_CONTENT {
            return Err(error_answer(resp).await);
        }
        tus_offset(resp.headers())
    }
}

/// The `Upload-Offset` of a tus answer; an answer without it is not from a tus server.
fn tus_offset(headers: &reqwest::header::HeaderMap) -> Result<u64> {
    if header_text(headers, TUS_RESUMABLE) != TUS_VERSION {
        return Err(SyncError::NotOurServer(
            "an upload answer without Tus-Resumable".into(),
        ));
    }
    header_text(headers, "upload-offset")
        .parse::<u64>()
        .map_err(|_| SyncError::NotOurServer("an upload answer without Upload-Offset".into()))
}
