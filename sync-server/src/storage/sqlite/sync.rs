use super::SqliteTx;
use crate::storage::sync::SyncTx;

impl SyncTx for SqliteTx<'_> {}
