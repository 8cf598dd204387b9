//! Cross-component tests: device simulator, end-to-end runs, fault and load runs.
//!
//! - [`kit`]: the one test kit every server and cross-component test uses (a test server, its
//!   ledger, devices, the real binary, the simulator).
//! - [`fault_proxy`]: a TCP relay that cuts, stalls, delays and resets connections under a seed,
//!   for the sync agent's broken-network tests.

pub mod fault_proxy;
pub mod kit;
