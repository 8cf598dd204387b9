//! The case workflow (docs/DESIGN.md §4) as one pure function:
//! `(case, action, actor, context) → event | refusal`.
//!
//! The server, the app and the tests all call [`decide`]. It reads the clock only through
//! [`Context::now`], so tests control time, and it never writes: the caller appends the event it
//! returns and folds it into the case with [`Case::apply`].
//!
//! Checks run in a fixed order, so a refusal always names the first thing that is wrong:
//! the case exists (or not, for a report) → the role may ever take this action → the case is in
//! the actor's jurisdiction → the decision was made on the current version → the state allows
//! the action → the case is with the actor (holder unit, department, grid) → the input is valid.

use crate::calendar::WorkingCalendar;
use crate::case::{Action, ActionKind, Case, CaseEvent, CaseState, Channel, Effect, Outcome};
use crate::category::CategoryTree;
use crate::error::ErrorCode;
use crate::ids::{CaseId, OrgUnitId};
use crate::input::{InputField as F, InputRule as R};
use crate::ledger;
use crate::org::{Actor, OrgLevel, OrgTree, Role};
use crate::rating::RatingSource;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Longest free text accepted in a description or note, in characters.
pub const MAX_TEXT_CHARS: usize = 2000;
/// Longest address a reported case may give, in characters.
pub const MAX_ADDRESS_CHARS: usize = 200;
/// Longest contact (the citizen's name and phone) a reported case may give, in characters.
pub const MAX_CONTACT_CHARS: usize = 100;
pub use crate::field::MAX_PHOTOS;
/// A merge (合并重复件) can be undone for this many days after it.
pub const MERGE_UNDO_DAYS: i64 = 7;

/// Everything besides the case that a decision may consult.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub org: &'a OrgTree,
    pub categories: &'a CategoryTree,
    pub calendar: &'a WorkingCalendar,
    /// The instant the decision is made; stamped on the event and used for deadlines.
    pub now: DateTime<Utc>,
    /// The other case an action names (a merge's `duplicate_of`), as the caller found it in the
    /// ledger; `None` when there is no such case.
    pub related: Option<&'a Case>,
}

impl<'a> Context<'a> {
    /// The same context, with the case the action names.
    pub fn with_related(self, related: Option<&'a Case>) -> Context<'a> {
        Context { related, ..self }
    }
}

/// Why the workflow refuses an action. [`Refusal::code`] gives the stable wire code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Refusal {
    #[error("no such case")]
    UnknownCase,
    #[error("a case with this id already exists")]
    CaseExists,
    #[error("the case changed since this decision was made (decided on version {base_version}, now {current_version}); look at it again and decide anew")]
    StaleState {
        base_version: u64,
        current_version: u64,
    },
    #[error("a case that is {state:?} cannot be given the action {action:?}")]
    InvalidTransition {
        action: ActionKind,
        state: CaseState,
    },
    #[error("the role {role:?} may not {action:?}")]
    ForbiddenRole { action: ActionKind, role: Role },
    #[error("the case is outside your jurisdiction")]
    OutOfJurisdiction,
    #[error("the case is not with you: it is held by another unit, department or grid")]
    NotHolder,
    #[error("the case is already at the county centre; there is no unit above to escalate to")]
    NoParentUnit,
    #[error(
        "the case already has this kind of rating (one resident and one operator rating per case)"
    )]
    AlreadyRated,
    #[error(
        "the operator who registered the case may not rate it; a colleague records the rating"
    )]
    RatingNotAllowed,
    #[error("no extension has been requested")]
    NoExtensionRequested,
    /// The input breaks a rule; `limit` is the bound where one helps (a length, a deadline).
    #[error("{field}: {}", .rule.message(.limit.as_deref()))]
    InvalidInput {
        field: crate::input::InputField,
        rule: crate::input::InputRule,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<String>,
    },
    #[error("a merge is undone within {days} days of it; this one is older")]
    UndoWindowPassed { days: i64 },
    /// Given by the server, which knows the stored photos: a photo named that its author did
    /// not upload and may not see (or, alike, that is not stored). [`decide`] never gives it.
    #[error("photos: photo {sha256} is not one you uploaded or may see; attach your own photos")]
    UnknownPhoto { sha256: String },
}

impl Refusal {
    /// Stable code for the wire and the UI.
    pub fn code(&self) -> ErrorCode {
        match self {
            Refusal::UnknownCase => ErrorCode::UnknownCase,
            Refusal::CaseExists => ErrorCode::CaseExists,
            Refusal::StaleState { .. } => ErrorCode::StaleState,
            Refusal::InvalidTransition { .. } => ErrorCode::InvalidTransition,
            Refusal::ForbiddenRole { .. } => ErrorCode::ForbiddenRole,
            Refusal::OutOfJurisdiction => ErrorCode::OutOfJurisdiction,
            Refusal::NotHolder => ErrorCode::NotHolder,
            Refusal::NoParentUnit => ErrorCode::NoParentUnit,
            Refusal::AlreadyRated => ErrorCode::AlreadyRated,
            Refusal::RatingNotAllowed => ErrorCode::RatingNotAllowed,
            Refusal::NoExtensionRequested => ErrorCode::NoExtensionRequested,
            Refusal::InvalidInput { .. } => ErrorCode::InvalidInput,
            Refusal::UnknownPhoto { .. } => ErrorCode::UnknownPhoto,
            Refusal::UndoWindowPassed { .. } => ErrorCode::UndoWindowPassed,
        }
    }

    fn input(field: F, rule: R) -> Refusal {
        Refusal::InvalidInput {
            field,
            rule,
            limit: None,
        }
    }

    fn input_limit(field: F, rule: R, limit: impl ToString) -> Refusal {
        Refusal::InvalidInput {
            field,
            rule,
            limit: Some(limit.to_string()),
        }
    }
}

/// The roles that may ever take an action, whatever the case.
pub fn roles_for(kind: ActionKind) -> &'static [Role] {
    use ActionKind as A;
    use Role::*;
    match kind {
        A::Report => &[GridWorker, Community, Township, Center],
        A::Claim | A::Resolve | A::AssignVerify | A::Close => &[Community, Township, Center],
        A::RejectInvalid | A::MergeDuplicate => &[Community, Township, Center],
        // The centre, and the township over the unit that merged it (within a week).
        A::Unmerge => &[Township, Center],
        A::Escalate => &[Community, Township],
        A::Dispatch | A::ExtendDeadline | A::RefuseExtension => &[Township, Center],
        A::Return | A::Accept | A::ReportHandled | A::RequestExtension => &[Department],
        A::VerifyPass | A::VerifyFail => &[GridWorker],
        A::Reopen => &[Center],
        A::Supervise => &[Township, Center, Leader],
        A::Comment => &[GridWorker, Community, Township, Center, Department, Leader],
        // Operators record ratings; a grid worker may not rate the cases of their own grid.
        A::Rate => &[Community, Township, Center],
    }
}

/// The states an action may be taken in.
pub fn states_for(kind: ActionKind) -> &'static [CaseState] {
    use ActionKind as A;
    use CaseState::*;
    match kind {
        A::Report => &[],
        A::Claim => &[Pending],
        A::Escalate | A::RejectInvalid | A::MergeDuplicate => &[Pending, Claimed],
        A::Dispatch | A::Resolve => &[Claimed],
        A::Return | A::Accept => &[Dispatched],
        A::ReportHandled => &[InProgress],
        A::AssignVerify => &[Handled],
        A::VerifyPass | A::VerifyFail => &[Verifying],
        A::Close => &[Handled, Verifying],
        A::Reopen | A::Rate | A::Unmerge => &[Closed],
        A::Supervise => &[Pending, Claimed, Dispatched, InProgress, Handled, Verifying],
        A::Comment => &[
            Pending, Claimed, Dispatched, InProgress, Handled, Verifying, Closed,
        ],
        A::RequestExtension | A::ExtendDeadline | A::RefuseExtension => &[Dispatched, InProgress],
    }
}

/// True when `actor` may see `case` at all: a unit member sees cases held in or lodged from
/// their subtree, a department sees cases ever dispatched to it, a grid worker sees the cases of
/// their grids.
pub fn can_see(case: &Case, actor: &Actor, org: &OrgTree) -> bool {
    match actor.role {
        Role::GridWorker => case
            .grid_id
            .as_ref()
            .is_some_and(|g| actor.grid_ids.contains(g)),
        Role::Department => actor
            .department()
            .is_some_and(|d| case.departments.contains(d)),
        _ => {
            org.unit_in_jurisdiction(actor, &case.holder_unit)
                || org.unit_in_jurisdiction(actor, &case.origin_unit)
        }
    }
}

fn at_holder(case: &Case, actor: &Actor) -> bool {
    actor.unit() == Some(&case.holder_unit)
}

fn at_or_above_holder(case: &Case, actor: &Actor, org: &OrgTree) -> bool {
    actor
        .unit()
        .is_some_and(|u| org.is_within(&case.holder_unit, u))
}

/// Whether `actor` may take an action of this kind on `case` now, before looking at its input.
/// The console draws exactly the buttons this allows.
pub fn permits(case: &Case, kind: ActionKind, actor: &Actor, org: &OrgTree) -> Result<(), Refusal> {
    if kind == ActionKind::Report {
        return Err(Refusal::CaseExists);
    }
    if !roles_for(kind).contains(&actor.role) {
        return Err(Refusal::ForbiddenRole {
            action: kind,
            role: actor.role,
        });
    }
    if !can_see(case, actor, org) {
        return Err(Refusal::OutOfJurisdiction);
    }
    if !states_for(kind).contains(&case.state) {
        return Err(Refusal::InvalidTransition {
            action: kind,
            state: case.state,
        });
    }
    use ActionKind as A;
    let with_actor = match kind {
        A::Report => unreachable!("handled above"),
        A::Claim => at_or_above_holder(case, actor, org),
        A::Escalate | A::Dispatch | A::Resolve | A::RejectInvalid | A::MergeDuplicate => {
            at_holder(case, actor)
        }
        A::AssignVerify
        | A::Close
        | A::ExtendDeadline
        | A::RefuseExtension
        | A::Reopen
        | A::Unmerge => at_or_above_holder(case, actor, org),
        A::Supervise => actor.role == Role::Leader || at_or_above_holder(case, actor, org),
        A::Return | A::Accept | A::ReportHandled | A::RequestExtension => {
            actor.department().is_some() && actor.department() == case.department.as_ref()
        }
        // Only the worker of the case's grid checks it on site (can_see already ensured it).
        A::VerifyPass | A::VerifyFail => true,
        A::Comment | A::Rate => true,
    };
    if !with_actor {
        return Err(Refusal::NotHolder);
    }
    match kind {
        A::Escalate if org.escalation_target(&case.holder_unit).is_none() => {
            Err(Refusal::NoParentUnit)
        }
        // A duplicate's people are served by the case it was merged into: the follow-up call
        // and its rating belong there, not twice.
        A::Rate if case.outcome == Some(Outcome::Duplicate) => Err(Refusal::InvalidTransition {
            action: kind,
            state: case.state,
        }),
        // Nobody rates a case they registered themselves.
        A::Rate if case.reported_by == actor.user_id => Err(Refusal::RatingNotAllowed),
        // Offered while either rating (resident, operator) is still missing; `decide` checks
        // the one asked for.
        A::Rate
            if RatingSource::ALL
                .iter()
                .all(|s| case.rating_by(*s).is_some()) =>
        {
            Err(Refusal::AlreadyRated)
        }
        A::RefuseExtension if case.extension_requested.is_none() => {
            Err(Refusal::NoExtensionRequested)
        }
        // Only a case closed as a duplicate has a merge to undo.
        A::Unmerge if case.outcome != Some(Outcome::Duplicate) => Err(Refusal::InvalidTransition {
            action: kind,
            state: case.state,
        }),
        _ => Ok(()),
    }
}

/// The actions `actor` may take on `case` now.
pub fn available_actions(case: &Case, actor: &Actor, org: &OrgTree) -> Vec<ActionKind> {
    ActionKind::ALL
        .into_iter()
        .filter(|k| permits(case, *k, actor, org).is_ok())
        .collect()
}

/// The ratings `actor` may still give on `case` (the console's Rate dialog offers these): the
/// sources not rated yet, when they may rate at all.
pub fn rating_sources(case: &Case, actor: &Actor, org: &OrgTree) -> Vec<RatingSource> {
    if permits(case, ActionKind::Rate, actor, org).is_err() {
        return vec![];
    }
    RatingSource::ALL
        .into_iter()
        .filter(|s| case.rating_by(*s).is_none())
        .collect()
}

fn check_text(field: F, text: Option<&str>, required: bool) -> Result<(), Refusal> {
    match text.map(str::trim) {
        None | Some("") if required => Err(Refusal::input(field, R::Required)),
        _ => check_len(field, text, MAX_TEXT_CHARS),
    }
}

/// Refuses a text longer than `max` characters (trimmed; a CJK character counts once).
fn check_len(field: F, text: Option<&str>, max: usize) -> Result<(), Refusal> {
    match text.map(str::trim) {
        Some(t) if t.chars().count() > max => Err(Refusal::input_limit(field, R::TooLong, max)),
        _ => Ok(()),
    }
}

fn check_photos(photos: &[crate::ids::PhotoHash]) -> Result<(), Refusal> {
    if photos.len() > MAX_PHOTOS {
        return Err(Refusal::input_limit(F::Photos, R::TooMany, MAX_PHOTOS));
    }
    Ok(())
}

/// What was done, said or shown: a note or at least one photo.
fn check_note_or_photo(action: &Action) -> Result<(), Refusal> {
    if action.note().is_none_or(|n| n.trim().is_empty()) && action.photos().is_empty() {
        return Err(Refusal::input(F::Note, R::NoteOrPhoto));
    }
    Ok(())
}

/// Decides `action` by `actor` on `case` (`None` when the case does not exist yet), on the
/// case version `base_version` the actor saw. Returns the sealed event to append.
pub fn decide(
    case: Option<&Case>,
    case_id: &CaseId,
    base_version: u64,
    action: &Action,
    actor: &Actor,
    ctx: &Context<'_>,
) -> Result<CaseEvent, Refusal> {
    let kind = action.kind();
    let (effect, prev_hash, seq) = match (case, action) {
        (Some(_), Action::Report(_)) => return Err(Refusal::CaseExists),
        (None, Action::Report(new)) => (decide_report(new, actor, ctx)?, None, 1),
        (None, _) => return Err(Refusal::UnknownCase),
        (Some(c), _) => {
            // Order: role, jurisdiction, staleness, then the rest of `permits`.
            if !roles_for(kind).contains(&actor.role) {
                return Err(Refusal::ForbiddenRole {
                    action: kind,
                    role: actor.role,
                });
            }
            if !can_see(c, actor, ctx.org) {
                return Err(Refusal::OutOfJurisdiction);
            }
            let stale = if kind.is_annotation() {
                base_version > c.version
            } else {
                base_version != c.version
            };
            if stale {
                return Err(Refusal::StaleState {
                    base_version,
                    current_version: c.version,
                });
            }
            permits(c, kind, actor, ctx.org)?;
            (
                decide_on_case(c, action, actor, ctx)?,
                Some(c.head_hash.as_str()),
                c.version + 1,
            )
        }
    };
    check_text(F::Note, action.note(), false)?;
    check_photos(action.photos())?;
    Ok(ledger::seal(
        case_id.clone(),
        seq,
        ctx.now,
        actor.clone(),
        action.clone(),
        effect,
        prev_hash,
    ))
}

fn decide_report(
    new: &crate::case::NewCase,
    actor: &Actor,
    ctx: &Context<'_>,
) -> Result<Effect, Refusal> {
    let kind = ActionKind::Report;
    if !roles_for(kind).contains(&actor.role) {
        return Err(Refusal::ForbiddenRole {
            action: kind,
            role: actor.role,
        });
    }
    let holder: OrgUnitId = if actor.role == Role::GridWorker {
        // A grid worker reports from their own grid, to its community.
        let grid = new
            .grid_id
            .as_ref()
            .ok_or_else(|| Refusal::input(F::GridId, R::Required))?;
        if !actor.grid_ids.contains(grid) {
            return Err(Refusal::OutOfJurisdiction);
        }
        if new.channel != Channel::Grid {
            return Err(Refusal::input(F::Channel, R::GridChannelOnly));
        }
        ctx.org
            .community_of(grid)
            .cloned()
            .ok_or_else(|| Refusal::input(F::GridId, R::Unknown))?
    } else {
        if let Some(grid) = &new.grid_id {
            if ctx.org.grid(grid).is_none() {
                return Err(Refusal::input(F::GridId, R::Unknown));
            }
            if !ctx.org.grid_in_jurisdiction(actor, grid) {
                return Err(Refusal::OutOfJurisdiction);
            }
        }
        let unit = match (&new.unit, &new.grid_id) {
            (Some(u), _) => u.clone(),
            (None, Some(g)) => ctx
                .org
                .community_of(g)
                .cloned()
                .expect("grid checked above"),
            (None, None) => actor.unit().cloned().ok_or(Refusal::OutOfJurisdiction)?,
        };
        if ctx.org.unit(&unit).is_none() {
            return Err(Refusal::input(F::Unit, R::Unknown));
        }
        if !ctx.org.unit_in_jurisdiction(actor, &unit) {
            return Err(Refusal::OutOfJurisdiction);
        }
        unit
    };
    if ctx.categories.leaf(&new.category).is_none() {
        return Err(Refusal::input(F::Category, R::NotLeaf));
    }
    check_text(F::Description, Some(&new.description), true)?;
    check_len(F::Address, new.address.as_deref(), MAX_ADDRESS_CHARS)?;
    check_len(F::Contact, new.contact.as_deref(), MAX_CONTACT_CHARS)?;
    if let Some(p) = &new.location {
        let ok = p.lat.is_finite()
            && p.lon.is_finite()
            && (-90.0..=90.0).contains(&p.lat)
            && (-180.0..=180.0).contains(&p.lon);
        if !ok {
            return Err(Refusal::input(F::Location, R::NotCoordinate));
        }
    }
    Ok(Effect {
        state: CaseState::Pending,
        holder_unit: holder,
        department: None,
        deadline: None,
        outcome: None,
    })
}

/// The effect of an action already permitted on `c`.
fn decide_on_case(
    c: &Case,
    action: &Action,
    actor: &Actor,
    ctx: &Context<'_>,
) -> Result<Effect, Refusal> {
    let mut next = Effect {
        state: c.state,
        holder_unit: c.holder_unit.clone(),
        department: c.department.clone(),
        deadline: c.deadline,
        outcome: c.outcome,
    };
    let deadline_for = |urgent: bool| -> Result<DateTime<Utc>, Refusal> {
        let cat = ctx
            .categories
            .leaf(&c.category)
            .ok_or_else(|| Refusal::input(F::Category, R::CategoryGone))?;
        let rule = cat.deadline.expect("leaves carry a deadline");
        Ok(ctx.calendar.deadline(ctx.now, rule.duration(urgent)))
    };
    match action {
        Action::Report(_) => unreachable!("reports are decided by decide_report"),
        Action::Claim { .. } => {
            // The claimer's unit takes the case: its own, or up from below (提级办理).
            next.state = CaseState::Claimed;
            next.holder_unit = actor.unit().cloned().ok_or(Refusal::NotHolder)?;
        }
        Action::Escalate { note } => {
            check_text(F::Note, note.as_deref(), true)?;
            let parent = ctx
                .org
                .escalation_target(&c.holder_unit)
                .ok_or(Refusal::NoParentUnit)?;
            next.state = CaseState::Pending;
            next.holder_unit = parent.id.clone();
        }
        Action::Dispatch {
            department,
            deadline,
            ..
        } => {
            let dept = match department {
                Some(d) => d.clone(),
                None => ctx
                    .categories
                    .leaf(&c.category)
                    .and_then(|cat| cat.department.clone())
                    .ok_or_else(|| Refusal::input(F::Department, R::Required))?,
            };
            if ctx.org.department(&dept).is_none() {
                return Err(Refusal::input(F::Department, R::Unknown));
            }
            // The category's deadline, or a shorter one the dispatcher sets for an urgent case.
            let by_category = deadline_for(c.urgent)?;
            let given = match deadline {
                None => by_category,
                Some(d) if *d <= ctx.now => {
                    return Err(Refusal::input(F::Deadline, R::NotInFuture))
                }
                Some(d) if *d > by_category => {
                    return Err(Refusal::input_limit(
                        F::Deadline,
                        R::LaterThanCategoryDeadline,
                        by_category.to_rfc3339(),
                    ))
                }
                Some(d) => *d,
            };
            next.state = CaseState::Dispatched;
            next.department = Some(dept);
            next.deadline = Some(given);
        }
        Action::Return { note } => {
            check_text(F::Note, note.as_deref(), true)?;
            next.state = CaseState::Claimed;
            next.department = None;
            next.deadline = None;
        }
        Action::Accept { .. } => next.state = CaseState::InProgress,
        // What was done is what the verification checks on site: say it, or show it — by a
        // department (处理反馈) or by the unit itself (本级办结) alike.
        Action::ReportHandled { .. } | Action::Resolve { .. } => {
            check_note_or_photo(action)?;
            next.state = CaseState::Handled;
        }
        Action::AssignVerify { .. } => {
            if c.grid_id.is_none() {
                return Err(Refusal::input(F::GridId, R::NoGridWorker));
            }
            next.state = CaseState::Verifying;
        }
        Action::VerifyPass { .. } => {
            next.state = CaseState::Closed;
            next.outcome = Some(Outcome::Resolved);
        }
        Action::VerifyFail { note, .. } => {
            check_text(F::Note, note.as_deref(), true)?;
            // 返工: back to the department with a fresh deadline, or back to the holder when
            // the case was resolved without one.
            if c.department.is_some() {
                next.state = CaseState::Dispatched;
                next.deadline = Some(deadline_for(c.urgent)?);
            } else {
                next.state = CaseState::Claimed;
            }
        }
        Action::Close { outcome, .. } => {
            let outcome = outcome.unwrap_or(Outcome::Resolved);
            if !outcome.counts_as_case() {
                return Err(Refusal::input(F::Outcome, R::UseRejectOrMerge));
            }
            next.state = CaseState::Closed;
            next.outcome = Some(outcome);
        }
        Action::RejectInvalid { note } => {
            check_text(F::Note, note.as_deref(), true)?;
            next.state = CaseState::Closed;
            next.outcome = Some(Outcome::Invalid);
        }
        Action::MergeDuplicate { duplicate_of, .. } => {
            if duplicate_of.as_str().trim().is_empty() {
                return Err(Refusal::input(F::DuplicateOf, R::Required));
            }
            if duplicate_of == &c.id {
                return Err(Refusal::input(F::DuplicateOf, R::SameCase));
            }
            // The case picked: it exists and the actor may see it (else it is unknown to them,
            // saying no more), and it was not itself merged into another.
            let target = ctx
                .related
                .filter(|t| &t.id == duplicate_of && can_see(t, actor, ctx.org))
                .ok_or_else(|| Refusal::input(F::DuplicateOf, R::Unknown))?;
            if target.outcome == Some(Outcome::Duplicate) {
                let into = target.duplicate_of.as_ref().map_or("", |d| d.as_str());
                return Err(Refusal::input_limit(
                    F::DuplicateOf,
                    R::MergedElsewhere,
                    into,
                ));
            }
            next.state = CaseState::Closed;
            next.outcome = Some(Outcome::Duplicate);
        }
        Action::Unmerge { .. } => {
            let merged = c.closed_at.unwrap_or(c.updated_at);
            if ctx.now - merged > chrono::Duration::days(MERGE_UNDO_DAYS) {
                return Err(Refusal::UndoWindowPassed {
                    days: MERGE_UNDO_DAYS,
                });
            }
            // Why the merge was a slip: it undoes a decision another desk took.
            check_text(F::Note, action.note(), true)?;
            // Back to the unit that merged it, claimed, as it was before.
            next.state = CaseState::Claimed;
            next.outcome = None;
        }
        Action::Reopen { note } => {
            check_text(F::Note, note.as_deref(), true)?;
            let county = ctx
                .org
                .ancestor_at(&c.holder_unit, OrgLevel::County)
                .ok_or_else(|| Refusal::input(F::Unit, R::Unknown))?;
            next.state = CaseState::Claimed;
            next.holder_unit = county.id.clone();
            next.department = None;
            next.deadline = None;
            next.outcome = None;
        }
        Action::Supervise { note } => check_text(F::Note, note.as_deref(), true)?,
        Action::Comment { .. } => check_note_or_photo(action)?,
        Action::RequestExtension { until, note } => {
            check_text(F::Note, note.as_deref(), true)?;
            check_new_deadline(c, *until, ctx.now)?;
        }
        Action::ExtendDeadline { until, .. } => {
            let until = until
                .or(c.extension_requested)
                .ok_or_else(|| Refusal::input(F::Until, R::Required))?;
            check_new_deadline(c, until, ctx.now)?;
            next.deadline = Some(until);
        }
        Action::Rate { source, .. } => {
            if c.rating_by(*source).is_some() {
                return Err(Refusal::AlreadyRated);
            }
        }
        // The department is told why it gets no more time.
        Action::RefuseExtension { note } => check_text(F::Note, note.as_deref(), true)?,
    }
    Ok(next)
}

/// A new deadline (延期) is later than the current one, and not already past.
fn check_new_deadline(c: &Case, until: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), Refusal> {
    match c.deadline {
        Some(d) if until <= d => Err(Refusal::input_limit(
            F::Until,
            R::NotAfterDeadline,
            d.to_rfc3339(),
        )),
        _ if until <= now => Err(Refusal::input(F::Until, R::NotInFuture)),
        _ => Ok(()),
    }
}
