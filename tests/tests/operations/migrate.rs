//! `migrate` creates the ledger and is idempotent; `verify-ledger` on a folder without a ledger
//! fails and creates nothing.

use crate::common::{count, ledger_path, read_only, run, text, yiwang};

#[test]
fn migrate_creates_the_ledger_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("fresh");
    let mut c = yiwang(&data);
    c.arg("verify-ledger");
    let out = run(c);
    assert!(
        !out.status.success() && text(&out).contains("there is no ledger"),
        "verify-ledger on a folder without a ledger fails and says so: {}",
        text(&out)
    );
    assert!(
        !ledger_path(&data).exists(),
        "and does not create an empty ledger that would verify as intact"
    );
    let mut c = yiwang(&data);
    c.arg("migrate");
    let out = run(c);
    assert!(out.status.success(), "migrate succeeds: {}", text(&out));
    assert!(
        ledger_path(&data).exists(),
        "migrate creates the folder and the SQLite ledger in it"
    );
    let db = read_only(&data);
    let version: i64 = db
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert!(version >= 1, "the schema version is recorded: {version}");
    for table in ["cases", "case_events", "changes", "users", "grids", "ops"] {
        assert_eq!(
            count(
                &db,
                &format!(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}'"
                )
            ),
            1,
            "the schema has the table {table}"
        );
    }
    drop(db);
    let mut c = yiwang(&data);
    c.arg("migrate");
    let again = run(c);
    assert!(
        again.status.success(),
        "migrating a ledger at the current schema changes nothing and succeeds: {}",
        text(&again)
    );
}
