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

    let (edited_event, edited_row, edited_facts, moved, reopened) = {
        let db = Connection::open(ledger_path(dir.path())).unwrap();
        let ids: Vec<String> = db
            .prepare("SELECT case_id FROM case_events WHERE seq = 3 ORDER BY case_id LIMIT 5")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(ids.len(), 5, "the history has cases with three events");
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
        // …and the columns the queries read, leaving the JSON alone: a fourth case moved into
        // another township's sight (its origin path), a fifth shown in the open queue again.
        let n = db
            .execute(
                "UPDATE cases SET origin_path = (SELECT path FROM org_units
                    WHERE level = 'township' AND path <> substr(cases.origin_path, 1, length(path))
                    LIMIT 1)
                 WHERE id = ?1",
                [&ids[3]],
            )
            .unwrap();
        assert_eq!(n, 1, "one case's origin path was edited");
        let n = db
            .execute(
                "UPDATE cases SET state = CASE state WHEN 'claimed' THEN 'pending' ELSE 'claimed' END
                 WHERE id = ?1",
                [&ids[4]],
            )
            .unwrap();
        assert_eq!(n, 1, "one case's state column was edited");
        (
            ids[0].clone(),
            ids[1].clone(),
            ids[2].clone(),
            ids[3].clone(),
            ids[4].clone(),
        )
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
        said.contains(&format!("case {moved}: its column origin_path holds '")),
        "the case moved to another township by its column alone is named: {said}"
    );
    assert!(
        said.contains(&format!("case {reopened}: its column state holds '")),
        "the case whose state column was edited is named: {said}"
    );
    assert!(
        said.contains("5 FAILED"),
        "exactly the five edited cases fail: {said}"
    );
}
