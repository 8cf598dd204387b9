//! Handlers' ledger work: read and write transactions that turn storage errors and refusals into
//! answers (a refused write rolls back everything it wrote), and the workflow's refusals as
//! HTTP statuses.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::storage::{LedgerTx, StorageError};
use std::sync::{Arc, Mutex};
use yiwang_core::workflow::Refusal;

/// Runs `f` in a read transaction; storage errors become `ApiError`s.
pub async fn read<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&mut dyn LedgerTx) -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    state.ledger.read(move |tx| Ok(f(tx))).await?
}

/// Runs `f` in a write transaction that commits only when `f` succeeds: any error, a refusal
/// included, rolls back everything `f` wrote, so bad input changes nothing stored.
pub async fn write<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&mut dyn LedgerTx) -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    let refusal: Arc<Mutex<Option<ApiError>>> = Arc::new(Mutex::new(None));
    let slot = refusal.clone();
    let out = state
        .ledger
        .write(move |tx| match f(tx) {
            Ok(v) => Ok(v),
            Err(e) => {
                *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                Err(StorageError::Invalid("refused; rolled back".into()))
            }
        })
        .await;
    match out {
        Ok(v) => Ok(v),
        Err(e) => Err(refusal
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .unwrap_or_else(|| e.into())),
    }
}

/// The answer to a workflow refusal: 409 for a stale decision, 403 when the case is not the
/// caller's to act on, 404 for an unknown case, 422 for everything else; the code is the
/// refusal's own.
pub fn refusal_error(r: Refusal) -> ApiError {
    let code = r.code();
    let message = r.to_string();
    match r {
        Refusal::InvalidInput { field, rule, limit } => ApiError::Input {
            field,
            rule,
            limit,
            message,
        },
        Refusal::StaleState { .. } | Refusal::CaseExists => ApiError::Conflict { code, message },
        Refusal::ForbiddenRole { .. }
        | Refusal::OutOfJurisdiction
        | Refusal::NotHolder
        | Refusal::RatingNotAllowed => ApiError::denied(code, message),
        Refusal::UnknownCase => ApiError::NotFound { what: "case" },
        Refusal::InvalidTransition { .. }
        | Refusal::NoParentUnit
        | Refusal::AlreadyRated
        | Refusal::NoExtensionRequested
        | Refusal::UndoWindowPassed { .. }
        | Refusal::UnknownPhoto { .. } => ApiError::unprocessable(code, message),
    }
}

/// 403 `out_of_jurisdiction`.
pub fn out_of_jurisdiction() -> ApiError {
    refusal_error(Refusal::OutOfJurisdiction)
}
