//! The console API on a real listener over the small seeded county (`yiwang_tests::kit`'s
//! [`TestServer`](yiwang_tests::kit::TestServer)): intake, the filtered list, case detail,
//! actions and their refusals, stats recomputed from the ledger, patrol coverage, exports,
//! admin and reference data, the audit log, the links behind the dashboard's figures, the built console's
//! files, and the OpenAPI document.
//!
//! Cases are made the way the console makes them: intake by an operator, then actions. The
//! patrol, finding and photo records that devices bring through sync are stored through the
//! ledger's own API, as the sync and photo areas store them (`common`).
//!
//! Run it alone with `cargo test -p yiwang-tests --test console`.

mod admin;
mod audit;
mod bounds;
mod common;
mod course;
mod detail;
mod exports;
mod files;
mod intake;
mod links;
mod list;
mod merges;
mod openapi;
mod org;
mod paging;
mod ratings;
mod refusals;
mod sign_ins;
mod stats;
