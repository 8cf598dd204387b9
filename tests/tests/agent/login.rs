//! A revoked token: the outbox is kept, the agent asks for login, and the kept work goes once the
//! worker signs in again.

use std::time::Duration;

use yiwang_client::store::SyncState;
use yiwang_client::sync::{Phase, RunOutcome, SyncError};
use yiwang_core::field::Disposition;
use yiwang_tests::kit::{TestDevice, TestServer, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_keeps_the_outbox_and_asks_for_login() {
    let server = TestServer::start().await;
    let device = TestDevice::sign_in(&server.base, "worker-0001").await;
    let finding = device.finding(Disposition::Report, vec![device.take_photo(5)]);
    let token = device.agent.client().token().expect("signed in");
    let out = server
        .http
        .post(server.url("/api/v1/auth/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("the server answers");
    assert_eq!(out.status(), 204, "the token is revoked on the server");

    let err = device
        .agent
        .sync_once()
        .await
        .expect_err("a revoked token cannot sync");
    assert!(
        matches!(err, SyncError::Unauthorized),
        "a 401 asks for login: {err:?}"
    );
    assert_eq!(err.code(), "unauthenticated", "a stable code for the UI");
    assert_eq!(device.waiting(), 1, "the outbox is kept as it was");
    assert_eq!(
        device.store.finding(&finding.id).expect("the finding").sync,
        SyncState::Waiting,
        "the finding still shows waiting"
    );
    let session = device
        .store
        .session()
        .expect("the session")
        .expect("still a user");
    assert!(
        session.token.is_none(),
        "the dead token is forgotten: {session:?}"
    );
    assert!(
        server.ledger().finding(&finding.id).await.is_none(),
        "nothing reached the ledger"
    );

    // The loop stops and says why, rather than retrying a dead token.
    let (_triggers, rx) = tokio::sync::mpsc::channel(4);
    let (_stop, shutdown) = tokio::sync::watch::channel(false);
    let outcome = tokio::time::timeout(Duration::from_secs(10), device.agent.run(rx, shutdown))
        .await
        .expect("the loop returns at once");
    assert_eq!(outcome, RunOutcome::NeedsLogin, "the loop asks for login");
    assert_eq!(
        device.agent.subscribe().borrow().phase,
        Phase::NeedsLogin,
        "the status line says so"
    );

    device
        .agent
        .login("worker-0001", PASSWORD)
        .await
        .expect("the worker signs in again");
    let report = device
        .agent
        .sync_once()
        .await
        .expect("the sync after login succeeds");
    assert_eq!(report.ops_sent, 1, "the kept op goes through: {report:?}");
    assert_eq!(report.photos_uploaded, 1, "and its photo: {report:?}");
    assert!(
        server.ledger().finding(&finding.id).await.is_some(),
        "the finding is in the ledger"
    );
}
