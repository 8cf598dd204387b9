//! The console's heavy lists come in pages: grids, patrols, and a patrol's track.

use serde_json::Value;
use yiwang_core::field::TrackPoint;
use yiwang_tests::kit::{error_code, TestServer};

use crate::common::{at, put_patrol, put_track, G1};

fn ids(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn grid_and_patrol_lists_come_in_pages() {
    let s = TestServer::start().await;
    for (id, hour) in [("p1", "01"), ("p2", "02"), ("p3", "06")] {
        put_patrol(
            &s,
            id,
            G1,
            "worker-0001",
            &format!("2026-11-26T{hour}:00:00Z"),
            None,
        );
    }
    let t1 = s.login("township-01").await;

    let all = s.get_json(&t1, "/api/v1/grids").await;
    assert_eq!(all["total"], 4);
    assert!(all["next_offset"].is_null(), "one page holds them all");
    let first = s.get_json(&t1, "/api/v1/grids?limit=3").await;
    assert_eq!(
        (first["total"].clone(), first["next_offset"].clone()),
        (serde_json::json!(4), serde_json::json!(3))
    );
    let rest = s.get_json(&t1, "/api/v1/grids?limit=3&offset=3").await;
    assert!(rest["next_offset"].is_null());
    let mut paged = ids(&first);
    paged.extend(ids(&rest));
    assert_eq!(paged, ids(&all), "the pages are the list, in order");

    let first = s
        .get_json(&t1, &format!("/api/v1/patrols?grid_id={G1}&limit=2"))
        .await;
    assert_eq!(ids(&first), ["p1", "p2"]);
    assert_eq!(first["next_offset"], 2);
    let rest = s
        .get_json(
            &t1,
            &format!("/api/v1/patrols?grid_id={G1}&limit=2&offset=2"),
        )
        .await;
    assert_eq!(ids(&rest), ["p3"]);
    assert!(rest["next_offset"].is_null());

    for bad in [
        "/api/v1/grids?limit=0",
        "/api/v1/grids?limit=100000",
        "/api/v1/patrols?limit=-1",
    ] {
        let r = s.get(&t1, bad).await;
        assert_eq!(r.status(), 400, "{bad}");
        assert_eq!(error_code(r).await, "invalid_query", "{bad}");
    }
}

#[tokio::test]
async fn a_long_track_comes_in_pages() {
    use yiwang_server::limits::TRACK_PAGE;
    let s = TestServer::start().await;
    put_patrol(&s, "p1", G1, "worker-0001", "2026-11-26T01:00:00Z", None);
    let n = TRACK_PAGE as usize + 500;
    let t0 = at("2026-11-26T01:00:00Z");
    let track: Vec<TrackPoint> = (0..n)
        .map(|i| TrackPoint {
            t: t0 + chrono::Duration::seconds(i as i64),
            lat: 40.61,
            lon: 122.5,
            accuracy_m: Some(5.0),
            mock: false,
        })
        .collect();
    assert_eq!(put_track(&s, "p1", track) as usize, n);
    let t1 = s.login("township-01").await;
    let detail = s.get_json(&t1, "/api/v1/patrols/p1").await;
    assert_eq!(detail["track"].as_array().unwrap().len() as u64, TRACK_PAGE);
    assert_eq!(detail["track_total"], n);
    assert_eq!(detail["track_next_offset"], TRACK_PAGE);
    let rest = s
        .get_json(
            &t1,
            &format!("/api/v1/patrols/p1/track?offset={TRACK_PAGE}"),
        )
        .await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 500);
    assert!(rest["next_offset"].is_null());
    let last = &rest["items"][499]["t"];
    assert_eq!(last, "2026-11-26T01:41:39Z", "the pages run in time order");
    let other = s.login("township-02").await;
    let r = s.get(&other, "/api/v1/patrols/p1/track").await;
    assert_eq!(r.status(), 403, "another township's patrol stays closed");
}
