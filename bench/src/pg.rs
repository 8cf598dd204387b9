//! A PostgreSQL database of a benchmark's own.

use anyhow::{bail, Context as _};
use std::process::Command;

/// A database of its own on a PostgreSQL server, made with the C collation the ledger wants
/// (`psql`, as `make demo-pg` does) and dropped when this goes away.
pub struct PgDatabase {
    server: String,
    name: String,
    /// The database's URL.
    pub url: String,
}

impl PgDatabase {
    /// Creates `yiwang_bench_<label>_<pid>_<time>` on `server`. Blocks: call it off the async
    /// runtime's threads.
    pub fn create(server: &str, label: &str) -> anyhow::Result<PgDatabase> {
        let stamp = std::time::UNIX_EPOCH.elapsed()?.as_secs();
        let name = format!("yiwang_bench_{label}_{}_{stamp}", std::process::id());
        psql(
            server,
            &format!(
                "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' \
                 LC_COLLATE 'C' LC_CTYPE 'C'"
            ),
        )?;
        Ok(PgDatabase {
            server: server.to_owned(),
            url: with_database(server, &name),
            name,
        })
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        if let Err(e) = psql(&self.server, &sql) {
            eprintln!("could not drop the bench database {}: {e:#}", self.name);
        }
    }
}

/// Runs one SQL command on `url` with `psql`; returns what it printed (unaligned, tuples only).
pub fn psql(url: &str, sql: &str) -> anyhow::Result<String> {
    let out = Command::new("psql")
        .args([
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            url,
            "-c",
            sql,
        ])
        .output()
        .context("psql did not start: install the PostgreSQL client")?;
    if !out.status.success() {
        bail!(
            "psql {sql:?}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// `server`'s URL with its database replaced by `name`.
pub fn with_database(server: &str, name: &str) -> String {
    let start = server.find("://").map_or(0, |i| i + 3);
    let end = server[start..]
        .find(['/', '?'])
        .map_or(server.len(), |i| start + i);
    let query = server[end..].find('?').map_or("", |i| &server[end + i..]);
    format!("{}/{name}{query}", &server[..end])
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn a_database_replaces_the_servers_own() {
        assert_eq!(
            with_database("postgres://u:p@h:5/postgres?sslmode=disable", "x"),
            "postgres://u:p@h:5/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h:5", "x"), "postgres://h:5/x");
    }
}
