//! `POST /api/v1/cases/{id}/actions`: an action on a case through the workflow, decided on the
//! version the caller saw.

use crate::auth::AuthUser;
use crate::console::query::invalid_input;
use crate::console::tx::{refusal_error, write};
use crate::error::{ApiResult, JsonBody};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;
use yiwang_core::case::{ActionKind, Case, CaseEvent};
use yiwang_core::ids::CaseId;
use yiwang_core::sync::CaseActionData;
use yiwang_core::sync::ErrorBody;

/// A case after an action, with the event that changed it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseChange {
    pub case: Case,
    pub event: CaseEvent,
}

/// `POST /api/v1/cases/{id}/actions`: takes an action on a case through the workflow, decided on
/// the version the caller saw.
#[utoipa::path(post, path = "/api/v1/cases/{id}/actions", tag = "console",
    params(("id" = String, Path, description = "case id")),
    request_body = CaseActionData,
    responses((status = 200, body = CaseChange), (status = 401, body = ErrorBody, description = "unauthenticated"),
              (status = 403, body = ErrorBody, description = "forbidden_role, out_of_jurisdiction, not_holder, rating_not_allowed"),
              (status = 404, body = ErrorBody, description = "not_found"),
              (status = 409, body = ErrorBody, description = "stale_state"),
              (status = 422, body = ErrorBody, description = "invalid_transition, invalid_input, already_rated, no_extension_requested, no_parent_unit, invalid_body")))]
pub async fn case_action(
    State(state): State<AppState>,
    me: AuthUser,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<CaseActionData>,
) -> ApiResult<Json<CaseChange>> {
    if body.action.kind() == ActionKind::Report {
        return Err(invalid_input(
            "action: a case is reported with POST /api/v1/cases, not as an action",
        ));
    }
    let now = state.now();
    let st = state.clone();
    let change = write(&state, move |tx| {
        let reference = st.reference(tx)?;
        let actor = me.user.actor();
        match crate::casework::act(
            tx,
            &reference,
            &actor,
            &CaseId(id),
            body.base_version,
            &body.action,
            now,
        )? {
            Ok((case, event)) => Ok(CaseChange { case, event }),
            Err(refusal) => Err(refusal_error(refusal)),
        }
    })
    .await?;
    Ok(Json(change))
}
