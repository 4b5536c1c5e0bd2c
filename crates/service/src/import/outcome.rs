//! What an import answers: the summary of what it wrote, the report of a
//! refused file, and its job.

use crate::jobs::interrupted;
use crate::jobs::JobStatus;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::PHASE_WRITING;

/// One problem: where (sheet, row as Excel shows it, column header) and why.
/// A problem with the file as a whole has no sheet, row or column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportIssue {
    pub sheet: Option<String>,
    pub row: Option<u32>,
    pub column: Option<String>,
    pub message: String,
}

/// An uploaded row with problems, its cells in the order of [`SHEETS`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorRow {
    pub sheet: String,
    pub row: u32,
    pub cells: Vec<String>,
}

/// Why a file was refused: nothing of it was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub file_name: String,
    /// Every problem found (the list may hold fewer, see [`MAX_LISTED_ERRORS`]).
    pub error_total: usize,
    pub errors: Vec<ImportIssue>,
    /// The uploaded rows with problems (at most [`MAX_ERROR_ROWS`]).
    #[serde(default)]
    pub rows: Vec<ErrorRow>,
}

impl ImportReport {
    pub(super) fn file_level(file_name: &str, messages: Vec<String>) -> Self {
        let errors: Vec<ImportIssue> = messages
            .into_iter()
            .map(|message| ImportIssue {
                sheet: None,
                row: None,
                column: None,
                message,
            })
            .collect();
        Self {
            file_name: file_name.to_owned(),
            error_total: errors.len(),
            errors,
            rows: Vec::new(),
        }
    }

    /// One sentence for the top of a page or the API's error message.
    pub fn headline(&self) -> String {
        format!(
            "导入文件中发现 {} 处错误，未写入任何数据。请改正后重新导入。",
            self.error_total
        )
    }
}

/// What an import wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSummary {
    pub file_name: String,
    pub union_id: i64,
    pub union_name: String,
    pub households: usize,
    pub members: usize,
    pub months: usize,
}

impl ImportSummary {
    pub fn headline(&self) -> String {
        format!(
            "已从“{}”导入 {} 户困难职工档案（家庭成员 {} 人，月度收入 {} 条），建档工会：{}。",
            self.file_name, self.households, self.members, self.months, self.union_name
        )
    }
}

#[derive(Debug, Clone)]
pub enum ImportOutcome {
    /// Written (a small file, at once).
    Imported(ImportSummary),
    /// A large file: it runs in the background as this job.
    Queued { job_id: i64 },
    /// Refused, nothing written; the report is also kept as job `job_id`
    /// (so its error workbook can be downloaded later).
    Invalid { job_id: i64, report: ImportReport },
}

/// A job as its owner sees it.
#[derive(Debug, Clone)]
pub struct JobView {
    pub id: i64,
    pub kind: String,
    pub status: JobStatus,
    pub phase: String,
    pub total: i64,
    pub done: i64,
    pub message: Option<String>,
    /// Still queued or running, but not heard from for [`STALE_AFTER`]: the
    /// process doing it stopped. The write is one transaction, so either all
    /// of the file was written or none of it. (On SQLite the final write
    /// holds the database's write lock, so no heartbeat can be recorded
    /// during it: a write longer than [`STALE_AFTER`] looks interrupted.)
    pub interrupted: bool,
    /// Progress cannot be measured (the final write).
    pub indeterminate: bool,
    pub file_name: String,
    pub union_id: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub summary: Option<ImportSummary>,
    pub report: Option<ImportReport>,
}

impl JobView {
    pub fn finished(&self) -> bool {
        self.status.finished() || self.interrupted
    }

    /// Percent done, 0–100.
    pub fn percent(&self) -> i64 {
        crate::jobs::percent(self.done, self.total)
    }

    pub(super) fn of(j: bangfu_storage::jobs::Job, at: NaiveDateTime) -> JobView {
        let status = JobStatus::parse(&j.status);
        let value: Option<serde_json::Value> = j
            .result_json
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok());
        let file_name = value
            .as_ref()
            .and_then(|v| v.get("file_name"))
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned();
        let (summary, report) = match (status, value) {
            (JobStatus::Succeeded, Some(v)) => (serde_json::from_value(v).ok(), None),
            (JobStatus::Failed, Some(v)) => (None, serde_json::from_value(v).ok()),
            _ => (None, None),
        };
        let interrupted = interrupted(&j, at);
        JobView {
            id: j.id,
            kind: j.kind,
            indeterminate: status == JobStatus::Running && j.phase == PHASE_WRITING,
            status,
            phase: j.phase,
            total: j.total,
            done: j.done,
            message: j.message,
            interrupted,
            file_name,
            union_id: j.union_id,
            created_at: j.created_at,
            updated_at: j.updated_at,
            summary,
            report,
        }
    }
}
