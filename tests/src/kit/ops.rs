//! Sync ops as the wire carries them (JSON), for the protocol tests: each with a fresh UUIDv7
//! op id, made at 2026-11-26 09:05 Beijing time.

use serde_json::{json, Value};

/// A fresh UUIDv7, as devices make ids.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

pub fn op(kind: &str, entity: &str, data: Value) -> Value {
    json!({
        "op_id": new_id(), "type": kind, "entity_id": entity,
        "at": "2026-11-26T01:05:00Z", "data": data
    })
}

pub fn patrol_start(patrol: &str, grid: &str) -> Value {
    op(
        "patrol.start",
        patrol,
        json!({"grid_id": grid, "started_at": "2026-11-26T01:00:00Z"}),
    )
}

/// `n` track points a minute apart, heading north.
pub fn patrol_track(patrol: &str, n: usize) -> Value {
    let points: Vec<Value> = (0..n)
        .map(|i| {
            json!({"t": format!("2026-11-26T01:{:02}:00Z", i + 1), "lat": 40.612 + 0.0001 * i as f64,
                   "lon": 122.503, "accuracy_m": 5.0, "mock": false})
        })
        .collect();
    op("patrol.track", patrol, json!({ "points": points }))
}

pub fn patrol_end(patrol: &str) -> Value {
    op(
        "patrol.end",
        patrol,
        json!({"ended_at": "2026-11-26T02:00:00Z"}),
    )
}

/// A missing manhole cover (01.01) on `grid`, as `finding.create` data.
pub fn finding_data(grid: &str, disposition: &str, case_id: Option<&str>) -> Value {
    json!({
        "grid_id": grid, "category_code": "01.01", "description": "井盖缺失，行人有坠落危险",
        "lat": 40.615, "lon": 122.504, "accuracy_m": 6.0, "observed_at": "2026-11-26T01:10:00Z",
        "disposition": disposition, "photos": [], "case_id": case_id
    })
}

pub fn finding(id: &str, grid: &str, disposition: &str, case_id: Option<&str>) -> Value {
    op(
        "finding.create",
        id,
        finding_data(grid, disposition, case_id),
    )
}

/// A `case.action` op: `action` (`{"action": …, …fields}`) decided on `base_version`.
pub fn case_action(case: &str, base_version: u64, action: Value) -> Value {
    let mut data = action;
    data["base_version"] = json!(base_version);
    op("case.action", case, data)
}
