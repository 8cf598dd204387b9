//! `yiwang-server migrate-to postgres://…`: a county's SQLite ledger copied into PostgreSQL,
//! when it outgrows one machine.
//!
//! The target is brought to the current schema first (the same version as the source: an older
//! SQLite ledger is migrated as it opens), then every table is copied in batches of
//! [`BATCH`] rows, each batch in one PostgreSQL transaction together with a progress mark
//! (`meta` key `migrate_to:<table>` = the last SQLite rowid copied). A copy cut short — a
//! crash, a lost connection, Ctrl-C — is resumed by running the command again: it starts after
//! the marks, and every row is copied exactly once. Tables without a rowid are copied by primary
//! key with `ON CONFLICT DO NOTHING`, which makes a repeat harmless.
//!
//! The copy keeps what devices and operators hold: the ledger's epoch (so every device's pull
//! cursor stays valid), every change-log seq (and the sequence continues after the highest one
//! SQLite ever handed out; the audit log's and sign-in attempts' identity sequences continue after
//! their highest copied id), every case chain byte for byte. The target must be empty or a copy
//! of the same ledger (same epoch); anything else is refused. The source should not be written
//! meanwhile: stop the server first (the command refuses while a server holds the ledger).

use crate::storage::Ledger;
use anyhow::{bail, Context as _};
use postgres::types::{ToSql, Type};
use postgres::{Client, NoTls};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// Rows per PostgreSQL transaction.
pub const BATCH: usize = 2_000;

/// The tables in an order that satisfies their foreign keys, and whether SQLite keeps a rowid
/// for them (then the copy resumes from a mark; else by primary key).
const TABLES: &[(&str, Order)] = &[
    ("org_units", Order::Depth),
    ("departments", Order::Rowid),
    ("grids", Order::Rowid),
    ("categories", Order::Rowid),
    ("users", Order::Rowid),
    ("user_grids", Order::Rowid),
    ("tokens", Order::Rowid),
    ("login_attempts", Order::Rowid),
    ("devices", Order::Rowid),
    ("cases", Order::Rowid),
    ("case_events", Order::Rowid),
    ("ops", Order::Rowid),
    ("patrols", Order::Rowid),
    ("track_points", Order::Rowid),
    ("grid_windows", Order::Rowid),
    ("findings", Order::Rowid),
    ("finding_photos", Order::Rowid),
    ("photos", Order::Rowid),
    ("photo_uploaders", Order::Key("sha256, user_id")),
    ("case_photos", Order::Key("sha256, case_id")),
    ("uploads", Order::Rowid),
    ("changes", Order::Rowid),
    ("audit_log", Order::Rowid),
];

#[derive(Clone, Copy)]
enum Order {
    /// By rowid, resumable from a mark.
    Rowid,
    /// By primary key, all again on a repeat (`ON CONFLICT DO NOTHING`).
    Key(&'static str),
    /// Org units parents first (their foreign key), all again on a repeat.
    Depth,
}

/// What a copy did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Copied {
    /// Rows written to PostgreSQL by this run, per table, in copy order.
    pub tables: Vec<(String, u64)>,
}

impl Copied {
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|(_, n)| n).sum()
    }
}

/// Copies the SQLite ledger at `source` into the PostgreSQL ledger at `target`.
pub fn migrate_to(source: &Path, target: &str) -> anyhow::Result<Copied> {
    if !source.exists() {
        bail!("there is no SQLite ledger at {}", source.display());
    }
    // Both ends at the current schema: the source migrated as it opens, the target created.
    Ledger::open(&format!("sqlite:{}", source.display()))
        .with_context(|| format!("opening the SQLite ledger {}", source.display()))?;
    Ledger::open(target).context("opening the PostgreSQL ledger")?;
    let src = Connection::open_with_flags(source, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut dst = Client::connect(target, NoTls).context("connecting to PostgreSQL")?;

    let epoch: String = src.query_row("SELECT value FROM meta WHERE key = 'epoch'", [], |r| {
        r.get(0)
    })?;
    claim_target(&mut dst, &epoch)?;

    let mut copied = Copied::default();
    for (table, order) in TABLES {
        let n = copy_table(&src, &mut dst, table, *order)
            .with_context(|| format!("copying table {table}"))?;
        copied.tables.push(((*table).to_owned(), n));
    }
    // Every meta value but the schema's own bookkeeping, the epoch among them.
    let mut tx = dst.transaction()?;
    let mut st = src.prepare("SELECT key, value FROM meta")?;
    let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    for row in rows {
        let (k, v) = row?;
        tx.execute(
            "INSERT INTO meta(key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&k, &v],
        )?;
    }
    // The change log continues after the highest seq SQLite ever handed out (a replaced
    // record's old seq included).
    let high: i64 = src.query_row(
        "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'changes'), 0)",
        [],
        |r| r.get(0),
    )?;
    let high = high.max(
        tx.query_one("SELECT coalesce(max(seq), 0) FROM changes", &[])?
            .get(0),
    );
    if high > 0 {
        tx.execute("SELECT setval('changes_seq', $1)", &[&high])?;
    }
    // Rows copied with their ids leave the identity sequences behind: the next audit entry or
    // sign-in attempt would collide with a copied id.
    for table in ["audit_log", "login_attempts"] {
        tx.execute(
            &format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) \
                 FROM {table} HAVING max(id) IS NOT NULL"
            ),
            &[],
        )?;
    }
    tx.commit()?;
    // The planner's statistics for the copied tables (autovacuum would gather them later).
    dst.batch_execute("VACUUM (ANALYZE)")?;
    Ok(copied)
}

/// Refuses a target that holds another ledger; marks an empty one as this ledger's copy.
fn claim_target(dst: &mut Client, epoch: &str) -> anyhow::Result<()> {
    let mut tx = dst.transaction()?;
    let from: Option<String> = tx
        .query_opt(
            "SELECT value FROM meta WHERE key = 'migrate_to:source'",
            &[],
        )?
        .map(|r| r.get(0));
    match from {
        Some(f) if f == epoch => {}
        Some(f) => bail!(
            "the PostgreSQL ledger is a copy of another SQLite ledger (epoch {f}, this one is \
             {epoch}); use an empty database"
        ),
        None => {
            let used: bool = tx
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM users) OR EXISTS (SELECT 1 FROM cases)
                         OR EXISTS (SELECT 1 FROM changes)",
                    &[],
                )?
                .get(0);
            if used {
                bail!(
                    "the PostgreSQL ledger already holds a county of its own; migrate-to copies \
                     into an empty database"
                );
            }
            tx.execute(
                "INSERT INTO meta(key, value) VALUES ('migrate_to:source', $1)",
                &[&epoch],
            )?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// A PostgreSQL column: its name and type.
struct Column {
    name: String,
    ty: Type,
}

fn columns(dst: &mut Client, table: &str) -> anyhow::Result<Vec<Column>> {
    let st = dst.prepare(&format!("SELECT * FROM {table} LIMIT 0"))?;
    Ok(st
        .columns()
        .iter()
        .map(|c| Column {
            name: c.name().to_owned(),
            ty: c.type_().clone(),
        })
        .collect())
}

/// One SQLite value as the PostgreSQL column wants it.
fn convert(v: rusqlite::types::Value, ty: &Type) -> anyhow::Result<Box<dyn ToSql + Sync>> {
    use rusqlite::types::Value as V;
    Ok(match (v, ty) {
        (V::Null, t) if *t == Type::BOOL => Box::new(None::<bool>),
        (V::Null, t) if *t == Type::INT8 => Box::new(None::<i64>),
        (V::Null, t) if *t == Type::FLOAT8 => Box::new(None::<f64>),
        (V::Null, _) => Box::new(None::<String>),
        (V::Integer(i), t) if *t == Type::BOOL => Box::new(i != 0),
        (V::Integer(i), t) if *t == Type::INT8 => Box::new(i),
        (V::Integer(i), t) if *t == Type::FLOAT8 => Box::new(i as f64),
        (V::Integer(i), _) => Box::new(i.to_string()),
        (V::Real(f), t) if *t == Type::FLOAT8 => Box::new(f),
        (V::Text(s), t) if *t == Type::TEXT => Box::new(s),
        (V::Text(s), t) if *t == Type::INT8 => Box::new(
            s.parse::<i64>()
                .with_context(|| format!("{s:?} is not an integer"))?,
        ),
        (v, t) => bail!("cannot copy SQLite value {v:?} into a {t} column"),
    })
}

fn copy_table(
    src: &Connection,
    dst: &mut Client,
    table: &str,
    order: Order,
) -> anyhow::Result<u64> {
    let cols = columns(dst, table)?;
    let names = cols
        .iter()
        .map(|c| c.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let mark_key = format!("migrate_to:{table}");
    let mut after: i64 = match order {
        Order::Rowid => dst
            .query_opt("SELECT value FROM meta WHERE key = $1", &[&mark_key])?
            .map(|r| r.get::<_, String>(0).parse())
            .transpose()?
            .unwrap_or(0),
        _ => 0,
    };
    let select = match order {
        Order::Rowid => format!(
            "SELECT rowid, {names} FROM {table} WHERE rowid > ?1 ORDER BY rowid LIMIT {BATCH}"
        ),
        Order::Key(key) => format!("SELECT 0, {names} FROM {table} ORDER BY {key}"),
        Order::Depth => format!("SELECT 0, {names} FROM {table} ORDER BY length(path), id"),
    };
    let conflict = match order {
        // Exactly once by the mark; a conflict would be a bug, and fails the batch.
        Order::Rowid => "",
        _ => " ON CONFLICT DO NOTHING",
    };
    let mut total = 0;
    loop {
        let mut st = src.prepare_cached(&select)?;
        let mut rows = match order {
            Order::Rowid => st.query([after])?,
            _ => st.query([])?,
        };
        let mut batch: Vec<Vec<Box<dyn ToSql + Sync>>> = Vec::new();
        let mut last = after;
        let mut done = true;
        while let Some(r) = rows.next()? {
            last = r.get(0)?;
            let mut values = Vec::with_capacity(cols.len());
            for (i, c) in cols.iter().enumerate() {
                values.push(convert(r.get(i + 1)?, &c.ty)?);
            }
            batch.push(values);
            if batch.len() == BATCH {
                if matches!(order, Order::Rowid) {
                    done = false;
                    break;
                }
                total += insert(dst, table, &names, cols.len(), conflict, &batch, None)?;
                batch.clear();
            }
        }
        drop(rows);
        let mark = matches!(order, Order::Rowid).then(|| (mark_key.as_str(), last));
        if !batch.is_empty() || mark.is_some() && last > after {
            total += insert(dst, table, &names, cols.len(), conflict, &batch, mark)?;
        }
        after = last;
        if done {
            return Ok(total);
        }
    }
}

/// Inserts a batch (and moves the table's mark) in one transaction.
fn insert(
    dst: &mut Client,
    table: &str,
    names: &str,
    width: usize,
    conflict: &str,
    batch: &[Vec<Box<dyn ToSql + Sync>>],
    mark: Option<(&str, i64)>,
) -> anyhow::Result<u64> {
    let mut tx = dst.transaction()?;
    // Nobody else writes while the copy runs, but take the ledger's write lock all the same.
    tx.execute(
        "SELECT pg_advisory_xact_lock($1)",
        &[&crate::storage::postgres::WRITE_LOCK],
    )?;
    let mut n = 0;
    // PostgreSQL takes at most 65,535 parameters per statement.
    for chunk in batch.chunks((60_000 / width.max(1)).max(1)) {
        let mut sql = format!("INSERT INTO {table} ({names}) VALUES ");
        let mut params: Vec<&(dyn ToSql + Sync)> = Vec::with_capacity(chunk.len() * width);
        for (i, row) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for (j, value) in row.iter().enumerate() {
                if j > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("${}", params.len() + 1));
                params.push(value.as_ref());
            }
            sql.push(')');
        }
        sql.push_str(conflict);
        n += tx.execute(&sql, &params)?;
    }
    if let Some((key, last)) = mark {
        tx.execute(
            "INSERT INTO meta(key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&key, &last.to_string()],
        )?;
    }
    tx.commit()?;
    Ok(n)
}
