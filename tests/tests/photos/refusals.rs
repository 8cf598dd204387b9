//! What is refused when the last byte arrives: a file whose hash differs from its metadata,
//! bytes that are not a picture, a decompression bomb's header, a cut-off JPEG, a JPEG carrying
//! Exif (GPS) metadata. Nothing of a
//! refused upload is stored, recorded or logged for pull.

use reqwest::Method;
use std::sync::atomic::Ordering;
use yiwang_core::sync::Entity;
use yiwang_tests::kit::{error_code, TestServer};

use crate::common::{has_parts, jpeg, png_declaring, sha_hex, stored_files, tus, with_gps_exif};

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
        !has_parts(&s.photo_files(), &loc),
        "{code}: its bytes are deleted"
    );
    assert!(
        stored_files(&s.photo_files()).is_empty(),
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
                region: Some("/".into()),
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

/// Issue 13: console uploads kept their EXIF GPS. Photos are addressed by their bytes, so the
/// server cannot strip it: a JPEG that still carries Exif is refused, nothing of it kept.
#[tokio::test]
async fn a_jpeg_with_gps_exif_is_refused() {
    let tagged = with_gps_exif(&jpeg(300, 200, 9));
    assert!(
        image::load_from_memory(&tagged).is_ok(),
        "the tagged file is a JPEG any viewer opens"
    );
    refused_at_completion(&tagged, &sha_hex(&tagged), "photo_has_metadata").await;
}
