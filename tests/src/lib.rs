//! Cross-component tests: device simulator, end-to-end runs, fault and load runs.
//!
//! They need the sync server, which is the next piece to be built; until then the component
//! tests live beside their crates (`core/tests`, `client/tests`).
