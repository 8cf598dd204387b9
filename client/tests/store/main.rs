//! The device store on real SQLite files: a local change and its op are one, the outbox keeps
//! what the server refused, pulls land with their cursor, and a database from a newer app is
//! left alone.
//!
//! One test binary, one module per area:
//! - `housekeeping`: pruning what the server has held long enough, dismissing refusals;
//! - `findings`: a finding, its photos and its op written together, refusals kept, patrols;
//! - `crash`: interrupted transactions, down to a writer killed mid-way;
//! - `opening`: opening, migrations, and a database from a newer app left alone;
//! - `pulls`: pull pages landing with their cursor, pulled rejections, resets.
//!
//! Shared fixtures live in `common`.

mod common;
mod crash;
mod findings;
mod housekeeping;
mod opening;
mod pulls;
