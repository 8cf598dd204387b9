//! Queries behind the console: case lists with filters, stats inputs, exports, rejected ops.

#[allow(unused_imports)]
use super::Result;

pub trait ConsoleTx {}
