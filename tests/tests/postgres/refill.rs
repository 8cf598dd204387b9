//! A new facts version on a PostgreSQL ledger: the first process to open it rewrites every case
//! row once, then vacuums the table (the old row versions otherwise keep every page off the
//! visibility map, and a city's queue counts read the table: 340 ms against 35 ms in the
//! province bench), with nothing locked out of serving.

use yiwang_server::storage::Ledger;
use yiwang_tests::kit::{ledger_rows, Backend};

fn one(url: &str, sql: &str) -> Option<String> {
    ledger_rows(url, sql)
        .into_iter()
        .next()
        .and_then(|r| r.into_iter().next().flatten())
}

#[test]
fn refilled_case_facts_are_vacuumed_when_the_ledger_opens() {
    let Some(backend) = Backend::postgres_from_env() else {
        eprintln!("refill: needs YIWANG_TEST_DATABASE=postgres://… (make test-pg)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = backend.ledger_url(dir.path());
    super::migrate_to::seed(&url, 40);
    let kept = ledger_rows(&url, "SELECT id, facts, facts_until FROM cases ORDER BY id");
    assert_eq!(kept.len(), 40);
    // What a ledger whose facts are of an older version holds.
    ledger_rows(
        &url,
        "UPDATE cases SET facts = NULL, facts_until = NULL RETURNING id",
    );
    ledger_rows(
        &url,
        "DELETE FROM meta WHERE key = 'case_facts' RETURNING key",
    );
    let before = one(
        &url,
        "SELECT coalesce(vacuum_count, 0) FROM pg_stat_user_tables WHERE relname = 'cases'",
    );

    let _ledger = Ledger::open(&url).expect("the ledger opens and refills the facts");
    assert_eq!(
        ledger_rows(&url, "SELECT id, facts, facts_until FROM cases ORDER BY id"),
        kept,
        "every case's facts are back, as the write path kept them"
    );
    assert!(
        one(&url, "SELECT value FROM meta WHERE key = 'case_facts'").is_some(),
        "the version is marked: the next start rewrites nothing"
    );
    // The statistics collector may lag a moment behind the VACUUM it counts.
    let mut after = None;
    for _ in 0..50 {
        after = one(
            &url,
            "SELECT coalesce(vacuum_count, 0) FROM pg_stat_user_tables WHERE relname = 'cases'",
        );
        if after != before {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_ne!(
        after, before,
        "the cases table was vacuumed after the rewrite"
    );
}
