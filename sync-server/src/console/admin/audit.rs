//! `GET /api/v1/admin/audit`: the audit log, newest first, a page at a time.

use super::Admin;
use crate::console::query::{invalid_query, QueryParams};
use crate::console::time::{parse_time, Bound};
use crate::console::tx::read;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::storage::audit_log::{AuditEntry, AuditFilter};
use axum::extract::State;
use axum::Json;
use serde::Serialize;
use yiwang_core::sync::ErrorBody;

/// Records on a page when `limit` is not given, and at the most.
pub const AUDIT_PAGE: u32 = 100;
pub const AUDIT_PAGE_MAX: u32 = 1000;

/// The query of `GET /api/v1/admin/audit`.
#[derive(Debug, Clone, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Records on this page (1 to 1000; 100 by default).
    pub limit: Option<u32>,
    /// Records older than this one: the previous page's `next_before`.
    pub before: Option<i64>,
    /// Only these actions (repeat or separate with commas), e.g. `sign_in_failed`.
    pub action: Option<String>,
    /// Only what this user did: a user name or user id.
    pub actor: Option<String>,
    /// From this time on: RFC 3339, or a date (Beijing time).
    pub since: Option<String>,
    /// Before this time: RFC 3339, or a date (to the end of that day, Beijing time).
    pub until: Option<String>,
}

/// A page of the audit log.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    /// Newest first.
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` for the next (older) page; `null` on the last page.
    pub next_before: Option<i64>,
}

/// `GET /api/v1/admin/audit`: sign-ins (and failed ones, with the name tried), sign-outs,
/// password changes and resets, admin actions and exports, with who, when and from where.
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "admin",
    params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 400, body = ErrorBody, description = "invalid_query"),
              (status = 401, body = ErrorBody, description = "unauthenticated"), (status = 403, body = ErrorBody, description = "forbidden")))]
pub async fn audit_log(
    State(state): State<AppState>,
    _admin: Admin,
    q: QueryParams,
) -> ApiResult<Json<AuditPage>> {
    q.only(&["limit", "before", "action", "actor", "since", "until"])?;
    let limit = match q.u64("limit")? {
        None => AUDIT_PAGE,
        Some(n @ 1..=1000) => n as u32,
        Some(n) => {
            return Err(invalid_query(format!(
                "limit: {n} is not between 1 and {AUDIT_PAGE_MAX}"
            )))
        }
    };
    let before = q
        .get("before")
        .map(|v| {
            v.parse::<i64>()
                .map_err(|_| invalid_query(format!("before: {v:?} is not a record id")))
        })
        .transpose()?;
    let actions: Vec<String> = q.all("action").into_iter().map(str::to_owned).collect();
    if let Some(bad) = actions
        .iter()
        .find(|a| a.is_empty() || !a.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
    {
        return Err(invalid_query(format!(
            "action: {bad:?} is not an action name (snake_case, e.g. sign_in_failed)"
        )));
    }
    let filter = AuditFilter {
        before,
        // One more than asked: tells whether there is a next page.
        limit: limit + 1,
        actions,
        actor: q.get("actor").map(str::to_owned),
        since: q
            .get("since")
            .map(|v| parse_time("since", v, Bound::Start))
            .transpose()?,
        until: q
            .get("until")
            .map(|v| parse_time("until", v, Bound::End))
            .transpose()?,
    };
    let mut entries = read(&state, move |tx| Ok(tx.audit_entries(&filter)?)).await?;
    let next_before = if entries.len() > limit as usize {
        entries.truncate(limit as usize);
        entries.last().map(|e| e.id)
    } else {
        None
    };
    Ok(Json(AuditPage {
        entries,
        next_before,
    }))
}

/// How often the audit log is pruned while a server runs.
pub const AUDIT_PRUNE_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Prunes the audit log now and every [`AUDIT_PRUNE_EVERY`]: records older than
/// [`AUDIT_KEPT`](crate::storage::audit_log::AUDIT_KEPT), and failed sign-ins beyond the newest
/// [`FAILED_SIGN_INS_KEPT`](crate::storage::audit_log::FAILED_SIGN_INS_KEPT).
pub fn prune_audit_log_periodically(state: AppState) -> tokio::task::JoinHandle<()> {
    use crate::storage::audit_log::{AUDIT_KEPT, FAILED_SIGN_INS_KEPT};
    tokio::spawn(async move {
        let mut every = tokio::time::interval(AUDIT_PRUNE_EVERY);
        loop {
            every.tick().await;
            let before = state.now() - AUDIT_KEPT;
            match state
                .ledger
                .write(move |tx| tx.prune_audit(before, FAILED_SIGN_INS_KEPT))
                .await
            {
                Ok(0) => {}
                Ok(n) => tracing::info!(records = n, "pruned the audit log"),
                Err(e) => {
                    tracing::warn!(error = %e, "pruning the audit log failed; retrying later")
                }
            }
        }
    })
}
