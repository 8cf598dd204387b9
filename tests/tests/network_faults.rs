//! Broken network through the fault proxy (issue 4, third acceptance item): `yiwang-sim` runs
//! for three devices through a [`FaultProxy`] in front of the kit's [`TestServer`] on
//! `127.0.0.1:0` (on the wall clock: the simulator stamps real times), under a seeded chaos plan
//! that cuts connections at random bytes in both directions, resets them and stalls them
//! briefly. The simulator runs several times over the same `--data-dir` (each run resumes,
//! asking for one more finding, and may exit non-zero while faults bite); then the proxy passes
//! bytes untouched and a clean `--sync-only` run finishes. The ledger then holds exactly the
//! findings, photos and patrols the devices recorded: none missing, none twice
//! ([`LedgerView::assert_holds_exactly`](yiwang_tests::kit::LedgerView::assert_holds_exactly)).

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use yiwang_tests::fault_proxy::{FaultPlan, FaultProxy};
use yiwang_tests::kit::{sim, TestServer};

const DEVICES: usize = 3;
/// Runs of the simulator through the faulty proxy.
const FAULTY_RUNS: usize = 6;
/// Findings asked of each device in the first run; every later run asks for one more, so each
/// resumed run has new field work to push and photos to upload through the broken link.
const FIRST_FINDINGS: usize = 5;
/// Clean `--sync-only` runs allowed once the link is good again.
const CLEAN_TRIES: usize = 3;
const SEED: u64 = 23;
/// A simulator run that outlives this is killed (a stall is at most 300 ms, so a run that hangs
/// this long is a hang, and the next run resumes after it anyway).
const RUN_LIMIT: Duration = Duration::from_secs(20);

/// A bad link under `seed`: cuts and resets at random bytes in both directions, short stalls,
/// a few slow connections.
fn bad_network(seed: u64) -> FaultPlan {
    FaultPlan {
        cut: 0.3,
        reset: 0.2,
        stall: 0.2,
        client_to_server: 0.5,
        after_bytes: 0..=8 * 1024,
        stall_for: Duration::from_millis(20)..=Duration::from_millis(300),
        slow: 0.1,
        chunk_delay: Duration::from_millis(1)..=Duration::from_millis(5),
        chunk_size: 4 * 1024,
        ..FaultPlan::chaos(seed)
    }
}

/// The simulator against `server`, its output piped.
fn piped_sim(server: &str, data_dir: &Path, findings: usize, extra: &[&str]) -> Command {
    let mut cmd = sim::command(server, data_dir, DEVICES, findings, SEED, extra);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd
}

/// Runs `cmd` to its end, killing it after `RUN_LIMIT`; its output, and whether it was killed.
async fn run(mut cmd: Command) -> (Output, bool) {
    tokio::task::spawn_blocking(move || {
        let mut child = cmd.spawn().expect("the simulator starts");
        // Drain the pipes on their own threads so a chatty run cannot block on a full pipe.
        let mut out = child.stdout.take().expect("piped stdout");
        let mut err = child.stderr.take().expect("piped stderr");
        let out = std::thread::spawn(move || {
            let mut buf = vec![];
            std::io::Read::read_to_end(&mut out, &mut buf).map(|_| buf)
        });
        let err = std::thread::spawn(move || {
            let mut buf = vec![];
            std::io::Read::read_to_end(&mut err, &mut buf).map(|_| buf)
        });
        let deadline = Instant::now() + RUN_LIMIT;
        let mut killed = false;
        let status = loop {
            if let Some(status) = child.try_wait().expect("the simulator's status") {
                break status;
            }
            if Instant::now() >= deadline {
                child.kill().expect("SIGKILL reaches the simulator");
                killed = true;
                break child.wait().expect("the simulator is reaped");
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let stdout = out.join().expect("stdout reader").unwrap_or_default();
        let stderr = err.join().expect("stderr reader").unwrap_or_default();
        (
            Output {
                status,
                stdout,
                stderr,
            },
            killed,
        )
    })
    .await
    .expect("the simulator task")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faulty_network_delivers_every_record_exactly_once() {
    let started = Instant::now();
    let server = TestServer::start_wall_clock().await;
    let ledger = server.ledger();
    let addr: SocketAddr = server
        .base
        .trim_start_matches("http://")
        .parse()
        .expect("the server's address");
    let proxy = FaultProxy::start(addr, bad_network(SEED))
        .await
        .expect("the fault proxy starts");
    let data = tempfile::tempdir().expect("a temporary folder");
    let cases_before = ledger.case_count().await;

    let mut findings = FIRST_FINDINGS;
    let mut failed_runs = 0;
    for n in 0..FAULTY_RUNS {
        findings = FIRST_FINDINGS + n;
        let (out, killed) = run(piped_sim(&proxy.url(), data.path(), findings, &[])).await;
        let stdout = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() || killed {
            failed_runs += 1;
        }
        println!(
            "faulty run {n} (--findings {findings}): exit {:?}{} {}",
            out.status.code(),
            if killed { " (killed at the limit)" } else { "" },
            stdout.trim()
        );
    }
    let faulty = proxy.stats();
    println!("{failed_runs} of {FAULTY_RUNS} faulty runs failed; proxy under faults: {faulty:?}");
    assert!(
        faulty.cuts + faulty.resets + faulty.stalls > 0,
        "the proxy injected faults: {faulty:?}"
    );

    // The link is good again: a clean --sync-only run finishes, within a few tries.
    proxy.set_plan(FaultPlan::pass_through());
    let mut summary = serde_json::Value::Null;
    for attempt in 1..=CLEAN_TRIES {
        let (out, killed) = run(piped_sim(
            &proxy.url(),
            data.path(),
            findings,
            &["--sync-only"],
        ))
        .await;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let parsed: Option<serde_json::Value> = serde_json::from_str(stdout.trim()).ok();
        println!(
            "clean --sync-only run {attempt}: exit {:?}{} {}",
            out.status.code(),
            if killed { " (killed at the limit)" } else { "" },
            stdout.trim()
        );
        if let Some(parsed) = parsed {
            if out.status.success() && parsed["errors"] == 0 {
                summary = parsed;
                break;
            }
        }
        assert!(
            attempt < CLEAN_TRIES,
            "the clean --sync-only run finishes within {CLEAN_TRIES} tries: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    println!("final --sync-only run: {summary}");
    assert_eq!(summary["errors"], 0, "every device synced clean at the end");

    ledger
        .assert_holds_sim_run(data.path(), DEVICES, findings, cases_before, started)
        .await;
    let total = proxy.stats();
    println!(
        "proxy in all: {} connections, {} B up, {} B down, {} cuts, {} resets, {} stalls, {} slow",
        total.connections,
        total.bytes_client_to_server,
        total.bytes_server_to_client,
        total.cuts,
        total.resets,
        total.stalls,
        total.slow_connections
    );
}
