//! Importing household files from a workbook.
//!
//! One definition of the columns ([`SHEETS`]) serves the template, the
//! parser and the error workbook. The web layer reads the `.xlsx` and hands
//! over every cell in the type Excel kept it ([`Cell`]); the rules here do
//! not depend on the reader.
//!
//! The import is all-or-nothing: every row of every sheet is checked and all
//! problems are collected (sheet, row as Excel numbers it, column, reason);
//! only a file without any is written, in one transaction, each household
//! through `file_household` (numbered and audited like one filed by hand),
//! plus one audit entry for the import. Files of more than
//! [`BACKGROUND_ABOVE`] households run as a background job whose state is in
//! the `jobs` table, so any process can show its progress.

mod cells;
mod layout;
mod outcome;
mod run;
mod template;
#[cfg(test)]
mod tests;
mod validate;
mod workbook;

pub use outcome::{ErrorRow, ImportIssue, ImportOutcome, ImportReport, ImportSummary, JobView};
pub use template::{
    Column, Kind, SheetDef, EXAMPLE_MEMBER_ID, EXAMPLE_WORKER_ID, HOUSEHOLD_COLUMNS,
    INCOME_COLUMNS, MEMBER_COLUMNS, SHEETS, SHEET_HOUSEHOLDS, SHEET_INCOMES, SHEET_MEMBERS,
    SHEET_NOTES,
};
pub use workbook::{Cell, ImportFile, Row, SheetRows};

pub use crate::jobs::{JobStatus, STALE_AFTER};

// ---------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------

/// The largest workbook accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 30 * 1024 * 1024;
/// Households in one file; more must be split.
pub const MAX_HOUSEHOLD_ROWS: usize = 100_000;
/// Member rows in one file (20 per household at most).
pub const MAX_MEMBER_ROWS: usize = 1_000_000;
/// Income rows in one file (120 months per household at most).
pub const MAX_INCOME_ROWS: usize = 1_500_000;
/// Columns read per sheet; anything to the right is ignored.
pub const MAX_COLUMNS: usize = 64;
/// Files with more households than this run in the background.
pub const BACKGROUND_ABOVE: usize = 2_000;
/// Errors kept in a report (the total is always counted).
pub const MAX_LISTED_ERRORS: usize = 10_000;
/// Uploaded rows with errors kept for the error workbook.
pub const MAX_ERROR_ROWS: usize = 5_000;

pub const JOB_KIND: &str = "household_import";
pub const PHASE_QUEUED: &str = "排队中";
pub const PHASE_VALIDATING: &str = "校验中";
pub const PHASE_CHECKING: &str = "核对在档人员";
pub const PHASE_WRITING: &str = "写入中";
