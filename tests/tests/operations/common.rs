//! What the operations tests share: the real `yiwang-server` binary ([`server_bin`]) as a
//! command on a data folder with none of the environment's own settings, its output, the
//! SQLite ledger file read directly, the small county seeded through the library, and a
//! `demo` or `serve` process whose printed lines the test reads (the kit's
//! [`ServerProcess`](yiwang_tests::kit::ServerProcess) runs `serve` with its output discarded,
//! so it cannot say when the server was ready or what it printed).

use chrono::Utc;
use rusqlite::{Connection, OpenFlags};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use yiwang_server::demo::{seed_history, HistorySpec};
use yiwang_server::seed::{seed_county, small_plan};
use yiwang_server::state::Reference;
use yiwang_server::storage::Ledger;
use yiwang_tests::kit::{demo_hash, server_bin, Backend};

/// The binary with `--data-dir dir` and none of the environment's own settings.
pub fn yiwang(dir: &Path) -> Command {
    let mut c = Command::new(server_bin());
    c.arg("--data-dir")
        .arg(dir)
        .env_remove("YIWANG_DATA_DIR")
        .env_remove("YIWANG_DATABASE_URL")
        .env_remove("YIWANG_LISTEN")
        .env_remove("YIWANG_PASSWORD")
        .env("RUST_LOG", "warn");
    c
}

/// [`yiwang`] on the run's backend (`YIWANG_TEST_DATABASE`): for the commands whose tests hold
/// on either backend (users, grids). The others are about the SQLite file itself.
pub fn yiwang_any(dir: &Path) -> Command {
    let mut c = yiwang(dir);
    c.arg("--database").arg(Backend::from_env().ledger_url(dir));
    c
}

/// The one number `sql` reads from `dir`'s ledger on the run's backend.
pub fn ledger_count(dir: &Path, sql: &str) -> i64 {
    let rows = yiwang_tests::kit::ledger_rows(&Backend::from_env().ledger_url(dir), sql);
    rows.first()
        .and_then(|r| r.first().cloned().flatten())
        .unwrap_or_else(|| panic!("{sql} read nothing"))
        .parse()
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

pub fn run(mut c: Command) -> Output {
    c.stdin(Stdio::null())
        .output()
        .expect("the yiwang-server binary runs")
}

/// What a finished command printed, stdout then stderr.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

pub fn ledger_path(dir: &Path) -> PathBuf {
    dir.join("ledger.sqlite")
}

pub fn read_only(dir: &Path) -> Connection {
    Connection::open_with_flags(ledger_path(dir), OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("the ledger opens read-only")
}

pub fn count(db: &Connection, sql: &str) -> i64 {
    db.query_row(sql, [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Seeds the small test county (demo users when `demo_users`, password "demo") and, when
/// `cases` > 0, a history of that many cases, through the library into `dir`'s ledger.
pub fn seed_small(dir: &Path, demo_users: bool, cases: usize) {
    seed_small_on(&Backend::Sqlite, dir, demo_users, cases)
}

/// [`seed_small`] into `dir`'s ledger on `backend`.
pub fn seed_small_on(backend: &Backend, dir: &Path, demo_users: bool, cases: usize) {
    let ledger = Ledger::open(&backend.ledger_url(dir)).expect("a fresh ledger opens");
    let now = Utc::now();
    ledger
        .write_blocking(move |tx| {
            let seeded = seed_county(tx, &small_plan(), demo_hash(), demo_users, now)?;
            if cases > 0 {
                let reference =
                    Reference::load(tx, yiwang_core::calendar::WorkingCalendar::china())?;
                let spec = HistorySpec {
                    cases,
                    days: 20,
                    on_spot_findings: 5,
                    patrol_days: 1,
                    seed: 42,
                };
                let report = seed_history(tx, &reference, &seeded, &spec, now, &|_| {})?;
                assert_eq!(report.refused, 0, "the small history is all permitted");
            }
            Ok(())
        })
        .expect("the small county seeds");
}

/// A server process a test started and reads the output of; killed (and reaped) when dropped.
pub struct Served {
    child: Child,
    pub base: String,
    /// What it printed up to and including the line naming its address.
    pub printed: Vec<String>,
    /// Time from spawning to that line.
    pub ready_after: Duration,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `c` (a `serve` or `demo` on port 0) and waits, at most `limit`, for the line that
/// says where it listens.
pub fn start(mut c: Command, limit: Duration) -> Served {
    let started = Instant::now();
    let mut child = c
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the server starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let (send, lines) = mpsc::channel();
    // Drains stdout for the life of the process, so it never blocks on a full pipe.
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    let mut printed = vec![];
    loop {
        let left = limit.saturating_sub(started.elapsed());
        match lines.recv_timeout(left) {
            Ok(line) => {
                let addr = line
                    .strip_prefix("yiwang-server listening on ")
                    .map(|u| u.trim_end_matches('/').to_owned());
                printed.push(line);
                if let Some(base) = addr {
                    return Served {
                        child,
                        base,
                        printed,
                        ready_after: started.elapsed(),
                    };
                }
            }
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "the server did not say where it listens within {limit:?}; it printed:\n{}",
                    printed.join("\n")
                );
            }
        }
    }
}

/// A sign-in as `user` with `password`, whatever the answer (the kit's sign-ins must succeed).
pub async fn login(base: &str, user: &str, password: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": user, "password": password,
                      "device_id": format!("cli-test-{user}"), "device_name": "cli test"}))
        .send()
        .await
        .expect("the server answers")
}

pub async fn token(base: &str, user: &str, password: &str) -> String {
    let r = login(base, user, password).await;
    assert_eq!(r.status(), 200, "{user} signs in");
    let body: Value = r.json().await.unwrap();
    body["token"].as_str().expect("a token").to_owned()
}

pub async fn get(base: &str, token: &str, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("the server answers")
}
