//! The restore side: bringing a database to a backup's migrations, telling
//! whether it holds data, and loading rows in one transaction with the
//! database's own guards (triggers, foreign keys) set aside while they load
//! and put back, checked, before the transaction ends.

use super::{quote, Column, Kind, Table, Value};
use crate::db::{Conn, Raw, PG_MIGRATIONS, SQLITE_MIGRATIONS};
use crate::{Backend, StorageError};
use diesel::backend::Backend as DieselBackend;
use diesel::connection::SimpleConnection;
use diesel::migration::{Migration, MigrationSource};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::MigrationHarness;

fn migration_error(e: impl std::fmt::Display) -> StorageError {
    StorageError::Migration(e.to_string())
}

/// The migrations this binary knows for `backend`, oldest first.
pub fn known_migrations(backend: Backend) -> Result<Vec<String>, StorageError> {
    let mut versions: Vec<String> = match backend {
        Backend::Sqlite => {
            MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE_MIGRATIONS)
                .map_err(migration_error)?
                .iter()
                .map(|m| m.name().version().to_string())
                .collect()
        }
        Backend::Postgres => MigrationSource::<diesel::pg::Pg>::migrations(&PG_MIGRATIONS)
            .map_err(migration_error)?
            .iter()
            .map(|m| m.name().version().to_string())
            .collect(),
    };
    versions.sort();
    Ok(versions)
}

#[derive(QueryableByName)]
struct VersionRow {
    #[diesel(sql_type = Text)]
    version: String,
}

/// The migrations applied to the database, oldest first, as Diesel
/// recorded them (read with a plain SELECT, so it works inside a read-only
/// transaction).
pub fn applied_migrations(conn: &mut Conn) -> Result<Vec<String>, StorageError> {
    let sql = "SELECT version FROM __diesel_schema_migrations ORDER BY version";
    let rows: Vec<VersionRow> = match &mut conn.raw {
        Raw::Sqlite(c) => diesel::sql_query(sql).load(&mut **c)?,
        Raw::Pg(c) => diesel::sql_query(sql).load(&mut **c)?,
    };
    Ok(rows.into_iter().map(|r| r.version).collect())
}

/// Brings the database to exactly the migrations `wanted` (a backup's):
/// applies those it lacks; reverts those it has beyond them only when
/// `may_revert` (its data is being replaced anyway). A migration this
/// binary does not know is refused: the backup is of a newer Bangfu.
pub fn migrate_to(
    conn: &mut Conn,
    wanted: &[String],
    may_revert: bool,
) -> Result<(), StorageError> {
    match &mut conn.raw {
        Raw::Sqlite(c) => migrate_with(
            &mut **c,
            MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE_MIGRATIONS)
                .map_err(migration_error)?,
            wanted,
            may_revert,
        ),
        Raw::Pg(c) => migrate_with(
            &mut **c,
            MigrationSource::<diesel::pg::Pg>::migrations(&PG_MIGRATIONS)
                .map_err(migration_error)?,
            wanted,
            may_revert,
        ),
    }
}

fn migrate_with<DB: DieselBackend, C: MigrationHarness<DB>>(
    c: &mut C,
    mut known: Vec<Box<dyn Migration<DB>>>,
    wanted: &[String],
    may_revert: bool,
) -> Result<(), StorageError> {
    known.sort_by_key(|m| m.name().version().to_string());
    let version = |m: &dyn Migration<DB>| m.name().version().to_string();
    if let Some(unknown) = wanted
        .iter()
        .find(|w| !known.iter().any(|m| version(&**m) == **w))
    {
        return Err(StorageError::Migration(format!(
            "the backup's schema has migration {unknown}, which this Bangfu does not know: restore with a Bangfu at least as new as the one that made the backup"
        )));
    }
    let applied: Vec<String> = c
        .applied_migrations()
        .map_err(migration_error)?
        .iter()
        .map(|v| v.to_string())
        .collect();
    let beyond: Vec<&Box<dyn Migration<DB>>> = known
        .iter()
        .rev()
        .filter(|m| applied.contains(&version(&***m)) && !wanted.contains(&version(&***m)))
        .collect();
    if !beyond.is_empty() && !may_revert {
        return Err(StorageError::Migration(format!(
            "the database has migrations the backup does not ({}…)",
            version(&**beyond[0])
        )));
    }
    for m in beyond {
        c.revert_migration(&**m).map_err(migration_error)?;
    }
    for m in &known {
        let v = version(&**m);
        if wanted.contains(&v) && !applied.contains(&v) {
            c.run_migration(&**m).map_err(migration_error)?;
        }
    }
    Ok(())
}

#[derive(QueryableByName)]
struct N {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The tables holding more rows than a database fresh from the migrations
/// (which seed the dictionary, the verification catalogue…) plus the root
/// union the server creates at its first start and that union's audit
/// entry: what a restore without `--force` would destroy. Empty when the
/// database is empty in that sense.
pub fn holding_data(conn: &mut Conn) -> Result<Vec<(String, i64)>, StorageError> {
    let mut fresh =
        SqliteConnection::establish(":memory:").map_err(|e| StorageError::Pool(e.to_string()))?;
    fresh
        .run_pending_migrations(SQLITE_MIGRATIONS)
        .map_err(migration_error)?;
    let baseline = |fresh: &mut SqliteConnection, table: &str| -> Result<i64, StorageError> {
        let exists: N = diesel::sql_query(
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?",
        )
        .bind::<Text, _>(table)
        .get_result(fresh)?;
        if exists.n == 0 {
            return Ok(0);
        }
        let n: N = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {}", quote(table)))
            .get_result(fresh)?;
        Ok(n.n)
    };
    let mut out = Vec::new();
    for table in super::tables(conn)? {
        let n = super::count(conn, &table.name)?;
        if n == 0 {
            continue;
        }
        let allowed = baseline(&mut fresh, &table.name)?
            + i64::from(matches!(table.name.as_str(), "unions" | "audit_log"));
        if n > allowed {
            out.push((table.name, n));
        }
    }
    Ok(out)
}

/// What [`start_load`] set aside, for [`finish_load`] to put back.
#[derive(Debug, Default)]
pub struct Loading {
    /// SQLite: (name, CREATE statement); PostgreSQL: (table, trigger).
    triggers: Vec<(String, String)>,
    /// PostgreSQL: (table, constraint, definition).
    foreign_keys: Vec<(String, String, String)>,
}

#[derive(QueryableByName)]
struct Pair {
    #[diesel(sql_type = Text)]
    a: String,
    #[diesel(sql_type = Text)]
    b: String,
}

#[derive(QueryableByName)]
struct Triple {
    #[diesel(sql_type = Text)]
    a: String,
    #[diesel(sql_type = Text)]
    b: String,
    #[diesel(sql_type = Text)]
    c: String,
}

/// Inside the restore's transaction: sets the database's own guards aside
/// so rows load as they are, in any order. The triggers (the audit log's
/// refusal of UPDATE/DELETE/TRUNCATE among them) would refuse clearing a
/// database or rewrite what loads; foreign keys would need an order that a
/// table referring to itself (a union's parent) cannot always give. SQLite:
/// triggers dropped (DDL is transactional) and foreign keys deferred to
/// the commit; PostgreSQL: triggers disabled and foreign keys dropped, as
/// the table's owner may (no superuser needed). All of it comes back in
/// [`finish_load`], or with the rollback.
pub fn start_load(conn: &mut Conn) -> Result<Loading, StorageError> {
    let mut loading = Loading::default();
    match &mut conn.raw {
        Raw::Sqlite(c) => {
            c.batch_execute("PRAGMA defer_foreign_keys = ON")?;
            let triggers: Vec<Pair> = diesel::sql_query(
                "SELECT name AS a, sql AS b FROM sqlite_master \
                 WHERE type = 'trigger' AND sql IS NOT NULL ORDER BY name",
            )
            .load(&mut **c)?;
            for t in triggers {
                c.batch_execute(&format!("DROP TRIGGER {}", quote(&t.a)))?;
                loading.triggers.push((t.a, t.b));
            }
        }
        Raw::Pg(c) => {
            let triggers: Vec<Pair> = diesel::sql_query(
                "SELECT cl.relname::text AS a, t.tgname::text AS b FROM pg_trigger t \
                 JOIN pg_class cl ON cl.oid = t.tgrelid \
                 WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' \
                 AND cl.relnamespace = current_schema()::regnamespace ORDER BY 1, 2",
            )
            .load(&mut **c)?;
            for t in triggers {
                c.batch_execute(&format!(
                    "ALTER TABLE {} DISABLE TRIGGER {}",
                    quote(&t.a),
                    quote(&t.b)
                ))?;
                loading.triggers.push((t.a, t.b));
            }
            let keys: Vec<Triple> = diesel::sql_query(
                "SELECT cl.relname::text AS a, con.conname::text AS b, \
                 pg_get_constraintdef(con.oid) AS c FROM pg_constraint con \
                 JOIN pg_class cl ON cl.oid = con.conrelid \
                 WHERE con.contype = 'f' AND cl.relnamespace = current_schema()::regnamespace \
                 ORDER BY 1, 2",
            )
            .load(&mut **c)?;
            for k in keys {
                c.batch_execute(&format!(
                    "ALTER TABLE {} DROP CONSTRAINT {}",
                    quote(&k.a),
                    quote(&k.b)
                ))?;
                loading.foreign_keys.push((k.a, k.b, k.c));
            }
        }
    }
    Ok(loading)
}

/// Empties `tables` (after [`start_load`]: the guards are aside).
pub fn clear(conn: &mut Conn, tables: &[Table]) -> Result<(), StorageError> {
    if tables.is_empty() {
        return Ok(());
    }
    match &mut conn.raw {
        Raw::Sqlite(c) => {
            for t in tables {
                c.batch_execute(&format!("DELETE FROM {}", quote(&t.name)))?;
            }
        }
        Raw::Pg(c) => {
            let names: Vec<String> = tables.iter().map(|t| quote(&t.name)).collect();
            c.batch_execute(&format!("TRUNCATE {}", names.join(", ")))?;
        }
    }
    Ok(())
}

/// Binds one value as the column's type, or refuses a value of another type.
macro_rules! bind_value {
    ($q:expr, $table:expr, $column:expr, $value:expr) => {{
        use diesel::sql_types::{Binary, Date, Integer, Nullable, Timestamp};
        let column: &Column = $column;
        match (column.kind, $value) {
            (Kind::BigInt, Value::Null) => $q.bind::<Nullable<BigInt>, _>(None::<i64>),
            (Kind::BigInt, Value::Int(i)) => $q.bind::<BigInt, _>(i),
            (Kind::Integer, Value::Null) => $q.bind::<Nullable<Integer>, _>(None::<i32>),
            (Kind::Integer, Value::Int(i)) => {
                $q.bind::<Integer, _>(i32::try_from(i).map_err(|_| {
                    mismatch($table, column, &format!("{i} is beyond a 32-bit integer"))
                })?)
            }
            (Kind::Bool, Value::Null) => {
                $q.bind::<Nullable<diesel::sql_types::Bool>, _>(None::<bool>)
            }
            (Kind::Bool, Value::Bool(b)) => $q.bind::<diesel::sql_types::Bool, _>(b),
            (Kind::Bool, Value::Int(i)) => $q.bind::<diesel::sql_types::Bool, _>(i != 0),
            (Kind::Text, Value::Null) => $q.bind::<Nullable<Text>, _>(None::<String>),
            (Kind::Text, Value::Text(s)) => $q.bind::<Text, _>(s),
            (Kind::Timestamp, Value::Null) => {
                $q.bind::<Nullable<Timestamp>, _>(None::<chrono::NaiveDateTime>)
            }
            (Kind::Timestamp, Value::Timestamp(t)) => $q.bind::<Timestamp, _>(t),
            (Kind::Date, Value::Null) => $q.bind::<Nullable<Date>, _>(None::<chrono::NaiveDate>),
            (Kind::Date, Value::Date(d)) => $q.bind::<Date, _>(d),
            (Kind::Bytes, Value::Null) => $q.bind::<Nullable<Binary>, _>(None::<Vec<u8>>),
            (Kind::Bytes, Value::Bytes(b)) => $q.bind::<Binary, _>(b),
            (_, other) => {
                return Err(mismatch(
                    $table,
                    column,
                    &format!("{other:?} does not fit a {} column", column.kind.code()),
                ))
            }
        }
    }};
}

fn mismatch(table: &str, column: &Column, what: &str) -> StorageError {
    StorageError::Corrupt(format!("{table}.{}: {what}", column.name))
}

/// Rows in one INSERT: well under both backends' limits on parameters.
fn rows_per_insert(columns: usize) -> usize {
    (20_000 / columns.max(1)).clamp(1, 500)
}

/// Inserts `rows` (values in the order of `columns`) into `table`, in
/// statements of [`rows_per_insert`] rows.
pub fn insert(
    conn: &mut Conn,
    table: &str,
    columns: &[Column],
    rows: Vec<Vec<Value>>,
) -> Result<(), StorageError> {
    if rows.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = columns.iter().map(|c| quote(&c.name)).collect();
    let per = rows_per_insert(columns.len());
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<Vec<Value>> = rows.by_ref().take(per).collect();
        for row in &batch {
            if row.len() != columns.len() {
                return Err(StorageError::Corrupt(format!(
                    "{table}: a row of {} values for {} columns",
                    row.len(),
                    columns.len()
                )));
            }
        }
        match &mut conn.raw {
            Raw::Sqlite(c) => {
                let one = format!("({})", vec!["?"; columns.len()].join(", "));
                let sql = format!(
                    "INSERT INTO {} ({}) VALUES {}",
                    quote(table),
                    names.join(", "),
                    vec![one; batch.len()].join(", ")
                );
                let mut q = diesel::sql_query(sql).into_boxed::<diesel::sqlite::Sqlite>();
                for row in batch {
                    for (value, column) in row.into_iter().zip(columns) {
                        q = bind_value!(q, table, column, value);
                    }
                }
                q.execute(&mut **c)?;
            }
            Raw::Pg(c) => {
                let n = columns.len();
                let values: Vec<String> = (0..batch.len())
                    .map(|r| {
                        let ps: Vec<String> = (1..=n).map(|j| format!("${}", r * n + j)).collect();
                        format!("({})", ps.join(", "))
                    })
                    .collect();
                let sql = format!(
                    "INSERT INTO {} ({}) OVERRIDING SYSTEM VALUE VALUES {}",
                    quote(table),
                    names.join(", "),
                    values.join(", ")
                );
                let mut q = diesel::sql_query(sql).into_boxed::<diesel::pg::Pg>();
                for row in batch {
                    for (value, column) in row.into_iter().zip(columns) {
                        q = bind_value!(q, table, column, value);
                    }
                }
                q.execute(&mut **c)?;
            }
        }
    }
    Ok(())
}

#[derive(QueryableByName)]
struct Violation {
    #[diesel(sql_type = Text)]
    table: String,
    #[diesel(sql_type = Text)]
    parent: String,
}

/// Puts back what [`start_load`] set aside, checking every foreign key
/// over the loaded rows, and (PostgreSQL) moves each sequence past the
/// largest id loaded so the next row gets a new one.
pub fn finish_load(conn: &mut Conn, loading: Loading) -> Result<(), StorageError> {
    match &mut conn.raw {
        Raw::Sqlite(c) => {
            let broken: Vec<Violation> = diesel::sql_query(
                "SELECT \"table\" AS \"table\", parent FROM pragma_foreign_key_check LIMIT 1",
            )
            .load(&mut **c)?;
            if let Some(v) = broken.first() {
                return Err(StorageError::Corrupt(format!(
                    "rows of {} refer to rows of {} that are not there",
                    v.table, v.parent
                )));
            }
            for (_, sql) in &loading.triggers {
                c.batch_execute(sql)?;
            }
        }
        Raw::Pg(c) => {
            for (table, name, definition) in &loading.foreign_keys {
                c.batch_execute(&format!(
                    "ALTER TABLE {} ADD CONSTRAINT {} {definition}",
                    quote(table),
                    quote(name)
                ))
                .map_err(|e| {
                    StorageError::Corrupt(format!("foreign key {name} of {table}: {e}"))
                })?;
            }
            for (table, trigger) in &loading.triggers {
                c.batch_execute(&format!(
                    "ALTER TABLE {} ENABLE TRIGGER {}",
                    quote(table),
                    quote(trigger)
                ))?;
            }
            let serial: Vec<Pair> = diesel::sql_query(
                "SELECT table_name::text AS a, column_name::text AS b \
                 FROM information_schema.columns WHERE table_schema = current_schema() \
                 AND (is_identity = 'YES' OR column_default LIKE 'nextval(%') ORDER BY 1, 2",
            )
            .load(&mut **c)?;
            for s in serial {
                diesel::sql_query(format!(
                    "SELECT setval(pg_get_serial_sequence($1, $2), \
                     COALESCE(MAX({}), 0) + 1, false) FROM {}",
                    quote(&s.b),
                    quote(&s.a)
                ))
                .bind::<Text, _>(quote(&s.a))
                .bind::<Text, _>(&s.b)
                .execute(&mut **c)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Db, DbOptions};

    #[tokio::test]
    async fn a_backup_of_a_newer_schema_is_refused_and_an_older_one_is_met() {
        let dir = std::env::temp_dir().join(format!("bangfu-load-test-{}", std::process::id()));
        let url = format!("sqlite://{}/t.db", dir.display());
        let db = Db::open(&url, &DbOptions::default()).unwrap();
        let known = known_migrations(Backend::Sqlite).unwrap();
        let mut newer = known.clone();
        newer.push("99991231000001".into());
        let e = db
            .read(move |c| migrate_to(c, &newer, true))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("does not know"), "{e}");
        // An older backup: the database is brought to exactly its migrations.
        let older = known[..known.len() - 1].to_vec();
        let wanted = older.clone();
        let applied = db
            .read(move |c| {
                migrate_to(c, &wanted, false)?;
                applied_migrations(c)
            })
            .await
            .unwrap();
        assert_eq!(applied, older);
        let _ = std::fs::remove_dir_all(dir);
    }
}
