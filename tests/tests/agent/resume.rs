//! Photo uploads resume: cut off mid-upload, after the app is killed and started again, and not
//! at all when the kept upload URL names another server.

use std::sync::Arc;

use yiwang_client::store::Store;
use yiwang_client::sync::{SyncAgent, SyncClient};
use yiwang_tests::kit::{quick_agent, t0, TestDevice, TestServer};

use crate::common::{several_chunk_photo, CuttingProxy};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_cut_off_mid_upload_resumes_from_the_servers_offset() {
    use yiwang_client::sync::CHUNK_BYTES;
    let server = TestServer::start().await;
    let proxy = CuttingProxy::start(&server.base).await;
    let device = TestDevice::sign_in(&server.base, "worker-0001").await;
    let agent = SyncAgent::with_config(
        device.store.clone(),
        SyncClient::new(&proxy.base, device.agent.client().token()).expect("a client"),
        quick_agent(),
    );
    agent
        .sync_once()
        .await
        .expect("a first sync through the proxy");
    let (hash, len) = several_chunk_photo(&device);

    // The link dies in the middle of the second chunk (after the push and the first chunk).
    proxy.cut_after(CHUNK_BYTES as i64 + CHUNK_BYTES as i64 / 2 + 8 * 1024);
    let err = agent
        .sync_once()
        .await
        .expect_err("the link died mid-upload");
    assert!(err.is_retryable(), "a cut link is retried later: {err:?}");
    assert!(
        !server.ledger().photo_stored(&hash).await,
        "the photo is not complete on the server"
    );
    assert_eq!(
        device.store.photos_waiting_upload().expect("photos").len(),
        1,
        "the photo still waits"
    );

    proxy.restore();
    let report = agent
        .sync_once()
        .await
        .expect("the sync after the link is back succeeds");
    assert_eq!(report.photos_uploaded, 1, "the photo finished: {report:?}");
    // The first chunk arrived whole and was kept; the second, cut, was discarded (its
    // checksum could not be verified), so the upload resumes at exactly one chunk: the bytes
    // sent twice are the part of one chunk that got through.
    assert_eq!(
        report.bytes_uploaded,
        len - CHUNK_BYTES as u64,
        "the upload resumed from the server's offset, not from zero"
    );
    let bar = agent.subscribe().borrow().clone();
    assert_eq!(
        (bar.bytes_done, bar.bytes_total),
        (len, len),
        "the progress bar ends full, counting what the server already held: {bar:?}"
    );
    assert!(
        server.ledger().photo_stored(&hash).await,
        "the whole photo is on the server"
    );
    assert!(
        device
            .store
            .photos_waiting_upload()
            .expect("photos")
            .is_empty(),
        "nothing waits any more"
    );
}

/// The app is killed mid-upload (nothing in memory survives) and started again: the new agent,
/// on a store opened afresh from the same file, finds the upload's URL with the photo and
/// continues from the server's offset.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_upload_resumes_after_the_app_is_killed_and_started_again() {
    use yiwang_client::sync::CHUNK_BYTES;
    let server = TestServer::start().await;
    let proxy = CuttingProxy::start(&server.base).await;
    let device = TestDevice::sign_in(&server.base, "worker-0001").await;
    let token = device.agent.client().token();
    let agent = SyncAgent::with_config(
        device.store.clone(),
        SyncClient::new(&proxy.base, token.clone()).expect("a client"),
        quick_agent(),
    );
    agent.sync_once().await.expect("a first sync");
    let (hash, len) = several_chunk_photo(&device);
    proxy.cut_after(CHUNK_BYTES as i64 + CHUNK_BYTES as i64 / 2 + 8 * 1024);
    agent
        .sync_once()
        .await
        .expect_err("the link died mid-upload");
    assert!(
        !server.ledger().photo_stored(&hash).await,
        "the photo is not complete"
    );
    let kept = device
        .store
        .photo_upload_url(&hash)
        .expect("the store reads")
        .expect("the upload's URL is kept with the photo");
    assert!(kept.starts_with(&proxy.base), "{kept}");

    // Killed: the agent, its client and its memory are gone. Started again: a store opened
    // from the file, a new client, a new agent.
    drop(agent);
    let reopened = Arc::new(
        Store::open(device.dir.path().join("device.sqlite"))
            .expect("the store reopens")
            .with_clock(t0),
    );
    let agent = SyncAgent::with_config(
        reopened.clone(),
        SyncClient::new(&proxy.base, token).expect("a client"),
        quick_agent(),
    );
    proxy.restore();
    let report = agent.sync_once().await.expect("the sync after the restart");
    assert_eq!(report.photos_uploaded, 1, "the photo finished: {report:?}");
    assert_eq!(
        report.bytes_uploaded,
        len - CHUNK_BYTES as u64,
        "the upload went on from the server's offset (one chunk kept), not from zero"
    );
    assert!(
        server.ledger().photo_stored(&hash).await,
        "the whole photo is on the server"
    );
    assert_eq!(
        reopened.photo_upload_url(&hash).expect("the store reads"),
        None,
        "a finished upload's URL is forgotten"
    );
}

/// A URL kept for another server (the address was changed in the settings) is never used: the
/// upload starts over on the server the client speaks to.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_url_of_another_server_is_dropped_and_the_upload_starts_over() {
    let server = TestServer::start().await;
    let device = TestDevice::sign_in(&server.base, "worker-0001").await;
    device.agent.sync_once().await.expect("a first sync");
    let (hash, len) = several_chunk_photo(&device);
    device
        .store
        .set_photo_upload_url(&hash, Some("http://192.0.2.1:9/api/v1/photos/uploads/x"))
        .expect("kept");
    let report = device.agent.sync_once().await.expect("the sync");
    assert_eq!(report.photos_uploaded, 1, "{report:?}");
    assert_eq!(report.bytes_uploaded, len, "sent whole, to this server");
    assert!(server.ledger().photo_stored(&hash).await);
    assert_eq!(device.store.photo_upload_url(&hash).expect("reads"), None);
}
