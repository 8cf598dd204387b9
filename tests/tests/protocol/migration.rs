//! A ledger written before the lean change log (migration 0002), opened by this build.

use crate::common::{applied, case_in_verifying, count, db, outcomes, pull_all, push, W1_GRID};
use yiwang_core::sync::Entity;
use yiwang_tests::kit::ops::{finding, new_id, patrol_start, patrol_track};
use yiwang_tests::kit::{Backend, TestServer};

/// Migration 0002 on a ledger written before it: the change log's copies of findings are dropped
/// (pulls read them from `findings`), every seq and the AUTOINCREMENT high-water mark survive,
/// and every pull answers exactly what it answered before.
#[tokio::test]
async fn a_ledger_from_before_the_lean_change_log_migrates_and_pulls_the_same() {
    // About SQLite's own migrations: a PostgreSQL ledger began at a later schema.
    if Backend::from_env() != Backend::Sqlite {
        return;
    }
    let s = TestServer::start().await;
    let w1 = s.login("worker-0001").await;
    let patrol = new_id();
    let note = new_id();
    let r = push(
        &s,
        &w1,
        "worker-0001",
        &[
            patrol_start(&patrol, W1_GRID),
            patrol_track(&patrol, 3),
            finding(&note, W1_GRID, "note", None),
        ],
    )
    .await;
    assert_eq!(outcomes(&r), applied(3));
    // A case worked through to verification: cases and case events in the log too.
    case_in_verifying(&s, "worker-0001", W1_GRID, "township-01").await;
    let viewers = ["worker-0001", "township-01", "center", "leader"];
    let mut before = vec![];
    for who in viewers {
        let t = s.login(who).await;
        before.push(pull_all(&s, &t, 7).await.0);
    }
    assert!(
        before[0]
            .iter()
            .filter(|c| c.entity == Entity::Finding)
            .count()
            >= 2,
        "the worker pulls both findings"
    );

    // The patrol counts for its grid's morning (its first points arrived with it).
    let windows = |c: &rusqlite::Connection| -> String {
        c.query_row(
            "SELECT COALESCE(group_concat(day || ' ' || grid_id || ' ' || windows, '; '), '')
             FROM (SELECT * FROM grid_windows ORDER BY day, grid_id)",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    let windows_before = windows(&db(&s));
    assert!(
        windows_before.contains(W1_GRID),
        "the patrol is in its grid's windows: {windows_before:?}"
    );

    // The same ledger as a version-1 server left it: findings copied into the log, the old
    // indexes, user_version 1, and a high-water mark above the newest row (a replaced row).
    let old = tempfile::tempdir().unwrap();
    let old_file = old.path().join("ledger.sqlite");
    db(&s)
        .execute("VACUUM INTO ?1", [old_file.to_str().unwrap()])
        .unwrap();
    let mark: i64 = {
        let c = rusqlite::Connection::open(&old_file).unwrap();
        c.execute_batch(
            "UPDATE changes SET data = (SELECT f.data FROM findings f WHERE f.id = changes.id)
                 WHERE entity = 'finding' AND data IS NULL;
             DROP INDEX findings_case;
             CREATE INDEX findings_case ON findings(case_id);
             CREATE INDEX ops_user ON ops(user_id);
             UPDATE sqlite_sequence SET seq = seq + 5 WHERE name = 'changes';
             -- Schemas 4 (audit log) and 3 (sessions) undone too: they came after.
             DROP TABLE audit_log;
             DROP INDEX tokens_user_device;
             ALTER TABLE tokens DROP COLUMN kind;
             ALTER TABLE tokens DROP COLUMN expires_at;
             DROP TABLE login_attempts;
             CREATE TABLE login_failures (username TEXT NOT NULL, at TEXT NOT NULL);
             CREATE INDEX login_failures_user ON login_failures(username, at);
             -- And the patrols' receipt time (0006_patrol_receipt.sql).
             ALTER TABLE patrols DROP COLUMN received_at;
             -- And the cases' figures' facts (0007_case_facts.sql).
             ALTER TABLE cases DROP COLUMN facts;
             ALTER TABLE cases DROP COLUMN facts_until;
             DELETE FROM meta WHERE key = 'case_facts';
             -- And the photos' whole-decode check (0008_photo_checks.sql).
             DROP INDEX photos_unchecked;
             ALTER TABLE photos DROP COLUMN checked_at;
             ALTER TABLE photos DROP COLUMN quarantine;
             -- And the change log's scope indexes (0009_pull_by_scope.sql).
             DROP INDEX changes_all;
             DROP INDEX changes_path;
             DROP INDEX changes_grid;
             DROP INDEX changes_depts;
             DROP INDEX changes_user;
             -- And the duplicates' index (0013_duplicates.sql).
             DROP INDEX cases_duplicate_of;
             -- And each grid's windows per day (0012_grid_windows.sql).
             DROP TABLE grid_windows;
             DELETE FROM meta WHERE key = 'grid_windows';
             -- And the county share (0011_county_share.sql): the old origin index, every org
             -- unit everyone's.
             DROP INDEX cases_origin_state;
             CREATE INDEX cases_origin_path ON cases(origin_path);
             DROP INDEX changes_region;
             UPDATE changes SET scope_all = 1 WHERE entity = 'org_unit';
             ALTER TABLE changes DROP COLUMN scope_region;
             -- And the city level (0010_city_level.sql): the old CHECK, by SQLite's only way
             -- (foreign keys off on this connection, so the references keep their name).
             PRAGMA foreign_keys = OFF;
             CREATE TABLE org_units_old (
                 id        TEXT PRIMARY KEY,
                 parent_id TEXT REFERENCES org_units(id),
                 name      TEXT NOT NULL,
                 level     TEXT NOT NULL CHECK (level IN ('county', 'township', 'community')),
                 path      TEXT NOT NULL
             );
             INSERT INTO org_units_old SELECT id, parent_id, name, level, path FROM org_units;
             DROP TABLE org_units;
             ALTER TABLE org_units_old RENAME TO org_units;
             CREATE INDEX org_units_parent ON org_units(parent_id);
             PRAGMA user_version = 1;",
        )
        .unwrap();
        let copied: i64 = c
            .query_row(
                "SELECT count(*) FROM changes WHERE entity = 'finding' AND data IS NOT NULL",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(copied >= 2, "the old form copies findings into the log");
        c.query_row(
            "SELECT seq FROM sqlite_sequence WHERE name = 'changes'",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };

    let units = {
        let c = rusqlite::Connection::open(&old_file).unwrap();
        let n: i64 = c
            .query_row("SELECT count(*) FROM org_units", [], |r| r.get(0))
            .unwrap();
        let refused = c.execute(
            "INSERT INTO org_units(id, parent_id, name, level, path)
             VALUES ('probe', NULL, 'probe', 'city', '/probe/')",
            [],
        );
        assert!(refused.is_err(), "the old schema knows no city");
        n
    };

    // A server of this build opens it: the migration runs.
    let m = TestServer::over(old, s.seeded.clone()).await;
    assert_eq!(
        count(&m, "SELECT count(*) FROM org_units"),
        units,
        "the org units survive the rebuild of their table (0010)"
    );
    assert_eq!(
        count(&m, "SELECT count(*) FROM pragma_foreign_key_check"),
        0,
        "grids and users still name existing units"
    );
    assert_eq!(
        count(
            &m,
            "SELECT count(*) FROM sqlite_master WHERE name IN ('org_units_next', 'changes_all',
                 'changes_path', 'changes_grid', 'changes_depts', 'changes_user')"
        ),
        5,
        "the scope indexes are back and the rebuild's table is gone"
    );
    assert_eq!(
        count(
            &m,
            "SELECT count(*) FROM sqlite_master WHERE name IN ('cases_origin_state',
                 'changes_region', 'cases_origin_path')"
        ),
        2,
        "the county-share indexes replace the old origin index"
    );
    assert_eq!(
        count(
            &m,
            "SELECT count(*) FROM changes c JOIN org_units u ON u.id = c.id
             WHERE c.entity = 'org_unit' AND c.scope_all = 0
               AND c.scope_region = (SELECT path FROM org_units WHERE level = 'county')"
        ),
        count(&m, "SELECT count(*) FROM org_units"),
        "every unit of the county is logged as the county's own"
    );
    assert_eq!(
        count(&m, "PRAGMA user_version"),
        yiwang_server::storage::sqlite::SCHEMA_VERSION,
        "migrated through version 2 to this build's own"
    );
    assert_eq!(
        count(
            &m,
            "SELECT count(*) FROM patrols p JOIN ops o
              ON o.entity_id = p.id AND o.type = 'patrol.start' AND o.status = 'applied'
             WHERE p.received_at = o.received_at"
        ),
        1,
        "the patrol's receipt time is taken from its start op"
    );
    assert_eq!(
        count(
            &m,
            "SELECT count(*) FROM cases WHERE facts IS NOT NULL AND facts_until IS NOT NULL"
        ),
        count(&m, "SELECT count(*) FROM cases"),
        "every case has its figures' facts, filled from its events"
    );
    assert!(
        count(&m, "SELECT count(*) FROM cases") >= 1,
        "the ledger has a case"
    );
    assert_eq!(
        count(
            &m,
            "SELECT count(*) FROM changes WHERE entity = 'finding' AND data IS NOT NULL"
        ),
        0,
        "no finding is copied into the log any more"
    );
    assert_eq!(
        windows(&db(&m)),
        windows_before,
        "each grid's windows per day are filled from the patrols as the ledger opens"
    );
    assert_eq!(
        count(
            &m,
            "SELECT count(*) FROM sqlite_master WHERE name IN ('ops_user', 'changes_next')"
        ),
        0,
        "the old index and the rebuild's table are gone"
    );
    assert_eq!(
        count(&m, "SELECT seq FROM sqlite_sequence WHERE name = 'changes'"),
        mark,
        "the high-water mark survives the rebuild"
    );

    // Every viewer pulls exactly what it pulled before, seqs included (signing in logs nothing
    // a pull returns, so the lists compare whole).
    for (who, was) in viewers.iter().zip(&before) {
        let t = m.login(who).await;
        let (now, _) = pull_all(&m, &t, 7).await;
        assert_eq!(
            serde_json::to_value(&now).unwrap(),
            serde_json::to_value(was).unwrap(),
            "{who} pulls the same changes after the migration"
        );
    }

    // The next record logged gets a seq above the mark, never one handed out before.
    let w1 = m.login("worker-0001").await;
    let r = push(
        &m,
        &w1,
        "worker-0001",
        &[finding(&new_id(), W1_GRID, "note", None)],
    )
    .await;
    assert_eq!(outcomes(&r), applied(1));
    assert!(
        r.results[0].seq.is_some_and(|seq| seq > mark),
        "a new finding is logged above the mark {mark}: {:?}",
        r.results[0]
    );
}
