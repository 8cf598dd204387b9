//! The answers every operation can give whatever its handler says, added to the OpenAPI
//! document in one place so that the document declares every status the server returns.
//!
//! Handlers declare their own outcomes (`#[utoipa::path(responses(…))]`). Around them, the
//! layers answer on their own: the sign-in check (401), the JSON body extractor (400 bad JSON,
//! 413 too large, 415 not JSON, 422 wrong shape), the query and path readers (400, 404), the
//! request timeout (408), the ledger's admission (503 busy), and an internal error (500). The
//! tus routes add their protocol's 412 (no `Tus-Resumable: 1.0.0`). [`complete`] adds what an
//! operation can meet and its handler did not list, and the bearer scheme every signed-in
//! operation requires. `make test` runs schemathesis against a demo server to keep this true.

use serde_json::{json, Map, Value};

/// Operations that need no sign-in.
const PUBLIC: &[&str] = &["/healthz", "/api/v1/auth/login"];

/// The document with the layers' answers and the security scheme added, as JSON.
pub fn complete(doc: utoipa::openapi::OpenApi) -> Value {
    let mut v = serde_json::to_value(&doc).expect("an OpenAPI document serialises");
    complete_value(&mut v);
    v
}

fn error(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    })
}

fn add(responses: &mut Map<String, Value>, status: &str, what: impl FnOnce() -> Value) {
    if !responses.contains_key(status) {
        responses.insert(status.to_owned(), what());
    }
}

fn complete_value(doc: &mut Value) {
    let components = doc
        .as_object_mut()
        .expect("the document is an object")
        .entry("components")
        .or_insert_with(|| json!({}));
    components
        .as_object_mut()
        .expect("components is an object")
        .entry("securitySchemes")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .expect("securitySchemes is an object")
        .insert(
            "bearer".into(),
            json!({"type": "http", "scheme": "bearer",
                   "description": "The token `POST /api/v1/auth/login` answers."}),
        );
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            if !matches!(
                method.as_str(),
                "get" | "put" | "post" | "delete" | "patch" | "head" | "options"
            ) {
                continue;
            }
            complete_operation(path, method, op);
        }
    }
}

fn complete_operation(path: &str, method: &str, op: &mut Value) {
    let public = PUBLIC.contains(&path);
    let tus = path.starts_with("/api/v1/photos") && !path.starts_with("/api/v1/photos/by-hash");
    let params: Vec<(String, String)> = op
        .get("parameters")
        .and_then(Value::as_array)
        .map(|ps| {
            ps.iter()
                .filter_map(|p| {
                    Some((
                        p.get("in")?.as_str()?.to_owned(),
                        p.get("name")?.as_str()?.to_owned(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let json_body = op
        .pointer("/requestBody/content/application~1json")
        .is_some();
    let op = op.as_object_mut().expect("an operation is an object");
    if !public {
        op.insert("security".into(), json!([{"bearer": []}]));
    }
    let responses = op
        .entry("responses")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .expect("responses is an object");
    if !public {
        add(responses, "401", || {
            error("unauthenticated: no valid sign-in; sign in again")
        });
    }
    if json_body {
        add(responses, "400", || {
            error("invalid_json / invalid_body: the body is not JSON, or not readable")
        });
        add(responses, "413", || {
            error("too_large: the body is larger than the server takes")
        });
        add(responses, "415", || {
            error("invalid_content_type: send the body as application/json")
        });
        add(responses, "422", || {
            error("invalid_body / invalid_input: the body's fields are not acceptable")
        });
    }
    if params.iter().any(|(at, _)| at == "query") {
        add(responses, "400", || {
            error("invalid_query: a query parameter is unknown or malformed")
        });
    }
    if params.iter().any(|(at, _)| at == "path") {
        add(responses, "404", || error("not_found"));
    }
    if tus {
        add(responses, "400", || {
            error("a tus header is missing or malformed")
        });
        add(responses, "412", || {
            error("tus_version_unsupported: send Tus-Resumable: 1.0.0")
        });
    }
    if method != "head" {
        add(
            responses,
            "408",
            || json!({"description": "the request took longer than the server's time limit"}),
        );
    }
    add(responses, "500", || {
        error("internal: an error on the server")
    });
    add(responses, "503", || {
        error("unavailable: the server is busy; try again (see Retry-After)")
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_declares_the_layers_answers() {
        let v = complete(crate::app::openapi_unfinished());
        let login = &v["paths"]["/api/v1/auth/login"]["post"];
        assert!(login.get("security").is_none(), "signing in needs no token");
        assert!(login["responses"].get("415").is_some());
        let cases = &v["paths"]["/api/v1/cases"]["get"];
        assert_eq!(cases["security"], json!([{"bearer": []}]));
        for status in ["400", "401", "408", "500", "503"] {
            assert!(cases["responses"].get(status).is_some(), "{status}");
        }
        assert!(v["paths"]["/api/v1/cases/{id}"]["get"]["responses"]
            .get("404")
            .is_some());
    }
}
