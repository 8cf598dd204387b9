//! Patrols: idempotent by id, and owned by the worker who started them.

use crate::common::{applied, count, outcomes, push, W1_GRID, W2_GRID};
use serde_json::json;
use yiwang_tests::kit::ops::{finding, new_id, patrol_end, patrol_start, patrol_track};
use yiwang_tests::kit::TestServer;

#[tokio::test]
async fn patrols_are_idempotent_by_id_and_owned_by_their_worker() {
    let s = TestServer::start().await;
    let w1 = s.login("worker-0001").await;
    let w2 = s.login("worker-0002").await;
    let patrol = new_id();
    let r = push(
        &s,
        &w1,
        "worker-0001",
        &[patrol_start(&patrol, W1_GRID), patrol_end(&patrol)],
    )
    .await;
    assert_eq!(outcomes(&r), applied(2));
    // The same patrol re-queued under new op ids (an outbox rebuilt on the device).
    let r = push(
        &s,
        &w1,
        "worker-0001",
        &[patrol_start(&patrol, W1_GRID), patrol_end(&patrol)],
    )
    .await;
    assert_eq!(
        outcomes(&r),
        applied(2),
        "the same patrol again changes nothing and is not an error"
    );
    let mut later = patrol_end(&patrol);
    later["data"]["ended_at"] = json!("2026-11-26T03:00:00Z");
    let mut early = patrol_track(&patrol, 1);
    early["data"]["points"][0]["lat"] = json!(f64::NAN.to_string());
    let r = push(
        &s,
        &w2,
        "worker-0002",
        &[
            patrol_start(&patrol, W2_GRID),
            patrol_track(&patrol, 2),
            finding(&new_id(), W2_GRID, "note", None),
        ],
    )
    .await;
    assert_eq!(
        outcomes(&r),
        vec![
            ("rejected".into(), Some("id_conflict".into())),
            ("rejected".into(), Some("not_owner".into())),
            ("applied".into(), None)
        ],
        "another worker cannot take over or extend worker-0001's patrol"
    );
    let r = push(&s, &w1, "worker-0001", &[later, early]).await;
    assert_eq!(
        outcomes(&r),
        vec![
            ("rejected".into(), Some("patrol_ended".into())),
            ("rejected".into(), Some("invalid_op".into())),
        ],
        "an ended patrol keeps its end; a point must be numbers"
    );
    assert_eq!(count(&s, "SELECT count(*) FROM patrols"), 1, "one patrol");
    assert_eq!(
        count(&s, "SELECT count(*) FROM track_points"),
        0,
        "no foreign points"
    );
    assert_eq!(
        count(&s, "SELECT count(*) FROM devices"),
        2,
        "each pushing device is known"
    );
}

/// `n` track points from `from` seconds after 01:00, one a second.
fn points(from: usize, n: usize) -> Vec<serde_json::Value> {
    let t0 = chrono::DateTime::parse_from_rfc3339("2026-11-26T01:00:00Z").unwrap();
    (from..from + n)
        .map(|i| {
            let t = t0 + chrono::Duration::seconds(i as i64);
            json!({"t": t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                   "lat": 40.612, "lon": 122.503, "accuracy_m": 5.0, "mock": false})
        })
        .collect()
}

#[tokio::test]
async fn a_patrols_track_has_a_total_size() {
    use yiwang_server::limits::{MAX_PATROL_TRACK_POINTS, MAX_TRACK_POINTS};
    let s = TestServer::start().await;
    let w1 = s.login("worker-0001").await;
    let patrol = new_id();
    let r = push(&s, &w1, "worker-0001", &[patrol_start(&patrol, W1_GRID)]).await;
    assert_eq!(outcomes(&r), applied(1));
    let full = MAX_PATROL_TRACK_POINTS as usize / MAX_TRACK_POINTS;
    for k in 0..full {
        let mut op = patrol_track(&patrol, 1);
        op["data"]["points"] = json!(points(k * MAX_TRACK_POINTS, MAX_TRACK_POINTS));
        let r = push(&s, &w1, "worker-0001", &[op]).await;
        assert_eq!(outcomes(&r), applied(1), "op {k} fits");
    }
    let mut more = patrol_track(&patrol, 1);
    more["data"]["points"] = json!(points(full * MAX_TRACK_POINTS, 10));
    let r = push(
        &s,
        &w1,
        "worker-0001",
        &[more, finding(&new_id(), W1_GRID, "note", None)],
    )
    .await;
    assert_eq!(
        outcomes(&r),
        vec![
            ("rejected".into(), Some("too_large".into())),
            ("applied".into(), None)
        ],
        "a track past its total is refused; the rest of the push goes in"
    );
    assert_eq!(
        count(&s, "SELECT count(*) FROM track_points") as u64,
        MAX_PATROL_TRACK_POINTS,
        "none of the refused op's points were kept"
    );
    assert_eq!(
        count(&s, "SELECT points FROM patrols") as u64,
        MAX_PATROL_TRACK_POINTS,
        "nor counted"
    );
}
