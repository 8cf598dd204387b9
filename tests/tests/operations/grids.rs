//! `grids import`: a good GeoJSON file adds and renames grids (and gives a worker the new
//! one); a file with one bad feature, or one that is not JSON, changes nothing.

use serde_json::{json, Value};
use std::path::Path;

use crate::common::{ledger_count, run, seed_small_on, text, yiwang_any};
use yiwang_tests::kit::Backend;

fn grid_feature(id: &str, community: &str, kind: &str, worker: Option<&str>) -> Value {
    let mut props = json!({"id": id, "name": format!("导入网格{id}"), "kind": kind,
                           "community_id": community});
    if let Some(w) = worker {
        props["worker"] = json!(w);
    }
    json!({"type": "Feature", "properties": props,
           "geometry": yiwang_server::seed::square(40.70, 122.60, 0.004)})
}

#[test]
fn grids_import_adds_a_good_file_and_a_bad_file_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    seed_small_on(&Backend::from_env(), dir.path(), false, 0);
    let grids = |dir: &Path| ledger_count(dir, "SELECT count(*) FROM grids");
    assert_eq!(grids(dir.path()), 8, "the small county has eight grids");

    let good = dir.path().join("good.geojson");
    let mut renamed = grid_feature("210882001001-01", "210882001001", "urban_rural", None);
    renamed["properties"]["name"] = json!("富丽社区第一网格（调整后）");
    std::fs::write(
        &good,
        json!({"type": "FeatureCollection", "features": [
            grid_feature("210882001001-03", "210882001001", "enterprise", Some("worker-0001")),
            renamed,
        ]})
        .to_string(),
    )
    .unwrap();
    let mut c = yiwang_any(dir.path());
    c.args(["grids", "import"]).arg(&good);
    let out = run(c);
    assert!(out.status.success(), "a good file imports: {}", text(&out));
    assert!(
        text(&out).contains("1 new, 1 updated"),
        "the summary tells new from updated: {}",
        text(&out)
    );
    {
        let db = dir.path();
        assert_eq!(
            ledger_count(db, "SELECT count(*) FROM grids"),
            9,
            "one grid added"
        );
        assert_eq!(
            ledger_count(
                db,
                "SELECT count(*) FROM grids WHERE id = '210882001001-03' AND kind = 'enterprise'"
            ),
            1,
            "the new grid is stored with its kind"
        );
        assert_eq!(
            ledger_count(
                db,
                "SELECT count(*) FROM grids WHERE name = '富丽社区第一网格（调整后）'"
            ),
            1,
            "the existing grid was renamed"
        );
        assert_eq!(
            ledger_count(
                db,
                "SELECT count(*) FROM user_grids WHERE user_id = 'worker-0001'
                 AND grid_id = '210882001001-03'"
            ),
            1,
            "the named worker now owns the new grid"
        );
    }

    let bad = dir.path().join("bad.geojson");
    std::fs::write(
        &bad,
        json!({"type": "FeatureCollection", "features": [
            grid_feature("210882001001-04", "210882001001", "school", None),
            grid_feature("210882999999-01", "210882999999", "school", None),
        ]})
        .to_string(),
    )
    .unwrap();
    let mut c = yiwang_any(dir.path());
    c.args(["grids", "import"]).arg(&bad);
    let out = run(c);
    assert!(
        !out.status.success(),
        "a file with an unknown community is refused"
    );
    assert!(
        text(&out).contains("feature 1") && text(&out).contains("nothing changed"),
        "the refusal names the bad feature and says nothing changed: {}",
        text(&out)
    );
    assert_eq!(
        grids(dir.path()),
        9,
        "not even the good feature of a bad file is stored"
    );

    let not_json = dir.path().join("broken.geojson");
    std::fs::write(
        &not_json,
        "{\"type\": \"FeatureCollection\", \"features\": [",
    )
    .unwrap();
    let mut c = yiwang_any(dir.path());
    c.args(["grids", "import"]).arg(&not_json);
    let out = run(c);
    assert!(!out.status.success(), "a file that is not JSON is refused");
    assert!(
        text(&out).contains("not JSON"),
        "and says why: {}",
        text(&out)
    );
    assert_eq!(grids(dir.path()), 9, "a broken file changes nothing");
}
