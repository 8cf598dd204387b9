//! Display names for a case's codes (category, grid, community, township, holder unit,
//! department), resolved against the current reference data, and the states as forms print them.

use crate::state::Reference;
use serde::Serialize;
use yiwang_core::case::{Case, CaseState};
use yiwang_core::org::OrgLevel;

/// Something with an id and a display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Named {
    pub id: String,
    pub name: String,
}

/// Display names for a case's codes, resolved against the current reference data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CaseLabels {
    pub category_name: Option<String>,
    pub category_class: Option<Named>,
    pub grid_name: Option<String>,
    pub community: Option<Named>,
    pub township: Option<Named>,
    pub holder_unit_name: Option<String>,
    pub department_name: Option<String>,
}

impl CaseLabels {
    pub fn of(case: &Case, r: &Reference) -> CaseLabels {
        // Where the case is: its grid's community when it has a grid (a township's own intake on
        // a grid is lodged at the township, yet lies in the grid's community), else where it was
        // lodged.
        let place = case
            .grid_id
            .as_ref()
            .and_then(|g| r.org.community_of(g))
            .unwrap_or(&case.origin_unit);
        let level = |l: OrgLevel| {
            r.org.ancestor_at(place, l).map(|u| Named {
                id: u.id.0.clone(),
                name: u.name.clone(),
            })
        };
        CaseLabels {
            category_name: r.categories.get(&case.category).map(|c| c.name.clone()),
            category_class: r.categories.class_of(&case.category).map(|c| Named {
                id: c.code.0.clone(),
                name: c.name.clone(),
            }),
            grid_name: case
                .grid_id
                .as_ref()
                .and_then(|g| r.org.grid(g))
                .map(|g| g.name.clone()),
            community: level(OrgLevel::Community),
            township: level(OrgLevel::Township),
            holder_unit_name: r.org.unit(&case.holder_unit).map(|u| u.name.clone()),
            department_name: case
                .department
                .as_ref()
                .and_then(|d| r.org.department(d))
                .map(|d| d.name.clone()),
        }
    }
}

/// 待受理, 已认领, … as the county's forms print them.
pub fn state_label(s: CaseState) -> &'static str {
    match s {
        CaseState::Pending => "待受理",
        CaseState::Claimed => "已认领",
        CaseState::Dispatched => "已分派",
        CaseState::InProgress => "办理中",
        CaseState::Handled => "已处置",
        CaseState::Verifying => "待核查",
        CaseState::Closed => "已结案",
    }
}
