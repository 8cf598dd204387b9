//! Administration: admins only; users, units, grids and the category tree, each kept
//! consistent, a refused change storing nothing.

use serde_json::{json, Value};
use yiwang_tests::kit::{error_code, TestServer};

use crate::common::{hotline, intake, G1, G2, G5};

#[tokio::test]
async fn admin_endpoints_refuse_everyone_but_admins() {
    let s = TestServer::start().await;
    let admin = s.login("admin").await;
    let users_before = s.get_json(&admin, "/api/v1/admin/users").await;
    let categories = s.get_json(&admin, "/api/v1/admin/categories").await;
    let new_user = json!({"username": "x1", "password": "long enough", "role": "center", "org_unit_id": "210882"});
    let unit = json!({"id": "210882001009", "parent_id": "210882001", "name": "新社区", "level": "community"});
    let grids = json!({"type": "FeatureCollection", "features": []});
    for user in [
        "worker-0001",
        "community-001",
        "township-01",
        "center",
        "dept-01",
        "leader",
    ] {
        let token = s.login(user).await;
        let calls: Vec<(&str, &str, Option<&Value>)> = vec![
            ("GET", "/api/v1/admin/users", None),
            ("POST", "/api/v1/admin/users", Some(&new_user)),
            ("POST", "/api/v1/admin/users/worker-0002/disable", None),
            ("GET", "/api/v1/admin/units", None),
            ("POST", "/api/v1/admin/units", Some(&unit)),
            ("GET", "/api/v1/admin/grids", None),
            ("POST", "/api/v1/admin/grids/import", Some(&grids)),
            ("GET", "/api/v1/admin/categories", None),
            ("PUT", "/api/v1/admin/categories", Some(&categories)),
        ];
        for (method, path, body) in calls {
            let mut req = s
                .http
                .request(method.parse().unwrap(), s.url(path))
                .bearer_auth(&token);
            if let Some(b) = body {
                req = req.json(b);
            }
            let r = req.send().await.unwrap();
            assert_eq!(
                r.status(),
                403,
                "{user}: {method} {path} is for admins only"
            );
            assert_eq!(error_code(r).await, "forbidden");
        }
    }
    let r = s
        .http
        .get(s.url("/api/v1/admin/users"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "and nobody unsigned");
    assert_eq!(
        s.get_json(&admin, "/api/v1/admin/users").await,
        users_before,
        "no refused call changed a user"
    );
    let units = s.get_json(&admin, "/api/v1/admin/units").await;
    assert_eq!(
        units.as_array().unwrap().len(),
        7,
        "no refused call added a unit"
    );
}

#[tokio::test]
async fn admins_create_and_disable_users() {
    let s = TestServer::start().await;
    let admin = s.login("admin").await;
    let create = |body: Value| {
        let s = &s;
        let admin = admin.clone();
        async move { s.post(&admin, "/api/v1/admin/users", &body).await }
    };
    let r = create(json!({
        "username": "wang.wei", "display_name": "王伟", "password": "s3cret-pass", "role": "grid_worker",
        "org_unit_id": "210882001001", "grid_ids": [G1]
    }))
    .await;
    assert_eq!(r.status(), 201, "an admin adds a grid worker");
    let u: Value = r.json().await.unwrap();
    assert_eq!(u["username"], "wang.wei");
    assert_eq!(u["grid_ids"], json!([G1]));
    assert!(
        u.get("password_hash").is_none(),
        "the hash never leaves the server"
    );

    let login = s
        .http
        .post(s.url("/api/v1/auth/login"))
        .json(&json!({"username": "wang.wei", "password": "s3cret-pass", "device_id": "d9", "device_name": "t"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        login.status(),
        200,
        "the new user signs in with their password"
    );
    let token = login.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let grids = s.get_json(&admin, "/api/v1/admin/grids").await;
    let g1 = grids
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == G1)
        .unwrap();
    assert_eq!(
        g1["worker_id"], "wang.wei",
        "the grid now names its new worker"
    );
    assert!(g1.get("polygon").is_none(), "no polygons unless asked");
    let users = s.get_json(&admin, "/api/v1/admin/users").await;
    let old = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "worker-0001")
        .unwrap();
    assert_eq!(
        old["grid_ids"],
        json!([]),
        "the previous worker no longer holds the grid"
    );

    let refusals: Vec<(Value, u16, &str)> = vec![
        (
            json!({"username": "wang.wei", "password": "another-pass", "role": "center", "org_unit_id": "210882"}),
            409,
            "username_taken",
        ),
        (
            json!({"username": "li", "password": "short", "role": "center", "org_unit_id": "210882"}),
            422,
            "weak_password",
        ),
        (
            json!({"username": "li", "password": "long enough", "role": "township", "org_unit_id": "210882001001"}),
            422,
            "invalid_input",
        ),
        (
            json!({"username": "li", "password": "long enough", "role": "department", "department_id": "space"}),
            422,
            "invalid_input",
        ),
        (
            json!({"username": "li", "password": "long enough", "role": "grid_worker", "org_unit_id": "210882001001", "grid_ids": [G5]}),
            422,
            "invalid_input",
        ),
        (
            json!({"username": "li", "password": "long enough", "role": "emperor", "org_unit_id": "210882"}),
            422,
            "invalid_input",
        ),
        (
            json!({"username": "li li", "password": "long enough", "role": "center", "org_unit_id": "210882"}),
            422,
            "invalid_input",
        ),
    ];
    for (body, status, code) in refusals {
        let r = create(body.clone()).await;
        assert_eq!(r.status(), status, "{body} is refused");
        assert_eq!(error_code(r).await, code, "{body}: the code says why");
    }
    let users_after = s.get_json(&admin, "/api/v1/admin/users").await;
    assert_eq!(
        users_after.as_array().unwrap().len(),
        users.as_array().unwrap().len(),
        "no refused creation added a user"
    );

    let r = s
        .post(&admin, "/api/v1/admin/users/wang.wei/disable", &json!({}))
        .await;
    assert_eq!(r.status(), 200);
    let d: Value = r.json().await.unwrap();
    assert_eq!(d["user"]["disabled"], true);
    assert_eq!(d["revoked_tokens"], 1, "their one session is revoked");
    let r = s.get(&token, "/api/v1/auth/me").await;
    assert_eq!(
        r.status(),
        401,
        "a disabled user's token stops working at once"
    );
    let r = s
        .http
        .post(s.url("/api/v1/auth/login"))
        .json(&json!({"username": "wang.wei", "password": "s3cret-pass", "device_id": "d9", "device_name": "t"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "and they cannot sign in again");
    let r = s
        .post(&admin, "/api/v1/admin/users/admin/disable", &json!({}))
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        error_code(r).await,
        "cannot_disable_self",
        "an admin cannot lock themselves out"
    );
    let r = s
        .post(&admin, "/api/v1/admin/users/nobody/disable", &json!({}))
        .await;
    assert_eq!(r.status(), 404);
}

fn grid_feature(id: &str, community: &str, worker: Option<&str>) -> Value {
    let mut props = json!({"id": id, "name": format!("网格{id}"), "kind": "enterprise", "community_id": community});
    if let Some(w) = worker {
        props["worker"] = json!(w);
    }
    json!({"type": "Feature", "properties": props, "geometry": yiwang_server::seed::square(40.7, 122.6, 0.01)})
}

#[tokio::test]
async fn grid_import_refuses_a_bad_file_whole() {
    let s = TestServer::start().await;
    let admin = s.login("admin").await;
    let before = s.get_json(&admin, "/api/v1/admin/grids?polygons=1").await;
    let mut open_ring = grid_feature("210882001001-09", "210882001001", None);
    open_ring["geometry"]["coordinates"][0][4] = json!([0.0, 0.0]);
    let mut bad_kind = grid_feature("210882001001-10", "210882001001", None);
    bad_kind["properties"]["kind"] = json!("farm");
    let bad = json!({"type": "FeatureCollection", "features": [
        grid_feature("210882001001-07", "210882001001", None),
        grid_feature("210882001001-08", "nowhere", Some("nobody")),
        open_ring,
        bad_kind,
        grid_feature("210882001001-11", "210882001001", Some("center")),
    ]});
    let r = s.post(&admin, "/api/v1/admin/grids/import", &bad).await;
    assert_eq!(r.status(), 422, "one bad feature refuses the file");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_grids");
    let features = body["error"]["features"].as_array().unwrap();
    let indexes: Vec<u64> = features
        .iter()
        .map(|f| f["index"].as_u64().unwrap())
        .collect();
    assert_eq!(
        indexes,
        [1, 2, 3, 4],
        "every bad feature is listed, the good one is not"
    );
    assert_eq!(
        features[0]["errors"].as_array().unwrap().len(),
        2,
        "each feature lists all its problems (unknown community and unknown worker): {}",
        features[0]
    );
    assert!(
        features[3]["errors"][0]
            .as_str()
            .unwrap()
            .contains("not a grid worker"),
        "a worker must be a grid worker: {}",
        features[3]
    );
    assert_eq!(
        s.get_json(&admin, "/api/v1/admin/grids?polygons=1").await,
        before,
        "nothing of the refused file was stored, not even its good feature"
    );
    for (body, status, code) in [
        (json!({"type": "Feature"}), 422, "invalid_grids"),
        (
            json!({"type": "FeatureCollection", "features": []}),
            422,
            "invalid_grids",
        ),
    ] {
        let r = s.post(&admin, "/api/v1/admin/grids/import", &body).await;
        assert_eq!(r.status(), status, "{body} is refused");
        assert_eq!(error_code(r).await, code);
    }

    let mut renamed = grid_feature(G2, "210882001001", None);
    renamed["properties"]["name"] = json!("社区1-1第2网格(调整)");
    renamed["properties"]["kind"] = json!("urban_rural");
    let good = json!({"type": "FeatureCollection", "features": [
        grid_feature("210882001001-03", "210882001001", Some("worker-0002")),
        renamed,
    ]});
    let r = s.post(&admin, "/api/v1/admin/grids/import", &good).await;
    assert_eq!(r.status(), 200, "a good file imports");
    let summary: Value = r.json().await.unwrap();
    assert_eq!(
        (summary["created"].clone(), summary["updated"].clone()),
        (json!(1), json!(1))
    );
    let grids = s.get_json(&admin, "/api/v1/admin/grids").await;
    let grids = grids.as_array().unwrap();
    assert_eq!(grids.len(), 9, "one grid added");
    let g2 = grids.iter().find(|g| g["id"] == G2).unwrap();
    assert_eq!(
        g2["name"], "社区1-1第2网格(调整)",
        "an existing grid is updated"
    );
    assert_eq!(
        g2["worker_id"], "worker-0002",
        "and keeps its worker when the file names none"
    );
    let users = s.get_json(&admin, "/api/v1/admin/users").await;
    let w2 = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "worker-0002")
        .unwrap();
    assert_eq!(
        w2["grid_ids"],
        json!([G2, "210882001001-03"]),
        "the named worker now holds the new grid too"
    );
    let op = s.login("community-001").await;
    let org = s.get_json(&op, "/api/v1/org").await;
    assert_eq!(
        org["grids"].as_array().unwrap().len(),
        3,
        "the community sees its new grid"
    );
}

#[tokio::test]
async fn admins_keep_units_and_categories_consistent() {
    let s = TestServer::start().await;
    let admin = s.login("admin").await;
    let r = s
        .post(
            &admin,
            "/api/v1/admin/units",
            &json!({"id": "210882001003", "parent_id": "210882001", "name": "新村", "level": "community"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let saved: Value = r.json().await.unwrap();
    assert_eq!(saved["created"], true);
    assert_eq!(saved["unit"]["path"], "/210882/210882001/210882001003/");
    let r = s
        .post(
            &admin,
            "/api/v1/admin/units",
            &json!({"id": "210882001003", "parent_id": "210882001", "name": "新村社区", "level": "community"}),
        )
        .await;
    assert_eq!(
        r.json::<Value>().await.unwrap()["created"],
        false,
        "a second post renames"
    );
    for (body, why) in [
        (
            json!({"id": "210882001003", "parent_id": "210882002", "name": "x", "level": "community"}),
            "a unit cannot move to another township",
        ),
        (
            json!({"id": "210882009", "parent_id": "210882001", "name": "x", "level": "township"}),
            "a township cannot sit under a township",
        ),
        (
            json!({"id": "999", "parent_id": null, "name": "x", "level": "county"}),
            "one county only",
        ),
        (
            json!({"id": "210882001004", "parent_id": "nowhere", "name": "x", "level": "community"}),
            "the parent must exist",
        ),
    ] {
        let r = s.post(&admin, "/api/v1/admin/units", &body).await;
        assert_eq!(r.status(), 422, "{why}");
        assert_eq!(error_code(r).await, "invalid_input", "{why}");
    }
    let units = s.get_json(&admin, "/api/v1/admin/units").await;
    assert_eq!(
        units.as_array().unwrap().len(),
        8,
        "only the one new unit was added"
    );
    let worker = s.login("worker-0001").await;
    let org = s.get_json(&worker, "/api/v1/org").await;
    let renamed = org["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == "210882001003")
        .unwrap();
    assert_eq!(
        renamed["name"], "新村社区",
        "everyone's reference data follows"
    );

    let tree = s.get_json(&admin, "/api/v1/admin/categories").await;
    assert_eq!(
        tree["classes"][0]["leaves"][1]["code"], "01.02",
        "core's file format"
    );
    let r = s
        .http
        .put(s.url("/api/v1/admin/categories"))
        .bearer_auth(&admin)
        .json(&tree)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the tree round-trips");
    assert_eq!(r.json::<Value>().await.unwrap(), tree);

    let op = s.login("community-001").await;
    intake(&s, &op, hotline(G1, "01.02", "电线裸露")).await;
    let mut urgent_longer = tree.clone();
    urgent_longer["classes"][0]["leaves"][0]["deadline"]["urgent"] = json!(100);
    let mut unknown_department = tree.clone();
    unknown_department["classes"][0]["leaves"][0]["department"] = json!("space_agency");
    let mut dropped = tree.clone();
    dropped["classes"][0]["leaves"]
        .as_array_mut()
        .unwrap()
        .remove(1);
    for (body, code, why) in [
        (
            urgent_longer,
            "invalid_categories",
            "an urgent deadline may not be longer",
        ),
        (
            unknown_department,
            "invalid_categories",
            "leaves name real departments",
        ),
        (
            dropped,
            "category_in_use",
            "an open case still carries 01.02",
        ),
        (
            json!({"classes": "none"}),
            "invalid_categories",
            "the file format is checked",
        ),
    ] {
        let r = s
            .http
            .put(s.url("/api/v1/admin/categories"))
            .bearer_auth(&admin)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{why}");
        assert_eq!(error_code(r).await, code, "{why}");
    }
    assert_eq!(
        s.get_json(&admin, "/api/v1/admin/categories").await,
        tree,
        "no refused tree was stored"
    );
}
