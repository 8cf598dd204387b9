//! Photo metadata and resumable (tus) upload state.

#[allow(unused_imports)]
use super::Result;

pub trait PhotoTx {}
