//! yiwang-server: the county's case ledger.
//!
//! It reconciles every device's outbox into the shared ledger through the sync protocol of
//! docs/DESIGN.md §5, stores photos (tus 1.0.0), and serves the console API and the console itself
//! (§6). It stands on `yiwang-core` alone: every case action goes through
//! `yiwang_core::workflow::decide`.
//!
//! - [`app`]: the router; [`state`]: what handlers share; [`error`]: the one `ApiError`.
//! - [`storage`]: the ledger behind one interface (SQLite embedded; PostgreSQL to come).
//! - [`auth`], [`sync`], [`photos`], [`console`]: the API areas; [`casework`]: the one way a
//!   case changes; [`jurisdiction`]: who sees what.
//! - [`seed`]: org trees and users for tests and the demo; [`cli`]: the command line;
//!   [`backup`]: `backup` and `restore` of the SQLite ledger.

pub mod app;
pub mod auth;
pub mod backup;
pub mod casework;
pub mod cli;
pub mod connections;
pub mod console;
pub mod contract;
pub mod demo;
pub mod error;
pub mod jurisdiction;
pub mod limits;
pub mod migrate_to;
pub mod photos;
pub mod seed;
pub mod state;
pub mod storage;
pub mod sync;

pub use app::app;
