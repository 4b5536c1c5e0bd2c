//! The dictionary: catalogues an administrator edits (tracks, programmes,
//! kinds of assistance, guarantee lines, departments).
//!
//! Entries are never deleted: a code once used stays readable, and an entry
//! no longer offered is deactivated.

use crate::db::{run, Conn};
use crate::schema::dictionary;
use crate::StorageError;
use bangfu_domain::assistance::Catalogue;
use diesel::prelude::*;
use std::collections::HashMap;

/// One entry of a catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub kind: Catalogue,
    pub code: String,
    pub label: String,
    pub position: i32,
    pub active: bool,
}

type R = (String, String, String, i32, bool);

fn convert((kind, code, label, position, active): R) -> Result<Entry, StorageError> {
    Ok(Entry {
        kind: Catalogue::parse(&kind)
            .map_err(|_| StorageError::Corrupt(format!("dictionary kind {kind}")))?,
        code,
        label,
        position,
        active,
    })
}

/// The columns an [`Entry`] is read from.
const ENTRY_COLUMNS: (
    dictionary::kind,
    dictionary::code,
    dictionary::label,
    dictionary::position,
    dictionary::active,
) = (
    dictionary::kind,
    dictionary::code,
    dictionary::label,
    dictionary::position,
    dictionary::active,
);

/// The entries of one catalogue (or all, when `kind` is `None`), in order;
/// only the active ones when `active_only`.
pub fn list(
    conn: &mut Conn,
    kind: Option<Catalogue>,
    active_only: bool,
) -> Result<Vec<Entry>, StorageError> {
    let rows: Vec<R> = run!(conn, c => {
        let mut q = dictionary::table.into_boxed();
        if let Some(k) = kind {
            q = q.filter(dictionary::kind.eq(k.code()));
        }
        if active_only {
            q = q.filter(dictionary::active.eq(true));
        }
        q.order((dictionary::kind.asc(), dictionary::position.asc(), dictionary::code.asc()))
            .select(ENTRY_COLUMNS)
            .load(c)
    })?;
    rows.into_iter().map(convert).collect()
}

/// One entry, active or not.
pub fn find(conn: &mut Conn, kind: Catalogue, code: &str) -> Result<Option<Entry>, StorageError> {
    let row: Option<R> = run!(conn, c => dictionary::table
        .filter(dictionary::kind.eq(kind.code()))
        .filter(dictionary::code.eq(code))
        .select(ENTRY_COLUMNS)
        .first(c)
        .optional())?;
    row.map(convert).transpose()
}

/// Code → label of every entry of a catalogue, inactive ones included (to
/// show what old records refer to).
pub fn labels(conn: &mut Conn, kind: Catalogue) -> Result<HashMap<String, String>, StorageError> {
    let rows: Vec<(String, String)> = run!(conn, c => dictionary::table
        .filter(dictionary::kind.eq(kind.code()))
        .select((dictionary::code, dictionary::label))
        .load(c))?;
    Ok(rows.into_iter().collect())
}

/// Adds an entry; false when the code already exists in the catalogue.
pub fn insert(conn: &mut Conn, e: &Entry) -> Result<bool, StorageError> {
    let n = run!(conn, c => diesel::insert_into(dictionary::table)
        .values((
            dictionary::kind.eq(e.kind.code()),
            dictionary::code.eq(&e.code),
            dictionary::label.eq(&e.label),
            dictionary::position.eq(e.position),
            dictionary::active.eq(e.active),
        ))
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(n == 1)
}

/// Changes label, order and whether the entry is offered; false when there
/// is no such entry.
pub fn update(conn: &mut Conn, e: &Entry) -> Result<bool, StorageError> {
    let n = run!(conn, c => diesel::update(
        dictionary::table
            .filter(dictionary::kind.eq(e.kind.code()))
            .filter(dictionary::code.eq(&e.code)),
    )
    .set((
        dictionary::label.eq(&e.label),
        dictionary::position.eq(e.position),
        dictionary::active.eq(e.active),
    ))
    .execute(c))?;
    Ok(n == 1)
}

/// The next free position at the end of a catalogue.
pub fn next_position(conn: &mut Conn, kind: Catalogue) -> Result<i32, StorageError> {
    let max: Option<i32> = run!(conn, c => dictionary::table
        .filter(dictionary::kind.eq(kind.code()))
        .select(diesel::dsl::max(dictionary::position))
        .first(c))?;
    Ok(max.unwrap_or(0) + 1)
}
