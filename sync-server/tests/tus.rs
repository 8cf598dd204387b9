//! tus 1.0.0 conformance and the photo store, on a real listener: creation, resume after a
//! broken connection at an arbitrary byte, checksums, termination, expiry, resume on a restarted
//! server over the same data folder, the whole-file hash, image checks, `by-hash` lookups and
//! who may fetch a photo.

mod common;

use base64::Engine;
use chrono::Duration;
use common::{error_code, TestServer, PASSWORD};
use image::codecs::jpeg::JpegEncoder;
use image::{ExtendedColorType, ImageEncoder, Rgb, RgbImage};
use reqwest::{Method, Response};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use tokio::io::AsyncWriteExt;
use yiwang_core::case::{Action, Channel, NewCase};
use yiwang_core::ids::{CaseId, PhotoHash};
use yiwang_core::sync::Entity;
use yiwang_server::seed::{seed_county, small_plan};
use yiwang_server::state::{AppState, Settings};
use yiwang_server::storage::Ledger;

// ---------------------------------------------------------------------------------------------
// Helpers

/// A real JPEG of `width`×`height` noise (noise compresses badly, so the file is large enough to
/// span several chunks); `seed` makes each picture different.
fn jpeg(width: u32, height: u32, seed: u32) -> Vec<u8> {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let img = RgbImage::from_fn(width, height, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        Rgb([
            (state & 0xff) as u8,
            ((x + seed) % 256) as u8,
            ((y * 3) % 256) as u8,
        ])
    });
    let mut out = vec![];
    JpegEncoder::new_with_quality(&mut out, 90)
        .write_image(img.as_raw(), width, height, ExtendedColorType::Rgb8)
        .unwrap();
    out
}

fn sha_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn b64(s: impl AsRef<[u8]>) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// A PNG whose header declares `width`×`height`, with one tiny IDAT: a decompression bomb's
/// header on a few dozen bytes.
fn png_declaring(width: u32, height: u32) -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8 bits, RGB, deflate, adaptive filter, no interlace
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01],
    );
    chunk(&mut out, b"IEND", &[]);
    out
}

/// A tus client on one server: base URL, bearer token and an HTTP client.
struct Tus<'a> {
    http: &'a reqwest::Client,
    base: &'a str,
    token: String,
}

impl Tus<'_> {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .bearer_auth(&self.token)
            .header("Tus-Resumable", "1.0.0")
    }

    /// Creates an upload for `len` bytes whose whole-file hash is `sha`; returns the response.
    async fn create_raw(&self, len: usize, sha: &str) -> Response {
        self.request(Method::POST, "/api/v1/photos")
            .header("Upload-Length", len.to_string())
            .header(
                "Upload-Metadata",
                format!("sha256 {},filename {}", b64(sha), b64("现场.jpg")),
            )
            .send()
            .await
            .unwrap()
    }

    /// Creates an upload for `bytes`; returns its location.
    async fn create(&self, bytes: &[u8]) -> String {
        let resp = self.create_raw(bytes.len(), &sha_hex(bytes)).await;
        assert_eq!(resp.status(), 201, "creation answers 201 Created");
        resp.headers()["location"].to_str().unwrap().to_owned()
    }

    async fn patch(&self, loc: &str, offset: usize, chunk: &[u8]) -> Response {
        self.request(Method::PATCH, loc)
            .header("Upload-Offset", offset.to_string())
            .header("Content-Type", "application/offset+octet-stream")
            .body(chunk.to_vec())
            .send()
            .await
            .unwrap()
    }

    async fn patch_checked(&self, loc: &str, offset: usize, chunk: &[u8], sum: &[u8]) -> Response {
        self.request(Method::PATCH, loc)
            .header("Upload-Offset", offset.to_string())
            .header("Content-Type", "application/offset+octet-stream")
            .header(
                "Upload-Checksum",
                format!("sha256 {}", b64(Sha256::digest(sum))),
            )
            .body(chunk.to_vec())
            .send()
            .await
            .unwrap()
    }

    async fn head(&self, loc: &str) -> Response {
        self.request(Method::HEAD, loc).send().await.unwrap()
    }

    async fn offset(&self, loc: &str) -> u64 {
        let resp = self.head(loc).await;
        assert_eq!(resp.status(), 200, "HEAD of a live upload is 200");
        offset_of(&resp)
    }

    /// Sends the whole file in chunks of `chunk` bytes; returns the last response.
    async fn upload_all(&self, loc: &str, bytes: &[u8], from: usize, chunk: usize) -> Response {
        let mut at = from;
        loop {
            let end = (at + chunk).min(bytes.len());
            let resp = self.patch(loc, at, &bytes[at..end]).await;
            if resp.status() != 204 || end == bytes.len() {
                return resp;
            }
            assert_eq!(offset_of(&resp), end as u64, "each chunk moves the offset");
            at = end;
        }
    }

    async fn by_hash(&self, method: Method, sha: &str, suffix: &str) -> Response {
        self.http
            .request(
                method,
                self.url(&format!("/api/v1/photos/by-hash/{sha}{suffix}")),
            )
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }
}

fn offset_of(resp: &Response) -> u64 {
    resp.headers()["upload-offset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

async fn tus<'a>(s: &'a TestServer, user: &str) -> Tus<'a> {
    Tus {
        http: &s.http,
        base: &s.base,
        token: s.login(user).await,
    }
}

/// Files in the photo store (photos and thumbnails), recursively.
fn stored_files(data_dir: &Path) -> Vec<String> {
    fn walk(dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p.file_name().unwrap().to_string_lossy().into_owned());
            }
        }
    }
    let mut out = vec![];
    walk(&data_dir.join("photos"), &mut out);
    out.sort();
    out
}

fn part_file(data_dir: &Path, loc: &str) -> std::path::PathBuf {
    let id = loc.rsplit('/').next().unwrap();
    data_dir.join("uploads").join(format!("{id}.part"))
}

/// Writes a PATCH's headers (announcing `total` body bytes) and only `body`, then closes the
/// connection: a phone losing its signal mid-chunk.
async fn patch_cut_off(
    base: &str,
    token: &str,
    loc: &str,
    offset: usize,
    body: &[u8],
    total: usize,
) {
    let addr = base.strip_prefix("http://").unwrap();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "PATCH {loc} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Tus-Resumable: 1.0.0\r\nUpload-Offset: {offset}\r\n\
         Content-Type: application/offset+octet-stream\r\nContent-Length: {total}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    stream.flush().await.unwrap();
    drop(stream);
}

/// Asks HEAD until the offset is `want` (the server keeps a cut-off chunk's bytes when it notices
/// the connection is gone, a moment after), or gives up after 10 s with the last offset.
async fn offset_becomes(t: &Tus<'_>, loc: &str, want: u64) -> u64 {
    let mut last = 0;
    for _ in 0..200 {
        last = t.offset(loc).await;
        if last == want {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    last
}

// ---------------------------------------------------------------------------------------------
// Protocol basics

#[tokio::test]
async fn options_tells_what_the_server_speaks_and_other_versions_get_412() {
    let s = TestServer::start().await;
    let resp = s
        .http
        .request(Method::OPTIONS, s.url("/api/v1/photos"))
        .send()
        .await
        .unwrap();
    assert!(
        resp.status().is_success(),
        "OPTIONS needs no token: {}",
        resp.status()
    );
    let h = resp.headers();
    assert_eq!(h["tus-version"], "1.0.0");
    assert_eq!(h["tus-resumable"], "1.0.0");
    assert_eq!(
        h["tus-max-size"],
        (40 * 1024 * 1024).to_string(),
        "the device pipeline's limit"
    );
    assert_eq!(h["tus-checksum-algorithm"], "sha256");
    let ext = h["tus-extension"].to_str().unwrap();
    for e in ["creation", "checksum", "termination", "expiration"] {
        assert!(ext.split(',').any(|x| x == e), "{e} is advertised in {ext}");
    }

    // A browser's CORS preflight is answered, and the tus headers are readable by scripts.
    let resp = s
        .http
        .request(
            Method::OPTIONS,
            s.url("/api/v1/photos/0123456789abcdef0123456789abcdef"),
        )
        .header("Origin", "http://console.example")
        .header("Access-Control-Request-Method", "PATCH")
        .header(
            "Access-Control-Request-Headers",
            "authorization,upload-offset,tus-resumable",
        )
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "preflight passes");
    assert_eq!(resp.headers()["access-control-allow-origin"], "*");
    let methods = resp.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap();
    assert!(
        methods.contains("PATCH"),
        "PATCH is allowed cross-origin: {methods}"
    );
    let token = s.login("worker-0001").await;
    let resp = s
        .http
        .post(s.url("/api/v1/photos"))
        .bearer_auth(&token)
        .header("Origin", "http://console.example")
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", "10")
        .header("Upload-Metadata", format!("sha256 {}", b64("a".repeat(64))))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let exposed = resp.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for name in [
        "location",
        "upload-offset",
        "upload-length",
        "tus-resumable",
        "upload-expires",
    ] {
        assert!(
            exposed.contains(name),
            "{name} is exposed to browser scripts: {exposed}"
        );
    }

    for version in [None, Some("0.2.2")] {
        let mut req = s
            .http
            .post(s.url("/api/v1/photos"))
            .bearer_auth(&token)
            .header("Upload-Length", "10")
            .header("Upload-Metadata", format!("sha256 {}", b64("a".repeat(64))));
        if let Some(v) = version {
            req = req.header("Tus-Resumable", v);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 412, "Tus-Resumable {version:?} is not 1.0.0");
        assert_eq!(
            resp.headers()["tus-version"],
            "1.0.0",
            "412 says what we speak"
        );
        assert_eq!(
            resp.headers()["tus-resumable"],
            "1.0.0",
            "every response carries it"
        );
        assert_eq!(error_code(resp).await, "tus_version_unsupported");
    }
}

#[tokio::test]
async fn creation_refuses_bad_requests_and_creates_nothing() {
    let s = TestServer::start().await;
    let t = tus(&s, "worker-0001").await;
    let sha = "ab".repeat(32);
    let cases: Vec<(&str, reqwest::RequestBuilder, u16, &str)> = vec![
        (
            "no Upload-Length",
            t.request(Method::POST, "/api/v1/photos")
                .header("Upload-Metadata", format!("sha256 {}", b64(&sha))),
            400,
            "upload_length_required",
        ),
        (
            "a length that is not a number",
            t.request(Method::POST, "/api/v1/photos")
                .header("Upload-Length", "ten")
                .header("Upload-Metadata", format!("sha256 {}", b64(&sha))),
            400,
            "invalid_upload_length",
        ),
        (
            "more than 40 MiB",
            t.request(Method::POST, "/api/v1/photos")
                .header("Upload-Length", (40 * 1024 * 1024 + 1).to_string())
                .header("Upload-Metadata", format!("sha256 {}", b64(&sha))),
            413,
            "too_large",
        ),
        (
            "no sha256 in the metadata",
            t.request(Method::POST, "/api/v1/photos")
                .header("Upload-Length", "100")
                .header("Upload-Metadata", format!("filename {}", b64("a.jpg"))),
            400,
            "invalid_metadata",
        ),
        (
            "a sha256 that is not one",
            t.request(Method::POST, "/api/v1/photos")
                .header("Upload-Length", "100")
                .header("Upload-Metadata", format!("sha256 {}", b64("abc"))),
            400,
            "invalid_metadata",
        ),
        (
            "metadata that is not base64",
            t.request(Method::POST, "/api/v1/photos")
                .header("Upload-Length", "100")
                .header("Upload-Metadata", "sha256 %%%"),
            400,
            "invalid_metadata",
        ),
        (
            "a deferred length",
            t.request(Method::POST, "/api/v1/photos")
                .header("Upload-Defer-Length", "1")
                .header("Upload-Metadata", format!("sha256 {}", b64(&sha))),
            400,
            "defer_length_unsupported",
        ),
        (
            "no token",
            s.http
                .post(s.url("/api/v1/photos"))
                .header("Tus-Resumable", "1.0.0")
                .header("Upload-Length", "100")
                .header("Upload-Metadata", format!("sha256 {}", b64(&sha))),
            401,
            "unauthenticated",
        ),
    ];
    for (why, req, status, code) in cases {
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), status, "{why}");
        assert_eq!(
            resp.headers()["tus-resumable"],
            "1.0.0",
            "{why}: still a tus response"
        );
        assert_eq!(error_code(resp).await, code, "{why}");
    }
    let uploads = s
        .state
        .ledger
        .read_blocking(|tx| tx.expired_uploads(TestServer::t0() + Duration::days(3650), 100))
        .unwrap();
    assert!(
        uploads.is_empty(),
        "no refused request created an upload: {uploads:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// The upload's life

#[tokio::test]
async fn an_upload_in_checksummed_chunks_stores_the_photo_and_its_thumbnail() {
    let s = TestServer::start().await;
    let t = tus(&s, "worker-0001").await;
    let photo = jpeg(800, 600, 1);
    let sha = sha_hex(&photo);

    let resp = t.create_raw(photo.len(), &sha).await;
    assert_eq!(resp.status(), 201);
    let loc = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        loc.starts_with("/api/v1/photos/"),
        "Location is the upload's URL: {loc}"
    );
    assert!(
        resp.headers().contains_key("upload-expires"),
        "expiration extension"
    );
    assert!(
        !resp.headers().contains_key("yiwang-photo-stored"),
        "a new photo is not flagged as stored"
    );

    let head = t.head(&loc).await;
    assert_eq!(head.status(), 200);
    assert_eq!(offset_of(&head), 0, "a new upload starts at byte 0");
    assert_eq!(head.headers()["upload-length"], photo.len().to_string());
    assert_eq!(
        head.headers()["cache-control"],
        "no-store",
        "an offset must never be cached"
    );
    assert!(
        head.headers()["upload-metadata"]
            .to_str()
            .unwrap()
            .contains(&b64(&sha)),
        "HEAD echoes the metadata"
    );

    let chunk = 50_000;
    let mut at = 0;
    while at < photo.len() {
        let end = (at + chunk).min(photo.len());
        let resp = t
            .patch_checked(&loc, at, &photo[at..end], &photo[at..end])
            .await;
        assert_eq!(resp.status(), 204, "chunk at {at} is accepted");
        assert_eq!(
            offset_of(&resp),
            end as u64,
            "the answer says where the upload stands"
        );
        at = end;
    }
    assert_eq!(t.offset(&loc).await, photo.len() as u64, "complete");
    let again = t.patch(&loc, photo.len(), &[]).await;
    assert_eq!(
        again.status(),
        204,
        "an empty PATCH at the end changes nothing and succeeds"
    );
    assert!(
        !part_file(s.dir.path(), &loc).exists(),
        "the partial file is gone once the photo is stored"
    );

    let exists = t.by_hash(Method::HEAD, &sha, "").await;
    assert_eq!(exists.status(), 200, "the server now has the photo");
    let got = t.by_hash(Method::GET, &sha, "").await;
    assert_eq!(got.status(), 200, "the uploader may fetch it");
    assert_eq!(got.headers()["content-type"], "image/jpeg");
    let cache = got.headers()["cache-control"].to_str().unwrap().to_owned();
    assert!(
        cache.contains("immutable") && cache.contains("private"),
        "cached long, privately: {cache}"
    );
    let body = got.bytes().await.unwrap();
    assert_eq!(
        sha_hex(&body),
        sha,
        "the stored bytes are the uploaded bytes"
    );
    let thumb = t.by_hash(Method::GET, &sha, "/thumb").await;
    assert_eq!(thumb.status(), 200);
    let thumb = image::load_from_memory(&thumb.bytes().await.unwrap()).expect("a JPEG thumbnail");
    assert_eq!(
        (thumb.width(), thumb.height()),
        (320, 240),
        "long edge 320, aspect kept"
    );

    let files = stored_files(s.dir.path());
    assert_eq!(
        files,
        vec![format!("{sha}.jpg"), format!("{sha}.thumb.jpg")],
        "content-addressed: ab/<sha256>.jpg and its thumbnail"
    );
    assert_eq!(s.state.metrics.photos_stored.load(Ordering::Relaxed), 1);
    assert!(
        s.state.metrics.photo_bytes_received.load(Ordering::Relaxed) >= photo.len() as u64,
        "every byte is counted"
    );

    // The same photo again: the server says so at creation, and completing it stores no copy.
    let resp = t.create_raw(photo.len(), &sha).await;
    assert_eq!(
        resp.status(),
        201,
        "a second upload of a stored photo is still created"
    );
    assert_eq!(
        resp.headers()["yiwang-photo-stored"],
        "true",
        "the creation answer tells a client it may skip"
    );
    let loc2 = resp.headers()["location"].to_str().unwrap().to_owned();
    let done = t.upload_all(&loc2, &photo, 0, 300_000).await;
    assert_eq!(done.status(), 204, "a duplicate completes like any upload");
    assert_eq!(
        stored_files(s.dir.path()).len(),
        2,
        "still one photo and one thumbnail"
    );
    assert_eq!(
        s.state.metrics.photos_stored.load(Ordering::Relaxed),
        1,
        "a duplicate is not a new photo"
    );
}

#[tokio::test]
async fn a_connection_broken_mid_chunk_keeps_the_bytes_that_arrived() {
    let s = TestServer::start().await;
    let t = tus(&s, "worker-0001").await;
    let photo = jpeg(640, 480, 2);
    let sha = sha_hex(&photo);
    let loc = t.create(&photo).await;
    assert!(
        photo.len() > 120_000,
        "the photo spans the cut points: {}",
        photo.len()
    );

    // Three cuts: one byte in, at an odd byte mid-file (inside a 256 KiB write buffer), and one
    // byte short of the end (the completion must not run on a short file).
    let cuts = [1usize, 70_001, photo.len() - 1];
    let mut at = 0;
    for cut in cuts {
        patch_cut_off(
            &s.base,
            &t.token,
            &loc,
            at,
            &photo[at..cut],
            photo.len() - at,
        )
        .await;
        let kept = offset_becomes(&t, &loc, cut as u64).await;
        assert_eq!(
            kept, cut as u64,
            "every byte that arrived before the connection broke is kept"
        );
        let stale = t.patch(&loc, at, &photo[at..]).await;
        assert_eq!(
            stale.status(),
            409,
            "resuming from the old offset is refused"
        );
        assert_eq!(error_code(stale).await, "offset_mismatch");
        at = cut;
    }
    assert_eq!(
        t.by_hash(Method::HEAD, &sha, "").await.status(),
        404,
        "one byte short is not a photo"
    );
    let done = t.patch(&loc, at, &photo[at..]).await;
    assert_eq!(done.status(), 204, "the rest completes the upload");
    assert_eq!(offset_of(&done), photo.len() as u64);
    let got = t.by_hash(Method::GET, &sha, "").await;
    assert_eq!(got.status(), 200);
    assert_eq!(
        sha_hex(&got.bytes().await.unwrap()),
        sha,
        "the pieces of four requests make the exact file"
    );
}

#[tokio::test]
async fn a_chunk_that_fails_its_checksum_is_discarded_and_the_offset_stays() {
    let s = TestServer::start().await;
    let t = tus(&s, "worker-0001").await;
    let photo = jpeg(400, 300, 3);
    let loc = t.create(&photo).await;
    let first = t
        .patch_checked(&loc, 0, &photo[..1000], &photo[..1000])
        .await;
    assert_eq!(first.status(), 204);

    let mut corrupted = photo[1000..5000].to_vec();
    corrupted[17] ^= 0x40; // one bit flipped in transit
    let bad = t
        .patch_checked(&loc, 1000, &corrupted, &photo[1000..5000])
        .await;
    assert_eq!(bad.status().as_u16(), 460, "tus checksum mismatch status");
    assert_eq!(bad.headers()["tus-resumable"], "1.0.0");
    assert_eq!(error_code(bad).await, "checksum_mismatch");
    assert_eq!(t.offset(&loc).await, 1000, "the bad chunk moved nothing");

    let bad_algo = t
        .request(Method::PATCH, &loc)
        .header("Upload-Offset", "1000")
        .header("Content-Type", "application/offset+octet-stream")
        .header("Upload-Checksum", format!("md5 {}", b64([0u8; 16])))
        .body(photo[1000..5000].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(bad_algo.status(), 400);
    assert_eq!(error_code(bad_algo).await, "checksum_algorithm_unsupported");

    let wrong_type = t
        .request(Method::PATCH, &loc)
        .header("Upload-Offset", "1000")
        .header("Content-Type", "application/octet-stream")
        .body(photo[1000..5000].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(
        wrong_type.status(),
        415,
        "tus PATCH bodies are offset+octet-stream"
    );

    let too_long = t
        .patch(&loc, 1000, &[photo[1000..].to_vec(), vec![0; 10]].concat())
        .await;
    assert_eq!(
        too_long.status(),
        413,
        "more than the rest of the file is refused"
    );
    assert_eq!(t.offset(&loc).await, 1000, "and moves nothing");

    let good = t
        .patch_checked(&loc, 1000, &photo[1000..], &photo[1000..])
        .await;
    assert_eq!(
        good.status(),
        204,
        "the chunk sent again completes the upload"
    );
    assert_eq!(
        t.by_hash(Method::HEAD, &sha_hex(&photo), "").await.status(),
        200
    );
}

#[tokio::test]
async fn a_chunk_larger_than_the_json_body_limit_streams_to_disk() {
    let s = TestServer::start().await;
    let t = tus(&s, "worker-0001").await;
    let len = 12 * 1024 * 1024;
    let resp = t.create_raw(len, &"cd".repeat(32)).await;
    assert_eq!(resp.status(), 201);
    let loc = resp.headers()["location"].to_str().unwrap().to_owned();
    let chunk = vec![0x5au8; 9 * 1024 * 1024];
    assert!(
        chunk.len() > yiwang_server::limits::MAX_JSON_BODY,
        "the chunk is over the JSON limit"
    );
    let resp = t.patch(&loc, 0, &chunk).await;
    assert_eq!(
        resp.status(),
        204,
        "a PATCH is bounded by the upload, not by the JSON limit"
    );
    assert_eq!(offset_of(&resp), chunk.len() as u64);
    let on_disk = std::fs::metadata(part_file(s.dir.path(), &loc))
        .unwrap()
        .len();
    assert_eq!(
        on_disk,
        chunk.len() as u64,
        "the acknowledged bytes are on disk"
    );
    assert_eq!(
        t.request(Method::DELETE, &loc)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
}

#[tokio::test]
async fn a_terminated_upload_is_gone_with_its_bytes() {
    let s = TestServer::start().await;
    let t = tus(&s, "worker-0001").await;
    let photo = jpeg(300, 200, 4);
    let loc = t.create(&photo).await;
    assert_eq!(t.patch(&loc, 0, &photo[..2000]).await.status(), 204);
    assert!(
        part_file(s.dir.path(), &loc).exists(),
        "received bytes are on disk"
    );

    let other = tus(&s, "worker-0002").await;
    let resp = other.request(Method::DELETE, &loc).send().await.unwrap();
    assert_eq!(
        resp.status(),
        404,
        "an upload belongs to its creator: others cannot end it"
    );
    assert_eq!(other.head(&loc).await.status(), 404, "nor see it");
    assert_eq!(
        other.patch(&loc, 2000, &photo[2000..]).await.status(),
        404,
        "nor write to it"
    );

    let resp = t.request(Method::DELETE, &loc).send().await.unwrap();
    assert_eq!(resp.status(), 204, "termination");
    assert_eq!(resp.headers()["tus-resumable"], "1.0.0");
    assert_eq!(
        t.head(&loc).await.status(),
        404,
        "a terminated upload is unknown"
    );
    assert_eq!(t.patch(&loc, 2000, &photo[2000..]).await.status(), 404);
    assert!(
        !part_file(s.dir.path(), &loc).exists(),
        "its bytes are deleted"
    );
    assert_eq!(
        t.head("/api/v1/photos/..%2F..%2Fledger.sqlite")
            .await
            .status(),
        404,
        "an id that is not ours never reaches the file system"
    );
}

#[tokio::test]
async fn an_upload_without_progress_for_a_day_expires() {
    let s = TestServer::start().await;
    let t = tus(&s, "worker-0001").await;
    let photo = jpeg(300, 200, 5);
    let loc = t.create(&photo).await;
    let idle = t.create(&photo).await;
    assert_eq!(t.patch(&loc, 0, &photo[..1000]).await.status(), 204);
    s.advance(Duration::hours(23));
    assert_eq!(t.offset(&loc).await, 1000, "within a day it lives");
    let renewed = t.patch(&loc, 1000, &photo[1000..2000]).await;
    assert_eq!(renewed.status(), 204, "progress renews it");
    assert!(
        renewed.headers().contains_key("upload-expires"),
        "and says until when"
    );
    s.advance(Duration::hours(23));
    assert_eq!(
        t.offset(&loc).await,
        2000,
        "23 h after the last progress it still lives"
    );
    assert_eq!(
        t.head(&idle).await.status(),
        410,
        "46 h without progress: Gone"
    );
    s.advance(Duration::hours(2));
    let resp = t.patch(&loc, 2000, &photo[2000..]).await;
    assert_eq!(resp.status(), 410, "expired uploads are Gone");
    assert_eq!(resp.headers()["tus-resumable"], "1.0.0");
    assert_eq!(error_code(resp).await, "upload_expired");
    assert!(
        !part_file(s.dir.path(), &loc).exists(),
        "and their bytes are cleaned"
    );
    for l in [&loc, &idle] {
        assert_eq!(t.head(l).await.status(), 404, "then forgotten");
    }
}

// ---------------------------------------------------------------------------------------------
// Restart: nothing of an upload lives in a process

/// One server process over a data folder; stopping it leaves the folder.
struct Process {
    base: String,
    task: tokio::task::JoinHandle<()>,
}

async fn start_process(data_dir: &Path, seed: bool) -> Process {
    let ledger = Ledger::open(&format!(
        "sqlite:{}",
        data_dir.join("ledger.sqlite").display()
    ))
    .expect("the ledger opens");
    let now = Arc::new(Mutex::new(TestServer::t0()));
    let state = AppState::new(
        ledger.clone(),
        Settings {
            data_dir: data_dir.to_path_buf(),
            demo_mode: true,
        },
        Arc::new(move || *now.lock().unwrap()),
    );
    if seed {
        let hash = yiwang_server::auth::hash_password(PASSWORD).unwrap();
        let t0 = TestServer::t0();
        ledger
            .write_blocking(move |tx| seed_county(tx, &small_plan(), &hash, true, t0))
            .expect("the small county seeds");
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = yiwang_server::app(state);
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Process { base, task }
}

async fn login(http: &reqwest::Client, base: &str, user: &str) -> String {
    let resp = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({
            "username": user, "password": PASSWORD, "device_id": "dev-1", "device_name": "test"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{user} signs in");
    let body: serde_json::Value = resp.json().await.unwrap();
    body["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_upload_resumes_on_a_restarted_server() {
    let dir = tempfile::tempdir().unwrap();
    let photo = jpeg(640, 480, 6);
    let sha = sha_hex(&photo);
    let half = photo.len() / 2 + 7;

    let first = start_process(dir.path(), true).await;
    let http = reqwest::Client::new();
    let token = login(&http, &first.base, "worker-0001").await;
    let t = Tus {
        http: &http,
        base: &first.base,
        token: token.clone(),
    };
    let loc = t.create(&photo).await;
    assert_eq!(t.patch(&loc, 0, &photo[..half]).await.status(), 204);
    // Stop the process: its listener, its connections (the client goes), its memory.
    first.task.abort();
    let _ = first.task.await;
    drop(http);

    let second = start_process(dir.path(), false).await;
    let http = reqwest::Client::new();
    let t = Tus {
        http: &http,
        base: &second.base,
        token,
    };
    assert_ne!(second.base, first.base, "a different listener");
    assert_eq!(
        t.offset(&loc).await,
        half as u64,
        "the new process knows the offset from the ledger"
    );
    let done = t.patch(&loc, half, &photo[half..]).await;
    assert_eq!(done.status(), 204, "and continues the upload");
    let got = t.by_hash(Method::GET, &sha, "").await;
    assert_eq!(got.status(), 200);
    assert_eq!(
        sha_hex(&got.bytes().await.unwrap()),
        sha,
        "half from each process make the exact file"
    );
    second.task.abort();
}

// ---------------------------------------------------------------------------------------------
// What is refused at completion

async fn refused_at_completion(bytes: &[u8], claimed_sha: &str, code: &str) {
    let s = TestServer::start().await;
    let t = tus(&s, "worker-0001").await;
    let resp = t.create_raw(bytes.len(), claimed_sha).await;
    assert_eq!(resp.status(), 201);
    let loc = resp.headers()["location"].to_str().unwrap().to_owned();
    let resp = t.upload_all(&loc, bytes, 0, 64 * 1024).await;
    assert_eq!(
        resp.status(),
        422,
        "{code}: refused when the last byte arrives"
    );
    assert_eq!(error_code(resp).await, code);
    assert_eq!(
        t.head(&loc).await.status(),
        404,
        "{code}: the upload is over"
    );
    assert!(
        !part_file(s.dir.path(), &loc).exists(),
        "{code}: its bytes are deleted"
    );
    assert!(
        stored_files(s.dir.path()).is_empty(),
        "{code}: nothing is stored"
    );
    for sha in [claimed_sha.to_owned(), sha_hex(bytes)] {
        assert_eq!(
            t.by_hash(Method::HEAD, &sha, "").await.status(),
            404,
            "{code}: no photo is recorded"
        );
    }
    let changes = s
        .state
        .ledger
        .read_blocking(|tx| tx.max_change_seq())
        .unwrap();
    let photo_changes = s
        .state
        .ledger
        .read_blocking(move |tx| {
            let viewer = yiwang_server::storage::changes::Viewer {
                path: Some("/".into()),
                grids: vec![],
                department: None,
                user: "worker-0001".into(),
            };
            tx.changes_since(&viewer, 0, 10_000)
        })
        .unwrap()
        .0
        .into_iter()
        .filter(|c| c.entity == Entity::Photo)
        .count();
    assert!(changes > 0, "the seeded county is logged");
    assert_eq!(photo_changes, 0, "{code}: nothing is logged for pull");
    assert_eq!(s.state.metrics.photos_stored.load(Ordering::Relaxed), 0);
}

#[tokio::test]
async fn a_file_whose_hash_differs_from_its_metadata_is_refused() {
    let photo = jpeg(300, 200, 7);
    let other = sha_hex(b"a different file");
    refused_at_completion(&photo, &other, "hash_mismatch").await;
}

#[tokio::test]
async fn bytes_that_are_not_a_picture_are_refused() {
    let text = "巡查记录：东门井盖缺失，已设置警示。"
        .repeat(200)
        .into_bytes();
    refused_at_completion(&text, &sha_hex(&text), "not_an_image").await;
}

#[tokio::test]
async fn a_png_declaring_100000_by_100000_is_refused_from_its_header() {
    let bomb = png_declaring(100_000, 100_000);
    assert!(bomb.len() < 100, "the bomb is tiny on the wire");
    refused_at_completion(&bomb, &sha_hex(&bomb), "image_too_large").await;
}

#[tokio::test]
async fn a_cut_off_jpeg_is_refused_as_corrupt() {
    let photo = jpeg(400, 300, 8);
    let cut = &photo[..photo.len() * 3 / 4];
    refused_at_completion(cut, &sha_hex(cut), "corrupt_image").await;
}

// ---------------------------------------------------------------------------------------------
// By hash: existence for everyone, bytes within jurisdiction

#[tokio::test]
async fn head_by_hash_says_whether_the_server_has_a_photo() {
    let s = TestServer::start().await;
    let t = tus(&s, "worker-0001").await;
    let photo = jpeg(200, 100, 9);
    let sha = sha_hex(&photo);
    let other = tus(&s, "dept-01").await;
    assert_eq!(
        other.by_hash(Method::HEAD, &sha, "").await.status(),
        404,
        "not uploaded yet"
    );
    let loc = t.create(&photo).await;
    assert_eq!(t.patch(&loc, 0, &photo[..100]).await.status(), 204);
    assert_eq!(
        other.by_hash(Method::HEAD, &sha, "").await.status(),
        404,
        "half an upload is not a photo"
    );
    assert_eq!(t.patch(&loc, 100, &photo[100..]).await.status(), 204);
    assert_eq!(
        other.by_hash(Method::HEAD, &sha, "").await.status(),
        200,
        "any signed-in user may learn that it is stored, so devices skip uploads"
    );
    let bad = other.by_hash(Method::GET, "not-a-hash", "").await;
    assert_eq!(bad.status(), 400);
    assert_eq!(error_code(bad).await, "invalid_hash");
    let anonymous = s
        .http
        .head(s.url(&format!("/api/v1/photos/by-hash/{sha}")))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401, "but only signed-in users");
}

/// Uploads `photo` as `user`; returns its hash.
async fn upload_as(s: &TestServer, user: &str, photo: &[u8]) -> String {
    let t = tus(s, user).await;
    let loc = t.create(photo).await;
    assert_eq!(t.upload_all(&loc, photo, 0, 1 << 20).await.status(), 204);
    sha_hex(photo)
}

async fn fetch_status(s: &TestServer, user: &str, sha: &str) -> u16 {
    let t = tus(s, user).await;
    let photo = t.by_hash(Method::GET, sha, "").await.status().as_u16();
    let thumb = t
        .by_hash(Method::GET, sha, "/thumb")
        .await
        .status()
        .as_u16();
    assert_eq!(
        photo, thumb,
        "{user}: the thumbnail follows the photo's rule"
    );
    photo
}

/// Photo changes `user` would pull.
fn pulled_photos(s: &TestServer, user: &str) -> Vec<String> {
    let user = s.seeded.user(user).unwrap().clone();
    s.state
        .ledger
        .read_blocking(move |tx| {
            let viewer = yiwang_server::jurisdiction::viewer(tx, &user)?;
            tx.changes_since(&viewer, 0, 10_000)
        })
        .unwrap()
        .0
        .into_iter()
        .filter(|c| c.entity == Entity::Photo)
        .map(|c| c.id)
        .collect()
}

#[tokio::test]
async fn a_photo_is_served_only_to_those_who_see_its_case() {
    let s = TestServer::start().await;
    let sha = upload_as(&s, "worker-0001", &jpeg(500, 300, 10)).await;
    assert_eq!(
        fetch_status(&s, "worker-0001", &sha).await,
        200,
        "the uploader"
    );
    assert_eq!(
        fetch_status(&s, "community-001", &sha).await,
        403,
        "a photo no record shows is the uploader's alone"
    );
    assert_eq!(
        pulled_photos(&s, "worker-0001"),
        vec![sha.clone()],
        "the uploader pulls it"
    );
    assert!(
        pulled_photos(&s, "community-001").is_empty(),
        "nobody else does yet"
    );

    // worker-0001 reports a case from their grid with the photo.
    let worker = s.seeded.user("worker-0001").unwrap().actor();
    let state = s.state.clone();
    let hash = PhotoHash::parse(&sha).unwrap();
    let now = s.now();
    let decided = s
        .state
        .ledger
        .write_blocking(move |tx| {
            let reference = state.reference(tx)?;
            let report = Action::Report(NewCase {
                channel: Channel::Grid,
                category: "01.01".into(),
                urgent: false,
                description: "东门井盖缺失".into(),
                location: None,
                address: None,
                grid_id: Some("210882001001-01".into()),
                unit: None,
                finding_id: None,
                photos: vec![hash.clone()],
                contact: None,
            });
            let decided = yiwang_server::casework::act(
                tx,
                &reference,
                &worker,
                &CaseId("case-photo-1".into()),
                0,
                &report,
                now,
            )?;
            // `act` itself logs the photo again for the case's area: every way a case changes
            // (sync push, console, demo) goes through it.
            Ok(decided.map(|_| ()).map_err(|r| format!("{r:?}")))
        })
        .unwrap();
    decided.expect("the worker may report from their own grid");

    for (user, want, why) in [
        ("worker-0001", 200, "the case's own grid worker"),
        ("community-001", 200, "the community the case waits at"),
        ("township-01", 200, "the township above it"),
        ("leader", 200, "the county leader"),
        (
            "worker-0002",
            403,
            "a worker of another grid in the same community",
        ),
        ("community-002", 403, "another community"),
        ("township-02", 403, "another township"),
        ("dept-01", 403, "a department the case never reached"),
    ] {
        assert_eq!(fetch_status(&s, user, &sha).await, want, "{user}: {why}");
    }
    assert_eq!(
        pulled_photos(&s, "community-001"),
        vec![sha.clone()],
        "the photo's metadata now reaches the case's area"
    );
    assert!(
        pulled_photos(&s, "community-002").is_empty(),
        "and nobody outside it"
    );
    let missing = tus(&s, "leader")
        .await
        .by_hash(Method::GET, &"0".repeat(64), "")
        .await;
    assert_eq!(missing.status(), 404, "a photo that is not stored");
}

#[tokio::test]
async fn a_photo_is_served_to_those_who_see_the_finding_that_lists_it() {
    let s = TestServer::start().await;
    // worker-0003 owns grid 210882001002-01 in community 210882001002 (community-002).
    let sha = upload_as(&s, "worker-0003", &jpeg(500, 300, 11)).await;
    assert_eq!(
        fetch_status(&s, "community-002", &sha).await,
        403,
        "not before a finding lists it"
    );

    // The finding as the sync area stores it (its push handler is another module; the columns
    // are those of the `findings` and `finding_photos` tables).
    let db = rusqlite::Connection::open(s.dir.path().join("ledger.sqlite")).unwrap();
    db.execute(
        "INSERT INTO findings(id, grid_id, patrol_id, worker_id, category, disposition, case_id,
                              observed_at, received_at, data)
         VALUES ('f-1', '210882001002-01', NULL, 'worker-0003', '01.01', 'note', NULL,
                 '2026-11-26T01:00:00.000000Z', '2026-11-26T01:00:00.000000Z', '{}')",
        [],
    )
    .unwrap();
    db.execute(
        "INSERT INTO finding_photos(finding_id, position, sha256) VALUES ('f-1', 0, ?1)",
        [&sha],
    )
    .unwrap();
    drop(db);
    let hash = PhotoHash::parse(&sha).unwrap();
    s.state
        .ledger
        .write_blocking(move |tx| yiwang_server::storage::photo_log::log_photo(tx, &hash))
        .unwrap();

    for (user, want, why) in [
        ("worker-0003", 200, "the finding's worker"),
        ("community-002", 200, "the finding's community"),
        ("township-01", 200, "its township"),
        ("center", 200, "the county centre"),
        ("community-001", 403, "another community"),
        ("worker-0004", 403, "the next grid's worker"),
        ("dept-01", 403, "a department: findings are not theirs"),
    ] {
        assert_eq!(fetch_status(&s, user, &sha).await, want, "{user}: {why}");
    }
    assert_eq!(
        pulled_photos(&s, "community-002"),
        vec![sha.clone()],
        "re-logged under the finding's scope"
    );
    assert!(pulled_photos(&s, "community-001").is_empty());
}
