//! `backup` taken from the real server binary while devices keep pushing, and `restore` of it:
//! the copy is one self-contained file that `verify-ledger` passes and that holds every push
//! acknowledged before the backup began; `restore` puts it back only when no server runs, keeps
//! the ledger it replaces, and refuses files that are not intact Yiwang ledgers.

use rusqlite::{Connection, OpenFlags};
use serde_json::{json, Value};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use yiwang_tests::kit::ServerProcess;

use crate::common::{count, ledger_path, run, seed_small, text, yiwang};

const GRID: &str = "210882001001-01";
const PUSHERS: usize = 3;

fn id() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn op(kind: &str, entity: &str, data: Value) -> Value {
    json!({"op_id": id(), "type": kind, "entity_id": entity, "at": chrono::Utc::now(), "data": data})
}

/// One push: a patrol with three findings, each opening a case.
fn batch() -> Vec<Value> {
    let now = chrono::Utc::now();
    let patrol = id();
    let mut ops = vec![op(
        "patrol.start",
        &patrol,
        json!({"grid_id": GRID, "started_at": now}),
    )];
    for _ in 0..3 {
        ops.push(op(
            "finding.create",
            &id(),
            json!({"grid_id": GRID, "patrol_id": patrol, "category_code": "01.01",
                   "description": "井盖缺失", "lat": 40.615, "lon": 122.504, "accuracy_m": 6.0,
                   "observed_at": now, "disposition": "report", "photos": [], "case_id": id()}),
        ));
    }
    ops.push(op("patrol.end", &patrol, json!({"ended_at": now})));
    ops
}

/// The op ids of every push acknowledged so far, in order of acknowledgement.
type Acked = Arc<Mutex<Vec<Vec<String>>>>;

/// Devices pushing one batch after another until `stop`; every acknowledged push lands in
/// `acked` the moment its answer arrives.
fn start_pushers(
    base: &str,
    token: &str,
    acked: &Acked,
    stop: &Arc<AtomicBool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..PUSHERS)
        .map(|i| {
            let (base, token, acked, stop) = (
                base.to_owned(),
                token.to_owned(),
                acked.clone(),
                stop.clone(),
            );
            tokio::spawn(async move {
                let http = reqwest::Client::new();
                while !stop.load(Ordering::Relaxed) {
                    let ops = batch();
                    let r = http
                        .post(format!("{base}/api/v1/sync/push"))
                        .bearer_auth(&token)
                        .json(&json!({"device_id": "dev-worker-0001", "ops": ops}))
                        .send()
                        .await
                        .expect("the server answers pushes");
                    assert_eq!(r.status(), 200, "pusher {i}: a push is acknowledged");
                    let ids = ops
                        .iter()
                        .map(|o| o["op_id"].as_str().unwrap().to_owned())
                        .collect();
                    acked.lock().unwrap().push(ids);
                }
            })
        })
        .collect()
}

fn acked_ops(acked: &Acked) -> Vec<String> {
    acked.lock().unwrap().iter().flatten().cloned().collect()
}

fn ops_in(db: &Path, ids: &[String]) -> usize {
    let c = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut st = c
        .prepare("SELECT count(*) FROM ops WHERE op_id = ?1")
        .unwrap();
    ids.iter()
        .map(|id| st.query_row([id], |r| r.get::<_, i64>(0)).unwrap() as usize)
        .sum()
}

fn backup_cmd(dir: &Path, dest: &Path, force: bool) -> std::process::Output {
    let mut c = yiwang(dir);
    c.arg("backup").arg(dest);
    if force {
        c.arg("--force");
    }
    run(c)
}

fn restore_cmd(dir: &Path, src: &Path, force: bool) -> std::process::Output {
    let mut c = yiwang(dir);
    c.arg("restore").arg(src);
    if force {
        c.arg("--force");
    }
    run(c)
}

fn verify(db: &Path) -> std::process::Output {
    let mut c = yiwang(db.parent().unwrap());
    c.arg("--database")
        .arg(format!("sqlite:{}", db.display()))
        .arg("verify-ledger");
    run(c)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_load_holds_every_acknowledged_push_and_restores() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    seed_small(&data, false, 20);
    let mut server = ServerProcess::new(&data);
    server.start().await;
    let token = server.login("worker-0001", "demo").await;
    let acked: Acked = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let pushers = start_pushers(&server.base(), &token, &acked, &stop);
    while acked.lock().unwrap().len() < 10 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // The backup, in the middle of the load: what was acknowledged before it began must be in it.
    let before = acked_ops(&acked);
    let dest = dir.path().join("backups").join("ledger-copy.sqlite");
    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
    let (d, dst) = (data.clone(), dest.clone());
    let out = tokio::task::spawn_blocking(move || backup_cmd(&d, &dst, false))
        .await
        .unwrap();
    let during = acked.lock().unwrap().len();
    assert!(
        out.status.success(),
        "backup succeeds under load: {}",
        text(&out)
    );
    assert!(
        text(&out).contains("backup:"),
        "it says what it copied: {}",
        text(&out)
    );
    while acked.lock().unwrap().len() < during + 5 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for p in pushers {
        p.await.expect("a pusher ends without a failed push");
    }
    let all = acked_ops(&acked);
    assert!(
        all.len() > before.len(),
        "devices kept being acknowledged while and after the backup ran"
    );

    // One self-contained file: no WAL beside it, and its header says rollback journal.
    assert!(
        !dir.path().join("backups/ledger-copy.sqlite-wal").exists(),
        "no -wal beside the copy"
    );
    let header = std::fs::read(&dest).unwrap();
    assert_eq!(
        (header[18], header[19]),
        (1, 1),
        "the copy is in rollback-journal mode, readable without a WAL"
    );
    let out = verify(&dest);
    assert!(
        out.status.success(),
        "the copy passes verify-ledger: {}",
        text(&out)
    );
    assert_eq!(
        ops_in(&dest, &before),
        before.len(),
        "every op acknowledged before the backup began is in the copy"
    );
    let in_copy = ops_in(&dest, &all);
    assert!(
        in_copy < all.len(),
        "pushes acknowledged after the backup are not in it"
    );

    let out = backup_cmd(&data, &dest, false);
    assert!(!out.status.success(), "an existing file is not overwritten");
    assert!(
        text(&out).contains("--force"),
        "the refusal says how: {}",
        text(&out)
    );

    // Restore: refused while the server runs.
    let out = restore_cmd(&data, &dest, true);
    assert!(
        !out.status.success(),
        "restore refuses while a server runs on the ledger"
    );
    assert!(
        text(&out).contains("server is running"),
        "and says why: {}",
        text(&out)
    );
    assert_eq!(
        ops_in(&ledger_path(&data), &all),
        all.len(),
        "the live ledger is untouched"
    );
    server.stop().await;

    let out = restore_cmd(&data, &dest, false);
    assert!(
        !out.status.success(),
        "restore does not replace a ledger without --force"
    );
    assert!(
        text(&out).contains("--force"),
        "the refusal says how: {}",
        text(&out)
    );

    let out = restore_cmd(&data, &dest, true);
    assert!(
        out.status.success(),
        "restore --force succeeds once the server stopped: {}",
        text(&out)
    );
    let kept: Vec<_> = std::fs::read_dir(&data)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("ledger.sqlite.before-restore-") && !n.ends_with("-wal"))
        .collect();
    assert_eq!(kept.len(), 1, "the replaced ledger is kept: {kept:?}");
    assert_eq!(
        ops_in(&data.join(&kept[0]), &all),
        all.len(),
        "the kept ledger still holds everything it had"
    );
    assert!(
        !data.join("ledger.sqlite-wal").exists(),
        "no stale WAL beside the restored ledger"
    );
    assert!(
        !data.join("ledger.sqlite-shm").exists(),
        "no stale shared-memory index either"
    );
    assert_eq!(
        ops_in(&ledger_path(&data), &all),
        in_copy,
        "the ledger is now the backup's"
    );

    // The server serves the restored ledger.
    server.start().await;
    let token = server.login("worker-0001", "demo").await;
    let r = server
        .http
        .get(format!("{}/api/v1/auth/me", server.base()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the restored ledger serves");
    server.stop().await;
    let out = verify(&ledger_path(&data));
    assert!(
        out.status.success(),
        "the restored ledger verifies: {}",
        text(&out)
    );
}

#[test]
fn restore_refuses_what_is_not_an_intact_yiwang_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    seed_small(&data, false, 30);
    let live = ledger_path(&data);
    let cases_before = count(
        &Connection::open_with_flags(&live, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap(),
        "SELECT count(*) FROM cases",
    );
    let refused = |src: &Path, why: &str, says: &str| {
        let out = restore_cmd(&data, src, true);
        assert!(!out.status.success(), "{why}: refused");
        assert!(
            text(&out).contains(says),
            "{why}: the refusal says {says:?}: {}",
            text(&out)
        );
        let db = Connection::open_with_flags(&live, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        assert_eq!(
            count(&db, "SELECT count(*) FROM cases"),
            cases_before,
            "{why}: the ledger is untouched"
        );
        assert!(
            !data.join("ledger.sqlite.restoring").exists(),
            "{why}: no temporary file is left"
        );
    };

    refused(
        &dir.path().join("nothing.sqlite"),
        "a missing file",
        "does not exist",
    );
    let junk = dir.path().join("junk.sqlite");
    std::fs::write(&junk, b"this is not a database at all, just some words").unwrap();
    refused(&junk, "a file that is not SQLite", "not an SQLite database");
    let other = dir.path().join("other.sqlite");
    Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t(x); PRAGMA user_version = 2;")
        .unwrap();
    refused(
        &other,
        "another application's database",
        "not a Yiwang ledger",
    );

    // A backup someone edited: one event's note rewritten.
    let copy = dir.path().join("copy.sqlite");
    let out = backup_cmd(&data, &copy, false);
    assert!(
        out.status.success(),
        "backup of a stopped ledger: {}",
        text(&out)
    );
    let n = Connection::open(&copy)
        .unwrap()
        .execute(
            "UPDATE case_events SET data = json_set(data, '$.note', '已篡改')
             WHERE rowid = (SELECT min(rowid) FROM case_events WHERE seq = 2)",
            [],
        )
        .unwrap();
    assert_eq!(n, 1, "one event was edited in the copy");
    refused(&copy, "a tampered backup", "fails verify-ledger");

    let newer = dir.path().join("newer.sqlite");
    std::fs::copy(&live, &newer).unwrap();
    Connection::open(&newer)
        .unwrap()
        .execute_batch("PRAGMA user_version = 999;")
        .unwrap();
    refused(&newer, "a ledger of a newer Yiwang", "newer Yiwang");
}
