//! yiwang-app: the Tauri 2 shell of the grid worker's app.
//!
//! The window is thin: each command has the name of a method of
//! [`yiwang_client::app::WorkerApp`], converts its arguments, calls it off the main thread, and
//! returns its error as `{code, message}` ([`AppError`]). No SQL, no rules and no clock live
//! here, so everything the app does is tested headless against `yiwang-client`.
//!
//! Events to the window: `sync-progress` (payload `SyncView`, at most five a second) and
//! `data-changed` (payload `null`) after a sync that sent or pulled anything.
//!
//! Environment: `YIWANG_DATA_DIR` replaces the app data folder; `YIWANG_DEMO_SERVER`,
//! `YIWANG_DEMO_USER`, `YIWANG_DEMO_PASSWORD` fill the login form; `YIWANG_STARTUP_PROBE=1`
//! makes the first `ui_ready` print `first_screen_ms=<ms>` and exit (the cold-start benchmark).

use std::io::Write as _;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use tauri::ipc::{InvokeBody, Request};
use tauri::{AppHandle, Emitter, Manager, Runtime, State};
use yiwang_client::app::views::{
    AppInfo, CaseDetail, CaseSummary, CategoryView, FindingInput, FindingView, HomeView,
    PatrolView, PhotoView, SessionView, Settings, SyncView, TrackPointInput, VerifyInput,
};
use yiwang_client::app::{
    data_dir_from_env, demo_login_from_env, AppConfig, AppError, AppResult, WorkerApp,
};

/// When the process started, as near as we can tell: the first thing `run` does.
static STARTED: OnceLock<Instant> = OnceLock::new();

/// What the app keeps between commands: the facade.
pub struct Shell {
    app: Arc<WorkerApp>,
}

/// Runs `f` on the blocking pool: the store and the photo pipeline block, and a Tauri command
/// must not hold the window's thread.
async fn blocking<T: Send + 'static>(
    state: &State<'_, Shell>,
    f: impl FnOnce(&WorkerApp) -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    let app = state.app.clone();
    tauri::async_runtime::spawn_blocking(move || f(&app))
        .await
        .map_err(|e| AppError::internal(format!("a background task failed ({e}); try again")))?
}

/// A structured argument, read here rather than by Tauri: a value the typed window never sends
/// (a language the app does not speak, an unknown disposition) is then `invalid_input` like any
/// other bad input, not Tauri's own error string.
fn arg<T: serde::de::DeserializeOwned>(name: &str, value: serde_json::Value) -> AppResult<T> {
    serde_json::from_value(value).map_err(|e| AppError::invalid(format!("{name}: {e}")))
}

#[tauri::command]
async fn app_info(state: State<'_, Shell>) -> AppResult<AppInfo> {
    blocking(&state, |a| a.app_info()).await
}

#[tauri::command]
async fn login(
    state: State<'_, Shell>,
    server_url: String,
    username: String,
    password: String,
) -> AppResult<SessionView> {
    state.app.login(&server_url, &username, &password).await
}

#[tauri::command]
async fn logout(state: State<'_, Shell>) -> AppResult<()> {
    state.app.logout().await
}

#[tauri::command]
async fn set_settings(state: State<'_, Shell>, settings: serde_json::Value) -> AppResult<Settings> {
    let settings: Settings = arg("settings", settings)?;
    blocking(&state, move |a| a.set_settings(&settings)).await
}

#[tauri::command]
async fn home(state: State<'_, Shell>) -> AppResult<HomeView> {
    blocking(&state, |a| a.home()).await
}

#[tauri::command]
async fn categories(state: State<'_, Shell>) -> AppResult<Vec<CategoryView>> {
    blocking(&state, |a| a.categories()).await
}

#[tauri::command]
async fn start_patrol(state: State<'_, Shell>) -> AppResult<PatrolView> {
    blocking(&state, |a| a.start_patrol()).await
}

#[tauri::command]
async fn current_patrol(state: State<'_, Shell>) -> AppResult<Option<PatrolView>> {
    blocking(&state, |a| a.current_patrol()).await
}

#[tauri::command]
async fn add_track_points(
    state: State<'_, Shell>,
    patrol_id: String,
    points: Vec<TrackPointInput>,
) -> AppResult<PatrolView> {
    blocking(&state, move |a| a.add_track_points(&patrol_id, &points)).await
}

#[tauri::command]
async fn end_patrol(state: State<'_, Shell>, patrol_id: String) -> AppResult<PatrolView> {
    blocking(&state, move |a| a.end_patrol(&patrol_id)).await
}

/// A header as a coordinate: absent is `None`, anything but a finite number is refused.
fn coordinate(request: &Request<'_>, name: &str) -> AppResult<Option<f64>> {
    let Some(value) = request.headers().get(name) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite())
        .map(Some)
        .ok_or_else(|| AppError::invalid(format!("header {name}: not a coordinate")))
}

/// `invoke('add_photo', bytes, { headers: { 'x-lat': …, 'x-lon': … } })`: the file's bytes as
/// the raw body. Where the webview cannot send a raw body (Android), the bytes arrive as a
/// JSON array of numbers and are taken as well.
#[tauri::command]
async fn add_photo(state: State<'_, Shell>, request: Request<'_>) -> AppResult<PhotoView> {
    let lat = coordinate(&request, "x-lat")?;
    let lon = coordinate(&request, "x-lon")?;
    let bytes: Vec<u8> = match request.body() {
        InvokeBody::Raw(bytes) => bytes.clone(),
        InvokeBody::Json(serde_json::Value::Array(items)) => items
            .iter()
            .map(|v| v.as_u64().and_then(|n| u8::try_from(n).ok()))
            .collect::<Option<_>>()
            .ok_or_else(|| AppError::invalid("the photo body is not a list of bytes"))?,
        InvokeBody::Json(_) => {
            return Err(AppError::invalid(
                "send the photo file's bytes as the request body",
            ))
        }
    };
    blocking(&state, move |a| a.add_photo(&bytes, lat, lon)).await
}

#[tauri::command]
async fn save_finding(state: State<'_, Shell>, input: serde_json::Value) -> AppResult<FindingView> {
    let input: FindingInput = arg("input", input)?;
    blocking(&state, move |a| a.save_finding(&input)).await
}

#[tauri::command]
async fn findings(
    state: State<'_, Shell>,
    patrol_id: Option<String>,
) -> AppResult<Vec<FindingView>> {
    blocking(&state, move |a| a.findings(patrol_id.as_deref())).await
}

#[tauri::command]
async fn my_cases(state: State<'_, Shell>) -> AppResult<Vec<CaseSummary>> {
    blocking(&state, |a| a.my_cases()).await
}

#[tauri::command]
async fn case_detail(state: State<'_, Shell>, case_id: String) -> AppResult<CaseDetail> {
    blocking(&state, move |a| a.case_detail(&case_id)).await
}

#[tauri::command]
async fn verification_tasks(state: State<'_, Shell>) -> AppResult<Vec<CaseSummary>> {
    blocking(&state, |a| a.verification_tasks()).await
}

#[tauri::command]
async fn verify_case(state: State<'_, Shell>, input: serde_json::Value) -> AppResult<CaseDetail> {
    let input: VerifyInput = arg("input", input)?;
    blocking(&state, move |a| a.verify_case(&input)).await
}

#[tauri::command]
async fn photo(state: State<'_, Shell>, sha256: String) -> AppResult<PhotoView> {
    blocking(&state, move |a| a.photo(&sha256)).await
}

#[tauri::command]
async fn sync_status(state: State<'_, Shell>) -> AppResult<SyncView> {
    blocking(&state, |a| a.sync_status()).await
}

#[tauri::command]
async fn dismiss_rejected(state: State<'_, Shell>, op_id: String) -> AppResult<SyncView> {
    blocking(&state, move |a| a.dismiss_rejected(&op_id)).await
}

#[tauri::command]
async fn sync_now(state: State<'_, Shell>) -> AppResult<()> {
    blocking(&state, |a| a.sync_now()).await
}

/// The window's first screen is up. Under `YIWANG_STARTUP_PROBE=1` the app reports how long
/// that took since the process started, and exits at once: the figure is printed, and an
/// orderly shutdown would only race the first screen's other commands still in flight (which
/// made about one probe in thirteen end with a panic's exit status under load).
#[tauri::command]
async fn ui_ready() -> AppResult<()> {
    if std::env::var("YIWANG_STARTUP_PROBE").as_deref() == Ok("1") {
        let ms = STARTED.get().map_or(0, |t| t.elapsed().as_millis());
        let mut out = std::io::stdout();
        let _ = writeln!(out, "first_screen_ms={ms}");
        let _ = out.flush();
        std::process::exit(0);
    }
    Ok(())
}

include!("commands.in.rs");

/// Forwards the facade's sync view and data-changed signal to the window as events.
fn forward_events<R: Runtime>(handle: AppHandle<R>, app: &WorkerApp) {
    let mut views = app.subscribe_sync();
    let mut data = app.subscribe_data_changed();
    tauri::async_runtime::spawn(async move {
        loop {
            tokio::select! {
                changed = views.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    let view = views.borrow_and_update().clone();
                    if let Err(e) = handle.emit("sync-progress", view) {
                        tracing::warn!(error = %e, "the sync progress could not reach the window");
                    }
                }
                changed = data.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    data.borrow_and_update();
                    if let Err(e) = handle.emit("data-changed", ()) {
                        tracing::warn!(error = %e, "data-changed could not reach the window");
                    }
                }
            }
        }
    });
}

/// Opens the facade in the app's data folder and starts syncing if someone is signed in.
fn open_app<R: Runtime>(app: &tauri::App<R>) -> Result<Arc<WorkerApp>, Box<dyn std::error::Error>> {
    let dir = match data_dir_from_env() {
        Some(dir) => dir,
        None => app.path().app_data_dir()?,
    };
    let config = AppConfig {
        version: app.package_info().version.to_string(),
        demo_login: demo_login_from_env(),
        runtime: Some(tauri::async_runtime::handle().inner().clone()),
        ..AppConfig::default()
    };
    let worker = Arc::new(WorkerApp::open(&dir, config)?);
    // The agent runs on the runtime from here on: right away when a session has a token,
    // otherwise after the next online sign-in.
    let started = worker.start_agent()?;
    tracing::info!(data_dir = %dir.display(), syncing = started, "the app is open");
    Ok(worker)
}

/// Opens the facade, forwards its events to the window and hands it to the commands: what
/// the builder's setup does (a test on the mock runtime, where setup waits for an event loop,
/// calls it itself).
pub fn init<R: Runtime>(app: &tauri::App<R>) -> Result<(), Box<dyn std::error::Error>> {
    let worker = open_app(app)?;
    forward_events(app.handle().clone(), &worker);
    app.manage(Shell { app: worker });
    Ok(())
}

/// The app's builder on any runtime: setup (the facade, the agent, the event forwarding) and
/// the commands. A test passes `tauri::test::mock_builder()`.
pub fn builder<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .setup(|app| init(app))
        .invoke_handler(tauri::generate_handler![
            app_info,
            login,
            logout,
            set_settings,
            home,
            categories,
            start_patrol,
            current_patrol,
            add_track_points,
            end_patrol,
            add_photo,
            save_finding,
            findings,
            my_cases,
            case_detail,
            verification_tasks,
            verify_case,
            photo,
            sync_status,
            sync_now,
            dismiss_rejected,
            ui_ready,
        ])
}

/// The app's context: `tauri.conf.json`, the capabilities and the window's files.
pub fn context<R: Runtime>() -> tauri::Context<R> {
    tauri::generate_context!()
}

/// Builds and runs the app on any runtime.
pub fn run_app<R: Runtime>(b: tauri::Builder<R>) {
    builder(b)
        .run(context())
        .expect("error while running the Yiwang app");
}

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    STARTED.get_or_init(Instant::now);
    run_app(tauri::Builder::default());
}
