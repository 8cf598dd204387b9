//! Issue 4, acceptance item 4: a seeded property test over many schedules. Two grid workers'
//! devices (grids of the same community) record findings and queue case actions offline, and
//! the community supervisor acts over the API, in random interleavings — often on stale
//! versions on purpose. After everyone syncs, every device's pulled view of every case equals
//! the server's, every op a device queued is accounted for (applied, or rejected with a code
//! and listed as rejected on the device), and every chain on the server verifies. Each schedule
//! runs on a fresh kit [`TestServer`] on its fixed clock at `t0`.

use std::collections::{BTreeMap, BTreeSet};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use yiwang_client::store::{CaseFilter, OutboxState};
use yiwang_core::case::{Action, CaseState};
use yiwang_core::field::{Disposition, FindingDraft};
use yiwang_core::ids::{CaseId, OpId};
use yiwang_core::sync::CaseActionData;
use yiwang_server::storage::sync::OpFate;
use yiwang_tests::kit::{LedgerView, TestDevice, TestServer};

const SCHEDULES: u64 = 20;
const STEPS: usize = 30;

/// The supervisor's `POST /api/v1/cases/{id}/actions` on `version`: the HTTP status.
async fn supervisor_act(
    server: &TestServer,
    token: &str,
    id: &CaseId,
    version: u64,
    action: &str,
) -> u16 {
    let body = json!({
        "base_version": version,
        "action": action,
        "note": format!("supervisor: {action}"),
    });
    let path = format!("/api/v1/cases/{}/actions", id.as_str());
    server.post(token, &path, &body).await.status().as_u16()
}

async fn case_ids(ledger: &LedgerView) -> Vec<CaseId> {
    ledger
        .ledger
        .read(|tx| tx.case_ids())
        .await
        .expect("the ledger reads")
}

/// The server's fate of an op: `Some((applied, code))`, or `None` if it never arrived.
async fn op_fate(ledger: &LedgerView, id: &OpId) -> Option<(bool, Option<String>)> {
    let id = id.clone();
    ledger
        .ledger
        .read(move |tx| tx.op(&id))
        .await
        .expect("the ledger reads")
        .map(|r| {
            (
                r.fate == OpFate::Applied,
                r.code.map(|c| c.as_str().to_owned()),
            )
        })
}

/// A worker's device (the kit's), and every op queued on it: (op, the record it is about).
struct Device {
    name: &'static str,
    device: TestDevice,
    ops: Vec<(OpId, String)>,
}

impl Device {
    async fn sign_in(server_url: &str, name: &'static str) -> Device {
        Device {
            name,
            device: TestDevice::sign_in(server_url, name).await,
            ops: vec![],
        }
    }

    fn report(&mut self, n: usize) {
        let finding = self
            .device
            .store
            .create_finding(FindingDraft {
                description: format!("井盖缺失 #{n}"),
                ..self.device.draft(Disposition::Report, vec![])
            })
            .expect("the finding is recorded offline");
        let id = finding.id.as_str().to_owned();
        for entry in self
            .device
            .store
            .outbox_for(&id)
            .expect("the finding's ops")
        {
            self.ops.push((entry.op.op_id, id.clone()));
        }
    }

    async fn sync(&self) {
        self.device.agent.sync_once().await.unwrap_or_else(|e| {
            panic!("{} syncs: {e:?}", self.name);
        });
    }

    fn queue(&mut self, case_id: &CaseId, base_version: u64, action: Action) {
        let op = self
            .device
            .store
            .queue_case_action(
                case_id,
                &CaseActionData {
                    base_version,
                    action,
                },
            )
            .expect("the case action is queued offline");
        self.ops.push((op, case_id.as_str().to_owned()));
    }
}

#[derive(Default)]
struct Totals {
    cases: usize,
    applied: usize,
    rejected: usize,
    supervisor_ok: usize,
    supervisor_refused: usize,
}

async fn schedule(seed: u64, totals: &mut Totals) {
    let mut rng = StdRng::seed_from_u64(seed);
    let server = TestServer::start().await;
    let ledger = server.ledger();
    let mut devices = vec![
        Device::sign_in(&server.base, "worker-0001").await,
        Device::sign_in(&server.base, "worker-0002").await,
    ];
    assert_ne!(devices[0].device.grid, devices[1].device.grid, "two grids");
    let supervisor = server.login("community-001").await;
    // The version the supervisor last got for each case.
    let mut seen: BTreeMap<CaseId, u64> = BTreeMap::new();

    for step in 0..STEPS {
        let d = rng.gen_range(0..devices.len());
        match rng.gen_range(0..10) {
            0..=2 => devices[d].report(step),
            3..=4 => devices[d].sync().await,
            5..=7 => {
                let ids = case_ids(&ledger).await;
                if ids.is_empty() {
                    continue;
                }
                let id = ids[rng.gen_range(0..ids.len())].clone();
                let version = match seen.get(&id) {
                    Some(&v) if rng.gen_bool(0.3) => v,
                    _ => {
                        let detail = server.case_detail(&supervisor, id.as_str()).await;
                        let v = detail["case"]["version"]
                            .as_u64()
                            .unwrap_or_else(|| panic!("the case shows its version: {detail}"));
                        seen.insert(id.clone(), v);
                        v
                    }
                };
                let action = [
                    "claim",
                    "resolve",
                    "assign_verify",
                    "reject_invalid",
                    "comment",
                ][rng.gen_range(0..5)];
                let status = supervisor_act(&server, &supervisor, &id, version, action).await;
                assert!(
                    status < 500,
                    "seed {seed}: the supervisor's {action} is answered, not failed: {status}"
                );
                if status == 200 {
                    totals.supervisor_ok += 1;
                    seen.insert(id, version + 1);
                } else {
                    totals.supervisor_refused += 1;
                }
            }
            _ => {
                let cases = devices[d]
                    .device
                    .store
                    .cases(&CaseFilter::default())
                    .expect("the pulled cases");
                if cases.is_empty() {
                    continue;
                }
                let case = cases[rng.gen_range(0..cases.len())].clone();
                let version = if rng.gen_bool(0.2) {
                    case.version.saturating_sub(1)
                } else {
                    case.version
                };
                let note = Some(format!("{} step {step}", devices[d].name));
                let action = if case.state == CaseState::Verifying
                    && case.grid_id.as_ref() == Some(&devices[d].device.grid)
                {
                    if rng.gen_bool(0.5) {
                        Action::VerifyPass {
                            note,
                            photos: vec![],
                        }
                    } else {
                        Action::VerifyFail {
                            note,
                            photos: vec![],
                        }
                    }
                } else if rng.gen_bool(0.3) {
                    // A worker who believes the case still waits for their check (the supervisor
                    // moved it since the pull): the server must refuse it, and say so.
                    Action::VerifyPass {
                        note,
                        photos: vec![],
                    }
                } else {
                    Action::Comment {
                        note,
                        photos: vec![],
                    }
                };
                devices[d].queue(&case.id, version, action);
            }
        }
    }

    // Everyone syncs, twice.
    for _ in 0..2 {
        for device in &devices {
            device.sync().await;
        }
    }

    let server_ids = case_ids(&ledger).await;
    totals.cases += server_ids.len();
    let mut server_cases = BTreeMap::new();
    for id in &server_ids {
        let case = ledger.case(id).await.expect("the case is in the ledger");
        let events = ledger.case_events(id).await;
        yiwang_core::ledger::verify_chain(id, &events, Some((case.version, &case.head_hash)))
            .unwrap_or_else(|e| panic!("seed {seed}: the chain of {id:?} verifies: {e:?}"));
        server_cases.insert(id.clone(), case);
    }

    for d in &devices {
        let (name, device) = (d.name, &d.device);
        // (1) The device's pulled view equals the server's, for its grid.
        let held: BTreeMap<CaseId, yiwang_core::case::Case> = device
            .store
            .cases(&CaseFilter::default())
            .expect("the pulled cases")
            .into_iter()
            .map(|c| (c.id.clone(), c))
            .collect();
        let expected: BTreeSet<&CaseId> = server_cases
            .values()
            .filter(|c| c.grid_id.as_ref() == Some(&device.grid))
            .map(|c| &c.id)
            .collect();
        let got: BTreeSet<&CaseId> = held.keys().collect();
        assert_eq!(
            got, expected,
            "seed {seed}: {name} holds exactly its grid's cases"
        );
        for (id, mine) in &held {
            let theirs = &server_cases[id];
            assert_eq!(
                (mine.version, mine.state, &mine.head_hash),
                (theirs.version, theirs.state, &theirs.head_hash),
                "seed {seed}: {name}'s view of {id:?} equals the server's"
            );
        }

        // (2) Every op is accounted for.
        let counts = device.store.outbox_counts().expect("the outbox counts");
        assert_eq!(counts.waiting, 0, "seed {seed}: nothing waits on {name}");
        let mut rejected_here = BTreeSet::new();
        for (op_id, entity) in &d.ops {
            let entry = device
                .store
                .outbox_for(entity)
                .expect("the ops about the record")
                .into_iter()
                .find(|e| &e.op.op_id == op_id)
                .unwrap_or_else(|| panic!("seed {seed}: {name} still knows op {op_id:?}"));
            let (applied, code) = op_fate(&ledger, op_id)
                .await
                .unwrap_or_else(|| panic!("seed {seed}: {name}'s op {op_id:?} reached the server"));
            if applied {
                assert_eq!(
                    entry.state,
                    OutboxState::Sent,
                    "seed {seed}: {name}'s applied op {op_id:?} is marked sent"
                );
                totals.applied += 1;
            } else {
                assert!(
                    code.is_some(),
                    "seed {seed}: {name}'s rejected op {op_id:?} carries a code"
                );
                assert_eq!(
                    (entry.state, &entry.code),
                    (OutboxState::Rejected, &code),
                    "seed {seed}: {name}'s rejected op {op_id:?} shows the server's code"
                );
                rejected_here.insert(op_id.clone());
                totals.rejected += 1;
            }
        }
        let listed: BTreeSet<OpId> = device
            .store
            .outbox_rejected()
            .expect("the rejected ops")
            .into_iter()
            .map(|e| e.op.op_id)
            .collect();
        assert_eq!(
            listed, rejected_here,
            "seed {seed}: {name} lists exactly its rejected ops"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_and_a_supervisor_converge_over_many_seeded_schedules() {
    let mut totals = Totals::default();
    for seed in 1..=SCHEDULES {
        schedule(seed, &mut totals).await;
    }
    println!(
        "{SCHEDULES} schedules: {} cases, {} ops applied, {} ops rejected, supervisor {} ok / {} refused",
        totals.cases, totals.applied, totals.rejected, totals.supervisor_ok, totals.supervisor_refused
    );
    assert!(totals.cases > 0, "the schedules made cases");
    assert!(
        totals.rejected > 0,
        "some offline decisions were refused, so the accounting of rejected ops was exercised"
    );
}
