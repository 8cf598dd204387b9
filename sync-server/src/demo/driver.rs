//! The history driver: one case at a time through the real workflow, and the patrols and
//! findings of the grid workers through the real sync engine, on a clock that runs forward for
//! each case.

use super::geometry::*;
use super::history::*;
use super::*;
use crate::casework::act;
use crate::state::Reference;
use crate::storage::auth::StoredUser;
use crate::storage::{LedgerTx, Result, StorageError};
use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;
use std::collections::HashMap;
use yiwang_core::case::{Action, Case, Channel, GeoPoint, NewCase};
use yiwang_core::category::Category;
use yiwang_core::field::{Disposition, TrackPoint};
use yiwang_core::ids::{CaseId, DepartmentId, DeviceId, GridId, OpId, PatrolId};
use yiwang_core::org::{Actor, GridKind};
use yiwang_core::sync::{
    FindingCreateData, Op, OpStatus, OpType, PatrolEndData, PatrolStartData, PatrolTrackData,
};
use yiwang_core::workflow::can_see;

/// One case being driven: its record so far and its own clock.
pub(super) struct Run {
    pub(super) id: CaseId,
    pub(super) case: Option<Case>,
    pub(super) at: DateTime<Utc>,
}

/// What is decided about a case before it is reported.
pub(super) struct CasePlan {
    pub(super) at: DateTime<Utc>,
    pub(super) grid: GridId,
    pub(super) channel: Channel,
    /// A hotline call lodged with the township rather than the community.
    pub(super) at_township: bool,
    /// The department sits on it: the case stays open past its deadline, urged on.
    pub(super) stuck: bool,
}

/// Drives cases through the workflow inside one transaction.
pub(super) struct Sim<'a> {
    pub(super) tx: &'a mut dyn LedgerTx,
    pub(super) reference: &'a Reference,
    pub(super) people: People,
    pub(super) now: DateTime<Utc>,
    pub(super) rng: StdRng,
    pub(super) report: HistoryReport,
    pub(super) last_in_grid: HashMap<GridId, CaseId>,
    pub(super) leaves: HashMap<GridKind, Vec<Weighted<'a>>>,
}

impl<'a> Sim<'a> {
    pub(super) fn chance(&mut self, p: f64) -> bool {
        self.rng.gen_bool(p.clamp(0.0, 1.0))
    }

    /// `from` plus lo..hi hours of working time.
    pub(super) fn work(&mut self, from: DateTime<Utc>, lo: f64, hi: f64) -> DateTime<Utc> {
        let secs = self.rng.gen_range(lo * 3600.0..hi * 3600.0) as i64;
        // Operators and departments act in office hours: a case reported on Friday evening
        // is claimed on Monday morning.
        self.reference
            .calendar
            .add_working_time(from, Duration::seconds(secs))
    }

    /// A point in the span from `from` to `to`, at a fraction lo..hi of the way.
    pub(super) fn between(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        lo: f64,
        hi: f64,
    ) -> DateTime<Utc> {
        let span = (to - from).num_seconds().max(60) as f64;
        from + Duration::seconds((span * self.rng.gen_range(lo..hi)) as i64)
    }

    pub(super) fn new_id(&mut self, at: DateTime<Utc>) -> String {
        let mut bytes = [0u8; 10];
        self.rng.fill(&mut bytes);
        let millis = u64::try_from(at.timestamp_millis()).unwrap_or(0);
        uuid::Builder::from_unix_timestamp_millis(millis, &bytes)
            .into_uuid()
            .to_string()
    }

    /// Takes `action` by `who` at `at` (never before the case's last event). False when `at`
    /// is still in the future, or the workflow refused: the case stays where it is.
    pub(super) fn act(
        &mut self,
        run: &mut Run,
        who: &Actor,
        action: Action,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let at = at.max(run.at);
        if at > self.now {
            return Ok(false);
        }
        let base = run.case.as_ref().map_or(0, |c| c.version);
        let kind = action.kind();
        match act(self.tx, self.reference, who, &run.id, base, &action, at)? {
            Ok((case, _)) => {
                run.case = Some(case);
                run.at = at;
                self.report.events += 1;
                Ok(true)
            }
            Err(refusal) => {
                self.report.refused += 1;
                if self.report.first_refusal.is_none() {
                    self.report.first_refusal = Some(format!(
                        "case {}: {} by {} refused: {refusal}",
                        run.id,
                        kind.as_str(),
                        who.user_id
                    ));
                }
                Ok(false)
            }
        }
    }

    pub(super) fn case(run: &Run) -> Result<&Case> {
        run.case
            .as_ref()
            .ok_or_else(|| StorageError::Invalid(format!("case {} was not reported", run.id)))
    }

    pub(super) fn op<T: serde::Serialize>(
        &mut self,
        op_type: OpType,
        entity_id: &str,
        at: DateTime<Utc>,
        data: &T,
    ) -> Result<Op> {
        Ok(Op {
            op_id: OpId(self.new_id(at)),
            op_type,
            entity_id: entity_id.to_owned(),
            at,
            data: serde_json::to_value(data)?,
        })
    }

    /// Pushes a worker's ops through the sync engine as their device would, received at `at`.
    /// False when any op was not applied.
    pub(super) fn push(
        &mut self,
        user: &StoredUser,
        ops: &[Op],
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let device = DeviceId(format!("demo-{}", user.username));
        let results = crate::sync::apply_ops(self.tx, self.reference, user, &device, ops, at)?;
        self.report.ops += ops.len();
        let mut all = true;
        for r in results.iter().filter(|r| r.status != OpStatus::Applied) {
            all = false;
            self.report.refused += 1;
            if self.report.first_refusal.is_none() {
                self.report.first_refusal = Some(format!(
                    "op {} of {} refused: {} {}",
                    r.op_id,
                    user.username,
                    r.code.as_ref().map_or("-", |c| c.as_str()),
                    r.message.as_deref().unwrap_or("")
                ));
            }
        }
        Ok(all)
    }

    /// Reports a grid worker's case the way the app does: a `finding.create` op with the
    /// disposition `report` and the case id made on the device, synced at `plan.at`.
    pub(super) fn report_by_finding(
        &mut self,
        run: &mut Run,
        plan: &CasePlan,
        new: &NewCase,
    ) -> Result<bool> {
        let user = self.people.worker_user(&plan.grid)?;
        let observed = plan.at - Duration::minutes(self.rng.gen_range(2..30));
        let finding_id = self.new_id(observed);
        let data = FindingCreateData {
            grid_id: plan.grid.clone(),
            patrol_id: None,
            category_code: new.category.clone(),
            description: new.description.clone(),
            lat: new.location.map(|l| l.lat),
            lon: new.location.map(|l| l.lon),
            accuracy_m: new.location.and_then(|l| l.accuracy_m),
            mock_location: false,
            observed_at: observed,
            disposition: Disposition::Report,
            photos: vec![],
            case_id: Some(run.id.clone()),
            urgent: new.urgent,
        };
        let op = self.op(OpType::FindingCreate, &finding_id, observed, &data)?;
        if !self.push(&user, &[op], plan.at)? {
            return Ok(false);
        }
        self.report.findings += 1;
        run.case = self.tx.case(&run.id)?;
        run.at = plan.at;
        self.report.events += usize::from(run.case.is_some());
        Ok(run.case.is_some())
    }

    /// A time in the `days` before `now`, in the day (07:00–19:30 local), fewer at weekends.
    pub(super) fn daytime(&mut self, days: i64) -> Option<DateTime<Utc>> {
        let offset = self.offset();
        let today = self.now.with_timezone(&offset).date_naive();
        let day = today - Duration::days(self.rng.gen_range(0..days.max(1)));
        // Fewer reports at weekends: patrols go on, the hotline is quieter.
        if day.weekday().number_from_monday() > 5 && self.chance(0.4) {
            return None;
        }
        let secs = self.rng.gen_range(7 * 3600..19 * 3600 + 1800);
        let time = NaiveTime::from_num_seconds_from_midnight_opt(secs, 0)?;
        let at = offset
            .from_local_datetime(&day.and_time(time))
            .single()?
            .with_timezone(&Utc);
        (at <= self.now).then_some(at)
    }

    pub(super) fn offset(&self) -> chrono::FixedOffset {
        chrono::FixedOffset::east_opt(self.reference.calendar.utc_offset_seconds)
            .or_else(|| chrono::FixedOffset::east_opt(8 * 3600))
            .expect("UTC+8 is a valid offset")
    }

    pub(super) fn leaf_for(&mut self, kind: GridKind) -> Result<&'a Category> {
        let leaves = self.leaves.get(&kind).map(Vec::as_slice).unwrap_or(&[]);
        pick(&mut self.rng, leaves, |w| w.weight)
            .map(|w| w.leaf)
            .ok_or_else(|| StorageError::Invalid("no categories to report under".into()))
    }

    /// A finding resolved on the spot (现场处置): no case, just the record of it.
    pub(super) fn on_spot_finding(
        &mut self,
        grid: &GridId,
        patrol: Option<&PatrolId>,
        observed: DateTime<Utc>,
    ) -> Result<Op> {
        let reference = self.reference;
        let g = reference
            .org
            .grid(grid)
            .ok_or_else(|| StorageError::Invalid(format!("unknown grid {grid}")))?;
        let leaf = self.leaf_for(g.kind)?;
        let place = PLACES.choose(&mut self.rng).copied().unwrap_or_default();
        let (lat, lon) = self.point_in(&g.polygon);
        let data = FindingCreateData {
            grid_id: grid.clone(),
            patrol_id: patrol.cloned(),
            category_code: leaf.code.clone(),
            description: format!("{}：{}{}，已现场处置。", leaf.name, g.name, place),
            lat,
            lon,
            accuracy_m: lat.map(|_| f64::from(self.rng.gen_range(3u8..20))),
            mock_location: false,
            observed_at: observed,
            disposition: Disposition::ResolvedOnSpot,
            photos: vec![],
            case_id: None,
            urgent: false,
        };
        let id = self.new_id(observed);
        self.op(OpType::FindingCreate, &id, observed, &data)
    }

    pub(super) fn point_in(&mut self, polygon: &serde_json::Value) -> (Option<f64>, Option<f64>) {
        match bbox(polygon) {
            Some((w, s, e, n)) => (
                Some(round6(self.rng.gen_range(s..n))),
                Some(round6(self.rng.gen_range(w..e))),
            ),
            None => (None, None),
        }
    }

    /// The field work around the cases, pushed as the workers' devices push it: findings
    /// resolved on the spot across the history, and `spec.patrol_days` of patrols — on most
    /// grids a morning and an afternoon round each day, up to `now` (a round under way now has
    /// no end yet), each with a GPS track (denser for the last two days), and now and then a
    /// finding fixed on the way.
    pub(super) fn field_work(&mut self, spec: &HistorySpec, grids: &[GridId]) -> Result<()> {
        let mut made = 0;
        while made < spec.on_spot_findings {
            let Some(at) = self.daytime(spec.days) else {
                continue;
            };
            let grid = grids[self.rng.gen_range(0..grids.len())].clone();
            let user = self.people.worker_user(&grid)?;
            let op = self.on_spot_finding(&grid, None, at - Duration::minutes(5))?;
            if self.push(&user, &[op], at)? {
                self.report.findings += 1;
            }
            made += 1;
        }
        let offset = self.offset();
        let today = self.now.with_timezone(&offset).date_naive();
        for grid in grids {
            let user = self.people.worker_user(grid)?;
            let polygon = self
                .reference
                .org
                .grid(grid)
                .map(|g| g.polygon.clone())
                .unwrap_or_default();
            for back in (0..spec.patrol_days.max(0)).rev() {
                let day = today - Duration::days(back);
                let r: f64 = self.rng.gen();
                // Most grids are walked twice a day; a few miss a round, fewer miss both.
                let (morning, afternoon) = match r {
                    r if r < 0.90 => (true, true),
                    r if r < 0.94 => (true, false),
                    r if r < 0.97 => (false, true),
                    _ => (false, false),
                };
                for (walk, from, to) in [
                    (morning, 6 * 3600 + 1800, 10 * 3600),
                    (afternoon, 13 * 3600, 17 * 3600),
                ] {
                    if !walk {
                        continue;
                    }
                    let secs = self.rng.gen_range(from..to);
                    let Some(start) = NaiveTime::from_num_seconds_from_midnight_opt(secs, 0)
                        .and_then(|t| offset.from_local_datetime(&day.and_time(t)).single())
                        .map(|t| t.with_timezone(&Utc))
                    else {
                        continue;
                    };
                    if start > self.now {
                        continue;
                    }
                    let end = start + Duration::minutes(self.rng.gen_range(50..150));
                    let until = end.min(self.now);
                    let id = self.new_id(start);
                    let mut ops = vec![self.op(
                        OpType::PatrolStart,
                        &id,
                        start,
                        &PatrolStartData {
                            grid_id: grid.clone(),
                            started_at: start,
                        },
                    )?];
                    // Every round has a track (coverage needs one); the last two days' draw well.
                    {
                        let fixes = if back <= 1 { 8 } else { 3 };
                        let mut points: Vec<TrackPoint> = (0..fixes)
                            .map(|i| {
                                let t = start + (until - start) * i / fixes;
                                let (lat, lon) = self.point_in(&polygon);
                                TrackPoint {
                                    t,
                                    lat: lat.unwrap_or(CENTRE.0),
                                    lon: lon.unwrap_or(CENTRE.1),
                                    accuracy_m: Some(f64::from(self.rng.gen_range(4u8..15))),
                                    mock: false,
                                }
                            })
                            .collect();
                        points.sort_by_key(|p| p.t);
                        ops.push(self.op(
                            OpType::PatrolTrack,
                            &id,
                            until,
                            &PatrolTrackData { points },
                        )?);
                    }
                    let found = self.chance(0.12);
                    if found {
                        let seen = self.between(start, until, 0.2, 0.8);
                        ops.push(self.on_spot_finding(grid, Some(&PatrolId(id.clone())), seen)?);
                    }
                    if end <= self.now {
                        let data = PatrolEndData { ended_at: end };
                        ops.push(self.op(OpType::PatrolEnd, &id, end, &data)?);
                    }
                    let synced =
                        (until + Duration::minutes(self.rng.gen_range(1..10))).min(self.now);
                    if self.push(&user, &ops, synced)? {
                        self.report.patrols += 1;
                        self.report.findings += usize::from(found);
                    }
                }
            }
        }
        Ok(())
    }

    pub(super) fn plan(&mut self, spec: &HistorySpec, grids: &[GridId]) -> Vec<CasePlan> {
        let mut plans = Vec::with_capacity(spec.cases);
        while plans.len() < spec.cases {
            let Some(at) = self.daytime(spec.days) else {
                continue;
            };
            let hotline = self.chance(0.14);
            plans.push(CasePlan {
                at,
                grid: grids[self.rng.gen_range(0..grids.len())].clone(),
                channel: if hotline {
                    Channel::Hotline8890
                } else {
                    Channel::Grid
                },
                at_township: hotline && self.chance(0.3),
                stuck: self.chance(0.035),
            });
        }
        plans.sort_by_key(|p| p.at);
        plans
    }

    pub(super) fn run_case(&mut self, plan: &CasePlan) -> Result<bool> {
        let reference = self.reference;
        let org = &reference.org;
        let grid = org
            .grid(&plan.grid)
            .ok_or_else(|| StorageError::Invalid(format!("unknown grid {}", plan.grid)))?;
        let community = grid.community_id.clone();
        let township = org
            .parent(&community)
            .map(|t| t.id.clone())
            .ok_or_else(|| {
                StorageError::Invalid(format!("community {community} has no township"))
            })?;
        let worker = self.people.worker(&plan.grid)?;
        let community_op = self.people.operator(&community)?;
        let township_op = self.people.operator(&township)?;

        let leaf = self.leaf_for(grid.kind)?;
        let urgent = if leaf.code.0.starts_with("08") {
            self.chance(0.5)
        } else {
            self.chance(0.06)
        };
        let place = PLACES.choose(&mut self.rng).copied().unwrap_or_default();
        let detail = DETAILS.choose(&mut self.rng).copied().unwrap_or_default();
        let location = bbox(&grid.polygon).map(|(w, s, e, n)| GeoPoint {
            lat: round6(self.rng.gen_range(s..n)),
            lon: round6(self.rng.gen_range(w..e)),
            accuracy_m: Some(f64::from(self.rng.gen_range(3u8..25))),
        });
        let (reporter, description, contact) = match plan.channel {
            Channel::Grid => (
                worker.clone(),
                format!("{}：{}{}，{}。", leaf.name, grid.name, place, detail),
                None,
            ),
            _ => {
                let caller = CALLERS.choose(&mut self.rng).copied().unwrap_or("市民");
                let phone = format!(
                    "1{}{:02}****{:04}",
                    self.rng.gen_range(3..9),
                    self.rng.gen_range(0..100),
                    self.rng.gen_range(0..10_000)
                );
                (
                    if plan.at_township {
                        township_op.clone()
                    } else {
                        community_op.clone()
                    },
                    format!(
                        "8890市民来电反映：{}{}，{}，请核实处理。",
                        grid.name, place, leaf.name
                    ),
                    Some(format!("{caller} {phone}")),
                )
            }
        };
        let id = CaseId(self.new_id(plan.at));
        let mut run = Run {
            id: id.clone(),
            case: None,
            at: plan.at,
        };
        let new = NewCase {
            channel: plan.channel,
            category: leaf.code.clone(),
            urgent,
            description,
            location,
            address: Some(format!("{}{}", grid.name, place)),
            grid_id: Some(plan.grid.clone()),
            unit: plan.at_township.then(|| township.clone()),
            finding_id: None,
            photos: vec![],
            contact,
        };
        match plan.channel {
            // A grid worker's case opens with their finding, pushed from the device.
            Channel::Grid => step!(self.report_by_finding(&mut run, plan, &new)),
            _ => step!(self.act(&mut run, &reporter, Action::Report(new), plan.at)),
        }
        self.report.cases += 1;
        let earlier = self.last_in_grid.insert(plan.grid.clone(), id.clone());
        let done = self.drive(
            &mut run,
            plan,
            earlier,
            &worker,
            &community_op,
            &township_op,
        )?;
        if let Some(c) = &run.case {
            *self.report.states.entry(c.state).or_default() += 1;
            self.report.reworked += usize::from(c.reworks > 0);
            self.report.rated += usize::from(c.rating.is_some());
            self.report.supervised += usize::from(c.supervisions > 0);
        }
        Ok(done)
    }

    /// The case's life after its report, as far as `now` allows. True when it ran to the end.
    pub(super) fn drive(
        &mut self,
        run: &mut Run,
        plan: &CasePlan,
        earlier: Option<CaseId>,
        worker: &Actor,
        community_op: &Actor,
        township_op: &Actor,
    ) -> Result<bool> {
        let center = self.people.center.clone();
        let mut pending_at_township = plan.at_township;
        if !plan.at_township {
            let r: f64 = self.rng.gen();
            let t = self.work(run.at, 0.3, 4.0);
            if r < 0.03 {
                let note = Some("经核实反映情况不属实，不予立案".to_owned());
                return self.act(run, community_op, Action::RejectInvalid { note }, t);
            }
            // A repeat of the grid's last case, merged into it (or where it went) when the
            // community sees it: the workflow checks the case a merge names.
            let original = match earlier.filter(|_| r < 0.04) {
                Some(id) => self.tx.case(&id)?.and_then(|c| match c.duplicate_of {
                    Some(into) => self.tx.case(&into).ok().flatten(),
                    None => Some(c),
                }),
                None => None,
            };
            if let Some(o) = original.filter(|o| can_see(o, community_op, &self.reference.org)) {
                let note = Some("与本网格已受理案件重复，合并办理".to_owned());
                let merge = Action::MergeDuplicate {
                    duplicate_of: o.id,
                    note,
                };
                return self.act(run, community_op, merge, t);
            }
            if r < 0.64 {
                step!(self.act(run, community_op, Action::Claim { note: None }, t));
                if self.chance(0.55) {
                    let t = self.work(run.at, 2.0, 16.0);
                    let resolve = Action::Resolve {
                        note: Some("社区已组织人员现场处置".into()),
                        photos: vec![],
                    };
                    step!(self.act(run, community_op, resolve, t));
                    return self.finish(run, plan, community_op, worker, community_op);
                }
                let t = self.work(run.at, 0.5, 6.0);
                let note = Some("超出社区处置权限，申请街道协调".to_owned());
                step!(self.act(run, community_op, Action::Escalate { note }, t));
                pending_at_township = true;
            } else if r < 0.94 {
                // 提级办理: the township takes the case up straight from the community.
                let t = self.work(run.at, 0.5, 6.0);
                let note = Some("街道提级办理".to_owned());
                step!(self.act(run, township_op, Action::Claim { note }, t));
            } else {
                let note = Some("需街道统筹协调".to_owned());
                step!(self.act(run, community_op, Action::Escalate { note }, t));
                pending_at_township = true;
            }
        }
        if pending_at_township {
            let t = self.work(run.at, 0.2, 3.0);
            step!(self.act(run, township_op, Action::Claim { note: None }, t));
        }
        let r: f64 = self.rng.gen();
        let dispatcher = if r < 0.10 {
            let t = self.work(run.at, 0.5, 4.0);
            let note = Some("涉及多部门，提请市指挥中心协调".to_owned());
            step!(self.act(run, township_op, Action::Escalate { note }, t));
            let t = self.work(run.at, 0.2, 2.0);
            step!(self.act(run, &center, Action::Claim { note: None }, t));
            center.clone()
        } else if r < 0.15 {
            let t = self.work(run.at, 2.0, 16.0);
            let resolve = Action::Resolve {
                note: Some("街道组织力量处置完毕".into()),
                photos: vec![],
            };
            step!(self.act(run, township_op, resolve, t));
            return self.finish(run, plan, township_op, worker, community_op);
        } else {
            township_op.clone()
        };
        let t = self.work(run.at, 0.2, 3.0);
        let dispatch = Action::Dispatch {
            deadline: None,
            department: None,
            note: None,
        };
        step!(self.act(run, &dispatcher, dispatch, t));
        if self.chance(0.03) {
            let dept = Self::case(run)?.department.clone();
            if let Some(dept) = dept {
                let handler = self.people.department(&dept)?;
                let t = self.work(run.at, 0.5, 4.0);
                let note = Some("经核实不属于本部门职责范围，请重新分派".to_owned());
                step!(self.act(run, &handler, Action::Return { note }, t));
                let others: Vec<DepartmentId> = self
                    .reference
                    .org
                    .departments()
                    .map(|d| d.id.clone())
                    .filter(|d| *d != dept)
                    .collect();
                let other = others.choose(&mut self.rng).cloned();
                let t = self.work(run.at, 0.5, 3.0);
                let dispatch = Action::Dispatch {
                    deadline: None,
                    department: other,
                    note: Some("重新分派至责任部门".into()),
                };
                step!(self.act(run, &dispatcher, dispatch, t));
            }
        }
        step!(self.department_work(run, &dispatcher, plan.stuck));
        self.finish(run, plan, &dispatcher, worker, community_op)
    }
}
