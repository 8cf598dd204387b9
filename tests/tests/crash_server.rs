//! Crash the server (issue 4, second acceptance item): `yiwang-sim` runs for three devices
//! against the real `yiwang-server` binary (the kit's [`ServerProcess`]) while the server is
//! killed with SIGKILL at seeded random moments and restarted on the same port and data folder,
//! ten times over a few resumed simulator runs. After a final clean `--sync-only` run, the
//! ledger holds exactly the findings, photos and patrols the devices recorded: none missing,
//! none twice ([`LedgerView::assert_holds_exactly`]); every photo is on disk; and
//! `yiwang-server verify-ledger` passes.
//!
//! The server binary: `CARGO_BIN_EXE_yiwang-server` is only set for the server's own tests, so
//! the kit finds it next to this test's executable ([`server_bin`]). A workspace `cargo test`
//! (what `make test` runs) builds every binary of every default member before it runs any test,
//! so it is there; a lone `cargo test -p yiwang-tests` needs `cargo build -p yiwang-server`
//! first, and the test says so.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::process::Command;
use yiwang_server::photos::{LocalPhotoStore, PhotoKind};
use yiwang_server::seed::{seed_county, small_plan};
use yiwang_server::storage::Ledger;
use yiwang_tests::kit::{
    demo_hash, sim, verify_ledger, Backend, DeviceRecords, LedgerView, ServerProcess, PASSWORD,
};

const DEVICES: usize = 3;
/// Simulator runs over the same `--data-dir`, each asking for two more findings than the last.
const RUNS: usize = 5;
/// Server kills in each run.
const KILLS_PER_RUN: usize = 2;
const FIRST_FINDINGS: usize = 4;
const SEED: u64 = 23;

/// The small county in the ledger at `url`, with real (not demo) users: `serve` refuses demo
/// passwords.
fn seed(url: &str) {
    let ledger = Ledger::open(url).expect("a fresh ledger opens");
    let seeded_at = chrono::Utc::now() - chrono::Duration::days(1);
    ledger
        .write_blocking(move |tx| seed_county(tx, &small_plan(), demo_hash(), false, seeded_at))
        .expect("the small county seeds");
}

/// The simulator against `server`, signing in with the seeded password; killed if dropped.
fn sim_process(server: &str, data_dir: &Path, findings: usize, extra: &[&str]) -> Command {
    let mut args = vec!["--password", PASSWORD];
    args.extend_from_slice(extra);
    let mut cmd = Command::from(sim::command(
        server, data_dir, DEVICES, findings, SEED, &args,
    ));
    cmd.kill_on_drop(true);
    cmd
}

/// Runs the simulator `RUNS` times over one data folder; during each run the server is killed
/// with SIGKILL `KILLS_PER_RUN` times after seeded delays and restarted at once. Each run ends
/// however it ends (the simulator gives up after a few failed tries; the next run resumes).
/// Returns how many kills landed while the simulator was running (recording, pushing,
/// uploading or pulling), how many in all, and the findings the last run asked for.
async fn crash_loop(server: &mut ServerProcess, data_dir: &Path) -> (usize, usize, usize) {
    let mut rng = StdRng::seed_from_u64(SEED);
    let (mut mid_sync, mut kills) = (0, 0);
    let mut findings = FIRST_FINDINGS;
    for run in 0..RUNS {
        findings = FIRST_FINDINGS + 2 * run;
        let mut child = sim_process(&server.base(), data_dir, findings, &[])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the simulator starts");
        for _ in 0..KILLS_PER_RUN {
            tokio::time::sleep(Duration::from_millis(rng.gen_range(10..200))).await;
            let running = child.try_wait().expect("the simulator's status").is_none();
            server.kill9().await;
            kills += 1;
            if running {
                mid_sync += 1;
            }
            server.start().await;
        }
        tokio::time::timeout(Duration::from_secs(60), child.wait())
            .await
            .expect("the simulator ends within 60 s")
            .expect("the simulator is reaped");
    }
    (mid_sync, kills, findings)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_servers_lose_and_double_nothing() {
    let started = Instant::now();
    let server_dir = tempfile::tempdir().expect("a temporary folder");
    let url = Backend::from_env().ledger_url(server_dir.path());
    seed(&url);
    let cases_before = {
        let ledger = Ledger::open(&url).expect("the ledger opens");
        LedgerView::new(ledger, "").case_count().await
    };
    let mut server = ServerProcess::new(server_dir.path());
    server.args = vec!["--database".into(), url.clone()];
    server.start().await;
    let data = tempfile::tempdir().expect("a temporary folder");

    let (mid_sync, kills, findings) = crash_loop(&mut server, data.path()).await;
    println!("{mid_sync} of {kills} server kills landed while the simulator was syncing");

    // The final clean run, to completion, with the server up.
    let base = server.base();
    sim::final_clean_run(|| sim_process(&base, data.path(), findings, &["--sync-only"])).await;

    // The ledger, read beside the server that survived the kills while it is still up (it
    // serves every photo).
    let devices: Vec<DeviceRecords> = (1..=DEVICES)
        .map(|n| DeviceRecords::of_sim(data.path(), n))
        .collect();
    let ledger = LedgerView::new(
        Ledger::open(&url).expect("the ledger opens"),
        &server.base(),
    );
    let held = ledger
        .assert_holds_exactly(&devices, findings, cases_before)
        .await;
    drop(ledger);
    server.stop().await;

    let photo_files = LocalPhotoStore::new(server_dir.path().join("photos"));
    for f in devices.iter().flat_map(|d| d.findings.values()) {
        for hash in &f.photos {
            assert!(
                photo_files.photo_path(hash, PhotoKind::Jpeg).is_file(),
                "photo {hash} of finding {} is stored on disk",
                f.id
            );
        }
    }

    // The command operators run agrees: every case chain verifies after the kills.
    verify_ledger(server_dir.path(), &url, &format!("{kills} kills"));
    println!(
        "ledger: {} findings, {} patrols, {} photos, {} new cases; verify-ledger ok; {:.1} s",
        held.findings,
        held.patrols,
        held.photos,
        held.new_cases,
        started.elapsed().as_secs_f64()
    );
}
