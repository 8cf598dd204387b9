//! The embedded SQLite ledger (rusqlite, WAL).
//!
//! Durability: `synchronous=FULL` in WAL mode, so a committed transaction is on disk before the
//! commit returns — an acknowledged op survives a `kill -9` of the server the next instant, and
//! a power cut too. Each push is one transaction (one fsync for the whole batch), which keeps
//! FULL affordable.
//!
//! One writer connection behind a mutex serialises writes (SQLite allows one writer anyway);
//! reads run on a small pool of reader connections and see a consistent snapshot.

mod auth;
mod cases;
mod changes;
mod console;
mod org;
mod photos;
mod sync;

use super::{Backend, Boxed, Result, StorageError, TxFn};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The migrations this binary knows, in order; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[&str] = &[include_str!("../../../migrations/sqlite/0001_init.sql")];
/// Reader connections kept open.
const READERS: usize = 4;

pub struct SqliteLedger {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

/// A transaction on the SQLite ledger; the area traits are implemented on it.
pub struct SqliteTx<'c> {
    pub(crate) tx: rusqlite::Transaction<'c>,
    /// The seq of the last change logged since [`ChangeLogTx::take_recorded_seq`] was called.
    ///
    /// [`ChangeLogTx::take_recorded_seq`]: super::changes::ChangeLogTx::take_recorded_seq
    pub(crate) recorded_seq: Option<i64>,
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
        Ok(SqliteLedger {
            path,
            writer: Mutex::new(conn),
            readers: Mutex::new(Vec::new()),
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
        let mut stx = SqliteTx {
            tx,
            recorded_seq: None,
        };
        let out = f(&mut stx).map_err(busy_to_retryable)?;
        stx.tx.commit().map_err(|e| busy_to_retryable(e.into()))?;
        Ok(out)
    }

    fn read_dyn(&self, f: TxFn<'_>) -> Result<Boxed> {
        let mut conn = self.reader()?;
        let out = {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Deferred)
                .map_err(|e| busy_to_retryable(e.into()))?;
            let mut stx = SqliteTx {
                tx,
                recorded_seq: None,
            };
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
}

/// Helpers shared by the area implementations.
pub(crate) mod util {
    use chrono::{DateTime, SecondsFormat, Utc};

    /// RFC 3339 with microseconds and `Z`: fixed width, so text order is time order.
    pub fn ts(t: DateTime<Utc>) -> String {
        t.to_rfc3339_opts(SecondsFormat::Micros, true)
    }

    #[allow(dead_code)] // used by the area implementations as they land
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
