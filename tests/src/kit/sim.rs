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

/// The clean `--sync-only` run that ends a crash loop, with every server up: up to three tries
/// (the last kill may have left a device mid-backoff in a way one run does not clear), each a
/// fresh command from `cmd`. Requires a run to finish with no device in error; its summary.
pub async fn final_clean_run(
    mut cmd: impl FnMut() -> tokio::process::Command,
) -> serde_json::Value {
    for attempt in 1..=3 {
        let out = cmd().output().await.expect("the simulator starts");
        if out.status.success() {
            let summary = summary(&out.stdout);
            println!("final --sync-only run: {summary}");
            assert_eq!(summary["errors"], 0, "every device synced clean at the end");
            return summary;
        }
        assert!(
            attempt < 3,
            "the clean --sync-only run finishes: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    unreachable!("the third try either returned or failed its assertion")
}
