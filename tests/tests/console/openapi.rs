//! The OpenAPI document: it lists every console route and filter, every JSON answer has a
//! schema, every operation its own id, and `ui/src/generated/openapi.json` is the document as
//! the server makes it now.
//!
//! The console's TypeScript types are generated from that file (`npm run gen:api`, checked by
//! `make test`), so a change to a request or response type that is not regenerated fails here,
//! and its types then fail the console's type check. `YIWANG_BLESS=1 cargo test -p
//! yiwang-tests --test console openapi` rewrites the file.

use std::path::PathBuf;

use serde_json::Value;
use yiwang_tests::kit::TestServer;

#[tokio::test]
async fn the_openapi_document_lists_every_console_route() {
    let s = TestServer::start().await;
    let api: Value = s.public_json("/api/v1/openapi.json").await;
    for (path, method) in [
        ("/api/v1/cases", "get"),
        ("/api/v1/cases", "post"),
        ("/api/v1/cases/{id}", "get"),
        ("/api/v1/cases/{id}/actions", "post"),
        ("/api/v1/stats", "get"),
        ("/api/v1/coverage", "get"),
        ("/api/v1/exports/cases.csv", "get"),
        ("/api/v1/exports/cases.geojson", "get"),
        ("/api/v1/admin/users", "get"),
        ("/api/v1/admin/users", "post"),
        ("/api/v1/admin/users/{id}/disable", "post"),
        ("/api/v1/admin/units", "get"),
        ("/api/v1/admin/units", "post"),
        ("/api/v1/admin/grids", "get"),
        ("/api/v1/admin/grids/import", "post"),
        ("/api/v1/admin/categories", "get"),
        ("/api/v1/admin/categories", "put"),
        ("/api/v1/org", "get"),
    ] {
        assert!(
            api["paths"][path][method].is_object(),
            "the OpenAPI document lists {method} {path}"
        );
    }
}

#[tokio::test]
async fn the_openapi_document_lists_the_new_routes_and_filters() {
    let s = TestServer::start().await;
    let doc: Value = s.public_json("/api/v1/openapi.json").await;
    for path in ["/api/v1/grids", "/api/v1/patrols", "/api/v1/patrols/{id}"] {
        assert!(
            doc["paths"][path]["get"].is_object(),
            "{path} is documented"
        );
    }
    let params: Vec<&str> = doc["paths"]["/api/v1/cases"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for name in ["measure", "dimension", "key"] {
        assert!(
            params.contains(&name),
            "/api/v1/cases documents {name}: {params:?}"
        );
    }
}

#[test]
fn the_checked_in_openapi_document_is_the_servers() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/generated/openapi.json");
    let doc = serde_json::to_string_pretty(&yiwang_server::app::openapi())
        .expect("the document serialises")
        + "\n";
    if std::env::var_os("YIWANG_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &doc).expect("the document can be written");
        return;
    }
    let found = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        found == doc,
        "{} is stale; run `YIWANG_BLESS=1 cargo test -p yiwang-tests --test console openapi`, \
         then `cd ui && npm run gen:api`",
        path.display()
    );
}

#[test]
fn every_json_answer_has_a_schema() {
    let doc = yiwang_server::app::openapi();
    let mut missing = Vec::new();
    for (path, ops) in doc["paths"].as_object().expect("paths") {
        for (method, op) in ops.as_object().expect("operations") {
            for (status, resp) in op["responses"].as_object().into_iter().flatten() {
                let json = &resp["content"]["application/json"];
                if !json.is_null() && json["schema"].is_null() {
                    missing.push(format!("{method} {path} {status}"));
                }
                // A 2xx with a body the console reads must say what it is.
                if status == "200" && resp["content"].is_null() && !path.contains("photos") {
                    missing.push(format!("{method} {path} 200 has no content"));
                }
            }
        }
    }
    assert!(missing.is_empty(), "answers without a schema: {missing:#?}");
}

#[test]
fn operation_ids_are_unique() {
    let doc = yiwang_server::app::openapi();
    let mut seen = std::collections::BTreeMap::new();
    for (path, ops) in doc["paths"].as_object().expect("paths") {
        for (method, op) in ops.as_object().expect("operations") {
            let id = op["operationId"].as_str().unwrap_or_default().to_owned();
            if let Some(first) = seen.insert(id.clone(), format!("{method} {path}")) {
                panic!("operationId {id} names both {first} and {method} {path}: client generators need one each");
            }
        }
    }
}
