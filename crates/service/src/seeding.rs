//! The privileged path for the data generator (`bangfu-demo`, behind
//! `bangfu demo` and `serve --demo`) and the integration tests: acts of the
//! operator that no request can reach.
//!
//! Everything here is the operator's act, as at the command line: unions,
//! accounts and files made through these functions go through the same
//! rules as anyone's (the tree's levels and divisions, the filing rule and
//! its identification, one open file per person) and are written to the
//! audit log as the operator's. What the generator writes in bulk without
//! a rule (history rows through `bangfu_storage::seed`) it writes inside
//! [`Services::seed_write`], never from a request handler.
//!
//! Compiled only with the `seeding` feature, which `bangfu-demo` turns on:
//! the web crate cannot reach this module on its own.

use crate::audit::{self, Record, Who};
use crate::{households, unions as union_rules, users, ServiceError, Services};
use bangfu_domain::audit::Action;
use bangfu_domain::division::DivisionCode;
use bangfu_domain::household::{HouseholdData, HouseholdId, Member, MonthlyIncome};
use bangfu_domain::lines::LineBook;
use bangfu_domain::{DisplayName, Roles, UnionLevel, UnionName, Username};
use bangfu_storage::households::{self as store, Household};
use bangfu_storage::unions::Union;
use bangfu_storage::users::User;
use bangfu_storage::{Conn, Scope};
use chrono::NaiveDate;

pub use crate::crypto::{generate_password, hash_password};

impl Services {
    /// Runs `f` in one transaction on the database, for the generator's bulk
    /// inserts and for tests that plant history no endpoint would write
    /// (e.g. `bangfu_storage::seed` rows at past dates). Not for request
    /// handlers: nothing here checks who may do what.
    pub async fn seed_write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Conn) -> Result<T, ServiceError> + Send + 'static,
    ) -> Result<T, ServiceError> {
        self.write(f).await
    }

    /// Runs the fund audit over the whole tree as the operator and records
    /// its findings: what an auditor would find by pressing 运行.
    pub async fn seed_fund_audit(&self) -> Result<crate::fund_audit::RunSummary, ServiceError> {
        let days = self.settings().pass_on_days;
        self.write(move |c| crate::fund_audit::run_as_operator(c, days))
            .await
    }

    /// Refreshes the planner's statistics after a bulk load: as the tables
    /// grow several times over, PostgreSQL plans later chunks badly without it.
    pub async fn seed_analyze(&self) -> Result<(), ServiceError> {
        self.read_primary(|c| Ok(c.analyze()?)).await
    }
}

/// Creates a union under `parent` as the operator, after the tree's rules
/// (the level may sit under the parent's, the division lies within its).
pub fn create_union(
    c: &mut Conn,
    parent: &Union,
    level: UnionLevel,
    name: &str,
    division_code: &str,
) -> Result<Union, ServiceError> {
    let name = UnionName::parse(name)?;
    let division = DivisionCode::parse(division_code)?;
    union_rules::create_under(c, Who::Operator, parent, level, &name, &division)
}

/// Creates an account in `union` with a password already hashed (see
/// [`hash_password`]) that need not be changed, as the operator.
pub fn create_user(
    c: &mut Conn,
    username: &Username,
    display_name: &DisplayName,
    roles: &Roles,
    union: &Union,
    hash: &str,
) -> Result<User, ServiceError> {
    users::insert_user(
        c,
        Who::Operator,
        username,
        display_name,
        roles,
        union,
        hash,
        false,
    )
}

/// The lines and parameters every filing is identified against, read once
/// per transaction.
pub struct Books(households::Books);

impl Books {
    pub fn load(c: &mut Conn) -> Result<Self, ServiceError> {
        Ok(Self(households::Books::load(c)?))
    }

    /// The 低保 lines by region and month, as the filing rule reads them.
    pub fn lines(&self) -> &LineBook {
        &self.0.lines
    }
}

/// Files a household under `union` as the operator: the same filing rule,
/// identification and audit entry as an officer's filing.
pub fn file_household(
    c: &mut Conn,
    union: &Union,
    data: &HouseholdData,
    members: &[Member],
    incomes: &[MonthlyIncome],
    books: &Books,
) -> Result<HouseholdId, ServiceError> {
    crate::filing::file_household(c, Who::Operator, union, data, members, incomes, &books.0)
}

/// Reopens `old`, a relapsed file, as a new file filed on `reopen_on` under
/// `union` with the same people, data and recorded months, linked both ways
/// and audited as the operator's reopening (with the relapse it answers).
pub fn reopen_household(
    c: &mut Conn,
    union: &Union,
    old: &Household,
    relapse: (NaiveDate, &str),
    reopen_on: NaiveDate,
    books: &Books,
) -> Result<HouseholdId, ServiceError> {
    let own = Scope::of(old.union_path.clone());
    let members = store::members_of(c, &own, old.id)?;
    let incomes = store::incomes_of(c, &own, old.id)?;
    let mut data = old.data.clone();
    data.filed_on = reopen_on;
    let new = file_household(c, union, &data, &members, &incomes, books)?;
    store::link_reopened(c, old.id, new)?;
    audit::write(
        c,
        Who::Operator,
        Record::change(
            Action::ReopenHousehold,
            "household",
            new,
            (union.id.0, &union.path),
            None,
            Some(serde_json::json!({
                "previous_id": old.id.0,
                "previous_file_no": old.file_no,
                "relapse_on": relapse.0,
                "relapse_reason": relapse.1,
                "filed_on": reopen_on,
            })),
        ),
    )?;
    Ok(new)
}
