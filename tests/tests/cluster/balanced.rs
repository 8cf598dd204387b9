//! Three server processes behind a real load balancer (issue 15, item 3): PostgreSQL, an S3
//! wire server, three `yiwang-server` processes and HAProxy in front of them (round robin, so
//! one device's requests — and one upload's PATCHes — land on every process). `yiwang-sim`
//! devices record and sync through HAProxy while one process at a time is killed with SIGKILL,
//! ten times, and started again. After a last clean `--sync-only` run the ledger holds exactly
//! what the devices recorded, none of it twice; every photo is in the bucket, whole; and
//! `yiwang-server verify-ledger` passes.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::process::Command;
use yiwang_core::ids::PhotoHash;
use yiwang_server::storage::Ledger;
use yiwang_tests::kit::{
    free_port, haproxy, sim, verify_ledger, DeviceRecords, LedgerView, S3Server, PASSWORD,
};

use crate::processes::{cluster_available, processes, seed};

const PROCESSES: usize = 3;
const DEVICES: usize = 6;
/// Server kills, one process at a time, each while the simulator runs.
const KILLS: usize = 10;
/// Simulator runs over the same `--data-dir` at most, each asking for [`MORE_FINDINGS`] more
/// findings a device than the last. A run lasts well under a second here once photos are
/// acknowledged without decoding them, so the kills come often and the runs grow fast.
const MAX_RUNS: usize = 40;
const FIRST_FINDINGS: usize = 4;
const MORE_FINDINGS: usize = 6;
const SEED: u64 = 15;

fn sim_process(base: &str, data_dir: &Path, findings: usize, extra: &[&str]) -> Command {
    let mut args = vec!["--password", PASSWORD];
    args.extend_from_slice(extra);
    let mut cmd = Command::from(sim::command(base, data_dir, DEVICES, findings, SEED, &args));
    cmd.kill_on_drop(true);
    cmd
}

/// Waits until HAProxy answers `/healthz` through a process that is up.
async fn balanced_healthy(http: &reqwest::Client, base: &str) {
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(r) = http.get(format!("{base}/healthz")).send().await {
            if r.status() == 200 {
                return;
            }
        }
        assert!(Instant::now() < until, "HAProxy finds a healthy process");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_processes_behind_haproxy_lose_and_double_nothing_through_ten_kills() {
    let test = "three_processes_behind_haproxy_lose_and_double_nothing_through_ten_kills";
    let Some(backend) = cluster_available(test) else {
        return;
    };
    if haproxy::bin().is_none() {
        println!("{test}: skipped, haproxy is not installed (apt-get install haproxy)");
        return;
    }
    let started = Instant::now();
    let root = tempfile::tempdir().expect("a temporary folder");
    let url = backend.ledger_url(root.path());
    seed(&url);
    let cases_before = {
        let ledger = Ledger::open(&url).expect("the ledger opens");
        LedgerView::new(ledger, "").case_count().await
    };
    let s3 = S3Server::start();
    let mut servers = processes(root.path(), &url, &s3, PROCESSES);
    for s in servers.iter_mut() {
        s.args
            .extend(["--trusted-proxy".into(), "127.0.0.1/32".into()]);
        s.start().await;
    }
    let port = free_port();
    let ports: Vec<u16> = servers.iter().map(|s| s.port).collect();
    let _haproxy = haproxy::start(root.path(), port, &ports);
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    balanced_healthy(&http, &base).await;

    let data = tempfile::tempdir().expect("a temporary folder");
    let mut rng = StdRng::seed_from_u64(SEED);
    // Kills land only while the simulator runs (recording, pushing, uploading, pulling); a run
    // that ends is followed by a larger one until all the kills have landed.
    let (mut kills, mut runs) = (0, 0);
    let mut findings = FIRST_FINDINGS;
    while kills < KILLS {
        if runs >= MAX_RUNS {
            let last = std::fs::read_to_string(data.path().join(format!("sim-{runs}.log")))
                .unwrap_or_default();
            panic!(
                "{KILLS} kills land within {MAX_RUNS} simulator runs ({kills} landed); \
                 the last run said:\n{}",
                last.lines()
                    .rev()
                    .take(30)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
        findings = FIRST_FINDINGS + MORE_FINDINGS * runs;
        runs += 1;
        // The simulator's own account of a run goes to a file, shown if the kills never land.
        let log = std::fs::File::create(data.path().join(format!("sim-{runs}.log")))
            .expect("the simulator's log is created");
        let mut child = sim_process(&base, data.path(), findings, &[])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("the simulator starts");
        while kills < KILLS {
            tokio::time::sleep(Duration::from_millis(rng.gen_range(40..250))).await;
            if child.try_wait().expect("the simulator's status").is_some() {
                break;
            }
            let victim = rng.gen_range(0..PROCESSES);
            servers[victim].kill9().await;
            kills += 1;
            servers[victim].start().await;
        }
        let status = tokio::time::timeout(Duration::from_secs(120), child.wait())
            .await
            .expect("the simulator ends within 120 s")
            .expect("the simulator is reaped");
        println!(
            "run {runs}: {findings} findings a device, {status}, {kills} kills so far, {:.1} s in",
            started.elapsed().as_secs_f64()
        );
    }
    println!("{kills} kills, each while the simulator was syncing, over {runs} runs");
    balanced_healthy(&http, &base).await;

    sim::final_clean_run(|| sim_process(&base, data.path(), findings, &["--sync-only"])).await;

    let devices: Vec<DeviceRecords> = (1..=DEVICES)
        .map(|n| DeviceRecords::of_sim(data.path(), n))
        .collect();
    let ledger = LedgerView::new(Ledger::open(&url).expect("the ledger opens"), &base);
    let held = ledger
        .assert_holds_exactly(&devices, findings, cases_before)
        .await;
    drop(ledger);

    // Every photo is in the bucket, whole.
    let store = s3.store();
    let mut photos = 0;
    for f in devices.iter().flat_map(|d| d.findings.values()) {
        for hash in &f.photos {
            let (_, bytes) = store
                .get(hash)
                .await
                .expect("the bucket answers")
                .unwrap_or_else(|| panic!("photo {hash} of finding {} is in the bucket", f.id));
            assert_eq!(
                PhotoHash::of(&bytes),
                *hash,
                "photo {hash} is whole in the bucket"
            );
            // The thumbnail follows the acknowledgement (`photos::check`): a process that
            // completed the upload may have been killed before its checker got there, and a
            // living one takes the pending photo within its rescan (30 s).
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
            while store
                .thumbnail(hash)
                .await
                .expect("the bucket answers")
                .is_none()
            {
                assert!(
                    std::time::Instant::now() < deadline,
                    "photo {hash} has its thumbnail within 90 s"
                );
                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            }
            photos += 1;
        }
    }

    for s in servers.iter_mut() {
        s.stop().await;
    }
    verify_ledger(root.path(), &url, &format!("{kills} kills"));
    println!(
        "ledger: {held:?}; {photos} photos whole in the bucket; verify-ledger ok; {:.1} s",
        started.elapsed().as_secs_f64()
    );
    backend.drop_ledger(root.path());
}

/// `deploy/haproxy.cfg`, as shipped, is a configuration HAProxy accepts without a warning (with
/// a throwaway certificate in place of the county's), and it checks `/healthz`, routes the
/// photo paths and lists the three processes.
#[test]
fn the_shipped_haproxy_configuration_is_valid() {
    let Some(bin) = haproxy::bin() else {
        println!("the_shipped_haproxy_configuration_is_valid: skipped, haproxy is not installed");
        return;
    };
    let shipped = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/haproxy.cfg"),
    )
    .expect("deploy/haproxy.cfg is readable");
    for needed in [
        "option httpchk GET /healthz",
        "use_backend yiwang_photos if { path_beg /api/v1/photos }",
        "default_backend yiwang",
        "server s8081 127.0.0.1:8081 check",
        "server s8083 127.0.0.1:8083 track yiwang/s8083",
        "bind :443 ssl crt /etc/haproxy/certs/yiwang.pem",
    ] {
        assert!(
            shipped.contains(needed),
            "deploy/haproxy.cfg has `{needed}`"
        );
    }
    let dir = tempfile::tempdir().expect("a temporary folder");
    let ck = rcgen::generate_simple_self_signed(vec!["yiwang.example.gov.cn".into()])
        .expect("a certificate");
    let pem = dir.path().join("yiwang.pem");
    std::fs::write(
        &pem,
        format!("{}{}", ck.cert.pem(), ck.signing_key.serialize_pem()),
    )
    .expect("the PEM is written");
    let cfg = dir.path().join("haproxy.cfg");
    std::fs::write(
        &cfg,
        shipped.replace("/etc/haproxy/certs/yiwang.pem", &pem.display().to_string()),
    )
    .expect("the configuration is written");
    let out = std::process::Command::new(bin)
        .args(["-c", "-f"])
        .arg(&cfg)
        .output()
        .expect("haproxy -c runs");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "HAProxy accepts deploy/haproxy.cfg: {said}"
    );
    assert!(!said.contains("WARNING"), "without a warning: {said}");
}
