//! How every failure reaches the window: [`AppError`] `{code, message}`, with the closed set of
//! codes of the worker app contract. The UI branches on the code only.

use yiwang_core::error::{ErrorCode, ReceivedCode};
use yiwang_core::workflow::Refusal;

use super::views::AppError;
use crate::photo::PhotoError;
use crate::store::StoreError;
use crate::sync::SyncError;

/// The facade's result type.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, message)
    }

    pub fn not_logged_in() -> Self {
        Self::new(
            ErrorCode::NotLoggedIn,
            "nobody is signed in on this device; sign in first",
        )
    }

    pub fn unsynced_work(what: u32) -> Self {
        Self::new(
            ErrorCode::UnsyncedWork,
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
            // The store's failures the window cannot act on are ours to report.
            StoreError::Sqlite(_) | StoreError::Io(_) | StoreError::Json(_) => ErrorCode::Internal,
            other => other.code(),
        };
        AppError::new(code, e.to_string())
    }
}

impl From<PhotoError> for AppError {
    fn from(e: PhotoError) -> Self {
        let code = match &e {
            PhotoError::TooLarge { .. } | PhotoError::TooManyPixels { .. } => {
                ErrorCode::PhotoTooLarge
            }
            PhotoError::UnsupportedFormat | PhotoError::Corrupt(_) => ErrorCode::PhotoUnreadable,
            PhotoError::Io(_) | PhotoError::Encode(_) => ErrorCode::Internal,
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
        let code: ReceivedCode = match &e {
            // A code from a newer server: passed on with the server's own words.
            SyncError::Refused {
                code: code @ ReceivedCode::Unknown(_),
                message,
                ..
            } => {
                return AppError {
                    code: code.clone(),
                    message: message.clone(),
                }
            }
            SyncError::Server { status: 429, .. } => ErrorCode::Throttled.into(),
            SyncError::Network(_) | SyncError::Server { .. } => ErrorCode::Offline.into(),
            SyncError::Unauthorized | SyncError::Refused { status: 403, .. } => {
                ErrorCode::WrongCredentials.into()
            }
            SyncError::Refused { status: 429, .. } => ErrorCode::Throttled.into(),
            SyncError::Refused { .. } => ErrorCode::InvalidInput.into(),
            SyncError::InvalidServerUrl(_) => ErrorCode::InvalidServerUrl.into(),
            SyncError::InsecureServerUrl(_) => ErrorCode::InsecureServerUrl.into(),
            SyncError::NotOurServer(_) => ErrorCode::NotOurServer.into(),
            SyncError::CursorInvalid | SyncError::PhotoFile(_) => ErrorCode::Internal.into(),
            SyncError::Store(_) => ErrorCode::Internal.into(),
        };
        AppError {
            code,
            message: e.to_string(),
        }
    }
}

impl From<Refusal> for AppError {
    fn from(r: Refusal) -> Self {
        let code = match &r {
            // Both mean the case moved on since this device last saw it.
            Refusal::StaleState { .. } | Refusal::InvalidTransition { .. } => ErrorCode::StaleState,
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
