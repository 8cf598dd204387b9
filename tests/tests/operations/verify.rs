//! `verify-ledger` passes on an intact ledger and names every case whose events, row or figures'
//! facts someone edited in the database file.

use rusqlite::Connection;

use crate::common::{ledger_path, run, seed_small, text, yiwang};

#[test]
fn verify_ledger_passes_on_an_intact_ledger_and_names_every_tampered_case() {
    let dir = tempfile::tempdir().unwrap();
    seed_small(dir.path(), false, 60);
    let mut c = yiwang(dir.path());
    c.arg("verify-ledger");
    let out = run(c);
    assert!(
        out.status.success(),
        "an intact ledger verifies: {}",
        text(&out)
    );
    assert!(
        text(&out).contains("60 cases"),
        "the summary counts the cases: {}",
        text(&out)
    );

    let (edited_event, edited_row, edited_facts) = {
        let db = Connection::open(ledger_path(dir.path())).unwrap();
        let ids: Vec<String> = db
            .prepare("SELECT case_id FROM case_events WHERE seq = 3 ORDER BY case_id LIMIT 3")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(ids.len(), 3, "the history has cases with three events");
        // Someone with the database file rewrites what was said at step 2 of one case…
        let n = db
            .execute(
                "UPDATE case_events SET data = json_set(data, '$.note', '已篡改的意见')
                 WHERE case_id = ?1 AND seq = 2",
                [&ids[0]],
            )
            .unwrap();
        assert_eq!(n, 1, "one event was edited");
        // …and the description in the row of another.
        let n = db
            .execute(
                "UPDATE cases SET data = json_set(data, '$.description', '改写过的描述')
                 WHERE id = ?1",
                [&ids[1]],
            )
            .unwrap();
        assert_eq!(n, 1, "one case row was edited");
        // …and, in a third, the facts the figures read: a case now "extended".
        let n = db
            .execute(
                "UPDATE cases SET facts = json_set(facts, '$.extended', json('true'))
                 WHERE id = ?1 AND json_extract(facts, '$.extended') = 0",
                [&ids[2]],
            )
            .unwrap();
        assert_eq!(n, 1, "one case's figures' facts were edited");
        (ids[0].clone(), ids[1].clone(), ids[2].clone())
    };
    let mut c = yiwang(dir.path());
    c.arg("verify-ledger");
    let out = run(c);
    let said = text(&out);
    assert!(
        !out.status.success(),
        "a tampered ledger fails verification with a non-zero exit: {said}"
    );
    assert!(
        said.contains(&format!(
            "case {edited_event}: event 2 does not match its hash"
        )),
        "the edited event is named, with its case: {said}"
    );
    assert!(
        said.contains(&format!("case {edited_row}: the case row differs")),
        "the edited case row is named: {said}"
    );
    assert!(
        said.contains(&format!(
            "case {edited_facts}: the figures' facts stored with the case differ"
        )),
        "the case with edited facts is named: {said}"
    );
    assert!(
        said.contains("3 FAILED"),
        "exactly the three edited cases fail: {said}"
    );
}
