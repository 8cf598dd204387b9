//! Reference data (`/api/v1/org`): every unit, department and category, and only the caller's
//! grids.

use yiwang_tests::kit::TestServer;

use crate::common::{G1, G2, G3, G5, G8};

#[tokio::test]
async fn org_gives_reference_data_and_only_the_callers_grids() {
    let s = TestServer::start().await;
    for (user, grids) in [
        ("worker-0001", vec![G1]),
        ("community-001", vec![G1, G2]),
        (
            "township-02",
            vec![G5, "210882002001-02", "210882002002-01", G8],
        ),
        ("dept-01", vec![]),
        (
            "center",
            vec![
                G1,
                G2,
                G3,
                "210882001002-02",
                G5,
                "210882002001-02",
                "210882002002-01",
                G8,
            ],
        ),
    ] {
        let token = s.login(user).await;
        let org = s.get_json(&token, "/api/v1/org").await;
        let got: Vec<&str> = org["grids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            got, grids,
            "{user} gets exactly the grids in their jurisdiction"
        );
        assert_eq!(
            org["units"].as_array().unwrap().len(),
            7,
            "{user}: every unit, for names"
        );
        assert_eq!(
            org["departments"].as_array().unwrap().len(),
            16,
            "{user}: every department"
        );
        assert!(
            org["categories"].as_array().unwrap().len() > 100,
            "{user}: the category tree"
        );
        assert!(
            org["grids"]
                .as_array()
                .unwrap()
                .iter()
                .all(|g| g.get("polygon").is_none()),
            "{user}: no polygons unless asked"
        );
    }
    let worker = s.login("worker-0001").await;
    let org = s.get_json(&worker, "/api/v1/org?polygons=1").await;
    assert_eq!(
        org["grids"][0]["polygon"]["type"], "Polygon",
        "polygons=1 brings them"
    );
}
