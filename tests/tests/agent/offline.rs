//! Offline field work (a patrol with its track, a reported finding with two photos) reaches the
//! server in one sync, once, with its photos and its case; a second sync sends nothing.

use std::path::Path;

use yiwang_client::store::SyncState;
use yiwang_client::sync::Phase;
use yiwang_core::field::{Disposition, TrackPoint};
use yiwang_tests::kit::{t0, TestDevice, TestServer};

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).expect("the photo file").len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_field_work_reaches_the_server_once_with_its_photos_and_its_case() {
    let server = TestServer::start().await;
    let device = TestDevice::sign_in(&server.base, "worker-0001").await;

    // Offline: a patrol with a track, and a reported finding with two photos.
    let start = t0() - chrono::Duration::minutes(30);
    let patrol = device
        .store
        .start_patrol(&device.grid, start)
        .expect("the patrol starts offline");
    let points: Vec<TrackPoint> = (0..5)
        .map(|i| TrackPoint {
            t: start + chrono::Duration::minutes(i),
            lat: 40.612 + 0.0001 * i as f64,
            lon: 122.503,
            accuracy_m: Some(5.0),
            mock: false,
        })
        .collect();
    device
        .store
        .add_track_points(&patrol.id, &points)
        .expect("the track is recorded offline");
    let photos = vec![device.take_photo(3), device.take_photo(7)];
    assert_ne!(photos[0], photos[1], "two different pictures");
    let finding = device.finding(Disposition::Report, photos.clone());
    device
        .store
        .end_patrol(&patrol.id, t0() - chrono::Duration::minutes(1))
        .expect("the patrol ends offline");
    let case_id = finding
        .case_id
        .clone()
        .expect("a reported finding names its case");
    assert_eq!(
        device.waiting(),
        4,
        "start, track, finding and end wait in the outbox"
    );
    let photo_bytes: u64 = photos.iter().map(|h| file_len(&device.files.path(h))).sum();

    let progress = device.agent.subscribe();
    let report = device
        .agent
        .sync_once()
        .await
        .expect("the first sync succeeds");

    assert_eq!(report.ops_pushed, 4, "every op was pushed: {report:?}");
    assert_eq!(report.ops_sent, 4, "the server took every op: {report:?}");
    assert_eq!(report.ops_rejected, 0, "nothing was refused: {report:?}");
    assert_eq!(report.photos_uploaded, 2, "both photos went up: {report:?}");
    assert_eq!(
        report.bytes_uploaded, photo_bytes,
        "each photo's bytes were sent exactly once: {report:?}"
    );
    let last = progress.borrow().clone();
    assert_eq!(
        (last.ops_done, last.ops_total),
        (4, 4),
        "progress counted the ops: {last:?}"
    );
    assert_eq!(
        (last.bytes_done, last.bytes_total),
        (photo_bytes, photo_bytes),
        "progress counted the photo bytes: {last:?}"
    );
    assert_eq!(last.phase, Phase::Idle, "the sync is over: {last:?}");

    // The server holds the finding, its photos, the patrol and the case.
    let on_server = server
        .ledger()
        .finding(&finding.id)
        .await
        .expect("the finding is in the ledger");
    assert_eq!(on_server.photos, photos, "the finding lists its photos");
    assert_eq!(
        on_server.case_id.as_ref(),
        Some(&case_id),
        "the finding reported the case the device named"
    );
    let server_patrol = server
        .ledger()
        .patrol(&patrol.id)
        .await
        .expect("the patrol is in the ledger");
    assert!(
        server_patrol.ended_at.is_some(),
        "the patrol's end arrived: {server_patrol:?}"
    );
    assert!(
        server.ledger().case(&case_id).await.is_some(),
        "the case was opened in the ledger"
    );
    let token = device.agent.client().token().expect("still signed in");
    for h in &photos {
        assert!(
            server.ledger().photo_stored(h).await,
            "photo {h} is stored on the server"
        );
        assert_eq!(
            server.ledger().head_photo(&token, h).await,
            200,
            "HEAD by-hash finds photo {h}"
        );
    }

    // The device shows it all sent, and has the case back from the pull.
    assert_eq!(
        device.store.finding(&finding.id).expect("the finding").sync,
        SyncState::Sent,
        "the finding shows sent"
    );
    assert_eq!(
        device.store.patrol(&patrol.id).expect("the patrol").sync,
        SyncState::Sent,
        "the patrol shows sent"
    );
    assert!(
        device
            .store
            .photos_waiting_upload()
            .expect("photos")
            .is_empty(),
        "no photo waits any more"
    );
    let pulled = device
        .store
        .case(&case_id)
        .expect("the case was pulled back");
    assert_eq!(pulled.id, case_id, "the device shows the case it reported");
    assert!(
        device.store.cursor().expect("the cursor").is_some(),
        "the pull left a cursor"
    );

    // A second sync has nothing to send.
    let again = device
        .agent
        .sync_once()
        .await
        .expect("the second sync succeeds");
    assert_eq!(
        (
            again.ops_pushed,
            again.photos_uploaded,
            again.photos_skipped
        ),
        (0, 0, 0),
        "nothing new is sent twice: {again:?}"
    );
    let stored = server
        .ledger()
        .finding(&finding.id)
        .await
        .expect("still there");
    assert_eq!(
        stored.photos.len(),
        2,
        "the finding was not duplicated or changed"
    );
}
