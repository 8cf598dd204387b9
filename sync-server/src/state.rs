//! What every handler shares: the ledger, the photo folder, the clock, settings — and a cache
//! of the org tree and categories that each request revalidates against the ledger's
//! `org_version`, so several server processes behind one load balancer stay consistent.

use crate::photos::space::{default_min_free_space, DiskSpace, Statvfs};
use crate::storage::{Ledger, LedgerTx, Result};
use chrono::{DateTime, Utc};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use yiwang_core::calendar::WorkingCalendar;
use yiwang_core::category::CategoryTree;
use yiwang_core::org::OrgTree;
use yiwang_core::workflow::Context;

/// The source of "now". Tests pass a controllable one.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The reference data decisions are made against.
#[derive(Debug)]
pub struct Reference {
    pub org: OrgTree,
    pub categories: CategoryTree,
    pub calendar: WorkingCalendar,
}

impl Reference {
    /// The org tree and categories as the ledger holds them, with `calendar`.
    pub fn load(
        tx: &mut dyn crate::storage::LedgerTx,
        calendar: WorkingCalendar,
    ) -> crate::storage::Result<Reference> {
        Ok(Reference {
            org: tx.load_org()?,
            categories: tx.load_categories()?,
            calendar,
        })
    }

    pub fn context(&self, now: DateTime<Utc>) -> Context<'_> {
        Context {
            org: &self.org,
            categories: &self.categories,
            calendar: &self.calendar,
            now,
            related: None,
        }
    }
}

/// Server settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    /// Demo mode: the seeded users' well-known password is accepted.
    pub demo_mode: bool,
    /// Proxies whose `X-Forwarded-For` names the client ([`crate::auth::address`]).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Connections one peer address may hold open (`--max-connections-per-address`).
    pub max_connections_per_address: usize,
    /// Threads that hash passwords (`None`: sized to the machine, see
    /// [`crate::auth::passwords::PasswordGate::sized_to_machine`]).
    pub password_hashers: Option<usize>,
    /// Password checks that may wait before new ones get `503` (`None`: 128 per thread).
    pub password_queue: Option<usize>,
    /// Where free disk space is asked before a photo upload takes bytes ([`Statvfs`] of
    /// `data_dir`; tests pass a [`crate::photos::space::FixedSpace`]).
    pub disk: Arc<dyn DiskSpace>,
    /// Photo uploads are refused (`507 insufficient_storage`) below this many free bytes.
    pub min_free_space: u64,
    /// How often the background sweeper runs ([`crate::photos::sweep`]).
    pub sweep_interval: std::time::Duration,
    /// How long a stored photo that no record names is kept before the sweeper deletes it.
    pub photo_grace: chrono::Duration,
    /// The bearer token `GET /metrics` asks for (`--metrics-token`); without one, `/metrics`
    /// answers 404.
    pub metrics_token: Option<String>,
    /// Where photos and unfinished uploads' bytes live (`--photo-store`; by default the
    /// folders `data_dir/photos` and `data_dir/uploads`).
    pub photo_store: Arc<dyn crate::photos::store::PhotoStore>,
}

impl Settings {
    /// Settings for a ledger and photos under `data_dir`: not a demo, no trusted proxy.
    pub fn new(data_dir: impl Into<PathBuf>) -> Settings {
        let data_dir: PathBuf = data_dir.into();
        Settings {
            photo_store: Arc::new(crate::photos::store::LocalPhotoStore::in_data_dir(
                &data_dir,
            )),
            data_dir,
            demo_mode: false,
            trusted_proxies: Vec::new(),
            max_connections_per_address: crate::connections::MAX_PER_ADDRESS,
            password_hashers: None,
            password_queue: None,
            disk: Arc::new(Statvfs),
            min_free_space: default_min_free_space(),
            // Often enough that expired uploads do not pile up, rarely enough to cost nothing.
            sweep_interval: std::time::Duration::from_secs(10 * 60),
            // A device uploads a photo before (or while) it pushes the finding naming it, and
            // may be offline for days in between; a week covers that with room to spare.
            photo_grace: chrono::Duration::days(7),
            metrics_token: None,
        }
    }
}

/// Counters for `/metrics`.
#[derive(Debug, Default)]
pub struct Metrics {
    pub requests: AtomicU64,
    pub responses_4xx: AtomicU64,
    pub responses_5xx: AtomicU64,
    pub ops_applied: AtomicU64,
    pub ops_duplicate: AtomicU64,
    pub ops_rejected: AtomicU64,
    pub photo_bytes_received: AtomicU64,
    pub photos_stored: AtomicU64,
    /// Stored photos that failed their whole decode and were quarantined
    /// ([`crate::photos::check`]).
    pub photos_quarantined: AtomicU64,
    pub logins: AtomicU64,
    pub login_failures: AtomicU64,
    pub logins_throttled: AtomicU64,
    /// Expired uploads (rows and partial files) the sweeper deleted.
    pub uploads_swept: AtomicU64,
    /// Stored photos no record named that the sweeper deleted after their grace.
    pub photos_swept: AtomicU64,
    /// Upload requests refused because the disk was nearly full.
    pub uploads_refused_disk: AtomicU64,
    /// Free bytes on the photo store's filesystem at the last probe (shown once probed).
    pub disk_free_bytes: AtomicU64,
    pub disk_probed: std::sync::atomic::AtomicBool,
}

impl Metrics {
    /// Whether `given` is the metrics token `expected`. Compared in constant time (their SHA-256
    /// digests, byte by byte without stopping early), so timing tells nothing of the token.
    pub fn token_matches(given: &str, expected: &str) -> bool {
        use sha2::{Digest, Sha256};
        let (a, b) = (
            Sha256::digest(given.as_bytes()),
            Sha256::digest(expected.as_bytes()),
        );
        a.iter().zip(b.iter()).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
    }

    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// Prometheus text exposition format 0.0.4.
    pub fn render(&self, backend: &str) -> String {
        let c = |name: &str, help: &str, v: &AtomicU64| {
            format!(
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}\n",
                v.load(Ordering::Relaxed)
            )
        };
        let mut s = String::new();
        s += &c(
            "yiwang_http_requests_total",
            "HTTP requests received.",
            &self.requests,
        );
        s += &c(
            "yiwang_http_responses_4xx_total",
            "Responses with a 4xx status.",
            &self.responses_4xx,
        );
        s += &c(
            "yiwang_http_responses_5xx_total",
            "Responses with a 5xx status.",
            &self.responses_5xx,
        );
        s += &c(
            "yiwang_sync_ops_applied_total",
            "Pushed ops applied.",
            &self.ops_applied,
        );
        s += &c(
            "yiwang_sync_ops_duplicate_total",
            "Pushed ops answered duplicate.",
            &self.ops_duplicate,
        );
        s += &c(
            "yiwang_sync_ops_rejected_total",
            "Pushed ops rejected.",
            &self.ops_rejected,
        );
        s += &c(
            "yiwang_photo_bytes_received_total",
            "Photo bytes received over tus.",
            &self.photo_bytes_received,
        );
        s += &c(
            "yiwang_photos_stored_total",
            "Photos verified and stored.",
            &self.photos_stored,
        );
        s += &c(
            "yiwang_photos_quarantined_total",
            "Stored photos that failed their whole decode after upload: kept, quarantined.",
            &self.photos_quarantined,
        );
        s += &c("yiwang_logins_total", "Successful sign-ins.", &self.logins);
        s += &c(
            "yiwang_login_failures_total",
            "Failed sign-ins.",
            &self.login_failures,
        );
        s += &c(
            "yiwang_logins_throttled_total",
            "Sign-ins refused by the throttle before their password was checked.",
            &self.logins_throttled,
        );
        s += &c(
            "yiwang_uploads_swept_total",
            "Expired photo uploads deleted by the sweeper.",
            &self.uploads_swept,
        );
        s += &c(
            "yiwang_photos_swept_total",
            "Stored photos that no record named, deleted by the sweeper after their grace.",
            &self.photos_swept,
        );
        s += &c(
            "yiwang_uploads_refused_disk_total",
            "Photo upload requests refused (507) because the disk was nearly full.",
            &self.uploads_refused_disk,
        );
        if self.disk_probed.load(Ordering::Relaxed) {
            s += &format!(
                "# HELP yiwang_photo_store_free_bytes Free bytes on the photo store's filesystem at the last probe.\n# TYPE yiwang_photo_store_free_bytes gauge\nyiwang_photo_store_free_bytes {}\n",
                self.disk_free_bytes.load(Ordering::Relaxed)
            );
        }
        if let Some(kib) = peak_rss_kib(std::process::id()) {
            s += &format!(
                "# HELP yiwang_process_peak_resident_bytes The most memory this process has held since it started (VmHWM).\n# TYPE yiwang_process_peak_resident_bytes gauge\nyiwang_process_peak_resident_bytes {}\n",
                kib * 1024
            );
        }
        s += &format!(
            "# HELP yiwang_ledger_backend The ledger storage backend.\n# TYPE yiwang_ledger_backend gauge\nyiwang_ledger_backend{{backend=\"{backend}\"}} 1\n"
        );
        s
    }
}

/// The most memory process `pid` has held since it started (`VmHWM` in `/proc/PID/status`), in
/// KiB; `None` where there is no such file (not Linux, or no such process).
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

struct CachedReference {
    version: i64,
    reference: Arc<Reference>,
}

/// Shared by every handler; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub ledger: Ledger,
    pub settings: Arc<Settings>,
    pub clock: Clock,
    pub metrics: Arc<Metrics>,
    /// Where passwords are hashed and checked, a few at a time.
    pub passwords: Arc<crate::auth::passwords::PasswordGate>,
    calendar: Arc<WorkingCalendar>,
    reference: Arc<Mutex<Option<CachedReference>>>,
}

impl AppState {
    pub fn new(ledger: Ledger, settings: Settings, clock: Clock) -> AppState {
        AppState {
            ledger,
            passwords: Arc::new(crate::auth::passwords::PasswordGate::configured(
                settings.password_hashers,
                settings.password_queue,
            )),
            settings: Arc::new(settings),
            clock,
            metrics: Arc::new(Metrics::default()),
            calendar: Arc::new(WorkingCalendar::china()),
            reference: Arc::new(Mutex::new(None)),
        }
    }

    /// A state on the system clock.
    pub fn with_system_clock(ledger: Ledger, settings: Settings) -> AppState {
        AppState::new(ledger, settings, Arc::new(Utc::now))
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    /// The org tree and categories as of this transaction, reloaded when they changed.
    pub fn reference(&self, tx: &mut dyn LedgerTx) -> Result<Arc<Reference>> {
        let version = tx.org_version()?;
        {
            let cached = self.reference.lock().expect("reference cache");
            if let Some(c) = cached.as_ref().filter(|c| c.version == version) {
                return Ok(c.reference.clone());
            }
        }
        let reference = Arc::new(Reference::load(tx, (*self.calendar).clone())?);
        *self.reference.lock().expect("reference cache") = Some(CachedReference {
            version,
            reference: reference.clone(),
        });
        Ok(reference)
    }
}
