//! The ledger's WAL stays bounded: a reader that holds a snapshot through a burst of writes
//! keeps PASSIVE checkpoints from catching up, so the WAL grows; once the reader lets go and
//! the writes stop, the checkpointer empties the file within seconds (a TRUNCATE checkpoint),
//! instead of leaving it at its high-water mark for good.

use std::time::{Duration, Instant};
use yiwang_server::storage::Ledger;
use yiwang_tests::kit::Backend;

fn wal_bytes(dir: &std::path::Path) -> u64 {
    std::fs::metadata(dir.join("ledger.sqlite-wal")).map_or(0, |m| m.len())
}

#[test]
fn the_wal_is_emptied_after_a_burst_that_a_reader_held_back() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::open(&Backend::Sqlite.ledger_url(dir.path())).expect("a ledger opens");
    let value = "x".repeat(16 * 1024);
    let v = value.clone();
    ledger
        .write_blocking(move |tx| tx.meta_set("before", &v))
        .expect("a first write");
    // A reader in the middle of a long read, on a snapshot that ends inside the WAL: it pins it.
    let (started_tx, started) = std::sync::mpsc::channel::<()>();
    let (done_tx, done) = std::sync::mpsc::channel::<()>();
    let l = ledger.clone();
    let reader = std::thread::spawn(move || {
        l.read_blocking(move |tx| {
            let seen = tx.meta_get("before")?;
            started_tx.send(()).unwrap();
            done.recv().unwrap();
            Ok(seen.is_some())
        })
        .expect("the long read ends")
    });
    started.recv().unwrap();
    for i in 0..600 {
        // Every byte changes: SQLite skips rewriting pages whose content stays the same.
        let v = format!("{i:08}").repeat(2 * 1024);
        ledger
            .write_blocking(move |tx| tx.meta_set(&format!("burst-{}", i % 50), &v))
            .expect("a write commits beside the reader");
    }
    let grown = wal_bytes(dir.path());
    assert!(
        grown > 8 * 1024 * 1024,
        "the held snapshot let the WAL grow past 8 MB ({grown} bytes): the test exercises growth"
    );
    done_tx.send(()).unwrap();
    assert!(reader.join().unwrap(), "the reader saw the first write");

    // No more writes: nothing wakes a checkpoint but the checkpointer's own schedule.
    let deadline = Instant::now() + Duration::from_secs(10);
    while wal_bytes(dir.path()) > 4 * 1024 * 1024 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let left = wal_bytes(dir.path());
    assert!(
        left <= 4 * 1024 * 1024,
        "within 10 s of the load stopping the WAL is back under 4 MB (it was {grown}, is {left})"
    );
    let n = ledger
        .read_blocking(|tx| tx.meta_get("burst-7"))
        .expect("the ledger reads");
    assert_eq!(
        n.as_deref(),
        Some(format!("{:08}", 557).repeat(2 * 1024).as_str()),
        "and nothing written was lost"
    );
}
