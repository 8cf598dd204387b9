//! yiwang-app: the Tauri 2 shell of the grid worker's app.
//!
//! The window is thin: each command converts its arguments, calls `yiwang-client`, and maps
//! the error to `{code, message}`. No SQL, no rules and no clock live here, so everything the
//! app does can be tested headless against `yiwang-client`.

use serde::Serialize;
use std::sync::Mutex;
use tauri::{Manager, Runtime, State};
use yiwang_client::store::{Store, StoreError};

/// The error every command returns; the UI branches on `code` only.
#[derive(Debug, Serialize)]
pub struct CommandError {
    pub code: String,
    pub message: String,
}

impl From<StoreError> for CommandError {
    fn from(e: StoreError) -> Self {
        CommandError {
            code: e.code().to_owned(),
            message: e.to_string(),
        }
    }
}

/// What the app keeps between commands: the device's store.
pub struct AppState {
    store: Mutex<Store>,
}

impl AppState {
    fn store(&self) -> Result<std::sync::MutexGuard<'_, Store>, CommandError> {
        self.store.lock().map_err(|_| CommandError {
            code: "internal".into(),
            message: "the local store is unavailable; restart the app".into(),
        })
    }
}

/// This installation's id (made once, on first start).
#[tauri::command]
fn device_id(state: State<'_, AppState>) -> Result<String, CommandError> {
    Ok(state.store()?.device_id()?.to_string())
}

/// Builds and runs the app on any runtime, so a test can pass `tauri::test::mock_builder()`.
pub fn run_app<R: Runtime>(builder: tauri::Builder<R>) {
    builder
        .setup(|app| {
            let dir = app.path().app_data_dir()?;
            std::fs::create_dir_all(&dir)?;
            let store = Store::open(dir.join("yiwang.sqlite"))?;
            app.manage(AppState {
                store: Mutex::new(store),
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![device_id])
        .run(tauri::generate_context!())
        .expect("error while running the Yiwang app");
}

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    run_app(tauri::Builder::default());
}
