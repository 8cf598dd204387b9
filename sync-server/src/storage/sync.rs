//! Ops, devices, patrols, track points and findings received from devices.

#[allow(unused_imports)]
use super::Result;

pub trait SyncTx {}
