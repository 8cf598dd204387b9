//! What the cluster tests share: the preconditions, a seeded ledger, and server processes on
//! one ledger and one bucket.

use std::path::Path;

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
