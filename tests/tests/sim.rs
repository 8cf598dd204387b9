//! `yiwang-sim` against a real server: three simulated devices patrol and sync over real HTTP
//! to the kit's [`TestServer`] on `127.0.0.1:0` over the seeded small county, on the wall clock
//! (the simulator is a separate process that stamps its records with the real time); the ledger
//! then holds exactly what the devices recorded, and a second `--sync-only` run sends nothing
//! twice. Each device's own records are read with the kit's [`DeviceRecords::of_sim`].

use std::collections::BTreeSet;
use std::path::Path;

use yiwang_core::field::{Disposition, Finding};
use yiwang_tests::kit::{sim, DeviceRecords, LedgerView, TestServer};

const DEVICES: usize = 3;
const FINDINGS: usize = 4;
const SEED: u64 = 7;

/// Runs the simulator to its end; its parsed JSON line.
async fn run_sim(server: &str, data_dir: &Path, extra: &[&str]) -> serde_json::Value {
    sim::run(sim::command(
        server, data_dir, DEVICES, FINDINGS, SEED, extra,
    ))
    .await
}

/// What device `n` recorded itself (pulled records of others have no ops), and its token.
fn device_records(data_dir: &Path, n: usize) -> (Vec<Finding>, String) {
    let records = DeviceRecords::of_sim(data_dir, n);
    (records.findings.into_values().collect(), records.token)
}

async fn has_finding(ledger: &LedgerView, f: &Finding) -> bool {
    ledger.finding(&f.id).await.is_some()
}

async fn has_case(ledger: &LedgerView, f: &Finding) -> bool {
    let id = f
        .case_id
        .clone()
        .expect("a reported finding names its case");
    ledger.case(&id).await.is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulated_devices_deliver_every_record_exactly_once() {
    let server = TestServer::start_wall_clock().await;
    let ledger = server.ledger();
    let data = tempfile::tempdir().expect("a temporary folder");
    let cases_before = ledger.case_count().await;

    let first = run_sim(&server.base, data.path(), &[]).await;
    println!("first run: {first}");
    assert_eq!(first["devices"], 3, "the summary counts the devices");
    assert_eq!(first["errors"], 0, "no device failed");
    assert_eq!(
        first["photos_uploaded"],
        (DEVICES * FINDINGS) as u64,
        "one photo per finding is uploaded"
    );
    assert!(
        first["bytes"].as_u64().expect("bytes is a number") > 0,
        "the photos' bytes are counted"
    );

    let mut findings = vec![];
    let mut patrols = BTreeSet::new();
    for n in 1..=DEVICES {
        let (mine, token) = device_records(data.path(), n);
        assert_eq!(
            mine.len(),
            FINDINGS,
            "device {n} recorded --findings findings"
        );
        for f in &mine {
            patrols.insert(f.patrol_id.clone().expect("findings are made on a patrol"));
            for hash in &f.photos {
                assert_eq!(
                    ledger.head_photo(&token, hash).await,
                    200,
                    "the server holds the photo of finding {}",
                    f.id
                );
            }
        }
        findings.extend(mine);
    }
    let ids: BTreeSet<_> = findings.iter().map(|f| f.id.clone()).collect();
    assert_eq!(
        ids.len(),
        DEVICES * FINDINGS,
        "every finding has its own id"
    );
    for f in &findings {
        assert!(
            has_finding(&ledger, f).await,
            "finding {} reached the ledger",
            f.id
        );
    }
    let reported: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.disposition == Disposition::Report)
        .collect();
    assert!(!reported.is_empty(), "seed 7 reports some findings");
    for f in &reported {
        assert!(
            has_case(&ledger, f).await,
            "reported finding {} opened its case",
            f.id
        );
    }
    assert!(
        findings
            .iter()
            .all(|f| (f.disposition == Disposition::Report) == f.case_id.is_some()),
        "exactly the reported findings name a case"
    );
    let cases_after = ledger.case_count().await;
    assert_eq!(
        cases_after - cases_before,
        reported.len(),
        "exactly the reported findings became cases"
    );
    assert_eq!(patrols.len(), DEVICES, "one patrol per device");
    for p in &patrols {
        assert!(
            ledger.patrol(p).await.is_some(),
            "patrol {p} reached the ledger"
        );
    }

    let again = run_sim(&server.base, data.path(), &["--sync-only"]).await;
    println!("--sync-only run: {again}");
    assert_eq!(again["errors"], 0, "the second run finishes clean");
    assert_eq!(
        again["ops_pushed"], 0,
        "nothing waits, so nothing is pushed twice"
    );
    assert_eq!(again["photos_uploaded"], 0, "no photo is uploaded twice");
    assert_eq!(
        ledger.case_count().await,
        cases_after,
        "the second run opens no case"
    );
    for n in 1..=DEVICES {
        let (mine, _) = device_records(data.path(), n);
        assert_eq!(mine.len(), FINDINGS, "--sync-only records no new finding");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_first_devices_record_before_they_sync_and_a_rerun_adds_nothing() {
    let server = TestServer::start_wall_clock().await;
    let ledger = server.ledger();
    let data = tempfile::tempdir().expect("a temporary folder");
    let cases_before = ledger.case_count().await;

    let first = run_sim(&server.base, data.path(), &["--offline-first"]).await;
    assert_eq!(first["errors"], 0, "no device failed");
    let mut reported = 0;
    for n in 1..=DEVICES {
        let (mine, _) = device_records(data.path(), n);
        assert_eq!(
            mine.len(),
            FINDINGS,
            "device {n} recorded --findings findings"
        );
        for f in &mine {
            assert!(
                has_finding(&ledger, f).await,
                "finding {} reached the ledger",
                f.id
            );
        }
        reported += mine
            .iter()
            .filter(|f| f.disposition == Disposition::Report)
            .count();
    }
    let cases_after = ledger.case_count().await;
    assert_eq!(
        cases_after - cases_before,
        reported,
        "exactly the reported findings became cases"
    );

    // Without --sync-only, a device that holds its findings records no more.
    let again = run_sim(&server.base, data.path(), &["--offline-first"]).await;
    assert_eq!(
        again["ops_pushed"], 0,
        "a finished device has nothing more to push"
    );
    assert_eq!(
        ledger.case_count().await,
        cases_after,
        "no case is opened twice"
    );
    for n in 1..=DEVICES {
        let (mine, _) = device_records(data.path(), n);
        assert_eq!(mine.len(), FINDINGS, "a rerun records no more findings");
    }
}
