//! `GET /api/v1/cases/{id}`: one case with its finding, photos, timeline, chain status, the
//! actions the caller may take now and what a dispatch would do.

use crate::auth::AuthUser;
use crate::console::labels::{CaseLabels, Named};
use crate::console::tx::{out_of_jurisdiction, read};
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, Reference};
use crate::storage::LedgerTx;
use axum::extract::{Path, State};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use yiwang_core::case::{
    Action, ActionKind, Case, CaseEvent, DeadlineStatus, Effect, RatingSource,
};
use yiwang_core::ids::{CaseId, DepartmentId, PhotoHash, UserId};
use yiwang_core::ledger::verify_chain;
use yiwang_core::org::{Affiliation, Role};
use yiwang_core::sync::ErrorBody;
use yiwang_core::workflow::{available_actions, can_see, decide, rating_sources};

/// A photo a case shows, and whether its bytes have arrived.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PhotoView {
    pub sha256: PhotoHash,
    /// `stored` once uploaded and verified; `pending` while the device has not sent it yet.
    pub status: &'static str,
    pub url: String,
    pub thumb_url: String,
    /// Where the case refers to it: `report`, `finding`, or `event:{seq}`.
    pub sources: Vec<String>,
}

/// Who took an action, as the timeline shows them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ActorView {
    pub user_id: UserId,
    pub display_name: Option<String>,
    pub role: Role,
    pub unit: Option<Named>,
    pub department: Option<Named>,
}

/// One entry of a case's timeline.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventView {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub action: ActionKind,
    pub actor: ActorView,
    pub note: Option<String>,
    pub photos: Vec<PhotoHash>,
    /// The action as it was asked for, with all its fields.
    pub input: serde_json::Value,
    /// Where it left the case.
    pub effect: Effect,
    pub hash: String,
}

/// The hash chain of a case, checked on every read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ChainStatus {
    Verified,
    Broken { error: String },
}

/// Answer to `GET /api/v1/cases/{id}`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseDetail {
    pub case: Case,
    pub labels: CaseLabels,
    /// The finding the case came from, as the device sent it, once it has arrived.
    pub finding: Option<serde_json::Value>,
    pub photos: Vec<PhotoView>,
    pub events: Vec<EventView>,
    pub chain: ChainStatus,
    /// What the caller may do now: the buttons the console draws.
    pub available_actions: Vec<ActionKind>,
    /// The ratings the caller may still give (群众评价 `resident`, 办理人员评价 `operator`):
    /// the Rate dialog's choices. Empty when the caller may not rate.
    pub rating_sources: Vec<RatingSource>,
    pub deadline: Option<DateTime<Utc>>,
    pub overdue: bool,
    pub deadline_status: DeadlineStatus,
    /// Working minutes left until the deadline on the working calendar; negative once past it.
    pub remaining_working_minutes: Option<i64>,
    /// When the caller may dispatch: the department the category sends it to and the deadline
    /// a dispatch now would set (the workflow's own decision, not stored).
    pub dispatch_preview: Option<DispatchPreview>,
    /// The cases merged into this one as its duplicates (合并重复件) that the caller may see,
    /// oldest merge first: the other half of the link a merged case's `duplicate_of` makes.
    pub duplicates: Vec<DuplicateView>,
    /// Until when the merge of this case can be undone (撤销合并), while it can.
    pub unmerge_until: Option<DateTime<Utc>>,
}

/// A case merged into another, as the other's page lists it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DuplicateView {
    pub id: CaseId,
    pub description: String,
    pub reported_at: DateTime<Utc>,
    /// When it was merged.
    pub merged_at: Option<DateTime<Utc>>,
}

/// What dispatching the case now would do, for the dispatch form.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DispatchPreview {
    /// The category's default department; `None` when the category names none (pick one).
    pub default_department: Option<DepartmentId>,
    pub default_department_name: Option<String>,
    /// The deadline the case would get (the same for every department: it comes from the
    /// category, the urgency and the working calendar).
    pub deadline: DateTime<Utc>,
    pub urgent: bool,
}

/// Asks the workflow what a dispatch by `me` now would decide, without storing anything.
fn dispatch_preview(
    case: &Case,
    actor: &yiwang_core::org::Actor,
    r: &Reference,
    now: DateTime<Utc>,
) -> Option<DispatchPreview> {
    let ctx = r.context(now);
    let try_with = |department: Option<DepartmentId>| {
        decide(
            Some(case),
            &case.id,
            case.version,
            &Action::Dispatch {
                deadline: None,
                department,
                note: None,
            },
            actor,
            &ctx,
        )
        .ok()
    };
    let (event, default) = match try_with(None) {
        Some(e) => {
            let d = e.effect.department.clone();
            (e, d)
        }
        None => (
            try_with(Some(r.org.departments().next()?.id.clone()))?,
            None,
        ),
    };
    Some(DispatchPreview {
        default_department_name: default
            .as_ref()
            .and_then(|d| r.org.department(d))
            .map(|d| d.name.clone()),
        default_department: default,
        deadline: event.effect.deadline?,
        urgent: case.urgent,
    })
}

fn photo_hashes_of(value: Option<&serde_json::Value>) -> Vec<PhotoHash> {
    value
        .and_then(|f| f.get("photos"))
        .and_then(|p| p.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|h| h.as_str().and_then(PhotoHash::parse))
                .collect()
        })
        .unwrap_or_default()
}

fn actor_view(e: &CaseEvent, r: &Reference, names: &BTreeMap<UserId, Option<String>>) -> ActorView {
    let (unit, department) = match &e.actor.affiliation {
        Affiliation::Unit(u) => (
            Some(Named {
                id: u.0.clone(),
                name: r.org.unit(u).map(|x| x.name.clone()).unwrap_or_default(),
            }),
            None,
        ),
        Affiliation::Department(d) => (
            None,
            Some(Named {
                id: d.0.clone(),
                name: r
                    .org
                    .department(d)
                    .map(|x| x.name.clone())
                    .unwrap_or_default(),
            }),
        ),
    };
    ActorView {
        user_id: e.actor.user_id.clone(),
        display_name: names.get(&e.actor.user_id).cloned().flatten(),
        role: e.actor.role,
        unit,
        department,
    }
}

/// Builds the detail of a case the caller may see.
fn detail(
    tx: &mut dyn LedgerTx,
    r: &Reference,
    me: &AuthUser,
    case: Case,
    now: DateTime<Utc>,
) -> ApiResult<CaseDetail> {
    let actor = me.user.actor();
    let events = tx.case_events(&case.id)?;
    let chain = match verify_chain(&case.id, &events, Some((case.version, &case.head_hash))) {
        Ok(()) => ChainStatus::Verified,
        Err(e) => ChainStatus::Broken {
            error: e.to_string(),
        },
    };
    let finding = tx.finding_of_case(&case.id, case.finding_id.as_ref())?;

    // Every photo the case refers to, first mention first, with where it is mentioned.
    let mut order: Vec<PhotoHash> = vec![];
    let mut sources: BTreeMap<PhotoHash, Vec<String>> = BTreeMap::new();
    let mut mention = |h: &PhotoHash, source: String| {
        let s = sources.entry(h.clone()).or_default();
        if s.is_empty() {
            order.push(h.clone());
        }
        if !s.contains(&source) {
            s.push(source);
        }
    };
    for h in &case.photos {
        mention(h, "report".into());
    }
    for h in photo_hashes_of(finding.as_ref()) {
        mention(&h, "finding".into());
    }
    for e in &events {
        if e.seq > 1 {
            for h in e.action.photos() {
                mention(h, format!("event:{}", e.seq));
            }
        }
    }
    let stored = tx.stored_photos(&order)?;
    let photos = order
        .into_iter()
        .map(|h| PhotoView {
            status: if stored.contains(&h) {
                "stored"
            } else {
                "pending"
            },
            url: format!("/api/v1/photos/by-hash/{h}"),
            thumb_url: format!("/api/v1/photos/by-hash/{h}/thumb"),
            sources: sources.remove(&h).unwrap_or_default(),
            sha256: h,
        })
        .collect();

    let mut names: BTreeMap<UserId, Option<String>> = BTreeMap::new();
    for e in &events {
        if !names.contains_key(&e.actor.user_id) {
            let name = tx.user_by_id(&e.actor.user_id)?.map(|u| u.display_name);
            names.insert(e.actor.user_id.clone(), name);
        }
    }
    let events = events
        .iter()
        .map(|e| EventView {
            seq: e.seq,
            at: e.at,
            action: e.action.kind(),
            actor: actor_view(e, r, &names),
            note: e.action.note().map(str::to_owned),
            photos: e.action.photos().to_vec(),
            input: serde_json::to_value(&e.action).unwrap_or(serde_json::Value::Null),
            effect: e.effect.clone(),
            hash: e.hash.clone(),
        })
        .collect();
    let remaining_working_minutes = case
        .deadline
        .map(|d| r.calendar.working_minutes_left(now, d));
    let unmerge_until = case
        .closed_at
        .filter(|_| case.outcome == Some(yiwang_core::case::Outcome::Duplicate))
        .map(|t| t + chrono::Duration::days(yiwang_core::workflow::MERGE_UNDO_DAYS))
        .filter(|until| now <= *until);
    let mut available_actions = available_actions(&case, &actor, &r.org);
    // The workflow offers 撤销合并 on any merged case; a week on, it refuses it: no button then.
    if unmerge_until.is_none() {
        available_actions.retain(|k| *k != ActionKind::Unmerge);
    }
    let duplicates = tx
        .duplicates_of(&case.id)?
        .into_iter()
        .filter(|d| can_see(d, &actor, &r.org))
        .map(|d| DuplicateView {
            id: d.id,
            description: d.description,
            reported_at: d.reported_at,
            merged_at: d.closed_at,
        })
        .collect();
    let dispatch_preview = if available_actions.contains(&ActionKind::Dispatch) {
        dispatch_preview(&case, &actor, r, now)
    } else {
        None
    };
    Ok(CaseDetail {
        labels: CaseLabels::of(&case, r),
        rating_sources: rating_sources(&case, &actor, &r.org),
        available_actions,
        dispatch_preview,
        deadline: case.deadline,
        overdue: case.is_overdue(now),
        deadline_status: case.deadline_status(now),
        remaining_working_minutes,
        duplicates,
        unmerge_until,
        finding,
        photos,
        events,
        chain,
        case,
    })
}

/// `GET /api/v1/cases/{id}`: a case with its finding, photos, timeline, chain status and the
/// actions the caller may take now.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "console",
    params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = CaseDetail), (status = 401, body = ErrorBody, description = "unauthenticated"),
              (status = 403, body = ErrorBody, description = "out_of_jurisdiction"),
              (status = 404, body = ErrorBody, description = "not_found")))]
pub async fn case_detail(
    State(state): State<AppState>,
    me: AuthUser,
    Path(id): Path<String>,
) -> ApiResult<Json<CaseDetail>> {
    let now = state.now();
    let st = state.clone();
    let d = read(&state, move |tx| {
        let reference = st.reference(tx)?;
        let case = tx
            .case(&CaseId(id))?
            .ok_or(ApiError::NotFound { what: "case" })?;
        if !can_see(&case, &me.user.actor(), &reference.org) {
            return Err(out_of_jurisdiction());
        }
        detail(tx, &reference, &me, case, now)
    })
    .await?;
    Ok(Json(d))
}
