use super::SqliteTx;
use crate::storage::console::ConsoleTx;

impl ConsoleTx for SqliteTx<'_> {}
