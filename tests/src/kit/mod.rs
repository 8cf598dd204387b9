//! The one test kit every server and cross-component test uses (issue 11):
//!
//! - [`TestServer`]: the real application on `127.0.0.1:0` over a fresh folder, seeded with the
//!   small county (every user's password [`PASSWORD`]), on a clock the test moves; it can stop
//!   and come back on the same address. HTTP helpers sign in each role and act on cases.
//! - [`ServerProcess`]: the real `yiwang-server` binary, for tests that kill it.
//! - [`TestDevice`]: a grid worker's device: a real store file, a photo folder, the sync agent.
//! - [`LedgerView`]: reads of the ledger itself (not through the API under test), and the
//!   assertion that the ledger holds exactly what the devices recorded ([`DeviceRecords`]).
//! - [`S3Server`]: a real S3 wire server (`s3s-fs`) for the photo store; a whole run keeps its
//!   servers' photos in S3 with `YIWANG_TEST_PHOTO_STORE=s3`.
//! - [`ops`]: sync ops as JSON, for the protocol tests.
//! - [`sim`]: the `yiwang-sim` command.
//! - [`haproxy`]: HAProxy in front of server processes.
//!
//! The backend is one constructor argument ([`Backend`]): every suite built on the kit runs on
//! another backend by changing it (or `YIWANG_TEST_DATABASE` for a whole run).

mod backend;
mod device;
pub mod haproxy;
mod ledger;
pub mod ops;
mod process;
pub mod s3;
mod server;
pub mod sim;

pub use backend::{ledger_rows, Backend};
pub use device::{quick_agent, TestDevice};
pub use ledger::{DeviceRecords, LedgerSummary, LedgerView};
pub use process::{free_port, server_bin, verify_ledger, ServerProcess};
pub use s3::S3Server;
pub use server::{error_code, Clock, TestServer};

use chrono::{DateTime, Utc};
use std::sync::OnceLock;

/// Every seeded user's password.
pub const PASSWORD: &str = "demo";
/// The `--metrics-token` every [`TestServer`] is started with: [`TestServer::metrics`] sends it.
pub const METRICS_TOKEN: &str = "kit-metrics-token-0123456789";

/// The argon2 hash of [`PASSWORD`], made once per test binary (hashing is slow on purpose).
pub fn demo_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| {
        yiwang_server::auth::hash_password(PASSWORD).expect("the demo password hashes")
    })
}

/// Thursday 2026-11-26 09:00 Beijing time: a working morning, in the morning patrol window.
pub fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-26T09:00:00+08:00")
        .expect("a valid time")
        .with_timezone(&Utc)
}

pub use yiwang_server::state::peak_rss_kib;
