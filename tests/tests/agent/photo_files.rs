//! What the device keeps of its photos after a sync: housekeeping frees the full-size files the
//! server holds, and photos pulled with others' findings get their thumbnails.

use std::sync::Arc;
use std::time::Duration;

use yiwang_client::photo::PhotoFiles;
use yiwang_client::store::Store;
use yiwang_client::sync::{AgentConfig, SyncAgent, SyncClient};
use yiwang_core::field::Disposition;
use yiwang_tests::kit::{quick_agent, TestDevice, TestServer, PASSWORD};

/// Housekeeping after a good sync: with a keep time of zero, the full-size file of a photo the
/// server holds goes from the phone (its thumbnail and record stay, and the lightbox falls back
/// to the thumbnail), the acknowledged op goes, and the finding still reads as sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn housekeeping_frees_the_files_the_server_holds_and_keeps_the_thumbnails() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().expect("a temporary folder");
    // The real clock: housekeeping compares upload times with the store's now.
    let store = Arc::new(Store::open(dir.path().join("device.sqlite")).expect("the store"));
    let files = PhotoFiles::open(dir.path().join("photos")).expect("the photo folder");
    let agent = SyncAgent::with_config(
        store.clone(),
        SyncClient::new(&server.base, None).expect("a client"),
        AgentConfig {
            keep_synced: Duration::ZERO,
            ..quick_agent()
        },
    );
    let session = agent
        .login("worker-0001", PASSWORD)
        .await
        .expect("signs in");
    let device = TestDevice {
        store: store.clone(),
        files,
        agent,
        grid: session.user.grid_ids[0].clone(),
        dir,
    };
    let hash = device.take_photo(7);
    let finding = device.finding(Disposition::Note, vec![hash.clone()]);
    let row = store.photo(&hash).expect("reads").expect("recorded");
    let (full, thumb) = (row.path.clone().unwrap(), row.thumb_path.clone().unwrap());
    assert!(full.exists() && thumb.exists());

    device
        .agent
        .sync_once()
        .await
        .expect("the sync uploads the photo");
    assert!(
        server.ledger().photo_stored(&hash).await,
        "the server holds the photo"
    );
    // The next good sync frees what the server held before it began.
    device.agent.sync_once().await.expect("a second sync");
    assert!(!full.exists(), "the full-size file is gone from the phone");
    assert!(thumb.exists(), "the thumbnail stays");
    let after = store
        .photo(&hash)
        .expect("reads")
        .expect("the record stays");
    assert_eq!(after.path, None);
    assert_eq!(
        store.outbox_counts().expect("reads").sent,
        0,
        "the acknowledged op is gone"
    );
    assert_eq!(
        store.sync_state(finding.id.as_str()).expect("reads"),
        yiwang_client::store::SyncState::Sent,
        "and the finding still reads as sent"
    );
}

/// A photo this device knows only by its metadata (taken on another device and pulled with its
/// finding) gets the server's thumbnail after a sync, so the timeline shows it offline; a
/// second sync fetches nothing more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pulled_photos_get_their_thumbnails_for_offline_timelines() {
    let server = TestServer::start().await;
    let phone = TestDevice::sign_in(&server.base, "worker-0001").await;
    let hash = phone.take_photo(11);
    phone.finding(Disposition::Note, vec![hash.clone()]);
    phone.agent.sync_once().await.expect("the phone uploads");
    assert!(server.ledger().photo_stored(&hash).await);

    let tablet = TestDevice::sign_in(&server.base, "worker-0001").await;
    let agent = SyncAgent::with_config(
        tablet.store.clone(),
        SyncClient::new(&server.base, tablet.agent.client().token()).expect("a client"),
        quick_agent(),
    )
    .with_photo_files(tablet.files.clone());
    let report = agent.sync_once().await.expect("the tablet pulls");
    assert_eq!(report.thumbnails_fetched, 1, "{report:?}");
    let row = tablet
        .store
        .photo(&hash)
        .expect("reads")
        .expect("the tablet knows the photo");
    assert_eq!(row.path, None, "the picture itself is not fetched");
    let thumb = row.thumb_path.expect("its thumbnail is recorded");
    assert_eq!(thumb, tablet.files.thumb_path(&hash));
    let picture = image::open(&thumb).expect("the thumbnail is a picture");
    assert!(picture.width().max(picture.height()) <= 640);
    let again = agent.sync_once().await.expect("a second sync");
    assert_eq!(again.thumbnails_fetched, 0, "nothing is fetched twice");
}
