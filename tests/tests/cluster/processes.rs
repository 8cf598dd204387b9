//! What the cluster tests share: the preconditions, a seeded ledger, server processes on one
//! ledger and one bucket, and a PATCH written by hand so that it can be cut or left hanging.

use std::path::Path;

use tokio::io::AsyncWriteExt;
use yiwang_server::seed::{seed_county, small_plan};
use yiwang_server::storage::Ledger;
use yiwang_tests::kit::{demo_hash, Backend, S3Server, ServerProcess};

/// `s3s-fs`, or a note that the test is skipped.
pub fn s3_available(test: &str) -> bool {
    let found = S3Server::bin().is_some();
    if !found {
        println!("{test}: skipped, s3s-fs is not installed (make s3s-fs)");
    }
    found
}

/// The PostgreSQL server of this run and `s3s-fs`, or a note that the test is skipped.
pub fn cluster_available(test: &str) -> Option<Backend> {
    let pg = Backend::postgres_from_env();
    if pg.is_none() {
        println!("{test}: skipped, YIWANG_TEST_DATABASE names no PostgreSQL server");
        return None;
    }
    s3_available(test).then_some(pg).flatten()
}

/// The small county in the ledger at `url`, with real (not demo) users: `serve` refuses demo
/// passwords.
pub fn seed(url: &str) {
    let ledger = Ledger::open(url).expect("a fresh ledger opens");
    let seeded_at = chrono::Utc::now() - chrono::Duration::days(1);
    ledger
        .write_blocking(move |tx| seed_county(tx, &small_plan(), demo_hash(), false, seeded_at))
        .expect("the small county seeds");
}

/// `n` server processes (not started) on the ledger at `url` with their photos in `s3`, each
/// with a data folder of its own under `root` (nothing shared but the database and the bucket).
pub fn processes(root: &Path, url: &str, s3: &S3Server, n: usize) -> Vec<ServerProcess> {
    (0..n)
        .map(|i| {
            let dir = root.join(format!("process-{i}"));
            std::fs::create_dir_all(&dir).expect("a data folder");
            let mut p = ServerProcess::new(&dir);
            p.args = vec!["--database".into(), url.to_owned()];
            p.env = s3.env();
            p
        })
        .collect()
}

/// A PATCH written by hand on a connection of its own: headers announcing `total` body bytes,
/// then `body`. The connection is returned open, so the test decides whether it is cut
/// (dropped) or left hanging while the server is killed.
pub async fn patch_begun(
    base: &str,
    token: &str,
    loc: &str,
    offset: usize,
    body: &[u8],
    total: usize,
) -> tokio::net::TcpStream {
    let addr = base.strip_prefix("http://").expect("an http:// base");
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("the server accepts");
    let head = format!(
        "PATCH {loc} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Tus-Resumable: 1.0.0\r\nUpload-Offset: {offset}\r\n\
         Content-Type: application/offset+octet-stream\r\nContent-Length: {total}\r\n\r\n"
    );
    stream
        .write_all(head.as_bytes())
        .await
        .expect("headers sent");
    stream.write_all(body).await.expect("body sent");
    stream.flush().await.expect("flushed");
    stream
}
