//! The real application, in process, on a real listener.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use yiwang_server::seed::{seed_county, small_plan, Seeded};
use yiwang_server::state::{AppState, Settings};
use yiwang_server::storage::Ledger;

use super::{demo_hash, t0, Backend, LedgerView, PASSWORD};

/// The server's clock: fixed at [`t0`] and moved by the test, or the wall clock.
#[derive(Clone)]
pub struct Clock(Option<Arc<Mutex<DateTime<Utc>>>>);

impl Clock {
    pub fn fixed(at: DateTime<Utc>) -> Clock {
        Clock(Some(Arc::new(Mutex::new(at))))
    }

    pub fn wall() -> Clock {
        Clock(None)
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &self.0 {
            Some(t) => *t.lock().expect("the clock lock"),
            None => Utc::now(),
        }
    }

    /// Moves a fixed clock on (a wall clock cannot be moved).
    pub fn advance(&self, d: Duration) {
        let t = self.0.as_ref().expect("only a fixed clock is moved");
        *t.lock().expect("the clock lock") += d;
    }
}

/// A server over its own folder, on `127.0.0.1:0`; dropping it stops it and removes the folder.
pub struct TestServer {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    pub state: AppState,
    pub seeded: Seeded,
    pub http: reqwest::Client,
    pub clock: Clock,
    pub backend: Backend,
    addr: SocketAddr,
    task: Option<tokio::task::JoinHandle<()>>,
    /// Ends the serving task gracefully: axum spawns a task per connection, so aborting the
    /// accept loop alone would leave kept-alive connections served.
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    /// The server's data folder (its ledger and photos).
    pub dir: tempfile::TempDir,
    /// The S3 server its photos are in, when the run asked for one
    /// (`YIWANG_TEST_PHOTO_STORE=s3`); otherwise they are in `dir`.
    pub s3: Option<super::S3Server>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            t.abort();
        }
        // The folder goes with the TempDir; a PostgreSQL ledger is a database of its own.
        self.backend.drop_ledger(self.dir.path());
    }
}

impl TestServer {
    /// The small county on the run's backend, on a fixed clock at [`t0`].
    pub async fn start() -> TestServer {
        Self::start_on(Backend::from_env(), Clock::fixed(t0())).await
    }

    /// The small county on the wall clock, seeded a day ago (for runs whose devices stamp real
    /// times, like the simulator).
    pub async fn start_wall_clock() -> TestServer {
        Self::start_on(Backend::from_env(), Clock::wall()).await
    }

    /// The small county on `backend`, on `clock`, seeded at the clock's time (a day before it
    /// on the wall clock).
    pub async fn start_on(backend: Backend, clock: Clock) -> TestServer {
        Self::start_with(backend, clock, |_| {}).await
    }

    /// [`TestServer::start_on`] with settings changed by `edit` (trusted proxies, …).
    pub async fn start_with(
        backend: Backend,
        clock: Clock,
        edit: impl FnOnce(&mut Settings),
    ) -> TestServer {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let seeded_at = match clock.0 {
            Some(_) => clock.now(),
            None => Utc::now() - Duration::days(1),
        };
        let seeded = Self::open_ledger_on(&backend, &dir)
            .write_blocking(move |tx| seed_county(tx, &small_plan(), demo_hash(), true, seeded_at))
            .expect("the small county seeds");
        let s3 = super::S3Server::asked().then(super::S3Server::start);
        Self::serve(backend, clock, dir, seeded, s3, edit).await
    }

    /// The ledger of `dir` on the run's backend, migrated to this build's schema as it opens.
    pub fn open_ledger(dir: &tempfile::TempDir) -> Ledger {
        Self::open_ledger_on(&Backend::from_env(), dir)
    }

    fn open_ledger_on(backend: &Backend, dir: &tempfile::TempDir) -> Ledger {
        Ledger::open(&backend.ledger_url(dir.path())).expect("the ledger opens")
    }

    /// A server over the ledger already in `dir`, seeded as `seeded` says, on a fixed clock.
    pub async fn over(dir: tempfile::TempDir, seeded: Seeded) -> TestServer {
        let s3 = super::S3Server::asked().then(super::S3Server::start);
        Self::over_with(dir, seeded, s3).await
    }

    /// [`TestServer::over`] with its photos in `s3` (a restarted server keeps its bucket).
    pub async fn over_with(
        dir: tempfile::TempDir,
        seeded: Seeded,
        s3: Option<super::S3Server>,
    ) -> TestServer {
        Self::serve(
            Backend::from_env(),
            Clock::fixed(t0()),
            dir,
            seeded,
            s3,
            |_| {},
        )
        .await
    }

    async fn serve(
        backend: Backend,
        clock: Clock,
        dir: tempfile::TempDir,
        seeded: Seeded,
        s3: Option<super::S3Server>,
        edit: impl FnOnce(&mut Settings),
    ) -> TestServer {
        let ledger = Self::open_ledger_on(&backend, &dir);
        let c = clock.clone();
        let mut settings = Settings {
            demo_mode: true,
            metrics_token: Some(super::METRICS_TOKEN.to_owned()),
            ..Settings::new(dir.path())
        };
        if let Some(s3) = &s3 {
            settings.photo_store = s3.store();
        }
        edit(&mut settings);
        let state = AppState::new(ledger, settings, Arc::new(move || c.now()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let addr = listener.local_addr().expect("a bound address");
        let mut server = TestServer {
            base: format!("http://{addr}"),
            state,
            seeded,
            http: reqwest::Client::new(),
            clock,
            backend,
            addr,
            task: None,
            shutdown: None,
            dir,
            s3,
        };
        server.listen(listener);
        server
    }

    fn listen(&mut self, listener: tokio::net::TcpListener) {
        let app = yiwang_server::app(self.state.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        self.shutdown = Some(tx);
        self.task = Some(tokio::spawn(async move {
            let stop = async move {
                let _ = rx.await;
            };
            yiwang_server::app::serve(listener, app, stop)
                .await
                .expect("the server runs");
        }));
    }

    /// Where its photo files are, as files: `photos/ab/<sha256>.jpg`, `uploads/<id>/<start>`
    /// under the data folder, or under its S3 bucket's folder.
    pub fn photo_files(&self) -> std::path::PathBuf {
        super::s3::photo_files_dir(self.dir.path(), self.s3.as_ref())
    }

    /// Takes the server off its address (a worker walking out of coverage sees this).
    pub async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(mut t) = self.task.take() {
            // Idle connections close at once; a request still running gets 5 s.
            if tokio::time::timeout(std::time::Duration::from_secs(5), &mut t)
                .await
                .is_err()
            {
                t.abort();
                let _ = t.await;
            }
        }
    }

    /// Serves again on the same address and folder.
    pub async fn restart(&mut self) {
        let listener = tokio::net::TcpListener::bind(self.addr)
            .await
            .expect("the same address binds again");
        self.listen(listener);
    }

    /// Rows of `sql` read from the ledger itself (not through the API under test), on either
    /// backend, each column as text (NULL as `None`). Keep `sql` to what both dialects share.
    pub fn ledger_rows(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        super::backend::ledger_rows(&self.backend.ledger_url(self.dir.path()), sql)
    }

    /// Runs `sql` on the ledger, on either backend (see [`super::backend::ledger_execute`]).
    pub fn ledger_execute(&self, sql: &str) {
        super::backend::ledger_execute(&self.backend.ledger_url(self.dir.path()), sql)
    }

    /// The one number `sql` reads from the ledger (see [`TestServer::ledger_rows`]).
    pub fn ledger_number(&self, sql: &str) -> i64 {
        let rows = self.ledger_rows(sql);
        rows.first()
            .and_then(|r| r.first().cloned().flatten())
            .unwrap_or_else(|| panic!("{sql} read no number"))
            .parse()
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn advance(&self, d: Duration) {
        self.clock.advance(d);
    }

    /// The ledger itself, for reads that do not go through the API under test.
    pub fn ledger(&self) -> LedgerView {
        LedgerView::new(self.state.ledger.clone(), &self.base)
    }

    /// An HTTP client whose connections come from `ip` (any of 127.0.0.0/8 on Linux): a second
    /// address for tests of what the server does by the caller's address.
    pub fn http_from(&self, ip: &str) -> reqwest::Client {
        reqwest::Client::builder()
            .local_address(ip.parse::<std::net::IpAddr>().expect("an IP address"))
            .build()
            .expect("a client")
    }

    /// Signs `username` in from a device of the same name (`dev-{username}`): the token.
    pub async fn login(&self, username: &str) -> String {
        self.login_from(username, &format!("dev-{username}")).await
    }

    /// Signs `username` in from device `device`: the token.
    pub async fn login_from(&self, username: &str, device: &str) -> String {
        let resp = self
            .http
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({
                "username": username, "password": PASSWORD,
                "device_id": device, "device_name": "test"
            }))
            .send()
            .await
            .expect("the server answers the login");
        let status = resp.status();
        let body: Value = resp.json().await.expect("the login answers JSON");
        assert_eq!(status, 200, "{username} signs in: {body}");
        body["token"]
            .as_str()
            .unwrap_or_else(|| panic!("the login for {username} carries a token: {body}"))
            .to_owned()
    }

    /// `GET path` without a token (`/healthz`, the OpenAPI document): its body.
    pub async fn public_text(&self, path: &str) -> String {
        self.http
            .get(self.url(path))
            .send()
            .await
            .expect("the server answers")
            .text()
            .await
            .expect("a text body")
    }

    /// `GET /metrics` with the kit's metrics token: the Prometheus text.
    pub async fn metrics(&self) -> String {
        let r = self
            .http
            .get(self.url("/metrics"))
            .bearer_auth(super::METRICS_TOKEN)
            .send()
            .await
            .expect("the server answers");
        assert_eq!(r.status(), 200, "/metrics answers the metrics token");
        r.text().await.expect("a text body")
    }

    /// `GET path` without a token: its JSON body.
    pub async fn public_json(&self, path: &str) -> Value {
        serde_json::from_str(&self.public_text(path).await).expect("a JSON body")
    }

    pub async fn get(&self, token: &str, path: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("the server answers")
    }

    pub async fn post(&self, token: &str, path: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("the server answers")
    }

    /// A GET that must answer 200: its body.
    pub async fn get_json(&self, token: &str, path: &str) -> Value {
        let r = self.get(token, path).await;
        let status = r.status();
        let body: Value = r.json().await.expect("the answer is JSON");
        assert_eq!(status, 200, "GET {path} answers: {body}");
        body
    }

    /// `GET /api/v1/cases/{id}` as `token` sees it.
    pub async fn case_detail(&self, token: &str, id: &str) -> Value {
        self.get_json(token, &format!("/api/v1/cases/{id}")).await
    }

    /// Takes `action` (`{"action": …, …fields}`) on the case as `token`, on the version a fresh
    /// read shows; it must be accepted: the case after it.
    pub async fn act(&self, token: &str, id: &str, action: Value) -> Value {
        let before = self.case_detail(token, id).await;
        let version = before["case"]["version"]
            .as_u64()
            .unwrap_or_else(|| panic!("the case shows its version: {before}"));
        let mut body = action.clone();
        body["base_version"] = json!(version);
        let r = self
            .post(token, &format!("/api/v1/cases/{id}/actions"), &body)
            .await;
        let status = r.status();
        let out: Value = r.json().await.expect("the action answers JSON");
        assert_eq!(status, 200, "{action} is accepted: {out}");
        assert_eq!(
            out["case"]["version"].as_u64(),
            Some(version + 1),
            "{action} adds one event: {out}"
        );
        out["case"].clone()
    }
}

/// The error code of an error response.
pub async fn error_code(resp: reqwest::Response) -> String {
    let body: Value = resp.json().await.expect("errors are JSON");
    body["error"]["code"]
        .as_str()
        .expect("errors carry a code")
        .to_owned()
}
