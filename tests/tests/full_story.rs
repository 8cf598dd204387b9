//! Issue 4, acceptance item 5: the full story across processes. A grid worker reports a case
//! offline; the township claims and dispatches it over the API; the department accepts it and
//! reports it handled; the centre assigns verification; the worker's device pulls it, the worker
//! verifies offline and syncs; the case is closed, its chain verifies, and the device shows it
//! closed. The server is the kit's [`TestServer`] on its fixed clock at `t0`; the device the kit's
//! [`TestDevice`].

use serde_json::{json, Value};
use yiwang_client::sync::{SyncAgent, SyncClient};
use yiwang_core::case::{Action, ActionKind, CaseState, Outcome};
use yiwang_core::field::{Disposition, FindingDraft};
use yiwang_core::ids::{CaseId, CategoryCode};
use yiwang_core::sync::CaseActionData;
use yiwang_tests::kit::{quick_agent, TestDevice, TestServer};

/// Takes `action` on the case as `who` (its note says who did what): the case after it.
async fn act(server: &TestServer, token: &str, who: &str, id: &CaseId, action: &str) -> Value {
    let body = json!({"action": action, "note": format!("{who}: {action}")});
    server.act(token, id.as_str(), body).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_goes_from_an_offline_report_through_every_desk_to_closed_on_the_device() {
    let server = TestServer::start().await;

    // The worker's device: a real SQLite store; signed in once, earlier, while in coverage.
    let device = TestDevice::sign_in(&server.base, "worker-0001").await;
    let (store, agent) = (&device.store, &device.agent);
    let token = agent.client().token().expect("the agent holds a token");

    // Out of coverage: the same device, its server unreachable (a port nobody listens on).
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        l.local_addr().expect("a bound address")
    };
    let offline = SyncAgent::with_config(
        store.clone(),
        SyncClient::new(&format!("http://{closed}"), Some(token)).expect("a client"),
        quick_agent(),
    );

    // 1. The worker reports bare wires offline.
    let finding = store
        .create_finding(FindingDraft {
            category_code: CategoryCode::from("01.02"),
            description: "电线裸露，路人有触电危险".into(),
            ..device.draft(Disposition::Report, vec![])
        })
        .expect("the finding is recorded offline");
    let case_id = finding
        .case_id
        .clone()
        .expect("a reported finding names its case");
    assert!(
        offline.sync_once().await.is_err(),
        "a sync without a reachable server fails"
    );
    assert_eq!(
        store.outbox_counts().expect("the outbox counts").waiting,
        1,
        "the report still waits in the outbox while offline"
    );

    // 2. Back in coverage: the report reaches the server and opens the case.
    let report = agent.sync_once().await.expect("the online sync succeeds");
    assert_eq!(
        (report.ops_sent, report.ops_rejected),
        (1, 0),
        "the report was taken: {report:?}"
    );
    assert_eq!(
        store.outbox_counts().expect("the outbox counts").waiting,
        0,
        "nothing waits after the sync"
    );
    let township = server.login("township-01").await;
    let opened = server.case_detail(&township, case_id.as_str()).await;
    assert_eq!(
        opened["case"]["state"], "pending",
        "the case waits to be taken: {opened}"
    );

    // 3. The township claims and dispatches it; the department for bare wires takes it.
    let claimed = act(&server, &township, "township-01", &case_id, "claim").await;
    assert_eq!(claimed["state"], "claimed", "claimed: {claimed}");
    let dispatched = act(&server, &township, "township-01", &case_id, "dispatch").await;
    assert_eq!(
        dispatched["state"], "dispatched",
        "dispatched: {dispatched}"
    );
    assert_eq!(
        dispatched["department"], "power",
        "bare wires go to the category's default department: {dispatched}"
    );

    // 4. The department accepts it and reports it handled.
    let dept = server.login("dept-01").await;
    let accepted = act(&server, &dept, "dept-01", &case_id, "accept").await;
    assert_eq!(accepted["state"], "in_progress", "accepted: {accepted}");
    let handled = act(&server, &dept, "dept-01", &case_id, "report_handled").await;
    assert_eq!(handled["state"], "handled", "handled: {handled}");

    // 5. The centre asks the grid worker to verify.
    let center = server.login("center").await;
    let verifying = act(&server, &center, "center", &case_id, "assign_verify").await;
    assert_eq!(verifying["state"], "verifying", "verifying: {verifying}");

    // 6. The worker's device pulls the case.
    agent.sync_once().await.expect("the pulling sync succeeds");
    let pulled = store.case(&case_id).expect("the device has the case");
    assert_eq!(
        pulled.state,
        CaseState::Verifying,
        "the device shows the case waiting for verification: {pulled:?}"
    );
    assert_eq!(
        Some(pulled.version),
        verifying["version"].as_u64(),
        "the device holds the server's latest version"
    );

    // 7. Offline, the worker checks the fix on site and passes it.
    store
        .queue_case_action(
            &case_id,
            &CaseActionData {
                base_version: pulled.version,
                action: Action::VerifyPass {
                    note: Some("现场核查：电线已包扎加固".into()),
                    photos: vec![],
                },
            },
        )
        .expect("the verification is queued offline");
    assert_eq!(
        store.outbox_counts().expect("the outbox counts").waiting,
        1,
        "the verification waits in the outbox"
    );

    // 8. Back in coverage: the verification is applied.
    let report = agent
        .sync_once()
        .await
        .expect("the verifying sync succeeds");
    assert_eq!(
        (report.ops_sent, report.ops_rejected),
        (1, 0),
        "the verification was applied: {report:?}"
    );

    // 9. The centre sees the case closed, resolved, its chain verified.
    let closed_view = server.case_detail(&center, case_id.as_str()).await;
    assert_eq!(
        closed_view["case"]["state"], "closed",
        "the case is closed: {closed_view}"
    );
    assert_eq!(
        closed_view["case"]["outcome"], "resolved",
        "the case is resolved: {closed_view}"
    );
    assert_eq!(
        closed_view["chain"]["status"], "verified",
        "the console verifies the chain: {closed_view}"
    );

    // The chain verifies in-process too, against the head the case row names.
    let ledger = server.ledger();
    let case = ledger
        .case(&case_id)
        .await
        .expect("the case is in the ledger");
    let events = ledger.case_events(&case_id).await;
    assert_eq!(case.state, CaseState::Closed, "the ledger's case is closed");
    assert_eq!(
        case.outcome,
        Some(Outcome::Resolved),
        "the ledger's case is resolved"
    );
    yiwang_core::ledger::verify_chain(&case_id, &events, Some((case.version, &case.head_hash)))
        .expect("the case's hash chain verifies against the case row's head");
    let kinds: Vec<ActionKind> = events.iter().map(|e| e.action.kind()).collect();
    assert_eq!(
        kinds,
        vec![
            ActionKind::Report,
            ActionKind::Claim,
            ActionKind::Dispatch,
            ActionKind::Accept,
            ActionKind::ReportHandled,
            ActionKind::AssignVerify,
            ActionKind::VerifyPass,
        ],
        "the chain tells the whole story in order"
    );

    // 10. The worker's device, after the sync's pull, shows the case closed.
    let on_device = store.case(&case_id).expect("the device still has the case");
    assert_eq!(
        on_device.state,
        CaseState::Closed,
        "the device shows the case closed: {on_device:?}"
    );
    assert_eq!(
        on_device.version, case.version,
        "the device holds the closing version"
    );
    let device_events = store.case_events(&case_id).expect("the device's events");
    assert_eq!(
        device_events.last().map(|e| e.action.kind()),
        Some(ActionKind::VerifyPass),
        "the device's timeline ends with the verification: {device_events:?}"
    );
}
