//! A captive portal answering 200 with a login page is never taken as the server's answer: no op
//! is acknowledged, no photo counted as uploaded, no cursor stored.

use yiwang_client::store::SyncState;
use yiwang_client::sync::{SyncAgent, SyncClient, SyncError};
use yiwang_core::field::Disposition;
use yiwang_tests::kit::{quick_agent, TestDevice, TestServer};

/// A captive portal: answers every request with a 200 login page.
async fn captive_portal() -> (String, tokio::task::JoinHandle<()>) {
    let app = axum::Router::new().fallback(|| async {
        (
            [(axum::http::header::CONTENT_TYPE, "text/html")],
            "<html>login</html>",
        )
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let addr = listener.local_addr().expect("a bound address");
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.expect("the portal runs");
    });
    (format!("http://{addr}"), task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_captive_portal_is_never_taken_as_an_acknowledgement() {
    let server = TestServer::start().await;
    let device = TestDevice::sign_in(&server.base, "worker-0001").await;
    let photo = device.take_photo(9);
    let finding = device.finding(Disposition::Report, vec![photo.clone()]);
    let (portal, task) = captive_portal().await;
    let token = device.agent.client().token();
    let behind_portal = SyncAgent::with_config(
        device.store.clone(),
        SyncClient::new(&portal, token).expect("a client"),
        quick_agent(),
    );

    let err = behind_portal
        .sync_once()
        .await
        .expect_err("a portal is not the server");
    assert!(
        matches!(err, SyncError::NotOurServer(_)),
        "a 200 login page is not an answer: {err:?}"
    );
    assert!(err.is_retryable(), "the network may let us through later");
    assert_eq!(device.waiting(), 1, "the op still waits");
    assert_eq!(
        device.store.finding(&finding.id).expect("the finding").sync,
        SyncState::Waiting,
        "the finding still shows waiting"
    );
    let client = behind_portal.client();
    let head = client.photo_exists(&photo).await;
    assert!(
        matches!(head, Err(SyncError::NotOurServer(_))),
        "a portal's 200 to HEAD is not 'the server has the photo': {head:?}"
    );
    let up = client
        .upload_photo(&device.files.path(&photo), &photo, None, |_| {})
        .await;
    assert!(
        matches!(up, Err(SyncError::NotOurServer(_))),
        "a portal's 200 to an upload is not an upload: {up:?}"
    );
    assert_eq!(
        device.store.photos_waiting_upload().expect("photos").len(),
        1,
        "the photo still waits"
    );
    let pull = client.pull(None, 10).await;
    assert!(
        matches!(pull, Err(SyncError::NotOurServer(_))),
        "nor is a pull page: {pull:?}"
    );
    assert!(
        device.store.cursor().expect("cursor").is_none(),
        "no cursor was stored"
    );
    task.abort();

    // Once through to the real server, the same op goes.
    let report = device
        .agent
        .sync_once()
        .await
        .expect("the real server takes it");
    assert_eq!(
        report.ops_sent, 1,
        "the waiting op was sent once: {report:?}"
    );
}
