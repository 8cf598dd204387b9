//! What more than one benchmark needs.

pub mod pg;
