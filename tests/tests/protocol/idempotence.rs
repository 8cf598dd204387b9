//! Idempotent pushes: a batch re-sent, an op twice in one batch, two copies racing.

use crate::common::{applied, count, outcomes, push, W1_GRID};
use yiwang_tests::kit::ops::{finding, new_id, patrol_end, patrol_start, patrol_track};
use yiwang_tests::kit::TestServer;

#[tokio::test]
async fn a_batch_pushed_twice_applies_once() {
    let s = TestServer::start().await;
    let w1 = s.login("worker-0001").await;
    let (patrol, case) = (new_id(), new_id());
    let batch = [
        patrol_start(&patrol, W1_GRID),
        patrol_track(&patrol, 4),
        finding(&new_id(), W1_GRID, "report", Some(&case)),
        finding(&new_id(), W1_GRID, "note", None),
        patrol_end(&patrol),
    ];
    let first = push(&s, &w1, "worker-0001", &batch).await;
    assert_eq!(outcomes(&first), applied(5), "the first push applies");
    let counts = |s: &TestServer| {
        [
            "ops",
            "patrols",
            "track_points",
            "findings",
            "cases",
            "case_events",
        ]
        .map(|t| count(s, &format!("SELECT count(*) FROM {t}")))
    };
    let before = counts(&s);
    assert_eq!(
        before,
        [5, 1, 4, 2, 1, 1],
        "one of everything the batch carries"
    );

    let again = push(&s, &w1, "worker-0001", &batch).await;
    assert_eq!(
        outcomes(&again),
        vec![("duplicate".to_owned(), None); 5],
        "a re-sent batch is answered duplicate, op by op"
    );
    for (a, b) in first.results.iter().zip(&again.results) {
        assert_eq!(
            a.seq, b.seq,
            "a duplicate answers with the seq of the first time"
        );
    }
    assert_eq!(counts(&s), before, "nothing was applied twice");

    // The same op twice in one batch: the second copy is a duplicate of the first.
    let twice = finding(&new_id(), W1_GRID, "note", None);
    let r = push(&s, &w1, "worker-0001", &[twice.clone(), twice]).await;
    assert_eq!(
        outcomes(&r),
        vec![("applied".into(), None), ("duplicate".into(), None)],
        "a copy within the batch is recognised too"
    );

    // Two copies racing in two concurrent requests.
    let race_case = new_id();
    let racer = finding(&new_id(), W1_GRID, "report", Some(&race_case));
    let (a, b) = tokio::join!(
        push(&s, &w1, "worker-0001", std::slice::from_ref(&racer)),
        push(&s, &w1, "worker-0001", std::slice::from_ref(&racer))
    );
    let mut statuses = vec![outcomes(&a)[0].0.clone(), outcomes(&b)[0].0.clone()];
    statuses.sort();
    assert_eq!(
        statuses,
        ["applied", "duplicate"],
        "both racing copies are answered: one applied, one duplicate"
    );
    assert_eq!(
        count(
            &s,
            &format!("SELECT count(*) FROM cases WHERE id = '{race_case}'")
        ),
        1,
        "the raced report opened one case"
    );
    assert_eq!(
        count(
            &s,
            &format!("SELECT count(*) FROM case_events WHERE case_id = '{race_case}'")
        ),
        1,
        "with one report event"
    );
    let metrics = s.metrics().await;
    assert!(
        metrics.contains("yiwang_sync_ops_applied_total 7\n")
            && metrics.contains("yiwang_sync_ops_duplicate_total 7\n"),
        "metrics count 5 + 1 + 1 applied and 5 + 1 + 1 duplicate ops:\n{metrics}"
    );
}
