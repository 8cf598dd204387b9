//! Crash the client (issue 4, first acceptance item): `yiwang-sim` runs for three devices and is
//! killed with SIGKILL at seeded random moments, 30 times in a row over the same `--data-dir`,
//! each run asking for two more findings so that every run has field work and sync to do when
//! the kill lands. After a final clean `--sync-only` run, the ledger of the kit's
//! [`TestServer`] on `127.0.0.1:0` (on the wall clock: the simulator stamps real times) holds
//! exactly the findings, photos and patrols the devices recorded: none missing, none twice
//! ([`LedgerView::assert_holds_exactly`](yiwang_tests::kit::LedgerView::assert_holds_exactly)).

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use yiwang_tests::kit::{sim, TestServer};

const DEVICES: usize = 3;
const KILLS: usize = 30;
/// Findings asked of each device in the first run; every later run asks for two more, so a
/// resumed device always has new field work to record and push when the kill lands.
const FIRST_FINDINGS: usize = 3;
const SEED: u64 = 11;

/// Runs the simulator `KILLS` times, each killed with SIGKILL after a seeded delay; how many
/// kills landed on a simulator still running, and the findings the last run asked for.
fn crash_loop(server: &str, data_dir: &Path) -> (usize, usize) {
    let mut rng = StdRng::seed_from_u64(SEED);
    let mut interrupted = 0;
    let mut findings = FIRST_FINDINGS;
    for run in 0..KILLS {
        findings = FIRST_FINDINGS + 2 * run;
        let mut child = sim::command(server, data_dir, DEVICES, findings, SEED, &[])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the simulator starts");
        // A run has 20 ms to 200 ms of work here (start, sign-in once, photos, push, upload,
        // pull), so the kills land all along it.
        std::thread::sleep(Duration::from_millis(rng.gen_range(5..150)));
        if child.try_wait().expect("the simulator's status").is_none() {
            child.kill().expect("SIGKILL reaches the simulator");
            interrupted += 1;
        }
        child.wait().expect("the simulator is reaped");
    }
    (interrupted, findings)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_simulators_deliver_every_record_exactly_once() {
    let started = Instant::now();
    let server = TestServer::start_wall_clock().await;
    let ledger = server.ledger();
    let data = tempfile::tempdir().expect("a temporary folder");
    let cases_before = ledger.case_count().await;

    let (base, dir) = (server.base.clone(), data.path().to_path_buf());
    let (interrupted, findings) = tokio::task::spawn_blocking(move || crash_loop(&base, &dir))
        .await
        .expect("the crash loop");
    println!("{interrupted} of {KILLS} kills interrupted a running simulator");

    // The final clean run, to completion.
    let extra = ["--sync-only"];
    let summary = sim::run(sim::command(
        &server.base,
        data.path(),
        DEVICES,
        findings,
        SEED,
        &extra,
    ))
    .await;
    println!("final --sync-only run: {summary}");
    assert_eq!(summary["errors"], 0, "every device synced clean at the end");

    ledger
        .assert_holds_sim_run(data.path(), DEVICES, findings, cases_before, started)
        .await;
}
