//! The device simulator `yiwang-sim` (`src/bin/yiwang-sim.rs`) as a command.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The simulator binary built beside the test (a workspace `cargo test` builds it).
pub fn bin() -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows its own path");
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test runs from target/<profile>/deps")
        .join(format!("yiwang-sim{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.is_file(),
        "the simulator {} is missing: run `cargo build -p yiwang-tests`",
        bin.display()
    );
    bin
}

/// `yiwang-sim` against `server` with `devices` devices keeping their stores under `data_dir`,
/// each recording `findings` findings with one photo, drawn from `seed`; `extra` arguments
/// after (`--sync-only`, `--offline-first`, …).
pub fn command(
    server: &str,
    data_dir: &Path,
    devices: usize,
    findings: usize,
    seed: u64,
    extra: &[&str],
) -> Command {
    let mut cmd = Command::new(bin());
    cmd.args(["--server", server, "--devices", &devices.to_string()])
        .args(["--findings", &findings.to_string(), "--photos", "1"])
        .args(["--seed", &seed.to_string(), "--data-dir"])
        .arg(data_dir)
        .args(extra);
    cmd
}

/// The one JSON line a finished run prints.
pub fn summary(stdout: &[u8]) -> serde_json::Value {
    let text = String::from_utf8_lossy(stdout);
    serde_json::from_str(text.trim())
        .unwrap_or_else(|e| panic!("the simulator prints one JSON line ({e}): {text}"))
}

/// Runs `cmd` to its end, requires every device to have finished (exit 0, one JSON line), and
/// returns that line parsed.
pub async fn run(mut cmd: Command) -> serde_json::Value {
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("the simulator task")
        .expect("the simulator starts");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "every device finishes clean: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout.lines().count(),
        1,
        "the simulator prints one JSON line: {stdout}"
    );
    summary(&out.stdout)
}
