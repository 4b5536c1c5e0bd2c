//! Temporary relief files (临时救助档案): one row each, scoped by the filing
//! union's path. A row's status is read as of a date (an open file past its
//! last day reads as closed, `bangfu_domain::temporary::state_on`), so every
//! read takes `today`.

use crate::db::{run, Conn};
use crate::query::{insert_returning_id, name_of, page_of, union_names, user_names, Optional};
use crate::schema::{households, temporary_files};
use crate::{Page, PageRequest, Scope, StorageError};
use bangfu_domain::funds::Source;
use bangfu_domain::household::{HardshipCause, HouseholdId};
use bangfu_domain::temporary::{state_on, TemporaryFileId, TemporaryStatus};
use bangfu_domain::{Fen, IdNumber, UnionId, UnionPath};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

/// A temporary relief file as stored, with its status as of the day read.
#[derive(Debug, Clone)]
pub struct TemporaryFile {
    pub id: TemporaryFileId,
    pub union_id: UnionId,
    pub union_name: String,
    pub union_path: UnionPath,
    pub worker_name: String,
    pub worker_id_number: IdNumber,
    pub phone: String,
    pub address: String,
    pub employer: String,
    pub cause: HardshipCause,
    pub event: String,
    pub event_on: NaiveDate,
    pub given_on: NaiveDate,
    pub cash: Fen,
    pub source: Option<Source>,
    pub transfer_id: Option<i64>,
    pub goods: String,
    pub goods_value: Fen,
    pub persons: i32,
    /// As of the day read: an open file past `closes_on` is `Closed`.
    pub status: TemporaryStatus,
    /// Closed because its period ran out, not by a person.
    pub expired: bool,
    pub closes_on: NaiveDate,
    pub household_id: Option<HouseholdId>,
    /// The full file's number, once converted.
    pub file_no: Option<String>,
    pub closed_reason: Option<String>,
    pub closed_on: Option<NaiveDate>,
    pub version: i64,
    pub created_by_name: String,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = temporary_files)]
struct Row {
    id: i64,
    union_id: i64,
    union_path: String,
    worker_name: String,
    worker_id_number: String,
    phone: String,
    address: String,
    employer: String,
    cause: String,
    event: String,
    event_on: NaiveDate,
    given_on: NaiveDate,
    cash_fen: i64,
    source: Option<String>,
    transfer_id: Option<i64>,
    goods: String,
    goods_value_fen: i64,
    persons: i32,
    status: String,
    closes_on: NaiveDate,
    household_id: Option<i64>,
    closed_reason: Option<String>,
    closed_on: Option<NaiveDate>,
    version: i64,
    created_by: Option<i64>,
    created_at: NaiveDateTime,
}

type Joined = (Row, Option<String>);

/// The sealed columns (see `at_rest`).
const ID_NUMBER: &str = "temporary_files.worker_id_number";
const PHONE: &str = "temporary_files.phone";
const ADDRESS: &str = "temporary_files.address";

fn assemble(
    conn: &mut Conn,
    rows: Vec<Joined>,
    today: NaiveDate,
) -> Result<Vec<TemporaryFile>, StorageError> {
    let unions = union_names(conn, rows.iter().map(|r| r.0.union_id))?;
    let people = user_names(conn, rows.iter().filter_map(|r| r.0.created_by))?;
    rows.into_iter()
        .map(|(r, file_no)| {
            let corrupt =
                |what: &str| StorageError::Corrupt(format!("temporary file {} {what}", r.id));
            let stored = TemporaryStatus::parse(&r.status).map_err(|_| corrupt("status"))?;
            let status = state_on(stored, r.closes_on, today);
            Ok(TemporaryFile {
                id: TemporaryFileId(r.id),
                union_id: UnionId(r.union_id),
                union_name: name_of(&unions, r.union_id),
                union_path: UnionPath::from_stored(r.union_path),
                worker_name: r.worker_name,
                worker_id_number: IdNumber::from_stored(conn.open(ID_NUMBER, &r.worker_id_number)?),
                phone: conn.open(PHONE, &r.phone)?,
                address: conn.open(ADDRESS, &r.address)?,
                employer: r.employer,
                cause: HardshipCause::parse(&r.cause).map_err(|_| corrupt("cause"))?,
                event: r.event,
                event_on: r.event_on,
                given_on: r.given_on,
                cash: Fen(r.cash_fen),
                source: match r.source {
                    Some(s) => Some(Source::parse(&s).map_err(|_| corrupt("source"))?),
                    None => None,
                },
                transfer_id: r.transfer_id,
                goods: r.goods,
                goods_value: Fen(r.goods_value_fen),
                persons: r.persons,
                status,
                expired: stored == TemporaryStatus::Open && status == TemporaryStatus::Closed,
                closes_on: r.closes_on,
                household_id: r.household_id.map(HouseholdId),
                file_no,
                closed_reason: r.closed_reason,
                closed_on: r.closed_on.or((stored == TemporaryStatus::Open
                    && status == TemporaryStatus::Closed)
                    .then_some(r.closes_on)),
                version: r.version,
                created_by_name: r
                    .created_by
                    .map(|u| name_of(&people, u))
                    .unwrap_or_default(),
                created_at: r.created_at,
            })
        })
        .collect()
}

/// A new file as the service checked it.
#[derive(Debug, Clone)]
pub struct NewTemporaryFile<'a> {
    pub union_id: UnionId,
    pub union_path: &'a UnionPath,
    pub worker_name: &'a str,
    pub worker_id_number: &'a IdNumber,
    pub phone: &'a str,
    pub address: &'a str,
    pub employer: &'a str,
    pub cause: HardshipCause,
    pub event: &'a str,
    pub event_on: NaiveDate,
    pub given_on: NaiveDate,
    pub cash: Fen,
    pub source: Option<Source>,
    pub goods: &'a str,
    pub goods_value: Fen,
    pub persons: i32,
    pub closes_on: NaiveDate,
    pub created_by: Option<i64>,
}

pub fn insert(
    conn: &mut Conn,
    t: &NewTemporaryFile<'_>,
    now: NaiveDateTime,
) -> Result<TemporaryFileId, StorageError> {
    let id_number = conn.seal(ID_NUMBER, t.worker_id_number.as_str())?;
    let index = conn.index(t.worker_id_number.as_str())?;
    let phone = conn.seal(PHONE, t.phone)?;
    let address = conn.seal(ADDRESS, t.address)?;
    let id = insert_returning_id!(
        conn,
        temporary_files,
        (
            temporary_files::union_id.eq(t.union_id.0),
            temporary_files::union_path.eq(t.union_path.as_str()),
            temporary_files::worker_name.eq(t.worker_name),
            temporary_files::worker_id_number.eq(&id_number),
            temporary_files::worker_id_index.eq(Some(&index)),
            temporary_files::phone.eq(&phone),
            temporary_files::address.eq(&address),
            temporary_files::employer.eq(t.employer),
            temporary_files::cause.eq(t.cause.code()),
            temporary_files::event.eq(t.event),
            temporary_files::event_on.eq(t.event_on),
            temporary_files::given_on.eq(t.given_on),
            temporary_files::cash_fen.eq(t.cash.0),
            temporary_files::source.eq(t.source.map(|s| s.code())),
            temporary_files::goods.eq(t.goods),
            temporary_files::goods_value_fen.eq(t.goods_value.0),
            temporary_files::persons.eq(t.persons),
            temporary_files::status.eq(TemporaryStatus::Open.code()),
            temporary_files::closes_on.eq(t.closes_on),
            temporary_files::version.eq(1_i64),
            temporary_files::created_by.eq(t.created_by),
            temporary_files::created_at.eq(now),
            temporary_files::updated_by.eq(t.created_by),
            temporary_files::updated_at.eq(now),
        )
    )?;
    Ok(TemporaryFileId(id))
}

/// Links the fund transfer that paid the file's cash.
pub fn set_transfer(
    conn: &mut Conn,
    id: TemporaryFileId,
    transfer_id: i64,
) -> Result<(), StorageError> {
    run!(conn, c => diesel::update(temporary_files::table.filter(temporary_files::id.eq(id.0)))
        .set(temporary_files::transfer_id.eq(Some(transfer_id)))
        .execute(c))?;
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct TemporaryFilter {
    pub union_path: Option<UnionPath>,
    /// As of the day read.
    pub status: Option<TemporaryStatus>,
    /// Part of the worker's name, or a whole ID number.
    pub search: Option<String>,
}

pub fn find(
    conn: &mut Conn,
    scope: &Scope,
    id: TemporaryFileId,
    today: NaiveDate,
) -> Result<Option<TemporaryFile>, StorageError> {
    let rows: Vec<Joined> = run!(conn, c => temporary_files::table
        .left_join(households::table)
        .filter(temporary_files::id.eq(id.0))
        .filter(scope.covers(temporary_files::union_path))
        .select((Row::as_select(), households::file_no.nullable()))
        .load(c))?;
    Ok(assemble(conn, rows, today)?.into_iter().next())
}

/// The file a household was converted from, if any (in scope).
pub fn of_household(
    conn: &mut Conn,
    scope: &Scope,
    household: HouseholdId,
    today: NaiveDate,
) -> Result<Option<TemporaryFile>, StorageError> {
    let rows: Vec<Joined> = run!(conn, c => temporary_files::table
        .left_join(households::table)
        .filter(temporary_files::household_id.eq(household.0))
        .filter(scope.covers(temporary_files::union_path))
        .select((Row::as_select(), households::file_no.nullable()))
        .load(c))?;
    Ok(assemble(conn, rows, today)?.into_iter().next())
}

pub fn list(
    conn: &mut Conn,
    scope: &Scope,
    filter: &TemporaryFilter,
    today: NaiveDate,
    page: PageRequest,
) -> Result<Page<TemporaryFile>, StorageError> {
    let range = scope.range_within(filter.union_path.as_ref());
    let open = TemporaryStatus::Open.code();
    let search = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let like = search.map(|s| format!("%{}%", s.replace(['%', '_'], "")));
    // ID numbers are sealed: a whole one is found by its blind index.
    let indexes: Vec<String> = match search {
        Some(s) => conn.indexes(&s.to_uppercase())?,
        None => Vec::new(),
    };
    macro_rules! filtered {
        () => {
            temporary_files::table
                .left_join(households::table)
                .filter(range.covers(temporary_files::union_path))
                .into_boxed()
                .if_some(filter.status, |b, s| match s {
                    TemporaryStatus::Open => b
                        .filter(temporary_files::status.eq(open))
                        .filter(temporary_files::closes_on.ge(today)),
                    TemporaryStatus::Closed => b.filter(
                        temporary_files::status
                            .eq(TemporaryStatus::Closed.code())
                            .or(temporary_files::status
                                .eq(open)
                                .and(temporary_files::closes_on.lt(today))),
                    ),
                    TemporaryStatus::Converted => {
                        b.filter(temporary_files::status.eq(TemporaryStatus::Converted.code()))
                    }
                })
                .if_some(search.zip(like.as_deref()), |b, (_, l)| {
                    b.filter(
                        temporary_files::worker_name
                            .like(l)
                            .or(temporary_files::worker_id_index.eq_any(&indexes)),
                    )
                })
        };
    }
    let (rows, total): (Vec<Joined>, i64) = run!(conn, c => page_of!(c, page, filtered,
        order: temporary_files::id.desc(),
        select: (Row::as_select(), households::file_no.nullable())))?;
    Ok(page.of(assemble(conn, rows, today)?, total))
}

/// Counts and sums of the files in a subtree, by status as of `today`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TemporaryTotals {
    pub open: i64,
    pub converted: i64,
    pub closed: i64,
    pub cash: Fen,
    pub goods_value: Fen,
    pub persons: i64,
}

pub fn totals(
    conn: &mut Conn,
    scope: &Scope,
    within: Option<&UnionPath>,
    today: NaiveDate,
) -> Result<TemporaryTotals, StorageError> {
    let range = scope.range_within(within);
    let rows: Vec<(String, NaiveDate, i64, i64, i32)> = run!(conn, c => temporary_files::table
        .filter(range.covers(temporary_files::union_path))
        .select((
            temporary_files::status,
            temporary_files::closes_on,
            temporary_files::cash_fen,
            temporary_files::goods_value_fen,
            temporary_files::persons,
        ))
        .load(c))?;
    let mut t = TemporaryTotals::default();
    for (status, closes, cash, goods, persons) in rows {
        let stored = TemporaryStatus::parse(&status)
            .map_err(|_| StorageError::Corrupt("temporary file status".into()))?;
        match state_on(stored, closes, today) {
            TemporaryStatus::Open => t.open += 1,
            TemporaryStatus::Converted => t.converted += 1,
            TemporaryStatus::Closed => t.closed += 1,
        }
        t.cash = t.cash + Fen(cash);
        t.goods_value = t.goods_value + Fen(goods);
        t.persons += i64::from(persons);
    }
    Ok(t)
}

/// An open file of this person anywhere in the tree (as of `today`), with
/// its union: one open temporary file per person.
pub fn open_of_person(
    conn: &mut Conn,
    id_number: &IdNumber,
    today: NaiveDate,
) -> Result<Option<(TemporaryFileId, UnionId)>, StorageError> {
    let indexes = conn.indexes(id_number.as_str())?;
    let row: Option<(i64, i64)> = run!(conn, c => temporary_files::table
        .filter(temporary_files::worker_id_index.eq_any(&indexes))
        .filter(temporary_files::status.eq(TemporaryStatus::Open.code()))
        .filter(temporary_files::closes_on.ge(today))
        .select((temporary_files::id, temporary_files::union_id))
        .first(c)
        .optional())?;
    Ok(row.map(|(id, u)| (TemporaryFileId(id), UnionId(u))))
}

/// Closes an open file at `version` (false when someone acted first or it
/// is no longer open).
pub fn close(
    conn: &mut Conn,
    id: TemporaryFileId,
    version: i64,
    reason: &str,
    on: NaiveDate,
    by: i64,
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    let n = run!(conn, c => diesel::update(
        temporary_files::table
            .filter(temporary_files::id.eq(id.0))
            .filter(temporary_files::version.eq(version))
            .filter(temporary_files::status.eq(TemporaryStatus::Open.code())),
    )
    .set((
        temporary_files::status.eq(TemporaryStatus::Closed.code()),
        temporary_files::closed_reason.eq(Some(reason)),
        temporary_files::closed_on.eq(Some(on)),
        temporary_files::version.eq(version + 1),
        temporary_files::updated_by.eq(Some(by)),
        temporary_files::updated_at.eq(now),
    ))
    .execute(c))?;
    Ok(n == 1)
}

/// Marks an open file converted into `household` (false when someone acted first).
pub fn convert(
    conn: &mut Conn,
    id: TemporaryFileId,
    version: i64,
    household: HouseholdId,
    by: i64,
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    let n = run!(conn, c => diesel::update(
        temporary_files::table
            .filter(temporary_files::id.eq(id.0))
            .filter(temporary_files::version.eq(version))
            .filter(temporary_files::status.eq(TemporaryStatus::Open.code())),
    )
    .set((
        temporary_files::status.eq(TemporaryStatus::Converted.code()),
        temporary_files::household_id.eq(Some(household.0)),
        temporary_files::version.eq(version + 1),
        temporary_files::updated_by.eq(Some(by)),
        temporary_files::updated_at.eq(now),
    ))
    .execute(c))?;
    Ok(n == 1)
}
