//! The desks' part of a simulated case once it is with a department: accepting, handling,
//! extensions and returns, and finishing it (verification, closure, ratings).

use super::driver::{CasePlan, Run, Sim};
use crate::storage::{Result, StorageError};
use rand::Rng;
use yiwang_core::case::{Action, CaseState, Channel, Rating, RatingSource};
use yiwang_core::org::Actor;

impl Sim<'_> {
    /// A department works a dispatched case: accepts it, maybe asks for more time, and reports
    /// it handled — on time mostly, late sometimes (and then it is urged, 督办).
    pub(super) fn department_work(
        &mut self,
        run: &mut Run,
        dispatcher: &Actor,
        stuck: bool,
    ) -> Result<bool> {
        let case = Self::case(run)?;
        let (Some(dept), Some(deadline)) = (case.department.clone(), case.deadline) else {
            return Err(StorageError::Invalid(format!(
                "case {} was dispatched without a department or deadline",
                run.id
            )));
        };
        let handler = self.people.department(&dept)?;
        let t = self.between(run.at, deadline, 0.02, 0.12);
        step!(self.act(run, &handler, Action::Accept { note: None }, t));
        if stuck {
            // Left lying at the department: urged by the dispatcher, then by the leader.
            let t = self.work(deadline, 2.0, 8.0);
            let note = Some("已超期，请立即办理并反馈".to_owned());
            step!(self.act(run, dispatcher, Action::Supervise { note }, t));
            let t = self.work(run.at, 18.0, 45.0);
            let note = Some("超期未办结，请主要负责同志督办".to_owned());
            let leader = self.people.leader.clone();
            step!(self.act(run, &leader, Action::Supervise { note }, t));
            return Ok(false);
        }
        let mut refused = false;
        if self.chance(0.06) {
            let t = self.between(run.at, deadline, 0.05, 0.4);
            let until = self.work(deadline, 9.0, 36.0);
            let request = Action::RequestExtension {
                until,
                note: Some("需协调多个单位，申请延期办理".into()),
            };
            step!(self.act(run, &handler, request, t));
            let t = self.work(run.at, 0.5, 4.0);
            let answer = if self.chance(0.75) {
                Action::ExtendDeadline {
                    until: None,
                    note: Some("同意延期".into()),
                }
            } else {
                refused = true;
                Action::RefuseExtension {
                    note: Some("请按原时限办结".into()),
                }
            };
            step!(self.act(run, dispatcher, answer, t));
        }
        let deadline = Self::case(run)?.deadline.unwrap_or(deadline);
        let late = self.chance(if refused { 0.4 } else { 0.08 });
        let handled_at = if late {
            let t = self.work(deadline, 0.5, 16.0);
            // Urged once it is overdue, before the department finally reports back.
            let urge = self.between(deadline, t, 0.1, 0.6);
            let who = if self.chance(0.7) {
                dispatcher.clone()
            } else {
                self.people.leader.clone()
            };
            let note = Some("案件已超期，请加快办理".to_owned());
            step!(self.act(run, &who, Action::Supervise { note }, urge));
            t
        } else {
            self.between(run.at, deadline, 0.3, 0.95)
        };
        let handled = Action::ReportHandled {
            note: Some("已安排人员现场处置完毕".into()),
            photos: vec![],
        };
        self.act(run, &handler, handled, handled_at)
    }

    /// From handled to closed: the dispatcher asks the grid worker to check on site (or closes
    /// it directly); a failed check sends the case back once (返工); then the reporter is asked
    /// how it went (回访).
    pub(super) fn finish(
        &mut self,
        run: &mut Run,
        plan: &CasePlan,
        dispatcher: &Actor,
        worker: &Actor,
        community_op: &Actor,
    ) -> Result<bool> {
        let mut reworked = false;
        loop {
            if self.chance(0.85) {
                let t = self.work(run.at, 0.5, 6.0);
                step!(self.act(run, dispatcher, Action::AssignVerify { note: None }, t));
                let t = self.work(run.at, 1.0, 16.0);
                if !reworked && self.chance(0.05) {
                    reworked = true;
                    let fail = Action::VerifyFail {
                        note: Some("现场核查问题仍未解决，需返工".into()),
                        photos: vec![],
                    };
                    step!(self.act(run, worker, fail, t));
                    if Self::case(run)?.state == CaseState::Dispatched {
                        step!(self.department_work(run, dispatcher, false));
                    } else {
                        let t = self.work(run.at, 2.0, 16.0);
                        let resolve = Action::Resolve {
                            note: Some("已重新组织整改".into()),
                            photos: vec![],
                        };
                        step!(self.act(run, dispatcher, resolve, t));
                    }
                    continue;
                }
                let pass = Action::VerifyPass {
                    note: Some("现场核查已整改到位".into()),
                    photos: vec![],
                };
                step!(self.act(run, worker, pass, t));
            } else {
                let t = self.work(run.at, 0.5, 4.0);
                let close = Action::Close {
                    outcome: None,
                    note: Some("处置完毕，予以结案".into()),
                };
                step!(self.act(run, dispatcher, close, t));
            }
            break;
        }
        if self.chance(0.7) {
            // 回访: hotline callers are called back by the centre; grid cases by the community
            // (never by the operator who registered the case). The answer is the resident's.
            let rater = match plan.channel {
                Channel::Grid => community_op.clone(),
                _ => self.people.center.clone(),
            };
            let r: f64 = self.rng.gen();
            let rating = if r < 0.76 {
                Rating::Satisfied
            } else if r < 0.95 {
                Rating::BasicallySatisfied
            } else {
                Rating::Dissatisfied
            };
            let t = self.work(run.at, 1.0, 24.0);
            let rate = Action::Rate {
                rating,
                source: RatingSource::Resident,
                note: None,
            };
            step!(self.act(run, &rater, rate, t));
        }
        Ok(true)
    }
}
