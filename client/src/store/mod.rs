//! The device's store: the grid worker's own SQLite database, which the app writes to without
//! ever waiting for the network (docs/DESIGN.md §5, §7).
//!
//! Vocabulary:
//! - **local record**: a patrol, track point, finding or photo made on this device.
//! - **op**: what the server must be told about a local change (`patrol.start`, `patrol.track`,
//!   `patrol.end`, `finding.create`, `case.action`), with a UUIDv7 made here.
//! - **outbox**: the ops in the order they were made. Each local change and its op are written
//!   in one transaction, so there is never a change the server will not hear of, nor an op
//!   for a change that did not happen. An op is `waiting` until the server answers, then
//!   `sent` (applied or duplicate) or `rejected` (kept with the server's code and message).
//! - **sync state** ([`SyncState`]): what a record's ops say about it — waiting, sent, or
//!   rejected with the reason — shown beside every record.
//! - **pulled data**: what the server sends back (reference data, cases, events, records of
//!   others) with the **cursor** that says where the next pull starts. Changes and cursor are
//!   stored in one transaction; [`Store::reset_pulled`] forgets both for a rebuild.
//!
//! The schema lives in `store/migrations/*.sql`, versioned by `PRAGMA user_version`; a database
//! written by a newer app is refused untouched. Times are UTC, RFC 3339, kept to the
//! microsecond, as the server's PostgreSQL keeps them, so a time pulled back compares equal.

mod error;
mod field;
mod local;
mod outbox;
mod photos;
mod pulled;
mod session;

use std::fs::File;
use std::io::{ErrorKind, Read};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use rusqlite::types::Type;
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction, TransactionBehavior};
use serde::de::DeserializeOwned;
use serde::Serialize;
use yiwang_core::sync::OpType;

pub use error::{Result, StoreError};
pub use field::{FindingFilter, FindingRow, PatrolRow};
pub use local::LocalLogin;
pub use outbox::{AckSummary, OutboxCounts, OutboxEntry, OutboxState, SyncState};
pub use photos::{PhotoRow, Pruned, UploadState};
pub use pulled::CaseFilter;
pub use session::{Device, Session};

/// The schema migrations, in order: entry `i` takes the database from version `i` to `i + 1`.
/// A shipped entry is never edited; a change is a new file appended here.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_local_login_settings.sql"),
    include_str!("migrations/0003_upload_urls.sql"),
    include_str!("migrations/0004_dismissed_rejections.sql"),
];

/// The newest schema this build understands.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// How long a write waits for another connection (a second app process, a backup tool) before
/// giving up with a retryable error.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The first 16 bytes of every SQLite database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The device's store. One connection behind a mutex: the UI and the sync agent share one
/// `Store` (e.g. in an `Arc`), and every call is a short transaction.
pub struct Store {
    conn: Mutex<Connection>,
    clock: Clock,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (or creates) the store at `path`, sets the connection up and brings the schema up
    /// to date.
    ///
    /// A database written by a newer app is refused with [`StoreError::NewerSchema`] before
    /// anything touches the file: its header is read directly, so not even a `-wal` or `-shm`
    /// file is created.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        refuse_newer_file(path)?;
        Self::init(Connection::open(path)?)
    }

    /// A store that lives in memory only, for tests.
    pub fn open_in_memory() -> Result<Self> {
        Self::init(Connection::open_in_memory()?)
    }

    /// Replaces the wall clock, so tests decide what "now" and "today" are.
    pub fn with_clock(mut self, clock: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(user_version(&self.lock())?)
    }

    fn init(mut conn: Connection) -> Result<Self> {
        // The header check in `open` can be fooled by a newer schema that still sits in the
        // write-ahead log, so ask SQLite too — still before changing anything.
        refuse_newer(user_version(&conn)?)?;

        conn.busy_timeout(BUSY_TIMEOUT)?;
        // WAL lets the sync agent read while the UI writes. The mode is persistent and cannot
        // change inside a transaction, so it is set here, before the migration transaction.
        let mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") && !mode.eq_ignore_ascii_case("memory") {
            tracing::warn!(
                mode,
                "the database could not switch to WAL; continuing in this mode"
            );
        }
        // In WAL mode, NORMAL syncs at checkpoints, not at every commit: a commit survives the
        // app crashing or being killed (it is in the WAL file), and only an OS crash or power
        // loss can lose the last few commits. That is the trade the phone's battery wants.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;

        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Again inside the write lock: another process may have migrated meanwhile.
        let found = user_version(&tx)?;
        refuse_newer(found)?;
        for (done, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", done as i64 + 1)?;
            tracing::info!(version = done + 1, "store migrated");
        }
        let now = Utc::now();
        tx.execute(
            "INSERT INTO device (id, device_id, device_name, created_at) VALUES (1, ?1, ?2, ?3)
             ON CONFLICT (id) DO NOTHING",
            params![new_id(), default_device_name(), ts(now)],
        )?;
        tx.commit()?;

        Ok(Store {
            conn: Mutex::new(conn),
            clock: Arc::new(Utc::now),
        })
    }

    /// The current time, from the store's clock, cut to the microsecond: PostgreSQL on the
    /// server keeps microseconds, so a time cut here comes back from a pull unchanged.
    pub fn now(&self) -> DateTime<Utc> {
        micros((self.clock)())
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while the lock was held unwound through the transaction, which rolled back;
        // the connection is fine, so the poison is cleared rather than spread.
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `f` in one write transaction, committed only if `f` succeeds. IMMEDIATE takes the
    /// write lock up front, so a second connection waits (busy timeout) instead of failing
    /// half-way with SQLITE_BUSY.
    fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Runs `f` in one read transaction, so a read made of several queries sees one snapshot.
    fn read<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        f(&tx)
        // Dropping the transaction rolls it back: there is nothing to keep.
    }
}

fn refuse_newer(found: i64) -> Result<()> {
    if found > SCHEMA_VERSION {
        Err(StoreError::NewerSchema {
            found,
            supported: SCHEMA_VERSION,
        })
    } else {
        Ok(())
    }
}

fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
}

/// Reads `user_version` straight from the file header (a big-endian i32 at offset 60, see
/// <https://www.sqlite.org/fileformat.html#user_version_number>) and refuses a newer schema
/// without opening the file through SQLite, which could create `-wal`/`-shm` files or
/// checkpoint. A missing, empty or non-SQLite file passes: SQLite creates or refuses it.
fn refuse_newer_file(path: &Path) -> Result<()> {
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let mut header = [0u8; 100];
    match file.read_exact(&mut header) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::UnexpectedEof => return Ok(()),
        Err(e) => return Err(e.into()),
    }
    if &header[..16] != SQLITE_MAGIC {
        return Ok(());
    }
    let found = i32::from_be_bytes([header[60], header[61], header[62], header[63]]);
    refuse_newer(i64::from(found))
}

fn default_device_name() -> String {
    format!("Yiwang on {}", std::env::consts::OS)
}

/// A new UUIDv7: time-ordered, unique without asking anyone.
fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Cuts a time to the microsecond, the precision of storage here and on the server.
fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}

/// A time as stored: RFC 3339, UTC, `Z`, always six fraction digits, so text order is time
/// order.
fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn parse_ts(idx: usize, s: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(e)))
}

/// Reads a stored time column.
fn ts_col(row: &Row<'_>, idx: usize) -> rusqlite::Result<DateTime<Utc>> {
    let s: String = row.get(idx)?;
    parse_ts(idx, &s)
}

/// Reads a nullable stored time column.
fn opt_ts_col(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    let s: Option<String> = row.get(idx)?;
    s.map(|s| parse_ts(idx, &s)).transpose()
}

/// Reads a JSON text column as `T`.
fn json_col<T: DeserializeOwned>(row: &Row<'_>, idx: usize) -> rusqlite::Result<T> {
    let s: String = row.get(idx)?;
    serde_json::from_str(&s)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(e)))
}

/// The text form serde gives a unit enum (`"resolved_on_spot"`, `"urban_rural"`, …), so
/// storage uses the same names as the wire.
fn enum_text<T: Serialize>(v: &T) -> Result<String> {
    match serde_json::to_value(v)? {
        serde_json::Value::String(s) => Ok(s),
        other => Err(StoreError::invalid(
            "enum",
            format!("{other} is not a name"),
        )),
    }
}

/// Reads an enum stored by [`enum_text`].
fn enum_col<T: DeserializeOwned>(row: &Row<'_>, idx: usize) -> rusqlite::Result<T> {
    let s: String = row.get(idx)?;
    serde_json::from_value(serde_json::Value::String(s))
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(e)))
}

/// Appends an op to the outbox, inside the caller's transaction.
fn push_op(
    tx: &Transaction<'_>,
    op_type: OpType,
    entity_id: &str,
    at: DateTime<Utc>,
    data: &impl Serialize,
) -> Result<yiwang_core::ids::OpId> {
    let op_id = yiwang_core::ids::OpId::new(new_id());
    let data = serde_json::to_string(data)?;
    tx.prepare_cached(
        "INSERT INTO outbox (op_id, type, entity_id, at, data, state, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'waiting', ?4)",
    )?
    .execute(params![
        op_id.as_str(),
        op_type.as_str(),
        entity_id,
        ts(at),
        data
    ])?;
    Ok(op_id)
}

/// The built-in category tree, parsed once: what a device knows before its first pull.
fn builtin_categories() -> &'static yiwang_core::category::CategoryTree {
    static TREE: OnceLock<yiwang_core::category::CategoryTree> = OnceLock::new();
    TREE.get_or_init(yiwang_core::category::CategoryTree::builtin)
}

/// `Some(x)` when the row exists.
fn optional<T>(r: rusqlite::Result<T>) -> Result<Option<T>> {
    Ok(r.optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_bring_a_new_database_to_the_newest_schema() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(
            store.schema_version().unwrap(),
            SCHEMA_VERSION,
            "a fresh database runs every migration"
        );
        let conn = store.lock();
        let fk: i64 = conn
            .pragma_query_value(None, "foreign_keys", |r| r.get(0))
            .unwrap();
        assert_eq!(
            fk, 1,
            "foreign keys are on, so track points cannot outlive their patrol"
        );
    }

    #[test]
    fn stored_times_sort_as_text() {
        let a = DateTime::parse_from_rfc3339("2026-11-26T01:30:00Z")
            .unwrap()
            .to_utc();
        let b = DateTime::parse_from_rfc3339("2026-11-26T01:30:00.5Z")
            .unwrap()
            .to_utc();
        assert!(
            ts(a) < ts(b),
            "fixed-width fractions keep text order equal to time order"
        );
        assert_eq!(
            parse_ts(0, &ts(b)).unwrap(),
            b,
            "a stored time reads back unchanged"
        );
        let nanos = DateTime::parse_from_rfc3339("2026-11-26T01:30:00.123456789Z").unwrap();
        assert_eq!(
            ts(micros(nanos.to_utc())),
            "2026-11-26T01:30:00.123456Z",
            "times are cut to the microsecond, as the server keeps them"
        );
    }

    #[test]
    fn the_store_can_be_shared_between_the_ui_and_the_sync_agent() {
        fn shared<T: Send + Sync + 'static>() {}
        shared::<Store>();
    }

    #[test]
    fn a_newer_header_is_refused_before_sqlite_sees_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let path = dir.join("newer.db");
        // Only a header: SQLite itself would call this file malformed, so a NewerSchema answer
        // can only come from reading the header first.
        let mut header = [0u8; 100];
        header[..16].copy_from_slice(SQLITE_MAGIC);
        header[60..64].copy_from_slice(&i32::try_from(SCHEMA_VERSION + 1).unwrap().to_be_bytes());
        std::fs::write(&path, header).unwrap();
        let found = refuse_newer_file(&path);
        let empty = dir.join("empty.db");
        std::fs::write(&empty, b"").unwrap();
        let empty_ok = refuse_newer_file(&empty);
        let missing_ok = refuse_newer_file(&dir.join("missing.db"));
        assert!(
            matches!(found, Err(StoreError::NewerSchema { found, .. }) if found == SCHEMA_VERSION + 1),
            "the header's user_version is read at offset 60: {found:?}"
        );
        assert!(empty_ok.is_ok(), "an empty file is a new database");
        assert!(missing_ok.is_ok(), "a missing file is created");
    }

    #[test]
    fn enum_names_in_storage_are_the_wire_names() {
        use yiwang_core::field::Disposition;
        assert_eq!(
            enum_text(&Disposition::ResolvedOnSpot).unwrap(),
            "resolved_on_spot"
        );
        let conn = Connection::open_in_memory().unwrap();
        let d: Disposition = conn
            .query_row("SELECT 'report'", [], |r| enum_col(r, 0))
            .unwrap();
        assert_eq!(
            d,
            Disposition::Report,
            "a stored name reads back as its variant"
        );
        let bad = conn.query_row("SELECT 'maybe'", [], |r| enum_col::<Disposition>(r, 0));
        assert!(bad.is_err(), "an unknown name is an error, not a default");
    }

    #[test]
    fn error_codes_are_stable() {
        assert_eq!(StoreError::NotLoggedIn.code(), "not_logged_in");
        assert_eq!(
            StoreError::NewerSchema {
                found: 9,
                supported: 1
            }
            .code(),
            "newer_schema",
            "the UI tells the user to update on this code"
        );
        assert!(
            !StoreError::NewerSchema {
                found: 9,
                supported: 1
            }
            .is_retryable(),
            "retrying cannot make an old app read a new schema"
        );
        let msg = StoreError::NewerSchema {
            found: 9,
            supported: 1,
        }
        .to_string();
        assert!(
            msg.contains("update the app"),
            "the message says what to do: {msg}"
        );
    }
}
