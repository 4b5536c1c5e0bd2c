//! Encryption at rest: the columns that name or describe a person (ID
//! numbers, phones, addresses, health, free-text notes) are stored sealed
//! with an authenticated cipher, and ID numbers also as a blind index (a
//! keyed hash) so exact search and the one-open-file rule still use an
//! index.
//!
//! Why the cipher is a trait here: storage is the one place that knows
//! which columns are sealed, so every read and write of them passes through
//! it and no use case can forget; but the keys and the cryptography belong
//! to the service layer (`bangfu_service::field_keys`), which hands the
//! database a [`FieldCipher`] when it opens it. Storage never sees a key.
//!
//! A database from before this version holds these columns in the clear.
//! [`seal_all`] seals them in place (the first start of this version runs
//! it) and, after a key rotation, re-seals them with the new key; opening a
//! value that is not sealed returns it unchanged, so the database stays
//! readable while the pass runs.

use crate::db::{run, Conn, Raw};
use crate::schema::at_rest;
use crate::StorageError;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Binary, Nullable, Text};

/// Seals and opens column values and computes blind indexes. Implemented
/// by the service layer with the data key.
pub trait FieldCipher: Send + Sync {
    /// Seals `plain` for `column` (`table.column`, authenticated, so a value
    /// moved to another column does not open) under the current key. The
    /// empty string stays empty.
    fn seal(&self, column: &str, plain: &str) -> Result<String, String>;
    /// Opens what [`FieldCipher::seal`] sealed with any key of the ring. A
    /// value that is not sealed (a database from before encryption, during
    /// the first start) is returned as it is.
    fn open(&self, column: &str, stored: &str) -> Result<String, String>;
    /// Whether `stored` is sealed with the current key (or is empty).
    fn is_current(&self, stored: &str) -> bool;
    /// Seals a file's bytes for `column`, as [`FieldCipher::seal`] seals
    /// text. Empty stays empty.
    fn seal_bytes(&self, column: &str, plain: &[u8]) -> Result<Vec<u8>, String>;
    /// Opens what [`FieldCipher::seal_bytes`] sealed; bytes that are not
    /// sealed (a file stored before this version) are returned as they are.
    fn open_bytes(&self, column: &str, stored: &[u8]) -> Result<Vec<u8>, String>;
    /// Whether a file's bytes are sealed with the current key (or empty).
    fn is_current_bytes(&self, stored: &[u8]) -> bool;
    /// The blind index of an ID number under the current key.
    fn index(&self, id_number: &str) -> Result<String, String>;
    /// Its blind index under every key of the ring, current first: lookups
    /// use them all, so rows not yet re-indexed after a rotation are found.
    fn indexes(&self, id_number: &str) -> Result<Vec<String>, String>;
    /// The current key's id.
    fn key_id(&self) -> String;
}

/// The cipher of a database opened without a key: it seals nothing, so a
/// write of a sealed column fails rather than landing in the clear.
pub struct Unkeyed;

const NO_KEY: &str = "没有配置数据密钥（--key-file、BANGFU_KEY_FILE 或 BANGFU_KEY）";

impl FieldCipher for Unkeyed {
    fn seal(&self, _column: &str, plain: &str) -> Result<String, String> {
        if plain.is_empty() {
            Ok(String::new())
        } else {
            Err(NO_KEY.into())
        }
    }
    fn open(&self, _column: &str, stored: &str) -> Result<String, String> {
        Ok(stored.to_owned())
    }
    fn is_current(&self, stored: &str) -> bool {
        stored.is_empty()
    }
    fn seal_bytes(&self, _column: &str, plain: &[u8]) -> Result<Vec<u8>, String> {
        if plain.is_empty() {
            Ok(Vec::new())
        } else {
            Err(NO_KEY.into())
        }
    }
    fn open_bytes(&self, _column: &str, stored: &[u8]) -> Result<Vec<u8>, String> {
        Ok(stored.to_vec())
    }
    fn is_current_bytes(&self, stored: &[u8]) -> bool {
        stored.is_empty()
    }
    fn index(&self, _id_number: &str) -> Result<String, String> {
        Err(NO_KEY.into())
    }
    fn indexes(&self, _id_number: &str) -> Result<Vec<String>, String> {
        Err(NO_KEY.into())
    }
    fn key_id(&self) -> String {
        String::new()
    }
}

fn err(e: String) -> StorageError {
    StorageError::Sealing(e)
}

impl Conn {
    /// `plain` sealed for `column`.
    pub(crate) fn seal(&self, column: &str, plain: &str) -> Result<String, StorageError> {
        self.cipher().seal(column, plain).map_err(err)
    }

    pub(crate) fn seal_opt(
        &self,
        column: &str,
        plain: Option<&str>,
    ) -> Result<Option<String>, StorageError> {
        plain.map(|p| self.seal(column, p)).transpose()
    }

    /// A stored value of `column`, opened.
    pub(crate) fn open(&self, column: &str, stored: &str) -> Result<String, StorageError> {
        self.cipher().open(column, stored).map_err(err)
    }

    pub(crate) fn open_opt(
        &self,
        column: &str,
        stored: Option<&str>,
    ) -> Result<Option<String>, StorageError> {
        stored.map(|s| self.open(column, s)).transpose()
    }

    /// A file's bytes sealed for `column`.
    pub(crate) fn seal_bytes(&self, column: &str, plain: &[u8]) -> Result<Vec<u8>, StorageError> {
        self.cipher().seal_bytes(column, plain).map_err(err)
    }

    /// A stored file of `column`, opened.
    pub(crate) fn open_bytes(&self, column: &str, stored: &[u8]) -> Result<Vec<u8>, StorageError> {
        self.cipher().open_bytes(column, stored).map_err(err)
    }

    /// The blind index of an ID number, for a row being written.
    pub(crate) fn index(&self, id_number: &str) -> Result<String, StorageError> {
        self.cipher().index(id_number).map_err(err)
    }

    /// Its blind indexes under every key, for a lookup.
    pub(crate) fn indexes(&self, id_number: &str) -> Result<Vec<String>, StorageError> {
        self.cipher().indexes(id_number).map_err(err)
    }

    /// The blind indexes of many ID numbers, each with the number it
    /// stands for.
    pub(crate) fn indexes_of<'a>(
        &self,
        id_numbers: &[&'a str],
    ) -> Result<Vec<(String, &'a str)>, StorageError> {
        let mut out = Vec::with_capacity(id_numbers.len());
        for id in id_numbers {
            for i in self.indexes(id)? {
                out.push((i, *id));
            }
        }
        Ok(out)
    }
}

/// One sealed column: its table, the table's key columns (the second `"0"`
/// when the key is one column), and the column of its blind index if it is
/// an ID number.
struct Sealed {
    table: &'static str,
    key: &'static str,
    key2: &'static str,
    column: &'static str,
    index: Option<&'static str>,
}

const fn col(table: &'static str, key: &'static str, column: &'static str) -> Sealed {
    Sealed {
        table,
        key,
        key2: "0",
        column,
        index: None,
    }
}

const fn id_col(table: &'static str, column: &'static str, index: &'static str) -> Sealed {
    Sealed {
        table,
        key: "id",
        key2: "0",
        column,
        index: Some(index),
    }
}

/// Every sealed column. A column added here is sealed in place by the next
/// start; its reads and writes must go through [`Conn::open`] and
/// [`Conn::seal`].
const SEALED: &[Sealed] = &[
    id_col("households", "worker_id_number", "worker_id_index"),
    col("households", "id", "phone"),
    col("households", "id", "address"),
    col("households", "id", "health"),
    col("households", "id", "notes"),
    id_col("members", "id_number", "id_index"),
    col("members", "id", "health"),
    id_col("applications", "worker_id_number", "worker_id_index"),
    col("applications", "id", "phone"),
    col("applications", "id", "data_json"),
    col("application_steps", "id", "detail_json"),
    id_col("temporary_files", "worker_id_number", "worker_id_index"),
    col("temporary_files", "id", "phone"),
    col("temporary_files", "id", "address"),
    col("visits", "id", "met"),
    col("visits", "id", "looked"),
    col("visits", "id", "asked"),
    col("visits", "id", "explained"),
    col("visits", "id", "findings"),
    col("visits", "id", "needs"),
    col("assistance", "id", "note"),
    col("exits", "id", "note"),
    col("exit_steps", "id", "note"),
    col("verification_findings", "id", "note"),
    col("verification_findings", "id", "facts"),
    col("verification_findings", "id", "dataset_says"),
    col("verification_findings", "id", "file_says"),
    col("measures", "id", "content"),
    col("matches", "id", "reason"),
    col("matches", "id", "note"),
    col("plans", "id", "summary"),
    col("pairings", "id", "note"),
    col("campaign_tasks", "id", "note"),
    Sealed {
        table: "campaign_clearances",
        key: "task_id",
        key2: "item",
        column: "note",
        index: None,
    },
    col("users", "id", "totp_secret"),
    col("users", "id", "totp_pending_secret"),
    col("verification_keys", "id", "key_hex"),
];

/// One column of uploaded files: its table, the columns that pick one row
/// (`"0"` when the table has a single key column), and the column.
struct SealedFile {
    table: &'static str,
    key: (&'static str, &'static str),
    column: &'static str,
}

const fn by_id(table: &'static str, column: &'static str) -> SealedFile {
    SealedFile {
        table,
        key: ("id", "0"),
        column,
    }
}

/// Every column of uploaded files (evidence for an application, photos of
/// a visit, an assessment's proof), sealed whole with
/// [`Conn::seal_bytes`]. Their names, types and sizes stay plain.
const SEALED_FILES: &[SealedFile] = &[
    by_id("application_files", "data"),
    by_id("held_uploads", "data"),
    by_id("visit_photos", "data"),
    SealedFile {
        table: "assessment_entries",
        key: ("item_id", "union_id"),
        column: "document",
    },
];

/// The column names of [`SEALED_FILES`], as the code that reads and writes
/// them spells them.
pub(crate) mod files {
    pub const APPLICATION: &str = "application_files.data";
    pub const HELD: &str = "held_uploads.data";
    pub const VISIT_PHOTO: &str = "visit_photos.data";
    pub const ASSESSMENT: &str = "assessment_entries.document";
}

/// What a finished pass records: the current key's id and every sealed
/// column, so a new key or a column added to [`SEALED`] by a later version
/// makes the next start seal again.
fn done_mark(conn: &Conn) -> String {
    format!("{} {}", conn.cipher().key_id(), sealed_columns().join(","))
}

/// The `table.column` names of the sealed columns (for documentation and
/// the tests that look for clear text in a database file).
pub fn sealed_columns() -> Vec<String> {
    SEALED
        .iter()
        .map(|s| (s.table, s.column))
        .chain(SEALED_FILES.iter().map(|f| (f.table, f.column)))
        .map(|(t, c)| format!("{t}.{c}"))
        .collect()
}

#[derive(QueryableByName)]
struct Cell {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    id2: i64,
    #[diesel(sql_type = Nullable<Text>)]
    value: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    idx: Option<String>,
}

/// What a sealing pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SealReport {
    /// Values sealed or re-sealed.
    pub sealed: u64,
    /// Rows of `open_persons` re-indexed.
    pub open_persons: u64,
}

/// What the last finished pass sealed: the key and the list of sealed
/// columns (see [`done_mark`]), if a pass has finished.
pub fn sealed_with(conn: &mut Conn) -> Result<Option<String>, StorageError> {
    Ok(run!(conn, c => at_rest::table
        .filter(at_rest::id.eq(1))
        .select(at_rest::sealed_key)
        .first::<Option<String>>(c)
        .optional())?
    .flatten())
}

/// The stored check value (a constant sealed with the key the database
/// was first sealed with), if any.
pub fn check_value(conn: &mut Conn) -> Result<Option<String>, StorageError> {
    Ok(run!(conn, c => at_rest::table
        .filter(at_rest::id.eq(1))
        .select(at_rest::key_check)
        .first::<String>(c)
        .optional())?)
}

const CHECK_COLUMN: &str = "at_rest.key_check";
const CHECK_TEXT: &str = "bangfu";

/// Whether the database's data opens with this cipher: `Ok(())` when it
/// does or the database has never been sealed, else an error saying the
/// key is not the one that sealed it.
pub fn verify_key(conn: &mut Conn) -> Result<(), StorageError> {
    let Some(check) = check_value(conn)? else {
        return Ok(());
    };
    match conn.open(CHECK_COLUMN, &check) {
        Ok(t) if t == CHECK_TEXT => Ok(()),
        _ => Err(StorageError::Sealing(
            "数据密钥不对：这个数据库是用另一把密钥加密的，请配置加密它的密钥文件".into(),
        )),
    }
}

/// Seals, in batches of `batch` rows each in its own transaction, every
/// value of a sealed column that is not sealed with the current key, fills
/// the blind indexes, re-indexes `open_persons`, and records the key.
/// Safe to interrupt and run again; `progress` hears a line per column.
pub fn seal_all(
    conn: &mut Conn,
    batch: i64,
    progress: &dyn Fn(&str),
) -> Result<SealReport, StorageError> {
    let mut report = SealReport::default();
    if conn.cipher().key_id().is_empty() {
        return Err(err(NO_KEY.into()));
    }
    let current = done_mark(conn);
    for table in ["households", "members"] {
        report.sealed += fold_disability(conn, table, batch)?;
    }
    // Table by table, a batch of rows at a time: every stale column of a
    // row is rewritten by one UPDATE (one new row version, not one per
    // column), and a batch's UPDATEs go in one round trip.
    let mut tables: Vec<&str> = Vec::new();
    for s in SEALED {
        if !tables.contains(&s.table) {
            tables.push(s.table);
        }
    }
    for table in tables {
        let columns: Vec<&Sealed> = SEALED.iter().filter(|s| s.table == table).collect();
        let (key, key2) = (columns[0].key, columns[0].key2);
        let distinct = if key2 == "0" { "" } else { "DISTINCT " };
        let mut after = i64::MIN;
        let mut done = 0u64;
        loop {
            let sql = format!(
                "SELECT {distinct}{key} AS id FROM {table} WHERE {key} > {after} \
                 ORDER BY {key} LIMIT {batch}"
            );
            let ids: Vec<IdRow> = run!(conn, c => diesel::sql_query(&sql).load(c))?;
            let (Some(first), Some(last)) = (ids.first().map(|r| r.id), ids.last().map(|r| r.id))
            else {
                break;
            };
            let mut sets: std::collections::BTreeMap<(i64, i64), Vec<String>> = Default::default();
            for s in &columns {
                let n = stale_cells(conn, s, first, last, &mut sets)?;
                done += n;
            }
            if !sets.is_empty() {
                let mut sql = String::new();
                for ((id, id2), assignments) in &sets {
                    sql.push_str(&format!(
                        "UPDATE {table} SET {} WHERE {key} = {id} AND {key2} = {id2};\n",
                        assignments.join(", ")
                    ));
                }
                conn.transaction(|conn| -> Result<(), StorageError> {
                    run!(conn, c => diesel::connection::SimpleConnection::batch_execute(c, &sql))?;
                    Ok(())
                })?;
            }
            after = last;
        }
        if done > 0 {
            progress(&format!("{table}：加密 {done} 个值"));
        }
        report.sealed += done;
    }
    report.sealed += seal_files(conn, batch, progress)?;
    report.open_persons = reindex_open_persons(conn)?;
    if report.open_persons > 0 {
        progress(&format!(
            "open_persons：重建 {} 行索引",
            report.open_persons
        ));
    }
    if report.sealed > 0 {
        purge_old_pages(conn)?;
    }
    let check = conn.seal(CHECK_COLUMN, CHECK_TEXT)?;
    conn.transaction(|conn| -> Result<(), StorageError> {
        let now = chrono::Utc::now().naive_utc();
        run!(conn, c => diesel::delete(at_rest::table).execute(c))?;
        run!(conn, c => diesel::insert_into(at_rest::table)
            .values((
                at_rest::id.eq(1),
                at_rest::key_check.eq(&check),
                at_rest::sealed_key.eq(Some(&current)),
                at_rest::sealed_at.eq(now),
            ))
            .execute(c))?;
        Ok(())
    })?;
    Ok(report)
}

#[derive(QueryableByName)]
struct FileKey {
    #[diesel(sql_type = BigInt)]
    a: i64,
    #[diesel(sql_type = BigInt)]
    b: i64,
}

#[derive(QueryableByName)]
struct FileCell {
    #[diesel(sql_type = Nullable<Binary>)]
    data: Option<Vec<u8>>,
}

/// Seals every uploaded file not sealed with the current key, one file at
/// a time (a file may be megabytes, so a batch holds only the keys of the
/// rows). Returns the files sealed.
fn seal_files(conn: &mut Conn, batch: i64, progress: &dyn Fn(&str)) -> Result<u64, StorageError> {
    let mut total = 0u64;
    for f in SEALED_FILES {
        let (k1, k2) = f.key;
        let (table, col) = (f.table, f.column);
        let column = format!("{table}.{col}");
        let order = if k2 == "0" {
            k1.to_owned()
        } else {
            format!("{k1}, {k2}")
        };
        let (set, pick) = if matches!(conn.raw, Raw::Sqlite(_)) {
            ("?", format!("{k1} = ? AND {k2} = ?"))
        } else {
            ("$1", format!("{k1} = $2 AND {k2} = $3"))
        };
        let update = format!("UPDATE {table} SET {col} = {set} WHERE {pick}");
        let (mut a, mut b) = (i64::MIN, i64::MIN);
        let mut done = 0u64;
        loop {
            let sql = format!(
                "SELECT {k1} AS a, CAST({k2} AS BIGINT) AS b FROM {table} \
                 WHERE {col} IS NOT NULL AND ({k1} > {a} OR ({k1} = {a} AND {k2} > {b})) \
                 ORDER BY {order} LIMIT {batch}"
            );
            let keys: Vec<FileKey> = run!(conn, c => diesel::sql_query(&sql).load(c))?;
            let Some(last) = keys.last() else {
                break;
            };
            (a, b) = (last.a, last.b);
            for k in &keys {
                let sql = format!(
                    "SELECT {col} AS data FROM {table} WHERE {k1} = {} AND {k2} = {}",
                    k.a, k.b
                );
                let cell: Option<FileCell> =
                    run!(conn, c => diesel::sql_query(&sql).get_result(c).optional())?;
                let Some(stored) = cell.and_then(|c| c.data) else {
                    continue;
                };
                if conn.cipher().is_current_bytes(&stored) {
                    continue;
                }
                let sealed = conn.seal_bytes(&column, &conn.open_bytes(&column, &stored)?)?;
                run!(conn, c => diesel::sql_query(&update)
                    .bind::<Binary, _>(&sealed)
                    .bind::<BigInt, _>(k.a)
                    .bind::<BigInt, _>(k.b)
                    .execute(c))?;
                done += 1;
            }
        }
        if done > 0 {
            progress(&format!("{table}：加密 {done} 个文件"));
        }
        total += done;
    }
    Ok(total)
}

/// Moves the disability grades a database from before encryption keeps in
/// their own (integer) column into the sealed health value of their row
/// (`code:grade`, see `households::sealed::health_text`), emptying the
/// column. Returns the rows changed.
fn fold_disability(conn: &mut Conn, table: &str, batch: i64) -> Result<u64, StorageError> {
    let column = format!("{table}.health");
    let mut done = 0u64;
    loop {
        let sql = format!(
            "SELECT id, CAST(0 AS BIGINT) AS id2, health AS value, \
             CAST(disability_grade AS TEXT) AS idx FROM {table} \
             WHERE disability_grade IS NOT NULL ORDER BY id LIMIT {batch}"
        );
        let cells: Vec<Cell> = run!(conn, c => diesel::sql_query(&sql).load(c))?;
        if cells.is_empty() {
            return Ok(done);
        }
        let mut updates = Vec::with_capacity(cells.len());
        for cell in &cells {
            let (code, _) = crate::households::sealed::health_parts(
                conn,
                &column,
                cell.value.as_deref().unwrap_or_default(),
                None,
            )?;
            let grade = cell.idx.as_deref().and_then(|g| g.parse::<i32>().ok());
            let text = crate::households::sealed::health_text(&code, grade);
            updates.push((cell.id, conn.seal(&column, &text)?));
        }
        let sqlite = matches!(conn.raw, Raw::Sqlite(_));
        let sql = if sqlite {
            format!("UPDATE {table} SET health = ?, disability_grade = NULL WHERE id = ?")
        } else {
            format!("UPDATE {table} SET health = $1, disability_grade = NULL WHERE id = $2")
        };
        conn.transaction(|conn| -> Result<(), StorageError> {
            for (id, sealed) in &updates {
                run!(conn, c => diesel::sql_query(&sql)
                    .bind::<Text, _>(sealed)
                    .bind::<BigInt, _>(*id)
                    .execute(c))?;
            }
            Ok(())
        })?;
        done += updates.len() as u64;
    }
}

/// The assignments that bring one sealed column of the rows `first..=last`
/// up to date (sealed with the current key, its blind index filled), added
/// to `sets` by row; returns how many values were stale.
fn stale_cells(
    conn: &mut Conn,
    s: &Sealed,
    first: i64,
    last: i64,
    sets: &mut std::collections::BTreeMap<(i64, i64), Vec<String>>,
) -> Result<u64, StorageError> {
    let index_sql = s.index.unwrap_or("NULL");
    let sql = format!(
        "SELECT {key} AS id, CAST({key2} AS BIGINT) AS id2, {column} AS value, \
         CAST({index_sql} AS TEXT) AS idx \
         FROM {table} WHERE {key} >= {first} AND {key} <= {last}",
        key = s.key,
        key2 = s.key2,
        column = s.column,
        table = s.table,
    );
    let cells: Vec<Cell> = run!(conn, c => diesel::sql_query(&sql).load(c))?;
    let column = format!("{}.{}", s.table, s.column);
    let mut stale = 0u64;
    for cell in &cells {
        let Some(value) = cell.value.as_deref() else {
            continue;
        };
        let stale_value = !conn.cipher().is_current(value);
        let plain = if stale_value || s.index.is_some() {
            Some(conn.open(&column, value)?)
        } else {
            None
        };
        let index = match (s.index, plain.as_deref()) {
            (Some(_), Some(p)) if !p.is_empty() => Some(conn.index(p)?),
            _ => None,
        };
        if stale_value {
            if let Some(p) = &plain {
                let sealed = conn.seal(&column, p)?;
                sets.entry((cell.id, cell.id2)).or_default().push(format!(
                    "{} = {}",
                    s.column,
                    literal(&sealed)?
                ));
                stale += 1;
            }
        }
        if let Some(i) = s.index {
            if index != cell.idx {
                let lit = match &index {
                    Some(v) => literal(v)?,
                    None => "NULL".to_owned(),
                };
                sets.entry((cell.id, cell.id2))
                    .or_default()
                    .push(format!("{i} = {lit}"));
            }
        }
    }
    Ok(stale)
}

/// A sealed value or a blind index as an SQL literal. Both are made of
/// characters that need no escaping (`$`, digits, letters, `-`, `_`);
/// anything else is refused rather than quoted, so no text a person typed
/// can reach the statement.
fn literal(v: &str) -> Result<String, StorageError> {
    if v.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '$' | '-' | '_'))
    {
        Ok(format!("'{v}'"))
    } else {
        Err(err("a sealed value holds an unexpected character".into()))
    }
}

/// Rebuilds `open_persons` from the blind indexes of the open files'
/// workers and members, in one transaction (so the one-open-file rule holds
/// throughout). Its rows are keyed by index, which the pass cannot invert,
/// so they are derived again rather than converted.
fn reindex_open_persons(conn: &mut Conn) -> Result<u64, StorageError> {
    conn.transaction(|conn| -> Result<u64, StorageError> {
        let households: Vec<i64> = run!(conn, c => diesel::sql_query(
            "SELECT DISTINCT household_id AS id FROM open_persons ORDER BY household_id",
        )
        .load::<IdRow>(c))?
        .into_iter()
        .map(|r| r.id)
        .collect();
        run!(conn, c => diesel::sql_query("DELETE FROM open_persons").execute(c))?;
        let mut rows = 0u64;
        for chunk in households.chunks(500) {
            let list = chunk
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let workers = format!(
                "INSERT INTO open_persons (person_index, household_id) \
                 SELECT worker_id_index, id FROM households \
                 WHERE id IN ({list}) AND worker_id_index IS NOT NULL"
            );
            let members = format!(
                "INSERT INTO open_persons (person_index, household_id) \
                 SELECT DISTINCT id_index, household_id FROM members \
                 WHERE household_id IN ({list}) AND id_index IS NOT NULL \
                 ON CONFLICT DO NOTHING"
            );
            rows += run!(conn, c => diesel::sql_query(&workers).execute(c))? as u64;
            rows += run!(conn, c => diesel::sql_query(&members).execute(c))? as u64;
        }
        Ok(rows)
    })
}

/// The clear values a pass replaced may linger: in the planner's samples
/// of index keys (SQLite's `sqlite_stat4`, PostgreSQL's `pg_statistic`),
/// which `ANALYZE` takes again from the sealed data, and in a SQLite file's
/// free pages and write-ahead log, which are emptied (the log checkpointed
/// and truncated, the file rebuilt by `VACUUM`). On PostgreSQL `VACUUM`
/// marks the old row versions reusable; their bytes stay in the data files
/// until reused (a dump never shows them, and `docs/operations.md` says
/// how to rewrite the tables at once).
fn purge_old_pages(conn: &mut Conn) -> Result<(), StorageError> {
    match &mut conn.raw {
        Raw::Sqlite(c) => diesel::connection::SimpleConnection::batch_execute(
            &mut **c,
            "ANALYZE; PRAGMA wal_checkpoint(TRUNCATE); VACUUM; PRAGMA wal_checkpoint(TRUNCATE);",
        )?,
        // Every sealed row was rewritten: the old versions are made
        // reusable and the visibility map set again at once, rather than
        // when autovacuum comes round (reads are slow until then).
        Raw::Pg(c) => {
            let mut tables: Vec<&str> = SEALED.iter().map(|s| s.table).collect();
            tables.extend(SEALED_FILES.iter().map(|f| f.table));
            tables.dedup();
            tables.push("open_persons");
            diesel::connection::SimpleConnection::batch_execute(
                &mut **c,
                &format!("VACUUM (ANALYZE) {}", tables.join(", ")),
            )?
        }
    }
    Ok(())
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// What the first start of a process does: refuses a key that is not the
/// one the data was sealed with, and, when some columns are not yet sealed
/// with the current key (a database from before encryption, or a new key
/// after `bangfu keys rotate`), seals them. `None` when nothing was due. On
/// PostgreSQL an advisory lock keeps many processes starting at once from
/// doing the work twice. A database opened without a key only has its key
/// left unchecked: writing a sealed column will fail.
pub fn prepare(
    conn: &mut Conn,
    progress: &dyn Fn(&str),
) -> Result<Option<SealReport>, StorageError> {
    if conn.cipher().key_id().is_empty() {
        return Ok(None);
    }
    verify_key(conn)?;
    let current = done_mark(conn);
    if sealed_with(conn)?.as_deref() == Some(current.as_str()) {
        return Ok(None);
    }
    if let Raw::Pg(c) = &mut conn.raw {
        diesel::connection::SimpleConnection::batch_execute(
            &mut **c,
            "SELECT pg_advisory_lock(727219)",
        )?;
    }
    let result = if sealed_with(conn)?.as_deref() == Some(current.as_str()) {
        Ok(None)
    } else {
        seal_all(conn, 1000, progress).map(Some)
    };
    if let Raw::Pg(c) = &mut conn.raw {
        diesel::connection::SimpleConnection::batch_execute(
            &mut **c,
            "SELECT pg_advisory_unlock(727219)",
        )?;
    }
    result
}
