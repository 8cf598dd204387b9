//! yiwang-server: the county's case ledger.
//!
//! It reconciles every device's outbox into the shared ledger through the sync protocol of
//! DESIGN.md §5, stores photos, and serves the console API and the console itself (§6). It
//! stands on `yiwang-core` alone: the workflow it applies is `yiwang_core::workflow::decide`.
//!
//! This crate is laid out but not yet built: the server is the next issue. Nothing here is
//! reachable by a user yet.
