//! Presentation: turning stored records into views. Names come from the pulled reference data
//! (org units, grids, departments, categories) and fall back to the built-in category tree
//! and department list, then to ids. No workflow rule lives here: what a worker may do to a
//! case is asked of `yiwang_core::workflow`.

use std::collections::HashMap;
use std::path::Path;

use base64::Engine as _;
use chrono::{DateTime, SecondsFormat, Utc};
use pinyin::ToPinyin;
use yiwang_core::case::{Action, Case, CaseEvent, Rating};
use yiwang_core::category::{Category, CategoryTree, DeadlineUnit};
use yiwang_core::error::ReceivedCode;
use yiwang_core::ids::{CaseId, GridId, PhotoHash};
use yiwang_core::ledger::verify_chain;
use yiwang_core::org::{Affiliation, Department, Grid, OrgTree, OrgUnit};
use yiwang_core::sync::{CaseActionData, FindingCreateData, OpType, PatrolTrackData};

use super::error::AppResult;
use super::views::{
    CaseSummary, CategoryView, FindingView, GridView, OutboxItem, PhotoView, TimelineEntry,
};
use crate::store::{FindingRow, OutboxEntry, OutboxState, PhotoRow, Store, SyncState};

/// A time as views carry it: RFC 3339, UTC.
pub(crate) fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// What a record's ops say, as views carry it: the state, and for a refusal its reason.
pub(crate) fn sync_mark(s: &SyncState) -> (OutboxState, Option<String>) {
    match s {
        SyncState::Waiting => (OutboxState::Waiting, None),
        SyncState::Sent => (OutboxState::Sent, None),
        SyncState::Rejected { code, message } => {
            (OutboxState::Rejected, Some(format!("{code}: {message}")))
        }
    }
}

/// The reference data of the device, read once per view: names of units, grids,
/// departments and categories.
pub(crate) struct Reference {
    pub units: HashMap<String, OrgUnit>,
    pub grids: HashMap<String, Grid>,
    pub departments: HashMap<String, String>,
    pub categories: CategoryTree,
    /// The pulled org data as a tree, when it forms one (the workflow's jurisdiction checks
    /// need it; a grid worker's verification does not consult it).
    pub org: OrgTree,
    pub english: bool,
}

impl Reference {
    pub fn load(store: &Store, english: bool) -> AppResult<Self> {
        let units: Vec<OrgUnit> = store.org_units()?;
        let grids: Vec<Grid> = store.grids()?;
        let pulled_departments: Vec<Department> = store.departments()?;
        let mut departments: HashMap<String, String> = yiwang_core::category::builtin_departments()
            .into_iter()
            .map(|d| (d.id.0, d.name))
            .collect();
        departments.extend(
            pulled_departments
                .iter()
                .map(|d| (d.id.0.clone(), d.name.clone())),
        );
        let pulled = store.categories()?;
        let categories = if pulled.is_empty() {
            CategoryTree::builtin()
        } else {
            CategoryTree::from_nodes(pulled).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "the pulled category tree is not valid; using the built-in one");
                CategoryTree::builtin()
            })
        };
        let org =
            OrgTree::new(units.clone(), grids.clone(), pulled_departments).unwrap_or_default();
        Ok(Self {
            units: units.into_iter().map(|u| (u.id.0.clone(), u)).collect(),
            grids: grids.into_iter().map(|g| (g.id.0.clone(), g)).collect(),
            departments,
            categories,
            org,
            english,
        })
    }

    pub fn unit_name(&self, id: &str) -> String {
        self.units
            .get(id)
            .map_or_else(|| id.to_owned(), |u| u.name.clone())
    }

    pub fn department_name(&self, id: &str) -> String {
        self.departments
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_owned())
    }

    fn category_label(&self, c: &Category) -> String {
        if self.english && !c.name_en.is_empty() {
            c.name_en.clone()
        } else {
            c.name.clone()
        }
    }

    pub fn category_name(&self, code: &str) -> String {
        self.categories
            .get(&code.into())
            .map_or_else(|| code.to_owned(), |c| self.category_label(c))
    }

    pub fn grid_name(&self, id: &str) -> String {
        self.grids
            .get(id)
            .map_or_else(|| id.to_owned(), |g| g.name.clone())
    }

    /// A grid with its community and township; ids where the names are not pulled yet.
    pub fn grid_view(&self, id: &str) -> GridView {
        let grid = self.grids.get(id);
        let community = grid.map(|g| g.community_id.0.clone());
        let township = community
            .as_ref()
            .and_then(|c| self.units.get(c))
            .and_then(|c| c.parent_id.as_ref())
            .map(|t| t.0.clone());
        GridView {
            id: GridId::new(id),
            name: self.grid_name(id),
            kind: grid.map(|g| g.kind),
            community_name: community.map(|c| self.unit_name(&c)).unwrap_or_default(),
            township_name: township.map(|t| self.unit_name(&t)).unwrap_or_default(),
        }
    }

    /// Every node of the category tree, classes before their leaves.
    pub fn category_views(&self) -> Vec<CategoryView> {
        self.categories
            .iter()
            .map(|c| {
                let label = self.category_label(c);
                let path = match c.parent.as_ref().and_then(|p| self.categories.get(p)) {
                    Some(class) => format!("{} / {label}", self.category_label(class)),
                    None => label.clone(),
                };
                let (pinyin, initials) = pinyin_of(&c.name);
                CategoryView {
                    code: c.code.clone(),
                    name: label,
                    parent_code: c.parent.clone(),
                    leaf: c.is_leaf(),
                    path,
                    pinyin,
                    initials,
                    default_department: c.department.as_ref().map(|d| self.department_name(&d.0)),
                    deadline_days: c
                        .deadline
                        .filter(|d| d.unit == DeadlineUnit::WorkingDays)
                        .map(|d| d.normal),
                }
            })
            .collect()
    }
}

/// Toneless pinyin of `name` and its initials (`乱堆乱放` → `luanduiluanfang`, `ldlf`). Latin
/// letters and digits are kept, lower-cased; anything else is left out.
pub(crate) fn pinyin_of(name: &str) -> (String, String) {
    let mut full = String::new();
    let mut initials = String::new();
    for c in name.chars() {
        if let Some(p) = c.to_pinyin() {
            full.push_str(p.plain());
            initials.push_str(p.first_letter());
        } else if c.is_ascii_alphanumeric() {
            let l = c.to_ascii_lowercase();
            full.push(l);
            initials.push(l);
        }
    }
    (full, initials)
}

/// Great-circle distance in metres between two fixes (haversine, mean Earth radius).
pub(crate) fn haversine_m(a: [f64; 2], b: [f64; 2]) -> f64 {
    const R: f64 = 6_371_008.8;
    let (la1, la2) = (a[0].to_radians(), b[0].to_radians());
    let dlat = la2 - la1;
    let dlon = (b[1] - a[1]).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * R * h.sqrt().min(1.0).asin()
}

/// The length of a track, point to point.
pub(crate) fn track_length_m(track: &[[f64; 2]]) -> f64 {
    track.windows(2).map(|w| haversine_m(w[0], w[1])).sum()
}

fn data_url(path: &Path) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    Some(format!(
        "data:image/jpeg;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

/// A photo's view with its thumbnail (`full`: the whole picture, or the thumbnail once
/// housekeeping let the full-size file go) when a file is here.
pub(crate) fn photo_view(row: &PhotoRow, full: bool) -> PhotoView {
    let file = if full {
        row.path.as_deref().or(row.thumb_path.as_deref())
    } else {
        row.thumb_path.as_deref()
    };
    PhotoView {
        sha256: row.meta.sha256.clone(),
        width: row.meta.width,
        height: row.meta.height,
        bytes: u32::try_from(row.meta.bytes).unwrap_or(u32::MAX),
        thumb_data_url: file.and_then(data_url),
    }
}

/// Views of photos by hash; one the device has never heard of shows as its hash alone.
pub(crate) fn photo_views(store: &Store, hashes: &[PhotoHash]) -> AppResult<Vec<PhotoView>> {
    hashes
        .iter()
        .map(|h| {
            Ok(match store.photo(h)? {
                Some(row) => photo_view(&row, false),
                None => PhotoView {
                    sha256: h.clone(),
                    width: 0,
                    height: 0,
                    bytes: 0,
                    thumb_data_url: None,
                },
            })
        })
        .collect()
}

pub(crate) fn finding_view(
    store: &Store,
    reference: &Reference,
    row: &FindingRow,
) -> AppResult<FindingView> {
    let f = &row.finding;
    let (sync, sync_error) = sync_mark(&row.sync);
    Ok(FindingView {
        id: f.id.clone(),
        category_code: f.category_code.clone(),
        category_name: reference.category_name(f.category_code.as_str()),
        description: f.description.clone(),
        disposition: f.disposition,
        observed_at: rfc3339(f.observed_at),
        location_quality: f.location_quality(),
        lat: f.lat,
        lon: f.lon,
        photos: photo_views(store, &f.photos)?,
        sync,
        sync_error,
        case_id: f.case_id.clone(),
    })
}

pub(crate) fn case_summary(
    store: &Store,
    reference: &Reference,
    case: &Case,
    now: DateTime<Utc>,
) -> AppResult<CaseSummary> {
    let (sync, _) = sync_mark(&store.sync_state(case.id.as_str())?);
    Ok(CaseSummary {
        id: case.id.clone(),
        state: case.state,
        category_name: reference.category_name(case.category.as_str()),
        description: case.description.clone(),
        reported_at: rfc3339(case.reported_at),
        deadline: case.deadline.map(rfc3339),
        overdue: case.is_overdue(now),
        deadline_status: case.deadline_status(now),
        urgent: case.urgent,
        supervised: case.supervisions,
        holder_unit_name: reference.unit_name(case.holder_unit.as_str()),
        department_name: case
            .department
            .as_ref()
            .map(|d| reference.department_name(d.as_str())),
        version: u32::try_from(case.version).unwrap_or(u32::MAX),
        sync,
    })
}

pub(crate) fn timeline(
    store: &Store,
    reference: &Reference,
    events: &[CaseEvent],
    me: &yiwang_core::sync::UserInfo,
) -> AppResult<Vec<TimelineEntry>> {
    events
        .iter()
        .map(|e| {
            let unit_name = match &e.actor.affiliation {
                Affiliation::Unit(u) if !u.as_str().is_empty() => {
                    Some(reference.unit_name(u.as_str()))
                }
                Affiliation::Department(d) => Some(reference.department_name(d.as_str())),
                Affiliation::Unit(_) => None,
            };
            let actor_name = if e.actor.user_id == me.id {
                me.display_name.clone()
            } else {
                unit_name
                    .clone()
                    .unwrap_or_else(|| e.actor.user_id.0.clone())
            };
            let rating = match &e.action {
                Action::Rate { rating, .. } => Some(match rating {
                    Rating::Satisfied => 3,
                    Rating::BasicallySatisfied => 2,
                    Rating::Dissatisfied => 1,
                }),
                _ => None,
            };
            Ok(TimelineEntry {
                seq: u32::try_from(e.seq).unwrap_or(u32::MAX),
                at: rfc3339(e.at),
                action: e.action.kind(),
                actor_name,
                actor_role: e.actor.role,
                unit_name,
                note: e.action.note().map(str::to_owned),
                photos: photo_views(store, e.action.photos())?,
                deadline: e.effect.deadline.map(rfc3339),
                outcome: e.effect.outcome,
                rating,
            })
        })
        .collect()
}

/// Whether the pulled events chain up to the case's head. A device that has pulled only
/// part of the history cannot say so: that is `false`, not an error.
pub(crate) fn chain_verified(case_id: &CaseId, case: &Case, events: &[CaseEvent]) -> bool {
    verify_chain(case_id, events, Some((case.version, &case.head_hash))).is_ok()
}

/// A short text naming what an op is about, in the app's language.
pub(crate) fn outbox_item(store: &Store, reference: &Reference, e: &OutboxEntry) -> OutboxItem {
    let zh = !reference.english;
    let data = &e.op.data;
    let short = |s: &str| -> String {
        let mut t: String = s.chars().take(24).collect();
        if s.chars().count() > 24 {
            t.push('…');
        }
        t
    };
    let label = match e.op.op_type {
        OpType::PatrolStart => if zh { "开始巡查" } else { "Patrol started" }.to_owned(),
        OpType::PatrolEnd => if zh { "结束巡查" } else { "Patrol ended" }.to_owned(),
        OpType::PatrolTrack => {
            let n = serde_json::from_value::<PatrolTrackData>(data.clone())
                .map(|d| d.points.len())
                .unwrap_or(0);
            if zh {
                format!("巡查轨迹 {n} 个点")
            } else {
                format!("Patrol track, {n} points")
            }
        }
        OpType::FindingCreate => match serde_json::from_value::<FindingCreateData>(data.clone()) {
            Ok(d) => format!(
                "{} · {}",
                reference.category_name(d.category_code.as_str()),
                short(&d.description)
            ),
            Err(_) => if zh { "发现" } else { "Finding" }.to_owned(),
        },
        OpType::CaseAction => match serde_json::from_value::<CaseActionData>(data.clone()) {
            Ok(d) => {
                let kind = d.action.kind();
                let what = match (kind, zh) {
                    (yiwang_core::case::ActionKind::VerifyPass, true) => "核查通过".to_owned(),
                    (yiwang_core::case::ActionKind::VerifyFail, true) => "核查不通过".to_owned(),
                    (yiwang_core::case::ActionKind::Comment, true) => "留言".to_owned(),
                    (k, _) => k.as_str().to_owned(),
                };
                let case = store
                    .case(&CaseId::new(e.op.entity_id.clone()))
                    .map(|c| short(&c.description))
                    .unwrap_or_default();
                if case.is_empty() {
                    what
                } else {
                    format!("{what} · {case}")
                }
            }
            Err(_) => if zh { "案件操作" } else { "Case action" }.to_owned(),
        },
    };
    OutboxItem {
        op_id: e.op.op_id.clone(),
        kind: e.op.op_type,
        label,
        created_at: rfc3339(e.created_at),
        state: e.state,
        error_code: match e.state {
            OutboxState::Rejected => e.code.as_deref().map(ReceivedCode::parse),
            _ => None,
        },
        error: match e.state {
            OutboxState::Rejected => e.message.clone(),
            _ => e.last_error.clone(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinyin_and_initials_are_toneless_and_lower_case() {
        assert_eq!(
            pinyin_of("乱堆乱放"),
            ("luanduiluanfang".to_owned(), "ldlf".to_owned()),
            "the picker finds 乱堆乱放 by luan… and by ldlf"
        );
        assert_eq!(
            pinyin_of("A级 路灯"),
            ("ajiludeng".to_owned(), "ajld".to_owned()),
            "Latin letters are kept lower-cased; spaces are dropped"
        );
    }

    /// The phone reads a case's deadline with core's rule, as the console does (issue 10): a
    /// case handled after its deadline is `handled_late`, not overdue.
    #[test]
    fn a_case_handled_late_reads_handled_late_on_the_phone() {
        use chrono::Duration;
        use yiwang_core::case::{CaseState, Channel, DeadlineStatus};
        let store = Store::open_in_memory().expect("a store");
        let reference = Reference::load(&store, false).expect("the built-in reference");
        let t = |h: i64| DateTime::UNIX_EPOCH + Duration::days(20_000) + Duration::hours(h);
        let mut case = Case {
            id: CaseId::new("c1"),
            version: 5,
            head_hash: String::new(),
            state: CaseState::Dispatched,
            outcome: None,
            duplicate_of: None,
            channel: Channel::Grid,
            category: "01.02".into(),
            urgent: false,
            description: "电线裸露".into(),
            location: None,
            address: None,
            grid_id: Some("G1".into()),
            origin_unit: "M1".into(),
            holder_unit: "T1".into(),
            department: Some("power".into()),
            departments: vec!["power".into()],
            deadline: Some(t(8)),
            extension_requested: None,
            extensions: 0,
            supervisions: 0,
            reworks: 0,
            rating: None,
            operator_rating: None,
            finding_id: None,
            photos: vec![],
            contact: None,
            reported_by: "w1".into(),
            reported_at: t(0),
            updated_at: t(1),
            closed_at: None,
            handled_at: None,
        };
        let at_dept = case_summary(&store, &reference, &case, t(9)).expect("a summary");
        assert!(at_dept.overdue, "at the department past its deadline");
        assert_eq!(at_dept.deadline_status, DeadlineStatus::Overdue);
        case.state = CaseState::Verifying;
        case.handled_at = Some(t(10));
        let handled = case_summary(&store, &reference, &case, t(30)).expect("a summary");
        assert!(
            !handled.overdue,
            "handled after its deadline is not overdue (the phone once said it was)"
        );
        assert_eq!(handled.deadline_status, DeadlineStatus::HandledLate);
    }

    #[test]
    fn track_length_adds_up_the_legs() {
        // One thousandth of a degree of latitude is about 111 m anywhere.
        let track = [[40.0, 122.0], [40.001, 122.0], [40.002, 122.0]];
        let d = track_length_m(&track);
        assert!((d - 222.4).abs() < 1.0, "two legs of ~111.2 m: {d}");
        assert_eq!(track_length_m(&track[..1]), 0.0, "one point has no length");
    }
}
