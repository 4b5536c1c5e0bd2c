//! The demo and benchmark data generator, kept apart from the production
//! crates: `bangfu demo` (the demo tree and accounts, or at national scale
//! with `--grassroots`, plus `--households` with their history) and
//! `bangfu serve --demo` load it, and the benchmark scripts in `scripts/`
//! measure the server over it.
//!
//! The data is the same on every run (a deterministic generator seeded by
//! what is stored), and it reaches the database two ways: what a person
//! would do — unions, accounts, filings, reopenings — goes through the
//! service's rules and audit as the operator's act
//! (`bangfu_service::seeding`); history no endpoint writes at a past date —
//! plans, payments, visits, decisions and their steps — is written in bulk
//! through `bangfu_storage::seed`, consistent by construction (balanced
//! transfers, spans that add up).
//!
//! One file per thing generated: [`tree`](load) and [`national`](load_national)
//! unions and accounts, households and their incomes, [`fate`] (what becomes
//! of each household), exits and decisions, assistance, funds, applications
//! and [`verification`] (部门核对: two departments' lists and what they raise).

mod applications;
mod assessment;
mod assistance;
mod decisions;
mod exits;
mod fate;
mod funds;
mod households;
mod incomes;
mod national;
mod people;
mod plans;
mod random;
mod resources;
mod tree;
mod verification;

pub use applications::{load_applications, ApplicationSummary};
pub use assessment::{load_assessment, AssessmentSummary};
pub use assistance::{load_assistance, AssistanceSummary};
pub use exits::{load_exits, ExitSummary};
pub use fate::{fate, Decided, Fate, Relapse};
pub use funds::{load_fund_audit, load_subsidies};
pub use households::{load_households, load_households_months, HouseholdSummary};
pub use national::{load_national, NationalSummary};
pub use resources::{load_resources, ResourcesSummary};
pub use tree::{load, DemoAccount};
pub use verification::{load_verification, VerificationSummary};

use chrono::{NaiveDate, NaiveDateTime};

/// The time rows made now are written at.
fn now() -> NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

/// The time of a generated event: day `d` at `hour` o'clock.
fn at(d: NaiveDate, hour: u32) -> NaiveDateTime {
    d.and_hms_opt(hour, 0, 0).unwrap_or_default()
}

/// The unions with files to generate history for, `(id, path, files)` as
/// `bangfu_storage::seed::household_unions` lists them, cut into runs of
/// about 2 000 files: one transaction each.
fn chunks(unions: &[(i64, String, i64)]) -> Vec<&[(i64, String, i64)]> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < unions.len() {
        let mut j = i;
        let mut n = 0;
        while j < unions.len() && (n < 2_000 || j == i) {
            n += unions[j].2;
            j += 1;
        }
        out.push(&unions[i..j]);
        i = j;
    }
    out
}
