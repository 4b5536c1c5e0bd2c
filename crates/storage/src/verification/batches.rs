//! The batches a department sent: what, from whom, as of when, and counts.

use super::datasets::catalogue;
use crate::db::{run, Conn};
use crate::query::{insert_returning_id, name_of, page_of, union_names, user_names, Optional};
use crate::schema::verification_batches;
use crate::{Page, PageRequest, Scope, StorageError};
use bangfu_domain::verification::DatasetEntry;
use bangfu_domain::{UnionId, UnionPath};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub id: i64,
    /// The catalogue's entry the batch was sent as (active or not now).
    pub dataset: DatasetEntry,
    pub source: String,
    pub as_of: NaiveDate,
    pub union_id: UnionId,
    pub union_name: String,
    pub key_id: Option<i64>,
    pub file_name: Option<String>,
    pub rows: i64,
    pub hashed_rows: i64,
    pub duplicate_rows: i64,
    pub matched_people: i64,
    pub findings: i64,
    pub created_by: i64,
    pub created_by_name: String,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = verification_batches)]
struct Row {
    id: i64,
    dataset: String,
    source: String,
    as_of: NaiveDate,
    union_id: i64,
    key_id: Option<i64>,
    file_name: Option<String>,
    row_count: i64,
    hashed_rows: i64,
    duplicate_rows: i64,
    matched_people: i64,
    finding_count: i64,
    created_by: i64,
    created_at: NaiveDateTime,
}

fn assemble(conn: &mut Conn, rows: Vec<Row>) -> Result<Vec<Batch>, StorageError> {
    let unions = union_names(conn, rows.iter().map(|r| r.union_id))?;
    let people = user_names(conn, rows.iter().map(|r| r.created_by))?;
    let datasets = if rows.is_empty() {
        Vec::new()
    } else {
        catalogue(conn)?
    };
    rows.into_iter()
        .map(|r| {
            Ok(Batch {
                dataset: datasets
                    .iter()
                    .find(|d| d.code == r.dataset)
                    .cloned()
                    .ok_or_else(|| StorageError::Corrupt(format!("batch {} dataset", r.id)))?,
                id: r.id,
                source: r.source,
                as_of: r.as_of,
                union_id: UnionId(r.union_id),
                union_name: name_of(&unions, r.union_id),
                key_id: r.key_id,
                file_name: r.file_name,
                rows: r.row_count,
                hashed_rows: r.hashed_rows,
                duplicate_rows: r.duplicate_rows,
                matched_people: r.matched_people,
                findings: r.finding_count,
                created_by: r.created_by,
                created_by_name: name_of(&people, r.created_by),
                created_at: r.created_at,
            })
        })
        .collect()
}

#[derive(Debug, Clone)]
pub struct NewBatch<'a> {
    /// The catalogue code.
    pub dataset: &'a str,
    pub source: &'a str,
    pub as_of: NaiveDate,
    pub union_id: UnionId,
    pub union_path: &'a UnionPath,
    pub key_id: Option<i64>,
    pub file_name: Option<&'a str>,
    pub rows: i64,
    pub hashed_rows: i64,
    pub duplicate_rows: i64,
    pub matched_people: i64,
    pub findings: i64,
    pub created_by: i64,
}

pub fn insert_batch(
    conn: &mut Conn,
    b: &NewBatch<'_>,
    now: NaiveDateTime,
) -> Result<i64, StorageError> {
    Ok(insert_returning_id!(
        conn,
        verification_batches,
        (
            verification_batches::dataset.eq(b.dataset),
            verification_batches::source.eq(b.source),
            verification_batches::as_of.eq(b.as_of),
            verification_batches::union_id.eq(b.union_id.0),
            verification_batches::union_path.eq(b.union_path.as_str()),
            verification_batches::key_id.eq(b.key_id),
            verification_batches::file_name.eq(b.file_name),
            verification_batches::row_count.eq(b.rows),
            verification_batches::hashed_rows.eq(b.hashed_rows),
            verification_batches::duplicate_rows.eq(b.duplicate_rows),
            verification_batches::matched_people.eq(b.matched_people),
            verification_batches::finding_count.eq(b.findings),
            verification_batches::created_by.eq(b.created_by),
            verification_batches::created_at.eq(now),
        )
    )?)
}

/// Which batches a list shows.
#[derive(Debug, Clone, Default)]
pub struct BatchFilter {
    /// Only those this user sent (a department user sees no others).
    pub created_by: Option<i64>,
    /// A catalogue code.
    pub dataset: Option<String>,
}

pub fn list_batches(
    conn: &mut Conn,
    scope: &Scope,
    filter: &BatchFilter,
    page: PageRequest,
) -> Result<Page<Batch>, StorageError> {
    macro_rules! filtered {
        () => {
            verification_batches::table
                .filter(scope.covers(verification_batches::union_path))
                .into_boxed()
                .if_some(filter.created_by, |q, u| {
                    q.filter(verification_batches::created_by.eq(u))
                })
                .if_some(filter.dataset.as_deref(), |q, d| {
                    q.filter(verification_batches::dataset.eq(d))
                })
        };
    }
    let (rows, total): (Vec<Row>, i64) = run!(conn, c => page_of!(c, page, filtered,
        order: verification_batches::id.desc(),
        select: Row::as_select()))?;
    Ok(page.of(assemble(conn, rows)?, total))
}

pub fn find_batch(
    conn: &mut Conn,
    scope: &Scope,
    id: i64,
    created_by: Option<i64>,
) -> Result<Option<Batch>, StorageError> {
    let rows: Vec<Row> = run!(conn, c => verification_batches::table
        .filter(verification_batches::id.eq(id))
        .filter(scope.covers(verification_batches::union_path))
        .into_boxed()
        .if_some(created_by, |q, u| q.filter(verification_batches::created_by.eq(u)))
        .select(Row::as_select())
        .load(c))?;
    Ok(assemble(conn, rows)?.into_iter().next())
}
