//! Campaigns (专项行动: 回头看 and 户户清, docs/rules.md §8.2): the campaign
//! rows, their tasks (one per household on file when the campaign started,
//! written by one `INSERT … SELECT`), the items of a 户户清 task cleared,
//! progress counted by union path, and the campaign's to-do items.
//!
//! A campaign is seen by the users of its union's subtree (their part of
//! it) and by those of its ancestors; its tasks are scoped rows like any
//! other (`union_path` of the household when the campaign started).

use crate::db::{run, Conn};
use crate::query::{insert_returning_id, name_of, page_of, union_names, user_names, Optional};
use crate::schema::{campaign_clearances, campaign_tasks, campaigns, households, todos, visits};
use crate::scope::PathRange;
use crate::{Page, PageRequest, Scope, StorageError};
use bangfu_domain::campaign::{CampaignKind, CampaignStatus, Outcome};
use bangfu_domain::household::{HouseholdId, Status};
use bangfu_domain::{Month, UnionId, UnionPath};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{count, count_star, exists, not};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

/// The sealed columns of what an officer wrote finishing a task or
/// clearing one of its items (see `at_rest`).
pub(crate) const TASK_NOTE: &str = "campaign_tasks.note";
pub(crate) const CLEARANCE_NOTE: &str = "campaign_clearances.note";

/// The to-do kind of an open campaign task.
pub const TODO_KIND: &str = "campaign";

/// A campaign as stored, with its union's and starter's names.
#[derive(Debug, Clone)]
pub struct Campaign {
    pub id: i64,
    pub kind: CampaignKind,
    pub title: String,
    pub union_id: UnionId,
    pub union_name: String,
    pub union_path: UnionPath,
    pub deadline: NaiveDate,
    /// 户户清: the items in order; empty for a look-back.
    pub items: Vec<String>,
    pub status: CampaignStatus,
    pub task_count: i64,
    pub created_by: Option<i64>,
    pub created_by_name: String,
    pub created_at: NaiveDateTime,
    pub closed_at: Option<NaiveDateTime>,
    pub closed_by_name: String,
    pub version: i64,
}

/// A campaign to start.
#[derive(Debug, Clone)]
pub struct NewCampaign<'a> {
    pub kind: CampaignKind,
    pub title: &'a str,
    pub union_id: UnionId,
    pub union_path: &'a UnionPath,
    pub deadline: NaiveDate,
    pub items: &'a [String],
    pub created_by: i64,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = campaigns)]
struct Row {
    id: i64,
    kind: String,
    title: String,
    union_id: i64,
    union_path: String,
    deadline: NaiveDate,
    items: String,
    status: String,
    task_count: i64,
    created_by: Option<i64>,
    created_at: NaiveDateTime,
    closed_by: Option<i64>,
    closed_at: Option<NaiveDateTime>,
    version: i64,
}

fn corrupt(what: &str, id: i64, v: &str) -> StorageError {
    StorageError::Corrupt(format!("{what} {id}: {v}"))
}

fn assemble(conn: &mut Conn, rows: Vec<Row>) -> Result<Vec<Campaign>, StorageError> {
    let unions = union_names(conn, rows.iter().map(|r| r.union_id))?;
    let people = user_names(
        conn,
        rows.iter()
            .flat_map(|r| [r.created_by, r.closed_by])
            .flatten(),
    )?;
    rows.into_iter()
        .map(|r| {
            Ok(Campaign {
                kind: CampaignKind::parse(&r.kind)
                    .map_err(|_| corrupt("campaign", r.id, &r.kind))?,
                status: CampaignStatus::parse(&r.status)
                    .map_err(|_| corrupt("campaign", r.id, &r.status))?,
                items: bangfu_domain::campaign::decode_items(&r.items),
                id: r.id,
                title: r.title,
                union_name: name_of(&unions, r.union_id),
                union_id: UnionId(r.union_id),
                union_path: UnionPath::from_stored(r.union_path),
                deadline: r.deadline,
                task_count: r.task_count,
                created_by: r.created_by,
                created_by_name: r
                    .created_by
                    .map(|u| name_of(&people, u))
                    .unwrap_or_default(),
                created_at: r.created_at,
                closed_at: r.closed_at,
                closed_by_name: r.closed_by.map(|u| name_of(&people, u)).unwrap_or_default(),
                version: r.version,
            })
        })
        .collect()
}

/// Writes the campaign row; returns its id.
pub fn insert(
    conn: &mut Conn,
    c: &NewCampaign<'_>,
    now: NaiveDateTime,
) -> Result<i64, StorageError> {
    let items = bangfu_domain::campaign::encode_items(c.items);
    Ok(insert_returning_id!(
        conn,
        campaigns,
        (
            campaigns::kind.eq(c.kind.code()),
            campaigns::title.eq(c.title),
            campaigns::union_id.eq(c.union_id.0),
            campaigns::union_path.eq(c.union_path.as_str()),
            campaigns::deadline.eq(c.deadline),
            campaigns::items.eq(items),
            campaigns::status.eq(CampaignStatus::Running.code()),
            campaigns::task_count.eq(0_i64),
            campaigns::created_by.eq(Some(c.created_by)),
            campaigns::created_at.eq(now),
            campaigns::version.eq(0_i64),
        )
    )?)
}

/// The tasks of a new campaign: one per household on file in the
/// campaign's subtree, for its responsible person, in ONE `INSERT … SELECT`
/// (the households are never read into the process); returns how many.
pub fn insert_tasks(
    conn: &mut Conn,
    campaign_id: i64,
    subtree: &UnionPath,
) -> Result<i64, StorageError> {
    let range = Scope::of(subtree.clone()).range().clone();
    let n = run!(conn, c => diesel::insert_into(campaign_tasks::table)
        .values(
            households::table
                .filter(range.covers(households::union_path))
                .filter(households::status.eq(Status::OnFile.code()))
                .select((
                    campaign_id.into_sql::<BigInt>(),
                    households::id,
                    households::union_id,
                    households::union_path,
                    households::responsible_id,
                    "".into_sql::<Text>(),
                    0_i64.into_sql::<BigInt>(),
                )),
        )
        .into_columns((
            campaign_tasks::campaign_id,
            campaign_tasks::household_id,
            campaign_tasks::union_id,
            campaign_tasks::union_path,
            campaign_tasks::responsible_id,
            campaign_tasks::note,
            campaign_tasks::version,
        ))
        .execute(c))?;
    let n = i64::try_from(n).unwrap_or(i64::MAX);
    run!(conn, c => diesel::update(campaigns::table.filter(campaigns::id.eq(campaign_id)))
        .set(campaigns::task_count.eq(n))
        .execute(c))?;
    Ok(n)
}

/// The to-do items of a new campaign's tasks (month `month`): an item
/// already there for the household this month is reopened with the new
/// campaign's detail, the others inserted — two set-based statements.
pub fn insert_todos(
    conn: &mut Conn,
    campaign_id: i64,
    month: Month,
    detail: &str,
    now: NaiveDateTime,
) -> Result<(), StorageError> {
    let m = month.to_string();
    let of_campaign = || {
        campaign_tasks::table
            .filter(campaign_tasks::campaign_id.eq(campaign_id))
            .select(campaign_tasks::household_id)
    };
    run!(conn, c => diesel::update(
        todos::table
            .filter(todos::kind.eq(TODO_KIND))
            .filter(todos::month.eq(&m))
            .filter(todos::household_id.eq_any(of_campaign())),
    )
    .set((
        todos::done_at.eq(None::<NaiveDateTime>),
        todos::done_by.eq(None::<i64>),
        todos::detail.eq(detail),
    ))
    .execute(c))?;
    run!(conn, c => diesel::insert_into(todos::table)
        .values(
            campaign_tasks::table
                .filter(campaign_tasks::campaign_id.eq(campaign_id))
                .filter(not(exists(
                    todos::table
                        .filter(todos::household_id.eq(campaign_tasks::household_id))
                        .filter(todos::kind.eq(TODO_KIND))
                        .filter(todos::month.eq(&m)),
                )))
                .select((
                    m.as_str().into_sql::<Text>(),
                    campaign_tasks::household_id,
                    campaign_tasks::union_id,
                    campaign_tasks::union_path,
                    campaign_tasks::responsible_id,
                    TODO_KIND.into_sql::<Text>(),
                    detail.into_sql::<Text>(),
                    now.into_sql::<diesel::sql_types::Timestamp>(),
                )),
        )
        .into_columns((
            todos::month,
            todos::household_id,
            todos::union_id,
            todos::union_path,
            todos::responsible_id,
            todos::kind,
            todos::detail,
            todos::created_at,
        ))
        .execute(c))?;
    Ok(())
}

/// Marks done the open campaign to-do items of `household` once it has no
/// open task in a running campaign left.
pub fn close_todos_of_household(
    conn: &mut Conn,
    household: HouseholdId,
    by: i64,
    now: NaiveDateTime,
) -> Result<usize, StorageError> {
    let open: i64 = run!(conn, c => campaign_tasks::table
        .inner_join(campaigns::table)
        .filter(campaign_tasks::household_id.eq(household.0))
        .filter(campaign_tasks::done_at.is_null())
        .filter(campaigns::status.eq(CampaignStatus::Running.code()))
        .count()
        .get_result(c))?;
    if open > 0 {
        return Ok(0);
    }
    crate::todos::close_kind_of_household(conn, household, TODO_KIND, by, now)
}

/// After a campaign is closed: marks done the open campaign to-do items of
/// its households that have no open task in another running campaign.
pub fn close_todos_of_campaign(
    conn: &mut Conn,
    campaign_id: i64,
    by: i64,
    now: NaiveDateTime,
) -> Result<usize, StorageError> {
    Ok(run!(conn, c => diesel::update(
        todos::table
            .filter(todos::kind.eq(TODO_KIND))
            .filter(todos::done_at.is_null())
            .filter(todos::household_id.eq_any(
                campaign_tasks::table
                    .filter(campaign_tasks::campaign_id.eq(campaign_id))
                    .select(campaign_tasks::household_id),
            ))
            .filter(not(exists(
                campaign_tasks::table
                    .inner_join(campaigns::table)
                    .filter(campaign_tasks::household_id.eq(todos::household_id))
                    .filter(campaign_tasks::done_at.is_null())
                    .filter(campaigns::status.eq(CampaignStatus::Running.code())),
            ))),
    )
    .set((todos::done_at.eq(Some(now)), todos::done_by.eq(Some(by))))
    .execute(c))?)
}

/// A campaign the scope may read: one of its subtree or of an ancestor.
pub fn find(conn: &mut Conn, scope: &Scope, id: i64) -> Result<Option<Campaign>, StorageError> {
    let above = scope.ancestor_paths();
    let rows: Vec<Row> = run!(conn, c => campaigns::table
        .filter(campaigns::id.eq(id))
        .filter(scope.covers(campaigns::union_path).or(campaigns::union_path.eq_any(&above)))
        .select(Row::as_select())
        .load(c))?;
    Ok(assemble(conn, rows)?.into_iter().next())
}

/// Filters of the campaign list.
#[derive(Debug, Clone, Default)]
pub struct CampaignFilter {
    pub kind: Option<CampaignKind>,
    pub status: Option<CampaignStatus>,
}

/// The campaigns the scope may read, running first, newest first.
pub fn list(
    conn: &mut Conn,
    scope: &Scope,
    filter: &CampaignFilter,
    page: PageRequest,
) -> Result<Page<Campaign>, StorageError> {
    let above = scope.ancestor_paths();
    macro_rules! filtered {
        () => {
            campaigns::table
                .filter(
                    scope
                        .covers(campaigns::union_path)
                        .or(campaigns::union_path.eq_any(&above)),
                )
                .into_boxed()
                .if_some(filter.kind, |b, k| b.filter(campaigns::kind.eq(k.code())))
                .if_some(filter.status, |b, s| {
                    b.filter(campaigns::status.eq(s.code()))
                })
        };
    }
    let (rows, total): (Vec<Row>, i64) = run!(conn, c => page_of!(c, page, filtered,
        order: (campaigns::status.desc(), campaigns::id.desc()),
        select: Row::as_select()))?;
    Ok(page.of(assemble(conn, rows)?, total))
}

/// Closes a running campaign at `version`; false if it changed meanwhile.
pub fn close(
    conn: &mut Conn,
    id: i64,
    version: i64,
    by: i64,
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    let n = run!(conn, c => diesel::update(
        campaigns::table
            .filter(campaigns::id.eq(id))
            .filter(campaigns::version.eq(version))
            .filter(campaigns::status.eq(CampaignStatus::Running.code())),
    )
    .set((
        campaigns::status.eq(CampaignStatus::Closed.code()),
        campaigns::closed_by.eq(Some(by)),
        campaigns::closed_at.eq(Some(now)),
        campaigns::version.eq(version + 1),
    ))
    .execute(c))?;
    Ok(n == 1)
}

// ---------- progress ----------

/// Tasks of a campaign in a range by union path: (path, all, done).
pub fn counts_by_path(
    conn: &mut Conn,
    campaign_id: i64,
    scope: &Scope,
    within: Option<&UnionPath>,
) -> Result<Vec<(String, i64, i64)>, StorageError> {
    let range = scope.range_within(within);
    Ok(run!(conn, c => campaign_tasks::table
        .filter(campaign_tasks::campaign_id.eq(campaign_id))
        .filter(range.covers(campaign_tasks::union_path))
        .group_by(campaign_tasks::union_path)
        .select((campaign_tasks::union_path, count_star(), count(campaign_tasks::done_at)))
        .load(c))?)
}

/// Tasks of a campaign in a range by outcome (None: not done).
pub fn counts_by_outcome(
    conn: &mut Conn,
    campaign_id: i64,
    scope: &Scope,
    within: Option<&UnionPath>,
) -> Result<Vec<(Option<String>, i64)>, StorageError> {
    let range = scope.range_within(within);
    Ok(run!(conn, c => campaign_tasks::table
        .filter(campaign_tasks::campaign_id.eq(campaign_id))
        .filter(range.covers(campaign_tasks::union_path))
        .group_by(campaign_tasks::outcome)
        .select((campaign_tasks::outcome, count_star()))
        .load(c))?)
}

// ---------- tasks ----------

/// A task as lists and its page show it.
#[derive(Debug, Clone)]
pub struct Task {
    pub id: i64,
    pub campaign_id: i64,
    pub household_id: HouseholdId,
    pub file_no: String,
    pub worker_name: String,
    /// The household's status now (it may have left the file since).
    pub household_status: Status,
    pub union_id: UnionId,
    pub union_name: String,
    pub union_path: UnionPath,
    pub responsible_id: Option<i64>,
    pub responsible_name: String,
    pub outcome: Option<Outcome>,
    pub note: String,
    pub exit_id: Option<i64>,
    pub visit_id: Option<i64>,
    pub done_at: Option<NaiveDateTime>,
    pub done_by_name: String,
    pub version: i64,
    /// 户户清: how many items are cleared.
    pub cleared: i64,
}

/// Which tasks a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskState {
    Open,
    Done,
    All,
}

#[derive(Debug, Clone)]
pub struct TaskFilter {
    pub state: TaskState,
    pub responsible_id: Option<i64>,
    pub household_id: Option<HouseholdId>,
    /// A worker's name or file number, in part.
    pub q: Option<String>,
}

type TaskRow = (
    (
        i64,
        i64,
        i64,
        i64,
        String,
        Option<i64>,
        Option<String>,
        String,
        Option<i64>,
        Option<i64>,
        Option<NaiveDateTime>,
        Option<i64>,
        i64,
    ),
    (String, String, String),
);

macro_rules! task_columns {
    () => {
        (
            (
                campaign_tasks::id,
                campaign_tasks::campaign_id,
                campaign_tasks::household_id,
                campaign_tasks::union_id,
                campaign_tasks::union_path,
                campaign_tasks::responsible_id,
                campaign_tasks::outcome,
                campaign_tasks::note,
                campaign_tasks::exit_id,
                campaign_tasks::visit_id,
                campaign_tasks::done_at,
                campaign_tasks::done_by,
                campaign_tasks::version,
            ),
            (
                households::file_no,
                households::worker_name,
                households::status,
            ),
        )
    };
}

fn assemble_tasks(conn: &mut Conn, rows: Vec<TaskRow>) -> Result<Vec<Task>, StorageError> {
    let unions = union_names(conn, rows.iter().map(|r| r.0 .3))?;
    let people = user_names(conn, rows.iter().flat_map(|r| [r.0 .5, r.0 .11]).flatten())?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0 .0).collect();
    let mut cleared: std::collections::HashMap<i64, i64> = std::collections::HashMap::new();
    for chunk in ids.chunks(1000) {
        let got: Vec<(i64, i64)> = run!(conn, c => campaign_clearances::table
            .filter(campaign_clearances::task_id.eq_any(chunk))
            .group_by(campaign_clearances::task_id)
            .select((campaign_clearances::task_id, count_star()))
            .load(c))?;
        cleared.extend(got);
    }
    rows.into_iter()
        .map(|(t, h)| {
            Ok(Task {
                household_status: Status::parse(&h.2)
                    .map_err(|_| corrupt("household", t.2, &h.2))?,
                outcome: t
                    .6
                    .as_deref()
                    .map(Outcome::parse)
                    .transpose()
                    .map_err(|_| corrupt("campaign task", t.0, t.6.as_deref().unwrap_or("")))?,
                id: t.0,
                campaign_id: t.1,
                household_id: HouseholdId(t.2),
                file_no: h.0,
                worker_name: h.1,
                union_id: UnionId(t.3),
                union_name: name_of(&unions, t.3),
                union_path: UnionPath::from_stored(t.4),
                responsible_id: t.5,
                responsible_name: t.5.map(|u| name_of(&people, u)).unwrap_or_default(),
                note: conn.open(TASK_NOTE, &t.7)?,
                exit_id: t.8,
                visit_id: t.9,
                done_at: t.10,
                done_by_name: t.11.map(|u| name_of(&people, u)).unwrap_or_default(),
                version: t.12,
                cleared: cleared.get(&t.0).copied().unwrap_or(0),
            })
        })
        .collect()
}

/// A page of a campaign's tasks in the scope (narrowed to `within`): open
/// ones first, by union and file number.
pub fn tasks(
    conn: &mut Conn,
    campaign_id: i64,
    scope: &Scope,
    within: Option<&UnionPath>,
    filter: &TaskFilter,
    page: PageRequest,
) -> Result<Page<Task>, StorageError> {
    let range: PathRange = scope.range_within(within);
    let like = filter
        .q
        .as_deref()
        .map(|q| format!("%{}%", q.replace(['%', '_'], "")));
    macro_rules! filtered {
        () => {
            campaign_tasks::table
                .inner_join(households::table)
                .filter(campaign_tasks::campaign_id.eq(campaign_id))
                .filter(range.covers(campaign_tasks::union_path))
                .into_boxed()
                .if_some(
                    match filter.state {
                        TaskState::Open => Some(false),
                        TaskState::Done => Some(true),
                        TaskState::All => None,
                    },
                    |b, done| match done {
                        true => b.filter(campaign_tasks::done_at.is_not_null()),
                        false => b.filter(campaign_tasks::done_at.is_null()),
                    },
                )
                .if_some(filter.responsible_id, |b, u| {
                    b.filter(campaign_tasks::responsible_id.eq(u))
                })
                .if_some(filter.household_id, |b, h| {
                    b.filter(campaign_tasks::household_id.eq(h.0))
                })
                .if_some(like.clone(), |b, l| {
                    b.filter(
                        households::worker_name
                            .like(l.clone())
                            .or(households::file_no.like(l)),
                    )
                })
        };
    }
    let (rows, total): (Vec<TaskRow>, i64) = run!(conn, c => page_of!(c, page, filtered,
        order: (
            campaign_tasks::done_at.is_not_null().asc(),
            campaign_tasks::union_path.asc(),
            campaign_tasks::id.asc(),
        ),
        select: task_columns!()))?;
    Ok(page.of(assemble_tasks(conn, rows)?, total))
}

/// One task in the scope.
pub fn find_task(conn: &mut Conn, scope: &Scope, id: i64) -> Result<Option<Task>, StorageError> {
    let rows: Vec<TaskRow> = run!(conn, c => campaign_tasks::table
        .inner_join(households::table)
        .filter(campaign_tasks::id.eq(id))
        .filter(scope.covers(campaign_tasks::union_path))
        .select(task_columns!())
        .load(c))?;
    Ok(assemble_tasks(conn, rows)?.into_iter().next())
}

/// The household's open task of a running campaign in the scope, the
/// soonest deadline first: (campaign, task).
pub fn open_task_of_household(
    conn: &mut Conn,
    scope: &Scope,
    household: HouseholdId,
) -> Result<Option<(i64, i64)>, StorageError> {
    Ok(run!(conn, c => campaign_tasks::table
        .inner_join(campaigns::table)
        .filter(campaign_tasks::household_id.eq(household.0))
        .filter(scope.covers(campaign_tasks::union_path))
        .filter(campaign_tasks::done_at.is_null())
        .filter(campaigns::status.eq(CampaignStatus::Running.code()))
        .order((campaigns::deadline.asc(), campaign_tasks::id.asc()))
        .select((campaigns::id, campaign_tasks::id))
        .first(c)
        .optional())?)
}

/// An item of a 户户清 task cleared.
#[derive(Debug, Clone)]
pub struct Clearance {
    pub item: i32,
    pub note: String,
    pub cleared_by_name: String,
    pub cleared_at: NaiveDateTime,
}

pub fn clearances(conn: &mut Conn, task_id: i64) -> Result<Vec<Clearance>, StorageError> {
    let rows: Vec<(i32, String, i64, NaiveDateTime)> = run!(conn, c => campaign_clearances::table
        .filter(campaign_clearances::task_id.eq(task_id))
        .order(campaign_clearances::item.asc())
        .select((
            campaign_clearances::item,
            campaign_clearances::note,
            campaign_clearances::cleared_by,
            campaign_clearances::cleared_at,
        ))
        .load(c))?;
    let people = user_names(conn, rows.iter().map(|r| r.2))?;
    rows.into_iter()
        .map(|r| {
            Ok(Clearance {
                item: r.0,
                note: conn.open(CLEARANCE_NOTE, &r.1)?,
                cleared_by_name: name_of(&people, r.2),
                cleared_at: r.3,
            })
        })
        .collect()
}

/// Clears an item of a task; false when it was cleared already.
pub fn clear_item(
    conn: &mut Conn,
    task_id: i64,
    item: i32,
    note: &str,
    by: i64,
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    let note = conn.seal(CLEARANCE_NOTE, note)?;
    let n = run!(conn, c => diesel::insert_into(campaign_clearances::table)
        .values((
            campaign_clearances::task_id.eq(task_id),
            campaign_clearances::item.eq(item),
            campaign_clearances::note.eq(&note),
            campaign_clearances::cleared_by.eq(by),
            campaign_clearances::cleared_at.eq(now),
        ))
        .on_conflict((campaign_clearances::task_id, campaign_clearances::item))
        .do_nothing()
        .execute(c))?;
    Ok(n == 1)
}

/// What finishing a task writes.
#[derive(Debug, Clone)]
pub struct Finish<'a> {
    pub outcome: Outcome,
    pub note: &'a str,
    pub exit_id: Option<i64>,
    pub visit_id: Option<i64>,
    pub by: i64,
}

/// Finishes an open task at `version`; false if it changed meanwhile.
pub fn finish_task(
    conn: &mut Conn,
    id: i64,
    version: i64,
    f: &Finish<'_>,
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    let note = conn.seal(TASK_NOTE, f.note)?;
    let n = run!(conn, c => diesel::update(
        campaign_tasks::table
            .filter(campaign_tasks::id.eq(id))
            .filter(campaign_tasks::version.eq(version))
            .filter(campaign_tasks::done_at.is_null()),
    )
    .set((
        campaign_tasks::outcome.eq(Some(f.outcome.code())),
        campaign_tasks::note.eq(&note),
        campaign_tasks::exit_id.eq(f.exit_id),
        campaign_tasks::visit_id.eq(f.visit_id),
        campaign_tasks::done_at.eq(Some(now)),
        campaign_tasks::done_by.eq(Some(f.by)),
        campaign_tasks::version.eq(version + 1),
    ))
    .execute(c))?;
    Ok(n == 1)
}

/// Bumps a task's version (an item cleared); false if it changed meanwhile.
pub fn touch_task(conn: &mut Conn, id: i64, version: i64) -> Result<bool, StorageError> {
    let n = run!(conn, c => diesel::update(
        campaign_tasks::table
            .filter(campaign_tasks::id.eq(id))
            .filter(campaign_tasks::version.eq(version)),
    )
    .set(campaign_tasks::version.eq(version + 1))
    .execute(c))?;
    Ok(n == 1)
}

/// The latest home visit of a household recorded at or after `since`:
/// (id, visited on).
pub fn visit_since(
    conn: &mut Conn,
    household: HouseholdId,
    since: NaiveDateTime,
) -> Result<Option<(i64, NaiveDate)>, StorageError> {
    Ok(run!(conn, c => visits::table
        .filter(visits::household_id.eq(household.0))
        .filter(visits::created_at.ge(since))
        .order(visits::id.desc())
        .select((visits::id, visits::visited_on))
        .first(c)
        .optional())?)
}
