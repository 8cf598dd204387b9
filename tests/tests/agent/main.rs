//! The device's sync agent against the real server: a grid worker's store (a real SQLite file)
//! records field work offline, then syncs over real HTTP to the kit's
//! [`TestServer`](yiwang_tests::kit::TestServer) on `127.0.0.1:0` over the seeded small county,
//! on its fixed clock at `t0` (`cargo test -p yiwang-tests --test agent`):
//!
//! - offline field work reaches the server once, with its photos and its case ([`offline`]);
//! - a rejected op shows its reason and never blocks the ops behind it ([`rejected`]);
//! - a revoked token keeps the outbox and asks for login ([`login`]);
//! - a forged cursor is refused and the pulled data rebuilt ([`cursor`]);
//! - a captive portal is never taken for the server ([`portal`]);
//! - the agent's loop: sync on start and on triggers, back-off offline, clean stop
//!   ([`agent_loop`]);
//! - photo uploads cut off mid-way resume from the server's offset ([`resume`]);
//! - housekeeping of synced photo files, and thumbnails of pulled photos ([`photo_files`]).
//!
//! The devices are the kit's [`TestDevice`](yiwang_tests::kit::TestDevice); [`common`] holds
//! what only these tests need: a proxy that cuts the link, and a photo of several chunks.

mod common;

mod agent_loop;
mod cursor;
mod login;
mod offline;
mod photo_files;
mod portal;
mod rejected;
mod resume;
