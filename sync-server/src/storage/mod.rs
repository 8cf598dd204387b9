//! Ledger storage: the county's database behind one interface.
//!
//! A [`Ledger`] hands out transactions. Everything a handler reads or writes happens inside one
//! [`LedgerTx`] — a write transaction commits when the closure returns `Ok` and rolls back on
//! `Err` — so an acknowledged push is all-or-nothing. `LedgerTx` is the union of one trait per
//! area (auth, org, cases, change log, sync, photos, console queries, audit log); each backend implements
//! every area in its own folder (`sqlite/` is the embedded default; PostgreSQL comes next and
//! implements the same traits). The backend is picked from the database URL.
//!
//! Transactions are synchronous closures run on tokio's blocking pool: both SQLite (rusqlite)
//! and the workflow are synchronous, and it keeps the traits object-safe.
//!
//! Admission is bounded before the blocking pool: a transaction first waits (asynchronously, as
//! a cheap task) for one of the backend's writer or reader turns ([`Backend::turns`]). Without
//! it, a county's devices coming back at once put ~500 blocking threads on the pool, each with
//! its own database connection and page cache, all but one waiting on the writer: the server
//! reached 1.7 GB in twenty seconds. With it, waiting requests cost a few hundred bytes each.
//!
//! Work is abandoned with its request: when the caller of [`Ledger::read`] or [`Ledger::write`]
//! stops waiting (the request timed out, the client went away, the server is shutting down), an
//! [`Abandon`] flag is raised. A transaction that has not begun is skipped; a running read stops
//! at the backend's next step (SQLite checks it every few thousand virtual-machine steps). A
//! running write is left to finish: it holds the one writer turn briefly, and cutting it short
//! would only make its device push the same batch again.

pub mod audit;
pub mod audit_log;
pub mod auth;
pub mod cases;
pub mod changes;
pub mod console;
pub mod coverage;
pub mod org;
pub mod photo_log;
pub mod photos;
pub mod postgres;
pub mod sqlite;
pub mod sync;

pub use audit_log::AuditTx;
pub use auth::AuthTx;
pub use cases::CaseTx;
pub use changes::{ChangeLogTx, Scope};
pub use console::ConsoleTx;
pub use org::OrgTx;
pub use photos::PhotoTx;
pub use sync::SyncTx;

use std::any::Any;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Errors of the storage layer. [`StorageError::is_retryable`] tells a caller whether trying
/// again may help.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database error: {0}")]
    Postgres(#[from] ::postgres::Error),
    /// The database cannot be reached or went away; the request may be tried again later.
    #[error("{0}")]
    Unavailable(String),
    #[error("the database is busy")]
    Busy,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("the database was written by a newer Yiwang (schema {found}, this binary knows {supported}); upgrade the server")]
    NewerSchema { found: i64, supported: i64 },
    #[error("stored JSON is not valid: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{0}")]
    Invalid(String),
    #[error("unsupported database URL {0:?}: use sqlite:PATH or postgres://…")]
    UnsupportedUrl(String),
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The request that asked for the transaction stopped waiting for it.
    #[error("abandoned: the request stopped waiting")]
    Abandoned,
}

impl StorageError {
    pub fn is_retryable(&self) -> bool {
        match self {
            StorageError::Busy | StorageError::Unavailable(_) => true,
            StorageError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => matches!(
                e.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ),
            _ => false,
        }
    }
}

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// Everything a transaction can do: one trait per area.
pub trait LedgerTx:
    AuthTx + OrgTx + CaseTx + ChangeLogTx + SyncTx + PhotoTx + ConsoleTx + AuditTx
{
}

impl<T: AuthTx + OrgTx + CaseTx + ChangeLogTx + SyncTx + PhotoTx + ConsoleTx + AuditTx> LedgerTx
    for T
{
}

type Boxed = Box<dyn Any + Send>;

thread_local! {
    /// Set while a thread of tokio's blocking pool runs a ledger transaction for
    /// [`Ledger::read`] or [`Ledger::write`]: a backend may block there.
    static BLOCKING_TURN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Marks the current blocking-pool thread as running a ledger turn until dropped.
struct BlockingTurn;

impl BlockingTurn {
    fn enter() -> BlockingTurn {
        BLOCKING_TURN.with(|t| t.set(true));
        BlockingTurn
    }
}

impl Drop for BlockingTurn {
    fn drop(&mut self) {
        BLOCKING_TURN.with(|t| t.set(false));
    }
}
type TxFn<'a> = Box<dyn FnOnce(&mut dyn LedgerTx) -> Result<Boxed> + Send + 'a>;

/// Raised when the request that asked for a transaction stopped waiting for it (see the module
/// docs). Cheap to clone; every clone sees the same flag.
#[derive(Debug, Clone, Default)]
pub struct Abandon(Arc<AtomicBool>);

impl Abandon {
    /// A flag nobody raises (the CLI and tests, which always wait).
    pub fn never() -> Abandon {
        Abandon::default()
    }

    pub fn is_raised(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    pub fn raise(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Raises the flag when dropped, unless [`Disarm::done`] ran first: held by the waiting
    /// request, so that a request dropped mid-wait abandons its work.
    fn on_drop(&self) -> Disarm {
        Disarm(Some(self.clone()))
    }
}

/// See [`Abandon::on_drop`].
struct Disarm(Option<Abandon>);

impl Disarm {
    fn done(mut self) {
        self.0 = None;
    }
}

impl Drop for Disarm {
    fn drop(&mut self) {
        if let Some(a) = self.0.take() {
            a.raise();
        }
    }
}

/// What a storage backend provides: write and read transactions. `abandon` is raised when the
/// caller stopped waiting: skip work not begun; stop a running read when practical.
pub trait Backend: Send + Sync {
    fn write_dyn(&self, f: TxFn<'_>, abandon: &Abandon) -> Result<Boxed>;
    fn read_dyn(&self, f: TxFn<'_>, abandon: &Abandon) -> Result<Boxed>;
    /// A short name for logs and metrics (`sqlite`, `postgres`).
    fn kind(&self) -> &'static str;
    /// How many write and read transactions may run at once (see the module docs).
    fn turns(&self) -> Turns;
    /// Tidies the database after a bulk load (the demo's seeding), before anything is served.
    fn after_bulk_load(&self) -> Result<()> {
        Ok(())
    }
    /// Tidies the case rows after opening rewrote many of them (a new projection or facts
    /// version), while other processes may already serve: nothing that locks them out.
    fn after_case_rewrite(&self) -> Result<()> {
        Ok(())
    }
    /// What this process's upload lease tokens begin with (see
    /// `PhotoTx::release_all_upload_leases`); empty where one process owns the ledger.
    fn lease_mark(&self) -> String {
        String::new()
    }
}

/// How many transactions of each kind a backend runs at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Turns {
    pub writers: usize,
    pub readers: usize,
}

/// A handle on the ledger database; cheap to clone.
#[derive(Clone)]
pub struct Ledger {
    inner: Arc<dyn Backend>,
    writers: Arc<tokio::sync::Semaphore>,
    readers: Arc<tokio::sync::Semaphore>,
}

impl Ledger {
    /// Opens the ledger a URL names: `sqlite:PATH` (or a plain path) for the embedded default,
    /// `postgres://…` for a database server several processes share.
    pub fn open(url: &str) -> Result<Ledger> {
        let ledger = Ledger::open_backend(url)?;
        let changed = ledger.write_blocking(cases::upgrade_case_projections)?;
        if changed > 0 {
            tracing::info!(
                cases = changed,
                "case rows brought up to the current projection"
            );
        }
        let filled = ledger.write_blocking(cases::fill_case_facts)?;
        if filled > 0 {
            tracing::info!(cases = filled, "the figures' facts of every case computed");
        }
        if changed + filled > 0 {
            ledger.inner.after_case_rewrite()?;
        }
        let days = ledger.write_blocking(coverage::fill_grid_windows)?;
        if days > 0 {
            tracing::info!(
                grid_days = days,
                "each grid's patrolled windows per day computed from the patrols"
            );
        }
        Ok(ledger)
    }

    fn open_backend(url: &str) -> Result<Ledger> {
        if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            return Ok(Ledger::over(Arc::new(sqlite::SqliteLedger::open(path)?)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Ledger::over(Arc::new(postgres::PgLedger::open(url)?)));
        }
        if url.contains("://") {
            return Err(StorageError::UnsupportedUrl(url.to_owned()));
        }
        Ok(Ledger::over(Arc::new(sqlite::SqliteLedger::open(url)?)))
    }

    fn over(inner: Arc<dyn Backend>) -> Ledger {
        let turns = inner.turns();
        Ledger {
            inner,
            writers: Arc::new(tokio::sync::Semaphore::new(turns.writers.max(1))),
            readers: Arc::new(tokio::sync::Semaphore::new(turns.readers.max(1))),
        }
    }

    /// Tidies the database after a bulk load, before anything is served: PostgreSQL rewrites
    /// the tables the load left mostly dead and gathers statistics; SQLite needs nothing.
    pub fn after_bulk_load(&self) -> Result<()> {
        self.inner.after_bulk_load()
    }

    /// What this process's upload lease tokens begin with: a mark the ledger can tell is
    /// still alive (PostgreSQL), or nothing (SQLite, one process per ledger).
    pub fn lease_mark(&self) -> String {
        self.inner.lease_mark()
    }

    pub fn kind(&self) -> &'static str {
        self.inner.kind()
    }

    /// Runs `f` in a write transaction on the calling thread (for the CLI and tests).
    pub fn write_blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn LedgerTx) -> Result<T> + Send,
    ) -> Result<T> {
        self.write_abandonable(f, &Abandon::never())
    }

    fn write_abandonable<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn LedgerTx) -> Result<T> + Send,
        abandon: &Abandon,
    ) -> Result<T> {
        let out = self.inner.write_dyn(
            Box::new(move |tx| f(tx).map(|v| Box::new(v) as Boxed)),
            abandon,
        )?;
        Ok(*out.downcast::<T>().expect("the closure's own type"))
    }

    /// Runs `f` in a read transaction (a consistent snapshot) on the calling thread.
    pub fn read_blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn LedgerTx) -> Result<T> + Send,
    ) -> Result<T> {
        self.read_abandonable(f, &Abandon::never())
    }

    fn read_abandonable<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn LedgerTx) -> Result<T> + Send,
        abandon: &Abandon,
    ) -> Result<T> {
        let out = self.inner.read_dyn(
            Box::new(move |tx| f(tx).map(|v| Box::new(v) as Boxed)),
            abandon,
        )?;
        Ok(*out.downcast::<T>().expect("the closure's own type"))
    }

    /// Runs `f` in a write transaction on the blocking pool.
    pub async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn LedgerTx) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        // The turn goes with the work: held until it ends, even if the caller stops waiting
        // (then the work is abandoned, which ends it soon).
        let turn = self
            .writers
            .clone()
            .acquire_owned()
            .await
            .expect("the ledger's turns are never closed");
        let me = self.clone();
        let abandon = Abandon::default();
        let waiting = abandon.on_drop();
        let out = tokio::task::spawn_blocking(move || {
            let _turn = turn;
            let _blocking = BlockingTurn::enter();
            me.write_abandonable(f, &abandon)
        })
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
        waiting.done();
        out
    }

    /// Runs `f` in a read transaction on the blocking pool.
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn LedgerTx) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        // The turn goes with the work: held until it ends, even if the caller stops waiting
        // (then the work is abandoned, which ends it soon).
        let turn = self
            .readers
            .clone()
            .acquire_owned()
            .await
            .expect("the ledger's turns are never closed");
        let me = self.clone();
        let abandon = Abandon::default();
        let waiting = abandon.on_drop();
        let out = tokio::task::spawn_blocking(move || {
            let _turn = turn;
            let _blocking = BlockingTurn::enter();
            me.read_abandonable(f, &abandon)
        })
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
        waiting.done();
        out
    }
}
