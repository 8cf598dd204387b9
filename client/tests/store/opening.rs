//! Opening and migrations: a database from a newer app is refused untouched, reopening runs no
//! migration twice, and clearing the token keeps the user and the outbox.

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use yiwang_client::store::{Store, StoreError, SCHEMA_VERSION};
use yiwang_core::field::Disposition;

use crate::common::{count, new_finding, open_signed_in, raw, worker};

fn sidecars(db: &Path) -> [PathBuf; 2] {
    let s = db.to_string_lossy();
    [
        PathBuf::from(format!("{s}-wal")),
        PathBuf::from(format!("{s}-shm")),
    ]
}

#[test]
fn a_database_from_a_newer_app_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("yiwang.db");
    drop(open_signed_in(dir.path()));
    {
        let conn = Connection::open(&db).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
    }
    for f in sidecars(&db) {
        assert!(
            !f.exists(),
            "closing the last connection removed {}",
            f.display()
        );
    }
    let before = std::fs::read(&db).unwrap();

    match Store::open(&db) {
        Err(StoreError::NewerSchema { found, supported }) => {
            assert_eq!(
                found,
                SCHEMA_VERSION + 1,
                "the error names the version found"
            );
            assert_eq!(supported, SCHEMA_VERSION, "and the newest this app knows");
        }
        other => panic!("a newer schema must be refused, got {other:?}"),
    }
    let err = Store::open(&db).expect_err("refused every time");
    assert_eq!(err.code(), "newer_schema", "the UI branches on the code");
    assert!(
        err.to_string().contains("update the app"),
        "the message says what to do: {err}"
    );

    assert!(
        std::fs::read(&db).unwrap() == before,
        "the file is byte-for-byte unchanged"
    );
    for f in sidecars(&db) {
        assert!(!f.exists(), "refusing created no {}", f.display());
    }
}

#[test]
fn a_newer_database_in_rollback_mode_is_not_switched_to_wal() {
    // A newer app may have left WAL; switching it back would rewrite the header. The version
    // must be checked before the journal mode is touched.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("yiwang.db");
    drop(open_signed_in(dir.path()));
    {
        let conn = Connection::open(&db).unwrap();
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "DELETE", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "delete", "the fixture left WAL mode");
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 7)
            .unwrap();
    }
    let before = std::fs::read(&db).unwrap();
    let opened = Store::open(&db);
    assert!(
        matches!(opened, Err(StoreError::NewerSchema { .. })),
        "refused: {opened:?}"
    );
    assert!(
        std::fs::read(&db).unwrap() == before,
        "not even the journal mode byte changed"
    );
    for f in sidecars(&db) {
        assert!(!f.exists(), "refusing created no {}", f.display());
    }
}

#[test]
fn a_newer_schema_still_in_the_wal_is_refused_too() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("yiwang.db");
    drop(open_signed_in(dir.path()));
    // The newer app's migration is committed to the WAL but not yet checkpointed into the
    // file, so the header still shows the old version.
    let newer = Connection::open(&db).unwrap();
    newer.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
    newer
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();

    let opened = Store::open(&db);
    assert!(
        matches!(opened, Err(StoreError::NewerSchema { .. })),
        "SQLite's own answer is checked after the header's: {opened:?}"
    );
    let v: i64 = newer
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(v, SCHEMA_VERSION + 1, "the newer schema was left as it was");
}

#[test]
fn reopening_keeps_data_and_runs_no_migration_twice() {
    let dir = tempfile::tempdir().unwrap();
    let (device, finding) = {
        let store = open_signed_in(dir.path());
        let f = store
            .create_finding(new_finding(vec![], Disposition::Note))
            .unwrap();
        (store.device().unwrap(), f)
    };
    let store = Store::open(dir.path().join("yiwang.db")).expect("an existing store reopens");
    assert_eq!(
        store.schema_version().unwrap(),
        SCHEMA_VERSION,
        "the schema is current"
    );
    assert_eq!(
        store.device().unwrap(),
        device,
        "the device keeps its id across restarts"
    );
    assert_eq!(
        store.finding(&finding.id).unwrap().finding,
        finding,
        "the finding survived"
    );
    assert_eq!(
        store.outbox_counts().unwrap().waiting,
        1,
        "so did its op, once"
    );
    assert_eq!(
        store.session().unwrap().map(|s| s.user),
        Some(worker()),
        "the worker stays signed in"
    );
    drop(store);
    let conn = raw(dir.path());
    assert_eq!(
        count(&conn, "SELECT count(*) FROM device"),
        1,
        "one device row, not one per open"
    );
    assert_eq!(
        count(&conn, "SELECT count(*) FROM sync_meta"),
        1,
        "one sync row, too"
    );
}

#[test]
fn clearing_the_token_keeps_the_user_and_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_signed_in(dir.path());
    store
        .create_finding(new_finding(vec![], Disposition::Note))
        .unwrap();
    store.clear_token().unwrap();
    let session = store.session().unwrap().expect("the session row stays");
    assert_eq!(session.token, None, "the token is gone");
    assert_eq!(session.user, worker(), "the user is remembered");
    assert_eq!(
        store.outbox_counts().unwrap().waiting,
        1,
        "the outbox waits for the next login"
    );
    store
        .create_finding(new_finding(vec![], Disposition::Note))
        .expect("field work goes on offline after a 401");
}
