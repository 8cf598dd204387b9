//! The embedded SQLite ledger (rusqlite, WAL).
//!
//! Durability: `synchronous=FULL` in WAL mode, so a committed transaction is on disk before the
//! commit returns — an acknowledged op survives a `kill -9` of the server the next instant, and
//! a power cut too. Each push is one transaction (one fsync for the whole batch), which keeps
//! FULL affordable.
//!
//! One writer connection behind a mutex serialises writes (SQLite allows one writer anyway);
//! reads run on a small pool of reader connections and see a consistent snapshot.
//!
//! Checkpoints (copying the WAL back into the database file) run on a thread of their own, after
//! commits, so a push does not wait for one; the writer checkpoints by itself only if the WAL
//! grows far past that (the checkpointer fell behind). A checkpoint never touches what a commit
//! made durable: the WAL is synced before the commit returns.
//!
//! The WAL stays bounded: a PASSIVE checkpoint cannot copy what a reader still needs, so under
//! load with long reads the WAL grows, and SQLite never shrinks the file by itself. Every
//! [`TRUNCATE_EVERY`] after a commit the checkpointer also tries a TRUNCATE checkpoint, which
//! empties the WAL file; it waits at most [`TRUNCATE_PATIENCE`] for readers (holding writers
//! off meanwhile) and, when they are still busy, tries again later. `journal_size_limit`
//! trims a WAL left larger than [`JOURNAL_SIZE_LIMIT`] whenever SQLite starts it over.

mod audit_log;
mod auth;
mod cases;
mod changes;
pub(crate) use changes::entity_str;
mod console;
mod org;
mod photos;
mod sync;

use super::{Abandon, Backend, Boxed, Result, StorageError, TxFn};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// The migrations this binary knows, in order; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/sqlite/0001_init.sql"),
    include_str!("../../../migrations/sqlite/0002_lean_ingest.sql"),
    include_str!("../../../migrations/sqlite/0003_sessions.sql"),
    include_str!("../../../migrations/sqlite/0004_findings_by_patrol.sql"),
    include_str!("../../../migrations/sqlite/0005_audit.sql"),
    include_str!("../../../migrations/sqlite/0006_patrol_receipt.sql"),
    include_str!("../../../migrations/sqlite/0007_case_facts.sql"),
    include_str!("../../../migrations/sqlite/0008_photo_checks.sql"),
    include_str!("../../../migrations/sqlite/0009_pull_by_scope.sql"),
    include_str!("../../../migrations/sqlite/0010_city_level.sql"),
    include_str!("../../../migrations/sqlite/0011_county_share.sql"),
    include_str!("../../../migrations/sqlite/0012_grid_windows.sql"),
    include_str!("../../../migrations/sqlite/0013_duplicates.sql"),
];
/// Reader connections kept open, and read transactions run at once.
const READERS: usize = 8;

/// WAL pages after which the writer checkpoints by itself (SQLite's default is 1000; the
/// checkpointer normally keeps the WAL far below this).
const WRITER_CHECKPOINT_PAGES: u32 = 16_384;
/// Prepared statements the writer keeps.
const STATEMENT_CACHE: usize = 64;
/// Least time between two background checkpoints: commits in between are copied together.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);
/// How long after a commit the checkpointer tries to empty the WAL file (and how long after a
/// try that found readers busy it tries again).
pub const TRUNCATE_EVERY: Duration = Duration::from_secs(2);
/// The most a TRUNCATE checkpoint waits for readers (writers wait meanwhile).
pub const TRUNCATE_PATIENCE: Duration = Duration::from_millis(50);
/// `PRAGMA journal_size_limit`: a WAL larger than this is cut back when SQLite restarts it.
pub const JOURNAL_SIZE_LIMIT: i64 = 4 * 1024 * 1024;
/// The schema version this binary writes (`PRAGMA user_version`): how many migrations it has.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub struct SqliteLedger {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    checkpointer: Checkpointer,
}

/// The background checkpointer: a thread with its own connection, woken after commits.
struct Checkpointer {
    signal: Arc<(Mutex<CheckpointState>, Condvar)>,
    thread: Option<std::thread::JoinHandle<()>>,
}

#[derive(Default)]
struct CheckpointState {
    /// A commit happened since the last checkpoint started.
    pending: bool,
    stop: bool,
}

impl Checkpointer {
    fn start(path: &Path) -> Result<Checkpointer> {
        let conn = Connection::open(path)?;
        configure(&conn)?;
        // PASSIVE never waits; TRUNCATE waits for readers this long at the most, then gives up
        // until its next turn.
        conn.busy_timeout(TRUNCATE_PATIENCE)?;
        let wal = {
            let mut name = path.as_os_str().to_owned();
            name.push("-wal");
            PathBuf::from(name)
        };
        let signal = Arc::new((Mutex::new(CheckpointState::default()), Condvar::new()));
        let theirs = signal.clone();
        let thread = std::thread::Builder::new()
            .name("ledger-checkpoint".into())
            .spawn(move || Self::run(&conn, &wal, &theirs))?;
        Ok(Checkpointer {
            signal,
            thread: Some(thread),
        })
    }

    fn run(conn: &Connection, wal: &Path, signal: &(Mutex<CheckpointState>, Condvar)) {
        let (lock, wake) = signal;
        // When to try emptying the WAL file: some time after a commit, until a try succeeds.
        let mut truncate_at: Option<Instant> = None;
        let mut state = lock.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            while !state.pending && !state.stop {
                match truncate_at {
                    None => state = wake.wait(state).unwrap_or_else(|p| p.into_inner()),
                    Some(at) => {
                        let left = at.saturating_duration_since(Instant::now());
                        if left.is_zero() {
                            break;
                        }
                        state = wake
                            .wait_timeout(state, left)
                            .unwrap_or_else(|p| p.into_inner())
                            .0;
                    }
                }
            }
            if state.stop {
                return;
            }
            let committed = std::mem::take(&mut state.pending);
            drop(state);
            if committed {
                // PASSIVE: copies what no reader still needs, never waits for the writer or a
                // reader; what it leaves is copied next time.
                if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                    tracing::warn!(error = %e, "background checkpoint failed; the next commit retries");
                }
                truncate_at.get_or_insert_with(|| Instant::now() + TRUNCATE_EVERY);
            }
            if truncate_at.is_some_and(|at| at <= Instant::now()) {
                truncate_at = match Self::truncate(conn, wal) {
                    true => None,
                    false => Some(Instant::now() + TRUNCATE_EVERY),
                };
            }
            state = lock.lock().unwrap_or_else(|p| p.into_inner());
            // Let commits gather before the next checkpoint (woken early only to stop).
            let (s, _) = wake
                .wait_timeout_while(state, CHECKPOINT_EVERY, |s| !s.stop)
                .unwrap_or_else(|p| p.into_inner());
            state = s;
        }
    }

    /// Tries to copy the whole WAL into the database and empty the file; `false` when readers
    /// or the writer kept it from finishing (try again later).
    fn truncate(conn: &Connection, wal: &Path) -> bool {
        if std::fs::metadata(wal).map_or(true, |m| m.len() == 0) {
            return true;
        }
        match conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
            r.get::<_, i64>(0)
        }) {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) => {
                let e = StorageError::from(e);
                if !e.is_retryable() {
                    tracing::warn!(error = %e, "emptying the WAL failed; trying again later");
                }
                false
            }
        }
    }

    fn committed(&self) {
        let (lock, wake) = &*self.signal;
        lock.lock().unwrap_or_else(|p| p.into_inner()).pending = true;
        wake.notify_one();
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        let (lock, wake) = &*self.signal;
        lock.lock().unwrap_or_else(|p| p.into_inner()).stop = true;
        wake.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A transaction on the SQLite ledger; the area traits are implemented on it.
pub struct SqliteTx<'c> {
    pub(crate) tx: rusqlite::Transaction<'c>,
    /// The seq of the last change logged since [`ChangeLogTx::take_recorded_seq`] was called.
    ///
    /// [`ChangeLogTx::take_recorded_seq`]: super::changes::ChangeLogTx::take_recorded_seq
    pub(crate) recorded_seq: Option<i64>,
    /// The org path of each grid's community looked up in this transaction (`None`: no such
    /// grid), so a push of 500 findings asks once per grid. Cleared whenever this transaction
    /// writes the org tree.
    pub(crate) grid_paths: HashMap<String, Option<String>>,
    /// The last time formatted by [`SqliteTx::ts_cached`]: a push stamps every op it stores
    /// with the same `received_at`.
    last_ts: Option<(chrono::DateTime<chrono::Utc>, std::rc::Rc<str>)>,
}

impl<'c> SqliteTx<'c> {
    fn new(tx: rusqlite::Transaction<'c>) -> Self {
        SqliteTx {
            tx,
            recorded_seq: None,
            grid_paths: HashMap::new(),
            last_ts: None,
        }
    }

    /// [`util::ts`] of `t`, formatted once for a run of calls with the same time.
    pub(crate) fn ts_cached(&mut self, t: chrono::DateTime<chrono::Utc>) -> std::rc::Rc<str> {
        match &self.last_ts {
            Some((at, text)) if *at == t => text.clone(),
            _ => {
                let text: std::rc::Rc<str> = util::ts(t).into();
                self.last_ts = Some((t, text.clone()));
                text
            }
        }
    }
}

/// Virtual-machine steps between two looks at the abandon flag (a few microseconds of work).
const STEPS_PER_CHECK: std::ffi::c_int = 4096;

/// Runs `f` on `conn`, stopping any statement it runs (with `SQLITE_INTERRUPT`) once `abandon`
/// is raised; the handler is installed for exactly the duration of `f`.
fn stoppable<T>(
    conn: &mut Connection,
    abandon: &Abandon,
    f: impl FnOnce(&mut Connection) -> Result<T>,
) -> Result<T> {
    let flag = abandon.clone();
    conn.progress_handler(STEPS_PER_CHECK, Some(move || flag.is_raised()))?;
    let out = f(conn);
    conn.progress_handler(0, None::<fn() -> bool>)?;
    out
}

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Savepoints copy the pages they touch into a sub-journal: keep it in memory, not in a
    // temporary file (the sub-journal never outlives its transaction, so nothing durable).
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.pragma_update(None, "journal_size_limit", JOURNAL_SIZE_LIMIT)?;
    Ok(())
}

impl SqliteLedger {
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        // Look at the schema version before changing anything in the file.
        if path.exists() {
            let ro = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
            let found: i64 = ro.pragma_query_value(None, "user_version", |r| r.get(0))?;
            if found > MIGRATIONS.len() as i64 {
                return Err(StorageError::NewerSchema {
                    found,
                    supported: MIGRATIONS.len() as i64,
                });
            }
        }
        let mut conn = Connection::open(&path)?;
        configure(&conn)?;
        migrate(&mut conn)?;
        conn.pragma_update(None, "wal_autocheckpoint", WRITER_CHECKPOINT_PAGES)?;
        // Every statement a push runs stays prepared (rusqlite keeps 16 by default).
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        let checkpointer = Checkpointer::start(&path)?;
        Ok(SqliteLedger {
            path,
            writer: Mutex::new(conn),
            readers: Mutex::new(Vec::new()),
            checkpointer,
        })
    }

    fn reader(&self) -> Result<Connection> {
        if let Some(c) = self.readers.lock().expect("reader pool").pop() {
            return Ok(c);
        }
        let c = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        configure(&c)?;
        Ok(c)
    }

    fn give_back(&self, c: Connection) {
        let mut pool = self.readers.lock().expect("reader pool");
        if pool.len() < READERS {
            pool.push(c);
        }
    }
}

fn migrate(conn: &mut Connection) -> Result<()> {
    // A migration may rebuild a table others reference (SQLite changes a CHECK only that way):
    // foreign keys are off while migrations run, as SQLite's own procedure for it says (the
    // pragma is a no-op inside a transaction), and checked before the commit instead.
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    let migrated = migrate_unchecked(conn);
    conn.pragma_update(None, "foreign_keys", "ON")?;
    migrated
}

fn migrate_unchecked(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > MIGRATIONS.len() as i64 {
        return Err(StorageError::NewerSchema {
            found,
            supported: MIGRATIONS.len() as i64,
        });
    }
    for sql in &MIGRATIONS[found as usize..] {
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", MIGRATIONS.len() as i64)?;
    if found == 0 {
        // A random epoch names this ledger: a cursor from another database (or from before a
        // rebuild) is recognised and answered 412.
        let epoch = uuid::Uuid::new_v4().simple().to_string();
        tx.execute(
            "INSERT OR IGNORE INTO meta(key, value) VALUES ('epoch', ?1)",
            [&epoch],
        )?;
        tx.execute(
            "INSERT OR IGNORE INTO meta(key, value) VALUES ('org_version', '0')",
            [],
        )?;
    }
    let broken: i64 = tx.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
        r.get(0)
    })?;
    if broken > 0 {
        return Err(StorageError::Invalid(format!(
            "migrating the ledger would leave {broken} rows naming rows that do not exist"
        )));
    }
    tx.commit()?;
    Ok(())
}

fn busy_to_retryable(e: StorageError) -> StorageError {
    if e.is_retryable() {
        StorageError::Busy
    } else {
        e
    }
}

impl Backend for SqliteLedger {
    fn write_dyn(&self, f: TxFn<'_>, abandon: &Abandon) -> Result<Boxed> {
        let mut conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        // Not begun yet: nobody waits for it any more. Once begun, a write runs to its end.
        if abandon.is_raised() {
            return Err(StorageError::Abandoned);
        }
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| busy_to_retryable(e.into()))?;
        let mut stx = SqliteTx::new(tx);
        let out = f(&mut stx).map_err(busy_to_retryable)?;
        stx.tx.commit().map_err(|e| busy_to_retryable(e.into()))?;
        self.checkpointer.committed();
        Ok(out)
    }

    fn read_dyn(&self, f: TxFn<'_>, abandon: &Abandon) -> Result<Boxed> {
        if abandon.is_raised() {
            return Err(StorageError::Abandoned);
        }
        let mut conn = self.reader()?;
        let out = stoppable(&mut conn, abandon, |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Deferred)
                .map_err(|e| busy_to_retryable(e.into()))?;
            let mut stx = SqliteTx::new(tx);
            let out = f(&mut stx).map_err(busy_to_retryable)?;
            // Nothing to keep: a read transaction ends with a rollback.
            drop(stx);
            Ok(out)
        });
        match out {
            Ok(out) => {
                self.give_back(conn);
                Ok(out)
            }
            Err(_) if abandon.is_raised() => Err(StorageError::Abandoned),
            Err(e) => Err(e),
        }
    }

    fn kind(&self) -> &'static str {
        "sqlite"
    }

    fn turns(&self) -> super::Turns {
        // SQLite has one writer; WAL readers run beside it.
        super::Turns {
            writers: 1,
            readers: READERS,
        }
    }
}

/// Helpers shared by the area implementations.
pub(crate) mod util {
    use chrono::{DateTime, SecondsFormat, Utc};

    /// RFC 3339 with microseconds and `Z`: fixed width, so text order is time order.
    pub fn ts(t: DateTime<Utc>) -> String {
        t.to_rfc3339_opts(SecondsFormat::Micros, true)
    }

    /// Text bounds taking in every time of `[from, to)` as stored, to compare a text column
    /// against (an index range) before comparing the parsed instants exactly. Times are stored
    /// by [`ts`] (UTC); the minute either side also takes in the same instant written with
    /// another precision, or with `+00:00` for `Z`.
    pub fn ts_window(from: DateTime<Utc>, to: DateTime<Utc>) -> (String, String) {
        let minute = chrono::Duration::minutes(1);
        let text = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M").to_string();
        (text(from - minute), text(to + minute))
    }

    pub fn parse_ts(s: &str) -> rusqlite::Result<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    0,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                )
            })
    }

    pub fn json<T: serde::Serialize>(v: &T) -> String {
        serde_json::to_string(v).expect("our records serialise")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A statement that never ends on its own.
    const FOREVER: &str = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) \
                           SELECT count(*) FROM c";

    #[test]
    fn an_abandoned_read_stops_mid_statement() {
        let mut conn = Connection::open_in_memory().unwrap();
        let abandon = Abandon::default();
        let raiser = abandon.clone();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            raiser.raise();
        });
        let started = std::time::Instant::now();
        let out = stoppable(&mut conn, &abandon, |c| {
            Ok(c.query_row(FOREVER, [], |r| r.get::<_, i64>(0))?)
        });
        t.join().unwrap();
        assert!(out.is_err(), "the statement was interrupted, not finished");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "it stopped soon after the flag was raised"
        );
        // The handler is gone: the connection serves the next reader normally.
        let n: i64 = conn.query_row("SELECT 41 + 1", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 42);
    }

    #[test]
    fn work_abandoned_before_it_begins_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = SqliteLedger::open(dir.path().join("l.sqlite")).unwrap();
        let abandon = Abandon::default();
        abandon.raise();
        let ran = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let r = ran.clone();
        let out = ledger.read_dyn(
            Box::new(move |_| {
                r.store(true, std::sync::atomic::Ordering::SeqCst);
                Ok(Box::new(()) as Boxed)
            }),
            &abandon,
        );
        assert!(matches!(out, Err(StorageError::Abandoned)));
        let r = ran.clone();
        let out = ledger.write_dyn(
            Box::new(move |_| {
                r.store(true, std::sync::atomic::Ordering::SeqCst);
                Ok(Box::new(()) as Boxed)
            }),
            &abandon,
        );
        assert!(matches!(out, Err(StorageError::Abandoned)));
        assert!(
            !ran.load(std::sync::atomic::Ordering::SeqCst),
            "neither began"
        );
    }
}
