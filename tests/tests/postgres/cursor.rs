//! The pull cursor with many writers: three server processes on one PostgreSQL ledger, pushers
//! on every process at once, pullers polling without pause through all three.
//!
//! A cursor is a seq; a puller asks for `seq > cursor`. If seqs could become visible out of
//! order (process A takes seq 10, process B takes 11 and commits first), a puller would move
//! past 10 before it appeared and never see it. The ledger's write lock prevents that
//! (`storage/postgres`). The test proves it from outside:
//!
//! - no puller ever receives a change at or below a cursor it already held;
//! - every puller ends with every finding of its jurisdiction exactly once: what it gathered
//!   page by page equals what a fresh pull from the beginning returns, and the county centre's
//!   holds every finding any pusher had acknowledged.
//!
//! The pushers run for 60 s (the full run, which `make test` runs);
//! `YIWANG_CURSOR_SECONDS` shortens it for a quick look.

use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};
use yiwang_core::sync::{Entity, PullResponse, PushResponse};
use yiwang_server::seed::{seed_county, small_plan};
use yiwang_server::storage::Ledger;
use yiwang_tests::kit::{demo_hash, ledger_rows, ops, Backend, ServerProcess, PASSWORD};

const PROCESSES: usize = 3;
const PUSHERS: usize = 30;
const PULLERS: &[&str] = &[
    "center",
    "leader",
    "township-01",
    "township-02",
    "community-001",
    "community-002",
    "worker-0001",
    "worker-0002",
    "worker-0003",
    "worker-0004",
];

fn seconds() -> u64 {
    std::env::var("YIWANG_CURSOR_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60)
}

fn seq_of(cursor: &str) -> i64 {
    if cursor.is_empty() {
        return 0;
    }
    cursor
        .rsplit('.')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a cursor ends in its seq: {cursor}"))
}

async fn login(http: &reqwest::Client, base: &str, user: &str, device: &str) -> String {
    let r = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": user, "password": PASSWORD,
                      "device_id": device, "device_name": "cursor test"}))
        .send()
        .await
        .expect("the server answers the login");
    assert_eq!(r.status(), 200, "{user} signs in");
    let body: Value = r.json().await.unwrap();
    body["token"].as_str().unwrap().to_owned()
}

async fn pull(http: &reqwest::Client, base: &str, token: &str, cursor: &str) -> PullResponse {
    let r = http
        .get(format!("{base}/api/v1/sync/pull?cursor={cursor}&limit=200"))
        .bearer_auth(token)
        .send()
        .await
        .expect("the server answers the pull");
    assert_eq!(r.status(), 200, "a pull is answered");
    r.json().await.expect("a PullResponse")
}

/// What one puller gathered page by page.
#[derive(Default)]
struct Gathered {
    findings: BTreeMap<String, usize>,
    pulls: u64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pullers_miss_nothing_while_three_processes_write() {
    let Some(backend) = Backend::postgres_from_env() else {
        eprintln!("cursor: needs YIWANG_TEST_DATABASE=postgres://… (make test-pg)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = backend.ledger_url(dir.path());
    {
        let ledger = Ledger::open(&url).expect("a fresh ledger opens");
        let now = chrono::Utc::now() - chrono::Duration::days(1);
        ledger
            .write_blocking(move |tx| seed_county(tx, &small_plan(), demo_hash(), false, now))
            .expect("the small county seeds");
    }
    let grids_of: BTreeMap<String, String> = ledger_rows(
        &url,
        "SELECT user_id, grid_id FROM user_grids ORDER BY grid_id",
    )
    .into_iter()
    .map(|r| (r[0].clone().unwrap(), r[1].clone().unwrap()))
    .collect();
    let workers: Vec<(String, String)> = grids_of.into_iter().collect();
    assert!(workers.len() >= 4, "the small county has grid workers");

    // Three processes, each with its own data folder and the one ledger.
    let mut servers = vec![];
    let mut folders = vec![];
    for _ in 0..PROCESSES {
        let folder = tempfile::tempdir().unwrap();
        let mut s = ServerProcess::new(folder.path());
        s.args = vec!["--database".into(), url.clone()];
        s.start().await;
        servers.push(s);
        folders.push(folder);
    }
    let bases: Arc<Vec<String>> = Arc::new(servers.iter().map(|s| s.base()).collect());
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(seconds());

    // Pushers: each a device of a grid worker, on process i % 3, pushing 1–3 findings a time.
    let mut pushers = vec![];
    for i in 0..PUSHERS {
        let (worker, grid) = workers[i % workers.len()].clone();
        let base = bases[i % PROCESSES].clone();
        let http = http.clone();
        pushers.push(tokio::spawn(async move {
            let device = format!("pusher-{i:02}");
            let token = login(&http, &base, &worker, &device).await;
            let mut acknowledged = vec![];
            let mut n = 0u64;
            while Instant::now() < until {
                let ops: Vec<Value> = (0..1 + n % 3)
                    .map(|_| {
                        let id = uuid::Uuid::now_v7().to_string();
                        let mut data = ops::finding_data(&grid, "note", None);
                        data["observed_at"] = json!(chrono::Utc::now());
                        data["description"] = json!(format!("cursor test {i} {n}"));
                        json!({"op_id": uuid::Uuid::now_v7().to_string(),
                               "type": "finding.create", "entity_id": id,
                               "at": chrono::Utc::now(), "data": data})
                    })
                    .collect();
                n += 1;
                let r = http
                    .post(format!("{base}/api/v1/sync/push"))
                    .bearer_auth(&token)
                    .json(&json!({"device_id": device, "ops": ops}))
                    .send()
                    .await
                    .expect("the server answers the push");
                assert_eq!(r.status(), 200, "a push is answered");
                let r: PushResponse = r.json().await.unwrap();
                for (op, res) in ops.iter().zip(&r.results) {
                    let status = serde_json::to_value(res.status).unwrap();
                    assert_eq!(status, "applied", "a fresh finding applies: {res:?}");
                    acknowledged.push(op["entity_id"].as_str().unwrap().to_owned());
                }
            }
            acknowledged
        }));
    }

    // Pullers: poll without pause, each pull through the next process, until the pushers have
    // all been answered and a pull finds nothing more.
    let pushed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut pullers = vec![];
    for (j, user) in PULLERS.iter().enumerate() {
        let bases = bases.clone();
        let http = http.clone();
        let user = user.to_string();
        let pushed = pushed.clone();
        pullers.push(tokio::spawn(async move {
            let token = login(&http, &bases[j % PROCESSES], &user, &format!("puller-{j}")).await;
            let mut cursor = String::new();
            let mut got = Gathered::default();
            let mut k = j;
            // Poll while the pushers run, then until a pull finds nothing more.
            loop {
                let pushing = !pushed.load(std::sync::atomic::Ordering::SeqCst);
                let base = &bases[k % PROCESSES];
                k += 1;
                let page = pull(&http, base, &token, &cursor).await;
                got.pulls += 1;
                let passed = seq_of(&cursor);
                for c in &page.changes {
                    assert!(
                        c.seq > passed,
                        "{user} received seq {} after it had passed cursor {passed}",
                        c.seq
                    );
                    if c.entity == Entity::Finding {
                        *got.findings.entry(c.id.clone()).or_default() += 1;
                    }
                }
                assert!(
                    seq_of(&page.cursor) >= passed,
                    "{user}'s cursor never moves back"
                );
                cursor = page.cursor;
                if !pushing && page.changes.is_empty() && !page.has_more {
                    break;
                }
            }
            (user, token, got)
        }));
    }

    let mut acknowledged = BTreeSet::new();
    for p in pushers {
        acknowledged.extend(p.await.expect("a pusher ends"));
    }
    pushed.store(true, std::sync::atomic::Ordering::SeqCst);
    assert!(
        acknowledged.len() > 100,
        "the pushers wrote a good number of findings: {}",
        acknowledged.len()
    );

    let mut pulls = 0;
    for p in pullers {
        let (user, token, got) = p.await.expect("a puller ends");
        pulls += got.pulls;
        let twice: Vec<_> = got.findings.iter().filter(|(_, n)| **n > 1).collect();
        assert!(
            twice.is_empty(),
            "{user} received findings more than once: {twice:?}"
        );
        // The truth of this user's jurisdiction: a fresh pull from the beginning.
        let mut truth = BTreeSet::new();
        let mut cursor = String::new();
        loop {
            let page = pull(&http, &bases[0], &token, &cursor).await;
            for c in &page.changes {
                if c.entity == Entity::Finding {
                    truth.insert(c.id.clone());
                }
            }
            cursor = page.cursor;
            if !page.has_more {
                break;
            }
        }
        let gathered: BTreeSet<String> = got.findings.keys().cloned().collect();
        let missed: Vec<_> = truth.difference(&gathered).collect();
        assert!(
            missed.is_empty(),
            "{user} polled past {} findings it never received: {:?}",
            missed.len(),
            missed.iter().take(5).collect::<Vec<_>>()
        );
        assert_eq!(gathered, truth, "{user} gathered exactly its jurisdiction");
        if user == "center" {
            let lost: Vec<_> = acknowledged.difference(&truth).collect();
            assert!(
                lost.is_empty(),
                "the centre sees every acknowledged finding; missing {}",
                lost.len()
            );
        }
    }
    eprintln!(
        "cursor: {} processes, {PUSHERS} pushers, {} pullers, {} s: {} findings acknowledged, \
         {pulls} pulls, none missed or repeated",
        PROCESSES,
        PULLERS.len(),
        seconds(),
        acknowledged.len()
    );
    for mut s in servers {
        s.stop().await;
    }
}
