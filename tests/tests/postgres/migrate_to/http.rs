//! The HTTP side of the `migrate-to` test: signing in, pushing, uploading and pulling through a
//! real server process, and comparing what two servers answer.

use super::*;

/// A sign-in as `user` with `password`: the status and the body.
pub(super) async fn sign_in(s: &ServerProcess, user: &str, password: &str) -> (u16, String) {
    let r = s
        .http
        .post(format!("{}/api/v1/auth/login", s.base()))
        .json(&json!({"username": user, "password": password,
                      "device_id": format!("migrate-{user}"), "device_name": "migrate-to test"}))
        .send()
        .await
        .expect("the server answers the login");
    let status = r.status().as_u16();
    (status, r.text().await.unwrap_or_default())
}

pub(super) async fn login(s: &ServerProcess, user: &str) -> String {
    let (status, body) = sign_in(s, user, PASSWORD).await;
    assert_eq!(
        status,
        200,
        "{user} signs in on {} (password {PASSWORD}): {body}",
        s.base()
    );
    let body: Value = serde_json::from_str(&body).expect("the login answers JSON");
    body["token"].as_str().expect("a token").to_owned()
}

pub(super) async fn get(s: &ServerProcess, token: &str, path: &str) -> (u16, Value) {
    let r = s
        .http
        .get(format!("{}{path}", s.base()))
        .bearer_auth(token)
        .send()
        .await
        .expect("the server answers");
    let status = r.status().as_u16();
    let text = r.text().await.unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

pub(super) async fn push(s: &ServerProcess, token: &str, device: &str, ops: &[Value]) -> Value {
    let r = s
        .http
        .post(format!("{}/api/v1/sync/push", s.base()))
        .bearer_auth(token)
        .json(&json!({"device_id": device, "ops": ops}))
        .send()
        .await
        .expect("the server answers the push");
    let status = r.status();
    let body: Value = r.json().await.expect("a push answers JSON");
    assert_eq!(status, 200, "a well-formed push is answered 200: {body}");
    let results = body["results"].as_array().expect("push results");
    assert_eq!(results.len(), ops.len(), "one result per op: {body}");
    for r in results {
        assert_eq!(
            r["status"], "applied",
            "every op of the push is applied: {r}"
        );
    }
    body
}

pub(super) fn op(kind: &str, entity: &str, at: chrono::DateTime<Utc>, data: Value) -> Value {
    json!({"op_id": uuid::Uuid::now_v7().to_string(), "type": kind, "entity_id": entity,
           "at": at, "data": data})
}

pub(super) fn stamp(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A small real JPEG of noise, different for each `seed`.
pub(super) fn jpeg(seed: u32) -> Vec<u8> {
    use image::{codecs::jpeg::JpegEncoder, ExtendedColorType, ImageEncoder, Rgb, RgbImage};
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let img = RgbImage::from_fn(64, 48, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        Rgb([(state & 0xff) as u8, (x % 256) as u8, ((y * 3) % 256) as u8])
    });
    let mut out = vec![];
    JpegEncoder::new_with_quality(&mut out, 90)
        .write_image(img.as_raw(), 64, 48, ExtendedColorType::Rgb8)
        .expect("a JPEG encodes");
    out
}

/// Uploads `bytes` over tus as `token`: its SHA-256.
pub(super) async fn upload(s: &ServerProcess, token: &str, bytes: &[u8]) -> String {
    use base64::Engine;
    use sha2::Digest;
    let sha = hex::encode(sha2::Sha256::digest(bytes));
    let b64 = |v: &str| base64::engine::general_purpose::STANDARD.encode(v);
    let r = s
        .http
        .post(format!("{}/api/v1/photos", s.base()))
        .bearer_auth(token)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", bytes.len().to_string())
        .header(
            "Upload-Metadata",
            format!("sha256 {},filename {}", b64(&sha), b64("现场.jpg")),
        )
        .send()
        .await
        .expect("the server answers the upload");
    let status = r.status();
    if status == 200 || status == 204 {
        // The bytes are there already (another uploader's).
        return sha;
    }
    assert_eq!(status, 201, "the upload is created");
    let location = r.headers()["location"]
        .to_str()
        .expect("a location")
        .to_owned();
    let location = if location.starts_with("http") {
        location
    } else {
        format!("{}{location}", s.base())
    };
    let r = s
        .http
        .patch(location)
        .bearer_auth(token)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", "0")
        .header("Content-Type", "application/offset+octet-stream")
        .body(bytes.to_vec())
        .send()
        .await
        .expect("the server answers the upload's bytes");
    assert_eq!(r.status(), 204, "the photo's bytes are taken");
    sha
}

/// worker-0001's patrol of this morning (16,000 track points) with three reports, each opening
/// a case that gets a comment; the first report shows `photo`.
pub(super) fn field_work(photo: &str) -> Vec<Value> {
    let now = Utc::now();
    let start = now - Span::hours(2);
    let patrol = uuid::Uuid::now_v7().to_string();
    let mut ops = vec![op(
        "patrol.start",
        &patrol,
        start,
        json!({"grid_id": GRID, "started_at": stamp(start)}),
    )];
    for k in 0..TRACK_OPS {
        let points: Vec<Value> = (0..POINTS_PER_OP)
            .map(|i| {
                let n = k * POINTS_PER_OP + i;
                let t = start + Span::milliseconds(400 * n as i64 + 1_000);
                json!({"t": stamp(t), "lat": 40.611 + 0.000_000_3 * n as f64,
                       "lon": 122.503 + 0.000_01 * (n % 100) as f64,
                       "accuracy_m": 5.0, "mock": false})
            })
            .collect();
        ops.push(op(
            "patrol.track",
            &patrol,
            now,
            json!({ "points": points }),
        ));
    }
    for r in 0..REPORTS {
        let (finding, case) = (
            uuid::Uuid::now_v7().to_string(),
            uuid::Uuid::now_v7().to_string(),
        );
        let seen = start + Span::minutes(10 + 20 * r as i64);
        ops.push(op(
            "finding.create",
            &finding,
            seen,
            json!({"grid_id": GRID, "patrol_id": patrol, "category_code": "01.01",
                   "description": format!("井盖缺失{r}"), "lat": 40.615, "lon": 122.504,
                   "accuracy_m": 6.0, "observed_at": stamp(seen), "disposition": "report",
                   "photos": if r == 0 { json!([photo]) } else { json!([]) }, "case_id": case}),
        ));
        ops.push(op(
            "case.action",
            &case,
            seen,
            json!({"action": "comment", "base_version": 1, "note": "补充说明"}),
        ));
    }
    let end = now - Span::minutes(5);
    ops.push(op(
        "patrol.end",
        &patrol,
        end,
        json!({"ended_at": stamp(end)}),
    ));
    ops
}

/// Every change `token` may pull, from no cursor to the end: the changes and the last cursor.
pub(super) async fn pull_all(s: &ServerProcess, token: &str, who: &str) -> (Vec<Value>, String) {
    let mut cursor = String::new();
    let mut all = vec![];
    loop {
        let (status, page) = get(
            s,
            token,
            &format!("/api/v1/sync/pull?cursor={cursor}&limit=1000"),
        )
        .await;
        assert_eq!(
            status,
            200,
            "{who}'s pull is answered on {}: {page}",
            s.base()
        );
        let changes = page["changes"].as_array().expect("a page of changes");
        all.extend(changes.iter().cloned());
        cursor = page["cursor"].as_str().expect("a cursor").to_owned();
        if page["has_more"] == false {
            return (all, cursor);
        }
        assert!(!changes.is_empty(), "has_more means the page had changes");
    }
}

/// `path` as `token_a` on `a` and `token_b` on `b` answer the same JSON, but for the instant
/// the figures were computed at. `a` is asked before and after `b`, and the two asks of `a`
/// must agree (a deadline falling due between them would change an "overdue now").
pub(super) async fn same_answer(
    a: &ServerProcess,
    token_a: &str,
    b: &ServerProcess,
    token_b: &str,
    path: &str,
    who: &str,
) {
    let strip = |(status, mut v): (u16, Value)| {
        assert_eq!(status, 200, "{who}: {path} is answered: {v}");
        if let Some(o) = v.as_object_mut() {
            o.remove("now");
        }
        v
    };
    for attempt in 1..=3 {
        let before = strip(get(a, token_a, path).await);
        let other = strip(get(b, token_b, path).await);
        let after = strip(get(a, token_a, path).await);
        if before != after && attempt < 3 {
            continue;
        }
        assert_eq!(
            other, before,
            "{who}: {path} answers the same on the PostgreSQL copy as on SQLite"
        );
        return;
    }
}
