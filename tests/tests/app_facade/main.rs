//! Issue 5: the worker app's facade (`yiwang_client::app::WorkerApp`) against real parts — a
//! real SQLite store in a temporary folder, real JPEG bytes through the photo pipeline, and the
//! kit's [`TestServer`](yiwang_tests::kit::TestServer) on 127.0.0.1:0 (fixed clock at `t0`),
//! stopped and restarted on the same address to take the device offline
//! (`cargo test -p yiwang-tests --test app_facade`):
//!
//! - signing in online and offline, and the session held while work waits ([`login`]);
//! - a patrol with its track and photos, and bad inputs refused ([`patrol`]);
//! - a report worked up to verification, verified offline and closed ([`verification`]).
//!
//! [`common`] opens the app on a device clock the test moves, and holds the inputs and waits the
//! modules share.

mod common;

mod login;
mod patrol;
mod verification;
