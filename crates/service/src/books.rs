//! The books of lines and parameters (低保 and low-income lines per region
//! and month, the window `N` and multiple `K` per region): read once per unit
//! of work and used by every rule that judges a file's months.

use crate::ServiceError;
use bangfu_domain::exit::ExitEvaluation;
use bangfu_domain::household::{Cohort, HouseholdData, Member, MonthlyIncome};
use bangfu_domain::identification::{Identification, MonthFigures};
use bangfu_domain::lines::{
    decision_of, evaluate_exit_file, identify_file, months_with_lines, LineBook, ParamBook,
};
use bangfu_storage::households::Derived;
use bangfu_storage::{lines, Conn};

/// The lines and parameters every identification needs, read once per unit of work.
pub(crate) struct Books {
    pub lines: LineBook,
    pub params: ParamBook,
}

impl Books {
    pub fn load(c: &mut Conn) -> Result<Self, ServiceError> {
        Ok(Self {
            lines: lines::book(c)?,
            params: lines::param_book(c)?,
        })
    }

    pub fn identify(
        &self,
        data: &HouseholdData,
        size: usize,
        incomes: &[MonthlyIncome],
    ) -> Result<Identification, ServiceError> {
        let p = self.params.for_region(&data.division_code);
        let size = u32::try_from(size).unwrap_or(u32::MAX);
        Ok(identify_file(data, size, incomes, &self.lines, p.params)?)
    }

    /// The exit standard on a file's months, with the same lines and `N`.
    pub fn evaluate_exit(
        &self,
        data: &HouseholdData,
        size: usize,
        incomes: &[MonthlyIncome],
    ) -> Result<ExitEvaluation, ServiceError> {
        let p = self.params.for_region(&data.division_code);
        let size = u32::try_from(size).unwrap_or(u32::MAX);
        Ok(evaluate_exit_file(
            data,
            size,
            incomes,
            &self.lines,
            p.params,
        )?)
    }

    /// The file's recorded months with the line in force each month (months
    /// without a line are left out).
    pub fn figures(&self, data: &HouseholdData, incomes: &[MonthlyIncome]) -> Vec<MonthFigures> {
        months_with_lines(data, incomes, &self.lines)
    }

    pub(crate) fn derived(
        &self,
        data: &HouseholdData,
        members: &[Member],
        incomes: &[MonthlyIncome],
    ) -> Result<Derived, ServiceError> {
        let cutoff = self.params.for_region(&data.division_code).baseline_cutoff;
        let size = members.len() + 1;
        let ident = self.identify(data, size, incomes)?;
        let (decision, decision_condition) = decision_of(&ident);
        Ok(Derived {
            cohort: Cohort::of(data.filed_on, cutoff),
            size: i32::try_from(size).unwrap_or(i32::MAX),
            decision,
            decision_condition,
        })
    }
}
