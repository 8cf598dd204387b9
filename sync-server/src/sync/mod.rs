//! Sync protocol v1 (docs/DESIGN.md §5): push, pull, and the rejected ops.
//!
//! - `POST /api/v1/sync/push`: a device's ops, applied by [`apply_ops`] in one ledger write
//!   transaction (one fsync for the whole batch); one result per op, in order.
//! - `GET /api/v1/sync/pull?cursor=C&limit=N`: the change log after the cursor, only what the
//!   caller may see ([`crate::jurisdiction::viewer`]); see [`cursor`] for the cursor.
//! - `GET /api/v1/sync/rejected`: refused ops, with their reasons, for their sender and for the
//!   supervisors whose subtree the sender belongs to.

pub mod apply;
pub mod cursor;

pub use apply::{apply_ops, apply_ops_at_once, apply_ops_one_by_one};

use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, JsonBody};
use crate::limits::{
    DEFAULT_PULL_LIMIT, DEFAULT_REJECTED_LIMIT, MAX_ID_CHARS, MAX_REJECTED_LIMIT,
    MAX_REJECTED_OFFSET,
};
use crate::state::{AppState, Metrics};
use crate::storage::sync::RejectedFilter;
use crate::storage::StorageError;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yiwang_core::error::ErrorCode;
use yiwang_core::ids::DeviceId;
use yiwang_core::sync::ErrorBody;
use yiwang_core::sync::{
    Op, OpResult, OpStatus, PullResponse, PushRequest, PushResponse, RejectedOp, MAX_PULL_LIMIT,
    MAX_PUSH_OPS,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(push))
        .routes(routes!(pull))
        .routes(routes!(rejected))
}

/// The body of `POST /api/v1/sync/push` as first read: the ops stay JSON text until each is
/// checked on its own, so one op this server cannot read is rejected alone instead of failing
/// the batch (a newer app may send an op type this server does not know yet).
#[derive(Debug, Deserialize)]
pub struct PushBody {
    pub device_id: DeviceId,
    pub ops: Vec<Box<RawValue>>,
}

/// An op as read from the body: one to apply, or the answer for one that is not an op of v1.
enum Screened {
    Op(Op),
    NotAnOp(OpResult),
}

/// Reads one op of a push. An op without a usable `op_id` fails the whole request (its answer
/// could not be matched to it); one that is otherwise not an op of v1 is answered `rejected`
/// with `invalid_op` and not kept — there is nothing the ledger could store it as.
fn screen(index: usize, raw: &RawValue) -> ApiResult<Screened> {
    // Most ops read straight from their text; only one that does not goes through a JSON tree
    // to find its op id and say what is wrong with it (the same answers either way: an op that
    // reads as `Op` has a string `op_id`, the one the tree would have found).
    if let Ok(op) = serde_json::from_str::<Op>(raw.get()) {
        check_op_id(index, op.op_id.as_str())?;
        return Ok(Screened::Op(op));
    }
    let raw: serde_json::Value = serde_json::from_str(raw.get()).map_err(|e| {
        ApiError::bad_request(
            ErrorCode::InvalidJson,
            format!("ops[{index}] is not JSON: {e}"),
        )
    })?;
    let op_id = raw
        .get("op_id")
        .and_then(|v| v.as_str())
        .map(str::to_owned)
        .ok_or_else(|| {
            ApiError::unprocessable(
                ErrorCode::InvalidBody,
                format!("ops[{index}]: op_id is required"),
            )
        })?;
    check_op_id(index, &op_id)?;
    match serde_json::from_value::<Op>(raw) {
        Ok(op) => Ok(Screened::Op(op)),
        Err(e) => Ok(Screened::NotAnOp(OpResult {
            op_id: op_id.into(),
            status: OpStatus::Rejected,
            code: Some(ErrorCode::InvalidOp.into()),
            message: Some(format!("this is not an op of sync protocol v1: {e}")),
            seq: None,
        })),
    }
}

fn check_op_id(index: usize, op_id: &str) -> ApiResult<()> {
    let chars = op_id.chars().count();
    if op_id.trim().is_empty() || chars > MAX_ID_CHARS || op_id.chars().any(char::is_control) {
        return Err(ApiError::unprocessable(
            ErrorCode::InvalidBody,
            format!(
                "ops[{index}]: op_id must have 1 to {} printable characters",
                MAX_ID_CHARS
            ),
        ));
    }
    Ok(())
}

/// `POST /api/v1/sync/push`
#[utoipa::path(post, path = "/api/v1/sync/push", tag = "sync",
    request_body = PushRequest,
    responses(
        (status = 200, body = PushResponse, description = "one result per op, in op order"),
        (status = 401, body = ErrorBody, description = "unauthenticated"),
        (status = 403, body = ErrorBody, description = "device_mismatch: the body names another device than the token's"),
        (status = 422, body = ErrorBody, description = "too_many_ops, invalid_body")))]
pub async fn push(
    State(state): State<AppState>,
    me: AuthUser,
    JsonBody(body): JsonBody<PushBody>,
) -> ApiResult<Json<PushResponse>> {
    if body.device_id != me.device_id {
        return Err(ApiError::denied(
            ErrorCode::DeviceMismatch,
            "this push names another device than the one you signed in on; sign in on this device",
        ));
    }
    if body.ops.len() > MAX_PUSH_OPS {
        return Err(ApiError::unprocessable(
            ErrorCode::TooManyOps,
            format!(
                "{} ops in one push is too many; send at most {MAX_PUSH_OPS} at a time",
                body.ops.len()
            ),
        ));
    }
    // The ops to apply, and the answers of those that are not ops, by their place in the push.
    let mut ops = Vec::with_capacity(body.ops.len());
    let mut not_ops = Vec::new();
    for (i, raw) in body.ops.iter().enumerate() {
        match screen(i, raw)? {
            Screened::Op(op) => ops.push(op),
            Screened::NotAnOp(r) => not_ops.push((i, r)),
        }
    }
    let total = body.ops.len();
    drop(body);
    let now = state.now();
    let (st, user, device) = (state.clone(), me.user.clone(), me.device_id.clone());
    // One write transaction for the whole batch: one fsync, and all of it or none of it.
    let applied = state
        .ledger
        .write(move |tx| {
            let reference = st.reference(tx)?;
            apply_ops(tx, &reference, &user, &device, &ops, now)
        })
        .await?;
    let mut applied = applied.into_iter();
    let mut not_ops = not_ops.into_iter().peekable();
    let mut results = Vec::with_capacity(total);
    for i in 0..total {
        let r = match not_ops.next_if(|(at, _)| *at == i) {
            Some((_, r)) => r,
            None => applied.next().ok_or_else(|| {
                ApiError::Internal(anyhow::anyhow!("apply_ops answered fewer ops than it got"))
            })?,
        };
        let counter = match r.status {
            OpStatus::Applied => &state.metrics.ops_applied,
            OpStatus::Duplicate => &state.metrics.ops_duplicate,
            OpStatus::Rejected => &state.metrics.ops_rejected,
        };
        Metrics::add(counter, 1);
        results.push(r);
    }
    Ok(Json(PushResponse { results }))
}

/// The query of `GET /api/v1/sync/pull`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PullParams {
    /// The cursor of the last page (`v1.<epoch>.<seq>`); absent or empty: from the start.
    #[param(pattern = r"^(v1\.[0-9A-Za-z-]{1,64}\.[0-9]{1,19})?$")]
    pub cursor: Option<String>,
    /// Most changes to return (default 500); more than 1000 is taken as 1000.
    #[param(minimum = 1)]
    pub limit: Option<i64>,
}

fn query_error(e: QueryRejection) -> ApiError {
    ApiError::bad_request(ErrorCode::InvalidQuery, e.body_text())
}

/// `GET /api/v1/sync/pull?cursor=C&limit=N`
#[utoipa::path(get, path = "/api/v1/sync/pull", tag = "sync", params(PullParams),
    responses(
        (status = 200, body = PullResponse),
        (status = 400, body = ErrorBody, description = "invalid_query"),
        (status = 401, body = ErrorBody, description = "unauthenticated"),
        (status = 412, body = ErrorBody, description = "cursor_invalid: pull again from the empty cursor")))]
pub async fn pull(
    State(state): State<AppState>,
    me: AuthUser,
    params: Result<Query<PullParams>, QueryRejection>,
) -> ApiResult<Json<PullResponse>> {
    let Query(params) = params.map_err(query_error)?;
    let limit = match params.limit {
        None => DEFAULT_PULL_LIMIT,
        Some(..=0) => {
            return Err(ApiError::bad_request(
                ErrorCode::InvalidQuery,
                "limit must be at least 1",
            ))
        }
        // An oversized page is capped, not refused: what a device asks for is a wish.
        Some(n) => u32::try_from(n).unwrap_or(u32::MAX).min(MAX_PULL_LIMIT),
    };
    let user = me.user;
    let page = state
        .ledger
        .read(move |tx| {
            // One read transaction: the epoch, the end of the log and the page are one snapshot.
            let epoch = tx
                .meta_get("epoch")?
                .ok_or_else(|| StorageError::Invalid("the ledger has no epoch".into()))?;
            let max_seq = tx.max_change_seq()?;
            let after = match cursor::resolve(params.cursor.as_deref(), &epoch, max_seq) {
                Ok(after) => after,
                Err(e) => return Ok(Err(e)),
            };
            let viewer = crate::jurisdiction::viewer(tx, &user)?;
            let (changes, has_more) = tx.changes_since(&viewer, after, limit)?;
            let last = changes.last().map_or(after, |c| c.seq);
            Ok(Ok(PullResponse {
                changes,
                cursor: cursor::encode(&epoch, last),
                has_more,
            }))
        })
        .await?;
    match page {
        Ok(page) => Ok(Json(page)),
        Err(e) => {
            tracing::info!(reason = %e, "pull refused a cursor");
            Err(ApiError::CursorInvalid)
        }
    }
}

/// The query of `GET /api/v1/sync/rejected`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RejectedParams {
    /// Most ops to return (default 100); more than 1000 is taken as 1000.
    #[param(minimum = 1)]
    pub limit: Option<i64>,
    /// Ops to skip (newest first).
    #[param(minimum = 0, maximum = 1000000)]
    pub offset: Option<u32>,
}

/// Answer to `GET /api/v1/sync/rejected`: newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RejectedPage {
    pub ops: Vec<RejectedOp>,
    pub has_more: bool,
}

/// `GET /api/v1/sync/rejected`: the caller's own rejected ops and, for a unit's members
/// (community, township, centre, leader, admin), those of every user of their subtree.
#[utoipa::path(get, path = "/api/v1/sync/rejected", tag = "sync", params(RejectedParams),
    responses(
        (status = 200, body = RejectedPage),
        (status = 400, body = ErrorBody, description = "invalid_query"),
        (status = 401, body = ErrorBody, description = "unauthenticated")))]
pub async fn rejected(
    State(state): State<AppState>,
    me: AuthUser,
    params: Result<Query<RejectedParams>, QueryRejection>,
) -> ApiResult<Json<RejectedPage>> {
    let Query(params) = params.map_err(query_error)?;
    let limit = match params.limit {
        None => DEFAULT_REJECTED_LIMIT,
        Some(..=0) => {
            return Err(ApiError::bad_request(
                ErrorCode::InvalidQuery,
                "limit must be at least 1",
            ))
        }
        Some(n) => u32::try_from(n).unwrap_or(u32::MAX).min(MAX_REJECTED_LIMIT),
    };
    let offset = params.offset.unwrap_or(0);
    if offset > MAX_REJECTED_OFFSET {
        return Err(ApiError::bad_request(
            ErrorCode::InvalidQuery,
            format!("offset must be at most {MAX_REJECTED_OFFSET}"),
        ));
    }
    let user = me.user;
    let (ops, has_more) = state
        .ledger
        .read(move |tx| {
            let viewer = crate::jurisdiction::viewer(tx, &user)?;
            tx.rejected_ops(&RejectedFilter {
                user: user.id.clone(),
                path: viewer.path,
                limit,
                offset,
            })
        })
        .await?;
    Ok(Json(RejectedPage { ops, has_more }))
}
