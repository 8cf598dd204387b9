//! How every failure reaches the window: [`AppError`] `{code, message}`, with the closed set of
//! codes of the worker app contract. The UI branches on the code only.

use yiwang_core::workflow::Refusal;

use super::views::AppError;
use crate::photo::PhotoError;
use crate::store::StoreError;
use crate::sync::SyncError;

/// The facade's result type.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new("invalid_input", message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new("internal", message)
    }

    pub fn not_logged_in() -> Self {
        Self::new(
            "not_logged_in",
            "nobody is signed in on this device; sign in first",
        )
    }

    pub fn unsynced_work(what: u32) -> Self {
        Self::new(
            "unsynced_work",
            format!(
                "{what} records made on this device have not reached the server yet; sync them \
                 first (go online and tap \"sync now\")"
            ),
        )
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        let code = match &e {
            StoreError::NotFound { .. } => "not_found",
            StoreError::Invalid { .. } => "invalid_input",
            StoreError::NotLoggedIn => "not_logged_in",
            StoreError::PatrolStillOpen { .. } => "patrol_open",
            StoreError::PatrolAlreadyEnded { .. } => "patrol_ended",
            StoreError::NewerSchema { .. } => "newer_schema",
            StoreError::Sqlite(_) | StoreError::Io(_) | StoreError::Json(_) => "internal",
        };
        AppError::new(code, e.to_string())
    }
}

impl From<PhotoError> for AppError {
    fn from(e: PhotoError) -> Self {
        let code = match &e {
            PhotoError::TooLarge { .. } | PhotoError::TooManyPixels { .. } => "photo_too_large",
            PhotoError::UnsupportedFormat | PhotoError::Corrupt(_) => "photo_unreadable",
            PhotoError::Io(_) | PhotoError::Encode(_) => "internal",
        };
        AppError::new(code, e.to_string())
    }
}

impl From<SyncError> for AppError {
    fn from(e: SyncError) -> Self {
        let e = match e {
            SyncError::Store(s) => return s.into(),
            other => other,
        };
        let code = match &e {
            SyncError::Network(_) => "offline",
            SyncError::Server { status: 429, .. } => "throttled",
            SyncError::Server { .. } => "offline",
            SyncError::Unauthorized => "wrong_credentials",
            SyncError::Refused { status: 403, .. } => "wrong_credentials",
            SyncError::Refused { status: 429, .. } => "throttled",
            SyncError::Refused { .. } | SyncError::InvalidServerUrl(_) => "invalid_input",
            SyncError::NotOurServer(_) => "not_our_server",
            SyncError::CursorInvalid | SyncError::PhotoFile(_) => "internal",
            SyncError::Store(_) => "internal",
        };
        AppError::new(code, e.to_string())
    }
}

impl From<Refusal> for AppError {
    fn from(r: Refusal) -> Self {
        let code = match &r {
            // Both mean the case moved on since this device last saw it.
            Refusal::StaleState { .. } | Refusal::InvalidTransition { .. } => "stale_state",
            Refusal::InvalidInput { .. } => "invalid_input",
            other => other.code(),
        };
        AppError::new(code, r.to_string())
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(e: tokio::task::JoinError) -> Self {
        AppError::internal(format!("a background task failed ({e}); try again"))
    }
}
