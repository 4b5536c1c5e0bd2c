//! The list of files: filters, search and sort, a page at a time.

use super::{convert, Household, Row};
use crate::db::{run, Conn};
use crate::query::{name_of, union_names, Optional};
use crate::schema::{households, name_grams, open_persons};
use crate::{like_pattern, Page, PageRequest, Scope, StorageError};
use bangfu_domain::filing::{ReportState, TierFilter};
use bangfu_domain::household::{Causes, Cohort, Decision, HardshipCause, Status, Tier};
use bangfu_domain::identification::Category;
use bangfu_domain::UnionPath;
use chrono::NaiveDate;
use diesel::prelude::*;

diesel::define_sql_function! {
    /// `lower(text)`, the same on SQLite and PostgreSQL.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    /// Newest files first (the default).
    #[default]
    FiledDesc,
    FiledAsc,
    FileNo,
    Name,
    UpdatedDesc,
}

impl Sort {
    pub const ALL: [Sort; 5] = [
        Sort::FiledDesc,
        Sort::FiledAsc,
        Sort::FileNo,
        Sort::Name,
        Sort::UpdatedDesc,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Sort::FiledDesc => "filed_desc",
            Sort::FiledAsc => "filed_asc",
            Sort::FileNo => "file_no",
            Sort::Name => "name",
            Sort::UpdatedDesc => "updated_desc",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sort::FiledDesc => "建档日期（新→旧）",
            Sort::FiledAsc => "建档日期（旧→新）",
            Sort::FileNo => "档案编号",
            Sort::Name => "姓名",
            Sort::UpdatedDesc => "最近修改",
        }
    }

    pub fn parse(raw: &str) -> Option<Sort> {
        Sort::ALL.into_iter().find(|s| s.code() == raw)
    }
}

/// Filters of the household list; all optional, combined with AND.
#[derive(Debug, Clone, Default)]
pub struct HouseholdFilter {
    /// A name (substring), a full ID number (worker or member of an open
    /// file; numbers are sealed, so only a whole one is found), or the
    /// beginning of a file number.
    pub q: Option<String>,
    pub status: Option<Status>,
    pub category: Option<Category>,
    /// One level, or 地方级 (the four local levels).
    pub tier: Option<TierFilter>,
    pub report_state: Option<ReportState>,
    /// Only files reported to a union of the scope (or of `union_path`'s
    /// subtree) and waiting for it: that union's inbox (待接收的上报档案).
    pub inbox: bool,
    pub cohort: Option<Cohort>,
    pub cause: Option<HardshipCause>,
    pub migrant: Option<bool>,
    pub decision: Option<Decision>,
    /// Only files of this union's subtree (must lie inside the scope).
    pub union_path: Option<UnionPath>,
    /// Division codes starting with this (a province `44`, a city `4401`).
    pub division_prefix: Option<String>,
    pub filed_from: Option<NaiveDate>,
    pub filed_until: Option<NaiveDate>,
    pub sort: Sort,
    /// Keyset paging: the page after this file (the previous page's
    /// `next_after`); the page number is then ignored.
    pub after: Option<After>,
}

/// A name search whose matches exceed this reads its page without the
/// name grams (see `list`).
const GRAMS_FOR_PAGE_UP_TO: usize = 500;

/// Where a list stops counting unless told otherwise: lists whose count
/// reaches it are shown as 「10000+」, because counting every match of a
/// national list would cost more than the page itself.
pub const COUNT_CAP: i64 = 10_000;

/// Where a keyset page begins: the sort key and id of the last file of the
/// page before. Written as text (`key~id`) for the next request; the key's
/// type follows the sort, so a cursor is read back with the sort it was
/// made for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct After {
    key: AfterKey,
    id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum AfterKey {
    Date(NaiveDate),
    Text(String),
    Time(chrono::NaiveDateTime),
}

const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.f";

impl After {
    /// A cursor written by [`After::text`] for `sort`; None when it is not one.
    pub fn parse(sort: Sort, raw: &str) -> Option<After> {
        let (key, id) = raw.rsplit_once('~')?;
        let id = id.parse().ok()?;
        let key = match sort {
            Sort::FiledDesc | Sort::FiledAsc => {
                AfterKey::Date(NaiveDate::parse_from_str(key, "%Y-%m-%d").ok()?)
            }
            Sort::FileNo | Sort::Name => AfterKey::Text(key.to_owned()),
            Sort::UpdatedDesc => {
                AfterKey::Time(chrono::NaiveDateTime::parse_from_str(key, TIME_FORMAT).ok()?)
            }
        };
        Some(After { key, id })
    }

    /// The cursor as the next request sends it back.
    pub fn text(&self) -> String {
        let key = match &self.key {
            AfterKey::Date(d) => d.format("%Y-%m-%d").to_string(),
            AfterKey::Text(t) => t.clone(),
            AfterKey::Time(t) => t.format(TIME_FORMAT).to_string(),
        };
        format!("{key}~{}", self.id)
    }

    fn of(sort: Sort, r: &Row) -> After {
        let key = match sort {
            Sort::FiledDesc | Sort::FiledAsc => AfterKey::Date(r.filed_on),
            Sort::FileNo => AfterKey::Text(r.file_no.clone()),
            Sort::Name => AfterKey::Text(r.worker_name.clone()),
            Sort::UpdatedDesc => AfterKey::Time(r.updated_at),
        };
        After { key, id: r.id }
    }
}

/// A page of the files in `scope` that pass `filter`, counted up to
/// `count_cap` (then `capped`), each query planned with its values.
pub fn list(
    conn: &mut Conn,
    scope: &Scope,
    filter: &HouseholdFilter,
    page: PageRequest,
    count_cap: i64,
) -> Result<Page<Household>, StorageError> {
    conn.with_custom_plans(|conn| list_planned(conn, scope, filter, page, count_cap))
}

fn list_planned(
    conn: &mut Conn,
    scope: &Scope,
    filter: &HouseholdFilter,
    page: PageRequest,
    count_cap: i64,
) -> Result<Page<Household>, StorageError> {
    let range = scope.range_within(filter.union_path.as_ref());
    let name_q = filter
        .q
        .as_deref()
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    let name_grams_q = super::names::query_grams(&name_q);
    let q = filter
        .q
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.to_uppercase());
    let id_like = q
        .as_deref()
        .is_some_and(|s| s.len() >= 4 && s.chars().all(|c| c.is_ascii_digit() || c == 'X'));
    // A full ID number: the files it names, found by two lookups of its
    // blind index (the worker's number, and everyone in an open file)
    // rather than one OR that PostgreSQL answers with a scan. ID numbers
    // are sealed, so only a whole number can be found.
    let exact_ids: Option<Vec<i64>> = match q.as_deref() {
        Some(text) if id_like && text.len() == 18 => {
            let indexes = conn.indexes(text)?;
            let mut ids: Vec<i64> = run!(conn, c => households::table
                .filter(households::worker_id_index.eq_any(&indexes))
                .select(households::id)
                .load(c))?;
            let open: Vec<i64> = run!(conn, c => open_persons::table
                .filter(open_persons::person_index.eq_any(&indexes))
                .select(open_persons::household_id)
                .load(c))?;
            ids.extend(open);
            Some(ids)
        }
        _ => None,
    };
    // The text searched for: the files an exact ID number names, the
    // beginning of a file number, or part of a name.
    let text = q.as_deref().map(|text| match &exact_ids {
        Some(ids) => Search::Ids(ids.clone()),
        None if id_like => Search::Prefix(format!("{text}%")),
        None => Search::Name,
    });
    // `$grams`: the name grams a file must have (see `names`).
    macro_rules! filtered {
        ($grams:expr) => {
            // No join here: counting and sorting a large range is the cost;
            // the page's union names are read afterwards for its few rows.
            households::table
                .filter(range.covers(households::union_path))
                .into_boxed()
                .if_some(text.clone(), |b, text| match text {
                    Search::Ids(ids) => b.filter(households::id.eq_any(ids)),
                    Search::Prefix(prefix) => b.filter(households::file_no.like(prefix)),
                    // Names compare without regard to case on both backends
                    // (SQLite's LIKE ignores ASCII case, PostgreSQL's does not).
                    Search::Name => {
                        let b = if name_q.chars().any(|c| c.is_ascii_alphabetic()) {
                            b.filter(
                                lower(households::worker_name)
                                    .like(like_pattern(&name_q.to_lowercase()))
                                    .escape('\\'),
                            )
                        } else {
                            b.filter(
                                households::worker_name
                                    .like(like_pattern(&name_q))
                                    .escape('\\'),
                            )
                        };
                        // Only files whose name has the searched grams: an
                        // index lookup each, instead of every name in scope.
                        $grams.iter().fold(b, |b, g| {
                            b.filter(
                                households::id.eq_any(
                                    name_grams::table
                                        .filter(name_grams::gram.eq(g.clone()))
                                        .select(name_grams::household_id),
                                ),
                            )
                        })
                    }
                })
                .if_some(filter.status.map(Status::code), |b, v| {
                    b.filter(households::status.eq(v))
                })
                .if_some(filter.category.map(Category::code), |b, v| {
                    b.filter(households::category.eq(v))
                })
                .if_some(
                    filter
                        .tier
                        .map(|t| t.tiers().into_iter().map(Tier::code).collect::<Vec<_>>()),
                    |b, v| b.filter(households::tier.eq_any(v)),
                )
                .if_some(filter.report_state.map(ReportState::code), |b, v| {
                    b.filter(households::report_state.eq(v))
                })
                .if_some(filter.inbox.then_some(()), |b, ()| {
                    b.filter(households::report_state.eq(ReportState::Reported.code()))
                        .filter(households::report_union_path.ge(range.start()))
                        .filter(households::report_union_path.lt(range.end()))
                })
                .if_some(filter.cohort.map(Cohort::code), |b, v| {
                    b.filter(households::cohort.eq(v))
                })
                .if_some(filter.cause, |b, v| {
                    b.filter(households::causes.like(Causes::like_one(v)))
                })
                .if_some(filter.migrant, |b, v| b.filter(households::migrant.eq(v)))
                .if_some(filter.decision.map(Decision::code), |b, v| {
                    b.filter(households::decision.eq(v))
                })
                .if_some(
                    filter.division_prefix.as_deref().filter(|p| !p.is_empty()),
                    |b, p| b.filter(households::division_code.like(format!("{p}%"))),
                )
                .if_some(filter.filed_from, |b, d| {
                    b.filter(households::filed_on.ge(d))
                })
                .if_some(filter.filed_until, |b, d| {
                    b.filter(households::filed_on.le(d))
                })
        };
    }
    // Keyset paging starts after the cursor's file, on no page number.
    let page = match filter.after {
        Some(_) => PageRequest { page: 1, ..page },
        None => page,
    };
    let after = filter.after.clone();
    macro_rules! keyed {
        ($key:expr, $v:expr, $id:expr, desc) => {
            $key.lt($v).or($key.eq($v).and(households::id.lt($id)))
        };
        ($key:expr, $v:expr, $id:expr, asc) => {
            $key.gt($v).or($key.eq($v).and(households::id.gt($id)))
        };
    }
    let (rows, matched): (Vec<Row>, Vec<i64>) = run!(conn, c => {
        // Counted up to one past the cap: a national list stops there.
        let matched: Vec<i64> = filtered!(name_grams_q)
            .select(households::id)
            .limit(count_cap + 1)
            .load(c)?;
        // Many matches: the page reads the sort's index and stops at its
        // last row, which beats fetching every match to sort them (on
        // PostgreSQL, a nested loop over thousands of files). Few: the
        // grams find them at once.
        let page_grams: &[String] = if matched.len() > GRAMS_FOR_PAGE_UP_TO {
            &[]
        } else {
            &name_grams_q
        };
        let query = match (&after, filter.sort) {
            (None, _) => filtered!(page_grams),
            (Some(After { key: AfterKey::Date(d), id }), Sort::FiledDesc) => {
                filtered!(page_grams).filter(keyed!(households::filed_on, *d, *id, desc))
            }
            (Some(After { key: AfterKey::Date(d), id }), _) => {
                filtered!(page_grams).filter(keyed!(households::filed_on, *d, *id, asc))
            }
            (Some(After { key: AfterKey::Text(t), id }), Sort::FileNo) => {
                filtered!(page_grams).filter(keyed!(households::file_no, t.clone(), *id, asc))
            }
            (Some(After { key: AfterKey::Text(t), id }), _) => {
                filtered!(page_grams).filter(keyed!(households::worker_name, t.clone(), *id, asc))
            }
            (Some(After { key: AfterKey::Time(t), id }), _) => {
                filtered!(page_grams).filter(keyed!(households::updated_at, *t, *id, desc))
            }
        };
        // The page's ids first, then their rows: sorting whole rows (wide
        // with their sealed columns) cost more than the page itself.
        let ids: Vec<i64> = match filter.sort {
            Sort::FiledDesc => query.order((households::filed_on.desc(), households::id.desc())),
            Sort::FiledAsc => query.order((households::filed_on.asc(), households::id.asc())),
            Sort::FileNo => query.order((households::file_no.asc(), households::id.asc())),
            Sort::Name => query.order((households::worker_name.asc(), households::id.asc())),
            Sort::UpdatedDesc => query.order((households::updated_at.desc(), households::id.desc())),
        }
        .limit(page.per_page)
        .offset(page.offset())
        .select(households::id)
        .load(c)?;
        let mut rows: Vec<Row> = households::table
            .filter(households::id.eq_any(&ids))
            .select(Row::as_select())
            .load(c)?;
        let at: std::collections::HashMap<i64, usize> =
            ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        rows.sort_by_key(|r| at.get(&r.id).copied().unwrap_or(usize::MAX));
        Ok::<_, diesel::result::Error>((rows, matched))
    })?;
    let capped = i64::try_from(matched.len()).unwrap_or(i64::MAX) > count_cap;
    let total = if capped {
        count_cap
    } else {
        i64::try_from(matched.len()).unwrap_or(i64::MAX)
    };
    let next_after = (i64::try_from(rows.len()).unwrap_or(0) == page.per_page)
        .then(|| rows.last().map(|r| After::of(filter.sort, r).text()))
        .flatten();
    let names = union_names(conn, rows.iter().map(|r| r.union_id))?;
    let items = rows
        .into_iter()
        .map(|r| {
            let n = name_of(&names, r.union_id);
            convert(conn, r, n)
        })
        .collect::<Result<_, _>>()?;
    let mut out = page.of(items, total);
    out.capped = capped;
    out.next_after = next_after;
    Ok(out)
}

/// What the list's search text is taken as.
#[derive(Clone)]
enum Search {
    /// A full ID number: the files it names.
    Ids(Vec<i64>),
    /// The beginning of an ID number or file number (a `LIKE` pattern).
    Prefix(String),
    /// Part of the worker's name.
    Name,
}
