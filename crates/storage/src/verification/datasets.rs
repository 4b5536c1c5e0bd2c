//! The catalogue of department datasets: the built-ins (seeded by the
//! migration) and those an administrator added. Entries are never deleted;
//! batches and findings record an entry's code.

use crate::db::{run, Conn};
use crate::query::{name_of, user_names};
use crate::schema::verification_datasets as vd;
use crate::StorageError;
use bangfu_domain::verification::{Dataset, DatasetEntry};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// An entry with who added and last changed it (none: shipped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDataset {
    pub entry: DatasetEntry,
    pub created_by: Option<i64>,
    pub created_by_name: String,
    pub created_at: NaiveDateTime,
    pub updated_by: Option<i64>,
    pub updated_by_name: String,
    pub updated_at: NaiveDateTime,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = vd)]
struct Row {
    code: String,
    label: String,
    department: String,
    kind: String,
    position: i32,
    active: bool,
    created_by: Option<i64>,
    created_at: NaiveDateTime,
    updated_by: Option<i64>,
    updated_at: NaiveDateTime,
}

fn entry_of(r: &Row) -> Result<DatasetEntry, StorageError> {
    Ok(DatasetEntry {
        kind: Dataset::parse(&r.kind)
            .map_err(|_| StorageError::Corrupt(format!("dataset {} kind", r.code)))?,
        code: r.code.clone(),
        label: r.label.clone(),
        department: r.department.clone(),
        position: r.position,
        active: r.active,
    })
}

/// Every entry, in order (only the active ones when `active_only`).
pub fn list_datasets(
    conn: &mut Conn,
    active_only: bool,
) -> Result<Vec<StoredDataset>, StorageError> {
    let rows: Vec<Row> = run!(conn, c => {
        let mut q = vd::table.into_boxed();
        if active_only {
            q = q.filter(vd::active.eq(true));
        }
        q.order((vd::position.asc(), vd::code.asc()))
            .select(Row::as_select())
            .load(c)
    })?;
    let people = user_names(
        conn,
        rows.iter()
            .flat_map(|r| [r.created_by, r.updated_by])
            .flatten(),
    )?;
    rows.into_iter()
        .map(|r| {
            Ok(StoredDataset {
                entry: entry_of(&r)?,
                created_by: r.created_by,
                created_by_name: r
                    .created_by
                    .map(|u| name_of(&people, u))
                    .unwrap_or_default(),
                created_at: r.created_at,
                updated_by: r.updated_by,
                updated_by_name: r
                    .updated_by
                    .map(|u| name_of(&people, u))
                    .unwrap_or_default(),
                updated_at: r.updated_at,
            })
        })
        .collect()
}

/// Every entry, active or not, without who and when: what a batch's code
/// is resolved against and what lists name their rows by.
pub fn catalogue(conn: &mut Conn) -> Result<Vec<DatasetEntry>, StorageError> {
    let rows: Vec<Row> = run!(conn, c => vd::table
        .order((vd::position.asc(), vd::code.asc()))
        .select(Row::as_select())
        .load(c))?;
    rows.iter().map(entry_of).collect()
}

/// One entry by code, active or not.
pub fn find_dataset(conn: &mut Conn, code: &str) -> Result<Option<StoredDataset>, StorageError> {
    Ok(list_datasets(conn, false)?
        .into_iter()
        .find(|d| d.entry.code == code))
}

/// Adds an entry; false when its code or label is already taken.
pub fn insert_dataset(
    conn: &mut Conn,
    e: &DatasetEntry,
    by: i64,
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    let n = run!(conn, c => diesel::insert_into(vd::table)
        .values((
            vd::code.eq(&e.code),
            vd::label.eq(&e.label),
            vd::department.eq(&e.department),
            vd::kind.eq(e.kind.code()),
            vd::position.eq(e.position),
            vd::active.eq(e.active),
            vd::created_by.eq(Some(by)),
            vd::created_at.eq(now),
            vd::updated_by.eq(Some(by)),
            vd::updated_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(n == 1)
}

/// Changes an entry's label, department and whether it is active (its
/// code and kind never change); false when there is no such entry.
pub fn update_dataset(
    conn: &mut Conn,
    e: &DatasetEntry,
    by: i64,
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    let n = run!(conn, c => diesel::update(vd::table.filter(vd::code.eq(&e.code)))
        .set((
            vd::label.eq(&e.label),
            vd::department.eq(&e.department),
            vd::active.eq(e.active),
            vd::updated_by.eq(Some(by)),
            vd::updated_at.eq(now),
        ))
        .execute(c))?;
    Ok(n == 1)
}

/// The next free position at the end of the catalogue.
pub fn next_dataset_position(conn: &mut Conn) -> Result<i32, StorageError> {
    let max: Option<i32> = run!(conn, c => vd::table
        .select(diesel::dsl::max(vd::position))
        .first(c))?;
    Ok(max.unwrap_or(0) + 1)
}
