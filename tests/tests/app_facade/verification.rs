//! A report becomes a case the console works up to verification; the worker verifies offline and
//! the case closes once the device is back in coverage.

use std::time::Duration;

use serde_json::json;
use yiwang_client::app::views::VerifyInput;
use yiwang_client::store::OutboxState;
use yiwang_client::sync::Phase;
use yiwang_core::case::{CaseState, Outcome};
use yiwang_core::field::Disposition;
use yiwang_tests::kit::{t0, Clock, TestServer, PASSWORD};

use crate::common::{code, finding, jpeg, open, until, WORKER};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_becomes_a_case_and_an_offline_verification_closes_it() {
    let mut server = TestServer::start().await;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let clock = Clock::fixed(t0());
    let app = open(&dir, &clock);
    app.login(&server.base, WORKER, PASSWORD)
        .await
        .expect("the worker signs in");
    let mut data_changed = app.subscribe_data_changed();
    let mut views = app.subscribe_sync();

    let photo = app
        .add_photo(&jpeg(), Some(40.615), Some(122.504))
        .expect("a photo");
    let reported = app
        .save_finding(&finding(
            "01.02",
            "电线裸露，路人有触电危险",
            Disposition::Report,
            vec![photo.sha256.to_string()],
        ))
        .expect("the report is saved");
    let case_id = reported.case_id.clone().expect("a report names its case");
    until(&app, "the case is pulled back", |a| {
        a.my_cases()
            .is_ok_and(|c| c.iter().any(|c| c.id == case_id))
    })
    .await;
    let summary = app
        .my_cases()
        .expect("my cases")
        .into_iter()
        .find(|c| c.id == case_id)
        .expect("the case");
    assert_eq!(
        summary.state,
        CaseState::Pending,
        "a new case waits to be taken"
    );
    assert_eq!(
        summary.category_name, "电线裸露或私拉乱接",
        "the category by name: {summary:?}"
    );
    assert!(
        !summary.holder_unit_name.is_empty() && summary.holder_unit_name != "2108820010001",
        "held by the community, by name: {summary:?}"
    );
    tokio::time::timeout(Duration::from_secs(5), data_changed.changed())
        .await
        .expect("a sync that pulled tells the window")
        .expect("the channel is open");

    // The window's sync view followed the sync to its end.
    let finished = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let v = views.borrow_and_update().clone();
            if v.phase == Phase::Idle
                && v.last_sync_at.is_some()
                && v.waiting.is_empty()
                && v.photos_waiting == 0
            {
                return v;
            }
            views
                .changed()
                .await
                .expect("the sync view channel is open");
        }
    })
    .await
    .expect("the sync view reports the finished sync");
    assert!(
        finished.online,
        "a finished sync means online: {finished:?}"
    );

    // The console works the case up to verification.
    let township = server.login("township-01").await;
    let dept = server.login("dept-01").await;
    let center = server.login("center").await;
    for (token, action) in [
        (&township, "claim"),
        (&township, "dispatch"),
        (&dept, "accept"),
        (&dept, "report_handled"),
        (&center, "assign_verify"),
    ] {
        let body = json!({"action": action, "note": action});
        server.act(token, case_id.as_str(), body).await;
    }

    until(&app, "the verification task arrives", |a| {
        a.verification_tasks()
            .is_ok_and(|t| t.iter().any(|c| c.id == case_id))
    })
    .await;
    assert_eq!(
        app.home().expect("home").verification_tasks,
        1,
        "home counts the task"
    );
    let detail = app.case_detail(case_id.as_str()).expect("the case page");
    assert!(
        detail.can_verify,
        "the worker of the grid may verify a verifying case"
    );
    assert!(
        detail.chain_verified,
        "the pulled events chain to the case's head"
    );
    let actions: Vec<&str> = detail.timeline.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "report",
            "claim",
            "dispatch",
            "accept",
            "report_handled",
            "assign_verify"
        ],
        "the timeline tells the story in order"
    );
    assert_eq!(
        detail.timeline[0].photos.len(),
        1,
        "the report shows its photo"
    );
    assert!(
        detail.summary.department_name.is_some(),
        "dispatched to a department: {:?}",
        detail.summary
    );

    // Offline, the worker checks on site and passes it.
    server.stop().await;
    let after = app
        .verify_case(&VerifyInput {
            case_id: case_id.clone(),
            passed: true,
            note: "现场核查：电线已包扎".into(),
            photos: vec![],
        })
        .expect("the verification is queued offline");
    assert_eq!(
        after.pending.len(),
        1,
        "the decision waits on the case page"
    );
    assert_eq!(after.pending[0].state, OutboxState::Waiting);
    assert_eq!(
        after.summary.sync,
        OutboxState::Waiting,
        "the case shows a waiting op"
    );
    assert_eq!(
        code(app.verify_case(&VerifyInput {
            case_id: case_id.clone(),
            passed: true,
            note: String::new(),
            photos: vec![]
        })),
        "stale_state",
        "a second decision while the first waits is refused"
    );
    until(&app, "the agent sees it is offline", |a| {
        a.home().is_ok_and(|h| !h.online)
    })
    .await;

    server.restart().await;
    until(&app, "the closed case is pulled", |a| {
        a.case_detail(case_id.as_str())
            .is_ok_and(|d| d.summary.state == CaseState::Closed)
    })
    .await;
    let closed = app.case_detail(case_id.as_str()).expect("the case page");
    assert_eq!(
        closed.outcome,
        Some(Outcome::Resolved),
        "verified and resolved"
    );
    assert!(closed.pending.is_empty(), "nothing waits any more");
    assert!(!closed.can_verify, "a closed case needs no verification");
    assert!(closed.chain_verified, "the chain still verifies");
    // The agent marks itself online when its sync round ends, a moment after the pull that
    // brought the closed case: wait for it rather than race it.
    until(&app, "the device is online again", |a| {
        a.home().is_ok_and(|h| h.online)
    })
    .await;
    let on_server = server.case_detail(&center, case_id.as_str()).await;
    assert_eq!(
        on_server["case"]["state"], "closed",
        "the server closed it: {on_server}"
    );
    assert!(
        app.verification_tasks().expect("tasks").is_empty(),
        "no task left"
    );
}
