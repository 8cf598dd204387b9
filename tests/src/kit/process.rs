//! The real `yiwang-server` binary, for tests that kill it and start it again.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

/// The server binary built beside this test (a workspace `cargo test` builds it), or the one
/// `YIWANG_SERVER_BIN` names (several checkouts sharing one target folder overwrite each
/// other's `target/debug/yiwang-server`).
pub fn server_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(bin) = std::env::var_os("YIWANG_SERVER_BIN") {
            return PathBuf::from(bin);
        }
        let exe = std::env::current_exe().expect("the test knows its own path");
        let bin = exe
            .parent()
            .and_then(Path::parent)
            .expect("the test runs from target/<profile>/deps")
            .join(format!("yiwang-server{}", std::env::consts::EXE_SUFFIX));
        assert!(
            bin.is_file(),
            "the server binary {} is missing: run `cargo build -p yiwang-server` (a workspace \
             `cargo test` builds it)",
            bin.display()
        );
        bin
    })
    .clone()
}

/// `yiwang-server verify-ledger` on the ledger at `url` (data folder `dir`), the command
/// operators run: requires every case chain to verify (`after` says after what, for the
/// message); what it printed.
pub fn verify_ledger(dir: &Path, url: &str, after: &str) -> String {
    let out = std::process::Command::new(server_bin())
        .args(["verify-ledger", "--data-dir"])
        .arg(dir)
        .args(["--database", url])
        .env_remove("YIWANG_DATABASE_URL")
        .env_remove("YIWANG_DATA_DIR")
        .output()
        .expect("verify-ledger runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "verify-ledger passes after {after}: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// A port nobody listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("a bound address")
        .port()
}

/// `yiwang-server serve` on one data folder and one port, restarted there after each kill.
pub struct ServerProcess {
    pub dir: PathBuf,
    pub port: u16,
    child: Option<Child>,
    pub http: reqwest::Client,
    /// Extra arguments after the command (a `--database`, …).
    pub args: Vec<String>,
    /// Extra environment (an S3 photo store's, …).
    pub env: Vec<(String, String)>,
    /// `serve`, or `demo` for [`ServerProcess::demo`].
    command: &'static str,
    /// `http`, or `https` after [`ServerProcess::with_tls`].
    scheme: &'static str,
}

impl ServerProcess {
    /// A server for the ledger and photos in `dir`, on a free port (not started yet).
    pub fn new(dir: &Path) -> ServerProcess {
        ServerProcess {
            dir: dir.to_path_buf(),
            port: free_port(),
            child: None,
            http: reqwest::Client::new(),
            args: vec![],
            env: vec![],
            command: "serve",
            scheme: "http",
        }
    }

    /// `yiwang-server demo` on `dir`: the first start seeds the reference county (give it
    /// [`ServerProcess::start_within`] a few minutes in a debug build), later starts serve it.
    pub fn demo(dir: &Path) -> ServerProcess {
        let mut server = ServerProcess::new(dir);
        server.command = "demo";
        // The API alone: no console files to serve.
        server.args.extend([
            "--console-dir".to_owned(),
            dir.join("no-console").display().to_string(),
        ]);
        server
    }

    /// The running server's process id.
    pub fn pid(&self) -> u32 {
        self.child
            .as_ref()
            .and_then(Child::id)
            .expect("the server is running")
    }

    /// The most memory the running server has held since it started (`VmHWM`), in KiB.
    pub fn peak_rss_kib(&self) -> u64 {
        super::peak_rss_kib(self.pid()).expect("the server's /proc status")
    }

    /// The same server over HTTPS with the PEM certificate `cert` and key `key`; its client
    /// trusts that certificate alone.
    pub fn with_tls(mut self, cert: &Path, key: &Path) -> ServerProcess {
        let pem = std::fs::read(cert).expect("the certificate is readable");
        self.http = reqwest::Client::builder()
            .tls_certs_only([reqwest::Certificate::from_pem(&pem).expect("a PEM certificate")])
            .build()
            .expect("an HTTPS client");
        self.args.extend([
            "--tls-cert".to_owned(),
            cert.display().to_string(),
            "--tls-key".to_owned(),
            key.display().to_string(),
        ]);
        self.scheme = "https";
        self
    }

    pub fn base(&self) -> String {
        format!("{}://127.0.0.1:{}", self.scheme, self.port)
    }

    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// Starts the binary and waits (at most 30 s) until `/healthz` answers 200.
    pub async fn start(&mut self) {
        self.start_within(Duration::from_secs(30)).await
    }

    /// Starts the binary and waits (at most `patience`) until `/healthz` answers 200.
    pub async fn start_within(&mut self, patience: Duration) {
        assert!(self.child.is_none(), "one server at a time");
        let deadline = Instant::now() + patience;
        let child = Command::new(server_bin())
            .args([self.command, "--data-dir"])
            .arg(&self.dir)
            .args(["--listen", &format!("127.0.0.1:{}", self.port)])
            .args(&self.args)
            .env_remove("YIWANG_DATABASE_URL")
            .env_remove("YIWANG_DATA_DIR")
            .env_remove("YIWANG_LISTEN")
            .env("RUST_LOG", "error")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("the server binary starts");
        self.child = Some(child);
        loop {
            if let Ok(r) = self
                .http
                .get(format!("{}/healthz", self.base()))
                .send()
                .await
            {
                if r.status() == 200 {
                    return;
                }
            }
            let exited = self
                .child
                .as_mut()
                .expect("the server was started")
                .try_wait()
                .expect("the server's status");
            assert!(exited.is_none(), "the server exited at start: {exited:?}");
            assert!(Instant::now() < deadline, "the server answers /healthz");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGKILL, no warning.
    pub async fn kill9(&mut self) {
        let mut child = self.child.take().expect("a server runs");
        child.start_kill().expect("SIGKILL reaches the server");
        child.wait().await.expect("the killed server is reaped");
    }

    /// SIGTERM, and the server shuts down gracefully (SIGKILL if it takes over 10 s).
    pub async fn stop(&mut self) {
        let mut child = self.child.take().expect("a server runs");
        let pid = child.id().expect("the server is running");
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .is_ok_and(|s| s.success());
        if !sent
            || tokio::time::timeout(Duration::from_secs(10), child.wait())
                .await
                .is_err()
        {
            child.start_kill().expect("SIGKILL reaches the server");
            child.wait().await.expect("the server is reaped");
        }
    }

    /// SIGTERM, then waits up to `patience` for the process to end: how long it took, or
    /// `None` when it had not ended by then (it is then killed).
    pub async fn terminate_within(&mut self, patience: Duration) -> Option<Duration> {
        let mut child = self.child.take().expect("a server runs");
        let pid = child.id().expect("the server is running");
        let started = Instant::now();
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .is_ok_and(|s| s.success());
        assert!(sent, "SIGTERM reaches the server");
        match tokio::time::timeout(patience, child.wait()).await {
            Ok(_) => Some(started.elapsed()),
            Err(_) => {
                child.start_kill().expect("SIGKILL reaches the server");
                child.wait().await.expect("the server is reaped");
                None
            }
        }
    }

    /// Signs `username` in with `password` from device `dev-{username}`: the token.
    pub async fn login(&self, username: &str, password: &str) -> String {
        let r = self
            .http
            .post(format!("{}/api/v1/auth/login", self.base()))
            .json(&serde_json::json!({
                "username": username, "password": password,
                "device_id": format!("dev-{username}"), "device_name": "test"
            }))
            .send()
            .await
            .expect("the server answers the login");
        let status = r.status();
        let body: serde_json::Value = r.json().await.expect("the login answers JSON");
        assert_eq!(status, 200, "{username} signs in: {body}");
        body["token"].as_str().expect("a token").to_owned()
    }
}
