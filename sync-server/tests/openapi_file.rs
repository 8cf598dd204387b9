//! `ui/src/generated/openapi.json` is the server's OpenAPI document as it is now: the console's
//! TypeScript types are generated from that file (`npm run gen:api`, checked by `make test`), so
//! a change to a request or response type that is not regenerated fails here, and its types
//! then fail the console's type check. `YIWANG_BLESS=1 cargo test -p yiwang-server --test
//! openapi_file` rewrites the file.

use std::path::PathBuf;

#[test]
fn the_checked_in_openapi_document_is_the_servers() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/generated/openapi.json");
    let doc = yiwang_server::app::openapi()
        .to_pretty_json()
        .expect("the document serialises")
        + "\n";
    if std::env::var_os("YIWANG_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &doc).expect("the document can be written");
        return;
    }
    let found = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        found == doc,
        "{} is stale; run `YIWANG_BLESS=1 cargo test -p yiwang-server --test openapi_file`, \
         then `cd ui && npm run gen:api`",
        path.display()
    );
}

#[test]
fn every_json_answer_has_a_schema() {
    let doc = serde_json::to_value(yiwang_server::app::openapi()).expect("JSON");
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
    let doc = serde_json::to_value(yiwang_server::app::openapi()).expect("JSON");
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
