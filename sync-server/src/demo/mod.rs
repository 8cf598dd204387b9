//! The reference county (docs/DESIGN.md §8), for demos and benchmarks.
//!
//! [`reference_plan`] draws the county the system was first described for: 17 townships and
//! streets, 283 villages and communities, 1,798 grids (1,480 urban-rural, 69 school, 249
//! enterprise) tiled as rectangles around 40.63 N 122.50 E. [`seed_history`] then gives it a
//! past: about eleven thousand cases over ninety days, each one driven through the real workflow
//! ([`crate::casework::act`]) by the people who would really have acted — grid workers report,
//! communities claim, resolve or escalate, townships dispatch, departments accept, ask for more
//! time and report back, grid workers verify on site, operators close and rate — on a clock that
//! runs forward for each case. Nothing about the figures is stored: the console derives every
//! rate from these events, as it would for a real county.
//!
//! [`seed_demo`] does all of it in one write transaction, so a demo folder is either the whole
//! county or nothing. Everything is drawn from fixed seeds: the same plan every time, and the
//! same history relative to the moment it is seeded.

// Stops driving a case when a step cannot happen (it lies after `now`, or was refused).
macro_rules! step {
    ($e:expr) => {
        if !$e? {
            return Ok(false);
        }
    };
}

mod desks;
mod driver;
mod geometry;
mod history;
mod plan;

pub use history::{HistoryReport, HistorySpec};
pub use plan::{county_centre, county_id, county_name, county_plan, reference_plan};

use driver::Sim;
use history::{class_weight, People, Weighted};
use std::collections::HashMap;
use yiwang_core::category::Category;
use yiwang_core::ids::GridId;
use yiwang_core::org::GridKind;

use crate::seed::{seed_city, seed_county, CityPlan, CountyPlan, Seeded};
use crate::state::Reference;
use crate::storage::{Ledger, LedgerTx, Result, StorageError};
use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::SeedableRng;
use yiwang_core::calendar::WorkingCalendar;

/// The county's administrative code (大石桥市).
pub const COUNTY_ID: &str = "210882";
/// The city above a demo province's counties (营口市), and its code.
pub const CITY_ID: &str = "2108";
pub const CITY_NAME: &str = "营口市";
/// Counties `demo --counties` seeds at most (their codes stay six digits).
pub const MAX_COUNTIES: usize = 100;
/// Where the county's grids are tiled around (latitude, longitude).
pub const CENTRE: (f64, f64) = (40.63, 122.50);
/// The demo users' password. It works only while the server runs in demo mode.
pub const DEMO_PASSWORD: &str = "demo";
/// Meta key set when a demo county has been seeded completely.
pub const SEEDED_META_KEY: &str = "demo_seeded_at";
/// Meta key of a province's seeding (`demo --counties N`): `started`, then `complete`.
pub const PROVINCE_SEEDING_META_KEY: &str = "demo_province_seeding";

/// Grid counts the reference county must have, by kind (docs/DESIGN.md §1).
pub const URBAN_RURAL_GRIDS: usize = 1480;
pub const SCHOOL_GRIDS: usize = 69;
pub const ENTERPRISE_GRIDS: usize = 249;

/// What [`seed_demo`] made.
#[derive(Debug, Clone)]
pub struct DemoSummary {
    pub townships: usize,
    pub communities: usize,
    pub grids: usize,
    pub users: usize,
    pub history: HistoryReport,
}

/// True when the ledger already holds an org tree (a demo county or a real one): `demo` then
/// serves it as it is.
pub fn has_county(ledger: &Ledger) -> Result<bool> {
    ledger.read_blocking(|tx| Ok(tx.load_org()?.root().is_some()))
}

/// Seeds the reference county and its history into an empty ledger in ONE write transaction:
/// the folder holds the whole demo or nothing. The password "demo" is hashed once (argon2id is
/// slow on purpose) and shared by every demo user, who are marked as demo users.
///
/// With `counties` > 1 it seeds a province (see [`county_plan`], [`seed_city`]): the org tree and
/// the users in one transaction, then each county's history in one transaction of its own (a
/// hundred counties are tens of gigabytes: in one transaction SQLite's write-ahead log would
/// hold them all before the ledger does). [`PROVINCE_SEEDING_META_KEY`] says `started` until
/// the last county is in; `demo` refuses to serve a province whose seeding was interrupted.
pub fn seed_demo(
    ledger: &Ledger,
    now: DateTime<Utc>,
    spec: &HistorySpec,
    counties: usize,
    progress: &(dyn Fn(&str) + Sync),
) -> anyhow::Result<DemoSummary> {
    anyhow::ensure!(
        (1..=MAX_COUNTIES).contains(&counties),
        "--counties takes 1 to {MAX_COUNTIES}"
    );
    let hash = crate::auth::hash_password(DEMO_PASSWORD)?;
    let plans: Vec<CountyPlan> = (0..counties).map(county_plan).collect();
    let townships = plans.iter().map(|p| p.townships.len()).sum();
    let communities = plans
        .iter()
        .flat_map(|p| &p.townships)
        .map(|t| t.communities.len())
        .sum();
    let empty = |tx: &mut dyn LedgerTx| -> Result<()> {
        if tx.load_org()?.root().is_some() {
            return Err(StorageError::Invalid(
                "the ledger already holds a county; the demo seeds only an empty ledger".into(),
            ));
        }
        Ok(())
    };
    if counties == 1 {
        let (spec, plan) = (spec.clone(), plans[0].clone());
        let summary = ledger.write_blocking(move |tx| {
            empty(tx)?;
            let seeded = seed_county(tx, &plan, &hash, true, now)?;
            let reference = Reference::load(tx, WorkingCalendar::china())?;
            progress(&format!(
                "county: {townships} townships, {communities} communities, {} grids, {} users",
                reference.org.grids().count(),
                seeded.users.len()
            ));
            let history = seed_history(tx, &reference, &seeded, &spec, now, progress)?;
            tx.meta_set(SEEDED_META_KEY, &now.to_rfc3339())?;
            progress("committing");
            Ok(DemoSummary {
                townships,
                communities,
                grids: reference.org.grids().count(),
                users: seeded.users.len(),
                history,
            })
        })?;
        return Ok(summary);
    }
    let city = CityPlan {
        id: CITY_ID.into(),
        name: CITY_NAME.into(),
        counties: plans.clone(),
    };
    let (people, grids, users) = ledger.write_blocking(move |tx| {
        empty(tx)?;
        tx.meta_set(PROVINCE_SEEDING_META_KEY, "started")?;
        let people = seed_city(tx, &city, &hash, true, now)?;
        let grids = tx.load_org()?.grids().count();
        Ok((people, grids, tx.users()?.len()))
    })?;
    progress(&format!(
        "{counties} counties: {townships} townships, {communities} communities, {grids} grids, \
         {users} users"
    ));
    let mut history = HistoryReport::default();
    for (k, seeded) in people.into_iter().enumerate() {
        // Each county draws its own history (and its own ids) from its own seed.
        let spec = HistorySpec {
            seed: spec.seed + k as u64,
            ..spec.clone()
        };
        let report = ledger.write_blocking(move |tx| {
            let reference = Reference::load(tx, WorkingCalendar::china())?;
            seed_history(tx, &reference, &seeded, &spec, now, &|_| {})
        })?;
        progress(&format!(
            "county {} of {counties} ({}): {} cases, {} events",
            k + 1,
            plans[k].name,
            report.cases,
            report.events
        ));
        history.absorb(report);
    }
    ledger.write_blocking(move |tx| {
        tx.meta_set(SEEDED_META_KEY, &now.to_rfc3339())?;
        tx.meta_set(PROVINCE_SEEDING_META_KEY, "complete")
    })?;
    Ok(DemoSummary {
        townships,
        communities,
        grids,
        users,
        history,
    })
}

/// Whether a province's seeding was interrupted: `demo` then refuses to serve the ledger.
pub fn province_seeding_interrupted(ledger: &Ledger) -> Result<bool> {
    ledger.read_blocking(|tx| {
        Ok(tx.meta_get(PROVINCE_SEEDING_META_KEY)?.as_deref() == Some("started"))
    })
}

/// Makes a history of cases in `tx` over the `spec.days` before `now`, each driven through the
/// workflow by the people of `seeded`: most reported by grid workers from their grids, some
/// taken by the 8890 hotline at a community or township; about 60 % claimed by the community
/// (resolved there or escalated), most of the rest taken up by the township, a tenth sent on to
/// the county centre; dispatched to the category's department with the category's deadline;
/// verified on site by the grid worker (about 5 % fail and are reworked); closed; about 70 %
/// rated, 95 % of them satisfied. Cases reported recently are still open in every state, and a
/// few older ones sit overdue at a department, urged on. `progress` hears every 1,000 cases.
pub fn seed_history(
    tx: &mut dyn LedgerTx,
    reference: &Reference,
    seeded: &Seeded,
    spec: &HistorySpec,
    now: DateTime<Utc>,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<HistoryReport> {
    let mut leaves: HashMap<GridKind, Vec<Weighted<'_>>> = HashMap::new();
    for kind in GridKind::ALL {
        let mut v = vec![];
        for class in reference.categories.classes() {
            let w = class_weight(kind, &class.code.0);
            let children: Vec<&Category> = reference.categories.children(&class.code).collect();
            for leaf in &children {
                v.push(Weighted {
                    leaf,
                    weight: w / children.len() as f64,
                });
            }
        }
        // A county whose categories are all its own still gets cases: every leaf alike.
        if v.iter().all(|w| w.weight <= 0.0) {
            v = reference
                .categories
                .leaves()
                .map(|leaf| Weighted { leaf, weight: 1.0 })
                .collect();
        }
        leaves.insert(kind, v);
    }
    // The grids of this county's workers: in a province's ledger the org tree holds every
    // county, and each county's history is its own.
    let mut grids: Vec<GridId> = seeded
        .users
        .iter()
        .filter(|u| u.role == yiwang_core::org::Role::GridWorker)
        .flat_map(|u| u.grid_ids.iter().cloned())
        .filter(|g| reference.org.grid(g).is_some())
        .collect();
    grids.sort();
    grids.dedup();
    if grids.is_empty() {
        return Err(StorageError::Invalid(
            "the county has no grids to report from".into(),
        ));
    }
    let mut sim = Sim {
        tx,
        reference,
        people: People::new(seeded)?,
        now,
        rng: StdRng::seed_from_u64(spec.seed),
        report: HistoryReport::default(),
        last_in_grid: HashMap::new(),
        leaves,
    };
    let plans = sim.plan(spec, &grids);
    for (i, plan) in plans.iter().enumerate() {
        sim.run_case(plan)?;
        if (i + 1) % 1000 == 0 {
            progress(&format!(
                "{} of {} cases, {} events",
                i + 1,
                plans.len(),
                sim.report.events
            ));
        }
    }
    sim.field_work(spec, &grids)?;
    progress(&format!(
        "field work: {} findings, {} patrols, {} ops through the sync engine",
        sim.report.findings, sim.report.patrols, sim.report.ops
    ));
    if let Some(r) = &sim.report.first_refusal {
        tracing::warn!(refused = sim.report.refused, first = %r, "the demo history had refusals");
    }
    Ok(sim.report)
}
