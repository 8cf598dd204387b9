//! What more than one benchmark needs.

pub mod console;
pub mod demo_server;
pub mod jpeg;
pub mod pg;
