use super::SqliteTx;
use crate::storage::photos::PhotoTx;

impl PhotoTx for SqliteTx<'_> {}
