//! `backup` and `restore` of the SQLite ledger, and the lock that tells them a server is serving
//! it.
//!
//! A backup is SQLite's online backup API ([`rusqlite::backup`]) run in one step: it reads the
//! ledger inside one read transaction, which in WAL mode never holds a writer up, so a server
//! under load keeps committing while the copy is taken, and the copy is the ledger exactly as it
//! stood when the step began: every push acknowledged before the backup started is in it. The
//! copy is switched to a rollback journal (`journal_mode=DELETE`) before it is put in place, so
//! it is one self-contained file with no `-wal` beside it.
//!
//! A restore copies the source the same way into a temporary file beside the ledger, opens it
//! as a ledger (migrating an older schema), runs the `verify-ledger` check on it, and only then
//! puts it in place: the old ledger (and its `-wal`, which may hold committed transactions) is
//! moved aside as `ledger.sqlite.before-restore-<UTC time>`, the stale `-shm` removed, and the
//! new file renamed over after an fsync.
//!
//! `serve` and `demo` hold a shared lock on `<ledger>.lock` while they run; `restore` takes it
//! exclusively, so it refuses while a server runs on that ledger, and a server started during a
//! restore refuses to start.

use crate::storage::{sqlite::SCHEMA_VERSION, Ledger};
use anyhow::{bail, Context as _};
use rusqlite::{Connection, OpenFlags};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `path` with `suffix` appended to its file name (`ledger.sqlite` → `ledger.sqlite-wal`).
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// The lock a server holds on its ledger while it serves (shared), or a restore while it
/// replaces it (exclusive). Released when dropped, or when the process ends however it ends.
#[derive(Debug)]
pub struct LedgerLock {
    _file: File,
    pub path: PathBuf,
}

impl LedgerLock {
    fn open(ledger: &Path) -> anyhow::Result<(File, PathBuf)> {
        let path = with_suffix(ledger, ".lock");
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("opening the lock file {}", path.display()))?;
        Ok((file, path))
    }

    /// Taken by `serve` and `demo`: several servers may share a ledger, a restore may not run.
    pub fn serving(ledger: &Path) -> anyhow::Result<LedgerLock> {
        let (file, path) = Self::open(ledger)?;
        match file.try_lock_shared() {
            Ok(()) => Ok(LedgerLock { _file: file, path }),
            Err(std::fs::TryLockError::WouldBlock) => bail!(
                "the ledger {} is being restored (`yiwang-server restore` holds {}); start the \
                 server when it has finished",
                ledger.display(),
                path.display()
            ),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(e).with_context(|| format!("locking {}", path.display()))
            }
        }
    }

    /// Taken by `restore`: refused while any server runs on the ledger.
    pub fn exclusive(ledger: &Path) -> anyhow::Result<LedgerLock> {
        let (file, path) = Self::open(ledger)?;
        match file.try_lock() {
            Ok(()) => Ok(LedgerLock { _file: file, path }),
            Err(std::fs::TryLockError::WouldBlock) => bail!(
                "a Yiwang server is running on the ledger {} (it holds {}); stop it before \
                 restoring, then start it again",
                ledger.display(),
                path.display()
            ),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(e).with_context(|| format!("locking {}", path.display()))
            }
        }
    }
}

/// What a copy of a ledger holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopySummary {
    pub bytes: u64,
    pub schema: i64,
    /// The newest change-log sequence number in the copy.
    pub seq: i64,
}

/// Opens an existing SQLite file without creating it, and checks it is a Yiwang ledger this
/// binary can read. `what` names it in messages ("the ledger", "the backup").
fn open_yiwang(path: &Path, what: &str) -> anyhow::Result<Connection> {
    if !path.is_file() {
        bail!(
            "{what} {} does not exist (or is not a file)",
            path.display()
        );
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("opening {what} {}", path.display()))?;
    conn.busy_timeout(Duration::from_secs(10))?;
    let schema: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .with_context(|| format!("{what} {} is not an SQLite database", path.display()))?;
    let epoch: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'epoch'", [], |r| {
            r.get(0)
        })
        .ok();
    if schema < 1 || epoch.is_none() {
        bail!(
            "{what} {} is an SQLite database but not a Yiwang ledger (no schema version or epoch)",
            path.display()
        );
    }
    if schema > SCHEMA_VERSION {
        bail!(
            "{what} {} was written by a newer Yiwang (schema {schema}, this binary knows \
             {SCHEMA_VERSION}); use that version's yiwang-server",
            path.display()
        );
    }
    Ok(conn)
}

/// Copies the ledger at `src` (live or not) into a new file `dest` with the online backup API,
/// as one self-contained file in rollback-journal mode, synced to disk.
fn copy_ledger(src: &Path, dest: &Path, what: &str) -> anyhow::Result<CopySummary> {
    let from = open_yiwang(src, what)?;
    let _ = std::fs::remove_file(dest);
    let mut to = Connection::open(dest).with_context(|| format!("creating {}", dest.display()))?;
    {
        let backup = rusqlite::backup::Backup::new(&from, &mut to)?;
        let mut tries = 0;
        // One step copies every page inside one read transaction of the source: a consistent
        // snapshot that writers in WAL mode never wait for, and that no commit can restart.
        loop {
            match backup.step(-1)? {
                rusqlite::backup::StepResult::Done => break,
                rusqlite::backup::StepResult::More => {}
                _ if tries < 100 => std::thread::sleep(Duration::from_millis(100)),
                _ => bail!("{what} {} stayed locked for 10 s; try again", src.display()),
            }
            tries += 1;
        }
    }
    drop(from);
    // The pages carry the source's WAL flag: make the copy a plain, self-contained file.
    to.pragma_update(None, "journal_mode", "DELETE")?;
    let check: String = to.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    if check != "ok" {
        bail!(
            "the copy of {} fails SQLite's check: {check}",
            src.display()
        );
    }
    let schema: i64 = to.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let seq: i64 = to.query_row("SELECT coalesce(max(seq), 0) FROM changes", [], |r| {
        r.get(0)
    })?;
    to.close().map_err(|(_, e)| e)?;
    File::open(dest)?.sync_all()?;
    Ok(CopySummary {
        bytes: std::fs::metadata(dest)?.len(),
        schema,
        seq,
    })
}

/// Fsyncs a folder, so a rename in it is durable.
fn sync_dir(file_in_it: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    if let Some(dir) = file_in_it.parent().filter(|d| !d.as_os_str().is_empty()) {
        File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = file_in_it;
    Ok(())
}

/// `backup DEST`: a consistent copy of the ledger at `ledger` taken while a server may be
/// writing it. Refuses to overwrite `dest` unless `force`.
pub fn backup(ledger: &Path, dest: &Path, force: bool) -> anyhow::Result<CopySummary> {
    if dest.exists() && !force {
        bail!(
            "{} already exists; choose a new file name or pass --force to overwrite it",
            dest.display()
        );
    }
    if dest.is_dir() {
        bail!("{} is a folder; give a file name", dest.display());
    }
    let partial = with_suffix(dest, ".partial");
    let copied = copy_ledger(ledger, &partial, "the ledger");
    let summary = match copied {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::rename(&partial, dest)
        .with_context(|| format!("moving the copy to {}", dest.display()))?;
    sync_dir(dest)?;
    Ok(summary)
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    pub cases: usize,
    pub events: usize,
    pub schema_before_migration: i64,
    /// Where the ledger that was replaced now is.
    pub kept: Option<PathBuf>,
}

/// `restore SRC`: checks `src` is a Yiwang ledger that passes `verify-ledger`, then puts it in
/// place at `ledger`. Refuses while a server runs on `ledger`, and to replace an existing
/// ledger without `force`.
pub fn restore(
    src: &Path,
    ledger: &Path,
    force: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<Restored> {
    if let (Ok(a), Ok(b)) = (src.canonicalize(), ledger.canonicalize()) {
        if a == b {
            bail!("{} is the ledger itself; name a backup file", src.display());
        }
    }
    let _lock = LedgerLock::exclusive(ledger)?;
    if ledger.exists() && !force {
        bail!(
            "there is already a ledger at {}; pass --force to replace it (it is kept as {}.before-restore-<time>)",
            ledger.display(),
            ledger.display()
        );
    }
    let tmp = with_suffix(ledger, ".restoring");
    let clean = |p: &Path| {
        for s in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(with_suffix(p, s));
        }
    };
    clean(&tmp);
    let result = check_copy(src, &tmp);
    let (schema_before_migration, cases, events) = match result {
        Ok(v) => v,
        Err(e) => {
            clean(&tmp);
            return Err(e);
        }
    };
    let kept = if ledger.exists() {
        let stamp = now.format("%Y%m%dT%H%M%SZ");
        let kept = with_suffix(ledger, &format!(".before-restore-{stamp}"));
        std::fs::rename(ledger, &kept)
            .with_context(|| format!("moving the old ledger aside to {}", kept.display()))?;
        // A server killed without a clean stop leaves committed transactions in the WAL: it
        // goes with its database, under the name SQLite looks for beside the kept file.
        let wal = with_suffix(ledger, "-wal");
        if wal.exists() {
            std::fs::rename(&wal, with_suffix(&kept, "-wal"))
                .with_context(|| format!("moving {} aside", wal.display()))?;
        }
        Some(kept)
    } else {
        None
    };
    // A stale index of the old WAL must not meet the new file.
    for s in ["-wal", "-shm", "-journal"] {
        let p = with_suffix(ledger, s);
        if p.exists() {
            std::fs::remove_file(&p).with_context(|| format!("removing {}", p.display()))?;
        }
    }
    std::fs::rename(&tmp, ledger)
        .with_context(|| format!("moving the restored ledger to {}", ledger.display()))?;
    sync_dir(ledger)?;
    Ok(Restored {
        cases,
        events,
        schema_before_migration,
        kept,
    })
}

/// Copies `src` into `tmp`, opens it as a ledger (migrating it), checks every case chain, and
/// leaves `tmp` a self-contained file: (schema of `src`, cases, events).
fn check_copy(src: &Path, tmp: &Path) -> anyhow::Result<(i64, usize, usize)> {
    let copied = copy_ledger(src, tmp, "the backup")?;
    let check = {
        let url = format!("sqlite:{}", tmp.display());
        let ledger = Ledger::open(&url)
            .with_context(|| format!("opening the copy of {} as a ledger", src.display()))?;
        ledger.read_blocking(crate::storage::audit::check_ledger)?
    };
    if !check.failures.is_empty() {
        let first: Vec<String> = check
            .failures
            .iter()
            .take(5)
            .map(|(id, why)| format!("case {id}: {why}"))
            .collect();
        bail!(
            "{} fails verify-ledger: {} of {} cases were altered ({}); nothing was restored",
            src.display(),
            check.failures.len(),
            check.cases,
            first.join("; ")
        );
    }
    // Opening it as a ledger turned WAL on: back to one self-contained file.
    let conn = Connection::open(tmp)?;
    conn.pragma_update(None, "journal_mode", "DELETE")?;
    conn.close().map_err(|(_, e)| e)?;
    File::open(tmp)?.sync_all()?;
    Ok((copied.schema, check.cases, check.events))
}
