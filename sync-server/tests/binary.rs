//! The `yiwang-server` binary itself: it starts, and its help names every command the README
//! documents. (The server's suites live in `tests/`, on the shared test kit; this file also
//! makes a workspace `cargo test` build the binary those suites start.)

use std::process::Command;

#[test]
fn the_binary_lists_its_commands() {
    let out = Command::new(env!("CARGO_BIN_EXE_yiwang-server"))
        .arg("--help")
        .output()
        .expect("the server binary starts");
    assert!(out.status.success(), "--help exits 0");
    let help = String::from_utf8_lossy(&out.stdout);
    for command in ["serve", "migrate", "demo", "user", "grids", "verify-ledger"] {
        assert!(help.contains(command), "--help names `{command}`: {help}");
    }
}
