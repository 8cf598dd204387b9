//! The sync agent: one sync ([`SyncAgent::sync_once`]) and the background loop
//! ([`SyncAgent::run`]) that decides when to sync.
//!
//! One sync, in order:
//! 1. **push** the outbox in batches of at most [`MAX_PUSH_OPS`], acknowledging each batch in
//!    the store as soon as it is answered — a rejected op is kept as rejected with the server's
//!    reason and the ops behind it go on;
//! 2. **upload** the photos waiting for the server, a few at a time, skipping those the server
//!    already has;
//! 3. **pull** until the server says there is no more, each page stored with its cursor in one
//!    transaction; a `412 cursor_invalid` forgets the pulled data and pulls from the start.
//!
//! Progress goes out on a [`tokio::sync::watch`] channel as [`Progress`] (ops and bytes, done
//! and total) for the app's progress bar. Every step is its own store transaction and every op
//! and upload is idempotent on the server, so a sync stopped at any point (app killed, shutdown,
//! network gone) loses nothing and the next sync picks up where this one stopped.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;
use yiwang_core::sync::{MAX_PULL_LIMIT, MAX_PUSH_OPS};

use super::{Result, SyncClient, SyncError};
use crate::photo::PhotoFiles;
use crate::store::{PhotoRow, Store, StoreError};

/// What a sync is doing, for the status line.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Not syncing; waiting for the next trigger or tick.
    Idle,
    Push,
    Upload,
    Pull,
    /// The last sync failed with a retryable error; the loop waits before trying again.
    Backoff,
    /// The server wants a login; the loop has stopped and the outbox is intact.
    NeedsLogin,
    /// The loop has stopped on request.
    Stopped,
}

/// One progress event: the numbers behind "Sending 3 of 12 · 1.2 of 4.8 MB".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Progress {
    pub phase: Phase,
    pub ops_done: u64,
    pub ops_total: u64,
    pub bytes_done: u64,
    pub bytes_total: u64,
    /// Changes pulled in this sync, and thumbnails fetched (so a sync that only brought
    /// pictures still tells the screens their data changed).
    pub pulled: u64,
    /// The last failure, `code: message`, until a sync succeeds.
    pub last_error: Option<String>,
}

impl Default for Progress {
    fn default() -> Self {
        Self {
            phase: Phase::Idle,
            ops_done: 0,
            ops_total: 0,
            bytes_done: 0,
            bytes_total: 0,
            pulled: 0,
            last_error: None,
        }
    }
}

/// What one successful sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Ops sent in pushes.
    pub ops_pushed: u64,
    /// Ops the server applied (or already had).
    pub ops_sent: u64,
    /// Ops the server refused; they stay in the outbox as rejected.
    pub ops_rejected: u64,
    /// Photos uploaded in this sync.
    pub photos_uploaded: u64,
    /// Photos the server already had (found by hash), not uploaded again.
    pub photos_skipped: u64,
    /// Bytes of photo uploaded.
    pub bytes_uploaded: u64,
    /// Photos the server refused for good (`sha256: reason`); they are retried next sync.
    pub photos_refused: Vec<String>,
    /// Changes pulled.
    pub changes_pulled: u64,
    /// Whether the pulled data was rebuilt from an empty cursor after a 412.
    pub rebuilt: bool,
    /// Thumbnails fetched for photos known only by their metadata.
    pub thumbnails_fetched: u64,
}

/// Why the sync agent should sync now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Trigger {
    /// A finding was just recorded: sync shortly, so several in a row go in one push.
    FindingRecorded,
    /// The network came back: sync now, forgetting the backoff.
    NetworkBack,
    /// The user asked ("sync now").
    OnDemand,
}

/// Why [`SyncAgent::run`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOutcome {
    /// The shutdown signal came (or every trigger sender was dropped).
    Stopped,
    /// The server answered 401: the user must sign in; the outbox is kept.
    NeedsLogin,
}

/// Timings and sizes of the agent. The defaults are docs/DESIGN.md §7's; tests shorten them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgentConfig {
    /// Ops per push, at most [`MAX_PUSH_OPS`].
    pub push_batch: usize,
    /// Changes per pull page, at most [`MAX_PULL_LIMIT`].
    pub pull_limit: u32,
    /// Photos uploaded at the same time.
    pub parallel_uploads: usize,
    /// Sync this often while online.
    pub interval: Duration,
    /// Wait this long after a new finding before syncing, to gather a few in one push.
    pub after_finding: Duration,
    /// The first retry delay after a retryable failure; it doubles with each failure in a row.
    pub backoff_base: Duration,
    /// The longest retry delay.
    pub backoff_cap: Duration,
    /// How long a photo's full-size file and an acknowledged op stay on the device after the
    /// server has them (thumbnails and records stay for good).
    pub keep_synced: Duration,
}

impl Default for AgentConfig {
    fn default() -> Self {
        Self {
            push_batch: MAX_PUSH_OPS,
            pull_limit: 500,
            parallel_uploads: 3,
            interval: Duration::from_secs(60),
            after_finding: Duration::from_secs(5),
            backoff_base: Duration::from_secs(2),
            backoff_cap: Duration::from_secs(5 * 60),
            keep_synced: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

/// The device's sync agent: the store, a client of the server, and a progress channel.
#[derive(Debug)]
pub struct SyncAgent {
    store: Arc<Store>,
    client: SyncClient,
    config: AgentConfig,
    progress: Arc<watch::Sender<Progress>>,
    /// Where fetched thumbnails go; without it none are fetched.
    photo_files: Option<PhotoFiles>,
}

/// Thumbnails fetched in one sync at the most (a few tens of kilobytes each).
pub const THUMBNAILS_PER_SYNC: usize = 40;

impl SyncAgent {
    pub fn new(store: Arc<Store>, client: SyncClient) -> Self {
        Self::with_config(store, client, AgentConfig::default())
    }

    pub fn with_config(store: Arc<Store>, client: SyncClient, config: AgentConfig) -> Self {
        let config = AgentConfig {
            push_batch: config.push_batch.clamp(1, MAX_PUSH_OPS),
            pull_limit: config.pull_limit.clamp(1, MAX_PULL_LIMIT),
            parallel_uploads: config.parallel_uploads.max(1),
            ..config
        };
        let (progress, _) = watch::channel(Progress::default());
        // Upload URLs live with the photos, so an upload resumes after the app was killed.
        let client = client.with_upload_urls(store.clone());
        Self {
            store,
            client,
            config,
            progress: Arc::new(progress),
            photo_files: None,
        }
    }

    /// The same agent, fetching thumbnails of photos it knows only by metadata into `files`.
    pub fn with_photo_files(mut self, files: PhotoFiles) -> Self {
        self.photo_files = Some(files);
        self
    }

    /// An agent for the server and token of the stored session (`None` if nobody ever signed
    /// in on this device).
    pub fn from_session(store: Arc<Store>, config: AgentConfig) -> Result<Option<Self>> {
        let Some(session) = store.session()? else {
            return Ok(None);
        };
        let client = SyncClient::new(&session.server_url, session.token)?;
        Ok(Some(Self::with_config(store, client, config)))
    }

    pub fn client(&self) -> &SyncClient {
        &self.client
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Progress events; the receiver always holds the latest.
    pub fn subscribe(&self) -> watch::Receiver<Progress> {
        self.progress.subscribe()
    }

    /// Signs in on this device and remembers the session (a different user replaces the
    /// previous one; the outbox stays).
    pub async fn login(&self, username: &str, password: &str) -> Result<crate::store::Session> {
        let device = self.db(|s| s.device()).await?;
        let login = self
            .client
            .login(username, password, &device.id, &device.name)
            .await?;
        let url = self.client.server_url().to_owned();
        self.db(move |s| s.set_session(&url, &login.token, &login.user))
            .await
    }

    /// Runs a store call off the async threads: SQLite blocks.
    async fn db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> crate::store::Result<T> + Send + 'static,
    ) -> Result<T> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(&store))
            .await
            .map_err(|e| SyncError::Store(StoreError::Io(std::io::Error::other(e))))?
            .map_err(SyncError::Store)
    }

    fn report(&self, f: impl FnOnce(&mut Progress)) {
        self.progress.send_modify(f);
    }

    /// One sync: push, upload, pull. A 401 forgets the token in the store (the user is asked
    /// to sign in again) and keeps every op waiting.
    pub async fn sync_once(&self) -> Result<SyncReport> {
        let result = self.sync_steps().await;
        match &result {
            Ok(_) => self.report(|p| {
                p.phase = Phase::Idle;
                p.last_error = None;
            }),
            Err(e) => {
                if matches!(e, SyncError::Unauthorized) {
                    self.client.set_token(None);
                    self.db(|s| s.clear_token()).await?;
                }
                let msg = format!("{}: {e}", e.code());
                self.report(|p| {
                    p.phase = Phase::Idle;
                    p.last_error = Some(msg);
                });
            }
        }
        result
    }

    async fn sync_steps(&self) -> Result<SyncReport> {
        let mut report = SyncReport::default();
        self.push(&mut report).await?;
        self.upload(&mut report).await?;
        self.pull(&mut report).await?;
        self.fetch_thumbnails(&mut report).await;
        let now = chrono::Utc::now();
        self.db(move |s| s.set_last_sync_at(now)).await?;
        // By the store's clock, the one its upload and acknowledgement times were written with.
        self.housekeeping(self.store.now()).await;
        Ok(report)
    }

    /// Fetches the server's thumbnails of photos this device knows only by metadata (a
    /// department's "handled" photo in a case the worker must verify), at most
    /// [`THUMBNAILS_PER_SYNC`] a sync, newest first, so the case timeline shows them offline.
    /// Only with a photo folder ([`SyncAgent::with_photo_files`]). Best effort: a failure is
    /// logged and tried again next sync; the sync's own work is done.
    async fn fetch_thumbnails(&self, report: &mut SyncReport) {
        let Some(files) = self.photo_files.clone() else {
            return;
        };
        let wanted = match self
            .db(|s| s.photos_without_thumbnail(THUMBNAILS_PER_SYNC))
            .await
        {
            Ok(w) => w,
            Err(e) => {
                tracing::warn!(error = %e, "thumbnails: the store could not list photos");
                return;
            }
        };
        for hash in wanted {
            let bytes = match self.client.thumbnail(&hash).await {
                Ok(Some(b)) => b,
                Ok(None) => continue,
                Err(e) => {
                    tracing::debug!(error = %e, photo = %hash, "thumbnails: stopped for this sync");
                    return;
                }
            };
            let (f, h) = (files.clone(), hash.clone());
            let stored = tokio::task::spawn_blocking(move || f.put_thumbnail(&h, &bytes)).await;
            let path = match stored {
                Ok(Ok(p)) => p,
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, photo = %hash, "thumbnails: refused");
                    continue;
                }
                Err(_) => return,
            };
            let h = hash.clone();
            if let Err(e) = self.db(move |s| s.set_photo_thumbnail(&h, &path)).await {
                tracing::warn!(error = %e, photo = %hash, "thumbnails: not recorded");
                continue;
            }
            report.thumbnails_fetched += 1;
            self.report(|p| p.pulled += 1);
        }
    }

    /// Frees the space of what the server has held for [`AgentConfig::keep_synced`]: a phone
    /// that patrols twice a day for a year would otherwise keep every photo it ever took. A
    /// failure here costs only space, so it is logged and the sync still counts as done.
    async fn housekeeping(&self, now: chrono::DateTime<chrono::Utc>) {
        let keep = chrono::Duration::from_std(self.config.keep_synced)
            .unwrap_or_else(|_| chrono::Duration::days(30));
        let before = now - keep;
        let pruned = match self.db(move |s| s.prune_synced(before)).await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "housekeeping: the store could not prune");
                return;
            }
        };
        let files = pruned.photo_files.len();
        let removed = tokio::task::spawn_blocking(move || {
            let mut removed = 0usize;
            for f in &pruned.photo_files {
                match std::fs::remove_file(f) {
                    Ok(()) => removed += 1,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => tracing::warn!(error = %e, file = %f.display(), "housekeeping: a photo file stays"),
                }
            }
            removed
        })
        .await
        .unwrap_or(0);
        if files > 0 || pruned.sent_ops > 0 {
            tracing::info!(
                photo_files = removed,
                sent_ops = pruned.sent_ops,
                "housekeeping done"
            );
        }
    }

    async fn push(&self, report: &mut SyncReport) -> Result<()> {
        let device_id = self.db(|s| s.device_id()).await?;
        let waiting = self.db(|s| s.outbox_counts()).await?.waiting;
        self.report(|p| {
            *p = Progress {
                phase: Phase::Push,
                ops_total: waiting,
                last_error: p.last_error.take(),
                ..Progress::default()
            }
        });
        let batch = self.config.push_batch;
        loop {
            let ops = self.db(move |s| s.pending_ops(batch)).await?;
            if ops.is_empty() {
                return Ok(());
            }
            let n = ops.len() as u64;
            let answer = match self.client.push(&device_id, &ops).await {
                Ok(answer) => answer,
                Err(e) => {
                    if !matches!(e, SyncError::Unauthorized) {
                        let ids: Vec<_> = ops.iter().map(|o| o.op_id.clone()).collect();
                        let msg = format!("{}: {e}", e.code());
                        self.db(move |s| s.record_push_failure(&ids, &msg)).await?;
                    }
                    return Err(e);
                }
            };
            let results = answer.results;
            let summary = self.db(move |s| s.acknowledge(&results)).await?;
            report.ops_pushed += n;
            report.ops_sent += summary.sent as u64;
            report.ops_rejected += summary.rejected as u64;
            self.report(|p| {
                p.ops_done += n;
                p.ops_total = p.ops_total.max(p.ops_done);
            });
            // Every op of the batch must have left `waiting`, or the next batch would be the
            // same one forever.
            if ((summary.sent + summary.rejected) as u64) < n {
                return Err(SyncError::NotOurServer(format!(
                    "a push of {n} ops was answered for {}",
                    summary.sent + summary.rejected
                )));
            }
        }
    }

    async fn upload(&self, report: &mut SyncReport) -> Result<()> {
        let photos = self.db(|s| s.photos_waiting_upload()).await?;
        let bytes_total: u64 = photos.iter().map(|p| p.meta.bytes).sum();
        self.report(|p| {
            p.phase = Phase::Upload;
            p.bytes_done = 0;
            p.bytes_total = bytes_total;
        });
        if photos.is_empty() {
            return Ok(());
        }
        let slots = Arc::new(Semaphore::new(self.config.parallel_uploads));
        let done = Arc::new(AtomicU64::new(0));
        let mut tasks = JoinSet::new();
        for photo in photos {
            let (client, store, slots, done, progress) = (
                self.client.clone(),
                self.store.clone(),
                slots.clone(),
                done.clone(),
                self.progress.clone(),
            );
            tasks.spawn(async move {
                let _slot = slots.acquire_owned().await;
                let outcome = upload_one(&client, &photo, &done, &progress).await;
                if matches!(outcome, Ok(Uploaded::Sent(_) | Uploaded::Skipped)) {
                    let hash = photo.meta.sha256.clone();
                    tokio::task::spawn_blocking(move || store.mark_photo_uploaded(&hash))
                        .await
                        .map_err(|e| {
                            SyncError::Store(StoreError::Io(std::io::Error::other(e)))
                        })??;
                }
                Ok::<_, SyncError>((photo.meta.sha256, outcome))
            });
        }
        let mut first_error: Option<SyncError> = None;
        while let Some(joined) = tasks.join_next().await {
            let (hash, outcome) = match joined {
                Ok(Ok(x)) => x,
                Ok(Err(e)) => {
                    first_error.get_or_insert(e);
                    continue;
                }
                Err(e) => {
                    first_error
                        .get_or_insert(SyncError::Store(StoreError::Io(std::io::Error::other(e))));
                    continue;
                }
            };
            match outcome {
                Ok(Uploaded::Sent(bytes)) => {
                    report.photos_uploaded += 1;
                    report.bytes_uploaded += bytes;
                }
                Ok(Uploaded::Skipped) => report.photos_skipped += 1,
                Err(SyncError::Unauthorized) => {
                    // No point going on with the others: each would get the same answer.
                    tasks.abort_all();
                    return Err(SyncError::Unauthorized);
                }
                // Refused for good (not a picture, wrong hash): shown, retried next sync, and
                // it does not hold up the pull.
                Err(e @ (SyncError::Refused { .. } | SyncError::PhotoFile(_))) => {
                    tracing::warn!(photo = %hash, error = %e, "a photo was refused");
                    report.photos_refused.push(format!("{hash}: {e}"));
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    async fn pull(&self, report: &mut SyncReport) -> Result<()> {
        self.report(|p| {
            p.phase = Phase::Pull;
            p.pulled = 0;
        });
        let mut cursor = self.db(|s| s.cursor()).await?;
        loop {
            let page = match self
                .client
                .pull(cursor.as_deref(), self.config.pull_limit)
                .await
            {
                Ok(page) => page,
                // Once per sync: a second 412 on the empty cursor is not ours to fix.
                Err(SyncError::CursorInvalid) if !report.rebuilt => {
                    tracing::info!("the server refused our cursor; rebuilding the pulled data");
                    self.db(|s| s.reset_pulled()).await?;
                    report.rebuilt = true;
                    cursor = None;
                    continue;
                }
                Err(e) => return Err(e),
            };
            let n = page.changes.len() as u64;
            let same_place = cursor.as_deref() == Some(page.cursor.as_str());
            let next = page.cursor.clone();
            let has_more = page.has_more;
            self.db(move |s| s.apply_pull(&page.changes, &page.cursor))
                .await?;
            report.changes_pulled += n;
            self.report(|p| p.pulled += n);
            if !has_more {
                return Ok(());
            }
            if n == 0 && same_place {
                // "More" without moving: stop here rather than ask forever.
                return Err(SyncError::NotOurServer(
                    "a pull said has_more without moving the cursor".into(),
                ));
            }
            cursor = Some(next);
        }
    }

    /// The background loop: syncs now, then on every trigger, every
    /// [`AgentConfig::interval`] while online, and after a backoff with jitter when a sync
    /// fails with a retryable error. Returns on `shutdown` (set to `true`, or dropped), when
    /// every trigger sender is gone, or on a 401 ([`RunOutcome::NeedsLogin`], outbox kept).
    /// A sync under way when the shutdown comes is abandoned mid-way, which is safe (see the
    /// module doc).
    pub async fn run(
        &self,
        mut triggers: mpsc::Receiver<Trigger>,
        mut shutdown: watch::Receiver<bool>,
    ) -> RunOutcome {
        let mut next = Instant::now();
        let mut failures: u32 = 0;
        loop {
            if *shutdown.borrow() {
                return self.stopped();
            }
            tokio::select! {
                changed = shutdown.changed() => {
                    if changed.is_err() || *shutdown.borrow() {
                        return self.stopped();
                    }
                    continue;
                }
                trigger = triggers.recv() => {
                    match trigger {
                        None => return self.stopped(),
                        Some(Trigger::FindingRecorded) => {
                            next = next.min(Instant::now() + self.config.after_finding);
                        }
                        Some(Trigger::NetworkBack | Trigger::OnDemand) => {
                            failures = 0;
                            next = Instant::now();
                        }
                    }
                    continue;
                }
                () = tokio::time::sleep_until(next) => {}
            }
            let outcome = tokio::select! {
                r = self.sync_once() => r,
                _ = shutdown.changed() => return self.stopped(),
            };
            match outcome {
                Ok(report) => {
                    tracing::debug!(?report, "synced");
                    failures = 0;
                    next = Instant::now() + self.config.interval;
                }
                Err(SyncError::Unauthorized) => {
                    self.report(|p| p.phase = Phase::NeedsLogin);
                    return RunOutcome::NeedsLogin;
                }
                Err(e) if e.is_retryable() => {
                    failures = failures.saturating_add(1);
                    // No sooner than the server asked (a busy server says when).
                    let wait = backoff(&self.config, failures).max(
                        e.retry_after()
                            .unwrap_or_default()
                            .min(self.config.backoff_cap),
                    );
                    tracing::info!(error = %e, ?wait, "sync failed; retrying later");
                    self.report(|p| p.phase = Phase::Backoff);
                    next = Instant::now() + wait;
                }
                Err(e) => {
                    // Retrying at once cannot help; the regular tick or a trigger will.
                    tracing::warn!(error = %e, "sync failed");
                    failures = 0;
                    next = Instant::now() + self.config.interval;
                }
            }
        }
    }

    fn stopped(&self) -> RunOutcome {
        self.report(|p| p.phase = Phase::Stopped);
        RunOutcome::Stopped
    }
}

/// How an upload task ended.
enum Uploaded {
    Sent(u64),
    Skipped,
}

async fn upload_one(
    client: &SyncClient,
    photo: &PhotoRow,
    done: &AtomicU64,
    progress: &watch::Sender<Progress>,
) -> Result<Uploaded> {
    let Some(path) = &photo.path else {
        return Err(SyncError::PhotoFile(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "the photo has no file on this device",
        )));
    };
    let add = |n: u64| {
        let total = done.fetch_add(n, Ordering::Relaxed) + n;
        progress.send_modify(|p| p.bytes_done = total);
    };
    if client.photo_exists(&photo.meta.sha256).await? {
        add(photo.meta.bytes);
        return Ok(Uploaded::Skipped);
    }
    let finding = photo
        .meta
        .finding_id
        .as_ref()
        .map(|f| f.as_str().to_owned());
    let outcome = client
        .upload_photo(path, &photo.meta.sha256, finding.as_deref(), add)
        .await?;
    Ok(Uploaded::Sent(outcome.bytes_sent))
}

/// The delay before retry number `failures` (1 = the first): exponential from
/// `backoff_base`, capped at `backoff_cap`, with "equal jitter" — a random point in the upper
/// half — so a county's devices coming back online together do not retry in step.
pub(super) fn backoff(config: &AgentConfig, failures: u32) -> Duration {
    let exp = config
        .backoff_base
        .saturating_mul(1u32 << failures.saturating_sub(1).min(20));
    let ceiling = exp.min(config.backoff_cap);
    let half = ceiling / 2;
    let jitter =
        rand::thread_rng().gen_range(0..=half.as_millis().min(u128::from(u64::MAX)) as u64);
    half + Duration::from_millis(jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_stops_at_the_cap() {
        let config = AgentConfig {
            backoff_base: Duration::from_secs(2),
            backoff_cap: Duration::from_secs(300),
            ..AgentConfig::default()
        };
        for _ in 0..200 {
            let first = backoff(&config, 1);
            assert!(
                first >= Duration::from_secs(1) && first <= Duration::from_secs(2),
                "the first retry waits between half and all of the base: {first:?}"
            );
            let fourth = backoff(&config, 4);
            assert!(
                fourth >= Duration::from_secs(8) && fourth <= Duration::from_secs(16),
                "the fourth waits 2^3 times the base, jittered: {fourth:?}"
            );
            let many = backoff(&config, 40);
            assert!(
                many >= Duration::from_secs(150) && many <= Duration::from_secs(300),
                "a long outage waits at most the cap: {many:?}"
            );
        }
        let spread: std::collections::HashSet<_> = (0..50).map(|_| backoff(&config, 6)).collect();
        assert!(
            spread.len() > 10,
            "devices retry at different moments, not in step: {} distinct delays",
            spread.len()
        );
    }

    #[test]
    fn config_is_kept_within_the_protocol_limits() {
        let store = Arc::new(Store::open_in_memory().unwrap());
        let client = SyncClient::new("http://127.0.0.1:9", None).unwrap();
        let agent = SyncAgent::with_config(
            store,
            client,
            AgentConfig {
                push_batch: 10_000,
                pull_limit: 0,
                parallel_uploads: 0,
                ..AgentConfig::default()
            },
        );
        assert_eq!(
            agent.config.push_batch, MAX_PUSH_OPS,
            "a push larger than the server takes would be refused whole"
        );
        assert_eq!(
            agent.config.pull_limit, 1,
            "a pull asks for at least one change"
        );
        assert_eq!(
            agent.config.parallel_uploads, 1,
            "at least one upload runs, or photos never leave"
        );
    }
}
