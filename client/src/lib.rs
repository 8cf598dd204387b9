//! yiwang-client: everything the grid worker's app does that is not the window.
//!
//! - [`store`]: the device's own SQLite database — session, reference data, patrols, findings,
//!   photos, pulled cases and the outbox of operations waiting for the server.
//! - [`photo`]: the photo pipeline (decode with limits, orientation, scaling, evidence
//!   watermark, JPEG, thumbnail) and the content-addressed photo folder.
//!
//! It runs headless, so every behaviour of the app can be tested without a display.

pub mod app;
pub mod photo;
pub mod store;
pub mod sync;
