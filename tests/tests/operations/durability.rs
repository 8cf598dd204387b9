//! Durability of an acknowledged push: the real `yiwang-server` binary is killed with SIGKILL
//! the instant the first acknowledgement of a round arrives, while other pushes are still in
//! flight; after each kill every acknowledged op is in the ledger, every push is there whole or
//! not at all, and every case's hash chain verifies. Then the server restarts on the same data
//! folder and the next round begins. The server is the kit's
//! [`ServerProcess`](yiwang_tests::kit::ServerProcess), restarted on the same port after each
//! kill.
//!
//! What makes it hold: the ledger runs SQLite in WAL mode with `synchronous=FULL`, so a commit
//! has reached the disk before it returns, and a push is one transaction, so it is acknowledged
//! only after its one commit.

use serde_json::{json, Value};
use yiwang_core::ids::{CaseId, FindingId, OpId};
use yiwang_core::ledger::verify_chain;
use yiwang_core::sync::{OpStatus, PushResponse};
use yiwang_server::seed::{seed_county, small_plan};
use yiwang_server::storage::sync::OpFate;
use yiwang_server::storage::Ledger;
use yiwang_tests::kit::{demo_hash, verify_ledger, Backend, ServerProcess};

const ROUNDS: usize = 5;
const PUSHERS: usize = 3;
const REPORTS_PER_BATCH: usize = 5;
const GRID: &str = "210882001001-01";
const DEVICE: &str = "durability-phone";

/// The ledger on the run's backend (`YIWANG_TEST_DATABASE`).
fn ledger_url(dir: &std::path::Path) -> String {
    Backend::from_env().ledger_url(dir)
}

/// The small county, with real (not demo) users: `serve` refuses demo passwords.
fn seed(dir: &std::path::Path) {
    let ledger = Ledger::open(&ledger_url(dir)).expect("a fresh ledger opens");
    ledger
        .write_blocking(move |tx| {
            seed_county(tx, &small_plan(), demo_hash(), false, chrono::Utc::now())
        })
        .expect("the small county seeds");
}

async fn login(base: &str) -> String {
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "worker-0001", "password": "demo",
                      "device_id": DEVICE, "device_name": "durability"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        200,
        "worker-0001 signs in (a real, non-demo user)"
    );
    let body: Value = r.json().await.unwrap();
    body["token"].as_str().unwrap().to_owned()
}

fn id() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn op(kind: &str, entity: &str, data: Value) -> Value {
    json!({"op_id": id(), "type": kind, "entity_id": entity, "at": chrono::Utc::now(), "data": data})
}

/// One push: a patrol with its track, reports that each open a case and annotate it twice (so
/// chains are longer than one event), and the patrol's end.
struct Batch {
    ops: Vec<Value>,
    findings: Vec<FindingId>,
    cases: Vec<CaseId>,
}

fn batch() -> Batch {
    let now = chrono::Utc::now();
    let patrol = id();
    let mut ops = vec![
        op(
            "patrol.start",
            &patrol,
            json!({"grid_id": GRID, "started_at": now}),
        ),
        op(
            "patrol.track",
            &patrol,
            json!({"points": (0..20).map(|i| json!({"t": now, "lat": 40.612 + 0.0001 * f64::from(i),
                                                     "lon": 122.503, "accuracy_m": 5.0}))
                                     .collect::<Vec<_>>()}),
        ),
    ];
    let (mut findings, mut cases) = (vec![], vec![]);
    for _ in 0..REPORTS_PER_BATCH {
        let (f, c) = (id(), id());
        ops.push(op(
            "finding.create",
            &f,
            json!({"grid_id": GRID, "patrol_id": patrol, "category_code": "01.01",
                   "description": "井盖缺失", "lat": 40.615, "lon": 122.504, "accuracy_m": 6.0,
                   "observed_at": now, "disposition": "report", "photos": [], "case_id": c}),
        ));
        for v in 1..=2 {
            ops.push(op(
                "case.action",
                &c,
                json!({"action": "comment", "base_version": v, "note": format!("补充说明{v}")}),
            ));
        }
        findings.push(f.into());
        cases.push(c.into());
    }
    ops.push(op("patrol.end", &patrol, json!({"ended_at": now})));
    Batch {
        ops,
        findings,
        cases,
    }
}

fn op_ids(b: &Batch) -> Vec<OpId> {
    b.ops
        .iter()
        .map(|o| OpId::from(o["op_id"].as_str().unwrap()))
        .collect()
}

/// What the ledger on disk holds of `b`: how many of its ops are recorded as applied, and
/// whether its findings and cases are all there.
async fn on_disk(ledger: &Ledger, b: &Batch) -> (usize, usize, usize) {
    let (ops, findings, cases) = (op_ids(b), b.findings.clone(), b.cases.clone());
    ledger
        .read(move |tx| {
            let mut n = (0, 0, 0);
            for o in &ops {
                if tx.op(o)?.is_some_and(|r| r.fate == OpFate::Applied) {
                    n.0 += 1;
                }
            }
            for f in &findings {
                if tx.finding(f)?.is_some() {
                    n.1 += 1;
                }
            }
            for c in &cases {
                if tx.case(c)?.is_some_and(|c| c.version == 3) {
                    n.2 += 1;
                }
            }
            Ok(n)
        })
        .await
        .expect("the ledger reads after a crash")
}

/// Verifies every case's hash chain against the head its case row records; returns how many
/// cases there are.
async fn verify_all_chains(ledger: &Ledger) -> usize {
    ledger
        .read(|tx| {
            let ids = tx.case_ids()?;
            for id in &ids {
                let events = tx.case_events(id)?;
                let case = tx.case(id)?.expect("a listed case has a row");
                if let Err(e) = verify_chain(id, &events, Some((case.version, &case.head_hash))) {
                    panic!("case {id}'s chain does not verify after a kill -9: {e}");
                }
            }
            Ok(ids.len())
        })
        .await
        .expect("the ledger reads")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_ops_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    // `yiwang-server serve` on the data folder; after each kill it comes back on the same port.
    let mut server = ServerProcess::new(dir.path());
    server.args = vec!["--database".into(), ledger_url(dir.path())];
    server.start().await;
    let base = server.base();
    let token = login(&base).await;
    let http = reqwest::Client::new();
    let mut acked: Vec<Batch> = vec![];
    let mut cases_seen = 0;
    // (acknowledged, cut off but committed, cut off and absent), for the figures printed below.
    let mut tally = (0, 0, 0);
    for round in 0..ROUNDS {
        let batches: Vec<Batch> = (0..PUSHERS).map(|_| batch()).collect();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut pushers = vec![];
        for (i, b) in batches.iter().enumerate() {
            let (http, url, token, tx) = (
                http.clone(),
                format!("{base}/api/v1/sync/push"),
                token.clone(),
                tx.clone(),
            );
            let body = json!({"device_id": DEVICE, "ops": b.ops});
            pushers.push(tokio::spawn(async move {
                let r = http.post(url).bearer_auth(token).json(&body).send().await;
                let answer = match r {
                    Ok(r) if r.status() == 200 => r.json::<PushResponse>().await.ok(),
                    _ => None,
                };
                if answer.is_some() {
                    let _ = tx.send(i);
                }
                answer
            }));
        }
        drop(tx);
        // The instant the first acknowledgement is in, the server dies without warning.
        let first = rx.recv().await.expect("at least one push is acknowledged");
        server.kill9().await;
        let mut answers = vec![];
        for p in pushers {
            answers.push(p.await.expect("the pusher task ends"));
        }
        assert!(
            answers[first].is_some(),
            "the first acknowledged push has its answer"
        );

        let ledger =
            Ledger::open(&ledger_url(dir.path())).expect("the ledger reopens after kill -9");
        for (i, (b, answer)) in batches.into_iter().zip(answers).enumerate() {
            let (ops, findings, cases) = on_disk(&ledger, &b).await;
            match answer {
                Some(answer) => {
                    assert!(
                        answer.results.iter().all(|r| r.status == OpStatus::Applied),
                        "round {round}, push {i}: every op applies: {:?}",
                        answer.results
                    );
                    assert_eq!(
                        (ops, findings, cases),
                        (b.ops.len(), REPORTS_PER_BATCH, REPORTS_PER_BATCH),
                        "round {round}, push {i} was acknowledged: all of it survives the kill"
                    );
                    acked.push(b);
                    tally.0 += 1;
                }
                None if (ops, findings, cases) == (0, 0, 0) => tally.2 += 1,
                None => {
                    assert_eq!(
                        (ops, findings, cases),
                        (b.ops.len(), REPORTS_PER_BATCH, REPORTS_PER_BATCH),
                        "round {round}, push {i} was cut off: it is there whole or not at all"
                    );
                    // Committed, but the answer died with the server: the device resends it
                    // and is answered `duplicate`.
                    tally.1 += 1;
                }
            }
        }
        let n = verify_all_chains(&ledger).await;
        assert!(
            n >= cases_seen,
            "no case disappears across a kill ({n} now, {cases_seen} before)"
        );
        cases_seen = n;
        drop(ledger);
        server.start().await;
    }
    assert!(
        acked.len() >= ROUNDS,
        "every round acknowledged at least one push"
    );
    println!(
        "{ROUNDS} kills: {} pushes acknowledged and all present; {} cut off after their commit \
         (whole); {} cut off before it (absent); {cases_seen} case chains verified",
        tally.0, tally.1, tally.2
    );

    // The restarted server answers every acknowledged op from the ledger: a re-send is a
    // duplicate, not a second application.
    let again = http
        .post(format!("{base}/api/v1/sync/push"))
        .bearer_auth(&token)
        .json(&json!({"device_id": DEVICE, "ops": acked[0].ops}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200, "the token survives restarts too");
    let again: PushResponse = again.json().await.unwrap();
    assert!(
        again
            .results
            .iter()
            .all(|r| r.status == OpStatus::Duplicate),
        "an acknowledged op is recognised after the crash: {:?}",
        again.results
    );
    server.kill9().await;

    // The command operators run agrees.
    verify_ledger(
        dir.path(),
        &ledger_url(dir.path()),
        &format!("{ROUNDS} kills"),
    );
}
