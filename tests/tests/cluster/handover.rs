//! An upload begun on one process and finished on another (issue 15, item 2): two
//! `yiwang-server` processes on one PostgreSQL ledger and one S3 bucket, with data folders of
//! their own. The offset and the lease are in the ledger and the bytes in the bucket, so
//!
//! - a PATCH cut off mid-chunk on A keeps what arrived, and B continues from there;
//! - a PATCH on A that is still arriving when A is killed with SIGKILL leaves a lease that B
//!   takes over at once (A's process is gone, so its lease is nobody's), without waiting for
//!   the lease to lapse;
//!
//! and both processes then serve the whole photo from the bucket.

use std::time::{Duration, Instant};

use reqwest::Method;
use yiwang_tests::kit::{error_code, ledger_rows, S3Server, PASSWORD};

use crate::common::{jpeg, offset_becomes, offset_of, patch_begun, sha_hex, Tus};
use crate::processes::{cluster_available, processes, seed};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_cut_on_one_process_finishes_on_another() {
    let Some(backend) = cluster_available("an_upload_cut_on_one_process_finishes_on_another")
    else {
        return;
    };
    let root = tempfile::tempdir().expect("a temporary folder");
    let url = backend.ledger_url(root.path());
    seed(&url);
    let s3 = S3Server::start();
    let mut servers = processes(root.path(), &url, &s3, 2);
    for s in servers.iter_mut() {
        s.start().await;
    }
    let (a_base, b_base) = (servers[0].base(), servers[1].base());
    let token = servers[0].login("worker-0001", PASSWORD).await;
    let http = reqwest::Client::new();
    let on_a = Tus {
        http: &http,
        base: &a_base,
        token: token.clone(),
    };
    let on_b = Tus {
        http: &http,
        base: &b_base,
        token: token.clone(),
    };
    let part = yiwang_server::photos::store::PART_BYTES;

    // 1. Cut mid-chunk on A: one whole part and some more arrive, then the signal is lost.
    let photo = jpeg(1600, 1200, 21);
    assert!(photo.len() > 2 * part, "several parts: {}", photo.len());
    let sha = sha_hex(&photo);
    let loc = on_a.create(&photo).await;
    let sent = part + 300_000;
    let conn = patch_begun(&a_base, &token, &loc, 0, &photo[..sent], photo.len()).await;
    drop(conn);
    assert_eq!(
        offset_becomes(&on_b, &loc, sent as u64).await,
        sent as u64,
        "B sees every byte that reached A"
    );
    let resp = on_b.patch(&loc, sent, &photo[sent..]).await;
    assert_eq!(resp.status(), 204, "B finishes the upload A began");
    assert_eq!(offset_of(&resp), photo.len() as u64);
    for t in [&on_a, &on_b] {
        let got = t.by_hash(Method::GET, &sha, "").await;
        assert_eq!(got.status(), 200, "{} serves the photo", t.base);
        assert_eq!(
            sha_hex(&got.bytes().await.unwrap()),
            sha,
            "whole, from {}",
            t.base
        );
    }

    // 2. A killed mid-chunk, its PATCH still arriving and holding the lease.
    let photo = jpeg(1600, 1200, 22);
    let sha = sha_hex(&photo);
    let loc = on_b.create(&photo).await;
    let conn = patch_begun(&a_base, &token, &loc, 0, &photo[..part / 2], photo.len()).await;
    // A holds the lease once its PATCH has begun (read from the ledger itself, so that no probe
    // of B's races A's PATCH for it); B's PATCH meanwhile is refused as busy.
    let id = loc.rsplit('/').next().unwrap().to_owned();
    let leased = format!("SELECT lease_token FROM uploads WHERE id = '{id}'");
    let until = Instant::now() + Duration::from_secs(10);
    while ledger_rows(&url, &leased)[0][0].is_none() {
        assert!(Instant::now() < until, "A's PATCH takes the upload's lease");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let r = on_b.patch(&loc, 0, &photo[..10]).await;
    assert_eq!(r.status(), 409, "a living process's lease is respected");
    assert_eq!(error_code(r).await, "upload_busy");
    servers[0].kill9().await;
    drop(conn);
    // As a tus client does: ask the offset, send from there, and on 409 ask again shortly.
    let started = Instant::now();
    let resp = loop {
        let at = on_b.offset(&loc).await as usize;
        let resp = on_b.patch(&loc, at, &photo[at..]).await;
        if resp.status() != 409 || started.elapsed() > Duration::from_secs(10) {
            break resp;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        resp.status(),
        204,
        "B takes over the lease of the killed process: {:?}",
        resp.text().await
    );
    println!(
        "B took over the killed process's upload {:.2} s after the kill",
        started.elapsed().as_secs_f64()
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "without waiting for the lease to lapse: {:?}",
        started.elapsed()
    );
    assert_eq!(offset_of(&resp), photo.len() as u64);
    let got = on_b.by_hash(Method::GET, &sha, "").await;
    assert_eq!(sha_hex(&got.bytes().await.unwrap()), sha);

    // A comes back and serves both photos from the bucket.
    servers[0].start().await;
    let got = on_a.by_hash(Method::GET, &sha, "/thumb").await;
    assert_eq!(
        got.status(),
        200,
        "the restarted process serves the thumbnail"
    );
    for s in servers.iter_mut() {
        s.stop().await;
    }
    backend.drop_ledger(root.path());
}
