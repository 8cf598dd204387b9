//! The app facade: [`WorkerApp`], everything the grid worker's window can ask for, headless.
//!
//! It owns the device's [`Store`], the [`PhotoPipeline`] and the [`PhotoFiles`] folder, the
//! settings, and the background [`SyncAgent`] loop. Every method of the worker app contract
//! (issue 5) is a method here, with the same name; the Tauri shell only converts arguments
//! and forwards. Views ([`views`]) are presentation: the rules — which patrol is open, what a
//! case allows — come from the store and from `yiwang_core::workflow`.
//!
//! Vocabulary:
//! - **session**: who is signed in. An **online** sign-in gets a token from the server and
//!   keeps a local argon2id verifier of the password; an **offline** sign-in checks the
//!   password against that verifier and has no token (`needs_login`), so work is recorded but
//!   nothing is sent until the next online sign-in.
//! - **unsynced work**: ops or photo files that have not reached the server. While any wait,
//!   logout and signing in as another user are refused (`unsynced_work`).
//! - **agent**: the [`SyncAgent::run`] loop on the runtime the app was given; woken a few
//!   seconds after each new finding or decision, and at once by `sync_now`.

pub mod error;
mod field;
pub mod generated;
mod present;
pub mod views;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use yiwang_core::error::ErrorCode;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use tokio::runtime::Handle;
use tokio::sync::{mpsc, watch};

pub use error::AppResult;
pub use views::AppError;
use views::{AppInfo, DemoLogin, Language, SessionView, Settings, SyncView};

use crate::photo::{PhotoFiles, PhotoPipeline};
use crate::store::{Session, Store};
use crate::sync::{
    AgentConfig, ClientConfig, Phase, Progress, RunOutcome, SyncAgent, SyncClient, SyncError,
    Trigger,
};

/// How often, at most, the sync view is rebuilt for the window: five times a second.
const VIEW_THROTTLE: Duration = Duration::from_millis(200);

/// How the app is put together. `Default` is what the shipped app uses.
#[derive(Clone)]
pub struct AppConfig {
    /// The agent's timings (tests shorten them).
    pub agent: AgentConfig,
    /// The HTTP client's timeouts.
    pub client: ClientConfig,
    /// The app's version, shown in the settings.
    pub version: String,
    /// The account the login form is filled in with in a demo.
    pub demo_login: Option<DemoLogin>,
    /// The runtime the sync agent runs on; without one, the runtime current at the first
    /// sign-in (or `sync_now`), if any.
    pub runtime: Option<Handle>,
    /// Replaces the wall clock (tests).
    pub clock: Option<Arc<dyn Fn() -> chrono::DateTime<chrono::Utc> + Send + Sync>>,
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            agent: AgentConfig::default(),
            client: ClientConfig::default(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            demo_login: None,
            runtime: None,
            clock: None,
        }
    }
}

impl std::fmt::Debug for AppConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppConfig")
            .field("agent", &self.agent)
            .field("client", &self.client)
            .field("version", &self.version)
            .field("demo_login", &self.demo_login.as_ref().map(|d| &d.username))
            .finish_non_exhaustive()
    }
}

/// The agent loop while it runs.
struct RunningAgent {
    triggers: mpsc::Sender<Trigger>,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<RunOutcome>,
}

/// The worker's app, headless. Cheap to share behind an `Arc`; every method is safe to call
/// from several threads.
pub struct WorkerApp {
    store: Arc<Store>,
    pipeline: PhotoPipeline,
    files: PhotoFiles,
    config: AppConfig,
    agent: Mutex<Option<RunningAgent>>,
    /// The latest progress of whichever agent ran last: stable across sign-ins.
    progress: Arc<watch::Sender<Progress>>,
    /// The sync view, rebuilt (throttled) on every progress change once an agent ran.
    sync_view: Arc<watch::Sender<SyncView>>,
    /// Bumped after a sync that sent or pulled anything.
    data_changed: Arc<watch::Sender<u64>>,
    view_task_started: AtomicBool,
    online: Arc<AtomicBool>,
}

impl std::fmt::Debug for WorkerApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerApp")
            .field("data_dir", &self.files.dir().parent())
            .finish_non_exhaustive()
    }
}

impl Drop for WorkerApp {
    fn drop(&mut self) {
        if let Some(running) = self.agent_slot().take() {
            let _ = running.shutdown.send(true);
        }
    }
}

impl WorkerApp {
    /// Opens the app's data folder: `yiwang.sqlite` (the store) and `photos/`.
    pub fn open(data_dir: impl AsRef<Path>, config: AppConfig) -> AppResult<Self> {
        let dir = data_dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|e| {
            AppError::internal(format!(
                "the app's data folder {} cannot be made ({e}); check free storage",
                dir.display()
            ))
        })?;
        let mut store = Store::open(dir.join("yiwang.sqlite"))?;
        if let Some(clock) = config.clock.clone() {
            store = store.with_clock(move || clock());
        }
        let files = PhotoFiles::open(dir.join("photos"))?;
        let (progress, _) = watch::channel(Progress::default());
        let app = Self {
            store: Arc::new(store),
            pipeline: PhotoPipeline::default(),
            files,
            config,
            agent: Mutex::new(None),
            progress: Arc::new(progress),
            sync_view: Arc::new(watch::channel(empty_sync_view()).0),
            data_changed: Arc::new(watch::channel(0).0),
            view_task_started: AtomicBool::new(false),
            online: Arc::new(AtomicBool::new(false)),
        };
        let view = app.sync_status()?;
        app.sync_view.send_replace(view);
        Ok(app)
    }

    /// The device's store (tests, benchmarks).
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Where photo files live.
    pub fn photo_dir(&self) -> &Path {
        self.files.dir()
    }

    fn agent_slot(&self) -> MutexGuard<'_, Option<RunningAgent>> {
        self.agent.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn runtime(&self) -> Option<Handle> {
        self.config
            .runtime
            .clone()
            .or_else(|| Handle::try_current().ok())
    }

    fn session(&self) -> AppResult<Session> {
        self.store.session()?.ok_or_else(AppError::not_logged_in)
    }

    fn english(&self) -> bool {
        self.settings()
            .map(|s| s.language == Language::En)
            .unwrap_or(false)
    }

    /// Ops and photo files not yet on the server.
    fn unsynced(&self) -> AppResult<u32> {
        let ops = u32::try_from(self.store.outbox_counts()?.waiting).unwrap_or(u32::MAX);
        Ok(ops.saturating_add(self.store.photos_waiting_count()?))
    }

    // ---- session ------------------------------------------------------------------------

    /// `app_info`: this installation, who is signed in, the settings.
    pub fn app_info(&self) -> AppResult<AppInfo> {
        let device = self.store.device()?;
        Ok(AppInfo {
            device_id: device.id.0,
            device_name: device.name,
            version: self.config.version.clone(),
            session: self.store.session()?.as_ref().map(session_view),
            settings: self.settings()?,
            demo_login: self.config.demo_login.clone(),
        })
    }

    /// `login`: online if the server answers; else offline against the verifier kept from an
    /// earlier online sign-in of the same user on this device.
    pub async fn login(
        &self,
        server_url: &str,
        username: &str,
        password: &str,
    ) -> AppResult<SessionView> {
        let username = username.trim();
        if server_url.trim().is_empty() || username.is_empty() || password.is_empty() {
            return Err(AppError::invalid(
                "enter the server address, your user name and your password",
            ));
        }
        let client = SyncClient::with_config(server_url.trim(), None, self.client_config()?)?;
        let url = client.server_url().to_owned();
        let current = self.store.session()?;
        let same_user = current
            .as_ref()
            .is_some_and(|s| s.user.username == username && s.server_url == url);
        if current.is_some() && !same_user {
            let waiting = self.unsynced()?;
            if waiting > 0 {
                return Err(AppError::unsynced_work(waiting));
            }
        }
        self.stop_agent().await;
        let result = self
            .sign_in(
                &client,
                &url,
                username,
                password,
                current.as_ref(),
                same_user,
            )
            .await;
        if result.is_err() {
            // The session that was there (if any) goes on syncing.
            let _ = self.start_agent();
        }
        result
    }

    async fn sign_in(
        &self,
        client: &SyncClient,
        url: &str,
        username: &str,
        password: &str,
        current: Option<&Session>,
        same_user: bool,
    ) -> AppResult<SessionView> {
        let device = self.store.device()?;
        match client
            .login(username, password, &device.id, &device.name)
            .await
        {
            Ok(answer) => {
                let password = password.to_owned();
                let verifier =
                    tokio::task::spawn_blocking(move || hash_password(&password)).await??;
                self.store.set_session(url, &answer.token, &answer.user)?;
                self.store.set_local_login(url, &answer.user, &verifier)?;
                self.store.set_settings(&[("server_url", url)])?;
                self.online.store(true, Ordering::Relaxed);
                self.start_agent()?;
                Ok(session_view(&self.session()?))
            }
            Err(e) if e.is_retryable() => {
                self.online.store(false, Ordering::Relaxed);
                let offline_code = AppError::from(e);
                let Some(known) = self.store.local_login(url, username)? else {
                    return Err(AppError {
                        code: offline_code.code.clone(),
                        message: format!(
                            "the server cannot be reached and {username} has not signed in on \
                             this device before; sign in once with a connection ({})",
                            offline_code.message
                        ),
                    });
                };
                let password = password.to_owned();
                let verifier = known.verifier.clone();
                let ok = tokio::task::spawn_blocking(move || verify_password(&password, &verifier))
                    .await?;
                if !ok {
                    return Err(wrong_credentials());
                }
                if same_user && current.is_some_and(|s| s.token.is_some()) {
                    // Still holding a good token: keep it, and keep syncing when the network
                    // comes back.
                    self.start_agent()?;
                } else {
                    self.store.set_offline_session(url, &known.user)?;
                }
                Ok(session_view(&self.session()?))
            }
            Err(SyncError::Unauthorized) => Err(wrong_credentials()),
            Err(e) => Err(e.into()),
        }
    }

    /// `logout`: refused while ops or photos wait; else revokes the token (best effort) and
    /// forgets the session. The verifier stays, so the same user can sign in offline later.
    pub async fn logout(&self) -> AppResult<()> {
        let waiting = self.unsynced()?;
        if waiting > 0 {
            return Err(AppError::unsynced_work(waiting));
        }
        let Some(session) = self.store.session()? else {
            return Ok(());
        };
        self.stop_agent().await;
        if session.token.is_some() {
            if let Ok(client) =
                SyncClient::with_config(&session.server_url, session.token, self.client_config()?)
            {
                // Best effort: a token the server cannot revoke now expires there on its own.
                let _ = tokio::time::timeout(Duration::from_secs(5), client.logout()).await;
            }
        }
        self.store.clear_session().map_err(|e| match e {
            // Work was recorded between the check and now.
            crate::store::StoreError::Invalid { .. } => {
                AppError::new(ErrorCode::UnsyncedWork, e.to_string())
            }
            other => other.into(),
        })?;
        self.progress.send_replace(Progress::default());
        self.refresh_sync_view();
        Ok(())
    }

    /// The settings, with defaults for what was never set.
    pub fn settings(&self) -> AppResult<Settings> {
        let language = self
            .store
            .setting("language")?
            .map_or(Language::ZhCn, |l| Language::parse(&l));
        let watermark = self.store.setting("watermark")?.as_deref() != Some("false");
        let server_url = match self.store.setting("server_url")? {
            Some(url) => url,
            None => self
                .store
                .session()?
                .map(|s| s.server_url)
                .or_else(|| {
                    self.config
                        .demo_login
                        .as_ref()
                        .map(|d| d.server_url.clone())
                })
                .unwrap_or_default(),
        };
        Ok(Settings {
            language,
            watermark,
            server_url,
            insecure_http: self.insecure_http()?,
        })
    }

    fn insecure_http(&self) -> AppResult<bool> {
        Ok(self.store.setting("insecure_http")?.as_deref() == Some("true"))
    }

    /// The HTTP client's configuration with the user's insecure switch.
    fn client_config(&self) -> AppResult<ClientConfig> {
        Ok(ClientConfig {
            allow_insecure_http: self.insecure_http()?,
            ..self.config.client
        })
    }

    /// `set_settings`: stores them whole, after checking each.
    pub fn set_settings(&self, settings: &Settings) -> AppResult<Settings> {
        let url = settings.server_url.trim();
        if !url.is_empty() {
            let config = ClientConfig {
                allow_insecure_http: settings.insecure_http,
                ..self.config.client
            };
            SyncClient::with_config(url, None, config)?;
        }
        self.store.set_settings(&[
            ("language", settings.language.as_str()),
            (
                "watermark",
                if settings.watermark { "true" } else { "false" },
            ),
            ("server_url", url),
            (
                "insecure_http",
                if settings.insecure_http {
                    "true"
                } else {
                    "false"
                },
            ),
        ])?;
        self.settings()
    }

    // ---- sync ---------------------------------------------------------------------------

    /// Starts the agent loop for the stored session, if it has a token and a runtime is at
    /// hand and it is not running already. Returns whether it runs.
    pub fn start_agent(&self) -> AppResult<bool> {
        let mut slot = self.agent_slot();
        if slot.as_ref().is_some_and(|r| !r.task.is_finished()) {
            return Ok(true);
        }
        let Some(handle) = self.runtime() else {
            return Ok(false);
        };
        let Some(session) = self.store.session()? else {
            return Ok(false);
        };
        if session.token.is_none() {
            return Ok(false);
        }
        self.start_view_task(&handle);
        let client =
            SyncClient::with_config(&session.server_url, session.token, self.client_config()?)?;
        let agent = SyncAgent::with_config(self.store.clone(), client, self.config.agent)
            .with_photo_files(self.files.clone());
        let (triggers, trigger_rx) = mpsc::channel(32);
        let (shutdown, shutdown_rx) = watch::channel(false);
        let mut agent_progress = agent.subscribe();
        let stable = self.progress.clone();
        handle.spawn(async move {
            // Ends when the agent is gone (its sender dropped).
            while agent_progress.changed().await.is_ok() {
                let p = agent_progress.borrow_and_update().clone();
                stable.send_replace(p);
            }
        });
        let task = handle.spawn(async move { agent.run(trigger_rx, shutdown_rx).await });
        *slot = Some(RunningAgent {
            triggers,
            shutdown,
            task,
        });
        Ok(true)
    }

    /// Stops the agent loop and waits (briefly) for it to let go.
    pub async fn stop_agent(&self) {
        let running = self.agent_slot().take();
        if let Some(running) = running {
            let _ = running.shutdown.send(true);
            let _ = tokio::time::timeout(Duration::from_secs(5), running.task).await;
        }
    }

    /// Wakes the agent (`trigger`), starting it first if it should run.
    fn wake(&self, trigger: Trigger) -> AppResult<bool> {
        if !self.start_agent()? {
            return Ok(false);
        }
        if let Some(r) = self.agent_slot().as_ref() {
            // A full queue already holds a wake-up.
            let _ = r.triggers.try_send(trigger);
        }
        Ok(true)
    }

    /// `sync_now`: wakes the agent at once.
    pub fn sync_now(&self) -> AppResult<()> {
        if self.wake(Trigger::OnDemand)? {
            return Ok(());
        }
        match self.store.session()? {
            None => Err(AppError::not_logged_in()),
            Some(s) if s.token.is_none() => Err(AppError::new(
                ErrorCode::NotLoggedIn,
                "sign in with a connection to send your records; they are kept on this device",
            )),
            Some(_) => Err(AppError::internal(
                "the app has no background runtime to sync on; restart the app",
            )),
        }
    }

    /// `sync_status`: the sync screen.
    pub fn sync_status(&self) -> AppResult<SyncView> {
        let progress = self.progress.borrow().clone();
        build_sync_view(&self.store, &progress, self.online.load(Ordering::Relaxed))
    }

    /// `dismiss_rejected`: the worker has read why the server refused an op ("知道了"); it
    /// leaves the sync screen and the badges (its record still reads as rejected). The new view.
    pub fn dismiss_rejected(&self, op_id: &str) -> AppResult<SyncView> {
        if op_id.trim().is_empty() {
            return Err(AppError::invalid("op_id: name the refused op to dismiss"));
        }
        self.store
            .dismiss_rejected(&yiwang_core::ids::OpId::new(op_id.trim()))?;
        let view = self.sync_status()?;
        self.sync_view.send_replace(view.clone());
        self.data_changed.send_modify(|n| *n += 1);
        Ok(view)
    }

    /// The sync view, rebuilt at most five times a second while the agent reports progress.
    pub fn subscribe_sync(&self) -> watch::Receiver<SyncView> {
        self.sync_view.subscribe()
    }

    /// A counter bumped after each sync that sent or pulled anything: the window reloads.
    pub fn subscribe_data_changed(&self) -> watch::Receiver<u64> {
        self.data_changed.subscribe()
    }

    /// The agent's raw progress (benchmarks, tests).
    pub fn subscribe_progress(&self) -> watch::Receiver<Progress> {
        self.progress.subscribe()
    }

    pub(crate) fn refresh_sync_view(&self) {
        if let Ok(view) = self.sync_status() {
            self.sync_view.send_replace(view);
        }
    }

    /// Rebuilds the sync view on each progress change (at most every [`VIEW_THROTTLE`]), tells
    /// online from offline by how syncs end, and bumps `data_changed` after a sync that did
    /// something. Holds no reference to the app: it ends when the app and its agents are gone.
    fn start_view_task(&self, handle: &Handle) {
        if self.view_task_started.swap(true, Ordering::SeqCst) {
            return;
        }
        let store = self.store.clone();
        let mut progress = self.progress.subscribe();
        let sync_view = self.sync_view.clone();
        let data_changed = self.data_changed.clone();
        let online = self.online.clone();
        handle.spawn(async move {
            let mut last_sync = {
                let s = store.clone();
                tokio::task::spawn_blocking(move || s.last_sync_at().ok().flatten())
                    .await
                    .ok()
                    .flatten()
            };
            while progress.changed().await.is_ok() {
                let p = progress.borrow_and_update().clone();
                let s = store.clone();
                let Ok(synced_at) =
                    tokio::task::spawn_blocking(move || s.last_sync_at().ok().flatten()).await
                else {
                    break;
                };
                if p.phase == Phase::Backoff {
                    online.store(false, Ordering::Relaxed);
                }
                if synced_at != last_sync {
                    last_sync = synced_at;
                    online.store(true, Ordering::Relaxed);
                    if p.ops_done > 0 || p.pulled > 0 {
                        data_changed.send_modify(|n| *n += 1);
                    }
                }
                let is_online = online.load(Ordering::Relaxed);
                let s = store.clone();
                let built =
                    tokio::task::spawn_blocking(move || build_sync_view(&s, &p, is_online)).await;
                if let Ok(Ok(v)) = built {
                    sync_view.send_replace(v);
                }
                tokio::time::sleep(VIEW_THROTTLE).await;
            }
        });
    }
}

fn empty_sync_view() -> SyncView {
    SyncView {
        phase: Phase::Idle,
        ops_done: 0,
        ops_total: 0,
        bytes_done: 0.0,
        bytes_total: 0.0,
        last_error: None,
        last_sync_at: None,
        online: false,
        needs_login: false,
        waiting: vec![],
        rejected: vec![],
        photos_waiting: 0,
    }
}

/// The most waiting ops the sync screen lists (the count is complete).
const LISTED_WAITING: u32 = 200;

fn build_sync_view(store: &Store, p: &Progress, online: bool) -> AppResult<SyncView> {
    let session = store.session()?;
    let english = store.setting("language")?.as_deref() == Some("en");
    let reference = present::Reference::load(store, english)?;
    let needs_login = session.as_ref().is_some_and(|s| s.token.is_none());
    let phase = if needs_login {
        Phase::NeedsLogin
    } else {
        p.phase
    };
    let waiting = store
        .outbox_waiting(LISTED_WAITING)?
        .iter()
        .map(|e| present::outbox_item(store, &reference, e))
        .collect();
    let rejected = store
        .outbox_rejected()?
        .iter()
        .map(|e| present::outbox_item(store, &reference, e))
        .collect();
    Ok(SyncView {
        phase,
        ops_done: u32::try_from(p.ops_done).unwrap_or(u32::MAX),
        ops_total: u32::try_from(p.ops_total).unwrap_or(u32::MAX),
        bytes_done: p.bytes_done as f64,
        bytes_total: p.bytes_total as f64,
        last_error: p.last_error.clone(),
        last_sync_at: store.last_sync_at()?.map(present::rfc3339),
        online,
        needs_login,
        waiting,
        rejected,
        photos_waiting: store.photos_waiting_count()?,
    })
}

fn session_view(s: &Session) -> SessionView {
    SessionView {
        server_url: s.server_url.clone(),
        username: s.user.username.clone(),
        display_name: s.user.display_name.clone(),
        role: s.user.role,
        needs_login: s.token.is_none(),
    }
}

fn wrong_credentials() -> AppError {
    AppError::new(
        ErrorCode::WrongCredentials,
        "the user name or password is not right; check them and try again",
    )
}

/// An argon2id PHC string of `password` with a random salt.
fn hash_password(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| {
            AppError::internal(format!(
                "the password could not be kept for offline sign-in: {e}"
            ))
        })
}

fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Where the app keeps its data when nothing else is said: `$YIWANG_DATA_DIR`, if set.
pub fn data_dir_from_env() -> Option<PathBuf> {
    std::env::var_os("YIWANG_DATA_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The demo account from `YIWANG_DEMO_SERVER`, `YIWANG_DEMO_USER` and
/// `YIWANG_DEMO_PASSWORD`, when all three are set.
pub fn demo_login_from_env() -> Option<DemoLogin> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    Some(DemoLogin {
        server_url: var("YIWANG_DEMO_SERVER")?,
        username: var("YIWANG_DEMO_USER")?,
        password: var("YIWANG_DEMO_PASSWORD")?,
    })
}
