//! A forged pull cursor is refused by the server, and the agent rebuilds the pulled data from the
//! start.

use yiwang_client::store::Store;
use yiwang_core::field::Disposition;
use yiwang_tests::kit::{TestDevice, TestServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_cursor_is_refused_and_the_pulled_data_rebuilt() {
    let server = TestServer::start().await;
    let device = TestDevice::sign_in(&server.base, "worker-0001").await;
    device.finding(Disposition::Report, vec![]);
    device.finding(Disposition::Report, vec![]);
    device
        .agent
        .sync_once()
        .await
        .expect("the first sync succeeds");
    let case_ids = |store: &Store| {
        let mut ids: Vec<String> = store
            .cases(&Default::default())
            .expect("the pulled cases")
            .into_iter()
            .map(|c| c.id.as_str().to_owned())
            .collect();
        ids.sort();
        ids
    };
    let before = case_ids(&device.store);
    assert_eq!(before.len(), 2, "both cases were pulled: {before:?}");

    device
        .store
        .apply_pull(&[], "v1.forged.999999")
        .expect("a bogus cursor is written");
    let report = device
        .agent
        .sync_once()
        .await
        .expect("the sync rebuilds and succeeds");
    assert!(
        report.rebuilt,
        "the 412 made the agent pull from the start: {report:?}"
    );
    assert!(
        report.changes_pulled > 0,
        "the rebuild pulled the data again: {report:?}"
    );
    assert_eq!(
        case_ids(&device.store),
        before,
        "the store ends with the same cases as before"
    );
    let cursor = device
        .store
        .cursor()
        .expect("the cursor")
        .expect("a cursor");
    assert_ne!(cursor, "v1.forged.999999", "the forged cursor is replaced");
    let again = device
        .agent
        .sync_once()
        .await
        .expect("the next sync succeeds");
    assert!(!again.rebuilt, "the new cursor is good: {again:?}");
}
