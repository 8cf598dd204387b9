//! Stats recomputed from the ledger every time, and the patrol coverage of each grid.

use chrono::Duration;
use serde_json::{json, Value};
use yiwang_tests::kit::ops::{new_id, patrol_start, patrol_track};
use yiwang_tests::kit::{error_code, TestServer};

use crate::common::{act_ok, fix, hotline, intake, put_patrol, put_track, G1, G2, G5};

#[tokio::test]
async fn stats_are_recomputed_from_the_ledger_every_time() {
    let s = TestServer::start().await;
    let c1 = s.login("community-001").await;
    let c3 = s.login("community-003").await;
    let center = s.login("center").await;
    let grids_and_ops = [(G1, &c1), (G2, &c1), (G5, &c3), (G1, &c1), (G5, &c3)];
    let mut ids = vec![];
    for (i, (grid, op)) in grids_and_ops.iter().enumerate() {
        let c = intake(&s, op, hotline(grid, "03.01", &format!("暴露垃圾{i}"))).await;
        ids.push((c["id"].as_str().unwrap().to_owned(), (*op).clone()));
    }
    // Close two on the spot at the community; reject one as not a case (不予立案).
    s.advance(Duration::hours(1));
    for (id, op) in &ids[..2] {
        act_ok(&s, op, id, json!({"action": "claim"})).await;
        act_ok(&s, op, id, json!({"action": "resolve", "note": "已清理"})).await;
        act_ok(&s, op, id, json!({"action": "close"})).await;
    }
    act_ok(
        &s,
        &ids[4].1,
        &ids[4].0,
        json!({"action": "reject_invalid", "note": "重复来电"}),
    )
    .await;
    s.advance(Duration::minutes(1));

    let st = s
        .get_json(&center, "/api/v1/stats?dimension=township")
        .await;
    // The recount: read the list and count by hand.
    let list = s.get_json(&center, "/api/v1/cases?page_size=200").await;
    let items = list["items"].as_array().unwrap();
    let resolved = items
        .iter()
        .filter(|c| c["state"] == "closed" && c["outcome"] == "resolved")
        .count();
    let invalid = items.iter().filter(|c| c["outcome"] == "invalid").count();
    assert_eq!((resolved, invalid), (2, 1), "the recount itself");
    assert_eq!(
        st["total"]["reported"],
        items.len(),
        "every case reported in the period"
    );
    assert_eq!(
        st["total"]["intake"],
        items.len() - invalid,
        "intake leaves out the case rejected as invalid"
    );
    assert_eq!(st["total"]["closed"], resolved, "closed equals the recount");
    assert_eq!(
        st["total"]["closure_rate"], 1.0,
        "nothing else fell due yet"
    );
    let rows = st["breakdown"].as_array().unwrap();
    let keys: Vec<&str> = rows.iter().map(|r| r["key"].as_str().unwrap()).collect();
    assert_eq!(
        keys,
        ["210882001", "210882002"],
        "one row per township with cases"
    );
    assert_eq!(rows[0]["name"], "街道1");
    assert_eq!(
        (
            rows[0]["measures"]["intake"].clone(),
            rows[1]["measures"]["intake"].clone()
        ),
        (json!(3), json!(1)),
        "township 1 lodged three cases, township 2 one real one"
    );
    let by_day = st["by_day"].as_array().unwrap();
    assert_eq!(
        by_day.len(),
        31,
        "a row for every local day of the default 30-day period"
    );
    let sum = |k: &str| by_day.iter().map(|d| d[k].as_u64().unwrap()).sum::<u64>();
    assert_eq!(sum("intake"), 4, "the trend adds up to the intake");
    assert_eq!(sum("closed"), 2, "and to the closures");
    assert_eq!(by_day.last().unwrap()["date"], "2026-11-26", "ending today");

    // The ledger moves; the figures move with it.
    act_ok(&s, &ids[2].1, &ids[2].0, json!({"action": "claim"})).await;
    act_ok(
        &s,
        &ids[2].1,
        &ids[2].0,
        json!({"action": "resolve", "note": "已清理"}),
    )
    .await;
    act_ok(&s, &ids[2].1, &ids[2].0, json!({"action": "close"})).await;
    s.advance(Duration::minutes(1));
    let st = s.get_json(&center, "/api/v1/stats").await;
    assert_eq!(st["total"]["closed"], 3, "a third closure shows at once");
    assert_eq!(st["breakdown"], json!([]), "no dimension, no breakdown");

    let mine = s.get_json(&c3, "/api/v1/stats?dimension=grid").await;
    assert_eq!(
        mine["total"]["reported"], 2,
        "community-003 counts only its own two cases"
    );
    let keys: Vec<&str> = mine["breakdown"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, [G5], "and only its own grid");

    let later = s
        .get_json(&center, "/api/v1/stats?from=2026-11-27&to=2026-11-28")
        .await;
    assert_eq!(
        later["total"]["reported"], 0,
        "nothing was reported the next day"
    );
    let mut singles = vec![];
    for dim in [
        "township",
        "community",
        "grid",
        "department",
        "category",
        "category_class",
    ] {
        let one = s
            .get_json(
                &center,
                &format!("/api/v1/stats?dimension={dim}&from=2026-11-01&to=2026-11-26"),
            )
            .await;
        singles.push((dim, one["breakdown"].clone()));
    }
    // Several breakdowns from one read: each the same as asked alone, in the order asked.
    let all = singles
        .iter()
        .map(|(d, _)| *d)
        .collect::<Vec<_>>()
        .join(",");
    let several = s
        .get_json(
            &center,
            &format!("/api/v1/stats?dimension={all}&from=2026-11-01&to=2026-11-26"),
        )
        .await;
    let breakdowns = several["breakdowns"].as_array().unwrap();
    assert_eq!(
        breakdowns.len(),
        singles.len(),
        "one breakdown per dimension"
    );
    for ((dim, rows), b) in singles.iter().zip(breakdowns) {
        assert_eq!(b["dimension"], *dim, "in the order asked");
        assert_eq!(&b["rows"], rows, "{dim}: the same rows as asked alone");
    }
    assert_eq!(several["dimension"], "township", "the first dimension");
    assert_eq!(
        several["breakdown"], singles[0].1,
        "`breakdown` is the first dimension's"
    );
    for q in [
        "dimension=weather",
        "dimension=township,township",
        "dimension=township,",
        "dimension=township,weather",
        "from=2026-11-27&to=2026-11-26",
        "from=2020-01-01&to=2026-01-01",
    ] {
        let r = s.get(&center, &format!("/api/v1/stats?{q}")).await;
        assert_eq!(r.status(), 400, "{q} is refused");
        assert_eq!(error_code(r).await, "invalid_query");
    }
}

#[tokio::test]
async fn coverage_counts_both_patrol_windows_per_grid() {
    let s = TestServer::start().await;
    // (grid, worker, start UTC): 09:30 and 14:00 Beijing cover G1; G2 has a morning only; a
    // 21:00 patrol is in neither window; yesterday's afternoon does not count today.
    let patrols = [
        ("p1", G1, "worker-0001", "2026-11-26T01:30:00.000000Z"),
        ("p2", G1, "worker-0001", "2026-11-26T06:00:00.000000Z"),
        ("p3", G2, "worker-0002", "2026-11-26T02:00:00.000000Z"),
        ("p4", G5, "worker-0005", "2026-11-26T13:00:00.000000Z"),
        ("p5", G2, "worker-0002", "2026-11-25T06:00:00.000000Z"),
    ];
    for (id, grid, worker, at) in patrols {
        put_patrol(&s, id, grid, worker, at, None);
        put_track(&s, id, vec![fix(at)]);
    }
    let center = s.login("center").await;
    let c = s
        .get_json(&center, "/api/v1/coverage?date=2026-11-26")
        .await;
    assert_eq!(
        (
            c["grids"].clone(),
            c["covered"].clone(),
            c["partial"].clone(),
            c["none"].clone()
        ),
        (json!(8), json!(1), json!(1), json!(6)),
        "one grid covered, one half, six not at all"
    );
    assert_eq!(c["rate"], 0.125, "巡查率 = 1 of 8");
    let row = c["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["grid_id"] == G1)
        .unwrap();
    assert_eq!(row["windows"], 2);
    assert_eq!(
        row["worker_name"], "网格员0001",
        "the row names the grid's worker"
    );
    assert_eq!(row["township_name"], "街道1");
    let t1 = &c["by_township"][0];
    assert_eq!(
        (
            t1["id"].clone(),
            t1["grids"].clone(),
            t1["covered"].clone(),
            t1["partial"].clone()
        ),
        (json!("210882001"), json!(4), json!(1), json!(1)),
        "township 1 holds both patrolled grids"
    );
    assert_eq!(c["by_community"].as_array().unwrap().len(), 4);
    let today = s.get_json(&center, "/api/v1/coverage").await;
    assert_eq!(
        today["date"], "2026-11-26",
        "the default day is today, Beijing time"
    );
    assert_eq!(today["covered"], 1);
    let yesterday = s
        .get_json(&center, "/api/v1/coverage?date=2026-11-25")
        .await;
    assert_eq!(
        yesterday["partial"], 1,
        "yesterday G2 had its afternoon patrol"
    );

    let scoped = [
        ("community-001", 2, 1),
        ("worker-0002", 1, 0),
        ("township-02", 4, 0),
        ("dept-01", 0, 0),
    ];
    for (user, grids, covered) in scoped {
        let token = s.login(user).await;
        let c = s.get_json(&token, "/api/v1/coverage?date=2026-11-26").await;
        assert_eq!(
            (c["grids"].as_u64().unwrap(), c["covered"].as_u64().unwrap()),
            (grids, covered),
            "{user} sees the coverage of their own grids only"
        );
    }
    let r = s.get(&center, "/api/v1/coverage?date=26.11.2026").await;
    assert_eq!(r.status(), 400, "a date is YYYY-MM-DD");
    assert_eq!(error_code(r).await, "invalid_query");

    // The totals alone (a city's dashboard): the same figures, no row per grid or community.
    let totals = s
        .get_json(&center, "/api/v1/coverage?date=2026-11-26&rows=false")
        .await;
    for k in ["grids", "covered", "partial", "none", "rate", "by_township"] {
        assert_eq!(totals[k], c[k], "{k} is the same without the rows");
    }
    assert_eq!(
        (totals["rows"].clone(), totals["by_community"].clone()),
        (json!([]), json!([])),
        "no row per grid or community"
    );
    let county = &totals["by_county"];
    assert_eq!(county.as_array().unwrap().len(), 1, "one county: {county}");
    assert_eq!(
        (county[0]["grids"].clone(), county[0]["covered"].clone()),
        (json!(8), json!(1)),
        "the county's totals are the whole"
    );
    assert_eq!(c["by_county"], totals["by_county"], "with or without rows");
    let r = s.get(&center, "/api/v1/coverage?rows=no").await;
    assert_eq!(r.status(), 400, "rows is true or false");
    assert_eq!(error_code(r).await, "invalid_query");
    same_as_recounted(&s, "2026-11-26");
    same_as_recounted(&s, "2026-11-25");
}

/// The coverage the console reads (`grid_windows`, kept as patrols come to count) is the one
/// yiwang-core's rule gives over the day's patrols, recounted from the ledger.
fn same_as_recounted(s: &TestServer, day: &str) {
    use yiwang_core::field::PatrolWindows;
    use yiwang_core::ids::GridId;
    use yiwang_core::measures::{coverage_of_windows, patrol_coverage};
    let date = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
    // Beijing midnight to midnight.
    let from = date.and_hms_opt(0, 0, 0).unwrap().and_utc() - Duration::hours(8);
    let (recounted, kept) = s
        .state
        .ledger
        .read_blocking(move |tx| {
            let patrols = tx.patrols_started_between(from, from + Duration::days(1), None)?;
            let kept: std::collections::HashMap<GridId, u8> =
                tx.grid_windows_on(date, None)?.into_iter().collect();
            let grids: Vec<GridId> = [G1, G2, G5].iter().map(|g| GridId::from(*g)).collect();
            let recounted = patrol_coverage(
                grids.iter(),
                patrols.iter(),
                date,
                &PatrolWindows::default(),
            );
            let kept = coverage_of_windows(grids.iter(), |g| kept.get(g).copied().unwrap_or(0));
            Ok((recounted, kept))
        })
        .unwrap();
    assert_eq!(kept, recounted, "{day}: the kept windows are the recount");
}

/// Pushes `ops` from `user`'s device through `/api/v1/sync/push`; every op must apply.
async fn push_applied(s: &TestServer, token: &str, user: &str, ops: &[Value]) {
    let r = s
        .post(
            token,
            "/api/v1/sync/push",
            &json!({"device_id": format!("dev-{user}"), "ops": ops}),
        )
        .await;
    assert_eq!(r.status(), 200, "a well-formed push is answered 200");
    let body: Value = r.json().await.unwrap();
    for x in body["results"].as_array().unwrap() {
        assert_eq!(x["status"], "applied", "{user}'s ops are stored: {body}");
    }
}

/// A patrol start on `grid` claiming to start at `started` (UTC), with `points` track points.
fn patrol_ops(grid: &str, started: &str, points: usize) -> Vec<Value> {
    let id = new_id();
    let mut start = patrol_start(&id, grid);
    start["data"]["started_at"] = json!(started);
    let mut ops = vec![start];
    if points > 0 {
        ops.push(patrol_track(&id, points));
    }
    ops
}

#[tokio::test]
async fn coverage_counts_no_future_dated_or_trackless_patrol() {
    // The server's clock: 2026-11-26 09:00 Beijing (01:00Z), in the morning window.
    let s = TestServer::start().await;
    let center = s.login("center").await;
    let (w1, w2) = (s.login("worker-0001").await, s.login("worker-0002").await);
    // worker-0001 (G1): a proper morning patrol, and an afternoon one sent now, dated 15:00.
    let mut ops = patrol_ops(G1, "2026-11-26T00:30:00Z", 3);
    ops.extend(patrol_ops(G1, "2026-11-26T07:00:00Z", 3));
    push_applied(&s, &w1, "worker-0001", &ops).await;
    // worker-0002 (G2): a morning start that never sends a track.
    push_applied(
        &s,
        &w2,
        "worker-0002",
        &patrol_ops(G2, "2026-11-26T00:30:00Z", 0),
    )
    .await;
    let windows = |c: &Value, grid: &str| {
        c["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["grid_id"] == grid)
            .map(|r| r["windows"].as_u64().unwrap())
            .unwrap()
    };
    let c = s
        .get_json(&center, "/api/v1/coverage?date=2026-11-26")
        .await;
    assert_eq!(
        (windows(&c, G1), windows(&c, G2)),
        (1, 0),
        "G1's future-dated afternoon and G2's trackless morning do not count"
    );
    assert_eq!(
        (c["covered"].clone(), c["partial"].clone()),
        (json!(0), json!(1))
    );
    let grids = s.get_json(&center, "/api/v1/grids?date=2026-11-26").await;
    let row = |grid: &str| {
        grids["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == grid)
            .cloned()
            .unwrap()
    };
    assert_eq!(
        (row(G1)["patrols"].clone(), row(G1)["windows"].clone()),
        (json!(2), json!(1)),
        "the grid list shows both patrols, and coverage's windows"
    );
    let listed = s
        .get_json(
            &center,
            &format!("/api/v1/patrols?grid_id={G1}&date=2026-11-26"),
        )
        .await;
    let flags: Vec<(String, bool)> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["started_at"].as_str().unwrap().to_owned(),
                p["counts_for_coverage"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        flags.iter().map(|(_, c)| *c).collect::<Vec<_>>(),
        [true, false],
        "the patrol list marks the future-dated one: {flags:?}"
    );

    // 15:05: an honest afternoon patrol of G1, sent as it starts, and G2's track arrives.
    s.advance(Duration::hours(6) + Duration::minutes(5));
    push_applied(
        &s,
        &w1,
        "worker-0001",
        &patrol_ops(G1, "2026-11-26T07:04:00Z", 2),
    )
    .await;
    let g2_patrol = listed_patrol(&s, &center, G2).await;
    push_applied(&s, &w2, "worker-0002", &[patrol_track(&g2_patrol, 2)]).await;
    let c = s
        .get_json(&center, "/api/v1/coverage?date=2026-11-26")
        .await;
    assert_eq!(
        (windows(&c, G1), windows(&c, G2)),
        (2, 1),
        "a proper afternoon patrol covers G1; G2's morning counts once it has a track"
    );
    assert_eq!(c["covered"], 1, "G1 covered by its honest patrols only");
    same_as_recounted(&s, "2026-11-26");
}

/// The id of the one patrol of `grid` on 2026-11-26.
async fn listed_patrol(s: &TestServer, token: &str, grid: &str) -> String {
    let listed = s
        .get_json(
            token,
            &format!("/api/v1/patrols?grid_id={grid}&date=2026-11-26"),
        )
        .await;
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{grid} has one patrol");
    items[0]["id"].as_str().unwrap().to_owned()
}

/// The username of the demo user of department `id`.
fn department_user(s: &TestServer, id: &str) -> String {
    s.seeded
        .users
        .iter()
        .find(|u| u.department_id.as_ref().is_some_and(|d| d.0 == id))
        .unwrap_or_else(|| panic!("department {id} has a demo user"))
        .username
        .clone()
}

#[tokio::test]
async fn a_department_is_not_charged_with_a_case_it_returned() {
    let s = TestServer::start().await;
    let c1 = s.login("community-001").await;
    let t1 = s.login("township-01").await;
    let center = s.login("center").await;
    let power = s.login(&department_user(&s, "power")).await;
    let housing = s.login(&department_user(&s, "housing")).await;
    // 01.02 goes to power by default; power returns it, the township sends it to housing.
    let case = intake(&s, &c1, hotline(G1, "01.02", "电线裸露")).await;
    let id = case["id"].as_str().unwrap().to_owned();
    act_ok(&s, &t1, &id, json!({"action": "claim"})).await;
    act_ok(&s, &t1, &id, json!({"action": "dispatch"})).await;
    act_ok(
        &s,
        &power,
        &id,
        json!({"action": "return", "note": "不属本部门"}),
    )
    .await;
    act_ok(
        &s,
        &t1,
        &id,
        json!({"action": "dispatch", "department": "housing"}),
    )
    .await;
    // A month on, housing let the deadline pass.
    s.advance(Duration::days(30));
    let period = "from=2026-11-20&to=2026-12-31";
    let figures = |token: String| {
        let s = &s;
        async move {
            s.get_json(
                &token,
                &format!("/api/v1/stats?{period}&dimension=department"),
            )
            .await
        }
    };
    let p = figures(power.clone()).await;
    assert_eq!(
        (
            p["total"]["overdue_now"].clone(),
            p["total"]["dispatched"].clone()
        ),
        (json!(0), json!(0)),
        "power returned it: none of its figures count it"
    );
    let listed = s
        .get_json(
            &power,
            &format!("/api/v1/cases?measure=overdue_now&{period}"),
        )
        .await;
    assert_eq!(listed["total"], 0, "nor does its overdue list");
    let h = figures(housing).await;
    assert_eq!(h["total"]["overdue_now"], 1, "housing holds it, overdue");
    let c = figures(center).await;
    let row = |k: &str| {
        c["breakdown"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == k)
            .map(|r| r["measures"]["overdue_now"].clone())
    };
    assert_eq!(row("housing"), Some(json!(1)), "the centre charges housing");
    assert_eq!(row("power"), None, "and not power");
    // Power still sees the case it worked, in its history.
    let seen = s.get(&power, &format!("/api/v1/cases/{id}")).await;
    assert_eq!(
        seen.status(),
        200,
        "power may still read the case it returned"
    );
}
