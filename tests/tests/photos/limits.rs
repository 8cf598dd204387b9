//! What one user may hold of the server's disk through uploads: at most
//! `MAX_OPEN_UPLOADS_PER_USER` unfinished uploads and `MAX_UPLOAD_BYTES_PER_USER` declared bytes
//! in them (429 `too_many_uploads` past either, other users unaffected), and no upload lives
//! past its hard end however often it is PATCHed.

use chrono::Duration;
use reqwest::Method;
use yiwang_core::ids::UserId;
use yiwang_server::photos::decode::MAX_PHOTO_BYTES;
use yiwang_server::photos::tus::{
    MAX_OPEN_UPLOADS_PER_USER, MAX_UPLOAD_BYTES_PER_USER, UPLOAD_MAX_LIFETIME_HOURS,
};
use yiwang_tests::kit::{error_code, t0, TestServer};

use crate::common::{jpeg, sha_hex, tus, Tus};

/// A creation for `len` bytes of a made-up file (`seed` tells them apart); its response.
async fn create_len(t: &Tus<'_>, len: u64, seed: u64) -> reqwest::Response {
    t.create_raw(len as usize, &sha_hex(&seed.to_be_bytes()))
        .await
}

async fn assert_too_many(resp: reqwest::Response, why: &str) {
    assert_eq!(resp.status(), 429, "{why}");
    assert!(
        resp.headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .is_some_and(|s| s > 0),
        "{why}: the answer says when to come back"
    );
    assert_eq!(resp.headers()["tus-resumable"], "1.0.0");
    assert_eq!(error_code(resp).await, "too_many_uploads", "{why}");
}

#[tokio::test]
async fn a_user_at_the_open_upload_limit_is_refused_and_others_are_not() {
    let s = TestServer::start().await;
    let t = tus(&s, "worker-0001").await;
    let photo = jpeg(300, 200, 21);
    let real = t.create(&photo).await;
    let mut made = vec![real.clone()];
    for seed in 1..MAX_OPEN_UPLOADS_PER_USER {
        let resp = create_len(&t, 1000, seed).await;
        assert_eq!(resp.status(), 201, "upload {seed} is within the limit");
        made.push(resp.headers()["location"].to_str().unwrap().to_owned());
    }
    assert_too_many(
        create_len(&t, 1000, 99).await,
        "one upload more than a user may hold open",
    )
    .await;
    let now = s.now();
    let open = s
        .state
        .ledger
        .read(move |tx| tx.open_uploads(&UserId("worker-0001".into()), now))
        .await
        .unwrap();
    assert_eq!(
        open.count, MAX_OPEN_UPLOADS_PER_USER,
        "the refused creation left nothing behind"
    );

    let other = tus(&s, "worker-0002").await;
    assert_eq!(
        create_len(&other, 1000, 99).await.status(),
        201,
        "another user's uploads are their own affair"
    );

    // A finished upload holds nothing open: completing one frees its place.
    assert_eq!(t.upload_all(&real, &photo, 0, 1 << 20).await.status(), 204);
    assert_eq!(
        create_len(&t, 1000, 100).await.status(),
        201,
        "a completed upload no longer counts"
    );
    assert_too_many(create_len(&t, 1000, 101).await, "the limit holds again").await;
    // So does ending one.
    let resp = t.request(Method::DELETE, &made[1]).send().await.unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(
        create_len(&t, 1000, 102).await.status(),
        201,
        "a terminated upload no longer counts"
    );
}

#[tokio::test]
async fn the_bytes_a_user_may_have_in_flight_are_limited() {
    let s = TestServer::start().await;
    let t = tus(&s, "worker-0001").await;
    let whole = MAX_UPLOAD_BYTES_PER_USER / MAX_PHOTO_BYTES;
    assert!(
        whole < MAX_OPEN_UPLOADS_PER_USER,
        "the byte limit binds before the count limit for the largest photos"
    );
    for seed in 0..whole {
        let resp = create_len(&t, MAX_PHOTO_BYTES, seed).await;
        assert_eq!(resp.status(), 201, "largest photo {seed} fits");
    }
    assert_too_many(
        create_len(&t, 1, 50).await,
        "even one byte more than a user may have in flight",
    )
    .await;
    assert_eq!(
        create_len(&tus(&s, "worker-0002").await, MAX_PHOTO_BYTES, 50)
            .await
            .status(),
        201,
        "another user is not affected"
    );
    // Uploads that expired hold nothing (and need no sweeper to stop counting).
    s.advance(Duration::hours(25));
    assert_eq!(
        create_len(&t, MAX_PHOTO_BYTES, 51).await.status(),
        201,
        "expired uploads no longer count"
    );
}

#[tokio::test]
async fn patches_do_not_keep_an_upload_alive_past_its_hard_end() {
    let s = TestServer::start().await;
    let t = tus(&s, "worker-0001").await;
    let photo = jpeg(300, 200, 22);
    let loc = t.create(&photo).await;
    let end = t0() + Duration::hours(UPLOAD_MAX_LIFETIME_HOURS);
    let end_header = end.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    // A byte every 23 hours: each PATCH is progress within a day of the last.
    let mut at = 0;
    while s.now() + Duration::hours(23) < end {
        s.advance(Duration::hours(23));
        let resp = t.patch(&loc, at, &photo[at..at + 1]).await;
        assert_eq!(resp.status(), 204, "progress within a day is taken");
        at += 1;
        let expires = resp.headers()["upload-expires"]
            .to_str()
            .unwrap()
            .to_owned();
        let renewed = s.now() + Duration::hours(24);
        let want = if renewed < end {
            renewed.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
        } else {
            end_header.clone()
        };
        assert_eq!(
            expires, want,
            "progress moves the expiry a day on, never past the hard end"
        );
    }
    assert_eq!(at, 3, "three PATCHes fit in {UPLOAD_MAX_LIFETIME_HOURS} h");
    s.advance(end - s.now() - Duration::minutes(1));
    assert_eq!(t.offset(&loc).await, at as u64, "alive until its hard end");
    s.advance(Duration::minutes(2));
    let resp = t.patch(&loc, at, &photo[at..at + 1]).await;
    assert_eq!(
        resp.status(),
        410,
        "{UPLOAD_MAX_LIFETIME_HOURS} h after it began the upload is over, PATCHes or not"
    );
    assert_eq!(error_code(resp).await, "upload_expired");
    assert_eq!(t.head(&loc).await.status(), 404, "and forgotten");
}
