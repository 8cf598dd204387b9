//! `POST /api/v1/cases`: an operator lodges a case from the hotline 8890, a service hall or
//! WeChat; the server names it and reports it through the workflow.

use super::actions::CaseChange;
use crate::auth::AuthUser;
use crate::console::query::invalid_input;
use crate::console::tx::{refusal_error, write};
use crate::error::{ApiResult, JsonBody};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use yiwang_core::case::{Action, Channel, GeoPoint, NewCase};
use yiwang_core::ids::{CaseId, CategoryCode, GridId, OrgUnitId, PhotoHash};
use yiwang_core::org::Role;
use yiwang_core::sync::ErrorBody;

/// Body of `POST /api/v1/cases`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntakeRequest {
    /// hotline8890, service_hall or wechat.
    pub channel: Channel,
    pub category: CategoryCode,
    #[serde(default)]
    pub urgent: bool,
    pub description: String,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub grid_id: Option<GridId>,
    /// The unit the case should wait at; otherwise the grid's community, or the operator's unit.
    pub unit_id: Option<OrgUnitId>,
    /// The citizen's name and phone.
    pub contact: Option<String>,
    #[serde(default)]
    pub photos: Vec<PhotoHash>,
}

/// `POST /api/v1/cases`: an operator lodges a case from the hotline 8890, a service hall or
/// WeChat. The server names the case (UUIDv7) and reports it through the workflow.
#[utoipa::path(post, path = "/api/v1/cases", tag = "console",
    request_body = IntakeRequest,
    responses((status = 201, body = CaseChange), (status = 401, body = ErrorBody, description = "unauthenticated"),
              (status = 403, body = ErrorBody, description = "forbidden, out_of_jurisdiction"),
              (status = 422, body = ErrorBody, description = "invalid_input, invalid_body")))]
pub async fn intake(
    State(state): State<AppState>,
    me: AuthUser,
    JsonBody(req): JsonBody<IntakeRequest>,
) -> ApiResult<Response> {
    me.require(&[Role::Community, Role::Township, Role::Center])?;
    if !matches!(
        req.channel,
        Channel::Hotline8890 | Channel::ServiceHall | Channel::Wechat
    ) {
        return Err(invalid_input(
            "channel: the console takes hotline8890, service_hall or wechat cases; grid cases come from the app, Open311 ones from /open311",
        ));
    }
    let location = match (req.lat, req.lon) {
        (Some(lat), Some(lon)) => Some(GeoPoint {
            lat,
            lon,
            accuracy_m: None,
        }),
        (None, None) => None,
        _ => return Err(invalid_input("lat and lon: give both or neither")),
    };
    let new = NewCase {
        channel: req.channel,
        category: req.category,
        urgent: req.urgent,
        description: req.description,
        location,
        address: req.address.filter(|a| !a.trim().is_empty()),
        grid_id: req.grid_id,
        unit: req.unit_id,
        finding_id: None,
        photos: req.photos,
        contact: req.contact.filter(|c| !c.trim().is_empty()),
    };
    let id = CaseId(uuid::Uuid::now_v7().to_string());
    let now = state.now();
    let st = state.clone();
    let change = write(&state, move |tx| {
        let reference = st.reference(tx)?;
        match crate::casework::act(
            tx,
            &reference,
            &me.user.actor(),
            &id,
            0,
            &Action::Report(new),
            now,
        )? {
            Ok((case, event)) => Ok(CaseChange { case, event }),
            Err(refusal) => Err(refusal_error(refusal)),
        }
    })
    .await?;
    let location = format!("/api/v1/cases/{}", change.case.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(change),
    )
        .into_response())
}
