//! Several server processes sharing one ledger and one photo store (issue 15): photos in a real
//! S3 wire server (`s3s-fs`), uploads that continue on another process, the store failing under
//! an upload, and three processes behind HAProxy with one killed again and again.
//!
//! The S3 tests run wherever `s3s-fs` is installed (`make s3s-fs`); those with several
//! processes also need `YIWANG_TEST_DATABASE` to name a PostgreSQL server (`make test-pg`
//! starts one). Each says so and returns otherwise.

#[path = "../photos/common.rs"]
#[allow(dead_code)]
mod common;

mod balanced;
mod handover;
mod processes;
mod store_faults;
