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
    shapes(doc);
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
    if tus {
        tus_headers(op, path, method);
    }
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
    if let Some(ps) = op.get_mut("parameters").and_then(Value::as_array_mut) {
        for p in ps.iter_mut() {
            if p.get("in").and_then(Value::as_str) == Some("query") {
                empty_means_absent(p);
            }
            if p.get("name").and_then(Value::as_str) == Some("sha256") {
                p["schema"] = json!({"type": "string", "pattern": "^[0-9a-f]{64}$"});
            }
        }
    }
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
        add(responses, "404", || {
            error("not_found: a query names a unit, grid, category, department or figure that does not exist")
        });
    }
    if params.iter().any(|(at, _)| at == "path") {
        add(responses, "400", || error("a path parameter is malformed"));
        add(responses, "404", || error("not_found"));
    }
    if tus {
        if method == "patch" {
            add(responses, "415", || {
                error("invalid_content_type: send the chunk as application/offset+octet-stream")
            });
        }
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
    if method == "head" {
        // A HEAD answer has no body: its statuses and headers are all it says.
        for r in responses.values_mut() {
            if let Some(r) = r.as_object_mut() {
                r.remove("content");
            }
        }
    }
}

/// The shapes of the ids and codes every schema names, which the server checks on input.
fn shapes(doc: &mut Value) {
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let set = |schemas: &mut Map<String, Value>, name: &str, extra: Value| {
        if let (Some(Value::Object(s)), Value::Object(extra)) = (schemas.get_mut(name), extra) {
            s.extend(extra);
        }
    };
    set(
        schemas,
        "PhotoHash",
        json!({"pattern": "^[0-9a-f]{64}$", "minLength": 64, "maxLength": 64}),
    );
    set(
        schemas,
        "CategoryCode",
        json!({"pattern": "^[0-9]{2}(\\.[0-9]{2})*$", "maxLength": 32}),
    );
    set(
        schemas,
        "CaseId",
        json!({"pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"}),
    );
    for id in [
        "GridId",
        "OrgUnitId",
        "DepartmentId",
        "UserId",
        "DeviceId",
        "OpId",
        "PatrolId",
        "FindingId",
    ] {
        set(
            schemas,
            id,
            json!({"minLength": 1, "maxLength": crate::limits::MAX_ID_CHARS,
                   "pattern": "^[^\\s\\x00-\\x1f\\x7f]([^\\x00-\\x1f\\x7f]*[^\\s\\x00-\\x1f\\x7f])?$"}),
        );
    }
}

/// A query parameter given empty counts as not given (`?date=` is today, as a form sends it).
fn empty_means_absent(param: &mut Value) {
    let Some(schema) = param.get_mut("schema").and_then(Value::as_object_mut) else {
        return;
    };
    let is_string = match schema.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "string"),
        _ => false,
    };
    if !is_string {
        return;
    }
    if let Some(Value::String(p)) = schema.get("pattern").cloned() {
        schema.insert("pattern".into(), Value::String(format!("{p}|^$")));
    }
    schema.remove("minLength");
}

/// tus 1.0.0's request headers, as the protocol defines them: every request names the version
/// (`Tus-Resumable: 1.0.0`); a creation gives the whole length (1 byte to a photo's most) and
/// the metadata; a PATCH gives the offset and sends the chunk as
/// `application/offset+octet-stream` (binary).
fn tus_headers(op: &mut Value, path: &str, method: &str) {
    let max = crate::photos::decode::MAX_PHOTO_BYTES;
    let header = |name: &str, required: bool, schema: Value, description: &str| {
        json!({"name": name, "in": "header", "required": required, "schema": schema,
               "description": description})
    };
    let mut params = vec![header(
        "Tus-Resumable",
        true,
        json!({"type": "string", "enum": ["1.0.0"]}),
        "the tus version: 1.0.0",
    )];
    match (path, method) {
        ("/api/v1/photos", "post") => {
            params.push(header(
                "Upload-Length",
                true,
                json!({"type": "integer", "format": "int64", "minimum": 1, "maximum": max}),
                "the whole file's size in bytes",
            ));
            params.push(header(
                "Upload-Metadata",
                true,
                json!({"type": "string", "minLength": 1, "maxLength": 4096}),
                "tus metadata: `sha256 <base64 of the hex SHA-256>`, optionally `finding_id <base64>`",
            ));
        }
        (_, "patch") => {
            params.push(header(
                "Upload-Offset",
                true,
                json!({"type": "integer", "format": "int64", "minimum": 0, "maximum": max}),
                "must equal the server's offset",
            ));
            params.push(header(
                "Upload-Checksum",
                false,
                json!({"type": "string", "pattern": "^sha256 [A-Za-z0-9+/]{43}=$"}),
                "`sha256 <base64>` of this chunk",
            ));
            op["requestBody"] = json!({
                "required": true,
                "content": {"application/offset+octet-stream":
                    {"schema": {"type": "string", "format": "binary"}}}
            });
        }
        _ => {}
    }
    if path.contains("{id}") {
        params.push(json!({"name": "id", "in": "path", "required": true,
                           "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
                           "description": "the upload, as its creation's Location names it"}));
    }
    op["parameters"] = Value::Array(params);
}
