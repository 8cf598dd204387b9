//! Seeding a county: org units, grids, departments, categories and one user per role and unit,
//! named as docs/DESIGN.md §8 names the demo users (`admin`, `center`, `leader`, `township-01`…,
//! `community-001`…, `worker-0001`… in grid order, `dept-01`…).
//!
//! Tests seed [`small_plan`]; `demo` seeds the reference county through the same code.

use crate::storage::auth::StoredUser;
use crate::storage::{LedgerTx, Result};
use chrono::{DateTime, Utc};
use yiwang_core::category::{builtin_departments, CategoryTree};
use yiwang_core::ids::{GridId, OrgUnitId, UserId};
use yiwang_core::org::{Grid, GridKind, OrgLevel, OrgUnit, Role};

/// A grid to create.
#[derive(Debug, Clone)]
pub struct GridPlan {
    pub id: GridId,
    pub name: String,
    pub kind: GridKind,
    pub polygon: serde_json::Value,
}

#[derive(Debug, Clone)]
pub struct CommunityPlan {
    pub id: OrgUnitId,
    pub name: String,
    pub grids: Vec<GridPlan>,
}

#[derive(Debug, Clone)]
pub struct TownshipPlan {
    pub id: OrgUnitId,
    pub name: String,
    pub communities: Vec<CommunityPlan>,
}

/// A whole county to create.
#[derive(Debug, Clone)]
pub struct CountyPlan {
    pub id: OrgUnitId,
    pub name: String,
    pub townships: Vec<TownshipPlan>,
}

impl CountyPlan {
    pub fn grids(&self) -> impl Iterator<Item = (&TownshipPlan, &CommunityPlan, &GridPlan)> {
        self.townships.iter().flat_map(|t| {
            t.communities
                .iter()
                .flat_map(move |c| c.grids.iter().map(move |g| (t, c, g)))
        })
    }
}

/// A closed GeoJSON square of `size` degrees with its south-west corner at (lat, lon).
pub fn square(lat: f64, lon: f64, size: f64) -> serde_json::Value {
    let ring = [
        (lon, lat),
        (lon + size, lat),
        (lon + size, lat + size),
        (lon, lat + size),
        (lon, lat),
    ];
    serde_json::json!({
        "type": "Polygon",
        "coordinates": [ring.iter().map(|(x, y)| [*x, *y]).collect::<Vec<_>>()]
    })
}

/// Two townships, two communities each, two grids each: eight grids near 40.63 N 122.50 E.
pub fn small_plan() -> CountyPlan {
    let mut townships = vec![];
    let mut n = 0;
    for t in 1..=2 {
        let tid = format!("210882{t:03}");
        let mut communities = vec![];
        for c in 1..=2 {
            let cid = format!("{tid}{c:03}");
            let grids = (1..=2)
                .map(|g| {
                    n += 1;
                    GridPlan {
                        id: format!("{cid}-{g:02}").into(),
                        name: format!("第{g}网格"),
                        kind: if g == 2 && c == 2 {
                            GridKind::School
                        } else {
                            GridKind::UrbanRural
                        },
                        polygon: square(40.60 + 0.01 * f64::from(n), 122.50, 0.008),
                    }
                })
                .collect();
            communities.push(CommunityPlan {
                id: cid.into(),
                name: format!("社区{t}-{c}"),
                grids,
            });
        }
        townships.push(TownshipPlan {
            id: tid.into(),
            name: format!("街道{t}"),
            communities,
        });
    }
    CountyPlan {
        id: "210882".into(),
        name: "大石桥市".into(),
        townships,
    }
}

/// What seeding created: user names by role, in creation order.
#[derive(Debug, Clone, Default)]
pub struct Seeded {
    pub users: Vec<StoredUser>,
}

impl Seeded {
    pub fn user(&self, username: &str) -> Option<&StoredUser> {
        self.users.iter().find(|u| u.username == username)
    }
}

fn user(
    username: String,
    display_name: String,
    role: Role,
    unit: Option<&OrgUnitId>,
    password_hash: &str,
    demo: bool,
) -> StoredUser {
    StoredUser {
        id: UserId(username.clone()),
        username,
        display_name,
        role,
        org_unit_id: unit.cloned(),
        department_id: None,
        grid_ids: vec![],
        password_hash: password_hash.to_owned(),
        demo_password: demo,
        disabled: false,
    }
}

/// Creates the county of `plan` with the built-in departments and categories, and one user per
/// role and unit, all with the password whose hash is `password_hash` (hashed once by the
/// caller: argon2id is slow on purpose, and the demo has two thousand users). `demo` marks them
/// as demo users, refused outside demo mode.
pub fn seed_county(
    tx: &mut dyn LedgerTx,
    plan: &CountyPlan,
    password_hash: &str,
    demo: bool,
    now: DateTime<Utc>,
) -> Result<Seeded> {
    let mut seeded = Seeded::default();
    let departments = seed_reference_data(tx)?;
    let county = Users {
        prefix: "",
        password_hash,
        demo,
    };
    for (name, display, role) in [
        ("admin", "系统管理员", Role::Admin),
        ("center", "市指挥中心调度员", Role::Center),
        ("leader", "市领导", Role::Leader),
    ] {
        seeded
            .users
            .push(county.user(name, display.into(), role, Some(&plan.id)));
    }
    county.seed_units(tx, plan, None, &mut seeded)?;
    county.seed_department_users(&departments, &mut seeded);
    for u in &seeded.users {
        tx.insert_user(u, now)?;
    }
    Ok(seeded)
}

/// A city above several counties: a province's ledger.
#[derive(Debug, Clone)]
pub struct CityPlan {
    pub id: OrgUnitId,
    pub name: String,
    pub counties: Vec<CountyPlan>,
}

/// The user-name prefix of county `k` (0-based) in a province: `c001-`, `c002-`, …
pub fn county_prefix(k: usize) -> String {
    format!("c{:03}-", k + 1)
}

/// Creates the city of `plan` with its counties below it, the built-in departments and
/// categories once, and users: the city's `admin` and `leader` (who read every county), then
/// for each county its centre and leader and one user per township, community and grid, named
/// as [`seed_county`] names them behind the county's prefix ([`county_prefix`]: `c002-center`,
/// `c002-worker-0001`). The departments (and their users `dept-01`…) serve every county. Returns
/// each county's people (its own users and the department users), in county order.
pub fn seed_city(
    tx: &mut dyn LedgerTx,
    plan: &CityPlan,
    password_hash: &str,
    demo: bool,
    now: DateTime<Utc>,
) -> Result<Vec<Seeded>> {
    let departments = seed_reference_data(tx)?;
    tx.upsert_unit(&OrgUnit {
        id: plan.id.clone(),
        parent_id: None,
        name: plan.name.clone(),
        level: OrgLevel::City,
    })?;
    let city = Users {
        prefix: "",
        password_hash,
        demo,
    };
    let mut everyone = vec![
        city.user("admin", "系统管理员".into(), Role::Admin, Some(&plan.id)),
        city.user(
            "leader",
            format!("{}领导", plan.name),
            Role::Leader,
            Some(&plan.id),
        ),
    ];
    let mut shared = Seeded::default();
    city.seed_department_users(&departments, &mut shared);
    everyone.extend(shared.users.iter().cloned());
    let mut counties = vec![];
    for (k, county) in plan.counties.iter().enumerate() {
        let prefix = county_prefix(k);
        let users = Users {
            prefix: &prefix,
            password_hash,
            demo,
        };
        let mut seeded = Seeded::default();
        seeded.users.push(users.user(
            "center",
            format!("{}指挥中心调度员", county.name),
            Role::Center,
            Some(&county.id),
        ));
        seeded.users.push(users.user(
            "leader",
            format!("{}领导", county.name),
            Role::Leader,
            Some(&county.id),
        ));
        users.seed_units(tx, county, Some(&plan.id), &mut seeded)?;
        everyone.extend(seeded.users.iter().cloned());
        seeded.users.extend(shared.users.iter().cloned());
        counties.push(seeded);
    }
    for u in &everyone {
        tx.insert_user(u, now)?;
    }
    Ok(counties)
}

/// The built-in categories and departments, written once per ledger.
fn seed_reference_data(tx: &mut dyn LedgerTx) -> Result<Vec<yiwang_core::org::Department>> {
    tx.replace_categories(&CategoryTree::builtin())?;
    let departments = builtin_departments();
    for d in &departments {
        tx.upsert_department(d)?;
    }
    Ok(departments)
}

/// How the users of one county are made: their names' prefix and their password.
struct Users<'a> {
    prefix: &'a str,
    password_hash: &'a str,
    demo: bool,
}

impl Users<'_> {
    fn user(
        &self,
        name: &str,
        display_name: String,
        role: Role,
        unit: Option<&OrgUnitId>,
    ) -> StoredUser {
        user(
            format!("{}{name}", self.prefix),
            display_name,
            role,
            unit,
            self.password_hash,
            self.demo,
        )
    }

    /// The county of `plan` (under `parent`, or the root), its townships, communities and
    /// grids, and a user for each township, community and grid, added to `seeded`.
    fn seed_units(
        &self,
        tx: &mut dyn LedgerTx,
        plan: &CountyPlan,
        parent: Option<&OrgUnitId>,
        seeded: &mut Seeded,
    ) -> Result<()> {
        tx.upsert_unit(&OrgUnit {
            id: plan.id.clone(),
            parent_id: parent.cloned(),
            name: plan.name.clone(),
            level: OrgLevel::County,
        })?;
        let mut community_no = 0;
        for (ti, t) in plan.townships.iter().enumerate() {
            tx.upsert_unit(&OrgUnit {
                id: t.id.clone(),
                parent_id: Some(plan.id.clone()),
                name: t.name.clone(),
                level: OrgLevel::Township,
            })?;
            seeded.users.push(self.user(
                &format!("township-{:02}", ti + 1),
                format!("{}调度员", t.name),
                Role::Township,
                Some(&t.id),
            ));
            for c in &t.communities {
                community_no += 1;
                tx.upsert_unit(&OrgUnit {
                    id: c.id.clone(),
                    parent_id: Some(t.id.clone()),
                    name: c.name.clone(),
                    level: OrgLevel::Community,
                })?;
                seeded.users.push(self.user(
                    &format!("community-{community_no:03}"),
                    format!("{}网格管理员", c.name),
                    Role::Community,
                    Some(&c.id),
                ));
            }
        }
        for (i, (_, c, g)) in plan.grids().enumerate() {
            let mut w = self.user(
                &format!("worker-{:04}", i + 1),
                format!("网格员{:04}", i + 1),
                Role::GridWorker,
                Some(&c.id),
            );
            tx.upsert_grid(&Grid {
                id: g.id.clone(),
                name: format!("{}{}", c.name, g.name),
                kind: g.kind,
                community_id: c.id.clone(),
                polygon: g.polygon.clone(),
                worker_id: Some(w.id.clone()),
            })?;
            w.grid_ids = vec![g.id.clone()];
            seeded.users.push(w);
        }
        Ok(())
    }

    fn seed_department_users(
        &self,
        departments: &[yiwang_core::org::Department],
        seeded: &mut Seeded,
    ) {
        for (i, d) in departments.iter().enumerate() {
            let mut u = self.user(
                &format!("dept-{:02}", i + 1),
                format!("{}办理员", d.name),
                Role::Department,
                None,
            );
            u.department_id = Some(d.id.clone());
            seeded.users.push(u);
        }
    }
}
