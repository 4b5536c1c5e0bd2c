//! The whole database as portable rows, for `bangfu backup` and `bangfu
//! restore`: the catalogue (tables, columns, keys), one consistent read of
//! every row, and the loading of rows into a database of either backend
//! ([`load`]).
//!
//! Rows are read generically, from the catalogue, not through schema.rs:
//! each backend builds one JSON array per row in SQL (SQLite `json_array`,
//! PostgreSQL `json_build_array`), read as one text column and streamed
//! with `load_iter`. So a column a later migration adds (say a hash chain on
//! `audit_log`) is carried as it is without this module knowing it, and no
//! dependency is added (diesel-dynamic-schema would need a value type and
//! `FromSql` per backend for the same result). The column types come from
//! the catalogue (`pragma_table_info`, `information_schema.columns`) and
//! decide how each JSON value is read back into a [`Value`]: SQLite keeps
//! booleans as 0/1 and timestamps as text, PostgreSQL as `boolean` and
//! `timestamp`; both come out the same.

mod load;

pub use load::{
    applied_migrations, clear, finish_load, holding_data, insert, known_migrations, migrate_to,
    start_load, Loading,
};

use crate::db::{Conn, Raw};
use crate::StorageError;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};
use diesel::sqlite::SqliteConnection;

/// The type of a column, as both backends agree on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// 64-bit integer (PostgreSQL `bigint`, any SQLite integer).
    BigInt,
    /// 32-bit integer (PostgreSQL `integer`).
    Integer,
    Bool,
    Text,
    Timestamp,
    Date,
    Bytes,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::BigInt,
        Kind::Integer,
        Kind::Bool,
        Kind::Text,
        Kind::Timestamp,
        Kind::Date,
        Kind::Bytes,
    ];

    /// The name written in a backup's manifest.
    pub fn code(self) -> &'static str {
        match self {
            Kind::BigInt => "bigint",
            Kind::Integer => "integer",
            Kind::Bool => "boolean",
            Kind::Text => "text",
            Kind::Timestamp => "timestamp",
            Kind::Date => "date",
            Kind::Bytes => "bytes",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// A SQLite declared type. SQLite integers are all 64-bit.
    fn from_sqlite(declared: &str) -> Option<Self> {
        match declared.to_ascii_uppercase().as_str() {
            "INTEGER" | "BIGINT" | "INT" | "SMALLINT" => Some(Kind::BigInt),
            "BOOLEAN" | "BOOL" => Some(Kind::Bool),
            "TEXT" => Some(Kind::Text),
            "TIMESTAMP" | "DATETIME" => Some(Kind::Timestamp),
            "DATE" => Some(Kind::Date),
            "BLOB" | "BINARY" => Some(Kind::Bytes),
            _ => None,
        }
    }

    /// A PostgreSQL `information_schema.columns.data_type`.
    fn from_pg(data_type: &str) -> Option<Self> {
        match data_type {
            "bigint" => Some(Kind::BigInt),
            "integer" | "smallint" => Some(Kind::Integer),
            "boolean" => Some(Kind::Bool),
            "text" | "character varying" | "character" => Some(Kind::Text),
            "timestamp without time zone" => Some(Kind::Timestamp),
            "date" => Some(Kind::Date),
            "bytea" => Some(Kind::Bytes),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub kind: Kind,
}

/// A table of the catalogue: its columns in order, and the columns its rows
/// are read in order of (the primary key, or every column without one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    pub key: Vec<String>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// One value of a row, the same whichever backend it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Null,
    Int(i64),
    Bool(bool),
    Text(String),
    Timestamp(NaiveDateTime),
    Date(NaiveDate),
    Bytes(Vec<u8>),
}

/// `name` quoted as an identifier (both backends use double quotes).
pub(crate) fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[derive(QueryableByName)]
struct NameRow {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct ColumnRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Integer)]
    pk: i32,
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct LineRow {
    #[diesel(sql_type = Text)]
    line: String,
}

#[derive(QueryableByName)]
struct Reference {
    #[diesel(sql_type = Text)]
    child: String,
    #[diesel(sql_type = Text)]
    parent: String,
}

/// `names` ordered so a table comes after the tables its foreign keys
/// refer to (ties by name; a cycle, if ever, ends the list by name). A
/// restore loads in this order, so SQLite's deferred foreign keys never
/// wait for a parent: a parent inserted while violations are outstanding
/// makes SQLite search the child tables for each row.
fn in_reference_order(conn: &mut Conn, names: Vec<String>) -> Result<Vec<String>, StorageError> {
    let refs: Vec<Reference> = match &mut conn.raw {
        Raw::Sqlite(c) => diesel::sql_query(
            "SELECT m.name AS child, p.\"table\" AS parent FROM sqlite_master m, \
             pragma_foreign_key_list(m.name) p WHERE m.type = 'table'",
        )
        .load(&mut **c)?,
        Raw::Pg(c) => diesel::sql_query(
            "SELECT cl.relname::text AS child, ref.relname::text AS parent \
             FROM pg_constraint con JOIN pg_class cl ON cl.oid = con.conrelid \
             JOIN pg_class ref ON ref.oid = con.confrelid \
             WHERE con.contype = 'f' AND cl.relnamespace = current_schema()::regnamespace",
        )
        .load(&mut **c)?,
    };
    let mut waiting: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> = names
        .iter()
        .map(|n| (n.clone(), Default::default()))
        .collect();
    for r in refs {
        if r.child != r.parent && waiting.contains_key(&r.parent) {
            if let Some(parents) = waiting.get_mut(&r.child) {
                parents.insert(r.parent);
            }
        }
    }
    let mut out = Vec::with_capacity(names.len());
    while !waiting.is_empty() {
        let ready: Vec<String> = waiting
            .iter()
            .filter(|(_, parents)| parents.is_empty())
            .map(|(n, _)| n.clone())
            .collect();
        if ready.is_empty() {
            out.extend(waiting.keys().cloned());
            break;
        }
        for n in &ready {
            waiting.remove(n);
        }
        for parents in waiting.values_mut() {
            for n in &ready {
                parents.remove(n);
            }
        }
        out.extend(ready);
    }
    Ok(out)
}

/// Every table of the database (Diesel's own migration table and SQLite's
/// internal tables left out), parents before the tables that refer to
/// them, with its columns and key.
pub fn tables(conn: &mut Conn) -> Result<Vec<Table>, StorageError> {
    let names: Vec<NameRow> = match &mut conn.raw {
        Raw::Sqlite(c) => diesel::sql_query(
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name <> '__diesel_schema_migrations'",
        )
        .load(&mut **c)?,
        Raw::Pg(c) => diesel::sql_query(
            "SELECT table_name::text AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
             AND table_name <> '__diesel_schema_migrations'",
        )
        .load(&mut **c)?,
    };
    let mut names: Vec<String> = names.into_iter().map(|n| n.name).collect();
    names.sort();
    let names = in_reference_order(conn, names)?;
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let rows: Vec<ColumnRow> = match &mut conn.raw {
            Raw::Sqlite(c) => diesel::sql_query(
                "SELECT name, type AS kind, pk FROM pragma_table_info(?) ORDER BY cid",
            )
            .bind::<Text, _>(&name)
            .load(&mut **c)?,
            Raw::Pg(c) => diesel::sql_query(
                "SELECT col.column_name::text AS name, col.data_type::text AS kind, \
                 COALESCE(k.ordinal_position, 0)::int4 AS pk \
                 FROM information_schema.columns col \
                 LEFT JOIN (information_schema.key_column_usage k \
                   JOIN information_schema.table_constraints t \
                   ON t.constraint_name = k.constraint_name AND t.table_schema = k.table_schema \
                   AND t.constraint_type = 'PRIMARY KEY') \
                 ON k.table_schema = col.table_schema AND k.table_name = col.table_name \
                 AND k.column_name = col.column_name \
                 WHERE col.table_schema = current_schema() AND col.table_name = $1 \
                 AND col.is_generated = 'NEVER' ORDER BY col.ordinal_position",
            )
            .bind::<Text, _>(&name)
            .load(&mut **c)?,
        };
        let sqlite = matches!(conn.raw, Raw::Sqlite(_));
        let mut columns = Vec::with_capacity(rows.len());
        let mut key: Vec<(i32, String)> = Vec::new();
        for r in rows {
            let kind = if sqlite {
                Kind::from_sqlite(&r.kind)
            } else {
                Kind::from_pg(&r.kind)
            }
            .ok_or_else(|| {
                StorageError::Corrupt(format!(
                    "column {name}.{} has a type backups do not know: {}",
                    r.name, r.kind
                ))
            })?;
            if r.pk > 0 {
                key.push((r.pk, r.name.clone()));
            }
            columns.push(Column { name: r.name, kind });
        }
        key.sort();
        let key = if key.is_empty() {
            columns.iter().map(|c| c.name.clone()).collect()
        } else {
            key.into_iter().map(|(_, n)| n).collect()
        };
        out.push(Table { name, columns, key });
    }
    Ok(out)
}

/// The number of rows in `table`.
pub fn count(conn: &mut Conn, table: &str) -> Result<i64, StorageError> {
    let sql = format!("SELECT COUNT(*) AS n FROM {}", quote(table));
    let row: CountRow = match &mut conn.raw {
        Raw::Sqlite(c) => diesel::sql_query(sql).get_result(&mut **c)?,
        Raw::Pg(c) => diesel::sql_query(sql).get_result(&mut **c)?,
    };
    Ok(row.n)
}

/// Runs `f` in one read-only transaction, so everything it reads is of one
/// instant while writers go on: on SQLite a deferred transaction (WAL keeps
/// the snapshot of its first read), on PostgreSQL `REPEATABLE READ READ
/// ONLY`.
pub fn snapshot<T, E>(conn: &mut Conn, f: impl FnOnce(&mut Conn) -> Result<T, E>) -> Result<T, E>
where
    E: From<StorageError>,
{
    match &mut conn.raw {
        Raw::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(&mut **c, "BEGIN DEFERRED")
                .map_err(StorageError::from)?;
        }
        Raw::Pg(c) => {
            AnsiTransactionManager::begin_transaction_sql(
                &mut **c,
                "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
            )
            .map_err(StorageError::from)?;
        }
    }
    let result = f(conn);
    // Nothing was written: ending it either way only releases the snapshot.
    let end = match &mut conn.raw {
        Raw::Sqlite(c) => {
            <AnsiTransactionManager as TransactionManager<SqliteConnection>>::rollback_transaction(
                &mut **c,
            )
        }
        Raw::Pg(c) => {
            <AnsiTransactionManager as TransactionManager<PgConnection>>::rollback_transaction(
                &mut **c,
            )
        }
    };
    let value = result?;
    end.map_err(StorageError::from)?;
    Ok(value)
}

/// The SELECT that reads `columns` of `table` as one JSON array per row,
/// in the order of `key` (text compared byte by byte on both backends).
fn select_rows(sqlite: bool, table: &str, columns: &[Column], key: &[Column]) -> String {
    let expr = |c: &Column| {
        let q = quote(&c.name);
        match (sqlite, c.kind) {
            (true, Kind::Bytes) => format!("CASE WHEN {q} IS NULL THEN NULL ELSE hex({q}) END"),
            (false, Kind::Bytes) => format!("encode({q}, 'hex')"),
            _ => q,
        }
    };
    let array = if sqlite {
        format!(
            "json_array({})",
            columns.iter().map(expr).collect::<Vec<_>>().join(", ")
        )
    } else {
        // json_build_array takes at most 100 arguments.
        let parts: Vec<String> = columns
            .chunks(90)
            .map(|chunk| {
                format!(
                    "json_build_array({})::jsonb",
                    chunk.iter().map(expr).collect::<Vec<_>>().join(", ")
                )
            })
            .collect();
        if parts.len() == 1 {
            format!(
                "json_build_array({})::text",
                columns.iter().map(expr).collect::<Vec<_>>().join(", ")
            )
        } else {
            format!("({})::text", parts.join(" || "))
        }
    };
    let order: Vec<String> = key
        .iter()
        .map(|c| {
            let q = quote(&c.name);
            match (sqlite, c.kind) {
                (true, _) => format!("{q} NULLS FIRST"),
                (false, Kind::Text) => format!("{q} COLLATE \"C\" NULLS FIRST"),
                (false, _) => format!("{q} NULLS FIRST"),
            }
        })
        .collect();
    format!(
        "SELECT {array} AS line FROM {} ORDER BY {}",
        quote(table),
        order.join(", ")
    )
}

/// Streams the rows of `table`, its `columns` in the order given, in the
/// order of its key, to `f` one at a time (never all in memory).
pub fn rows<E>(
    conn: &mut Conn,
    table: &Table,
    columns: &[Column],
    mut f: impl FnMut(Vec<Value>) -> Result<(), E>,
) -> Result<(), E>
where
    E: From<StorageError>,
{
    let key: Vec<Column> = table
        .key
        .iter()
        .filter_map(|k| table.column(k).cloned())
        .collect();
    let sqlite = matches!(conn.raw, Raw::Sqlite(_));
    let sql = select_rows(sqlite, &table.name, columns, &key);
    let mut each = |line: QueryResult<LineRow>| -> Result<(), E> {
        let line = line.map_err(StorageError::from)?;
        f(decode_row(&table.name, columns, &line.line)?)
    };
    match &mut conn.raw {
        Raw::Sqlite(c) => {
            let iter = diesel::sql_query(sql)
                .load_iter::<LineRow, diesel::connection::DefaultLoadingMode>(&mut **c)
                .map_err(StorageError::from)?;
            for line in iter {
                each(line)?;
            }
        }
        Raw::Pg(c) => {
            let iter = diesel::sql_query(sql)
                .load_iter::<LineRow, diesel::pg::PgRowByRowLoadingMode>(&mut **c)
                .map_err(StorageError::from)?;
            for line in iter {
                each(line)?;
            }
        }
    }
    Ok(())
}

/// A row as the backend's JSON gave it, typed by its columns.
fn decode_row(table: &str, columns: &[Column], line: &str) -> Result<Vec<Value>, StorageError> {
    let bad = |what: String| StorageError::Corrupt(format!("table {table}: {what}"));
    let json: serde_json::Value =
        serde_json::from_str(line).map_err(|e| bad(format!("row is not JSON: {e}")))?;
    let serde_json::Value::Array(items) = json else {
        return Err(bad("row is not a JSON array".into()));
    };
    if items.len() != columns.len() {
        return Err(bad(format!(
            "row has {} values for {} columns",
            items.len(),
            columns.len()
        )));
    }
    items
        .into_iter()
        .zip(columns)
        .map(|(v, c)| decode_value(c.kind, v).map_err(|e| bad(format!("column {}: {e}", c.name))))
        .collect()
}

fn decode_value(kind: Kind, v: serde_json::Value) -> Result<Value, String> {
    use serde_json::Value as J;
    Ok(match (kind, v) {
        (_, J::Null) => Value::Null,
        (Kind::BigInt | Kind::Integer, J::Number(n)) => {
            Value::Int(n.as_i64().ok_or_else(|| format!("{n} is not an integer"))?)
        }
        (Kind::Bool, J::Bool(b)) => Value::Bool(b),
        (Kind::Bool, J::Number(n)) => Value::Bool(n.as_i64().unwrap_or(0) != 0),
        (Kind::Text, J::String(s)) => Value::Text(s),
        // SQLite may hold a number in a text column; it is carried as text.
        (Kind::Text, J::Number(n)) => Value::Text(n.to_string()),
        (Kind::Timestamp, J::String(s)) => Value::Timestamp(parse_timestamp(&s)?),
        (Kind::Date, J::String(s)) => Value::Date(
            NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|e| format!("date {s:?}: {e}"))?,
        ),
        (Kind::Bytes, J::String(s)) => Value::Bytes(from_hex(&s)?),
        (k, other) => return Err(format!("{other} is not a {}", k.code())),
    })
}

/// A timestamp as either backend writes it (`2026-12-07 01:02:03.456`,
/// `2026-12-07T01:02:03.456789`, seconds and fraction optional).
pub fn parse_timestamp(s: &str) -> Result<NaiveDateTime, String> {
    let s = s.trim_end_matches('Z');
    for format in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, format) {
            return Ok(t);
        }
    }
    Err(format!("timestamp {s:?} is not in a known form"))
}

fn from_hex(s: &str) -> Result<Vec<u8>, String> {
    if !s.len().is_multiple_of(2) {
        return Err("odd number of hex digits".into());
    }
    let digit = |b: u8| match b {
        b'0'..=b'9' => Ok(b - b'0'),
        b'a'..=b'f' => Ok(b - b'a' + 10),
        b'A'..=b'F' => Ok(b - b'A' + 10),
        _ => Err(format!("{:?} is not a hex digit", char::from(b))),
    };
    s.as_bytes()
        .chunks(2)
        .map(|p| Ok(digit(p[0])? << 4 | digit(p[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_of_both_backends_parse() {
        let t = parse_timestamp("2026-12-07 01:02:03").unwrap();
        assert_eq!(t.to_string(), "2026-12-07 01:02:03");
        let t = parse_timestamp("2026-12-07T01:02:03.123456").unwrap();
        assert_eq!(t.and_utc().timestamp_subsec_micros(), 123_456);
        let t = parse_timestamp("2026-12-07 01:02:03.123456789").unwrap();
        assert_eq!(t.and_utc().timestamp_subsec_nanos(), 123_456_789);
        assert!(parse_timestamp("yesterday").is_err());
    }

    #[test]
    fn hex_reads_both_cases() {
        assert_eq!(from_hex("00ffA0").unwrap(), vec![0, 255, 160]);
        assert!(from_hex("0").is_err());
        assert!(from_hex("zz").is_err());
    }
}
