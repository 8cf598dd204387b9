//! Which ledger backend a test server stores into.

use std::hash::{Hash, Hasher};
use std::path::Path;

/// The ledger backend of a test server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// `ledger.sqlite` in the server's own folder: the embedded default.
    Sqlite,
    /// A database of its own on a PostgreSQL server, created on first use. `server` is a URL
    /// of the server's maintenance database (`postgres://postgres@127.0.0.1:PORT/postgres`),
    /// through which each test server's database is created.
    Postgres { server: String },
}

impl Backend {
    /// The backend of this run: SQLite, unless `YIWANG_TEST_DATABASE` names a PostgreSQL
    /// server (`postgres://…`; `make test` starts a throwaway one).
    pub fn from_env() -> Backend {
        match std::env::var("YIWANG_TEST_DATABASE").as_deref() {
            Ok("") | Ok("sqlite") | Err(_) => Backend::Sqlite,
            Ok(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Backend::Postgres {
                    server: url.to_owned(),
                }
            }
            Ok(other) => panic!("YIWANG_TEST_DATABASE={other}: sqlite or postgres://…"),
        }
    }

    /// The PostgreSQL server of this run, if `YIWANG_TEST_DATABASE` names one (for the tests
    /// that only make sense there).
    pub fn postgres_from_env() -> Option<Backend> {
        Some(Backend::from_env()).filter(|b| matches!(b, Backend::Postgres { .. }))
    }

    /// The `--database` URL of a ledger for the server whose folder is `dir`. On PostgreSQL the
    /// database is named after the folder (so a restarted server finds its ledger again) and
    /// created, empty, the first time.
    pub fn ledger_url(&self, dir: &Path) -> String {
        match self {
            Backend::Sqlite => format!("sqlite:{}", dir.join("ledger.sqlite").display()),
            Backend::Postgres { server } => {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                dir.hash(&mut h);
                let name = format!("yt_{:016x}", h.finish());
                create_database(server, &name);
                with_database(server, &name)
            }
        }
    }

    /// Removes the database of `dir`'s ledger (PostgreSQL; nothing to do for SQLite, whose
    /// ledger goes with the folder).
    pub fn drop_ledger(&self, dir: &Path) {
        if let Backend::Postgres { server } = self {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            dir.hash(&mut h);
            let name = format!("yt_{:016x}", h.finish());
            let server = server.clone();
            // The blocking client cannot run on a thread that drives async tasks.
            let _ = std::thread::spawn(move || {
                if let Ok(mut c) = postgres::Client::connect(&server, postgres::NoTls) {
                    let _ =
                        c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            })
            .join();
        }
    }
}

/// `server`'s URL with its database replaced by `name`.
pub fn with_database(server: &str, name: &str) -> String {
    let (base, query) = match server.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (server, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// Creates an empty database with the collation the ledger wants, unless it exists.
fn create_database(server: &str, name: &str) {
    let server = server.to_owned();
    let name = name.to_owned();
    std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&server, postgres::NoTls)
            .unwrap_or_else(|e| panic!("the test PostgreSQL server {server} answers: {e}"));
        let exists = c
            .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
            .expect("pg_database reads")
            .is_some();
        if !exists {
            let made = c.batch_execute(&format!(
                "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' \
                 LC_COLLATE 'C' LC_CTYPE 'C'"
            ));
            if let Err(e) = made {
                // Another test process made it meanwhile.
                let exists = c
                    .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
                    .expect("pg_database reads")
                    .is_some();
                assert!(exists, "creating database {name}: {e}");
            }
        }
    })
    .join()
    .expect("the test database is made");
}

/// Runs `sql` (one or more statements, no parameters) on the ledger `url` names, on either
/// backend: a test's own write into the ledger's tables, as another module of the server would
/// have stored it.
pub fn ledger_execute(url: &str, sql: &str) {
    if let Some(path) = url.strip_prefix("sqlite:") {
        let c = rusqlite::Connection::open(path).expect("the ledger file opens");
        c.execute_batch(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        return;
    }
    let (url, sql) = (url.to_owned(), sql.to_owned());
    std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).expect("the ledger answers");
        c.batch_execute(&sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    })
    .join()
    .expect("the ledger statement runs");
}

/// Rows of `sql` on the ledger at `url` (`sqlite:PATH` or `postgres://…`), every column as
/// text: the tests' look at the ledger's own tables, on either backend.
pub fn ledger_rows(url: &str, sql: &str) -> Vec<Vec<Option<String>>> {
    if let Some(path) = url.strip_prefix("sqlite:") {
        let c =
            rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .expect("the ledger file opens read-only");
        let mut st = c.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        let n = st.column_count();
        let rows = st
            .query_map([], |r| {
                (0..n)
                    .map(|i| {
                        Ok(match r.get_ref(i)? {
                            rusqlite::types::ValueRef::Null => None,
                            rusqlite::types::ValueRef::Integer(v) => Some(v.to_string()),
                            rusqlite::types::ValueRef::Real(v) => Some(v.to_string()),
                            rusqlite::types::ValueRef::Text(t) => {
                                Some(String::from_utf8_lossy(t).into_owned())
                            }
                            rusqlite::types::ValueRef::Blob(b) => Some(format!("{b:?}")),
                        })
                    })
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        return rows.map(|r| r.expect("a row reads")).collect();
    }
    let (url, sql) = (url.to_owned(), sql.to_owned());
    std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).expect("the ledger answers");
        // The simple protocol answers every column as text.
        c.simple_query(&sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .into_iter()
            .filter_map(|m| match m {
                postgres::SimpleQueryMessage::Row(r) => {
                    Some((0..r.len()).map(|i| r.get(i).map(str::to_owned)).collect())
                }
                _ => None,
            })
            .collect()
    })
    .join()
    .expect("the ledger query runs")
}
