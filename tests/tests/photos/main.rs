//! tus 1.0.0 conformance and the photo store, on a real listener (the kit's
//! [`TestServer`](yiwang_tests::kit::TestServer)); run it alone with
//! `cargo test -p yiwang-tests --test photos`:
//!
//! - the protocol: `OPTIONS`, versions, CORS, and creation requests refused ([`basics`]);
//! - an upload's life in checksummed chunks, the whole-file hash, thumbnails, duplicates and
//!   chunks over the JSON limit ([`upload`]);
//! - resume after a broken connection at an arbitrary byte, after a failed checksum, and on a
//!   server restarted over the same data folder ([`resume`]);
//! - termination and expiry ([`expiry`]);
//! - the per-user upload limits and the hard end of an upload ([`limits`]);
//! - the background sweeper of expired uploads and unreferenced photos ([`sweeper`]);
//! - the free-space guard: 507 for uploads while pushes go on ([`disk`]);
//! - image checks when the last byte arrives ([`refusals`]);
//! - the whole decode after the acknowledgement: thumbnails made in the background or when asked
//!   for, and a photo that fails to decode quarantined, never dropped ([`quarantine`]);
//! - `by-hash` lookups and who may fetch a photo ([`by_hash`]);
//! - the photo naming rule: who may list a photo in a record ([`naming`]);
//! - the real tus-js-client, run by Node from `tests/tus-node` ([`node_client`]).
//!
//! [`common`] holds the test JPEGs, the tus client and the photo store's files.

mod common;

mod basics;
mod by_hash;
mod disk;
mod expiry;
mod limits;
mod naming;
mod node_client;
mod quarantine;
mod refusals;
mod resume;
mod sweeper;
mod upload;
