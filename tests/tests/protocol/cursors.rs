//! Cursors and paging: every page size returns the same changes once, a cursor resumes where
//! it was, and a cursor the server did not make is refused.

use crate::common::{key, pull_all, pull_page, push, W1_GRID};
use yiwang_core::sync::PullResponse;
use yiwang_tests::kit::ops::{finding, new_id};
use yiwang_tests::kit::{error_code, TestServer};

#[tokio::test]
async fn forged_cursors_get_412_and_paging_returns_everything_once() {
    let s = TestServer::start().await;
    let t1 = s.login("township-01").await;
    let w1 = s.login("worker-0001").await;
    let mut batch = vec![];
    for _ in 0..5 {
        batch.push(finding(&new_id(), W1_GRID, "report", Some(&new_id())));
    }
    push(&s, &w1, "worker-0001", &batch).await;

    let (whole, end) = pull_all(&s, &t1, 1000).await;
    for limit in [1, 3, 10] {
        let (paged, paged_end) = pull_all(&s, &t1, limit).await;
        assert_eq!(
            paged.iter().map(key).collect::<Vec<_>>(),
            whole.iter().map(key).collect::<Vec<_>>(),
            "pages of {limit} return every visible change exactly once, in order"
        );
        assert_eq!(paged_end, end, "and end at the same cursor");
    }
    let at_end = pull_page(&s, &t1, &end, 100).await;
    assert!(
        at_end.changes.is_empty() && !at_end.has_more,
        "nothing after the end"
    );
    assert_eq!(
        at_end.cursor, end,
        "an empty page keeps the cursor where it was"
    );

    // A later push shows up after the old cursor, and only it.
    let late = new_id();
    push(
        &s,
        &w1,
        "worker-0001",
        &[finding(&late, W1_GRID, "note", None)],
    )
    .await;
    let next = pull_page(&s, &t1, &end, 100).await;
    assert_eq!(
        next.changes.iter().map(key).collect::<Vec<_>>(),
        vec![("finding".to_owned(), late)],
        "the cursor resumes after what was already pulled"
    );

    let (_, epoch_and_seq) = end.split_once('.').unwrap();
    let (epoch, seq) = epoch_and_seq.split_once('.').unwrap();
    let seq: i64 = seq.parse().unwrap();
    let max = s.state.ledger.read(|tx| tx.max_change_seq()).await.unwrap();
    for forged in [
        "garbage".to_owned(),
        format!("v2.{epoch}.{seq}"),
        format!("v1.{}.{seq}", "0".repeat(32)),
        format!("v1.{epoch}.{}", max + 1),
        format!("v1.{epoch}.-1"),
    ] {
        let r = s
            .get(&t1, &format!("/api/v1/sync/pull?cursor={forged}"))
            .await;
        assert_eq!(
            r.status(),
            412,
            "{forged:?} cannot be honoured: the device must rebuild"
        );
        assert_eq!(error_code(r).await, "cursor_invalid");
    }
    for bad in ["limit=0", "limit=abc", "limit=-3"] {
        let r = s.get(&t1, &format!("/api/v1/sync/pull?{bad}")).await;
        assert_eq!(r.status(), 400, "{bad} is not a page size");
        assert_eq!(error_code(r).await, "invalid_query");
    }
    let r = s.get(&t1, "/api/v1/sync/pull?limit=100000").await;
    assert_eq!(r.status(), 200, "an oversized limit is capped, not refused");
    let page: PullResponse = r.json().await.unwrap();
    assert!(page.changes.len() <= yiwang_core::sync::MAX_PULL_LIMIT as usize);
    let r = s.http.get(s.url("/api/v1/sync/pull")).send().await.unwrap();
    assert_eq!(r.status(), 401, "pull needs a signed-in user");
}
