//! The people a batch can match — the worker and every member of every file
//! on file, relieved, or exited and still followed, in the batch's subtree —
//! and what their files say.

use crate::db::{run, Conn};
use crate::households::sealed::{
    health_parts, HEALTH, MEMBER_HEALTH, MEMBER_ID_NUMBER, WORKER_ID_NUMBER,
};
use crate::schema::{households, incomes, members};
use crate::{Scope, StorageError};
use bangfu_domain::household::{Employment, HardshipCause, HouseholdId, Status};
use bangfu_domain::identification::Category;
use bangfu_domain::verification::FileSide;
use bangfu_domain::{Fen, Month, UnionId, UnionPath};
use chrono::NaiveDate;
use diesel::prelude::*;
use std::collections::HashMap;

/// How many values one `IN (…)` lists.
const CHUNK: usize = 1000;

/// One person on file: the household, and the member (none: the worker).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Person {
    pub household_id: HouseholdId,
    pub member_id: Option<i64>,
}

/// A person with the ID number the file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannedPerson {
    pub id_number: String,
    pub person: Person,
}

/// The files a batch matches against: on file, relieved, or exited and
/// followed on `today`.
macro_rules! matchable {
    ($q:expr, $today:expr) => {
        $q.filter(
            households::status
                .eq_any([Status::OnFile.code(), Status::Relieved.code()])
                .or(households::status
                    .eq(Status::Exited.code())
                    .and(households::follow_until.ge($today))),
        )
    };
}

/// The people in scope whose ID number is one of `numbers` (each number
/// may be several people: a worker of an exited file and of its reopening).
pub fn match_plain(
    conn: &mut Conn,
    scope: &Scope,
    numbers: &[&str],
    today: NaiveDate,
) -> Result<Vec<ScannedPerson>, StorageError> {
    // ID numbers are sealed: they are found by their blind indexes, and
    // each index found stands for the number it was computed from.
    let indexed: std::collections::HashMap<String, &str> =
        conn.indexes_of(numbers)?.into_iter().collect();
    let keys: Vec<&String> = indexed.keys().collect();
    let number = |i: Option<String>| i.and_then(|i| indexed.get(&i).map(|n| (*n).to_owned()));
    let mut out = Vec::new();
    for chunk in keys.chunks(CHUNK) {
        let workers: Vec<(i64, Option<String>)> = run!(conn, c => matchable!(households::table
            .filter(households::worker_id_index.eq_any(chunk))
            .filter(scope.covers(households::union_path)), today)
            .select((households::id, households::worker_id_index))
            .load(c))?;
        out.extend(workers.into_iter().filter_map(|(h, i)| {
            Some(ScannedPerson {
                id_number: number(i)?,
                person: Person {
                    household_id: HouseholdId(h),
                    member_id: None,
                },
            })
        }));
        let people: Vec<(i64, i64, Option<String>)> = run!(conn, c => matchable!(members::table
            .inner_join(households::table)
            .filter(members::id_index.eq_any(chunk))
            .filter(scope.covers(households::union_path)), today)
            .select((members::household_id, members::id, members::id_index))
            .load(c))?;
        out.extend(people.into_iter().filter_map(|(h, m, i)| {
            Some(ScannedPerson {
                id_number: number(i)?,
                person: Person {
                    household_id: HouseholdId(h),
                    member_id: Some(m),
                },
            })
        }));
    }
    Ok(out)
}

/// How many matchable files are in scope on `today` (what a hash scan reads).
pub fn count_files(conn: &mut Conn, scope: &Scope, today: NaiveDate) -> Result<i64, StorageError> {
    Ok(run!(conn, c => matchable!(households::table
        .filter(scope.covers(households::union_path)), today)
        .count()
        .get_result(c))?)
}

/// The next `limit` matchable files in scope after household id `after`,
/// with all their people: for matching hashes, which no index can find.
/// Returns the people and the last household id read (none: the end).
pub fn scan_people(
    conn: &mut Conn,
    scope: &Scope,
    after: i64,
    limit: i64,
    today: NaiveDate,
) -> Result<(Vec<ScannedPerson>, Option<i64>), StorageError> {
    let workers: Vec<(i64, String)> = run!(conn, c => matchable!(households::table
        .filter(scope.covers(households::union_path))
        .filter(households::id.gt(after)), today)
        .order(households::id)
        .limit(limit)
        .select((households::id, households::worker_id_number))
        .load(c))?;
    let Some(last) = workers.last().map(|w| w.0) else {
        return Ok((Vec::new(), None));
    };
    let first = workers.first().map(|w| w.0).unwrap_or(last);
    // The members of exactly those files: a range on the household id, kept
    // to the files just read (the range may hold files that do not match).
    let ids: std::collections::HashSet<i64> = workers.iter().map(|w| w.0).collect();
    let people: Vec<(i64, i64, Option<String>)> = run!(conn, c => members::table
        .filter(members::household_id.ge(first))
        .filter(members::household_id.le(last))
        .filter(members::id_number.is_not_null())
        .select((members::household_id, members::id, members::id_number))
        .load(c))?;
    let mut out: Vec<ScannedPerson> = Vec::with_capacity(workers.len() + people.len());
    for (h, n) in workers {
        out.push(ScannedPerson {
            id_number: conn.open(WORKER_ID_NUMBER, &n)?,
            person: Person {
                household_id: HouseholdId(h),
                member_id: None,
            },
        });
    }
    for (h, m, n) in people {
        let (true, Some(n)) = (ids.contains(&h), n) else {
            continue;
        };
        out.push(ScannedPerson {
            id_number: conn.open(MEMBER_ID_NUMBER, &n)?,
            person: Person {
                household_id: HouseholdId(h),
                member_id: Some(m),
            },
        });
    }
    Ok((out, Some(last)))
}

/// A matched person's file: who holds it and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonFile {
    pub person: Person,
    pub union_id: UnionId,
    pub union_path: UnionPath,
    pub division_code: String,
    pub responsible_id: Option<i64>,
    pub person_name: String,
    pub side: FileSide,
}

type HouseholdRow = (
    i64,
    i64,
    String,
    String,
    Option<i64>,
    String,
    String,
    Option<NaiveDate>,
    String,
    Option<String>,
    i32,
    String,
    String,
    Option<i32>,
    String,
);

/// The files of `people`, with each one's figures of the month its row
/// names (`months`: the month of each person's row, when it names one).
pub fn files_of(
    conn: &mut Conn,
    people: &[Person],
    months: &HashMap<Person, Month>,
    today: NaiveDate,
) -> Result<Vec<PersonFile>, StorageError> {
    let mut ids: Vec<i64> = people.iter().map(|p| p.household_id.0).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut files: HashMap<i64, HouseholdRow> = HashMap::new();
    let mut member_rows: HashMap<i64, (String, String, Option<i32>)> = HashMap::new();
    let member_ids: Vec<i64> = people.iter().filter_map(|p| p.member_id).collect();
    for chunk in ids.chunks(CHUNK) {
        let rows: Vec<HouseholdRow> = run!(conn, c => households::table
            .filter(households::id.eq_any(chunk))
            .select((
                households::id,
                households::union_id,
                households::union_path,
                households::division_code,
                households::responsible_id,
                households::worker_name,
                households::status,
                households::follow_until,
                households::category,
                households::dibao_since,
                households::size,
                households::causes,
                households::employment,
                households::disability_grade,
                households::health,
            ))
            .load(c))?;
        files.extend(rows.into_iter().map(|r| (r.0, r)));
    }
    for chunk in member_ids.chunks(CHUNK) {
        let rows: Vec<(i64, String, String, Option<i32>, String)> = run!(conn, c => members::table
            .filter(members::id.eq_any(chunk))
            .select((
                members::id,
                members::name,
                members::employment,
                members::disability_grade,
                members::health,
            ))
            .load(c))?;
        for (id, n, e, g, health) in rows {
            let (_, g) = health_parts(conn, MEMBER_HEALTH, &health, g)?;
            member_rows.insert(id, (n, e, g));
        }
    }
    let figures = month_figures(conn, months)?;
    let corrupt = |id: i64, what: &str| StorageError::Corrupt(format!("household {id} {what}"));
    let mut out = Vec::with_capacity(people.len());
    for p in people {
        let Some(r) = files.get(&p.household_id.0) else {
            continue;
        };
        let (
            id,
            union_id,
            path,
            division,
            responsible,
            worker,
            status,
            follow,
            cat,
            since,
            size,
            causes,
            emp,
            grade,
            health,
        ) = r.clone();
        let (_, grade) = health_parts(conn, HEALTH, &health, grade)?;
        let status = Status::parse(&status).map_err(|_| corrupt(id, "status"))?;
        let (name, employment, grade) = match p.member_id {
            None => (worker, emp, grade),
            Some(m) => match member_rows.get(&m) {
                Some((n, e, g)) => (n.clone(), e.clone(), *g),
                None => continue,
            },
        };
        let fig = figures.get(p);
        out.push(PersonFile {
            person: *p,
            union_id: UnionId(union_id),
            union_path: UnionPath::from_stored(path),
            division_code: division,
            responsible_id: responsible,
            person_name: name,
            side: FileSide {
                status,
                followed: status == Status::Exited && follow.is_some_and(|f| f >= today),
                category: Category::parse(&cat).map_err(|_| corrupt(id, "category"))?,
                dibao_since: since.and_then(|s| Month::parse("month", &s).ok()),
                size,
                causes: causes
                    .split(',')
                    .filter_map(|c| HardshipCause::parse(c).ok())
                    .collect(),
                is_worker: p.member_id.is_none(),
                employment: Employment::parse(&employment)
                    .map_err(|_| corrupt(id, "employment"))?,
                disability_grade: grade,
                earnings_in_month: fig.map(|f| f.0),
                medical_in_month: fig.map(|f| f.1),
            },
        });
    }
    Ok(out)
}

/// Wages + business income, and medical expenditure, of each person's
/// household in the month of its row.
fn month_figures(
    conn: &mut Conn,
    months: &HashMap<Person, Month>,
) -> Result<HashMap<Person, (Fen, Fen)>, StorageError> {
    let mut wanted: Vec<(i64, String)> = months
        .iter()
        .map(|(p, m)| (p.household_id.0, m.to_string()))
        .collect();
    wanted.sort();
    wanted.dedup();
    let mut found: HashMap<(i64, String), (Fen, Fen)> = HashMap::new();
    for chunk in wanted.chunks(CHUNK) {
        let hs: Vec<i64> = chunk.iter().map(|w| w.0).collect();
        let ms: Vec<&str> = chunk.iter().map(|w| w.1.as_str()).collect();
        let rows: Vec<(i64, String, i64, i64, i64)> = run!(conn, c => incomes::table
            .filter(incomes::household_id.eq_any(&hs))
            .filter(incomes::month.eq_any(&ms))
            .select((
                incomes::household_id,
                incomes::month,
                incomes::wages_fen,
                incomes::business_fen,
                incomes::medical_fen,
            ))
            .load(c))?;
        for (h, m, w, b, med) in rows {
            found.insert((h, m), (Fen(w + b), Fen(med)));
        }
    }
    Ok(months
        .iter()
        .filter_map(|(p, m)| {
            found
                .get(&(p.household_id.0, m.to_string()))
                .map(|f| (*p, *f))
        })
        .collect())
}
