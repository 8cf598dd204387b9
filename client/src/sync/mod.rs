//! The sync agent: how the device's store meets the server (docs/DESIGN.md §5, §7).
//!
//! - [`SyncClient`] speaks sync protocol v1 over HTTP: login, push, pull, and photo upload over
//!   tus 1.0.0 (resumable, chunked, each chunk checksummed).
//! - [`SyncAgent`] drives one sync — push the outbox in batches, upload waiting photos a few at
//!   a time, then pull until the server has nothing more — and a background loop that syncs on
//!   start, on a [`Trigger`], and every minute while online, backing off with jitter when the
//!   network or the server fails.
//!
//! Every failure is a [`SyncError`] with a stable [`SyncError::code`] and
//! [`SyncError::is_retryable`]. The rule that keeps field work safe: nothing leaves the outbox
//! until the server answered for it in our own JSON envelope. A `200` that is not our JSON (a
//! hotel or station captive portal answers everything with a login page) is an error, never an
//! acknowledgement.

mod agent;
mod http;
pub mod server_url;
mod tus;
mod upload_urls;

pub use agent::{
    AgentConfig, Phase, Progress, RunOutcome, SyncAgent, SyncReport, Trigger, THUMBNAILS_PER_SYNC,
};
pub use http::{ClientConfig, SyncClient, MAX_THUMBNAIL_BYTES};
pub use tus::{UploadOutcome, CHUNK_BYTES};
pub use upload_urls::{MemoryUploads, UploadUrls};

use crate::store::StoreError;
use yiwang_core::error::{ErrorCode, ReceivedCode};

/// Why a sync (or one request of it) did not complete.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The server could not be reached, or the connection broke, or it took too long.
    #[error("the server cannot be reached: {0}")]
    Network(String),
    /// The server is there but failing or overloaded (5xx, 429, a busy upload).
    #[error("the server could not take this now ({status}): {message}")]
    Server {
        status: u16,
        message: String,
        /// When the server said to come back (`Retry-After`).
        retry_after: Option<std::time::Duration>,
    },
    /// The token is missing, expired or revoked: the user must sign in again. The outbox is
    /// kept as it is.
    #[error("sign in again to sync; your records are kept on this device")]
    Unauthorized,
    /// The pull cursor is not one the server can continue from (its ledger was restored, or the
    /// cursor is damaged): pull again from the start.
    #[error("the server asks for a full pull")]
    CursorInvalid,
    /// The server refused the request for good (a 4xx other than 401): retrying the same
    /// request cannot help.
    #[error("the server refused the request ({status} {code}): {message}")]
    Refused {
        status: u16,
        /// The server's code; one this build does not know is kept as it came.
        code: ReceivedCode,
        message: String,
    },
    /// Something answered that is not our server: a captive portal, a proxy's page, a
    /// redirect. Retryable — the network may let us through later.
    #[error(
        "the answer did not come from the Yiwang server ({0}); is the network asking for a login?"
    )]
    NotOurServer(String),
    /// The server address is not an http(s) URL.
    #[error("{0:?} is not a server address; it starts with https://")]
    InvalidServerUrl(String),
    /// A plain `http://` address of a public host, and the insecure switch is off.
    #[error(
        "{0} is not encrypted: use its https:// address (plain http:// is only for this device \
         and the local network, or with the insecure switch in the settings)"
    )]
    InsecureServerUrl(String),
    /// A photo file on this device could not be read.
    #[error("the photo file could not be read: {0}")]
    PhotoFile(#[source] std::io::Error),
    /// The device's own store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SyncError {
    /// A stable code for the UI and for logs.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Network(_) => ErrorCode::Offline,
            Self::Server { .. } => ErrorCode::ServerUnavailable,
            Self::Unauthorized => ErrorCode::Unauthenticated,
            Self::CursorInvalid => ErrorCode::CursorInvalid,
            Self::Refused { code, .. } => code.known().unwrap_or(ErrorCode::Refused),
            Self::NotOurServer(_) => ErrorCode::NotOurServer,
            Self::InvalidServerUrl(_) => ErrorCode::InvalidServerUrl,
            Self::InsecureServerUrl(_) => ErrorCode::InsecureServerUrl,
            Self::PhotoFile(_) => ErrorCode::PhotoFile,
            Self::Store(e) => e.code(),
        }
    }

    /// Whether trying again later, unchanged, may succeed: the loop backs off and retries
    /// these; the others wait for the user (login) or for a new trigger.
    /// How long the server asked to wait before trying again, if it said.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            Self::Server { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Network(_) | Self::Server { .. } | Self::NotOurServer(_) => true,
            // A cursor rebuild is done inside the sync; seen outside it, the next sync rebuilds.
            Self::CursorInvalid => true,
            Self::Unauthorized
            | Self::Refused { .. }
            | Self::InvalidServerUrl(_)
            | Self::InsecureServerUrl(_)
            | Self::PhotoFile(_) => false,
            Self::Store(e) => e.is_retryable(),
        }
    }
}

pub type Result<T, E = SyncError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_errors_are_the_ones_time_can_fix() {
        assert!(
            SyncError::Network("reset".into()).is_retryable(),
            "a broken link comes back"
        );
        assert!(
            SyncError::Server {
                status: 503,
                message: "busy".into(),
                retry_after: None,
            }
            .is_retryable(),
            "an overloaded server recovers"
        );
        assert!(
            SyncError::NotOurServer("text/html".into()).is_retryable(),
            "a captive portal lets us through once the user signs in to the wifi"
        );
        assert!(
            !SyncError::Unauthorized.is_retryable(),
            "a revoked token stays revoked until the user signs in"
        );
        assert!(
            !SyncError::Refused {
                status: 422,
                code: ErrorCode::InvalidBody.into(),
                message: String::new()
            }
            .is_retryable(),
            "the same request is refused the same way"
        );
        assert_eq!(SyncError::Unauthorized.code(), "unauthenticated");
        assert_eq!(SyncError::CursorInvalid.code(), "cursor_invalid");
    }
}
