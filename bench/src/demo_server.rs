//! The release `yiwang-server demo` as a process: found beside the benchmark, started on a port
//! (the first start seeds the reference county) and stopped gracefully.

use anyhow::{bail, Context};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn beside(here: &Path, name: &str) -> anyhow::Result<PathBuf> {
    let bin = here.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if !bin.is_file() {
        bail!(
            "{} is missing: cargo build --release -p yiwang-server -p yiwang-tests --bin yiwang-server --bin yiwang-sim",
            bin.display()
        );
    }
    Ok(bin)
}

/// `yiwang-server demo` on `data`, once `/healthz` answers (the first start seeds the county).
pub fn start(bin: &Path, data: &Path, port: u16, patience: Duration) -> anyhow::Result<Child> {
    let mut child = Command::new(bin)
        .args(["demo", "--data-dir"])
        .arg(data)
        .args(["--listen", &format!("127.0.0.1:{port}"), "--console-dir"])
        .arg(data.join("no-console"))
        // Every simulated device connects from 127.0.0.1.
        .args(["--max-connections-per-address", "8192"])
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .context("starting yiwang-server")?;
    let deadline = Instant::now() + patience;
    loop {
        if let Some(status) = child.try_wait()? {
            bail!("yiwang-server exited at start: {status}");
        }
        if healthy(port) {
            return Ok(child);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            bail!("yiwang-server did not answer /healthz within {patience:?}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A plain `GET /healthz` over a socket: 200 or not.
pub fn healthy(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 12];
    s.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 200")
}

/// SIGTERM, then wait for the graceful shutdown.
pub fn stop(mut child: Child) -> anyhow::Result<()> {
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()?;
    child.wait()?;
    Ok(())
}
