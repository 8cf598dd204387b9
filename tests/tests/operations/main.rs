//! The server's command line and its durability, run as the real `yiwang-server` binary
//! (`yiwang_tests::kit::server_bin`, built by `cargo build -p yiwang-server`) on temporary data
//! folders; run it alone with `cargo test -p yiwang-tests --test operations`:
//!
//! - `migrate` ([`migrate`]), `user add` then sign-in over HTTP ([`users`]), `verify-ledger` on
//!   an intact and on a tampered ledger ([`verify`]), `grids import` of a good and of a bad file
//!   ([`grids`]), and `demo` on a fresh folder: the reference county of docs/DESIGN.md §8
//!   serving within a minute, its figures computed from its own ledger ([`demo`]);
//! - the case projection upgrade of an older ledger ([`projection`]);
//! - acknowledged pushes surviving `kill -9` ([`durability`]);
//! - `serve --tls-cert --tls-key` ([`tls`]);
//! - `backup` under load, `restore` and its refusals ([`backup`]), and the WAL kept bounded
//!   ([`wal`]).
//!
//! [`common`] holds the binary as a command, the ledger file read directly, the small county
//! seeded through the library, and a `serve`/`demo` process whose printed lines a test reads.

mod common;

mod backup;
mod connections;
mod demo;
mod durability;
mod grids;
mod migrate;
mod projection;
mod tls;
mod users;
mod verify;
mod wal;
