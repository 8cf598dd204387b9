//! Cross-component tests: device simulator, end-to-end runs, fault and load runs.
//!
//! - [`fault_proxy`]: a TCP relay that cuts, stalls, delays and resets connections under a seed,
//!   for the sync agent's broken-network tests.

pub mod fault_proxy;
