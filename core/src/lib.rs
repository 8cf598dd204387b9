//! yiwang-core: the domain of Yiwang (一网), a county's grid-governance field system.
//!
//! - [`org`]: the org tree (county → township/street → village/community → grid), departments,
//!   roles and jurisdiction.
//! - [`category`]: the two-level category tree with deadlines and default departments (data).
//! - [`calendar`]: working days and hours, for deadlines.
//! - [`field`]: patrols, track points, findings and photo metadata recorded on the device.
//! - [`case`]: cases, actions and the hash-chained events that make up the ledger.
//! - [`workflow`]: the case workflow as one pure function, [`workflow::decide`].
//! - [`ledger`]: the per-case hash chain and its verifier.
//! - [`measures`]: the county's figures, computed from events.
//! - [`sync`]: the wire types of sync protocol v1.
//! - [`rating`]: ratings (回访评价) and whose verdict they are.
//! - [`photo`]: photo limits and the whole-JPEG check shared by device and server.
//! - [`error`]: the closed list of error codes every component and both UIs share.
//!
//! No I/O happens here: no database, no network, no clock but the one passed in.

pub mod calendar;
pub mod case;
pub mod category;
pub mod error;
pub mod field;
pub mod ids;
pub mod input;
pub mod ledger;
pub mod measures;
pub mod org;
pub mod photo;
pub mod rating;
pub mod sync;
pub mod workflow;
