//! The PostgreSQL ledger: the same tables and the same area traits as `sqlite/`, for a ledger
//! that several server processes share (a city or a province).
//!
//! The client is the `postgres` crate, the synchronous face of tokio-postgres: the area traits
//! are synchronous closures run on tokio's blocking pool (see the parent module), so a blocking
//! client fits them without an async bridge in every method. Connections are kept in a small
//! pool per process, each with its own cache of prepared statements.
//!
//! # Writes and the pull cursor
//!
//! Every write transaction first takes one ledger-wide lock, `pg_advisory_xact_lock`
//! ([`WRITE_LOCK`]), and holds it until it commits. Writes are therefore serialised across every
//! process, as SQLite serialises them in one: sequence numbers of the change log (`changes_seq`)
//! are handed out in commit order, and PostgreSQL releases a transaction's locks only after its
//! commit is visible to new snapshots, so the next writer starts after the previous one can be
//! seen. Hence what a reader's snapshot holds of the change log is always a prefix of it in
//! `seq` order: a puller that has seen `seq` N has seen every change below N that it will ever
//! see, and polling `seq > cursor` never skips a change. (Without the lock, two processes could
//! take seqs 10 and 11 and commit 11 first; a puller then moves its cursor to 11 and loses 10
//! for ever.) The price is one writer at a time, which is what the SQLite ledger has always had;
//! `tests/tests/postgres/` proves the cursor with several processes.
//!
//! Reads run in `REPEATABLE READ READ ONLY` transactions: one consistent snapshot each.
//!
//! # The database
//!
//! Text is compared byte by byte, as SQLite does: timestamps are fixed-width RFC 3339 text whose
//! order is time order, and names sort by code point. The ledger therefore wants a database
//! created with the C collation (`CREATE DATABASE yiwang TEMPLATE template0 LC_COLLATE 'C'
//! LC_CTYPE 'C' ENCODING 'UTF8'`) and refuses another at start-up.
//!
//! Migrations carry the same version numbers as SQLite's; they run under a session advisory lock
//! ([`MIGRATION_LOCK`]), so several processes may start at once and exactly one migrates.

mod audit_log;
mod auth;
mod cases;
mod changes;
mod console;
mod org;
mod photos;
mod sync;

use super::{Abandon, Backend, Boxed, Result, StorageError, Turns, TxFn};
use ::postgres::types::ToSql;
use ::postgres::{Client, IsolationLevel, NoTls, Row, Statement};
use std::collections::HashMap;
use std::sync::Mutex;

/// The migrations this binary knows, in order; `yiwang_schema.version` records how many ran.
const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/postgres/0001_init.sql"),
    include_str!("../../../migrations/postgres/0002_lean_ingest.sql"),
    include_str!("../../../migrations/postgres/0003_sessions.sql"),
    include_str!("../../../migrations/postgres/0004_findings_by_patrol.sql"),
    include_str!("../../../migrations/postgres/0005_audit.sql"),
    include_str!("../../../migrations/postgres/0006_patrol_receipt.sql"),
    include_str!("../../../migrations/postgres/0007_case_facts.sql"),
    include_str!("../../../migrations/postgres/0008_photo_checks.sql"),
    include_str!("../../../migrations/postgres/0009_pull_by_scope.sql"),
    include_str!("../../../migrations/postgres/0010_city_level.sql"),
    include_str!("../../../migrations/postgres/0011_county_share.sql"),
    include_str!("../../../migrations/postgres/0012_grid_windows.sql"),
    include_str!("../../../migrations/postgres/0013_duplicates.sql"),
];

// Both backends know the same schema versions.
const _: () = assert!(MIGRATIONS.len() as i64 == super::sqlite::SCHEMA_VERSION);

/// The advisory lock every write transaction holds until it commits (see the module docs).
/// "yiwang" in ASCII, then 1.
pub const WRITE_LOCK: i64 = 0x7969_7761_6e67_0001;
/// The class of the two-key advisory locks by which a living process shows its upload leases
/// are live (the second key is the process's mark).
pub const LEASE_LOCK_CLASS: i32 = 0x7977_0002;
/// The advisory lock held while migrating.
pub const MIGRATION_LOCK: i64 = 0x7969_7761_6e67_0002;

/// Write transactions run at once by one process. Writes are serialised by [`WRITE_LOCK`]
/// anyway; a second turn lets the next transaction wait on the lock inside the database, so the
/// lock passes from one to the next without a round trip through this process.
const WRITERS: usize = 2;
/// Read transactions run at once by one process.
const READERS: usize = 8;
/// The longest a read statement runs before the database stops it.
const READ_STATEMENT_TIMEOUT: &str = "120s";

/// A connection and the statements prepared on it.
struct Conn {
    client: Client,
    statements: HashMap<String, Statement>,
}

pub struct PgLedger {
    url: String,
    idle: Mutex<Vec<Conn>>,
    /// This process's mark (31 bits): its upload lease tokens begin with it.
    mark: u32,
    /// The connection that holds the advisory lock (LEASE_LOCK_CLASS, mark) while the process
    /// lives.
    alive: Mutex<Option<Client>>,
}

/// A transaction on the PostgreSQL ledger; the area traits are implemented on it.
pub struct PgTx<'c> {
    pub(crate) tx: ::postgres::Transaction<'c>,
    statements: &'c mut HashMap<String, Statement>,
    /// The seq of the last change logged since `take_recorded_seq` was called.
    pub(crate) recorded_seq: Option<i64>,
    /// The org path of each grid's community looked up in this transaction (`None`: no such
    /// grid). Cleared whenever this transaction writes the org tree.
    pub(crate) grid_paths: HashMap<String, Option<String>>,
    /// Rows inserted, updated or deleted so far (`SyncTx::write_count`).
    pub(crate) writes: u64,
}

/// A statement's parameters.
pub(crate) type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

impl<'c> PgTx<'c> {
    fn new(
        tx: ::postgres::Transaction<'c>,
        statements: &'c mut HashMap<String, Statement>,
    ) -> Self {
        PgTx {
            tx,
            statements,
            recorded_seq: None,
            grid_paths: HashMap::new(),
            writes: 0,
        }
    }

    /// The prepared statement for `sql`, prepared once per connection.
    pub(crate) fn prep(&mut self, sql: &str) -> Result<Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.tx.prepare(sql)?;
        self.statements.insert(sql.to_owned(), s.clone());
        Ok(s)
    }

    /// Runs a statement that writes; returns the rows it touched (and counts them for
    /// `write_count`).
    pub(crate) fn exec(&mut self, sql: &str, params: Params<'_>) -> Result<u64> {
        let st = self.prep(sql)?;
        let n = self.tx.execute(&st, params)?;
        self.writes += n;
        Ok(n)
    }

    /// All rows of a query.
    pub(crate) fn rows(&mut self, sql: &str, params: Params<'_>) -> Result<Vec<Row>> {
        let st = self.prep(sql)?;
        Ok(self.tx.query(&st, params)?)
    }

    /// The one row of a query, or `None`.
    pub(crate) fn opt_row(&mut self, sql: &str, params: Params<'_>) -> Result<Option<Row>> {
        let st = self.prep(sql)?;
        Ok(self.tx.query_opt(&st, params)?)
    }

    /// The one row a query must return.
    pub(crate) fn one(&mut self, sql: &str, params: Params<'_>) -> Result<Row> {
        let st = self.prep(sql)?;
        Ok(self.tx.query_one(&st, params)?)
    }

    /// A query built at run time (filters): not cached.
    pub(crate) fn rows_dynamic(&mut self, sql: &str, params: Params<'_>) -> Result<Vec<Row>> {
        Ok(self.tx.query(sql, params)?)
    }
}

impl PgLedger {
    /// Connects, checks the database and brings its schema up to date.
    pub fn open(url: &str) -> Result<Self> {
        off_runtime(|| Self::open_here(url))
    }

    fn open_here(url: &str) -> Result<Self> {
        let mut ledger = PgLedger {
            url: url.to_owned(),
            idle: Mutex::new(Vec::new()),
            mark: rand::random::<u32>() >> 1,
            alive: Mutex::new(None),
        };
        let mut conn = ledger.connect()?;
        check_collation(&mut conn.client)?;
        migrate(&mut conn.client)?;
        ledger.give_back(conn);
        // This process's mark, held for its life on a connection of its own: siblings starting
        // up see its upload leases as live (`release_all_upload_leases`).
        let mut alive = ledger.connect()?;
        loop {
            let taken: bool = alive
                .client
                .query_one(
                    "SELECT pg_try_advisory_lock($1, $2)",
                    &[&LEASE_LOCK_CLASS, &(ledger.mark as i32)],
                )?
                .get(0);
            if taken {
                break;
            }
            // Another living process drew the same mark.
            ledger.mark = rand::random::<u32>() >> 1;
        }
        *ledger.alive.get_mut().unwrap_or_else(|p| p.into_inner()) = Some(alive.client);
        Ok(ledger)
    }

    fn connect(&self) -> Result<Conn> {
        let client = Client::connect(&self.url, NoTls).map_err(|e| {
            // The client's own message ("error connecting to server") hides the cause.
            let cause = std::error::Error::source(&e)
                .map(|s| format!(": {s}"))
                .unwrap_or_default();
            StorageError::Unavailable(format!(
                "cannot reach the PostgreSQL ledger at {}: {e}{cause}",
                redact(&self.url)
            ))
        })?;
        let mut conn = Conn {
            client,
            statements: HashMap::new(),
        };
        // The planner's JIT compiles the ledger's short queries for longer than they run (12 ms
        // of compiling on a 40 ms count over the demo county's cases).
        conn.client.batch_execute("SET jit = off")?;
        Ok(conn)
    }

    fn take(&self) -> Result<Conn> {
        let idle = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        match idle {
            Some(c) if !c.client.is_closed() => Ok(c),
            _ => self.connect(),
        }
    }

    fn give_back(&self, c: Conn) {
        if c.client.is_closed() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < WRITERS + READERS {
            idle.push(c);
        }
    }

    /// Runs `run` on a pooled connection; a connection that broke is not kept.
    fn with_conn(
        &self,
        abandon: &Abandon,
        run: impl FnOnce(&mut Conn) -> Result<Boxed> + Send,
    ) -> Result<Boxed> {
        if abandon.is_raised() {
            return Err(StorageError::Abandoned);
        }
        off_runtime(|| {
            let mut conn = self.take()?;
            let out = run(&mut conn).map_err(classify);
            self.give_back(conn);
            out
        })
    }
}

impl Drop for PgLedger {
    fn drop(&mut self) {
        // Closing a connection blocks too (see `off_runtime`).
        let idle = std::mem::take(self.idle.get_mut().unwrap_or_else(|p| p.into_inner()));
        let alive = self
            .alive
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        let idle = (idle, alive);
        if idle.0.is_empty() && idle.1.is_none() {
            return;
        }
        if tokio::runtime::Handle::try_current().is_err() || on_blocking_pool() {
            drop(idle);
        } else {
            std::thread::spawn(move || drop(idle));
        }
    }
}

/// Runs `f` where the blocking client may block: the client drives its connection with a
/// runtime of its own, which tokio refuses to start on a thread that runs async tasks. The
/// ledger's async `read`/`write` already run on the blocking pool, where it may; a blocking call
/// made from async code (the CLI's start-up, a test's seeding) gets a thread of its own.
fn off_runtime<T: Send>(f: impl FnOnce() -> Result<T> + Send) -> Result<T> {
    if tokio::runtime::Handle::try_current().is_err() || on_blocking_pool() {
        return f();
    }
    std::thread::scope(|s| {
        s.spawn(f)
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e))
    })
}

/// True inside the ledger's own turn on the blocking pool, where blocking is allowed.
fn on_blocking_pool() -> bool {
    super::BLOCKING_TURN.with(|t| t.get())
}

/// The URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((user, host)) if user.contains(':') => {
            let name = user.split(':').next().unwrap_or_default();
            format!("{scheme}://{name}:***@{host}")
        }
        _ => url.to_owned(),
    }
}

/// Errors that mean the database cannot be reached (or went away) become
/// [`StorageError::Unavailable`], serialisation failures [`StorageError::Busy`].
fn classify(e: StorageError) -> StorageError {
    match e {
        StorageError::Postgres(pe) => {
            if pe.is_closed() || pe.as_db_error().is_none() && pe.code().is_none() {
                return StorageError::Unavailable(format!("the PostgreSQL ledger went away: {pe}"));
            }
            use ::postgres::error::SqlState;
            match pe.code() {
                Some(c)
                    if *c == SqlState::T_R_SERIALIZATION_FAILURE
                        || *c == SqlState::T_R_DEADLOCK_DETECTED =>
                {
                    StorageError::Busy
                }
                Some(c)
                    if *c == SqlState::ADMIN_SHUTDOWN
                        || *c == SqlState::CRASH_SHUTDOWN
                        || *c == SqlState::CANNOT_CONNECT_NOW
                        || *c == SqlState::TOO_MANY_CONNECTIONS =>
                {
                    StorageError::Unavailable(format!("the PostgreSQL ledger is unavailable: {pe}"))
                }
                Some(c) if *c == SqlState::QUERY_CANCELED => StorageError::Abandoned,
                _ => StorageError::Postgres(pe),
            }
        }
        other => other,
    }
}

fn check_collation(client: &mut Client) -> Result<()> {
    let row = client.query_one(
        "SELECT datcollate, pg_encoding_to_char(encoding) FROM pg_database
          WHERE datname = current_database()",
        &[],
    )?;
    let collate: String = row.get(0);
    let encoding: String = row.get(1);
    if !matches!(collate.as_str(), "C" | "POSIX" | "C.UTF-8" | "C.utf8") || encoding != "UTF8" {
        return Err(StorageError::Invalid(format!(
            "the PostgreSQL database uses collation {collate:?} and encoding {encoding}; the \
             ledger compares text byte by byte: create it with `CREATE DATABASE … TEMPLATE \
             template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`"
        )));
    }
    Ok(())
}

/// The schema version a database holds (0 for an empty one).
fn schema_version(client: &mut impl ::postgres::GenericClient) -> Result<i64> {
    let exists: bool = client
        .query_one("SELECT to_regclass('yiwang_schema') IS NOT NULL", &[])?
        .get(0);
    if !exists {
        return Ok(0);
    }
    Ok(client
        .query_opt("SELECT version FROM yiwang_schema", &[])?
        .map_or(0, |r| r.get(0)))
}

fn migrate(client: &mut Client) -> Result<()> {
    let supported = MIGRATIONS.len() as i64;
    // Cheap look first: a newer schema is refused before waiting for anyone's lock.
    let found = schema_version(client)?;
    if found > supported {
        return Err(StorageError::NewerSchema { found, supported });
    }
    if found == supported {
        return Ok(());
    }
    client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])?;
    let out = (|| {
        let mut tx = client.transaction()?;
        // Another process may have migrated while this one waited for the lock.
        let found = schema_version(&mut tx)?;
        if found > supported {
            return Err(StorageError::NewerSchema { found, supported });
        }
        if found == supported {
            return Ok(());
        }
        tx.batch_execute("CREATE TABLE IF NOT EXISTS yiwang_schema (version BIGINT NOT NULL)")?;
        for sql in &MIGRATIONS[found as usize..] {
            tx.batch_execute(sql)?;
        }
        tx.execute("DELETE FROM yiwang_schema", &[])?;
        tx.execute(
            "INSERT INTO yiwang_schema(version) VALUES ($1)",
            &[&supported],
        )?;
        if found == 0 {
            // A random epoch names this ledger: a cursor from another database is answered 412.
            let epoch = uuid::Uuid::new_v4().simple().to_string();
            tx.execute(
                "INSERT INTO meta(key, value) VALUES ('epoch', $1) ON CONFLICT DO NOTHING",
                &[&epoch],
            )?;
            tx.execute(
                "INSERT INTO meta(key, value) VALUES ('org_version', '0') ON CONFLICT DO NOTHING",
                &[],
            )?;
        }
        tx.commit()?;
        Ok(())
    })();
    let unlocked = client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]);
    out?;
    unlocked?;
    Ok(())
}

impl Backend for PgLedger {
    fn write_dyn(&self, f: TxFn<'_>, abandon: &Abandon) -> Result<Boxed> {
        self.with_conn(abandon, |conn| {
            let Conn { client, statements } = conn;
            let mut tx = client.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])?;
            let mut ptx = PgTx::new(tx, statements);
            let out = f(&mut ptx)?;
            ptx.tx.commit()?;
            Ok(out)
        })
    }

    fn read_dyn(&self, f: TxFn<'_>, abandon: &Abandon) -> Result<Boxed> {
        self.with_conn(abandon, |conn| {
            let Conn { client, statements } = conn;
            let mut tx = client
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()?;
            tx.batch_execute(&format!(
                "SET LOCAL statement_timeout = '{READ_STATEMENT_TIMEOUT}'"
            ))?;
            let mut ptx = PgTx::new(tx, statements);
            let out = f(&mut ptx)?;
            // Nothing to keep: a read transaction ends with a rollback.
            drop(ptx);
            Ok(out)
        })
    }

    fn kind(&self) -> &'static str {
        "postgres"
    }

    fn lease_mark(&self) -> String {
        format!("{:08x}.", self.mark)
    }

    fn after_bulk_load(&self) -> Result<()> {
        // A bulk load that updated each case row once per event leaves most of every table
        // dead: rewrite the tables and gather the planner's statistics (an exclusive lock for
        // a moment, while nothing serves yet). A rewrite leaves no page marked all-visible, so
        // a plain VACUUM follows: without it every index-only read (a queue's counts per state)
        // visits the table too, 315 ms against 35 ms for a province's first city queue page.
        off_runtime(|| {
            let mut conn = self.take()?;
            conn.client.batch_execute("VACUUM (FULL, ANALYZE)")?;
            conn.client.batch_execute("VACUUM")?;
            self.give_back(conn);
            Ok(())
        })
    }

    fn after_case_rewrite(&self) -> Result<()> {
        // Rewriting every case leaves the old row versions dead: a plain VACUUM marks their
        // space reusable and the pages all-visible again (the queue's index-only reads need
        // that: 340 ms against 35 ms for a city's first page right after a province's facts
        // were refilled) without locking out the processes that serve meanwhile. The table
        // stays twice its size until `VACUUM FULL cases` in a quiet hour (README, upgrades).
        off_runtime(|| {
            let mut conn = self.take()?;
            conn.client.batch_execute("VACUUM (ANALYZE) cases")?;
            self.give_back(conn);
            Ok(())
        })?;
        tracing::info!(
            "case rows vacuumed after the rewrite; `VACUUM FULL cases` in a quiet hour gives \
             their old space back"
        );
        Ok(())
    }

    fn turns(&self) -> Turns {
        Turns {
            writers: WRITERS,
            readers: READERS,
        }
    }
}

/// Helpers shared by the area implementations.
pub(crate) mod util {
    use crate::storage::{Result, StorageError};
    use chrono::{DateTime, Utc};

    /// RFC 3339 with microseconds and `Z`, as the SQLite ledger writes it.
    pub fn ts(t: DateTime<Utc>) -> String {
        crate::storage::sqlite::util::ts(t)
    }

    pub fn parse_ts(s: &str) -> Result<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| StorageError::Invalid(format!("stored time {s:?} is not RFC 3339: {e}")))
    }

    pub fn json<T: serde::Serialize>(v: &T) -> String {
        serde_json::to_string(v).expect("our records serialise")
    }
}
