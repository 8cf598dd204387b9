//! A real server on `127.0.0.1:0` over a fresh ledger in a temporary folder, seeded with the
//! small test county (`seed::small_plan`), every user's password `demo`, on a clock the test
//! controls. Dropping it stops the server and removes the folder.
#![allow(dead_code)]

pub mod console;

use chrono::{DateTime, Duration, Utc};
use std::sync::{Arc, Mutex, OnceLock};
use yiwang_server::seed::{seed_county, small_plan, Seeded};
use yiwang_server::state::{AppState, Settings};
use yiwang_server::storage::Ledger;

pub const PASSWORD: &str = "demo";

fn demo_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| yiwang_server::auth::hash_password(PASSWORD).unwrap())
}

pub struct TestServer {
    pub base: String,
    pub state: AppState,
    pub seeded: Seeded,
    pub http: reqwest::Client,
    now: Arc<Mutex<DateTime<Utc>>>,
    task: tokio::task::JoinHandle<()>,
    pub dir: tempfile::TempDir,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestServer {
    /// Thursday 2026-11-26 09:00 Beijing time, unless moved.
    pub fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-26T09:00:00+08:00")
            .unwrap()
            .with_timezone(&Utc)
    }

    pub async fn start() -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let t0 = Self::t0();
        let seeded = Self::open_ledger(&dir)
            .write_blocking(move |tx| seed_county(tx, &small_plan(), demo_hash(), true, t0))
            .expect("the small county seeds");
        Self::over(dir, seeded).await
    }

    /// The ledger of `dir` (`ledger.sqlite`), migrated to this build's schema as it opens.
    pub fn open_ledger(dir: &tempfile::TempDir) -> Ledger {
        Ledger::open(&format!(
            "sqlite:{}",
            dir.path().join("ledger.sqlite").display()
        ))
        .expect("the ledger opens")
    }

    /// A server over the ledger already in `dir`, seeded as `seeded` says, at `t0`.
    pub async fn over(dir: tempfile::TempDir, seeded: Seeded) -> TestServer {
        let ledger = Self::open_ledger(&dir);
        let now = Arc::new(Mutex::new(Self::t0()));
        let clock_now = now.clone();
        let state = AppState::new(
            ledger.clone(),
            Settings {
                data_dir: dir.path().to_path_buf(),
                demo_mode: true,
            },
            Arc::new(move || *clock_now.lock().unwrap()),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = yiwang_server::app(state.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        TestServer {
            base: format!("http://{addr}"),
            state,
            seeded,
            http: reqwest::Client::new(),
            now,
            task,
            dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap()
    }

    pub fn advance(&self, d: Duration) {
        *self.now.lock().unwrap() += d;
    }

    /// Signs `username` in from a device of the same name; returns the bearer token.
    pub async fn login(&self, username: &str) -> String {
        let resp = self
            .http
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({
                "username": username, "password": PASSWORD,
                "device_id": format!("dev-{username}"), "device_name": "test"
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{username} signs in");
        let body: serde_json::Value = resp.json().await.unwrap();
        body["token"].as_str().unwrap().to_owned()
    }

    pub async fn get(&self, token: &str, path: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn post(
        &self,
        token: &str,
        path: &str,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }
}

/// The error code of an error response.
pub async fn error_code(resp: reqwest::Response) -> String {
    let body: serde_json::Value = resp.json().await.expect("errors are JSON");
    body["error"]["code"]
        .as_str()
        .expect("errors carry a code")
        .to_owned()
}
