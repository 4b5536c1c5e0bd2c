//! What the workbook reader hands over: every cell in the type Excel kept it.

use chrono::NaiveDateTime;

use super::cells::{date_text, number_text};
use super::template::{SHEET_HOUSEHOLDS, SHEET_INCOMES, SHEET_MEMBERS};
use super::{MAX_HOUSEHOLD_ROWS, MAX_INCOME_ROWS, MAX_MEMBER_ROWS};

/// One cell as read from the workbook, in the type Excel kept it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Bool(bool),
    /// A cell formatted as a date (Excel keeps dates as numbers).
    Date(NaiveDateTime),
    /// A formula (its text, without `=`): never evaluated, and its cached
    /// result is not used either.
    Formula(String),
    /// An error value such as `#N/A`.
    Error(String),
}

impl Cell {
    pub(super) fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }

    /// The cell as a person reads it (for the error workbook).
    pub fn display(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Number(f) => number_text(*f),
            Cell::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
            Cell::Date(d) => date_text(d),
            Cell::Formula(f) => format!("={f}"),
            Cell::Error(e) => e.clone(),
        }
    }
}

/// A row as Excel numbers it (from 1) and its cells, left to right from column A.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub number: u32,
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone, Default)]
pub struct SheetRows {
    pub name: String,
    pub rows: Vec<Row>,
    /// The reader stopped at the row limit: the sheet has more rows.
    pub truncated: bool,
}

/// A workbook as read: the data sheets (by name) and the names of all sheets.
#[derive(Debug, Clone, Default)]
pub struct ImportFile {
    pub file_name: String,
    pub sheet_names: Vec<String>,
    pub sheets: Vec<SheetRows>,
}

impl ImportFile {
    /// The most rows the reader needs to keep of a sheet: one past the
    /// limit, so the check can tell the file is too large.
    pub fn row_limit(sheet: &str) -> Option<usize> {
        let max = match sheet {
            SHEET_HOUSEHOLDS => MAX_HOUSEHOLD_ROWS,
            SHEET_MEMBERS => MAX_MEMBER_ROWS,
            SHEET_INCOMES => MAX_INCOME_ROWS,
            _ => return None,
        };
        // + the header row, + one to notice the overflow
        Some(max + 2)
    }
}
