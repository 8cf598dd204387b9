//! What can go wrong in the device's store, with a stable code for each kind.

use yiwang_core::error::ErrorCode;
use yiwang_core::field::FindingProblems;
use yiwang_core::ids::PatrolId;

/// The store's one error type. The UI branches on [`StoreError::code`]; the message is for
/// people and says what to do next.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the app's local database could not be read or written ({0}); restart the app, and \
         report it if it happens again"
    )]
    Sqlite(#[from] rusqlite::Error),

    #[error(
        "the app's database file could not be read ({0}); check that the device has free \
         storage, then restart the app"
    )]
    Io(#[from] std::io::Error),

    #[error(
        "this device's data was written by a newer version of Yiwang (database schema {found}, \
         this app understands up to {supported}); update the app to open it — nothing was \
         changed"
    )]
    NewerSchema { found: i64, supported: i64 },

    #[error("{what} {id} is not on this device; sync, then try again")]
    NotFound { what: &'static str, id: String },

    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },

    /// A finding that breaks the finding rules (`yiwang_core::field::FindingRule`).
    #[error("{0}")]
    FindingRules(#[from] FindingProblems),

    #[error("a record could not be read ({0}); sync again, and report it if it repeats")]
    Json(#[from] serde_json::Error),

    #[error("nobody is signed in on this device; sign in first")]
    NotLoggedIn,

    #[error("patrol {id} has already ended; start a new patrol")]
    PatrolAlreadyEnded { id: PatrolId },

    #[error("patrol {id} is still going on; end it before starting another")]
    PatrolStillOpen { id: PatrolId },
}

/// The store's result type.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl StoreError {
    /// A stable snake_case code the UI branches on. Codes are never renamed.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Sqlite(_) | Self::Io(_) => ErrorCode::StorageError,
            Self::NewerSchema { .. } => ErrorCode::NewerSchema,
            Self::NotFound { .. } => ErrorCode::NotFound,
            Self::Invalid { .. } | Self::FindingRules(_) => ErrorCode::InvalidInput,
            Self::Json(_) => ErrorCode::BadRecord,
            Self::NotLoggedIn => ErrorCode::NotLoggedIn,
            Self::PatrolAlreadyEnded { .. } => ErrorCode::PatrolEnded,
            Self::PatrolStillOpen { .. } => ErrorCode::PatrolOpen,
        }
    }

    /// True when trying the same thing again later may succeed: the database was busy or
    /// locked by another connection, or storage was full or failing. Everything else will fail
    /// the same way until the input or the app changes.
    pub fn is_retryable(&self) -> bool {
        use rusqlite::ErrorCode as C;
        match self {
            Self::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => matches!(
                e.code,
                C::DatabaseBusy | C::DatabaseLocked | C::DiskFull | C::SystemIoFailure
            ),
            Self::Io(_) => true,
            _ => false,
        }
    }

    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            reason: reason.into(),
        }
    }

    pub(crate) fn not_found(what: &'static str, id: impl std::fmt::Display) -> Self {
        Self::NotFound {
            what,
            id: id.to_string(),
        }
    }
}
