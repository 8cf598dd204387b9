//! The org tree and who may see what.
//!
//! Vocabulary: the county (县/市) holds townships and streets (乡镇/街道), which hold villages and
//! communities (村/社区), which hold grids (网格). A province's ledger may put several counties
//! under one city (地市): the city watches (its leader and admin see every county below), while
//! each county's command centre stays the top of the case workflow. Departments (职能部门) sit beside the tree and
//! receive dispatched cases. A user belongs to one org unit or one department and sees that
//! subtree: this is their *jurisdiction*.

use crate::ids::{DepartmentId, GridId, OrgUnitId, UserId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The level of an org unit in the three-level command platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrgLevel {
    /// Above the counties of a province's ledger; never holds a case.
    City,
    County,
    Township,
    Community,
}

/// One node of the org tree above the grids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgUnit {
    pub id: OrgUnitId,
    /// `None` only for the county, the root.
    pub parent_id: Option<OrgUnitId>,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub name: String,
    pub level: OrgLevel,
}

/// The three kinds of grid the reference county draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum GridKind {
    /// 城乡网格
    UrbanRural,
    /// 学校网格
    School,
    /// 企业网格
    Enterprise,
}

impl GridKind {
    pub const ALL: [GridKind; 3] = [GridKind::UrbanRural, GridKind::School, GridKind::Enterprise];

    pub fn as_str(self) -> &'static str {
        match self {
            GridKind::UrbanRural => "urban_rural",
            GridKind::School => "school",
            GridKind::Enterprise => "enterprise",
        }
    }
}

/// A grid: the smallest unit, patrolled by its one worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Grid {
    pub id: GridId,
    pub name: String,
    pub kind: GridKind,
    /// The village/community the grid belongs to.
    pub community_id: OrgUnitId,
    /// A GeoJSON geometry (Polygon or MultiPolygon), kept as JSON: core does no geometry.
    pub polygon: serde_json::Value,
    pub worker_id: Option<UserId>,
}

/// A department that receives dispatched cases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Department {
    pub id: DepartmentId,
    pub name: String,
}

/// What a user does (docs/DESIGN.md §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    GridWorker,
    /// Village/community operator.
    Community,
    /// Township/street supervisor.
    Township,
    /// County command-centre dispatcher.
    Center,
    /// Department handler.
    Department,
    Leader,
    Admin,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::GridWorker,
        Role::Community,
        Role::Township,
        Role::Center,
        Role::Department,
        Role::Leader,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::GridWorker => "grid_worker",
            Role::Community => "community",
            Role::Township => "township",
            Role::Center => "center",
            Role::Department => "department",
            Role::Leader => "leader",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Operators work cases held by their unit: community, township and centre.
    pub fn is_operator(self) -> bool {
        matches!(self, Role::Community | Role::Township | Role::Center)
    }

    /// The org level an operator of this role sits at.
    pub fn operator_level(self) -> Option<OrgLevel> {
        match self {
            Role::Community => Some(OrgLevel::Community),
            Role::Township => Some(OrgLevel::Township),
            Role::Center => Some(OrgLevel::County),
            _ => None,
        }
    }
}

/// Where a user belongs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum Affiliation {
    Unit(OrgUnitId),
    Department(DepartmentId),
}

/// The user on whose behalf something is decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Actor {
    pub user_id: UserId,
    pub role: Role,
    pub affiliation: Affiliation,
    /// The grids a grid worker owns (one, in the reference county). Empty for other roles.
    #[serde(default)]
    pub grid_ids: Vec<GridId>,
}

impl Actor {
    /// An actor of `role`. A department user acts for their department; everyone else for
    /// their unit. A user with neither (refused when an account is made) gets an empty unit,
    /// which no jurisdiction check lets through.
    pub fn new(
        user_id: UserId,
        role: Role,
        unit: Option<OrgUnitId>,
        department: Option<DepartmentId>,
        grid_ids: Vec<GridId>,
    ) -> Actor {
        let affiliation = match (department, unit) {
            (Some(d), _) if role == Role::Department => Affiliation::Department(d),
            (_, Some(u)) => Affiliation::Unit(u),
            (Some(d), None) => Affiliation::Department(d),
            (None, None) => Affiliation::Unit(OrgUnitId::new("")),
        };
        Actor {
            user_id,
            role,
            affiliation,
            grid_ids,
        }
    }

    pub fn unit(&self) -> Option<&OrgUnitId> {
        match &self.affiliation {
            Affiliation::Unit(u) => Some(u),
            Affiliation::Department(_) => None,
        }
    }

    pub fn department(&self) -> Option<&DepartmentId> {
        match &self.affiliation {
            Affiliation::Department(d) => Some(d),
            Affiliation::Unit(_) => None,
        }
    }
}

/// Reasons an org tree is refused when it is built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrgError {
    #[error("org unit {0} appears twice")]
    DuplicateUnit(OrgUnitId),
    #[error("org unit {unit} names parent {parent}, which does not exist")]
    UnknownParent { unit: OrgUnitId, parent: OrgUnitId },
    #[error("the tree needs exactly one root, a county or a city, found {0}")]
    RootCount(usize),
    #[error("org unit {unit}: a {level:?} cannot sit under a {parent_level:?}")]
    BadLevel {
        unit: OrgUnitId,
        level: OrgLevel,
        parent_level: OrgLevel,
    },
    #[error("grid {grid} names community {community}, which is not a village/community")]
    BadGridCommunity { grid: GridId, community: OrgUnitId },
    #[error("grid {0} appears twice")]
    DuplicateGrid(GridId),
    #[error("department {0} appears twice")]
    DuplicateDepartment(DepartmentId),
}

/// The county's org tree, its grids and departments, indexed for jurisdiction checks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrgTree {
    units: BTreeMap<OrgUnitId, OrgUnit>,
    grids: BTreeMap<GridId, Grid>,
    departments: BTreeMap<DepartmentId, Department>,
    root: Option<OrgUnitId>,
}

impl OrgTree {
    /// Builds and checks a tree: one county at the root, townships under it, communities under
    /// townships, grids under communities.
    pub fn new(
        units: impl IntoIterator<Item = OrgUnit>,
        grids: impl IntoIterator<Item = Grid>,
        departments: impl IntoIterator<Item = Department>,
    ) -> Result<Self, OrgError> {
        let mut tree = OrgTree::default();
        for u in units {
            if tree.units.contains_key(&u.id) {
                return Err(OrgError::DuplicateUnit(u.id));
            }
            tree.units.insert(u.id.clone(), u);
        }
        let roots: Vec<_> = tree
            .units
            .values()
            .filter(|u| u.parent_id.is_none())
            .collect();
        if roots.len() != 1 || !matches!(roots[0].level, OrgLevel::County | OrgLevel::City) {
            return Err(OrgError::RootCount(roots.len()));
        }
        tree.root = Some(roots[0].id.clone());
        for u in tree.units.values() {
            if let Some(p) = &u.parent_id {
                let parent = tree.units.get(p).ok_or_else(|| OrgError::UnknownParent {
                    unit: u.id.clone(),
                    parent: p.clone(),
                })?;
                let ok = matches!(
                    (parent.level, u.level),
                    (OrgLevel::City, OrgLevel::County)
                        | (OrgLevel::County, OrgLevel::Township)
                        | (OrgLevel::Township, OrgLevel::Community)
                );
                if !ok {
                    return Err(OrgError::BadLevel {
                        unit: u.id.clone(),
                        level: u.level,
                        parent_level: parent.level,
                    });
                }
            } else if !matches!(u.level, OrgLevel::County | OrgLevel::City) {
                return Err(OrgError::RootCount(0));
            }
        }
        for g in grids {
            match tree.units.get(&g.community_id) {
                Some(c) if c.level == OrgLevel::Community => {}
                _ => {
                    return Err(OrgError::BadGridCommunity {
                        grid: g.id.clone(),
                        community: g.community_id.clone(),
                    })
                }
            }
            if tree.grids.contains_key(&g.id) {
                return Err(OrgError::DuplicateGrid(g.id));
            }
            tree.grids.insert(g.id.clone(), g);
        }
        for d in departments {
            if tree.departments.contains_key(&d.id) {
                return Err(OrgError::DuplicateDepartment(d.id));
            }
            tree.departments.insert(d.id.clone(), d);
        }
        Ok(tree)
    }

    /// The root: the county, or the city above a province's counties.
    pub fn root(&self) -> Option<&OrgUnit> {
        self.root.as_ref().and_then(|r| self.units.get(r))
    }

    pub fn unit(&self, id: &OrgUnitId) -> Option<&OrgUnit> {
        self.units.get(id)
    }

    pub fn grid(&self, id: &GridId) -> Option<&Grid> {
        self.grids.get(id)
    }

    pub fn department(&self, id: &DepartmentId) -> Option<&Department> {
        self.departments.get(id)
    }

    pub fn units(&self) -> impl Iterator<Item = &OrgUnit> {
        self.units.values()
    }

    pub fn grids(&self) -> impl Iterator<Item = &Grid> {
        self.grids.values()
    }

    pub fn departments(&self) -> impl Iterator<Item = &Department> {
        self.departments.values()
    }

    pub fn parent(&self, id: &OrgUnitId) -> Option<&OrgUnit> {
        self.units
            .get(id)?
            .parent_id
            .as_ref()
            .and_then(|p| self.units.get(p))
    }

    /// The unit itself, then its parent, up to the county.
    pub fn ancestors_or_self<'a>(&'a self, id: &OrgUnitId) -> impl Iterator<Item = &'a OrgUnit> {
        let mut next = self.units.get(id);
        std::iter::from_fn(move || {
            let cur = next?;
            next = cur.parent_id.as_ref().and_then(|p| self.units.get(p));
            Some(cur)
        })
    }

    /// Where a case held by `unit` escalates to: its parent, unless `unit` is a county (its
    /// command centre is the top of the case workflow; a city above it only watches).
    pub fn escalation_target(&self, unit: &OrgUnitId) -> Option<&OrgUnit> {
        if self.units.get(unit)?.level == OrgLevel::County {
            return None;
        }
        self.parent(unit)
    }

    /// True when `unit` is `ancestor` or lies below it.
    pub fn is_within(&self, unit: &OrgUnitId, ancestor: &OrgUnitId) -> bool {
        self.ancestors_or_self(unit).any(|u| &u.id == ancestor)
    }

    /// The unit at `level` on the path from `unit` to the county, if any.
    pub fn ancestor_at(&self, unit: &OrgUnitId, level: OrgLevel) -> Option<&OrgUnit> {
        self.ancestors_or_self(unit).find(|u| u.level == level)
    }

    /// The org unit a grid hangs under (its village/community).
    pub fn community_of(&self, grid: &GridId) -> Option<&OrgUnitId> {
        self.grids.get(grid).map(|g| &g.community_id)
    }

    /// True when `actor`'s jurisdiction covers the org unit `unit`.
    pub fn unit_in_jurisdiction(&self, actor: &Actor, unit: &OrgUnitId) -> bool {
        match &actor.affiliation {
            Affiliation::Unit(own) => self.is_within(unit, own),
            Affiliation::Department(_) => false,
        }
    }

    /// True when `actor` may see grid `grid`: a grid worker sees their own grids, a unit member
    /// sees the grids of their subtree, a department sees none (it sees the cases sent to it).
    pub fn grid_in_jurisdiction(&self, actor: &Actor, grid: &GridId) -> bool {
        if actor.role == Role::GridWorker {
            return actor.grid_ids.contains(grid);
        }
        match self.community_of(grid) {
            Some(c) => self.unit_in_jurisdiction(actor, c),
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn unit(id: &str, parent: Option<&str>, level: OrgLevel) -> OrgUnit {
        OrgUnit {
            id: id.into(),
            parent_id: parent.map(Into::into),
            name: id.to_owned(),
            level,
        }
    }

    fn small_tree() -> OrgTree {
        OrgTree::new(
            [
                unit("c", None, OrgLevel::County),
                unit("t1", Some("c"), OrgLevel::Township),
                unit("t2", Some("c"), OrgLevel::Township),
                unit("m1", Some("t1"), OrgLevel::Community),
                unit("m2", Some("t2"), OrgLevel::Community),
            ],
            [Grid {
                id: "g1".into(),
                name: "g1".into(),
                kind: GridKind::School,
                community_id: "m1".into(),
                polygon: serde_json::Value::Null,
                worker_id: None,
            }],
            [],
        )
        .unwrap()
    }

    #[test]
    fn jurisdiction_follows_the_subtree() {
        let t = small_tree();
        let township = Actor {
            user_id: "u".into(),
            role: Role::Township,
            affiliation: Affiliation::Unit("t1".into()),
            grid_ids: vec![],
        };
        assert!(
            t.unit_in_jurisdiction(&township, &"m1".into()),
            "m1 lies under t1"
        );
        assert!(
            !t.unit_in_jurisdiction(&township, &"m2".into()),
            "m2 lies under t2"
        );
        assert!(
            !t.unit_in_jurisdiction(&township, &"c".into()),
            "the county is above t1"
        );
        assert!(
            t.grid_in_jurisdiction(&township, &"g1".into()),
            "g1 is in m1"
        );
        assert_eq!(
            t.ancestor_at(&"m1".into(), OrgLevel::Township)
                .unwrap()
                .id
                .as_str(),
            "t1"
        );
    }

    #[test]
    fn a_city_holds_counties_and_a_county_is_the_top_of_escalation() {
        let t = OrgTree::new(
            [
                unit("y", None, OrgLevel::City),
                unit("c1", Some("y"), OrgLevel::County),
                unit("c2", Some("y"), OrgLevel::County),
                unit("t1", Some("c1"), OrgLevel::Township),
                unit("t2", Some("c2"), OrgLevel::Township),
            ],
            [],
            [],
        )
        .expect("a city over two counties is a tree");
        assert_eq!(t.root().unwrap().id.as_str(), "y");
        assert_eq!(
            t.escalation_target(&"t1".into()).unwrap().id.as_str(),
            "c1",
            "a township escalates to its own county"
        );
        assert!(
            t.escalation_target(&"c1".into()).is_none(),
            "a county centre escalates nowhere, not to the city"
        );
        assert!(
            t.is_within(&"t2".into(), &"y".into()),
            "the city sees below"
        );
        assert!(
            !t.is_within(&"t2".into(), &"c1".into()),
            "counties are apart"
        );
        for (bad, why) in [
            (
                vec![
                    unit("y", None, OrgLevel::City),
                    unit("t", Some("y"), OrgLevel::Township),
                ],
                "a township cannot hang under the city",
            ),
            (
                vec![
                    unit("c", None, OrgLevel::County),
                    unit("y", Some("c"), OrgLevel::City),
                ],
                "a city cannot hang under a county",
            ),
        ] {
            assert!(
                matches!(OrgTree::new(bad, [], []), Err(OrgError::BadLevel { .. })),
                "{why}"
            );
        }
    }

    #[test]
    fn malformed_trees_are_refused() {
        let two_roots = OrgTree::new(
            [
                unit("c", None, OrgLevel::County),
                unit("d", None, OrgLevel::County),
            ],
            [],
            [],
        );
        assert_eq!(
            two_roots.unwrap_err(),
            OrgError::RootCount(2),
            "one county per tree"
        );
        let skipped = OrgTree::new(
            [
                unit("c", None, OrgLevel::County),
                unit("m", Some("c"), OrgLevel::Community),
            ],
            [],
            [],
        );
        assert!(
            matches!(skipped, Err(OrgError::BadLevel { .. })),
            "a community cannot hang directly under the county"
        );
    }
}
