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

mod auth;
mod cases;
mod changes;
mod console;
mod org;
mod photos;
mod sync;

use super::{Backend, Boxed, Result, StorageError, TxFn};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// The migrations this binary knows, in order; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/sqlite/0001_init.sql"),
    include_str!("../../../migrations/sqlite/0002_lean_ingest.sql"),
    include_str!("../../../migrations/sqlite/0003_sessions.sql"),
    include_str!("../../../migrations/sqlite/0005_patrol_receipt.sql"),
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
        let signal = Arc::new((Mutex::new(CheckpointState::default()), Condvar::new()));
        let theirs = signal.clone();
        let thread = std::thread::Builder::new()
            .name("ledger-checkpoint".into())
            .spawn(move || Self::run(&conn, &theirs))?;
        Ok(Checkpointer {
            signal,
            thread: Some(thread),
        })
    }

    fn run(conn: &Connection, signal: &(Mutex<CheckpointState>, Condvar)) {
        let (lock, wake) = signal;
        let mut state = lock.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            while !state.pending && !state.stop {
                state = wake.wait(state).unwrap_or_else(|p| p.into_inner());
            }
            if state.stop {
                return;
            }
            state.pending = false;
            drop(state);
            // PASSIVE: copies what no reader still needs, never waits for the writer or a
            // reader; what it leaves is copied next time.
            if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                tracing::warn!(error = %e, "background checkpoint failed; the next commit retries");
            }
            state = lock.lock().unwrap_or_else(|p| p.into_inner());
            // Let commits gather before the next checkpoint (woken early only to stop).
            let (s, _) = wake
                .wait_timeout_while(state, CHECKPOINT_EVERY, |s| !s.stop)
                .unwrap_or_else(|p| p.into_inner());
            state = s;
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

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Savepoints copy the pages they touch into a sub-journal: keep it in memory, not in a
    // temporary file (the sub-journal never outlives its transaction, so nothing durable).
    conn.pragma_update(None, "temp_store", "MEMORY")?;
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
    fn write_dyn(&self, f: TxFn<'_>) -> Result<Boxed> {
        let mut conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| busy_to_retryable(e.into()))?;
        let mut stx = SqliteTx::new(tx);
        let out = f(&mut stx).map_err(busy_to_retryable)?;
        stx.tx.commit().map_err(|e| busy_to_retryable(e.into()))?;
        self.checkpointer.committed();
        Ok(out)
    }

    fn read_dyn(&self, f: TxFn<'_>) -> Result<Boxed> {
        let mut conn = self.reader()?;
        let out = {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Deferred)
                .map_err(|e| busy_to_retryable(e.into()))?;
            let mut stx = SqliteTx::new(tx);
            let out = f(&mut stx).map_err(busy_to_retryable)?;
            // Nothing to keep: a read transaction ends with a rollback.
            drop(stx);
            out
        };
        self.give_back(conn);
        Ok(out)
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
