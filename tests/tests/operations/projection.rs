//! The case projection upgrade: a ledger written before `Case::handled_at` existed gets its case
//! rows (and what a pull serves) brought up to date once, without hiding a row someone edited.

use rusqlite::Connection;

use crate::common::{ledger_path, read_only, run, seed_small, text, yiwang};

/// A ledger written before `Case::handled_at` existed (issue 10) opens with its case rows
/// brought up to the current projection, so `verify-ledger` still passes; a row someone edited
/// is not "repaired" by the upgrade.
#[test]
fn an_older_case_projection_is_upgraded_once_and_tampering_is_not_hidden() {
    let dir = tempfile::tempdir().unwrap();
    seed_small(dir.path(), false, 60);
    let ids = |db: &Connection, sql: &str| -> Vec<String> {
        db.prepare(sql)
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let handled_sql =
        "SELECT id FROM cases WHERE json_extract(data, '$.handled_at') IS NOT NULL ORDER BY id";
    let (handled, tampered) = {
        let db = Connection::open(ledger_path(dir.path())).unwrap();
        let handled = ids(&db, handled_sql);
        assert!(
            handled.len() > 10,
            "the history has handled cases: {handled:?}"
        );
        // What the previous binary stored: no handled_at, and no projection version.
        db.execute_batch(
            "UPDATE cases SET data = json_remove(data, '$.handled_at');
             UPDATE changes SET data = json_remove(data, '$.handled_at') WHERE entity = 'case';
             DELETE FROM meta WHERE key = 'case_projection';",
        )
        .unwrap();
        let tampered = handled[0].clone();
        db.execute(
            "UPDATE cases SET data = json_set(data, '$.description', '改写过的描述') WHERE id = ?1",
            [&tampered],
        )
        .unwrap();
        (handled, tampered)
    };
    let mut c = yiwang(dir.path());
    c.arg("verify-ledger");
    let out = run(c);
    let said = text(&out);
    assert!(
        said.contains("1 FAILED")
            && said.contains(&format!("case {tampered}: the case row differs")),
        "after the upgrade only the edited row fails: {said}"
    );
    let db = read_only(dir.path());
    let expected: Vec<String> = handled
        .iter()
        .filter(|id| **id != tampered)
        .cloned()
        .collect();
    assert_eq!(
        ids(&db, handled_sql),
        expected,
        "every untouched row has its handled_at back; the edited one is left as it was"
    );
    assert_eq!(
        ids(
            &db,
            "SELECT k.id FROM changes c JOIN cases k ON k.id = c.id WHERE c.entity = 'case'
             AND json_extract(c.data, '$.handled_at') IS NOT json_extract(k.data, '$.handled_at')"
        ),
        Vec::<String>::new(),
        "what a pull serves carries handled_at as the row does"
    );
}

/// The figures' facts kept with each case as its events were appended are exactly those read
/// off its whole chain: a ledger from before they were kept (every `facts` NULL, no
/// `case_facts` version) opens with every case's facts computed from its events, equal to the
/// ones the write path kept, and verifies.
#[test]
fn facts_kept_on_each_write_equal_the_facts_filled_from_the_events() {
    let dir = tempfile::tempdir().unwrap();
    seed_small(dir.path(), false, 60);
    let snapshot = |db: &Connection| -> Vec<(String, Option<String>, Option<String>)> {
        db.prepare("SELECT id, facts, facts_until FROM cases ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let kept = {
        let db = Connection::open(ledger_path(dir.path())).unwrap();
        let kept = snapshot(&db);
        assert_eq!(kept.len(), 60, "the history has 60 cases");
        assert!(
            kept.iter().all(|(_, f, u)| f.is_some() && u.is_some()),
            "every case has its facts as it is written"
        );
        // What a ledger written before version 7 holds.
        db.execute_batch(
            "UPDATE cases SET facts = NULL, facts_until = NULL;
             DELETE FROM meta WHERE key = 'case_facts';",
        )
        .unwrap();
        kept
    };
    let mut c = yiwang(dir.path());
    c.arg("verify-ledger");
    let out = run(c);
    assert!(
        out.status.success() && text(&out).contains("60 cases"),
        "the ledger opens, fills the facts and verifies: {}",
        text(&out)
    );
    let db = read_only(dir.path());
    assert_eq!(
        snapshot(&db),
        kept,
        "the facts filled from the events are the ones kept event by event"
    );
}
