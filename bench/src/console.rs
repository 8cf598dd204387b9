//! The console's requests as the benchmarks time them: a sign-in, a GET timed until its whole
//! body has arrived, and the dashboard's four requests; and the server process they talk to.

use anyhow::{bail, Context as _};
use std::process::Child;
use std::time::{Duration, Instant};

/// A server (or any) process; killed when dropped, whatever happened.
pub struct Server(pub Child);

impl Server {
    /// SIGTERM, then wait for the graceful shutdown.
    pub fn terminate(&mut self) -> anyhow::Result<()> {
        std::process::Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status()?;
        self.0.wait()?;
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Signs `user` in with `password`; returns the bearer token.
pub async fn login(
    http: &reqwest::Client,
    base: &str,
    user: &str,
    password: &str,
) -> anyhow::Result<String> {
    let r = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({
            "username": user, "password": password,
            "device_id": format!("bench-{user}"), "device_name": "bench"
        }))
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("signing in {user}: HTTP {}", r.status());
    }
    let body: serde_json::Value = r.json().await?;
    body["token"]
        .as_str()
        .map(str::to_owned)
        .context("the login answer has a token")
}

/// One GET, timed until the whole body has arrived; fails on anything but 200.
pub async fn timed_get(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    path: &str,
) -> anyhow::Result<(Duration, usize)> {
    let t = Instant::now();
    let r = http
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await?;
    let status = r.status();
    let body = r.bytes().await?;
    let took = t.elapsed();
    if !status.is_success() {
        bail!(
            "GET {path}: HTTP {status}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    Ok((took, body.len()))
}

pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// The dashboard's requests (ui/src/console/screens/DashboardScreen.vue): the figures with the
/// three breakdowns (by unit, department and category class) in one request, and the patrol
/// coverage (`coverage` is its path and query), at once.
pub fn dashboard(unit_dimension: &str, coverage: &str) -> [String; 2] {
    [
        format!("/api/v1/stats?dimension={unit_dimension},department,category_class"),
        coverage.to_owned(),
    ]
}

/// The dashboard as the screen loads it: both requests at once; the screen's time, and each
/// request's.
pub async fn timed_dashboard(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    board: &[String; 2],
) -> anyhow::Result<(Duration, [Duration; 2])> {
    let t = Instant::now();
    let (figures, coverage) = tokio::join!(
        timed_get(http, base, token, &board[0]),
        timed_get(http, base, token, &board[1]),
    );
    let screen = t.elapsed();
    Ok((screen, [figures?.0, coverage?.0]))
}
