//! `yiwang-server migrate-to postgres://…`: a county's SQLite ledger, with real history, copied
//! into PostgreSQL by the real binary, and read back the same.
//!
//! The SQLite county: the small plan with 150 cases of history (patrols, on-the-spot findings),
//! then a worker's push through a real server process (a patrol of 16,000 track points, so that
//! `track_points` is copied in several batches, and three reports each opening a case). Then:
//!
//! - the copy: every table holds as many rows as in SQLite, the change log and every case chain
//!   are the same row for row, the epoch is kept; a second run copies nothing and changes
//!   nothing;
//! - a copy cut short: `migrate-to` killed with SIGKILL in the middle of `track_points`, then run
//!   again, ends with exactly SQLite's rows, none twice;
//! - refusals: another SQLite ledger into the filled target, and any SQLite ledger into a
//!   PostgreSQL ledger that holds a county of its own, fail with a message that says why, and
//!   change nothing;
//! - `verify-ledger --database` passes on the copies;
//! - the same reads: a server on the SQLite folder and one on the PostgreSQL copy answer every
//!   role's full pull with the same changes (same seqs), the same dashboard figures and the same
//!   patrol coverage; a cursor the SQLite server handed out works on the PostgreSQL one, and
//!   what the PostgreSQL server writes next comes after it.

use chrono::{Duration as Span, SecondsFormat, Utc};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};
use yiwang_server::demo::{seed_history, HistorySpec};
use yiwang_server::seed::{seed_county, small_plan};
use yiwang_server::state::Reference;
use yiwang_server::storage::Ledger;
use yiwang_tests::kit::{demo_hash, ledger_rows, server_bin, Backend, ServerProcess, PASSWORD};

mod http;
use http::*;

/// Every table `migrate-to` copies (its own list, `sync-server/src/migrate_to.rs`).
const TABLES: &[&str] = &[
    "org_units",
    "departments",
    "grids",
    "categories",
    "users",
    "user_grids",
    "tokens",
    "login_attempts",
    "devices",
    "cases",
    "case_events",
    "ops",
    "patrols",
    "track_points",
    "grid_windows",
    "findings",
    "finding_photos",
    "photos",
    "photo_uploaders",
    "case_photos",
    "uploads",
    "changes",
    "audit_log",
];

/// worker-0001's grid.
const GRID: &str = "210882001001-01";
const HISTORY_CASES: usize = 150;
const TRACK_OPS: usize = 4;
const POINTS_PER_OP: usize = 4_000;
const REPORTS: usize = 3;
/// One user of each kind of jurisdiction: a grid, a township, the county, a department, a
/// community.
const READERS: &[&str] = &[
    "worker-0001",
    "township-01",
    "center",
    "dept-01",
    "community-002",
];

/// The small county with real (not demo) users (`serve` refuses demo passwords), and `cases`
/// cases of history when `cases` > 0.
pub(super) fn seed(url: &str, cases: usize) {
    let ledger = Ledger::open(url).expect("a fresh ledger opens");
    let now = Utc::now();
    ledger
        .write_blocking(move |tx| {
            let seeded = seed_county(tx, &small_plan(), demo_hash(), false, now)?;
            if cases > 0 {
                let reference =
                    Reference::load(tx, yiwang_core::calendar::WorkingCalendar::china())?;
                let spec = HistorySpec {
                    cases,
                    days: 20,
                    on_spot_findings: 10,
                    patrol_days: 2,
                    seed: 7,
                };
                let report = seed_history(tx, &reference, &seeded, &spec, now, &|_| {})?;
                assert_eq!(report.refused, 0, "the small history is all permitted");
            }
            Ok(())
        })
        .expect("the small county seeds");
}

fn sqlite_url(dir: &Path) -> String {
    format!("sqlite:{}", dir.join("ledger.sqlite").display())
}

/// The binary on `--data-dir dir`, with none of the environment's own settings.
fn yiwang(dir: &Path) -> std::process::Command {
    let mut c = std::process::Command::new(server_bin());
    c.arg("--data-dir")
        .arg(dir)
        .env_remove("YIWANG_DATA_DIR")
        .env_remove("YIWANG_DATABASE_URL")
        .env_remove("YIWANG_LISTEN")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null());
    c
}

async fn run(mut c: std::process::Command) -> Output {
    tokio::task::spawn_blocking(move || c.output().expect("the yiwang-server binary runs"))
        .await
        .expect("the command's thread")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

async fn migrate_to(source: &Path, target: &str) -> Output {
    let mut c = yiwang(source);
    c.args(["migrate-to", target]);
    run(c).await
}

fn number(url: &str, sql: &str) -> i64 {
    ledger_rows(url, sql)
        .first()
        .and_then(|r| r.first().cloned().flatten())
        .unwrap_or_else(|| panic!("{sql} read nothing"))
        .parse()
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Rows per table.
fn counts(url: &str) -> BTreeMap<&'static str, i64> {
    TABLES
        .iter()
        .map(|t| (*t, number(url, &format!("SELECT count(*) FROM {t}"))))
        .collect()
}

fn epoch(url: &str) -> Option<String> {
    ledger_rows(url, "SELECT value FROM meta WHERE key = 'epoch'")
        .into_iter()
        .next()
        .and_then(|r| r.into_iter().next().flatten())
}

/// What must be the same row for row: the change log (seqs and records) and every case chain
/// (seqs and hashes).
fn contents(url: &str) -> Vec<Vec<Vec<Option<String>>>> {
    vec![
        ledger_rows(
            url,
            "SELECT seq, entity, id, CASE WHEN deleted THEN 1 ELSE 0 END, data \
             FROM changes ORDER BY seq",
        ),
        ledger_rows(
            url,
            "SELECT case_id, seq, action, hash FROM case_events ORDER BY case_id, seq",
        ),
        ledger_rows(
            url,
            "SELECT id, state, version, head_hash FROM cases ORDER BY id",
        ),
    ]
}

/// Asserts that the PostgreSQL ledger at `pg` holds exactly the SQLite ledger's rows.
fn assert_same_rows(sqlite: &str, pg: &str, what: &str) {
    let (want, got) = (counts(sqlite), counts(pg));
    for t in TABLES {
        assert_eq!(
            got[t], want[t],
            "{what}: table {t} holds as many rows in PostgreSQL as in SQLite"
        );
    }
    let (want, got) = (contents(sqlite), contents(pg));
    for (i, name) in ["the change log", "the case chains", "the case rows"]
        .iter()
        .enumerate()
    {
        if let Some(k) = (0..want[i].len()).find(|&k| want[i].get(k) != got[i].get(k)) {
            panic!(
                "{what}: {name} is the same row for row; first difference at row {k}:\n  \
                 SQLite     {:?}\n  PostgreSQL {:?}",
                want[i][k],
                got[i].get(k)
            );
        }
    }
    assert_eq!(
        epoch(pg),
        epoch(sqlite),
        "{what}: the copy keeps the ledger's epoch (devices' cursors name it)"
    );
}

/// The PostgreSQL ledger's `migrate_to:` marks, or `None` while it cannot be read yet.
fn marks(client: &mut postgres::Client) -> Option<BTreeMap<String, String>> {
    client
        .query(
            "SELECT key, value FROM meta WHERE key LIKE 'migrate_to:%'",
            &[],
        )
        .ok()
        .map(|rows| rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// Runs `migrate-to` from `source` into `target` and SIGKILLs it the moment the first batch of
/// `table` is committed. Returns the marks seen then, and the exit status if the process had
/// ended by itself first.
fn kill_during(
    source: &Path,
    target: &str,
    table: &str,
) -> (BTreeMap<String, String>, Option<std::process::ExitStatus>) {
    let mut c = yiwang(source);
    c.args(["migrate-to", target])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = c.spawn().expect("migrate-to starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut client = None;
    let key = format!("migrate_to:{table}");
    loop {
        if client.is_none() {
            client = postgres::Client::connect(target, postgres::NoTls).ok();
        }
        let seen = client.as_mut().and_then(marks);
        if let Some(seen) = seen.filter(|m| m.contains_key(&key)) {
            let ended = child.try_wait().expect("migrate-to's status");
            let _ = child.kill();
            let _ = child.wait();
            return (seen, ended);
        }
        if let Some(status) = child.try_wait().expect("migrate-to's status") {
            // Done before a mark of the table was seen (the caller sees it was not cut short).
            return (
                client.as_mut().and_then(marks).unwrap_or_default(),
                Some(status),
            );
        }
        assert!(
            Instant::now() < deadline,
            "migrate-to reaches {table} within 60 s"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_county_moves_to_postgres_and_reads_the_same() {
    let Some(backend) = Backend::postgres_from_env() else {
        eprintln!(
            "a_sqlite_county_moves_to_postgres_and_reads_the_same: needs \
             YIWANG_TEST_DATABASE=postgres://… (make test-pg)"
        );
        return;
    };
    let started = Instant::now();

    // The SQLite county: history, then a worker's field work through a real server.
    let src = tempfile::tempdir().expect("a temporary folder");
    let sqlite = sqlite_url(src.path());
    seed(&sqlite, HISTORY_CASES);
    let mut server = ServerProcess::new(src.path());
    server.start().await;
    let worker = login(&server, "worker-0001").await;
    let photo = upload(&server, &worker, &jpeg(1)).await;
    // The same photo from the community too: a second uploader of the same bytes.
    let community = login(&server, "community-001").await;
    assert_eq!(upload(&server, &community, &jpeg(1)).await, photo);
    push(&server, &worker, "migrate-worker-0001", &field_work(&photo)).await;
    // A failed sign-in too: the ledger then holds a login attempt and two audit entries.
    let (status, body) = sign_in(&server, "township-02", "not-the-password").await;
    assert_eq!(status, 401, "a wrong password is refused: {body}");
    server.stop().await;
    let want = counts(&sqlite);
    println!(
        "SQLite county built in {:.1} s: {want:?}",
        started.elapsed().as_secs_f64()
    );
    assert!(
        want["track_points"] >= (TRACK_OPS * POINTS_PER_OP) as i64
            && want["cases"] >= (HISTORY_CASES + REPORTS) as i64
            && want["audit_log"] >= 2
            && want["login_attempts"] >= 1
            && want["photos"] == 1
            && want["photo_uploaders"] == 2
            && want["case_photos"] == 1
            && want["finding_photos"] == 1,
        "the SQLite county holds the history and the push (track points in several batches, \
         sign-ins in the audit log, a failed one among the login attempts, a photo of two \
         uploaders shown by a finding and its case): {want:?}"
    );

    // The copy.
    let pg_dir = tempfile::tempdir().expect("a temporary folder");
    let pg = backend.ledger_url(pg_dir.path());
    let t = Instant::now();
    let out = migrate_to(src.path(), &pg).await;
    assert!(out.status.success(), "migrate-to succeeds: {}", text(&out));
    println!(
        "migrate-to took {:.1} s:\n{}",
        t.elapsed().as_secs_f64(),
        text(&out)
    );
    assert_same_rows(&sqlite, &pg, "after migrate-to");

    // Again: nothing more to copy, nothing changed.
    let out = migrate_to(src.path(), &pg).await;
    assert!(
        out.status.success(),
        "a second migrate-to succeeds: {}",
        text(&out)
    );
    assert!(
        text(&out).contains("migrate-to: 0 rows copied"),
        "a second migrate-to copies nothing: {}",
        text(&out)
    );
    assert_same_rows(&sqlite, &pg, "after a second migrate-to");

    // A copy cut short in the middle of track_points, then resumed. The kill follows the first
    // mark of the table within milliseconds, and the table takes eight batches; should it still
    // miss (a stalled machine), the cut is tried again on a fresh database.
    let mut attempt = 0;
    let (cut_dir, cut) = loop {
        attempt += 1;
        let cut_dir = tempfile::tempdir().expect("a temporary folder");
        let cut = backend.ledger_url(cut_dir.path());
        let (source, target) = (src.path().to_path_buf(), cut.clone());
        let (seen, ended) =
            tokio::task::spawn_blocking(move || kill_during(&source, &target, "track_points"))
                .await
                .expect("the killing thread");
        let copied_points = number(&cut, "SELECT count(*) FROM track_points");
        println!(
            "attempt {attempt}: killed with {copied_points} of {} track points copied \
             (exited by itself first: {ended:?}); marks {seen:?}",
            want["track_points"]
        );
        if ended.is_none() && copied_points > 0 && copied_points < want["track_points"] {
            break (cut_dir, cut);
        }
        assert!(
            attempt < 3,
            "in three tries, a kill of migrate-to lands in the middle of track_points"
        );
        backend.drop_ledger(cut_dir.path());
    };
    assert_ne!(
        epoch(&cut),
        epoch(&sqlite),
        "a copy cut short has not yet taken the source's epoch"
    );
    let out = migrate_to(src.path(), &cut).await;
    assert!(
        out.status.success(),
        "the resumed migrate-to succeeds: {}",
        text(&out)
    );
    assert_same_rows(&sqlite, &cut, "after a copy cut short and resumed");
    assert_eq!(
        number(
            &cut,
            "SELECT count(*) FROM (SELECT patrol_id, t FROM track_points \
             GROUP BY 1, 2 HAVING count(*) > 1) d"
        ),
        number(
            &sqlite,
            "SELECT count(*) FROM (SELECT patrol_id, t FROM track_points \
             GROUP BY 1, 2 HAVING count(*) > 1) d"
        ),
        "no track point copied twice by the resumed copy"
    );

    // Refusals: another SQLite ledger into the copy; this one into a county of PostgreSQL's own.
    let other = tempfile::tempdir().expect("a temporary folder");
    seed(&sqlite_url(other.path()), 0);
    let out = migrate_to(other.path(), &pg).await;
    assert!(
        !out.status.success(),
        "migrate-to from another SQLite ledger into a filled copy fails"
    );
    assert!(
        text(&out).contains("copy of another SQLite ledger"),
        "the refusal says the target is another ledger's copy: {}",
        text(&out)
    );
    assert_same_rows(&sqlite, &pg, "after a refused migrate-to");
    let own_dir = tempfile::tempdir().expect("a temporary folder");
    let own = backend.ledger_url(own_dir.path());
    seed(&own, 0);
    let own_before = counts(&own);
    let out = migrate_to(src.path(), &own).await;
    assert!(
        !out.status.success(),
        "migrate-to into a PostgreSQL ledger with a county of its own fails"
    );
    assert!(
        text(&out).contains("already holds a county of its own"),
        "the refusal says the target holds a county: {}",
        text(&out)
    );
    assert_eq!(
        counts(&own),
        own_before,
        "a refused migrate-to changes nothing"
    );

    // The copies verify.
    for (url, what) in [(&pg, "the copy"), (&cut, "the resumed copy")] {
        let mut c = yiwang(pg_dir.path());
        c.args(["verify-ledger", "--database", url]);
        let out = run(c).await;
        assert!(
            out.status.success(),
            "verify-ledger passes on {what}: {}",
            text(&out)
        );
    }

    // The same reads from a server on each.
    let mut on_sqlite = ServerProcess::new(src.path());
    on_sqlite.start().await;
    let mut on_pg = ServerProcess::new(pg_dir.path());
    on_pg.args = vec!["--database".into(), pg.clone()];
    on_pg.start().await;
    // The first sign-ins on the copy append to the audit log and the login attempts, whose ids
    // must continue after the copied ones.
    let (status, body) = sign_in(&on_pg, "township-02", "not-the-password").await;
    assert_eq!(
        status, 401,
        "a wrong password on the PostgreSQL copy is refused as on SQLite (the new login attempt \
         and audit entry take ids after the copied ones): {body}"
    );
    let (status, body) = sign_in(&on_pg, "leader", PASSWORD).await;
    assert_eq!(
        status, 200,
        "the first sign-in on the PostgreSQL copy works (its audit entry takes an id after the \
         copied ones): {body}"
    );
    let mut tokens = BTreeMap::new();
    for who in READERS {
        tokens.insert(
            *who,
            (login(&on_sqlite, who).await, login(&on_pg, who).await),
        );
    }
    let mut cursors = BTreeMap::new();
    for who in READERS {
        let (ts, tp) = &tokens[who];
        let (from_sqlite, cursor) = pull_all(&on_sqlite, ts, who).await;
        let (from_pg, _) = pull_all(&on_pg, tp, who).await;
        assert!(!from_sqlite.is_empty(), "{who} pulls something from SQLite");
        if let Some(k) = (0..from_sqlite.len().max(from_pg.len()))
            .find(|&k| from_sqlite.get(k) != from_pg.get(k))
        {
            panic!(
                "{who}'s full pull is the same from both ({} and {} changes); first \
                 difference at change {k}:\n  SQLite     {}\n  PostgreSQL {}",
                from_sqlite.len(),
                from_pg.len(),
                from_sqlite.get(k).unwrap_or(&Value::Null),
                from_pg.get(k).unwrap_or(&Value::Null)
            );
        }
        // The SQLite server's cursor, on the PostgreSQL server: at the end already.
        let (status, page) = get(
            &on_pg,
            tp,
            &format!("/api/v1/sync/pull?cursor={cursor}&limit=1000"),
        )
        .await;
        assert_eq!(
            status, 200,
            "{who}'s cursor from the SQLite server is valid on the PostgreSQL copy: {page}"
        );
        assert_eq!(
            (page["changes"].as_array().map(Vec::len), &page["has_more"]),
            (Some(0), &json!(false)),
            "{who}'s cursor from the SQLite server is at the end of the PostgreSQL copy: {page}"
        );
        cursors.insert(*who, cursor);
    }
    let from = stamp(Utc::now() - Span::days(25));
    let to = stamp(Utc::now() + Span::hours(1));
    for (who, dims) in [
        ("center", ["township", "category_class"]),
        ("township-01", ["community", "grid"]),
        ("dept-01", ["department", "category"]),
    ] {
        let (ts, tp) = &tokens[who];
        for dim in dims {
            let path = format!("/api/v1/stats?from={from}&to={to}&dimension={dim}");
            same_answer(&on_sqlite, ts, &on_pg, tp, &path, who).await;
        }
        same_answer(&on_sqlite, ts, &on_pg, tp, "/api/v1/coverage", who).await;
    }

    // What the PostgreSQL server writes next comes after every copied seq: the worker's cursor
    // from the SQLite server brings exactly the new report.
    let (_, tp) = &tokens["worker-0001"];
    let high = number(&pg, "SELECT max(seq) FROM changes");
    let sqlite_high = number(
        &sqlite,
        "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'changes'), 0)",
    );
    let (finding, case) = (
        uuid::Uuid::now_v7().to_string(),
        uuid::Uuid::now_v7().to_string(),
    );
    let now = Utc::now();
    push(
        &on_pg,
        tp,
        "migrate-worker-0001",
        &[op(
            "finding.create",
            &finding,
            now,
            json!({"grid_id": GRID, "category_code": "01.01", "description": "迁移后的上报",
                   "lat": 40.615, "lon": 122.504, "accuracy_m": 6.0, "observed_at": stamp(now),
                   "disposition": "report", "photos": [], "case_id": case}),
        )],
    )
    .await;
    let (status, page) = get(
        &on_pg,
        tp,
        &format!(
            "/api/v1/sync/pull?cursor={}&limit=1000",
            cursors["worker-0001"]
        ),
    )
    .await;
    assert_eq!(status, 200, "the old cursor pulls on: {page}");
    let changes = page["changes"].as_array().expect("changes");
    assert!(
        changes.iter().any(|c| c["id"] == finding.as_str())
            && changes.iter().any(|c| c["id"] == case.as_str()),
        "the report written on PostgreSQL after the copy reaches the worker through the cursor \
         the SQLite server gave: {page}"
    );
    for c in changes {
        let seq = c["seq"].as_i64().expect("a seq");
        assert!(
            seq > high.max(sqlite_high),
            "a change written after the copy has a seq above every copied one ({high}, SQLite's \
             highest ever {sqlite_high}): {c}"
        );
    }

    on_sqlite.stop().await;
    on_pg.stop().await;
    for dir in [pg_dir.path(), cut_dir.path(), own_dir.path()] {
        backend.drop_ledger(dir);
    }
    println!(
        "a_sqlite_county_moves_to_postgres_and_reads_the_same: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
