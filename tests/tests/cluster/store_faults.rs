//! The photo store failing (issue 15, item 5): a bucket that does not exist or a store nobody
//! answers stops the start with a clear error; a store that stops under an upload gives `503
//! unavailable` and never an acknowledgement of bytes it does not hold; once it is back the
//! upload resumes from what was stored and the photo is whole.

use std::time::{Duration, Instant};

use reqwest::Method;
use yiwang_server::photos::space::FixedSpace;
use yiwang_tests::kit::{
    error_code, free_port, server_bin, t0, Backend, Clock, S3Server, TestServer,
};

use crate::common::{jpeg, offset_of, sha_hex, tus};
use crate::processes::{s3_available, seed};

/// `yiwang-server serve` with the environment `env`: its exit status and what it printed on
/// stderr, or a panic if it is still serving after 60 s.
fn serve_and_fail(env: &[(String, String)]) -> (std::process::ExitStatus, String) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = format!("sqlite:{}", dir.path().join("ledger.sqlite").display());
    seed(&url);
    let mut child = std::process::Command::new(server_bin())
        .args(["serve", "--data-dir"])
        .arg(dir.path())
        .args(["--listen", &format!("127.0.0.1:{}", free_port())])
        .env_remove("YIWANG_DATABASE_URL")
        .env_remove("YIWANG_DATA_DIR")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the server starts");
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().expect("the server's status") {
            let mut err = String::new();
            use std::io::Read;
            child
                .stderr
                .take()
                .expect("stderr")
                .read_to_string(&mut err)
                .expect("stderr reads");
            return (status, err);
        }
        if Instant::now() > until {
            let _ = child.kill();
            panic!("the server serves without a usable photo store");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_missing_bucket_or_an_unreachable_store_stops_the_start_clearly() {
    if !s3_available("a_missing_bucket_or_an_unreachable_store_stops_the_start_clearly") {
        return;
    }
    let s3 = S3Server::start();
    let mut env = s3.env();
    for (k, v) in env.iter_mut() {
        if k == "YIWANG_PHOTO_STORE" {
            *v = "s3://no-such-bucket/photos".into();
        }
    }
    let (status, err) = serve_and_fail(&env);
    assert!(!status.success(), "a missing bucket is no start: {err}");
    assert!(
        err.contains("s3://no-such-bucket/photos") && err.contains("cannot be used"),
        "the error names the store and says it cannot be used: {err}"
    );
    assert!(
        err.contains("the bucket exists"),
        "and says what to check: {err}"
    );
    assert!(
        !err.contains(yiwang_tests::kit::s3::SECRET_KEY),
        "the secret key is never printed: {err}"
    );

    let mut env = s3.env();
    for (k, v) in env.iter_mut() {
        if k == "AWS_ENDPOINT_URL" {
            *v = format!("http://127.0.0.1:{}", free_port());
        }
    }
    let started = Instant::now();
    let (status, err) = serve_and_fail(&env);
    assert!(
        !status.success(),
        "a store nobody answers is no start: {err}"
    );
    assert!(err.contains("cannot be used"), "{err}");
    println!(
        "an unreachable store stopped the start after {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_stopped_mid_upload_acknowledges_nothing_it_does_not_hold() {
    if !s3_available("a_store_stopped_mid_upload_acknowledges_nothing_it_does_not_hold") {
        return;
    }
    let mut s3 = S3Server::start();
    let store = s3.store();
    let s = TestServer::start_with(Backend::from_env(), Clock::fixed(t0()), |settings| {
        settings.photo_store = store.clone();
        // The local disk is full, but the photos go to the bucket: uploads are not refused.
        settings.disk = std::sync::Arc::new(FixedSpace::new(0));
    })
    .await;
    let t = tus(&s, "worker-0001").await;

    // A photo stored while the store is up, to be fetched while it is down.
    let small = jpeg(320, 240, 7);
    let loc = t.create(&small).await;
    assert_eq!(
        t.upload_all(&loc, &small, 0, small.len()).await.status(),
        204
    );

    let photo = jpeg(1600, 1200, 8);
    let part = yiwang_server::photos::store::PART_BYTES;
    assert!(
        photo.len() > 2 * part,
        "the photo spans several parts: {}",
        photo.len()
    );
    let sha = sha_hex(&photo);
    let loc = t.create(&photo).await;
    let first = 600_000;
    let resp = t.patch(&loc, 0, &photo[..first]).await;
    assert_eq!(resp.status(), 204);
    assert_eq!(offset_of(&resp), first as u64);

    s3.kill();
    let resp = t.patch(&loc, first, &photo[first..]).await;
    assert_eq!(resp.status(), 503, "the store is down: 503");
    assert!(
        resp.headers().contains_key("retry-after"),
        "with Retry-After"
    );
    assert_eq!(error_code(resp).await, "unavailable", "a stable code");
    assert_eq!(
        t.offset(&loc).await,
        first as u64,
        "the offset stays where the stored bytes end"
    );
    let hash = yiwang_core::ids::PhotoHash::parse(&sha).unwrap();
    assert!(
        !s.ledger().photo_stored(&hash).await,
        "no photo is recorded without its bytes"
    );
    // A photo whose last byte arrives while the store is down: nothing acknowledged either.
    let tiny = jpeg(200, 150, 9);
    let tiny_loc = t.create(&tiny).await;
    let resp = t.patch(&tiny_loc, 0, &tiny).await;
    assert_eq!(resp.status(), 503, "completion cannot store the photo: 503");
    assert_eq!(error_code(resp).await, "unavailable");
    assert_eq!(
        t.offset(&tiny_loc).await,
        0,
        "the offset stays: send it again"
    );
    let tiny_hash = yiwang_core::ids::PhotoHash::parse(&sha_hex(&tiny)).unwrap();
    assert!(!s.ledger().photo_stored(&tiny_hash).await);
    let resp = t.by_hash(Method::GET, &sha_hex(&small), "").await;
    assert_eq!(
        resp.status(),
        503,
        "a stored photo cannot be read either: 503"
    );
    assert_eq!(error_code(resp).await, "unavailable");

    // The store comes back: the upload resumes from the offset and the photo is whole.
    s3.restart();
    let at = t.offset(&loc).await as usize;
    let resp = t.patch(&loc, at, &photo[at..]).await;
    assert_eq!(
        resp.status(),
        204,
        "the upload resumes once the store is back"
    );
    assert_eq!(offset_of(&resp), photo.len() as u64);
    assert!(s.ledger().photo_stored(&hash).await);
    let resp = t.patch(&tiny_loc, 0, &tiny).await;
    assert_eq!(resp.status(), 204, "the small photo, sent again, is stored");
    assert!(s.ledger().photo_stored(&tiny_hash).await);
    let got = t.by_hash(Method::GET, &sha, "").await;
    assert_eq!(got.status(), 200);
    assert_eq!(
        got.bytes().await.unwrap().as_ref(),
        &photo[..],
        "the photo is whole"
    );
    let thumb = t.by_hash(Method::GET, &sha, "/thumb").await;
    assert_eq!(thumb.status(), 200, "and its thumbnail is in the store");
    let (_, bytes) = store
        .get(&hash)
        .await
        .expect("the store answers")
        .expect("the photo is in the bucket");
    assert_eq!(sha_hex(&bytes), sha, "the bucket holds exactly the photo");
    assert!(
        store
            .parts(loc.rsplit('/').next().unwrap())
            .await
            .unwrap()
            .is_empty(),
        "the finished upload's parts are gone from the bucket"
    );
}
