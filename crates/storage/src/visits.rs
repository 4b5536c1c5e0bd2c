//! Home visits (入户走访) and their photos.

use crate::db::{run, Conn};
use crate::query::{insert_returning_id, name_of, page_of, user_names};
use crate::schema::{households, visit_photos, visits};
use crate::{Page, PageRequest, Scope, StorageError};
use bangfu_domain::assistance::VisitId;
use bangfu_domain::household::HouseholdId;
use bangfu_domain::{UnionPath, UserId};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct Visit {
    pub id: VisitId,
    pub household_id: HouseholdId,
    pub union_path: UnionPath,
    pub visited_on: NaiveDate,
    pub met: String,
    /// 看: housing and living conditions.
    pub looked: String,
    /// 问: situation and needs.
    pub asked: String,
    /// 讲: policies explained.
    pub explained: String,
    pub findings: String,
    pub needs: String,
    pub recorded_by: UserId,
    pub recorded_by_name: String,
    pub created_at: NaiveDateTime,
    pub photos: Vec<PhotoInfo>,
}

/// A stored photo without its bytes.
#[derive(Debug, Clone)]
pub struct PhotoInfo {
    pub id: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
}

/// The `table.column` name a visit's text is sealed under (see `at_rest`):
/// the same for the pages' writes and the demo's bulk loads.
pub(crate) fn sealed(column: &str) -> String {
    format!("visits.{column}")
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = visits)]
struct Row {
    id: i64,
    household_id: i64,
    union_path: String,
    visited_on: NaiveDate,
    met: String,
    looked: String,
    asked: String,
    explained: String,
    findings: String,
    needs: String,
    recorded_by: i64,
    created_at: NaiveDateTime,
}

fn assemble(conn: &mut Conn, rows: Vec<Row>) -> Result<Vec<Visit>, StorageError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let names = user_names(conn, rows.iter().map(|r| r.recorded_by))?;
    let mut photos: HashMap<i64, Vec<PhotoInfo>> = HashMap::new();
    if !ids.is_empty() {
        let ps: Vec<(i64, i64, String, String, i64)> = run!(conn, c => visit_photos::table
            .filter(visit_photos::visit_id.eq_any(&ids))
            .order(visit_photos::id.asc())
            .select((
                visit_photos::id,
                visit_photos::visit_id,
                visit_photos::name,
                visit_photos::content_type,
                visit_photos::size,
            ))
            .load(c))?;
        for (id, visit, name, content_type, size) in ps {
            photos.entry(visit).or_default().push(PhotoInfo {
                id,
                name,
                content_type,
                size,
            });
        }
    }
    // What the officer wrote is sealed at rest (see `at_rest`).
    let open = |column: &str, v: &str| conn.open(&sealed(column), v);
    rows.into_iter()
        .map(|r| {
            Ok(Visit {
                id: VisitId(r.id),
                household_id: HouseholdId(r.household_id),
                union_path: UnionPath::from_stored(r.union_path),
                visited_on: r.visited_on,
                met: open("met", &r.met)?,
                looked: open("looked", &r.looked)?,
                asked: open("asked", &r.asked)?,
                explained: open("explained", &r.explained)?,
                findings: open("findings", &r.findings)?,
                needs: open("needs", &r.needs)?,
                recorded_by: UserId(r.recorded_by),
                recorded_by_name: name_of(&names, r.recorded_by),
                created_at: r.created_at,
                photos: photos.remove(&r.id).unwrap_or_default(),
            })
        })
        .collect()
}

/// What a visit records.
#[derive(Debug, Clone)]
pub struct NewVisit {
    pub household_id: HouseholdId,
    pub union_path: UnionPath,
    pub visited_on: NaiveDate,
    pub met: String,
    pub looked: String,
    pub asked: String,
    pub explained: String,
    pub findings: String,
    pub needs: String,
    pub recorded_by: UserId,
}

pub fn insert(conn: &mut Conn, v: &NewVisit, now: NaiveDateTime) -> Result<VisitId, StorageError> {
    let seal = |column: &str, v: &str| conn.seal(&sealed(column), v);
    let (met, looked, asked) = (
        seal("met", &v.met)?,
        seal("looked", &v.looked)?,
        seal("asked", &v.asked)?,
    );
    let (explained, findings, needs) = (
        seal("explained", &v.explained)?,
        seal("findings", &v.findings)?,
        seal("needs", &v.needs)?,
    );
    let id = insert_returning_id!(
        conn,
        visits,
        (
            visits::household_id.eq(v.household_id.0),
            visits::union_path.eq(v.union_path.as_str()),
            visits::visited_on.eq(v.visited_on),
            visits::met.eq(&met),
            visits::looked.eq(&looked),
            visits::asked.eq(&asked),
            visits::explained.eq(&explained),
            visits::findings.eq(&findings),
            visits::needs.eq(&needs),
            visits::recorded_by.eq(v.recorded_by.0),
            visits::created_at.eq(now),
        )
    )?;
    Ok(VisitId(id))
}

/// Records a visit's date on the file when it is the latest.
pub fn note_on_household(
    conn: &mut Conn,
    household: HouseholdId,
    on: NaiveDate,
) -> Result<(), StorageError> {
    run!(conn, c => diesel::update(
        households::table
            .filter(households::id.eq(household.0))
            .filter(households::last_visit_on.is_null().or(households::last_visit_on.lt(on))),
    )
    .set(households::last_visit_on.eq(Some(on)))
    .execute(c))?;
    Ok(())
}

pub fn find(conn: &mut Conn, scope: &Scope, id: VisitId) -> Result<Option<Visit>, StorageError> {
    let rows: Vec<Row> = run!(conn, c => visits::table
        .filter(visits::id.eq(id.0))
        .filter(scope.covers(visits::union_path))
        .select(Row::as_select())
        .load(c))?;
    Ok(assemble(conn, rows)?.into_iter().next())
}

/// A household's visits, newest first.
pub fn list(
    conn: &mut Conn,
    scope: &Scope,
    household: HouseholdId,
    page: PageRequest,
) -> Result<Page<Visit>, StorageError> {
    macro_rules! filtered {
        () => {
            visits::table
                .filter(visits::household_id.eq(household.0))
                .filter(scope.covers(visits::union_path))
        };
    }
    let (rows, total): (Vec<Row>, i64) = run!(conn, c => page_of!(c, page, filtered,
        order: (visits::visited_on.desc(), visits::id.desc()),
        select: Row::as_select()))?;
    Ok(page.of(assemble(conn, rows)?, total))
}

pub fn photo_count(conn: &mut Conn, visit: VisitId) -> Result<i64, StorageError> {
    Ok(run!(conn, c => visit_photos::table
        .filter(visit_photos::visit_id.eq(visit.0))
        .count()
        .get_result(c))?)
}

pub fn add_photo(
    conn: &mut Conn,
    visit: VisitId,
    name: &str,
    content_type: &str,
    data: &[u8],
    now: NaiveDateTime,
) -> Result<i64, StorageError> {
    let size = i64::try_from(data.len()).map_err(|e| StorageError::Corrupt(e.to_string()))?;
    let data = conn.seal_bytes(crate::at_rest::files::VISIT_PHOTO, data)?;
    Ok(run!(conn, c => diesel::insert_into(visit_photos::table)
        .values((
            visit_photos::visit_id.eq(visit.0),
            visit_photos::name.eq(name),
            visit_photos::content_type.eq(content_type),
            visit_photos::size.eq(size),
            visit_photos::data.eq(&data),
            visit_photos::created_at.eq(now),
        ))
        .returning(visit_photos::id)
        .get_result(c))?)
}

/// One photo's bytes, if it belongs to the visit (the caller checked scope).
pub fn photo_data(
    conn: &mut Conn,
    visit: VisitId,
    photo: i64,
) -> Result<Option<(PhotoInfo, Vec<u8>)>, StorageError> {
    type R = (i64, String, String, i64, Vec<u8>);
    let row: Option<R> = run!(conn, c => visit_photos::table
        .filter(visit_photos::visit_id.eq(visit.0))
        .filter(visit_photos::id.eq(photo))
        .select((
            visit_photos::id,
            visit_photos::name,
            visit_photos::content_type,
            visit_photos::size,
            visit_photos::data,
        ))
        .first(c)
        .optional())?;
    row.map(|(id, name, content_type, size, data)| {
        Ok((
            PhotoInfo {
                id,
                name,
                content_type,
                size,
            },
            conn.open_bytes(crate::at_rest::files::VISIT_PHOTO, &data)?,
        ))
    })
    .transpose()
}
