//! The whole decode after the acknowledgement (issue 16): an upload is acknowledged once its
//! photo is stored and its header checked; the thumbnail is made by the background checker or
//! when someone asks for it first, and a photo that then fails to decode is quarantined —
//! kept, marked, counted and shown as damaged — never dropped.

use reqwest::Method;
use std::sync::atomic::Ordering;
use yiwang_core::ids::PhotoHash;
use yiwang_server::photos::check::{check_pending, Round};
use yiwang_server::storage::photos::PhotoCheck;
use yiwang_tests::kit::{error_code, TestServer};

use crate::common::{jpeg, png_declaring, sha_hex, stored_files, tus};

async fn check_of(s: &TestServer, sha: &str) -> Option<PhotoCheck> {
    let h = PhotoHash::parse(sha).unwrap();
    s.state
        .ledger
        .read(move |tx| tx.photo(&h))
        .await
        .unwrap()
        .map(|p| p.check)
}

#[tokio::test]
async fn a_picture_that_fails_to_decode_after_its_acknowledgement_is_quarantined_not_dropped() {
    let s = TestServer::start().await;
    let t = tus(&s, "worker-0001").await;
    // A PNG whose header is sound (64×48) but whose pixel data stops after one byte: nothing
    // short of decoding it finds out.
    let damaged = png_declaring(64, 48);
    let sha = sha_hex(&damaged);
    let loc = t.create(&damaged).await;
    let resp = t.upload_all(&loc, &damaged, 0, 64 * 1024).await;
    assert_eq!(
        resp.status(),
        204,
        "acknowledged once stored and its header checked"
    );
    assert_eq!(check_of(&s, &sha).await, Some(PhotoCheck::Pending));
    assert_eq!(t.by_hash(Method::HEAD, &sha, "").await.status(), 200);

    let round = check_pending(&s.state, 10).await.unwrap();
    assert_eq!(
        round,
        Round {
            taken: 1,
            passed: 0,
            quarantined: 1,
            failed: 0
        }
    );
    let check = check_of(&s, &sha).await.expect("still recorded");
    let PhotoCheck::Quarantined(why) = check else {
        panic!("quarantined, got {check:?}");
    };
    assert!(
        why.starts_with("corrupt_image: "),
        "the reason has its code: {why}"
    );
    assert_eq!(
        s.state.metrics.photos_quarantined.load(Ordering::Relaxed),
        1,
        "counted for /metrics"
    );

    let thumb = t.by_hash(Method::GET, &sha, "/thumb").await;
    assert_eq!(thumb.status(), 422, "shown as damaged");
    assert_eq!(error_code(thumb).await, "corrupt_image");
    let original = t.by_hash(Method::GET, &sha, "").await;
    assert_eq!(original.status(), 200, "the file the device sent is kept");
    assert_eq!(original.bytes().await.unwrap().as_ref(), &damaged[..]);
    assert_eq!(
        stored_files(&s.photo_files()),
        vec![format!("{sha}.png")],
        "kept in the store, with no thumbnail"
    );
    assert_eq!(
        check_pending(&s.state, 10).await.unwrap().taken,
        0,
        "checked once"
    );
    assert_eq!(
        s.state.metrics.photos_quarantined.load(Ordering::Relaxed),
        1
    );
}

#[tokio::test]
async fn the_checker_makes_the_thumbnail_and_a_thumbnail_asked_for_first_is_made_then() {
    let s = TestServer::start().await;
    let t = tus(&s, "worker-0001").await;
    let (early, late) = (jpeg(640, 480, 31), jpeg(480, 640, 32));
    let (early_sha, late_sha) = (sha_hex(&early), sha_hex(&late));
    for photo in [&early, &late] {
        let loc = t.create(photo).await;
        assert_eq!(t.upload_all(&loc, photo, 0, 1 << 20).await.status(), 204);
    }
    assert_eq!(
        stored_files(&s.photo_files()).len(),
        2,
        "acknowledged with the photos stored and no thumbnail made yet"
    );

    // Asked for before the checker ran: made there and then.
    let thumb = t.by_hash(Method::GET, &early_sha, "/thumb").await;
    assert_eq!(thumb.status(), 200);
    let thumb = image::load_from_memory(&thumb.bytes().await.unwrap()).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (320, 240));
    assert_eq!(check_of(&s, &early_sha).await, Some(PhotoCheck::Passed));

    // The checker takes what is left.
    let round = check_pending(&s.state, 10).await.unwrap();
    assert_eq!((round.taken, round.passed), (1, 1), "{round:?}");
    assert_eq!(check_of(&s, &late_sha).await, Some(PhotoCheck::Passed));
    let files = stored_files(&s.photo_files());
    assert_eq!(files.len(), 4, "both photos and both thumbnails: {files:?}");
    let thumb = t.by_hash(Method::GET, &late_sha, "/thumb").await;
    let thumb = image::load_from_memory(&thumb.bytes().await.unwrap()).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (240, 320));
    assert_eq!(
        s.state.metrics.photos_quarantined.load(Ordering::Relaxed),
        0
    );
}
