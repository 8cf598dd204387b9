//! A rejected op is kept with the server's reason and never blocks the ops queued behind it.

use yiwang_client::store::{OutboxState, SyncState};
use yiwang_core::case::Action;
use yiwang_core::field::Disposition;
use yiwang_core::sync::CaseActionData;
use yiwang_tests::kit::{TestDevice, TestServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_op_shows_its_reason_and_never_blocks_the_ops_behind_it() {
    let server = TestServer::start().await;
    let device = TestDevice::sign_in(&server.base, "worker-0001").await;
    let reported = device.finding(Disposition::Report, vec![]);
    device
        .agent
        .sync_once()
        .await
        .expect("the first sync succeeds");
    let case_id = reported.case_id.expect("a reported finding names its case");
    let version = server
        .ledger()
        .case(&case_id)
        .await
        .expect("the case is in the ledger")
        .version;

    // A decision made on a version the case never had, then more field work behind it.
    let stale = device
        .store
        .queue_case_action(
            &case_id,
            &CaseActionData {
                base_version: version + 40,
                action: Action::Comment {
                    note: Some("补充说明".into()),
                    photos: vec![],
                },
            },
        )
        .expect("the action is queued offline");
    let behind = device.finding(Disposition::ResolvedOnSpot, vec![]);
    let report = device
        .agent
        .sync_once()
        .await
        .expect("the sync itself succeeds");

    assert_eq!(
        report.ops_rejected, 1,
        "the stale decision is refused: {report:?}"
    );
    assert_eq!(
        report.ops_sent, 1,
        "the finding behind it goes through: {report:?}"
    );
    let rejected = device.store.outbox_rejected().expect("the rejected ops");
    assert_eq!(rejected.len(), 1, "one op is shown rejected: {rejected:?}");
    assert_eq!(rejected[0].op.op_id, stale, "it is the stale decision");
    assert_eq!(
        rejected[0].state,
        OutboxState::Rejected,
        "kept, not dropped"
    );
    let code = rejected[0].code.clone().unwrap_or_default();
    let message = rejected[0].message.clone().unwrap_or_default();
    assert!(
        !code.is_empty() && !message.is_empty(),
        "the server's reason is kept: {code:?} {message:?}"
    );
    assert!(
        matches!(device.store.sync_state(case_id.as_str()).expect("state"), SyncState::Rejected { code: c, .. } if c == code),
        "the case shows the rejection and its code"
    );
    assert!(
        server.ledger().finding(&behind.id).await.is_some(),
        "the op behind the rejected one reached the ledger"
    );
    assert_eq!(
        device.store.finding(&behind.id).expect("the finding").sync,
        SyncState::Sent,
        "and shows sent"
    );
    assert_eq!(device.waiting(), 0, "nothing is stuck behind the rejection");
    let again = device
        .agent
        .sync_once()
        .await
        .expect("a later sync succeeds");
    assert_eq!(
        again.ops_pushed, 0,
        "a rejected op is not pushed again and again: {again:?}"
    );
}
