//! Household files, their members and monthly incomes.
//!
//! Files carry their filing union's path (like users) so a scope is one
//! index range. A person in an open file is also a row of `open_persons`,
//! whose primary key lets the database itself refuse a second open file for
//! the same ID number, whichever process writes it.

use crate::db::{run, Conn};
use crate::query::{name_of, page_of, union_names, Optional};
use crate::schema::{file_no_counters, households, incomes, members, open_persons, unions};
use crate::{like_pattern, Page, PageRequest, Scope, StorageError};
use bangfu_domain::household::{
    Causes, Cohort, Decision, EmployerKind, Employment, HardshipCause, Health, HouseholdData,
    HouseholdId, LabourCapacity, Member, MonthlyIncome, Relation, Schooling, Status, Tier,
};
use bangfu_domain::identification::Category;
use bangfu_domain::{Fen, IdNumber, Month, Sex, UnionId, UnionPath};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::upsert::excluded;
use std::collections::HashMap;

/// A file as stored, with the fields the system derives.
#[derive(Debug, Clone)]
pub struct Household {
    pub id: HouseholdId,
    pub union_id: UnionId,
    pub union_name: String,
    pub union_path: UnionPath,
    pub file_no: String,
    pub status: Status,
    pub data: HouseholdData,
    pub worker_sex: Sex,
    pub worker_birth_date: Option<NaiveDate>,
    pub cohort: Cohort,
    /// Worker and members.
    pub size: i32,
    pub decision: Decision,
    pub decision_condition: Option<i32>,
    pub decided_at: Option<NaiveDateTime>,
    /// Bumped by every change; a save naming an older version is refused.
    pub version: i64,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub leaving: Leaving,
}

/// Where a file stands on its way out of hardship (DOMAIN.md §5), beside its
/// status: set by approved decisions, the monthly run and reopening.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Leaving {
    /// The day the approved exit, relief or removal took effect.
    pub left_on: Option<NaiveDate>,
    /// An exited household is followed until this day.
    pub follow_until: Option<NaiveDate>,
    /// The exit standard is met; the suggested pathway (a `Pathway` code).
    pub ready_pathway: Option<String>,
    /// The relief standard is met.
    pub relief_ready: bool,
    /// 返困: flagged on this day, and why.
    pub relapse_on: Option<NaiveDate>,
    pub relapse_reason: Option<String>,
    /// The exited file this one reopens.
    pub previous_id: Option<HouseholdId>,
    /// The file that reopened this one after a relapse.
    pub reopened_id: Option<HouseholdId>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = households)]
struct Row {
    id: i64,
    union_id: i64,
    union_path: String,
    file_no: String,
    status: String,
    worker_name: String,
    worker_id_number: String,
    worker_sex: String,
    worker_birth_date: Option<NaiveDate>,
    phone: String,
    address: String,
    division_code: String,
    employer: String,
    employer_kind: String,
    employment: String,
    labour_capacity: String,
    health: String,
    disability_grade: Option<i32>,
    migrant: bool,
    zero_employment: bool,
    closure_laid_off: bool,
    trade_friction: bool,
    causes: String,
    category: String,
    tier: String,
    cohort: String,
    filed_on: NaiveDate,
    dibao_since: Option<String>,
    other_relief_since: Option<String>,
    notes: String,
    size: i32,
    decision: String,
    decision_condition: Option<i32>,
    decided_at: Option<NaiveDateTime>,
    version: i64,
    created_by: Option<i64>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    left_on: Option<NaiveDate>,
    follow_until: Option<NaiveDate>,
    ready_pathway: Option<String>,
    relief_ready: bool,
    relapse_on: Option<NaiveDate>,
    relapse_reason: Option<String>,
    previous_id: Option<i64>,
    reopened_id: Option<i64>,
}

fn corrupt(id: i64, what: &str, v: &str) -> StorageError {
    StorageError::Corrupt(format!("household {id} {what} {v}"))
}

fn month_opt(id: i64, v: Option<String>) -> Result<Option<Month>, StorageError> {
    v.map(|s| Month::parse("month", &s).map_err(|_| corrupt(id, "month", &s)))
        .transpose()
}

fn convert(r: Row, union_name: String) -> Result<Household, StorageError> {
    let id = r.id;
    macro_rules! code {
        ($t:ty, $v:expr) => {
            <$t>::parse(&$v).map_err(|_| corrupt(id, stringify!($t), &$v))?
        };
    }
    let sex = if r.worker_sex == Sex::Female.code() {
        Sex::Female
    } else {
        Sex::Male
    };
    Ok(Household {
        id: HouseholdId(id),
        union_id: UnionId(r.union_id),
        union_name,
        union_path: UnionPath::from_stored(r.union_path),
        file_no: r.file_no,
        status: code!(Status, r.status),
        data: HouseholdData {
            worker_name: r.worker_name,
            worker_id_number: IdNumber::from_stored(r.worker_id_number),
            phone: r.phone,
            address: r.address,
            division_code: r.division_code,
            employer: r.employer,
            employer_kind: code!(EmployerKind, r.employer_kind),
            employment: code!(Employment, r.employment),
            labour_capacity: code!(LabourCapacity, r.labour_capacity),
            health: code!(Health, r.health),
            disability_grade: r.disability_grade,
            migrant: r.migrant,
            zero_employment: r.zero_employment,
            closure_laid_off: r.closure_laid_off,
            trade_friction: r.trade_friction,
            causes: Causes::from_stored(&r.causes),
            category: code!(Category, r.category),
            tier: code!(Tier, r.tier),
            filed_on: r.filed_on,
            dibao_since: month_opt(id, r.dibao_since)?,
            other_relief_since: month_opt(id, r.other_relief_since)?,
            notes: r.notes,
        },
        worker_sex: sex,
        worker_birth_date: r.worker_birth_date,
        cohort: code!(Cohort, r.cohort),
        size: r.size,
        decision: code!(Decision, r.decision),
        decision_condition: r.decision_condition,
        decided_at: r.decided_at,
        version: r.version,
        created_by: r.created_by,
        created_at: r.created_at,
        updated_at: r.updated_at,
        leaving: Leaving {
            left_on: r.left_on,
            follow_until: r.follow_until,
            ready_pathway: r.ready_pathway,
            relief_ready: r.relief_ready,
            relapse_on: r.relapse_on,
            relapse_reason: r.relapse_reason,
            previous_id: r.previous_id.map(HouseholdId),
            reopened_id: r.reopened_id.map(HouseholdId),
        },
    })
}

fn convert_all(rows: Vec<(Row, String)>) -> Result<Vec<Household>, StorageError> {
    rows.into_iter().map(|(r, n)| convert(r, n)).collect()
}

/// What the system stores beside the entered data.
#[derive(Debug, Clone)]
pub struct Derived {
    pub cohort: Cohort,
    pub size: i32,
    pub decision: Decision,
    pub decision_condition: Option<i32>,
}

/// Draws the next number of a file-number counter (one per region and year).
pub fn next_seq(conn: &mut Conn, prefix: &str) -> Result<i64, StorageError> {
    Ok(run!(conn, c => diesel::insert_into(file_no_counters::table)
        .values((file_no_counters::prefix.eq(prefix), file_no_counters::last.eq(1_i64)))
        .on_conflict(file_no_counters::prefix)
        .do_update()
        .set(file_no_counters::last.eq(file_no_counters::last + 1_i64))
        .returning(file_no_counters::last)
        .get_result(c))?)
}

#[allow(clippy::too_many_arguments)]
pub fn insert(
    conn: &mut Conn,
    union_id: UnionId,
    union_path: &UnionPath,
    file_no: &str,
    data: &HouseholdData,
    derived: &Derived,
    by: Option<i64>,
    now: NaiveDateTime,
) -> Result<HouseholdId, StorageError> {
    let d = data;
    let id: i64 = run!(conn, c => diesel::insert_into(households::table)
        .values((
            (
                households::union_id.eq(union_id.0),
                households::union_path.eq(union_path.as_str()),
                households::file_no.eq(file_no),
                households::status.eq(Status::OnFile.code()),
                households::worker_name.eq(&d.worker_name),
                households::worker_id_number.eq(d.worker_id_number.as_str()),
                households::worker_sex.eq(d.worker_id_number.sex().code()),
                households::worker_birth_date.eq(d.worker_id_number.birth_date()),
                households::phone.eq(&d.phone),
                households::address.eq(&d.address),
                households::division_code.eq(&d.division_code),
                households::employer.eq(&d.employer),
                households::employer_kind.eq(d.employer_kind.code()),
                households::employment.eq(d.employment.code()),
                households::labour_capacity.eq(d.labour_capacity.code()),
                households::health.eq(d.health.code()),
            ),
            (
                households::disability_grade.eq(d.disability_grade),
                households::migrant.eq(d.migrant),
                households::zero_employment.eq(d.zero_employment),
                households::closure_laid_off.eq(d.closure_laid_off),
                households::trade_friction.eq(d.trade_friction),
                households::causes.eq(d.causes.stored()),
                households::category.eq(d.category.code()),
                households::tier.eq(d.tier.code()),
                households::cohort.eq(derived.cohort.code()),
                households::filed_on.eq(d.filed_on),
                households::dibao_since.eq(d.dibao_since.map(|m| m.to_string())),
                households::other_relief_since.eq(d.other_relief_since.map(|m| m.to_string())),
                households::notes.eq(&d.notes),
                households::size.eq(derived.size),
            ),
            (
                households::decision.eq(derived.decision.code()),
                households::decision_condition.eq(derived.decision_condition),
                households::decided_at.eq(Some(now)),
                households::version.eq(1_i64),
                households::created_by.eq(by),
                households::created_at.eq(now),
                households::updated_at.eq(now),
            ),
        ))
        .returning(households::id)
        .get_result(c))?;
    crate::spans::open_new(
        conn,
        id,
        union_id.0,
        union_path.as_str(),
        d.tier.code(),
        d.category.code(),
        derived.cohort.code(),
        derived.size,
        d.filed_on,
    )?;
    Ok(HouseholdId(id))
}

diesel::define_sql_function! {
    /// `lower(text)`, the same on SQLite and PostgreSQL.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// Saves the entered data if the file is still at `version`; returns false
/// when someone else saved first (nothing is written then).
pub fn update(
    conn: &mut Conn,
    id: HouseholdId,
    version: i64,
    data: &HouseholdData,
    derived: &Derived,
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    let d = data;
    let n = run!(conn, c => diesel::update(
        households::table
            .filter(households::id.eq(id.0))
            .filter(households::version.eq(version)),
    )
    .set((
        (
            households::worker_name.eq(&d.worker_name),
            households::worker_id_number.eq(d.worker_id_number.as_str()),
            households::worker_sex.eq(d.worker_id_number.sex().code()),
            households::worker_birth_date.eq(d.worker_id_number.birth_date()),
            households::phone.eq(&d.phone),
            households::address.eq(&d.address),
            households::division_code.eq(&d.division_code),
            households::employer.eq(&d.employer),
            households::employer_kind.eq(d.employer_kind.code()),
            households::employment.eq(d.employment.code()),
            households::labour_capacity.eq(d.labour_capacity.code()),
            households::health.eq(d.health.code()),
            households::disability_grade.eq(d.disability_grade),
        ),
        (
            households::migrant.eq(d.migrant),
            households::zero_employment.eq(d.zero_employment),
            households::closure_laid_off.eq(d.closure_laid_off),
            households::trade_friction.eq(d.trade_friction),
            households::causes.eq(d.causes.stored()),
            households::category.eq(d.category.code()),
            households::tier.eq(d.tier.code()),
            households::cohort.eq(derived.cohort.code()),
            households::filed_on.eq(d.filed_on),
            households::dibao_since.eq(d.dibao_since.map(|m| m.to_string())),
            households::other_relief_since.eq(d.other_relief_since.map(|m| m.to_string())),
            households::notes.eq(&d.notes),
        ),
        (
            households::size.eq(derived.size),
            households::decision.eq(derived.decision.code()),
            households::decision_condition.eq(derived.decision_condition),
            households::decided_at.eq(Some(now)),
            households::version.eq(version + 1),
            households::updated_at.eq(now),
        ),
    ))
    .execute(c))?;
    if n == 1 {
        crate::spans::sync(conn, id.0, bangfu_domain::china_date(now))?;
    }
    Ok(n == 1)
}

/// Bumps the version of a file whose incomes changed (and records the new
/// decision); false when someone else saved first.
pub fn touch(
    conn: &mut Conn,
    id: HouseholdId,
    version: i64,
    decision: Decision,
    condition: Option<i32>,
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    let n = run!(conn, c => diesel::update(
        households::table
            .filter(households::id.eq(id.0))
            .filter(households::version.eq(version)),
    )
    .set((
        households::decision.eq(decision.code()),
        households::decision_condition.eq(condition),
        households::decided_at.eq(Some(now)),
        households::version.eq(version + 1),
        households::updated_at.eq(now),
    ))
    .execute(c))?;
    Ok(n == 1)
}

/// Records a new decision and cohort without touching the version (a re-run
/// after the lines or the cut-off changed is not an edit of the file).
pub fn set_decision(
    conn: &mut Conn,
    id: HouseholdId,
    decision: Decision,
    condition: Option<i32>,
    cohort: Cohort,
    now: NaiveDateTime,
) -> Result<(), StorageError> {
    run!(conn, c => diesel::update(households::table.filter(households::id.eq(id.0)))
        .set((
            households::cohort.eq(cohort.code()),
            households::decision.eq(decision.code()),
            households::decision_condition.eq(condition),
            households::decided_at.eq(Some(now)),
        ))
        .execute(c))?;
    crate::spans::sync(conn, id.0, bangfu_domain::china_date(now))?;
    Ok(())
}

pub fn find(
    conn: &mut Conn,
    scope: &Scope,
    id: HouseholdId,
) -> Result<Option<Household>, StorageError> {
    let row: Option<(Row, String)> = run!(conn, c => households::table
        .inner_join(unions::table)
        .filter(households::id.eq(id.0))
        .filter(scope.covers(households::union_path))
        .select((Row::as_select(), unions::name))
        .first(c)
        .optional())?;
    row.map(|(r, n)| convert(r, n)).transpose()
}

/// The union holding the open file a person is in, if any (unscoped: the
/// caller only learns the union's name, never the file).
pub fn open_holder(
    conn: &mut Conn,
    id_number: &str,
) -> Result<Option<(HouseholdId, String)>, StorageError> {
    let row: Option<(i64, String)> = run!(conn, c => open_persons::table
        .inner_join(households::table.inner_join(unions::table))
        .filter(open_persons::id_number.eq(id_number))
        .select((households::id, unions::name))
        .first(c)
        .optional())?;
    Ok(row.map(|(id, n)| (HouseholdId(id), n)))
}

/// Makes `ids` the people of the open file `household`.
pub fn set_open_persons(
    conn: &mut Conn,
    household: HouseholdId,
    ids: &[&str],
) -> Result<(), StorageError> {
    run!(conn, c => diesel::delete(
        open_persons::table.filter(open_persons::household_id.eq(household.0)),
    )
    .execute(c))?;
    let rows: Vec<_> = ids
        .iter()
        .map(|i| {
            (
                open_persons::id_number.eq(*i),
                open_persons::household_id.eq(household.0),
            )
        })
        .collect();
    if !rows.is_empty() {
        run!(conn, c => diesel::insert_into(open_persons::table).values(&rows).execute(c))?;
    }
    Ok(())
}

type MemberRow = (
    i64,
    String,
    Option<String>,
    String,
    String,
    Option<i32>,
    String,
    String,
    i64,
);

fn member_from(household: i64, r: MemberRow) -> Result<Member, StorageError> {
    let (_, name, id_number, relation, health, grade, schooling, employment, income) = r;
    macro_rules! code {
        ($t:ty, $v:expr) => {
            <$t>::parse(&$v).map_err(|_| corrupt(household, stringify!($t), &$v))?
        };
    }
    Ok(Member {
        name,
        id_number: id_number.map(IdNumber::from_stored),
        relation: code!(Relation, relation),
        health: code!(Health, health),
        disability_grade: grade,
        schooling: code!(Schooling, schooling),
        employment: code!(Employment, employment),
        income: Fen(income),
    })
}

macro_rules! member_columns {
    () => {
        (
            members::id,
            members::name,
            members::id_number,
            members::relation,
            members::health,
            members::disability_grade,
            members::schooling,
            members::employment,
            members::income_fen,
        )
    };
}

/// The members of a file, in the order they were entered.
pub fn members_of(conn: &mut Conn, id: HouseholdId) -> Result<Vec<Member>, StorageError> {
    let rows: Vec<MemberRow> = run!(conn, c => members::table
        .filter(members::household_id.eq(id.0))
        .order(members::id.asc())
        .select(member_columns!())
        .load(c))?;
    rows.into_iter().map(|r| member_from(id.0, r)).collect()
}

/// The members of many files at once.
pub fn members_of_many(
    conn: &mut Conn,
    ids: &[HouseholdId],
) -> Result<HashMap<HouseholdId, Vec<Member>>, StorageError> {
    let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
    let rows: Vec<(i64, MemberRow)> = run!(conn, c => members::table
        .filter(members::household_id.eq_any(&raw))
        .order(members::id.asc())
        .select((members::household_id, member_columns!()))
        .load(c))?;
    let mut out: HashMap<HouseholdId, Vec<Member>> = HashMap::new();
    for (h, r) in rows {
        out.entry(HouseholdId(h))
            .or_default()
            .push(member_from(h, r)?);
    }
    Ok(out)
}

/// Replaces the members of a file with `list`.
pub fn replace_members(
    conn: &mut Conn,
    id: HouseholdId,
    list: &[Member],
) -> Result<(), StorageError> {
    run!(conn, c => diesel::delete(members::table.filter(members::household_id.eq(id.0))).execute(c))?;
    if list.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = list
        .iter()
        .map(|m| {
            (
                members::household_id.eq(id.0),
                members::name.eq(m.name.clone()),
                members::id_number.eq(m.id_number.as_ref().map(|i| i.as_str().to_owned())),
                members::sex.eq(m.id_number.as_ref().map(|i| i.sex().code())),
                members::birth_date.eq(m.id_number.as_ref().and_then(|i| i.birth_date())),
                members::relation.eq(m.relation.code()),
                members::health.eq(m.health.code()),
                members::disability_grade.eq(m.disability_grade),
                members::schooling.eq(m.schooling.code()),
                members::employment.eq(m.employment.code()),
                members::income_fen.eq(m.income.0),
            )
        })
        .collect();
    run!(conn, c => diesel::insert_into(members::table).values(&rows).execute(c))?;
    Ok(())
}

type IncomeRow = (i64, String, i64, i64, i64, i64, i64, i64, i64);

fn income_from(r: IncomeRow) -> Result<(HouseholdId, MonthlyIncome), StorageError> {
    let (h, month, wages, business, property, transfer, medical, schooling, emergency) = r;
    let month = Month::parse("month", &month).map_err(|_| corrupt(h, "income month", &month))?;
    Ok((
        HouseholdId(h),
        MonthlyIncome {
            month,
            wages: Fen(wages),
            business: Fen(business),
            property: Fen(property),
            transfer: Fen(transfer),
            medical: Fen(medical),
            schooling: Fen(schooling),
            emergency: Fen(emergency),
        },
    ))
}

macro_rules! income_columns {
    () => {
        (
            incomes::household_id,
            incomes::month,
            incomes::wages_fen,
            incomes::business_fen,
            incomes::property_fen,
            incomes::transfer_fen,
            incomes::medical_fen,
            incomes::schooling_fen,
            incomes::emergency_fen,
        )
    };
}

/// A file's months, oldest first.
pub fn incomes_of(conn: &mut Conn, id: HouseholdId) -> Result<Vec<MonthlyIncome>, StorageError> {
    let rows: Vec<IncomeRow> = run!(conn, c => incomes::table
        .filter(incomes::household_id.eq(id.0))
        .order(incomes::month.asc())
        .select(income_columns!())
        .load(c))?;
    rows.into_iter()
        .map(|r| income_from(r).map(|(_, i)| i))
        .collect()
}

/// The months of many files at once, each oldest first.
pub fn incomes_of_many(
    conn: &mut Conn,
    ids: &[HouseholdId],
) -> Result<HashMap<HouseholdId, Vec<MonthlyIncome>>, StorageError> {
    let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
    let rows: Vec<IncomeRow> = run!(conn, c => incomes::table
        .filter(incomes::household_id.eq_any(&raw))
        .order((incomes::household_id.asc(), incomes::month.asc()))
        .select(income_columns!())
        .load(c))?;
    let mut out: HashMap<HouseholdId, Vec<MonthlyIncome>> = HashMap::new();
    for r in rows {
        let (h, i) = income_from(r)?;
        out.entry(h).or_default().push(i);
    }
    Ok(out)
}

/// Writes the given months (replacing those already recorded).
pub fn upsert_incomes(
    conn: &mut Conn,
    id: HouseholdId,
    list: &[MonthlyIncome],
) -> Result<(), StorageError> {
    for chunk in list.chunks(100) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|i| {
                (
                    incomes::household_id.eq(id.0),
                    incomes::month.eq(i.month.to_string()),
                    incomes::wages_fen.eq(i.wages.0),
                    incomes::business_fen.eq(i.business.0),
                    incomes::property_fen.eq(i.property.0),
                    incomes::transfer_fen.eq(i.transfer.0),
                    incomes::medical_fen.eq(i.medical.0),
                    incomes::schooling_fen.eq(i.schooling.0),
                    incomes::emergency_fen.eq(i.emergency.0),
                )
            })
            .collect();
        run!(conn, c => diesel::insert_into(incomes::table)
            .values(&rows)
            .on_conflict((incomes::household_id, incomes::month))
            .do_update()
            .set((
                incomes::wages_fen.eq(excluded(incomes::wages_fen)),
                incomes::business_fen.eq(excluded(incomes::business_fen)),
                incomes::property_fen.eq(excluded(incomes::property_fen)),
                incomes::transfer_fen.eq(excluded(incomes::transfer_fen)),
                incomes::medical_fen.eq(excluded(incomes::medical_fen)),
                incomes::schooling_fen.eq(excluded(incomes::schooling_fen)),
                incomes::emergency_fen.eq(excluded(incomes::emergency_fen)),
            ))
            .execute(c))?;
    }
    Ok(())
}

/// Removes recorded months (a month entered by mistake).
pub fn delete_incomes(
    conn: &mut Conn,
    id: HouseholdId,
    months: &[Month],
) -> Result<usize, StorageError> {
    let ms: Vec<String> = months.iter().map(|m| m.to_string()).collect();
    Ok(run!(conn, c => diesel::delete(
        incomes::table
            .filter(incomes::household_id.eq(id.0))
            .filter(incomes::month.eq_any(&ms)),
    )
    .execute(c))?)
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
    /// file), or the beginning of an ID number or file number.
    pub q: Option<String>,
    pub status: Option<Status>,
    pub category: Option<Category>,
    pub tier: Option<Tier>,
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
}

pub fn list(
    conn: &mut Conn,
    scope: &Scope,
    filter: &HouseholdFilter,
    page: PageRequest,
) -> Result<Page<Household>, StorageError> {
    let range = scope.range_within(filter.union_path.as_ref());
    let name_q = filter
        .q
        .as_deref()
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    let q = filter
        .q
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.to_uppercase());
    let id_like = q
        .as_deref()
        .is_some_and(|s| s.len() >= 4 && s.chars().all(|c| c.is_ascii_digit() || c == 'X'));
    // A full ID number: the files it names, found by two index lookups
    // (the worker's number, and everyone in an open file) rather than one
    // OR that PostgreSQL answers with a scan.
    let exact_ids: Option<Vec<i64>> = match q.as_deref() {
        Some(text) if id_like && text.len() == 18 => {
            let mut ids: Vec<i64> = run!(conn, c => households::table
                .filter(households::worker_id_number.eq(text))
                .select(households::id)
                .load(c))?;
            let open: Vec<i64> = run!(conn, c => open_persons::table
                .filter(open_persons::id_number.eq(text))
                .select(open_persons::household_id)
                .load(c))?;
            ids.extend(open);
            Some(ids)
        }
        _ => None,
    };
    // The text searched for: the files an exact ID number names, the
    // beginning of an ID or file number, or part of a name.
    let text = q.as_deref().map(|text| match &exact_ids {
        Some(ids) => Search::Ids(ids.clone()),
        None if id_like => Search::Prefix(format!("{text}%")),
        None => Search::Name,
    });
    macro_rules! filtered {
        () => {
            // No join here: counting and sorting a large range is the cost;
            // the page's union names are read afterwards for its few rows.
            households::table
                .filter(range.covers(households::union_path))
                .into_boxed()
                .if_some(text.clone(), |b, text| match text {
                    Search::Ids(ids) => b.filter(households::id.eq_any(ids)),
                    Search::Prefix(prefix) => b.filter(
                        households::worker_id_number
                            .like(prefix.clone())
                            .or(households::file_no.like(prefix)),
                    ),
                    // Names compare without regard to case on both backends
                    // (SQLite's LIKE ignores ASCII case, PostgreSQL's does not).
                    Search::Name if name_q.chars().any(|c| c.is_ascii_alphabetic()) => b.filter(
                        lower(households::worker_name)
                            .like(like_pattern(&name_q.to_lowercase()))
                            .escape('\\'),
                    ),
                    Search::Name => b.filter(
                        households::worker_name
                            .like(like_pattern(&name_q))
                            .escape('\\'),
                    ),
                })
                .if_some(filter.status.map(Status::code), |b, v| {
                    b.filter(households::status.eq(v))
                })
                .if_some(filter.category.map(Category::code), |b, v| {
                    b.filter(households::category.eq(v))
                })
                .if_some(filter.tier.map(Tier::code), |b, v| {
                    b.filter(households::tier.eq(v))
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
    let (rows, total): (Vec<Row>, i64) = run!(conn, c => page_of!(c, page, filtered,
        sorted: match filter.sort {
            Sort::FiledDesc => filtered!().order((households::filed_on.desc(), households::id.desc())),
            Sort::FiledAsc => filtered!().order((households::filed_on.asc(), households::id.asc())),
            Sort::FileNo => filtered!().order(households::file_no.asc()),
            Sort::Name => filtered!().order((households::worker_name.asc(), households::id.asc())),
            Sort::UpdatedDesc => filtered!().order((households::updated_at.desc(), households::id.desc())),
        },
        select: Row::as_select()))?;
    let names = union_names(conn, rows.iter().map(|r| r.union_id))?;
    let items = rows
        .into_iter()
        .map(|r| {
            let n = name_of(&names, r.union_id);
            convert(r, n)
        })
        .collect::<Result<_, _>>()?;
    Ok(page.of(items, total))
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

/// The ids of open files in a scope after `after`, in id order, a batch at a
/// time (for re-identifying a whole subtree without holding it in memory).
pub fn open_ids_after(
    conn: &mut Conn,
    scope: &Scope,
    after: i64,
    limit: i64,
) -> Result<Vec<HouseholdId>, StorageError> {
    let ids: Vec<i64> = run!(conn, c => households::table
        .filter(scope.covers(households::union_path))
        .filter(households::status.eq(Status::OnFile.code()))
        .filter(households::id.gt(after))
        .order(households::id.asc())
        .limit(limit)
        .select(households::id)
        .load(c))?;
    Ok(ids.into_iter().map(HouseholdId).collect())
}

/// Many files by id, in scope (for batch work), in id order.
pub fn find_many(
    conn: &mut Conn,
    scope: &Scope,
    ids: &[HouseholdId],
) -> Result<Vec<Household>, StorageError> {
    let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
    let rows: Vec<(Row, String)> = run!(conn, c => households::table
        .inner_join(unions::table)
        .filter(households::id.eq_any(&raw))
        .filter(scope.covers(households::union_path))
        .order(households::id.asc())
        .select((Row::as_select(), unions::name))
        .load(c))?;
    convert_all(rows)
}

/// Every file, whatever its scope (the operator's demo generator numbers its people from it).
pub fn count_all(conn: &mut Conn) -> Result<i64, StorageError> {
    Ok(run!(conn, c => households::table.count().get_result(c))?)
}

/// A file's number by id, whatever its scope (an applicant learns the number
/// of the file their approved application created).
pub fn file_no_unscoped(conn: &mut Conn, id: HouseholdId) -> Result<Option<String>, StorageError> {
    Ok(run!(conn, c => households::table
        .filter(households::id.eq(id.0))
        .select(households::file_no)
        .first(c)
        .optional())?)
}

/// Which of `id_numbers` are in an open file, with the name of the union
/// holding it (unscoped, like [`open_holder`]: the caller learns only the
/// union's name). For checking a whole import at once.
pub fn open_holders(
    conn: &mut Conn,
    id_numbers: &[&str],
) -> Result<Vec<(String, String)>, StorageError> {
    let mut out = Vec::new();
    for chunk in id_numbers.chunks(500) {
        let rows: Vec<(String, String)> = run!(conn, c => open_persons::table
            .inner_join(households::table.inner_join(unions::table))
            .filter(open_persons::id_number.eq_any(chunk))
            .select((open_persons::id_number, unions::name))
            .load(c))?;
        out.extend(rows);
    }
    Ok(out)
}

/// Open files in a scope counted by their stored decision.
pub fn count_by_decision(
    conn: &mut Conn,
    scope: &Scope,
) -> Result<Vec<(Decision, i64)>, StorageError> {
    let rows: Vec<(String, i64)> = run!(conn, c => households::table
        .filter(scope.covers(households::union_path))
        .filter(households::status.eq(Status::OnFile.code()))
        .group_by(households::decision)
        .select((households::decision, diesel::dsl::count_star()))
        .load(c))?;
    rows.into_iter()
        .map(|(d, n)| {
            Decision::parse(&d)
                .map(|d| (d, n))
                .map_err(|_| StorageError::Corrupt(format!("decision {d}")))
        })
        .collect()
}

/// Takes a file off the file, or puts it back, as an approved decision says:
/// sets its status, the day it left and the follow-up, releases its people
/// from `open_persons` when it leaves (putting it back must claim them again
/// with [`set_open_persons`]), and closes or reopens its span — all in the
/// caller's transaction. `on` is the decision's day.
pub fn set_status(
    conn: &mut Conn,
    id: HouseholdId,
    status: Status,
    on: NaiveDate,
    follow_until: Option<NaiveDate>,
    now: NaiveDateTime,
) -> Result<(), StorageError> {
    let left_on = (status != Status::OnFile).then_some(on);
    run!(conn, c => diesel::update(households::table.filter(households::id.eq(id.0)))
        .set((
            households::status.eq(status.code()),
            households::left_on.eq(left_on),
            households::follow_until.eq(follow_until),
            households::ready_pathway.eq(None::<String>),
            households::relief_ready.eq(false),
            households::version.eq(households::version + 1_i64),
            households::updated_at.eq(now),
        ))
        .execute(c))?;
    if status != Status::OnFile {
        set_open_persons(conn, id, &[])?;
    }
    crate::spans::sync(conn, id.0, on)?;
    Ok(())
}

/// Records (or clears) the monthly run's findings on a file: the suggested
/// pathway when the exit standard is met, whether relief is met. Not an edit
/// of the file: the version stays.
pub fn set_readiness(
    conn: &mut Conn,
    id: HouseholdId,
    ready_pathway: Option<&str>,
    relief_ready: bool,
) -> Result<(), StorageError> {
    run!(conn, c => diesel::update(households::table.filter(households::id.eq(id.0)))
        .set((
            households::ready_pathway.eq(ready_pathway),
            households::relief_ready.eq(relief_ready),
        ))
        .execute(c))?;
    Ok(())
}

/// Flags (or clears) a relapse (返困) on an exited file.
pub fn set_relapse(
    conn: &mut Conn,
    id: HouseholdId,
    relapse: Option<(NaiveDate, &str)>,
) -> Result<(), StorageError> {
    run!(conn, c => diesel::update(households::table.filter(households::id.eq(id.0)))
        .set((
            households::relapse_on.eq(relapse.map(|r| r.0)),
            households::relapse_reason.eq(relapse.map(|r| r.1)),
        ))
        .execute(c))?;
    Ok(())
}

/// Links a reopened file to the exited file it continues.
pub fn link_reopened(
    conn: &mut Conn,
    old: HouseholdId,
    new: HouseholdId,
) -> Result<(), StorageError> {
    run!(conn, c => diesel::update(households::table.filter(households::id.eq(new.0)))
        .set(households::previous_id.eq(Some(old.0)))
        .execute(c))?;
    run!(conn, c => diesel::update(households::table.filter(households::id.eq(old.0)))
        .set(households::reopened_id.eq(Some(new.0)))
        .execute(c))?;
    Ok(())
}
