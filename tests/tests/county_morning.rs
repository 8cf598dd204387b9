//! A county's morning, at a tenth of its size (issue 12): the real `yiwang-server demo` binary
//! on the reference county, and 200 simulated devices (`yiwang-sim`) that sign in at once,
//! patrol, record two findings with a photo each and sync. Every device finishes (a `503` with
//! `Retry-After` is waited out, as the app does), the ledger holds exactly what they recorded,
//! and the server's peak memory stays under 300 MB. The full county (1,798 devices) is
//! `make bench`'s `county_morning`, on a release build.
//!
//! The server is started twice: the first start seeds the county, then it is stopped and started
//! again, so the peak measured is the morning's and not the seeding's.

use std::time::{Duration, Instant};

use yiwang_tests::kit::{sim, DeviceRecords, LedgerView, ServerProcess};

const DEVICES: usize = 200;
const FINDINGS: usize = 2;
/// The budget for the whole county's morning; a tenth of it must fit well within.
const PEAK_BUDGET_KIB: u64 = 300 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_devices_sign_in_and_sync_at_once() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut server = ServerProcess::demo(dir.path());
    let seeding = Instant::now();
    server.start_within(Duration::from_secs(600)).await;
    server.stop().await;
    println!(
        "the reference county seeded in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );
    server.start().await;

    let ledger = LedgerView::new(
        yiwang_server::storage::Ledger::open(
            &dir.path().join("ledger.sqlite").display().to_string(),
        )
        .expect("the ledger opens beside the server"),
        &server.base(),
    );
    let data = tempfile::tempdir().expect("a temporary folder");
    let started = Instant::now();
    let summary = sim::run(sim::command(
        &server.base(),
        data.path(),
        DEVICES,
        FINDINGS,
        12,
        &[],
    ))
    .await;
    let peak = server.peak_rss_kib();
    println!(
        "{DEVICES} devices: {summary}; the server's peak RSS {:.0} MB",
        peak as f64 / 1024.0
    );
    assert_eq!(summary["errors"], 0, "no device failed");
    assert_eq!(
        summary["sign_ins"], DEVICES as u64,
        "every device signed in"
    );

    // The county's own history is in the ledger too: each device's records are looked up.
    let (mut findings, mut photos) = (0, 0);
    for n in 1..=DEVICES {
        let records = DeviceRecords::of_sim(data.path(), n);
        for f in records.findings.values() {
            assert_eq!(
                ledger.finding(&f.id).await.as_ref(),
                Some(f),
                "device {n}'s finding {} is in the ledger as recorded",
                f.id
            );
            findings += 1;
            for hash in &f.photos {
                assert!(ledger.photo_stored(hash).await, "photo {hash} is stored");
                photos += 1;
            }
        }
        // Patrols this device recorded (the worker's older ones in the history were pulled).
        let recorded = |p: &str| records.ops.iter().any(|(_, entity)| entity == p);
        for (patrol, points) in records.patrols.iter().filter(|(p, _)| recorded(p.as_str())) {
            assert_eq!(
                ledger.track_len(patrol).await,
                *points,
                "device {n}'s patrol {patrol} has its whole track"
            );
        }
    }
    println!(
        "the ledger holds the devices' {findings} findings and {photos} photos; {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(
        findings,
        DEVICES * FINDINGS,
        "every finding is in the ledger"
    );
    assert_eq!(photos, DEVICES * FINDINGS, "every photo is stored");
    assert!(
        peak < PEAK_BUDGET_KIB,
        "the server's peak RSS {peak} KiB is under {PEAK_BUDGET_KIB} KiB"
    );
    server.stop().await;
}
