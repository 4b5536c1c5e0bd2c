//! The shapes every storage area shares, written once: names by id, the
//! optional filters of a list, one page of a list with its count, and the
//! insert that returns the new row's id.
//!
//! A list is read in one [`run!`](crate::db::run) body, so its query is
//! compiled for SQLite and PostgreSQL alike; a list's own filters stay in
//! its area (they are what differs), written with [`Optional::if_some`], and
//! the count-then-page around them is [`page_of!`].

use crate::db::{run, Conn};
use crate::schema::{households, unions, users};
use crate::{Page, PageRequest, StorageError};
use diesel::prelude::*;
use std::borrow::Borrow;
use std::collections::HashMap;

/// How many ids one `IN (…)` lists at most, well under every backend's limit
/// of bound parameters.
const IDS_PER_QUERY: usize = 1000;

/// Reads `(id, name)` pairs for `ids` a chunk at a time, each id once.
macro_rules! names_by_id {
    ($conn:expr, $ids:expr, $table:ident, $name:ident) => {{
        let mut ids: Vec<i64> = $ids.into_iter().map(|i| *i.borrow()).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut out: HashMap<i64, String> = HashMap::new();
        for chunk in ids.chunks(IDS_PER_QUERY) {
            let rows: Vec<(i64, String)> = run!($conn, c => $table::table
                .filter($table::id.eq_any(chunk))
                .select(($table::id, $table::$name))
                .load(c))?;
            out.extend(rows);
        }
        Ok(out)
    }};
}

/// Names of unions by id: the rows of a list carry union ids, and the few on
/// a page are named afterwards rather than joined into a count of many.
pub fn union_names(
    conn: &mut Conn,
    ids: impl IntoIterator<Item = impl Borrow<i64>>,
) -> Result<HashMap<i64, String>, StorageError> {
    names_by_id!(conn, ids, unions, name)
}

/// File numbers of households by id, whatever their union: for naming the
/// objects of rows the caller already may read (audit entries).
pub fn file_numbers(
    conn: &mut Conn,
    ids: impl IntoIterator<Item = impl Borrow<i64>>,
) -> Result<HashMap<i64, String>, StorageError> {
    names_by_id!(conn, ids, households, file_no)
}

/// Display names of users by id (who gave, answered, approved, recorded…).
pub fn user_names(
    conn: &mut Conn,
    ids: impl IntoIterator<Item = impl Borrow<i64>>,
) -> Result<HashMap<i64, String>, StorageError> {
    names_by_id!(conn, ids, users, display_name)
}

/// The name of `id` in a map from [`union_names`] or [`user_names`]; empty
/// when it is missing (a row whose union or person is gone still shows).
pub(crate) fn name_of(names: &HashMap<i64, String>, id: i64) -> String {
    names.get(&id).cloned().unwrap_or_default()
}

/// The optional filters of a list: each applies only when its value is
/// given, so a list's filters read one line each.
pub(crate) trait Optional: Sized {
    /// `f(self, v)` when `v` is given, else `self` unchanged.
    fn if_some<T>(self, v: Option<T>, f: impl FnOnce(Self, T) -> Self) -> Self {
        match v {
            Some(v) => f(self, v),
            None => self,
        }
    }
}

impl<Q> Optional for Q {}

impl PageRequest {
    /// The page these rows are, out of `total` matching the filter.
    pub fn of<T>(self, items: Vec<T>, total: i64) -> Page<T> {
        Page {
            items,
            total,
            page: self.page,
            per_page: self.per_page,
            capped: false,
            next_after: None,
        }
    }
}

/// One page of a list and the count of all its rows, inside a `run!` body:
/// `c` is the connection, `$filtered` the list's local macro building its
/// boxed, filtered query (a boxed query is consumed by use, so it is built
/// once for the count and once for the page). Evaluates to
/// `QueryResult<(Vec<row>, i64)>`.
///
/// `order` takes one ordering; `sorted` a query already ordered (for lists
/// whose order is chosen, built from `$filtered!()` by the caller).
macro_rules! page_of {
    ($c:ident, $page:expr, $filtered:ident, order: $order:expr, select: $select:expr) => {
        $crate::query::page_of!($c, $page, $filtered, sorted: $filtered!().order($order), select: $select)
    };
    ($c:ident, $page:expr, $filtered:ident, sorted: $sorted:expr, select: $select:expr) => {{
        let total: i64 = $filtered!().count().get_result($c)?;
        let rows = $sorted
            .limit($page.per_page)
            .offset($page.offset())
            .select($select)
            .load($c)?;
        Ok::<_, ::diesel::result::Error>((rows, total))
    }};
}
pub(crate) use page_of;

/// Inserts one row into `$table` and returns its new id (`RETURNING id`,
/// which both backends support).
macro_rules! insert_returning_id {
    ($conn:expr, $table:ident, $values:expr) => {
        $crate::db::run!($conn, c => ::diesel::insert_into($table::table)
            .values($values)
            .returning($table::id)
            .get_result::<i64>(c))
    };
}
pub(crate) use insert_returning_id;

/// Writes `$set` (a tuple of `column.eq(value)`) to the row `$id` of
/// `$table` only if it is still at `$version`, and bumps the version: the
/// optimistic lock of every record people edit. Evaluates to
/// `Result<bool, StorageError>`: false when someone else wrote first
/// (nothing is written then).
macro_rules! update_at_version {
    ($conn:expr, $table:ident, $id:expr, $version:expr, $set:expr) => {
        $crate::db::run!($conn, c => ::diesel::update(
            $table::table
                .filter($table::id.eq($id))
                .filter($table::version.eq($version)),
        )
        .set(($set, $table::version.eq($version + 1)))
        .execute(c))
        .map(|n| n == 1)
        .map_err($crate::StorageError::from)
    };
}
pub(crate) use update_at_version;
