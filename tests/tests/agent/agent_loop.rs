//! The agent's loop: it syncs on start and on triggers, backs off while offline keeping its ops,
//! and stops cleanly.

use std::sync::Arc;
use std::time::Duration;

use yiwang_client::sync::{Phase, RunOutcome, SyncAgent, SyncClient, Trigger};
use yiwang_core::field::Disposition;
use yiwang_tests::kit::{quick_agent, TestDevice, TestServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_loop_syncs_on_start_and_on_triggers_backs_off_offline_and_stops_cleanly() {
    let server = TestServer::start().await;
    let device = Arc::new(TestDevice::sign_in(&server.base, "worker-0001").await);
    let first = device.finding(Disposition::Report, vec![]);

    let (triggers, rx) = tokio::sync::mpsc::channel(8);
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let looping = device.clone();
    let task = tokio::spawn(async move { looping.agent.run(rx, shutdown).await });

    let wait_until = |what: &'static str, f: Box<dyn Fn() -> bool + Send>| async move {
        for _ in 0..200 {
            if f() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("timed out waiting until {what}");
    };
    let d = device.clone();
    wait_until(
        "the sync on start sent the first finding",
        Box::new(move || d.waiting() == 0),
    )
    .await;
    assert!(
        server.ledger().finding(&first.id).await.is_some(),
        "the sync on start pushed it"
    );

    let second = device.finding(Disposition::ResolvedOnSpot, vec![]);
    triggers
        .send(Trigger::FindingRecorded)
        .await
        .expect("the loop listens");
    let d = device.clone();
    wait_until(
        "the trigger sent the second finding",
        Box::new(move || d.waiting() == 0),
    )
    .await;
    assert!(
        server.ledger().finding(&second.id).await.is_some(),
        "a new finding is synced shortly after, not at the next minute"
    );

    stop.send(true).expect("the loop listens");
    let outcome = tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the loop stops promptly")
        .expect("the loop does not panic");
    assert_eq!(outcome, RunOutcome::Stopped, "a clean stop");
    assert_eq!(
        device.agent.subscribe().borrow().phase,
        Phase::Stopped,
        "the status says stopped"
    );

    // Offline: nothing listens on the port; the loop backs off and keeps the op.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        l.local_addr().expect("an address")
    };
    let offline = Arc::new(SyncAgent::with_config(
        device.store.clone(),
        SyncClient::new(&format!("http://{closed}"), device.agent.client().token())
            .expect("a client"),
        quick_agent(),
    ));
    let third = device.finding(Disposition::ResolvedOnSpot, vec![]);
    let (_triggers, rx) = tokio::sync::mpsc::channel(8);
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let mut status = offline.subscribe();
    let looping = offline.clone();
    let task = tokio::spawn(async move { looping.run(rx, shutdown).await });
    let mut backoffs = 0;
    while backoffs < 3 {
        tokio::time::timeout(Duration::from_secs(10), status.changed())
            .await
            .expect("the loop keeps retrying")
            .expect("the agent is alive");
        // Marking each value seen counts each round's Backoff once; a Backoff is only shown
        // after that round's failed push was noted on the op.
        if status.borrow_and_update().phase == Phase::Backoff {
            backoffs += 1;
        }
    }
    let last_error = status.borrow().last_error.clone().unwrap_or_default();
    assert!(
        last_error.starts_with("offline"),
        "the status says why: {last_error}"
    );
    assert_eq!(device.waiting(), 1, "the op waits while offline");
    let entry = device.store.outbox_for(third.id.as_str()).expect("the op");
    assert!(
        entry[0].attempts >= 3 && entry[0].last_error.is_some(),
        "each failed push is noted on the op: {entry:?}"
    );
    stop.send(true).expect("the loop listens");
    let outcome = tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("a backing-off loop stops promptly")
        .expect("the loop does not panic");
    assert_eq!(outcome, RunOutcome::Stopped, "a clean stop while offline");
}
