//! The union tree.

use crate::db::{run, Conn, Raw};
use crate::schema::{households, unions, users};
use crate::{like_pattern, Page, PageRequest, Scope, StorageError};
use bangfu_domain::{UnionId, UnionLevel, UnionPath};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::IntoSql;

#[derive(Debug, Clone)]
pub struct Union {
    pub id: UnionId,
    pub parent_id: Option<UnionId>,
    pub path: UnionPath,
    pub name: String,
    pub level: UnionLevel,
    pub division_code: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = unions)]
struct Row {
    id: i64,
    parent_id: Option<i64>,
    path: String,
    name: String,
    level: String,
    division_code: String,
    active: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl TryFrom<Row> for Union {
    type Error = StorageError;
    fn try_from(r: Row) -> Result<Self, StorageError> {
        Ok(Union {
            id: UnionId(r.id),
            parent_id: r.parent_id.map(UnionId),
            path: UnionPath::from_stored(r.path),
            name: r.name,
            level: UnionLevel::parse(&r.level)
                .map_err(|_| StorageError::Corrupt(format!("union {} level {}", r.id, r.level)))?,
            division_code: r.division_code,
            active: r.active,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

fn convert(rows: Vec<Row>) -> Result<Vec<Union>, StorageError> {
    rows.into_iter().map(Union::try_from).collect()
}

/// A union in scope, or `None` — also when it exists outside the scope, so
/// callers cannot tell the two apart.
pub fn find(conn: &mut Conn, scope: &Scope, id: UnionId) -> Result<Option<Union>, StorageError> {
    let row: Option<Row> = run!(conn, c => unions::table
        .filter(unions::id.eq(id.0))
        .filter(scope.covers(unions::path))
        .select(Row::as_select())
        .first(c)
        .optional())?;
    row.map(Union::try_from).transpose()
}

/// Unscoped: for the operator's command line and for building a signed-in
/// user's own scope.
pub fn find_unscoped(conn: &mut Conn, id: UnionId) -> Result<Option<Union>, StorageError> {
    let row: Option<Row> = run!(conn, c => unions::table
        .filter(unions::id.eq(id.0))
        .select(Row::as_select())
        .first(c)
        .optional())?;
    row.map(Union::try_from).transpose()
}

/// The root of the tree (the union without a parent), if any.
pub fn root(conn: &mut Conn) -> Result<Option<Union>, StorageError> {
    let row: Option<Row> = run!(conn, c => unions::table
        .filter(unions::parent_id.is_null())
        .order(unions::id.asc())
        .select(Row::as_select())
        .first(c)
        .optional())?;
    row.map(Union::try_from).transpose()
}

/// For the command line: the shallowest union with this division code.
pub fn find_by_division_unscoped(
    conn: &mut Conn,
    code: &str,
) -> Result<Option<Union>, StorageError> {
    let rows: Vec<Row> = run!(conn, c => unions::table
        .filter(unions::division_code.eq(code))
        .select(Row::as_select())
        .load(c))?;
    let mut v = convert(rows)?;
    v.sort_by_key(|u| (u.path.depth(), u.id));
    Ok(v.into_iter().next())
}

#[derive(Debug, Clone, Default)]
pub struct UnionFilter {
    pub q: Option<String>,
    pub level: Option<UnionLevel>,
    pub parent_id: Option<UnionId>,
    pub active: Option<bool>,
}

pub fn list(
    conn: &mut Conn,
    scope: &Scope,
    filter: &UnionFilter,
    page: PageRequest,
) -> Result<Page<Union>, StorageError> {
    macro_rules! filtered {
        () => {{
            let mut q = unions::table
                .filter(scope.covers(unions::path))
                .into_boxed();
            if let Some(text) = filter.q.as_deref().filter(|s| !s.trim().is_empty()) {
                let pat = like_pattern(text.trim());
                q = q.filter(
                    unions::name
                        .like(pat.clone())
                        .escape('\\')
                        .or(unions::division_code.like(pat).escape('\\')),
                );
            }
            if let Some(level) = filter.level {
                q = q.filter(unions::level.eq(level.code()));
            }
            if let Some(parent) = filter.parent_id {
                q = q.filter(unions::parent_id.eq(parent.0));
            }
            if let Some(active) = filter.active {
                q = q.filter(unions::active.eq(active));
            }
            q
        }};
    }
    let (rows, total): (Vec<Row>, i64) = run!(conn, c => {
        let total = filtered!().count().get_result(c)?;
        let rows = filtered!()
            .order(unions::path.asc())
            .limit(page.per_page)
            .offset(page.offset())
            .select(Row::as_select())
            .load(c)?;
        Ok::<_, diesel::result::Error>((rows, total))
    })?;
    Ok(page.of(convert(rows)?, total))
}

/// The ancestors of a union that lie inside the scope, root first (for breadcrumbs).
pub fn ancestors_in_scope(
    conn: &mut Conn,
    scope: &Scope,
    u: &Union,
) -> Result<Vec<Union>, StorageError> {
    let ids: Vec<i64> = u.path.ids().into_iter().map(|i| i.0).collect();
    let rows: Vec<Row> = run!(conn, c => unions::table
        .filter(unions::id.eq_any(&ids))
        .filter(scope.covers(unions::path))
        .select(Row::as_select())
        .load(c))?;
    let mut v = convert(rows)?;
    v.sort_by_key(|x| x.path.depth());
    Ok(v)
}

/// Unscoped: the direct children of a union, by the parent index alone (the
/// operator's bulk tools, which work on the whole tree).
pub fn children_unscoped(conn: &mut Conn, parent: UnionId) -> Result<Vec<Union>, StorageError> {
    let rows: Vec<Row> = run!(conn, c => unions::table
        .filter(unions::parent_id.eq(parent.0))
        .order(unions::id.asc())
        .select(Row::as_select())
        .load(c))?;
    convert(rows)
}

/// How many direct children each of `ids` has.
pub fn child_counts(conn: &mut Conn, ids: &[UnionId]) -> Result<Vec<(UnionId, i64)>, StorageError> {
    let ids: Vec<i64> = ids.iter().map(|i| i.0).collect();
    let rows: Vec<(Option<i64>, i64)> = run!(conn, c => unions::table
        .filter(unions::parent_id.eq_any(&ids))
        .group_by(unions::parent_id)
        .select((unions::parent_id, diesel::dsl::count_star()))
        .load(c))?;
    Ok(rows
        .into_iter()
        .filter_map(|(p, n)| p.map(|p| (UnionId(p), n)))
        .collect())
}

/// Unscoped: every union of one level (the operator's demo generator).
pub fn by_level_unscoped(conn: &mut Conn, level: UnionLevel) -> Result<Vec<Union>, StorageError> {
    let rows: Vec<Row> = run!(conn, c => unions::table
        .filter(unions::level.eq(level.code()))
        .filter(unions::active.eq(true))
        .order(unions::id.asc())
        .select(Row::as_select())
        .load(c))?;
    convert(rows)
}

pub fn count_all(conn: &mut Conn) -> Result<i64, StorageError> {
    Ok(run!(conn, c => unions::table.count().get_result(c))?)
}

#[derive(Debug, Clone)]
pub struct NewUnion {
    pub name: String,
    pub level: UnionLevel,
    pub division_code: String,
}

/// Inserts a union under `parent` (`None`: the root) and fills in its path.
pub fn insert(
    conn: &mut Conn,
    parent: Option<&Union>,
    new: &NewUnion,
    now: NaiveDateTime,
) -> Result<Union, StorageError> {
    // The path contains the new id. PostgreSQL hands the id out first, so
    // the row is written once (an UPDATE of an indexed column would leave a
    // dead tuple in every index). SQLite has no such cost: insert with a
    // placeholder unique to this process, then set the real path.
    let values = |path: &str| {
        (
            unions::parent_id.eq(parent.map(|p| p.id.0)),
            unions::path.eq(path.to_owned()),
            unions::name.eq(new.name.clone()),
            unions::level.eq(new.level.code()),
            unions::division_code.eq(new.division_code.clone()),
            unions::active.eq(true),
            unions::created_at.eq(now),
            unions::updated_at.eq(now),
        )
    };
    let path_for = |id: i64| match parent {
        Some(p) => p.path.child(UnionId(id)),
        None => UnionPath::root(UnionId(id)),
    };
    let id: i64 = match &mut conn.raw {
        Raw::Pg(c) => {
            let id: i64 = diesel::select(nextval(pg_get_serial_sequence("unions", "id")))
                .get_result(&mut **c)?;
            diesel::insert_into(unions::table)
                .values((unions::id.eq(id), values(path_for(id).as_str())))
                .execute(&mut **c)?;
            id
        }
        Raw::Sqlite(c) => {
            static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let placeholder = format!(
                "{}?{}.{}",
                parent.map(|p| p.path.as_str()).unwrap_or(""),
                std::process::id(),
                SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            );
            let id: i64 = diesel::insert_into(unions::table)
                .values(values(&placeholder))
                .returning(unions::id)
                .get_result(&mut **c)?;
            diesel::update(unions::table.filter(unions::id.eq(id)))
                .set(unions::path.eq(path_for(id).as_str()))
                .execute(&mut **c)?;
            id
        }
    };
    find_unscoped(conn, UnionId(id))?
        .ok_or_else(|| StorageError::Corrupt(format!("union {id} vanished after insert")))
}

#[derive(Debug, Clone)]
pub struct UnionChanges {
    pub name: String,
    pub division_code: String,
    pub active: bool,
}

pub fn update(
    conn: &mut Conn,
    id: UnionId,
    changes: &UnionChanges,
    now: NaiveDateTime,
) -> Result<(), StorageError> {
    run!(conn, c => diesel::update(unions::table.filter(unions::id.eq(id.0)))
        .set((
            unions::name.eq(&changes.name),
            unions::division_code.eq(&changes.division_code),
            unions::active.eq(changes.active),
            unions::updated_at.eq(now),
        ))
        .execute(c))?;
    Ok(())
}

diesel::define_sql_function! {
    /// PostgreSQL: the next value of a sequence.
    fn nextval(sequence: diesel::sql_types::Text) -> diesel::sql_types::BigInt;
}

diesel::define_sql_function! {
    /// PostgreSQL: the sequence behind a table's identity column.
    fn pg_get_serial_sequence(table: diesel::sql_types::Text, column: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

diesel::define_sql_function! {
    /// `substr(text, start)`, the same on SQLite and PostgreSQL (1-based).
    fn substr(x: diesel::sql_types::Text, start: diesel::sql_types::Integer) -> diesel::sql_types::Text;
}

/// Moves `union` (with its whole subtree) under `new_parent`: one UPDATE
/// rewrites the path prefix of every row in the subtree's key range.
/// Returns how many unions moved.
pub fn move_subtree(
    conn: &mut Conn,
    union: &Union,
    new_parent: &Union,
    division_code: &str,
    now: NaiveDateTime,
) -> Result<usize, StorageError> {
    let old = union.path.as_str().to_owned();
    let end = union.path.subtree_end();
    let new = new_parent.path.child(union.id).as_str().to_owned();
    crate::tallies::move_subtree(conn, union.id, union.parent_id, new_parent.id)?;
    let keep_from = i32::try_from(old.chars().count() + 1)
        .map_err(|_| StorageError::Corrupt(format!("path too long: {old}")))?;
    let moved = run!(conn, c => diesel::update(
        unions::table
            .filter(unions::path.ge(&old))
            .filter(unions::path.lt(&end)),
    )
    .set(unions::path.eq(
        new.as_str()
            .into_sql::<diesel::sql_types::Text>()
            .concat(substr(unions::path, keep_from)),
    ))
    .execute(c))?;
    // Rows that carry a copy of their union's path move with it.
    run!(conn, c => diesel::update(
        users::table
            .filter(users::union_path.ge(&old))
            .filter(users::union_path.lt(&end)),
    )
    .set(users::union_path.eq(
        new.as_str()
            .into_sql::<diesel::sql_types::Text>()
            .concat(substr(users::union_path, keep_from)),
    ))
    .execute(c))?;
    run!(conn, c => diesel::update(
        households::table
            .filter(households::union_path.ge(&old))
            .filter(households::union_path.lt(&end)),
    )
    .set(households::union_path.eq(
        new.as_str()
            .into_sql::<diesel::sql_types::Text>()
            .concat(substr(households::union_path, keep_from)),
    ))
    .execute(c))?;
    // Files reported to a union of the subtree follow it to its new path
    // (that union's inbox is a range of `report_union_path`).
    let receiving: Vec<Option<i64>> = run!(conn, c => households::table
        .filter(households::report_union_path.ge(&old))
        .filter(households::report_union_path.lt(&end))
        .select(households::report_union_id)
        .distinct()
        .load(c))?;
    for id in receiving.into_iter().flatten() {
        let path: String = run!(conn, c => unions::table
            .filter(unions::id.eq(id))
            .select(unions::path)
            .first(c))?;
        run!(conn, c => diesel::update(
            households::table.filter(households::report_union_id.eq(Some(id))),
        )
        .set(households::report_union_path.eq(Some(&path)))
        .execute(c))?;
    }
    run!(conn, c => diesel::update(unions::table.filter(unions::id.eq(union.id.0)))
        .set((
            unions::parent_id.eq(new_parent.id.0),
            unions::division_code.eq(division_code),
            unions::updated_at.eq(now),
        ))
        .execute(c))?;
    Ok(moved)
}

/// Unscoped: the unions on a path, root first, the union itself last (the
/// levels above a filing union, to report a file up).
pub fn path_unscoped(conn: &mut Conn, path: &UnionPath) -> Result<Vec<Union>, StorageError> {
    let ids: Vec<i64> = path.ids().into_iter().map(|i| i.0).collect();
    let rows: Vec<Row> = run!(conn, c => unions::table
        .filter(unions::id.eq_any(&ids))
        .select(Row::as_select())
        .load(c))?;
    let mut v = convert(rows)?;
    v.sort_by_key(|x| x.path.depth());
    Ok(v)
}
