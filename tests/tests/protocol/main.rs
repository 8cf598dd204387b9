//! The sync server's protocol on a real listener, on the kit's `TestServer`
//! (`cargo test -p yiwang-tests --test protocol`):
//!
//! - sync protocol v1: push → pull round trips ([`push_pull`]), idempotent pushes, re-sent and
//!   racing ([`idempotence`]), rejected ops kept and readable ([`rejected`]), pull scoped to
//!   jurisdiction for every role ([`pull_scope`]), cursors and paging ([`cursors`]), bad input
//!   refused with stable codes and nothing stored ([`bad_ops`]), patrols ([`patrols`]), photos
//!   that land before their finding ([`photos`]), the lean change log migration
//!   ([`migration`]), and core's finding rule on the server ([`finding_rules`]);
//! - a push applied at once against its ops one by one ([`push_batch`]);
//! - sign-in ([`auth`]), the sign-in throttle ([`throttle`]), token lifetimes and password
//!   changes ([`sessions`]);
//! - the jurisdiction matrix over the console API ([`jurisdiction`]).
//!
//! [`common`] holds the push/pull helpers and ledger reads the modules share; the ops come from
//! `yiwang_tests::kit::ops`.

mod common;

mod auth;
mod bad_ops;
mod cursors;
mod finding_rules;
mod idempotence;
mod jurisdiction;
mod migration;
mod patrols;
mod photos;
mod pull_scope;
mod push_batch;
mod push_pull;
mod rejected;
mod sessions;
mod throttle;
