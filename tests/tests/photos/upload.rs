//! An upload's life when all goes well: created, sent in checksummed chunks, stored with its
//! thumbnail under its content address and served back byte for byte; the same photo again
//! stores no copy; a chunk over the JSON body limit streams to disk.

use reqwest::Method;
use std::sync::atomic::Ordering;
use yiwang_tests::kit::TestServer;

use crate::common::{b64, has_parts, jpeg, offset_of, part_bytes, sha_hex, stored_files, tus};

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
        !has_parts(&s.photo_files(), &loc),
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

    let files = stored_files(&s.photo_files());
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
        stored_files(&s.photo_files()).len(),
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
    let on_disk = part_bytes(&s.photo_files(), &loc);
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
