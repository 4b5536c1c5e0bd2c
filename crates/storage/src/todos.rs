//! The monthly run's claim per month (`monthly_runs`) and its to-do items (`todos`).
//!
//! Also the bulk reads the run needs beside the files themselves (who is
//! responsible, which measures and acts of assistance a household had, its
//! overdue measures, its regular subsidy), and the few aggregate counts the
//! home dashboard shows.

use crate::db::{run, Conn};
use crate::jobs::Job;
use crate::query::{name_of, page_of, union_names, user_names, Optional};
use crate::schema::{
    assistance, exits, households, jobs, measures, monthly_runs, subsidies, todos, unions, users,
};
use crate::{Page, PageRequest, Scope, StorageError};
use bangfu_domain::household::{HouseholdId, Status};
use bangfu_domain::{Month, UnionId, UnionPath, UserId};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use std::collections::{HashMap, HashSet};

/// The job kind of the monthly run in `jobs`.
pub const RUN_KIND: &str = "monthly_run";

// ---------- the claim on a month and the runs ----------

/// Claims `month` for the run `job_id`: true when this call's insert won
/// (any number of processes may try at once; the primary key lets one win).
pub fn claim_month(
    conn: &mut Conn,
    month: Month,
    job_id: i64,
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    let n = run!(conn, c => diesel::insert_into(monthly_runs::table)
        .values((
            monthly_runs::month.eq(month.to_string()),
            monthly_runs::job_id.eq(job_id),
            monthly_runs::started_at.eq(now),
        ))
        .on_conflict(monthly_runs::month)
        .do_nothing()
        .execute(c))?;
    Ok(n == 1)
}

/// Hands the claim on `month` from the run `old` (failed or interrupted) to
/// `new`; false when another process took it over first.
pub fn reclaim_month(
    conn: &mut Conn,
    month: Month,
    old: i64,
    new: i64,
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    let n = run!(conn, c => diesel::update(
        monthly_runs::table
            .filter(monthly_runs::month.eq(month.to_string()))
            .filter(monthly_runs::job_id.eq(old)),
    )
    .set((monthly_runs::job_id.eq(new), monthly_runs::started_at.eq(now)))
    .execute(c))?;
    Ok(n == 1)
}

/// The run that holds the claim on `month`, if any.
pub fn month_claim(conn: &mut Conn, month: Month) -> Result<Option<Job>, StorageError> {
    let job: Option<i64> = run!(conn, c => monthly_runs::table
        .filter(monthly_runs::month.eq(month.to_string()))
        .select(monthly_runs::job_id)
        .first(c)
        .optional())?;
    let Some(job) = job else { return Ok(None) };
    Ok(run!(conn, c => jobs::table
        .filter(jobs::id.eq(job))
        .select(Job::as_select())
        .first(c)
        .optional())?)
}

/// The paths of the scope's union and of every union above it: a run
/// started there covers the scope.
fn covering_paths(scope: &Scope) -> Vec<String> {
    let ids = scope.path().ids();
    (1..=ids.len())
        .map(|n| {
            let mut s = String::from("/");
            for id in &ids[..n] {
                s.push_str(&id.0.to_string());
                s.push('/');
            }
            s
        })
        .collect()
}

macro_rules! visible_runs {
    ($scope:expr, $covering:expr) => {
        jobs::table.filter(jobs::kind.eq(RUN_KIND)).filter(
            jobs::union_path.eq_any($covering).or(jobs::union_path
                .ge($scope.start())
                .and(jobs::union_path.lt($scope.end()))),
        )
    };
}

/// Monthly runs that cover the scope (started at its union or above) or lie
/// inside it, newest first.
pub fn list_runs(conn: &mut Conn, scope: &Scope, limit: i64) -> Result<Vec<Job>, StorageError> {
    let covering = covering_paths(scope);
    Ok(run!(conn, c => visible_runs!(scope, &covering)
        .order(jobs::id.desc())
        .limit(limit)
        .select(Job::as_select())
        .load(c))?)
}

/// One monthly run, if the scope may see it (see [`list_runs`]).
pub fn find_run(conn: &mut Conn, scope: &Scope, id: i64) -> Result<Option<Job>, StorageError> {
    let covering = covering_paths(scope);
    Ok(run!(conn, c => visible_runs!(scope, &covering)
        .filter(jobs::id.eq(id))
        .select(Job::as_select())
        .first(c)
        .optional())?)
}

/// Runs still queued or running that overlap the scope.
pub fn unfinished_runs(conn: &mut Conn, scope: &Scope) -> Result<Vec<Job>, StorageError> {
    let covering = covering_paths(scope);
    Ok(run!(conn, c => visible_runs!(scope, &covering)
        .filter(jobs::status.eq_any(["queued", "running"]))
        .select(Job::as_select())
        .load(c))?)
}

/// The stored result of a job (the run's counts so far).
pub fn run_result_json(conn: &mut Conn, id: i64) -> Result<Option<String>, StorageError> {
    Ok(run!(conn, c => jobs::table
        .filter(jobs::id.eq(id))
        .select(jobs::result_json)
        .first::<Option<String>>(c)
        .optional())?
    .flatten())
}

/// Who the scheduled run is recorded as, and the subtree it covers: the
/// earliest active administrator of the highest union that has one — the
/// root union in any real deployment; a province in the demo, whose
/// administrator sits there.
pub fn root_admin(conn: &mut Conn) -> Result<Option<(i64, i64, String)>, StorageError> {
    use crate::schema::user_roles;
    let admins: Vec<(i64, i64, String)> = run!(conn, c => users::table
        .inner_join(unions::table.on(unions::id.eq(users::union_id)))
        .inner_join(user_roles::table.on(user_roles::user_id.eq(users::id)))
        .filter(user_roles::role.eq("admin"))
        .filter(users::active.eq(true))
        .filter(unions::active.eq(true))
        .order(users::id.asc())
        .select((users::id, unions::id, unions::path))
        .load(c))?;
    Ok(admins
        .into_iter()
        .min_by_key(|(id, _, path)| (path.matches('/').count(), *id)))
}

// ---------- what the run reads, a batch at a time ----------

/// Whether a file is looked at by the run `today`: under assistance, or
/// exited and still followed.
macro_rules! to_assess {
    ($start:expr, $end:expr, $today:expr) => {
        households::table
            .filter(households::union_path.ge($start))
            .filter(households::union_path.lt($end))
            .filter(
                households::status
                    .eq_any([Status::OnFile.code(), Status::Relieved.code()])
                    .or(households::status
                        .eq(Status::Exited.code())
                        .and(households::follow_until.ge($today))),
            )
    };
}

/// How many files the run looks at in the scope.
pub fn count_to_assess(
    conn: &mut Conn,
    scope: &Scope,
    today: NaiveDate,
) -> Result<i64, StorageError> {
    Ok(
        run!(conn, c => to_assess!(scope.start(), scope.end(), today)
        .count()
        .get_result(c))?,
    )
}

/// Every file in the scope (to decide whether a run has anything to do).
pub fn any_household(conn: &mut Conn) -> Result<bool, StorageError> {
    Ok(run!(conn, c => households::table
        .select(households::id)
        .first::<i64>(c)
        .optional())?
    .is_some())
}

/// The next `limit` files the run looks at after id `after`, in id order.
pub fn ids_to_assess_after(
    conn: &mut Conn,
    scope: &Scope,
    today: NaiveDate,
    after: i64,
    limit: i64,
) -> Result<Vec<HouseholdId>, StorageError> {
    let ids: Vec<i64> = run!(conn, c => to_assess!(scope.start(), scope.end(), today)
        .filter(households::id.gt(after))
        .order(households::id.asc())
        .limit(limit)
        .select(households::id)
        .load(c))?;
    Ok(ids.into_iter().map(HouseholdId).collect())
}

/// The responsible person (一帮一) of each file, where there is one.
pub fn responsible_of_many(
    conn: &mut Conn,
    ids: &[HouseholdId],
) -> Result<HashMap<HouseholdId, i64>, StorageError> {
    let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
    let rows: Vec<(i64, Option<i64>)> = run!(conn, c => households::table
        .filter(households::id.eq_any(&raw))
        .select((households::id, households::responsible_id))
        .load(c))?;
    Ok(rows
        .into_iter()
        .filter_map(|(h, r)| r.map(|r| (HouseholdId(h), r)))
        .collect())
}

/// A completed measure: household, done on, updated at, track, programme.
type DoneMeasure = (
    i64,
    Option<NaiveDate>,
    NaiveDateTime,
    String,
    Option<String>,
);

/// The catalogue codes of each file's completed measures (programme, then
/// track) and of the assistance it was given (kind), newest first: what the
/// suggested pathway out of hardship reads.
pub fn pathway_codes_of_many(
    conn: &mut Conn,
    ids: &[HouseholdId],
) -> Result<HashMap<HouseholdId, Vec<String>>, StorageError> {
    let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
    let done: Vec<DoneMeasure> = run!(conn, c => measures::table
            .filter(measures::household_id.eq_any(&raw))
            .filter(measures::status.eq("done"))
            .select((
                measures::household_id,
                measures::done_on,
                measures::updated_at,
                measures::track,
                measures::programme,
            ))
            .load(c))?;
    let given: Vec<(i64, NaiveDate, i64, String)> = run!(conn, c => assistance::table
        .filter(assistance::household_id.eq_any(&raw))
        .filter(assistance::status.eq("given"))
        .select((
            assistance::household_id,
            assistance::given_on,
            assistance::id,
            assistance::kind,
        ))
        .load(c))?;
    // (date, tie-break, codes) per household; sorted newest first below.
    let mut dated: HashMap<HouseholdId, Vec<(NaiveDate, i64, Vec<String>)>> = HashMap::new();
    for (h, done_on, updated_at, track, programme) in done {
        let mut codes: Vec<String> = programme.into_iter().collect();
        codes.push(track);
        dated.entry(HouseholdId(h)).or_default().push((
            done_on.unwrap_or(updated_at.date()),
            0,
            codes,
        ));
    }
    for (h, on, id, kind) in given {
        dated
            .entry(HouseholdId(h))
            .or_default()
            .push((on, id, vec![kind]));
    }
    Ok(dated
        .into_iter()
        .map(|(h, mut v)| {
            v.sort_by_key(|d| std::cmp::Reverse((d.0, d.1)));
            (h, v.into_iter().flat_map(|(_, _, c)| c).collect())
        })
        .collect())
}

/// How many open measures of each file are past their due date.
pub fn overdue_measures_of_many(
    conn: &mut Conn,
    ids: &[HouseholdId],
    today: NaiveDate,
) -> Result<HashMap<HouseholdId, i64>, StorageError> {
    let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
    let rows: Vec<(i64, i64)> = run!(conn, c => measures::table
        .filter(measures::household_id.eq_any(&raw))
        .filter(measures::status.eq_any(["planned", "in_progress"]))
        .filter(measures::due_on.lt(today))
        .group_by(measures::household_id)
        .select((measures::household_id, diesel::dsl::count_star()))
        .load(c))?;
    Ok(rows.into_iter().map(|(h, n)| (HouseholdId(h), n)).collect())
}

/// The files among `ids` with a regular subsidy (常态化帮扶) running in `month`.
pub fn subsidised_in(
    conn: &mut Conn,
    ids: &[HouseholdId],
    month: Month,
) -> Result<HashSet<HouseholdId>, StorageError> {
    let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
    let m = month.to_string();
    let rows: Vec<i64> = run!(conn, c => subsidies::table
        .filter(subsidies::household_id.eq_any(&raw))
        .filter(subsidies::status.eq("active"))
        .filter(subsidies::start_month.le(&m))
        .filter(subsidies::end_month.is_null().or(subsidies::end_month.ge(&m)))
        .select(subsidies::household_id)
        .load(c))?;
    Ok(rows.into_iter().map(HouseholdId).collect())
}

/// The files among `ids` with an exit, relief or removal decision under way
/// (proposed, reviewed or on notice).
pub fn with_open_decision(
    conn: &mut Conn,
    ids: &[HouseholdId],
) -> Result<HashSet<HouseholdId>, StorageError> {
    let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
    let rows: Vec<i64> = run!(conn, c => exits::table
        .filter(exits::household_id.eq_any(&raw))
        .filter(exits::status.eq_any(["proposed", "reviewed", "notice"]))
        .select(exits::household_id)
        .load(c))?;
    Ok(rows.into_iter().map(HouseholdId).collect())
}

// ---------- to-do items ----------

/// A to-do item the run leaves.
#[derive(Debug, Clone)]
pub struct NewTodo {
    pub household_id: HouseholdId,
    pub union_id: UnionId,
    pub union_path: UnionPath,
    pub responsible_id: Option<i64>,
    /// `exit_ready`, `relief_ready`, `relapse`, `not_eligible`, `plan_overdue`, `causes_changed`, `warning`.
    pub kind: &'static str,
    pub detail: String,
}

/// Writes the items of `month` not written yet (one per household, kind
/// and month); returns how many were new.
pub fn insert_many(
    conn: &mut Conn,
    month: Month,
    list: &[NewTodo],
    now: NaiveDateTime,
) -> Result<usize, StorageError> {
    let m = month.to_string();
    let mut added = 0;
    for chunk in list.chunks(200) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|t| {
                (
                    todos::month.eq(m.clone()),
                    todos::household_id.eq(t.household_id.0),
                    todos::union_id.eq(t.union_id.0),
                    todos::union_path.eq(t.union_path.as_str().to_owned()),
                    todos::responsible_id.eq(t.responsible_id),
                    todos::kind.eq(t.kind),
                    todos::detail.eq(t.detail.clone()),
                    todos::created_at.eq(now),
                )
            })
            .collect();
        added += run!(conn, c => diesel::insert_into(todos::table)
            .values(&rows)
            .on_conflict((todos::household_id, todos::kind, todos::month))
            .do_nothing()
            .execute(c))?;
    }
    Ok(added)
}

/// A to-do item as lists show it.
#[derive(Debug, Clone)]
pub struct Todo {
    pub id: i64,
    pub month: String,
    pub household_id: HouseholdId,
    pub file_no: String,
    pub worker_name: String,
    pub household_status: String,
    pub union_id: UnionId,
    pub union_name: String,
    pub union_path: UnionPath,
    pub responsible_id: Option<UserId>,
    pub responsible_name: Option<String>,
    pub kind: String,
    pub detail: String,
    pub created_at: NaiveDateTime,
    pub done_at: Option<NaiveDateTime>,
    pub done_by: Option<UserId>,
    pub done_by_name: Option<String>,
}

/// Whose items a list holds.
#[derive(Debug, Clone, Copy)]
pub enum Whose {
    /// Everyone's in the scope.
    All,
    /// This user's only.
    Mine(UserId),
    /// This user's and those nobody is responsible for.
    MineOrNobody(UserId),
}

#[derive(Debug, Clone)]
pub struct TodoFilter {
    pub whose: Whose,
    pub kind: Option<String>,
    /// Only this union's subtree (narrowed to the scope).
    pub union_path: Option<UnionPath>,
    /// `Some(false)`: open items; `Some(true)`: done; `None`: both.
    pub done: Option<bool>,
    pub month: Option<Month>,
    pub household_id: Option<HouseholdId>,
}

type TodoRow = (
    (
        i64,
        String,
        i64,
        i64,
        String,
        Option<i64>,
        String,
        String,
        NaiveDateTime,
        Option<NaiveDateTime>,
        Option<i64>,
    ),
    (String, String, String),
);

macro_rules! todo_columns {
    () => {
        (
            (
                todos::id,
                todos::month,
                todos::household_id,
                todos::union_id,
                todos::union_path,
                todos::responsible_id,
                todos::kind,
                todos::detail,
                todos::created_at,
                todos::done_at,
                todos::done_by,
            ),
            (
                households::file_no,
                households::worker_name,
                households::status,
            ),
        )
    };
}

fn assemble(conn: &mut Conn, rows: Vec<TodoRow>) -> Result<Vec<Todo>, StorageError> {
    let unions_ = union_names(conn, rows.iter().map(|r| r.0 .3))?;
    let names = user_names(conn, rows.iter().flat_map(|r| [r.0 .5, r.0 .10]).flatten())?;
    Ok(rows
        .into_iter()
        .map(|(t, h)| Todo {
            id: t.0,
            month: t.1,
            household_id: HouseholdId(t.2),
            file_no: h.0,
            worker_name: h.1,
            household_status: h.2,
            union_id: UnionId(t.3),
            union_name: name_of(&unions_, t.3),
            union_path: UnionPath::from_stored(t.4),
            responsible_id: t.5.map(UserId),
            responsible_name: t.5.and_then(|u| names.get(&u).cloned()),
            kind: t.6,
            detail: t.7,
            created_at: t.8,
            done_at: t.9,
            done_by: t.10.map(UserId),
            done_by_name: t.10.and_then(|u| names.get(&u).cloned()),
        })
        .collect())
}

/// A page of to-do items in the scope, newest month first, open ones first.
pub fn list(
    conn: &mut Conn,
    scope: &Scope,
    filter: &TodoFilter,
    page: PageRequest,
) -> Result<Page<Todo>, StorageError> {
    let range = scope.range_within(filter.union_path.as_ref());
    // The responsible person, and whether items with nobody responsible count too.
    let whose = match filter.whose {
        Whose::All => None,
        Whose::Mine(u) => Some((u.0, false)),
        Whose::MineOrNobody(u) => Some((u.0, true)),
    };
    macro_rules! filtered {
        () => {
            todos::table
                .inner_join(households::table)
                .filter(range.covers(todos::union_path))
                .into_boxed()
                .if_some(whose, |b, (u, or_nobody)| match or_nobody {
                    false => b.filter(todos::responsible_id.eq(u)),
                    true => b.filter(
                        todos::responsible_id
                            .eq(u)
                            .or(todos::responsible_id.is_null()),
                    ),
                })
                .if_some(filter.kind.clone(), |b, k| b.filter(todos::kind.eq(k)))
                .if_some(filter.done, |b, done| match done {
                    true => b.filter(todos::done_at.is_not_null()),
                    false => b.filter(todos::done_at.is_null()),
                })
                .if_some(filter.month, |b, m| {
                    b.filter(todos::month.eq(m.to_string()))
                })
                .if_some(filter.household_id, |b, h| {
                    b.filter(todos::household_id.eq(h.0))
                })
        };
    }
    let (rows, total): (Vec<TodoRow>, i64) = run!(conn, c => page_of!(c, page, filtered,
        order: (
            todos::done_at.is_not_null().asc(),
            todos::month.desc(),
            todos::id.asc(),
        ),
        select: todo_columns!()))?;
    Ok(page.of(assemble(conn, rows)?, total))
}

/// Writes one item of `month`, or opens it again (with the new detail and
/// holder) when the household had it this month already: a file reported,
/// returned and reported again within a month gets its item back.
pub fn open_one(
    conn: &mut Conn,
    month: Month,
    t: &NewTodo,
    now: NaiveDateTime,
) -> Result<(), StorageError> {
    let m = month.to_string();
    let key = todos::table
        .filter(todos::household_id.eq(t.household_id.0))
        .filter(todos::kind.eq(t.kind))
        .filter(todos::month.eq(&m));
    let n = run!(conn, c => diesel::update(key)
        .set((
            todos::union_id.eq(t.union_id.0),
            todos::union_path.eq(t.union_path.as_str()),
            todos::responsible_id.eq(t.responsible_id),
            todos::detail.eq(&t.detail),
            todos::created_at.eq(now),
            todos::done_at.eq(None::<NaiveDateTime>),
            todos::done_by.eq(None::<i64>),
        ))
        .execute(c))?;
    if n == 0 {
        insert_many(conn, month, std::slice::from_ref(t), now)?;
    }
    Ok(())
}

/// Marks done every open item of `kind` of a household (its cause is gone:
/// no open finding, no open campaign task); how many were open.
pub fn close_kind_of_household(
    conn: &mut Conn,
    household: HouseholdId,
    kind: &str,
    by: i64,
    now: NaiveDateTime,
) -> Result<usize, StorageError> {
    Ok(run!(conn, c => diesel::update(
        todos::table
            .filter(todos::household_id.eq(household.0))
            .filter(todos::kind.eq(kind))
            .filter(todos::done_at.is_null()),
    )
    .set((todos::done_at.eq(Some(now)), todos::done_by.eq(Some(by))))
    .execute(c))?)
}

/// One item in the scope.
pub fn find(conn: &mut Conn, scope: &Scope, id: i64) -> Result<Option<Todo>, StorageError> {
    let rows: Vec<TodoRow> = run!(conn, c => todos::table
        .inner_join(households::table)
        .filter(todos::id.eq(id))
        .filter(scope.covers(todos::union_path))
        .select(todo_columns!())
        .load(c))?;
    Ok(assemble(conn, rows)?.into_iter().next())
}

/// Marks an open item done; false when it was done already.
pub fn mark_done(
    conn: &mut Conn,
    id: i64,
    by: UserId,
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    let n = run!(conn, c => diesel::update(
        todos::table.filter(todos::id.eq(id)).filter(todos::done_at.is_null()),
    )
    .set((todos::done_at.eq(Some(now)), todos::done_by.eq(Some(by.0))))
    .execute(c))?;
    Ok(n == 1)
}

/// Items of `month` in the scope by union and kind: (union path, kind,
/// all items, open items).
pub fn counts_by_union(
    conn: &mut Conn,
    scope: &Scope,
    month: Month,
) -> Result<Vec<(String, String, i64, i64)>, StorageError> {
    let rows: Vec<(String, String, i64, i64)> = run!(conn, c => todos::table
        .filter(scope.covers(todos::union_path))
        .filter(todos::month.eq(month.to_string()))
        .group_by((todos::union_path, todos::kind))
        .select((
            todos::union_path,
            todos::kind,
            diesel::dsl::count_star(),
            diesel::dsl::count(todos::done_at),
        ))
        .load(c))?;
    Ok(rows
        .into_iter()
        .map(|(p, k, all, done)| (p, k, all, all - done))
        .collect())
}

// ---------- the dashboard's counts ----------

/// What an officer's dashboard counts of the files they are responsible for.
#[derive(Debug, Clone, Default)]
pub struct MyCounts {
    /// Under assistance (on file or relieved) and paired to them.
    pub households: i64,
    /// Of those, due a visit: filed, paired and last visited (if ever)
    /// before the cut-off.
    pub visits_overdue: i64,
    /// On file and meeting the exit standard.
    pub exit_ready: i64,
    pub relief_ready: i64,
    /// Open to-do items addressed to them.
    pub todos_open: i64,
    /// Open to-do items in their subtree with nobody responsible.
    pub todos_unassigned: i64,
}

pub fn my_counts(
    conn: &mut Conn,
    scope: &Scope,
    me: UserId,
    visit_cutoff: NaiveDate,
) -> Result<MyCounts, StorageError> {
    macro_rules! mine {
        () => {
            households::table
                .filter(scope.covers(households::union_path))
                .filter(households::responsible_id.eq(me.0))
                .filter(households::status.eq_any([Status::OnFile.code(), Status::Relieved.code()]))
        };
    }
    run!(conn, c => {
        let households_ = mine!().count().get_result(c)?;
        let visits_overdue = mine!()
            .filter(crate::plans::visit_due_before!(visit_cutoff))
            .count()
            .get_result(c)?;
        let exit_ready = mine!()
            .filter(households::status.eq(Status::OnFile.code()))
            .filter(households::ready_pathway.is_not_null())
            .count()
            .get_result(c)?;
        let relief_ready = mine!()
            .filter(households::status.eq(Status::OnFile.code()))
            .filter(households::relief_ready.eq(true))
            .count()
            .get_result(c)?;
        let todos_open = todos::table
            .filter(scope.covers(todos::union_path))
            .filter(todos::responsible_id.eq(me.0))
            .filter(todos::done_at.is_null())
            .count()
            .get_result(c)?;
        let todos_unassigned = todos::table
            .filter(scope.covers(todos::union_path))
            .filter(todos::responsible_id.is_null())
            .filter(todos::done_at.is_null())
            .count()
            .get_result(c)?;
        Ok::<_, diesel::result::Error>(MyCounts {
            households: households_,
            visits_overdue,
            exit_ready,
            relief_ready,
            todos_open,
            todos_unassigned,
        })
    })
    .map_err(StorageError::from)
}

/// What a manager's dashboard counts in the subtree: on file and the
/// year's decisions from the tallies, the rest by indexes that start with
/// what they count (so a national count reads only the rows it counts).
#[derive(Debug, Clone, Default)]
pub struct SubtreeCounts {
    pub on_file: i64,
    /// Their people (worker and members).
    pub persons: i64,
    /// Exits approved this year, net of revocations this year (as targets
    /// count them).
    pub exited_this_year: i64,
    /// Reliefs, likewise.
    pub relieved_this_year: i64,
    /// Exited households flagged as relapsed this year.
    pub relapses_this_year: i64,
    /// On file and meeting the exit (or relief) standard.
    pub exit_ready: i64,
    pub relief_ready: i64,
    /// Exit, relief and removal decisions proposed, reviewed or on notice.
    pub open_decisions: i64,
    /// Open measures past their due date.
    pub overdue_measures: i64,
    pub todos_open: i64,
}

pub fn subtree_counts(
    conn: &mut Conn,
    scope: &Scope,
    union: UnionId,
    year_start: NaiveDate,
    today: NaiveDate,
) -> Result<SubtreeCounts, StorageError> {
    use crate::tallies::{self, Measure};
    // On file, and the year's exits and reliefs (net of revocations, as
    // targets count them), from the tallies of the scope's union.
    let (mut on_file, mut persons) = (0, 0);
    for t in tallies::as_of(conn, &[union], &[Measure::OnFile], today)? {
        on_file += t.n;
        persons += t.persons;
    }
    let (mut exited_this_year, mut relieved_this_year) = (0, 0);
    for (_, t) in tallies::by_month(conn, &[union], Measure::Decided, year_start, today)? {
        match tallies::DecisionKey::parse(&t.key).kind {
            "out" => exited_this_year += t.n,
            "relief" => relieved_this_year += t.n,
            _ => {}
        }
    }
    macro_rules! files {
        () => {
            households::table.filter(scope.covers(households::union_path))
        };
    }
    run!(conn, c => {
        let relapses_this_year = files!()
            .filter(households::relapse_on.ge(year_start))
            .count()
            .get_result(c)?;
        let exit_ready = files!()
            .filter(households::status.eq(Status::OnFile.code()))
            .filter(households::ready_pathway.is_not_null())
            .count()
            .get_result(c)?;
        let relief_ready = files!()
            .filter(households::status.eq(Status::OnFile.code()))
            .filter(households::relief_ready.eq(true))
            .count()
            .get_result(c)?;
        let open_decisions = exits::table
            .filter(scope.covers(exits::union_path))
            .filter(exits::status.eq_any(["proposed", "reviewed", "notice"]))
            .count()
            .get_result(c)?;
        let overdue_measures = measures::table
            .filter(scope.covers(measures::union_path))
            .filter(measures::status.eq_any(["planned", "in_progress"]))
            .filter(measures::due_on.lt(today))
            .count()
            .get_result(c)?;
        let todos_open = todos::table
            .filter(scope.covers(todos::union_path))
            .filter(todos::done_at.is_null())
            .count()
            .get_result(c)?;
        Ok::<_, diesel::result::Error>(SubtreeCounts {
            on_file,
            persons,
            exited_this_year,
            relieved_this_year,
            relapses_this_year,
            exit_ready,
            relief_ready,
            open_decisions,
            overdue_measures,
            todos_open,
        })
    })
    .map_err(StorageError::from)
}
