//! Household files, their members and monthly incomes.
//!
//! Files carry their filing union's path (like users) so a scope is one
//! index range. A person in an open file is also a row of `open_persons`,
//! whose primary key lets the database itself refuse a second open file for
//! the same ID number, whichever process writes it.
//!
//! The area is split by what a caller does: `write` files and saves a
//! file and records what happens to it, `read` finds files, `list` is
//! the filtered, sorted list (`names` keeps the grams its name search
//! reads), `persons` keeps `open_persons`,
//! `members` and `incomes` hold a file's members and monthly incomes,
//! `stale` lists the files whose stored decision a rule change made stale,
//! and `of_person` finds every file a person is in.
//! Everything is re-exported here, so callers name `households::…`.

mod incomes;
mod list;
mod members;
mod merges;
mod names;
mod of_person;
mod persons;
mod read;
mod reporting;
mod stale;
mod write;

pub use incomes::{delete_incomes, incomes_of, incomes_of_many, upsert_incomes};
pub use list::{list, After, HouseholdFilter, Sort, COUNT_CAP};
pub use members::{members_of, members_of_many, replace_members};
pub use merges::{insert_merge, merge_links, MergeLinks};
pub use names::set_name_grams;
pub use of_person::files_of_person;
pub use persons::{open_holder, open_holders, set_open_persons};
pub use read::{
    count_all, count_by_decision, count_open, file_no_unscoped, find, find_many, id_by_file_no,
    open_ids_after,
};
pub use reporting::{inbox_count, set_report, Report};
pub use stale::{stale_ids, take_stale};
pub use write::{
    insert, link_reopened, next_seq, set_decision, set_readiness, set_relapse, set_status, touch,
    update,
};

use crate::db::Conn;
use crate::schema::households;
use crate::StorageError;
use bangfu_domain::filing::ReportState;
use bangfu_domain::household::{
    Causes, Cohort, Decision, EmployerKind, Employment, Health, HouseholdData, HouseholdId,
    LabourCapacity, Status, Tier,
};
use bangfu_domain::identification::Category;
use bangfu_domain::{Disclosure, IdNumber, Masked, Month, Sex, Stored, UnionId, UnionPath};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

/// A file as stored, with the fields the system derives. `D` says whether
/// the identities in it are in full or masked for a reader (the service
/// decides; see `bangfu_domain::disclosure`).
#[derive(Debug, Clone)]
pub struct Household<D: Disclosure = Stored> {
    pub id: HouseholdId,
    pub union_id: UnionId,
    pub union_name: String,
    pub union_path: UnionPath,
    pub file_no: String,
    pub status: Status,
    pub data: HouseholdData<D>,
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
    /// Who made the last change of `updated_at` (none: the operator, or a
    /// change older than the column).
    pub updated_by: Option<i64>,
    pub leaving: Leaving,
    /// Where the file stands in reporting up (上报).
    pub report: Report,
}

impl Household {
    /// The file as a reader sees it: the worker's ID number and phone masked.
    pub fn masked(self) -> Household<Masked> {
        Household {
            id: self.id,
            union_id: self.union_id,
            union_name: self.union_name,
            union_path: self.union_path,
            file_no: self.file_no,
            status: self.status,
            data: self.data.masked(),
            worker_sex: self.worker_sex,
            worker_birth_date: self.worker_birth_date,
            cohort: self.cohort,
            size: self.size,
            decision: self.decision,
            decision_condition: self.decision_condition,
            decided_at: self.decided_at,
            version: self.version,
            created_by: self.created_by,
            created_at: self.created_at,
            updated_at: self.updated_at,
            updated_by: self.updated_by,
            leaving: self.leaving,
            report: self.report,
        }
    }
}

/// Where a file stands on its way out of hardship, beside its status: set
/// by approved decisions, the monthly run and reopening.
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
    updated_by: Option<i64>,
    left_on: Option<NaiveDate>,
    follow_until: Option<NaiveDate>,
    ready_pathway: Option<String>,
    relief_ready: bool,
    relapse_on: Option<NaiveDate>,
    relapse_reason: Option<String>,
    previous_id: Option<i64>,
    reopened_id: Option<i64>,
    report_state: String,
    report_union_id: Option<i64>,
    report_tier: Option<String>,
    report_reason: Option<String>,
    reported_at: Option<NaiveDateTime>,
}

fn corrupt(id: i64, what: &str, v: &str) -> StorageError {
    StorageError::Corrupt(format!("household {id} {what} {v}"))
}

fn month_opt(id: i64, v: Option<String>) -> Result<Option<Month>, StorageError> {
    v.map(|s| Month::parse("month", &s).map_err(|_| corrupt(id, "month", &s)))
        .transpose()
}

/// The sealed columns of a file and its members, by their `table.column`
/// names (see `at_rest`).
pub(crate) mod sealed {
    pub const WORKER_ID_NUMBER: &str = "households.worker_id_number";
    pub const PHONE: &str = "households.phone";
    pub const ADDRESS: &str = "households.address";
    pub const HEALTH: &str = "households.health";
    pub const NOTES: &str = "households.notes";
    pub const MEMBER_ID_NUMBER: &str = "members.id_number";
    pub const MEMBER_HEALTH: &str = "members.health";

    use crate::db::Conn;
    use crate::StorageError;

    /// Health and the disability grade are sealed together, in the health
    /// column, as `code` or `code:grade`; the grade's own column stays
    /// empty (it is an integer, and a number in the clear would say who is
    /// disabled).
    pub fn health_text(code: &str, grade: Option<i32>) -> String {
        match grade {
            Some(g) => format!("{code}:{g}"),
            None => code.to_owned(),
        }
    }

    /// The health code and disability grade of a stored health value (and
    /// the grade column, which a database from before encryption still
    /// fills).
    pub fn health_parts(
        conn: &Conn,
        column: &str,
        stored: &str,
        grade_column: Option<i32>,
    ) -> Result<(String, Option<i32>), StorageError> {
        let text = conn.open(column, stored)?;
        Ok(match text.split_once(':') {
            Some((code, g)) => (
                code.to_owned(),
                Some(g.parse().map_err(|_| {
                    StorageError::Corrupt(format!("{column}: disability grade {g}"))
                })?),
            ),
            None => (text, grade_column),
        })
    }
}

fn convert(conn: &Conn, mut r: Row, union_name: String) -> Result<Household, StorageError> {
    let id = r.id;
    r.worker_id_number = conn.open(sealed::WORKER_ID_NUMBER, &r.worker_id_number)?;
    r.phone = conn.open(sealed::PHONE, &r.phone)?;
    r.address = conn.open(sealed::ADDRESS, &r.address)?;
    let (health, grade) =
        sealed::health_parts(conn, sealed::HEALTH, &r.health, r.disability_grade)?;
    r.health = health;
    r.disability_grade = grade;
    r.notes = conn.open(sealed::NOTES, &r.notes)?;
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
        updated_by: r.updated_by,
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
        report: Report {
            state: code!(ReportState, r.report_state),
            union_id: r.report_union_id.map(UnionId),
            tier: match r.report_tier {
                Some(t) => Some(code!(Tier, t)),
                None => None,
            },
            reason: r.report_reason,
            at: r.reported_at,
        },
    })
}

fn convert_all(conn: &Conn, rows: Vec<(Row, String)>) -> Result<Vec<Household>, StorageError> {
    rows.into_iter().map(|(r, n)| convert(conn, r, n)).collect()
}

/// What the system stores beside the entered data.
#[derive(Debug, Clone)]
pub struct Derived {
    pub cohort: Cohort,
    pub size: i32,
    pub decision: Decision,
    pub decision_condition: Option<i32>,
}
