//! Which ledger backend a test server stores into.

use std::path::Path;

/// The ledger backend of a test server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// `ledger.sqlite` in the server's own folder: the embedded default.
    Sqlite,
}

impl Backend {
    /// The backend of this run: SQLite, unless `YIWANG_TEST_DATABASE` names another.
    pub fn from_env() -> Backend {
        match std::env::var("YIWANG_TEST_DATABASE").as_deref() {
            Ok("") | Ok("sqlite") | Err(_) => Backend::Sqlite,
            Ok(other) => panic!("YIWANG_TEST_DATABASE={other}: this build tests sqlite only"),
        }
    }

    /// The `--database` URL of a ledger for the server whose folder is `dir`.
    pub fn ledger_url(&self, dir: &Path) -> String {
        match self {
            Backend::Sqlite => format!("sqlite:{}", dir.join("ledger.sqlite").display()),
        }
    }
}
