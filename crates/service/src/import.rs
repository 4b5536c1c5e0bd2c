//! Importing household files from a workbook (issue 3, item 7).
//!
//! One definition of the columns ([`SHEETS`]) serves the template, the
//! parser and the error workbook. The web layer reads the `.xlsx` and hands
//! over every cell in the type Excel kept it ([`Cell`]); the rules here do
//! not depend on the reader.
//!
//! The import is all-or-nothing: every row of every sheet is checked and all
//! problems are collected (sheet, row as Excel numbers it, column, reason);
//! only a file without any is written, in one transaction, each household
//! through [`file_household`] (numbered and audited like one filed by hand),
//! plus one audit entry for the import. Files of more than
//! [`BACKGROUND_ABOVE`] households run as a background job whose state is in
//! the `jobs` table, so any process can show its progress.

use crate::audit::{self, Record, Who};
use crate::books::Books;
use crate::clock::today;
use crate::households::file_household;
use crate::jobs::{interrupted, Ending};
pub use crate::jobs::{JobStatus, STALE_AFTER};
use crate::{now, Actor, HouseholdInput, MemberInput, ServiceError, Services};
use bangfu_domain::audit::Action;
use bangfu_domain::division::{DivisionCode, NATIONAL};
use bangfu_domain::household::{
    parse_disability_grade, parse_name, parse_phone, parse_text, Causes, EmployerKind, Employment,
    HardshipCause, Health, HouseholdData, LabourCapacity, Member, MonthlyIncome, Relation,
    Schooling, Tier, MAX_MONTHLY_FEN,
};
use bangfu_domain::id_number::mask_id_number;
use bangfu_domain::identification::Category;
use bangfu_domain::{Fen, IdNumber, Month, UnionId, ValidationError};
use bangfu_storage::jobs::{self, NewJob};
use bangfu_storage::{households, unions, Scope};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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

// ---------------------------------------------------------------------------
// Columns: one definition for template, parser and error workbook
// ---------------------------------------------------------------------------

/// How a column's cells are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// An 18-character ID number; must be text (Excel keeps 15 digits of a number).
    IdNumber,
    Phone,
    Division,
    /// One value of a closed list (its Chinese label or code).
    Coded,
    /// Several hardship causes separated by 、
    Causes,
    /// 是 / 否
    YesNo,
    /// 残疾等级 1–4
    Grade,
    /// YYYY-MM-DD
    Date,
    /// YYYY-MM
    Month,
    /// Yuan with at most two decimals.
    Yuan,
}

impl Kind {
    /// Whether the template formats the column as text, so Excel keeps what
    /// is typed (leading zeros, all 18 digits, `2019-03` not turned into a date).
    pub fn is_text(self) -> bool {
        matches!(
            self,
            Kind::IdNumber | Kind::Phone | Kind::Division | Kind::Date | Kind::Month
        )
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub header: &'static str,
    /// The column must be present in the sheet.
    pub required: bool,
    pub kind: Kind,
    /// The input field the domain names in its messages.
    field: &'static str,
    /// What to type, for the 说明 sheet.
    pub note: &'static str,
    /// The value of the template's example row.
    pub example: &'static str,
    options: Option<fn() -> Vec<&'static str>>,
}

impl Column {
    /// Every allowed value (Chinese labels) of a coded column.
    pub fn options(&self) -> Vec<&'static str> {
        self.options.map(|f| f()).unwrap_or_default()
    }
}

/// A sheet of the workbook and its columns.
#[derive(Debug, Clone, Copy)]
pub struct SheetDef {
    pub name: &'static str,
    pub columns: &'static [Column],
    /// What one row is, for the 说明 sheet.
    pub note: &'static str,
}

pub const SHEET_HOUSEHOLDS: &str = "家庭";
pub const SHEET_MEMBERS: &str = "成员";
pub const SHEET_INCOMES: &str = "收入";
pub const SHEET_NOTES: &str = "说明";

/// The ID numbers of the template's example rows: an import refuses them,
/// so a forgotten example row never becomes a file.
pub const EXAMPLE_WORKER_ID: &str = "440103198001011231";
pub const EXAMPLE_MEMBER_ID: &str = "440103198203052349";

macro_rules! labels {
    ($t:ty) => {{
        fn f() -> Vec<&'static str> {
            <$t>::ALL.iter().map(|v| v.label()).collect()
        }
        Some(f as fn() -> Vec<&'static str>)
    }};
}

fn yes_no_options() -> Vec<&'static str> {
    vec!["是", "否"]
}

fn grade_options() -> Vec<&'static str> {
    vec!["1", "2", "3", "4"]
}

const fn col(
    header: &'static str,
    required: bool,
    kind: Kind,
    field: &'static str,
    note: &'static str,
    example: &'static str,
) -> Column {
    Column {
        header,
        required,
        kind,
        field,
        note,
        example,
        options: None,
    }
}

const fn with(mut c: Column, options: Option<fn() -> Vec<&'static str>>) -> Column {
    c.options = options;
    c
}

const YES_NO: Option<fn() -> Vec<&'static str>> = Some(yes_no_options as fn() -> Vec<&'static str>);
const GRADES: Option<fn() -> Vec<&'static str>> = Some(grade_options as fn() -> Vec<&'static str>);

/// Column positions of the 家庭 sheet (index into [`HOUSEHOLD_COLUMNS`]).
mod h {
    pub const NAME: usize = 0;
    pub const ID: usize = 1;
    pub const PHONE: usize = 2;
    pub const ADDRESS: usize = 3;
    pub const DIVISION: usize = 4;
    pub const EMPLOYER: usize = 5;
    pub const EMPLOYER_KIND: usize = 6;
    pub const EMPLOYMENT: usize = 7;
    pub const LABOUR: usize = 8;
    pub const HEALTH: usize = 9;
    pub const GRADE: usize = 10;
    pub const MIGRANT: usize = 11;
    pub const ZERO_EMPLOYMENT: usize = 12;
    pub const CLOSURE: usize = 13;
    pub const TRADE_FRICTION: usize = 14;
    pub const CAUSES: usize = 15;
    pub const CATEGORY: usize = 16;
    pub const TIER: usize = 17;
    pub const FILED_ON: usize = 18;
    pub const DIBAO_SINCE: usize = 19;
    pub const OTHER_RELIEF_SINCE: usize = 20;
    pub const NOTES: usize = 21;
}

#[rustfmt::skip]
pub static HOUSEHOLD_COLUMNS: [Column; 22] = [
    col("姓名", true, Kind::Text, "worker_name", "职工本人姓名", "张伟"),
    col("身份证号码", true, Kind::IdNumber, "worker_id_number", "18 位居民身份证号码，末位可为 X；请以文本格式填写", EXAMPLE_WORKER_ID),
    col("联系电话", true, Kind::Phone, "phone", "11 位手机号码，或带区号的固定电话（如 020-12345678）", "13800138000"),
    col("家庭住址", true, Kind::Text, "address", "不超过 200 字", "广州市荔湾区多宝路 12 号 3 栋 401"),
    col("行政区划代码", false, Kind::Division, "division_code", "职工所在地区的 6 位行政区划代码；留空则为建档工会所在地区", "440103"),
    col("工作单位", false, Kind::Text, "employer", "不超过 100 字", "广州某纺织厂"),
    with(col("单位性质", true, Kind::Coded, "employer_kind", "", "国有企业"), labels!(EmployerKind)),
    with(col("就业状况", true, Kind::Coded, "employment", "", "下岗"), labels!(Employment)),
    with(col("劳动能力", true, Kind::Coded, "labour_capacity", "", "部分丧失劳动能力"), labels!(LabourCapacity)),
    with(col("健康状况", true, Kind::Coded, "health", "", "慢性病"), labels!(Health)),
    with(col("残疾等级", false, Kind::Grade, "disability_grade", "健康状况为“残疾”时填写 1–4（一级最重），否则留空", ""), GRADES),
    with(col("农民工（是/否）", false, Kind::YesNo, "migrant", "在本地长期居住和务工的农民工填“是”；留空为“否”", "否"), YES_NO),
    with(col("零就业家庭", false, Kind::YesNo, "zero_employment", "留空为“否”", "否"), YES_NO),
    with(col("关停并转分流", false, Kind::YesNo, "closure_laid_off", "因关停并转、化解过剩产能分流；留空为“否”", "是"), YES_NO),
    with(col("受经贸摩擦影响", false, Kind::YesNo, "trade_friction", "留空为“否”", "否"), YES_NO),
    with(col("致困原因", true, Kind::Causes, "causes", "至少一项；多项用“、”分隔", "患病、失业下岗"), labels!(HardshipCause)),
    with(col("困难类别", true, Kind::Coded, "category", "", "低保边缘户"), labels!(Category)),
    with(col("档案级别", true, Kind::Coded, "tier", "", "全国级"), labels!(Tier)),
    col("建档日期", false, Kind::Date, "filed_on", "YYYY-MM-DD，不晚于今天；留空为导入当天", "2019-07-01"),
    col("享受低保起始月", false, Kind::Month, "dibao_since", "YYYY-MM；不享受低保的留空", ""),
    col("享受其他救助起始月", false, Kind::Month, "other_relief_since", "YYYY-MM；没有的留空", ""),
    col("备注", false, Kind::Text, "notes", "不超过 2000 字", ""),
];

/// Column positions of the 成员 sheet.
mod m {
    pub const WORKER: usize = 0;
    pub const NAME: usize = 1;
    pub const ID: usize = 2;
    pub const RELATION: usize = 3;
    pub const HEALTH: usize = 4;
    pub const GRADE: usize = 5;
    pub const SCHOOLING: usize = 6;
    pub const EMPLOYMENT: usize = 7;
    pub const INCOME: usize = 8;
}

#[rustfmt::skip]
pub static MEMBER_COLUMNS: [Column; 9] = [
    col("职工身份证号码", true, Kind::IdNumber, "worker", "所属职工的身份证号码，须与“家庭”表中的一行相同", EXAMPLE_WORKER_ID),
    col("姓名", true, Kind::Text, "name", "家庭成员姓名", "李娜"),
    col("身份证号码", false, Kind::IdNumber, "id_number", "成员的 18 位身份证号码；尚未办理的（如新生儿）留空", EXAMPLE_MEMBER_ID),
    with(col("关系", true, Kind::Coded, "relation", "与职工的关系", "配偶"), labels!(Relation)),
    with(col("健康状况", true, Kind::Coded, "health", "", "健康"), labels!(Health)),
    with(col("残疾等级", false, Kind::Grade, "disability_grade", "健康状况为“残疾”时填写 1–4，否则留空", ""), GRADES),
    with(col("就学阶段", false, Kind::Coded, "schooling", "留空为“不在学”", "不在学"), labels!(Schooling)),
    with(col("就业状况", true, Kind::Coded, "employment", "", "灵活就业"), labels!(Employment)),
    col("月收入（元）", false, Kind::Yuan, "income", "成员本人每月收入，单位元，最多两位小数；留空为 0", "1200"),
];

/// Column positions of the 收入 sheet.
mod i {
    pub const WORKER: usize = 0;
    pub const MONTH: usize = 1;
    pub const FIRST_AMOUNT: usize = 2;
}

#[rustfmt::skip]
pub static INCOME_COLUMNS: [Column; 9] = [
    col("职工身份证号码", true, Kind::IdNumber, "worker", "所属职工的身份证号码，须与“家庭”表中的一行相同", EXAMPLE_WORKER_ID),
    col("月份", true, Kind::Month, "month", "YYYY-MM；同一职工每月一行", "2019-01"),
    col("工资性收入", false, Kind::Yuan, "wages", "全家当月合计，单位元；留空为 0", "1500"),
    col("经营净收入", false, Kind::Yuan, "business", "单位元；留空为 0", "0"),
    col("财产净收入", false, Kind::Yuan, "property", "单位元；留空为 0", "0"),
    col("转移净收入", false, Kind::Yuan, "transfer", "养老金、补贴、低保金等，单位元；留空为 0", "300"),
    col("医疗自付", false, Kind::Yuan, "medical", "刚性支出：自付医疗费用，单位元；留空为 0", "800"),
    col("子女就学", false, Kind::Yuan, "schooling", "刚性支出：子女就学费用，单位元；留空为 0", "0"),
    col("突发意外", false, Kind::Yuan, "emergency", "刚性支出：突发事件、意外事故支出，单位元；留空为 0", "0"),
];

/// The three data sheets, in the order they are read and checked.
pub static SHEETS: [SheetDef; 3] = [
    SheetDef {
        name: SHEET_HOUSEHOLDS,
        columns: &HOUSEHOLD_COLUMNS,
        note: "每户一行：困难职工本人及家庭情况",
    },
    SheetDef {
        name: SHEET_MEMBERS,
        columns: &MEMBER_COLUMNS,
        note: "每位共同生活的家庭成员一行，用“职工身份证号码”对应到“家庭”表；没有成员的可只保留表头",
    },
    SheetDef {
        name: SHEET_INCOMES,
        columns: &INCOME_COLUMNS,
        note: "每户每月一行：家庭收入和刚性支出，用“职工身份证号码”对应到“家庭”表；没有收入记录的可只保留表头",
    },
];

const HH: usize = 0;
const MEM: usize = 1;
const INC: usize = 2;

// ---------------------------------------------------------------------------
// What the reader hands over
// ---------------------------------------------------------------------------

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
    fn is_blank(&self) -> bool {
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

// ---------------------------------------------------------------------------
// Outcomes
// ---------------------------------------------------------------------------

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
    fn file_level(file_name: &str, messages: Vec<String>) -> Self {
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
        if self.total <= 0 {
            0
        } else {
            (self.done.clamp(0, self.total) * 100) / self.total
        }
    }

    fn of(j: bangfu_storage::jobs::Job, at: NaiveDateTime) -> JobView {
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

// ---------------------------------------------------------------------------
// Cells to text, per kind of column
// ---------------------------------------------------------------------------

fn number_text(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{f:.0}")
    } else {
        f.to_string()
    }
}

fn date_text(d: &NaiveDateTime) -> String {
    if d.time() == chrono::NaiveTime::MIN {
        d.format("%Y-%m-%d").to_string()
    } else {
        d.format("%Y-%m-%d %H:%M:%S").to_string()
    }
}

/// The text a rule parses, from a cell of a column of `kind`, or why the
/// cell cannot be read at all.
fn text_of(cell: &Cell, kind: Kind) -> Result<String, String> {
    match cell {
        Cell::Empty => Ok(String::new()),
        Cell::Text(s) => Ok(s.trim().to_owned()),
        Cell::Formula(f) => Err(format!(
            "该单元格是公式（={f}）。导入不计算公式，也不采用公式的计算结果；请改为直接填写内容（可复制后“选择性粘贴—数值”）"
        )),
        Cell::Error(e) => Err(format!("该单元格是错误值 {e}，请改为有效的内容")),
        Cell::Bool(b) => Ok(match (kind, b) {
            (Kind::YesNo, true) => "是".to_owned(),
            (Kind::YesNo, false) => "否".to_owned(),
            (_, b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        }),
        Cell::Date(d) => match kind {
            Kind::Month if d.date().format("%d").to_string() == "01" => {
                Ok(d.format("%Y-%m").to_string())
            }
            Kind::Month => Err(format!(
                "应填写年月（YYYY-MM），而不是具体日期 {}；请将该列设为“文本”格式后填写，如 2019-03",
                d.format("%Y-%m-%d")
            )),
            _ => Ok(date_text(d)),
        },
        Cell::Number(f) => number_for(*f, kind),
    }
}

fn number_for(f: f64, kind: Kind) -> Result<String, String> {
    if !f.is_finite() {
        return Err("该单元格的数字无效".into());
    }
    match kind {
        Kind::IdNumber => {
            if f.fract() != 0.0 || f < 0.0 {
                return Err("身份证号码应以文本格式填写（18 位，末位可为 X）".into());
            }
            let digits = format!("{f:.0}");
            if digits.len() >= 16 {
                Err(format!(
                    "身份证号码被 Excel 存成了数字（{digits}），Excel 只保留 15 位有效数字，末几位已经丢失；请把该列设为“文本”格式后重新录入完整号码"
                ))
            } else {
                Ok(digits)
            }
        }
        Kind::Yuan => {
            let cents = f * 100.0;
            let rounded = cents.round();
            if (cents - rounded).abs() > 1e-6 * rounded.abs().max(1.0) {
                return Err(format!("金额“{}”最多保留两位小数（精确到分）", f));
            }
            if rounded.abs() >= 1e17 {
                return Ok(number_text(f));
            }
            // Exact: |rounded| < 1e17 fits an i64.
            let c = rounded as i64;
            let sign = if c < 0 { "-" } else { "" };
            let a = c.unsigned_abs();
            Ok(format!("{sign}{}.{:02}", a / 100, a % 100))
        }
        _ => Ok(number_text(f)),
    }
}

fn parse_yes_no(field: &'static str, s: &str) -> Result<bool, ValidationError> {
    match s.trim() {
        "" | "否" | "N" | "n" | "no" | "No" | "NO" | "FALSE" | "false" | "False" | "0" | "×" => {
            Ok(false)
        }
        "是" | "Y" | "y" | "yes" | "Yes" | "YES" | "TRUE" | "true" | "True" | "1" | "√" => {
            Ok(true)
        }
        other => Err(ValidationError::new(
            field,
            format!("“{other}”无效，应填写“是”或“否”"),
        )),
    }
}

fn parse_grade(field: &'static str, s: &str) -> Result<Option<i32>, ValidationError> {
    let t = s.trim();
    let t = t.strip_suffix('级').unwrap_or(t).trim();
    Ok(Some(match t {
        "" => return Ok(None),
        "1" | "一" => 1,
        "2" | "二" => 2,
        "3" | "三" => 3,
        "4" | "四" => 4,
        _ => {
            return Err(ValidationError::new(
                field,
                format!("残疾等级“{s}”无效，应为 1–4（一级最重）"),
            ))
        }
    }))
}

fn parse_date(field: &'static str, s: &str, today: NaiveDate) -> Result<(), ValidationError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(());
    }
    let d = NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(t, "%Y/%m/%d"))
        .map_err(|_| ValidationError::new(field, format!("日期“{t}”无效，应为 YYYY-MM-DD")))?;
    if d > today {
        return Err(ValidationError::new(field, "建档日期不能晚于今天"));
    }
    Ok(())
}

fn month_opt(field: &'static str, s: &str) -> Result<Option<Month>, ValidationError> {
    if s.trim().is_empty() {
        Ok(None)
    } else {
        Month::parse(field, s).map(Some)
    }
}

/// An ID number as typed, for matching rows: trimmed, upper-case X.
fn id_key(s: &str) -> String {
    s.trim().to_ascii_uppercase()
}

// ---------------------------------------------------------------------------
// The shape of the file: sheets, headers, data rows
// ---------------------------------------------------------------------------

/// Headers compare without spaces, with full-width brackets, and without a
/// trailing `*` or (必填)/(选填); `农民工` matches `农民工（是/否）`.
fn header_key(s: &str) -> String {
    let mut t: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '(' => '（',
            ')' => '）',
            other => other,
        })
        .collect();
    for suffix in ["*", "＊", "（必填）", "（选填）", "*"] {
        if let Some(x) = t.strip_suffix(suffix) {
            t = x.to_owned();
        }
    }
    t.trim_start_matches(['*', '＊']).to_owned()
}

fn header_base(key: &str) -> &str {
    match key.find('（') {
        Some(i) if key.ends_with('）') && i > 0 => &key[..i],
        _ => key,
    }
}

#[derive(Debug, Clone)]
struct SheetLayout {
    /// Index into `ImportFile::sheets`.
    index: usize,
    /// For each column of the definition, the column of the file holding it.
    map: Vec<Option<usize>>,
    /// Positions (in the sheet's rows) of the data rows that are not blank.
    data: Vec<usize>,
}

#[derive(Debug, Clone)]
struct Layout {
    sheets: Vec<SheetLayout>,
}

impl Layout {
    fn households(&self) -> usize {
        self.sheets.get(HH).map_or(0, |s| s.data.len())
    }

    fn rows(&self) -> usize {
        self.sheets.iter().map(|s| s.data.len()).sum()
    }
}

fn row_is_blank(r: &Row) -> bool {
    r.cells.iter().all(Cell::is_blank)
}

/// Checks the workbook's sheets and headers; every problem of the file as a
/// whole (no row to point at) is returned at once.
fn layout(file: &ImportFile) -> Result<Layout, Vec<String>> {
    let mut problems = Vec::new();
    let mut sheets = Vec::new();
    let found = || {
        if file.sheet_names.is_empty() {
            "（没有工作表）".to_owned()
        } else {
            file.sheet_names
                .iter()
                .map(|n| format!("“{n}”"))
                .collect::<Vec<_>>()
                .join("、")
        }
    };
    for def in &SHEETS {
        let Some(index) = file.sheets.iter().position(|s| s.name.trim() == def.name) else {
            problems.push(format!(
                "工作簿中没有名为“{}”的工作表（现有：{}）。请使用导入模板，保留“家庭”“成员”“收入”三个工作表；没有成员或收入记录的，该表只保留表头即可",
                def.name,
                found()
            ));
            continue;
        };
        let sheet = &file.sheets[index];
        let Some(header_pos) = sheet.rows.iter().position(|r| !row_is_blank(r)) else {
            problems.push(format!(
                "工作表“{}”是空的：第 1 行应为表头（可从导入模板复制）",
                def.name
            ));
            continue;
        };
        let header = &sheet.rows[header_pos];
        let keys: Vec<String> = header
            .cells
            .iter()
            .map(|c| header_key(&c.display()))
            .collect();
        let mut map = Vec::with_capacity(def.columns.len());
        for column in def.columns {
            let want = header_key(column.header);
            let exact: Vec<usize> = (0..keys.len()).filter(|&k| keys[k] == want).collect();
            let hits = if exact.is_empty() {
                (0..keys.len())
                    .filter(|&k| !keys[k].is_empty() && header_base(&keys[k]) == header_base(&want))
                    .collect()
            } else {
                exact
            };
            match hits.as_slice() {
                [] => {
                    if column.required {
                        problems.push(format!(
                            "工作表“{}”缺少必填列“{}”（表头在第 {} 行）",
                            def.name, column.header, header.number
                        ));
                    }
                    map.push(None);
                }
                [one] => map.push(Some(*one)),
                _ => {
                    problems.push(format!(
                        "工作表“{}”的表头中“{}”出现了不止一次",
                        def.name, column.header
                    ));
                    map.push(None);
                }
            }
        }
        let data: Vec<usize> = (header_pos + 1..sheet.rows.len())
            .filter(|&p| !row_is_blank(&sheet.rows[p]))
            .collect();
        let max = match def.name {
            SHEET_HOUSEHOLDS => MAX_HOUSEHOLD_ROWS,
            SHEET_MEMBERS => MAX_MEMBER_ROWS,
            _ => MAX_INCOME_ROWS,
        };
        if sheet.truncated || data.len() > max {
            problems.push(format!(
                "工作表“{}”的数据超过单次导入上限 {} 行，请分成几个文件导入",
                def.name, max
            ));
        }
        if def.name == SHEET_HOUSEHOLDS && data.is_empty() && !sheet.truncated {
            problems.push("工作表“家庭”没有数据行：表头下面至少要有一户".into());
        }
        sheets.push(SheetLayout { index, map, data });
    }
    if problems.is_empty() {
        Ok(Layout { sheets })
    } else {
        Err(problems)
    }
}

// ---------------------------------------------------------------------------
// Checking every row
// ---------------------------------------------------------------------------

/// A problem before it is put in order: sheet, position in the sheet's rows,
/// row number, column index.
#[derive(Debug, Clone)]
struct Found {
    sheet: usize,
    row: u32,
    column: Option<usize>,
    message: String,
}

#[derive(Default)]
struct Issues {
    list: Vec<Found>,
    total: usize,
    /// (sheet, position) of every row with a problem.
    rows: BTreeSet<(usize, usize)>,
}

impl Issues {
    fn add(&mut self, sheet: usize, pos: usize, row: u32, column: Option<usize>, message: String) {
        self.total += 1;
        if self.rows.len() < MAX_ERROR_ROWS {
            self.rows.insert((sheet, pos));
        }
        if self.list.len() < MAX_LISTED_ERRORS {
            self.list.push(Found {
                sheet,
                row,
                column,
                message,
            });
        }
    }
}

/// A household row that passed its own checks, waiting for its members and months.
struct Pending {
    pos: usize,
    row: u32,
    input: HouseholdInput,
    members: Vec<MemberInput>,
    incomes: Vec<MonthlyIncome>,
    /// A problem in this row or in a member or income row of it.
    bad: bool,
}

/// A file's row checks, one row at a time (so a job can report progress
/// between rows), then the checks across rows.
struct Validator<'a> {
    file: &'a ImportFile,
    layout: &'a Layout,
    today: NaiveDate,
    region_default: String,
    issues: Issues,
    /// Household rows in file order whose worker ID is usable and new.
    households: Vec<Pending>,
    /// Worker ID (as typed) → index in `households`, for linking.
    by_worker: HashMap<String, usize>,
    /// Worker ID (as typed) → row number in 家庭, for every row (even bad ones).
    worker_rows: HashMap<String, (u32, bool)>,
    /// Member ID → row in 成员.
    member_rows: HashMap<String, u32>,
    /// (household, month) → row in 收入.
    month_rows: HashMap<(usize, Month), u32>,
    /// Everyone with a valid ID number, for the check against open files:
    /// (ID, name, sheet, position, row, column).
    people: Vec<(String, String, usize, usize, u32, usize)>,
}

impl<'a> Validator<'a> {
    fn new(file: &'a ImportFile, layout: &'a Layout, today: NaiveDate, region: &str) -> Self {
        Self {
            file,
            layout,
            today,
            region_default: region.to_owned(),
            issues: Issues::default(),
            households: Vec::with_capacity(layout.households()),
            by_worker: HashMap::new(),
            worker_rows: HashMap::new(),
            member_rows: HashMap::new(),
            month_rows: HashMap::new(),
            people: Vec::new(),
        }
    }

    /// The texts of a data row in definition order; cells that cannot be
    /// read are reported and come back as `None`.
    fn texts(&mut self, sheet: usize, pos: usize) -> (u32, Vec<Option<String>>) {
        let l = &self.layout.sheets[sheet];
        let row = &self.file.sheets[l.index].rows[pos];
        let columns = SHEETS[sheet].columns;
        let mut out = Vec::with_capacity(columns.len());
        let mut bad = Vec::new();
        for (k, column) in columns.iter().enumerate() {
            let cell = l.map[k]
                .and_then(|c| row.cells.get(c))
                .unwrap_or(&Cell::Empty);
            match text_of(cell, column.kind) {
                Ok(t) => out.push(Some(t)),
                Err(m) => {
                    bad.push((k, m));
                    out.push(None);
                }
            }
        }
        let number = row.number;
        for (k, m) in bad {
            self.issues.add(sheet, pos, number, Some(k), m);
        }
        (number, out)
    }

    fn household_row(&mut self, pos: usize) {
        let (row, t) = self.texts(HH, pos);
        let mut bad: Vec<(usize, String)> = Vec::new();
        let today = self.today;
        let s = |k: usize| t[k].as_deref();
        macro_rules! check {
            ($k:expr, |$v:ident| $e:expr) => {
                match s($k) {
                    Some($v) => match $e {
                        Ok(x) => Some(x),
                        Err(e) => {
                            bad.push(($k, e.message));
                            None
                        }
                    },
                    None => None,
                }
            };
        }
        check!(h::NAME, |v| parse_name("worker_name", v));
        let id = check!(h::ID, |v| IdNumber::parse("worker_id_number", v, today));
        check!(h::PHONE, |v| parse_phone("phone", v));
        check!(h::ADDRESS, |v| parse_text(
            "address",
            "家庭住址",
            v,
            true,
            200
        ));
        let region = check!(h::DIVISION, |v| {
            if v.is_empty() {
                Ok(self.region_default.clone())
            } else {
                DivisionCode::parse(v).map(|d| d.as_str().to_owned())
            }
        });
        if region.as_deref() == Some(NATIONAL) {
            bad.push((
                h::DIVISION,
                "请填写职工所在地区的行政区划代码（建档工会为全国总工会，不能代替职工所在地区）"
                    .into(),
            ));
        }
        check!(h::EMPLOYER, |v| parse_text(
            "employer",
            "工作单位",
            v,
            false,
            100
        ));
        check!(h::EMPLOYER_KIND, |v| EmployerKind::parse(v));
        check!(h::EMPLOYMENT, |v| Employment::parse(v));
        check!(h::LABOUR, |v| LabourCapacity::parse(v));
        let health = check!(h::HEALTH, |v| Health::parse(v));
        let grade = check!(h::GRADE, |v| parse_grade("disability_grade", v));
        if let (Some(health), Some(grade)) = (health, grade) {
            if let Err(e) = parse_disability_grade(health, grade) {
                bad.push((h::GRADE, e.message));
            }
        }
        let mut flags = [false; 4];
        for (n, k) in [
            h::MIGRANT,
            h::ZERO_EMPLOYMENT,
            h::CLOSURE,
            h::TRADE_FRICTION,
        ]
        .into_iter()
        .enumerate()
        {
            if let Some(b) = check!(k, |v| parse_yes_no("flag", v)) {
                flags[n] = b;
            }
        }
        let causes = check!(h::CAUSES, |v| Causes::parse_list(v));
        check!(h::CATEGORY, |v| Category::parse(v));
        check!(h::TIER, |v| Tier::parse(v));
        check!(h::FILED_ON, |v| parse_date("filed_on", v, today));
        check!(h::DIBAO_SINCE, |v| month_opt("dibao_since", v));
        check!(h::OTHER_RELIEF_SINCE, |v| month_opt(
            "other_relief_since",
            v
        ));
        check!(h::NOTES, |v| parse_text("notes", "备注", v, false, 2000));

        let key = s(h::ID).map(id_key).unwrap_or_default();
        if key == EXAMPLE_WORKER_ID {
            bad.clear();
            bad.push((h::ID, "这是导入模板中的示例行，请删除后再导入".into()));
        } else if id.is_some() {
            if let Some(&(first, _)) = self.worker_rows.get(&key) {
                bad.push((
                    h::ID,
                    format!("与本表第 {first} 行的职工身份证号码重复：同一职工只能有一行"),
                ));
            }
        }
        let ok = bad.is_empty() && t.iter().all(Option::is_some);
        for (k, m) in bad {
            self.issues.add(HH, pos, row, Some(k), m);
        }
        if !key.is_empty() && !self.worker_rows.contains_key(&key) {
            self.worker_rows.insert(key.clone(), (row, id.is_some()));
        }
        let Some(id) = id else { return };
        if key == EXAMPLE_WORKER_ID || self.by_worker.contains_key(&key) {
            return;
        }
        let text = |k: usize| s(k).unwrap_or_default().to_owned();
        let input = HouseholdInput {
            union_id: None,
            worker_name: text(h::NAME),
            worker_id_number: id.as_str().to_owned(),
            phone: text(h::PHONE),
            address: text(h::ADDRESS),
            division_code: text(h::DIVISION),
            employer: text(h::EMPLOYER),
            employer_kind: text(h::EMPLOYER_KIND),
            employment: text(h::EMPLOYMENT),
            labour_capacity: text(h::LABOUR),
            health: text(h::HEALTH),
            disability_grade: grade.flatten(),
            migrant: flags[0],
            zero_employment: flags[1],
            closure_laid_off: flags[2],
            trade_friction: flags[3],
            causes: causes
                .map(|c| c.iter().map(|x| x.code().to_owned()).collect())
                .unwrap_or_default(),
            category: text(h::CATEGORY),
            tier: text(h::TIER),
            filed_on: text(h::FILED_ON),
            dibao_since: text(h::DIBAO_SINCE),
            other_relief_since: text(h::OTHER_RELIEF_SINCE),
            notes: text(h::NOTES),
            members: Vec::new(),
        };
        self.people.push((
            id.as_str().to_owned(),
            input.worker_name.clone(),
            HH,
            pos,
            row,
            h::ID,
        ));
        self.by_worker.insert(key, self.households.len());
        self.households.push(Pending {
            pos,
            row,
            input,
            members: Vec::new(),
            incomes: Vec::new(),
            bad: !ok,
        });
    }

    /// The household a member or income row belongs to, or the problem.
    fn link(&self, typed: Option<&str>) -> Result<usize, String> {
        let Some(typed) = typed else {
            return Err(String::new()); // already reported: the cell is unreadable
        };
        let key = id_key(typed);
        if key.is_empty() {
            return Err("请填写所属职工的身份证号码（与“家庭”表中该职工的一行相同）".into());
        }
        if key == EXAMPLE_WORKER_ID {
            return Err("这是导入模板中的示例行，请删除后再导入".into());
        }
        if let Some(&i) = self.by_worker.get(&key) {
            return Ok(i);
        }
        Err(match self.worker_rows.get(&key) {
            Some((row, true)) => format!("所属职工（“家庭”表第 {row} 行）与前面的行重复，无法对应"),
            Some((row, false)) => {
                format!("所属职工（“家庭”表第 {row} 行）的身份证号码有误，请先改正该行")
            }
            None => format!(
                "在“家庭”表中找不到身份证号码为 {} 的职工；成员和收入须对应到“家庭”表中的一户",
                mask_id_number(&key)
            ),
        })
    }

    fn member_row(&mut self, pos: usize) {
        let (row, t) = self.texts(MEM, pos);
        let mut bad: Vec<(usize, String)> = Vec::new();
        let today = self.today;
        let s = |k: usize| t[k].as_deref();
        macro_rules! check {
            ($k:expr, |$v:ident| $e:expr) => {
                match s($k) {
                    Some($v) => match $e {
                        Ok(x) => Some(x),
                        Err(e) => {
                            bad.push(($k, e.message));
                            None
                        }
                    },
                    None => None,
                }
            };
        }
        let household = match self.link(s(m::WORKER)) {
            Ok(i) => Some(i),
            Err(msg) => {
                if !msg.is_empty() {
                    bad.push((m::WORKER, msg));
                }
                None
            }
        };
        let name = check!(m::NAME, |v| parse_name("name", v));
        let id = check!(m::ID, |v| {
            if v.is_empty() {
                Ok(None)
            } else {
                IdNumber::parse("id_number", v, today).map(Some)
            }
        })
        .flatten();
        check!(m::RELATION, |v| Relation::parse(v));
        let health = check!(m::HEALTH, |v| Health::parse(v));
        let grade = check!(m::GRADE, |v| parse_grade("disability_grade", v));
        if let (Some(health), Some(grade)) = (health, grade) {
            if let Err(e) = parse_disability_grade(health, grade) {
                bad.push((m::GRADE, e.message));
            }
        }
        let schooling = check!(m::SCHOOLING, |v| {
            if v.is_empty() {
                Ok(Schooling::NotInSchool)
            } else {
                Schooling::parse(v)
            }
        });
        check!(m::EMPLOYMENT, |v| Employment::parse(v));
        let income = check!(m::INCOME, |v| Fen::parse_yuan_opt("income", v)).flatten();
        if let Some(id) = &id {
            let key = id.as_str().to_owned();
            if key == EXAMPLE_MEMBER_ID {
                bad.push((m::ID, "这是导入模板中的示例行，请删除后再导入".into()));
            } else if let Some((wrow, _)) = self.worker_rows.get(&key) {
                bad.push((
                    m::ID,
                    format!("该身份证号码已是“家庭”表第 {wrow} 行的职工本人：一人只能属于一个家庭，职工本人不必列为成员"),
                ));
            } else if let Some(first) = self.member_rows.get(&key) {
                bad.push((
                    m::ID,
                    format!("与本表第 {first} 行的成员身份证号码重复：一人只能属于一个家庭"),
                ));
            } else {
                self.member_rows.insert(key.clone(), row);
                if let Some(name) = &name {
                    self.people.push((key, name.clone(), MEM, pos, row, m::ID));
                }
            }
        }
        if let Some(i) = household {
            if self.households[i].members.len() >= 20 {
                bad.push((m::NAME, "同一职工的家庭成员不能超过 20 人".into()));
            }
        }
        let ok = bad.is_empty() && t.iter().all(Option::is_some);
        for (k, msg) in bad {
            self.issues.add(MEM, pos, row, Some(k), msg);
        }
        let Some(i) = household else { return };
        let hh = &mut self.households[i];
        if !ok {
            hh.bad = true;
            return;
        }
        let text = |k: usize| s(k).unwrap_or_default().to_owned();
        hh.members.push(MemberInput {
            name: text(m::NAME),
            id_number: id.map(|i| i.as_str().to_owned()).unwrap_or_default(),
            relation: text(m::RELATION),
            health: text(m::HEALTH),
            disability_grade: grade.flatten(),
            schooling: schooling.map(|x| x.code().to_owned()).unwrap_or_default(),
            employment: text(m::EMPLOYMENT),
            income: income.unwrap_or(Fen::ZERO),
        });
    }

    fn income_row(&mut self, pos: usize) {
        let (row, t) = self.texts(INC, pos);
        let mut bad: Vec<(usize, String)> = Vec::new();
        let s = |k: usize| t[k].as_deref();
        let household = match self.link(s(i::WORKER)) {
            Ok(x) => Some(x),
            Err(msg) => {
                if !msg.is_empty() {
                    bad.push((i::WORKER, msg));
                }
                None
            }
        };
        let month = match s(i::MONTH) {
            Some(v) => match Month::parse("month", v) {
                Ok(mo) => Some(mo),
                Err(e) => {
                    bad.push((
                        i::MONTH,
                        if v.is_empty() {
                            "请填写月份（YYYY-MM）".into()
                        } else {
                            e.message
                        },
                    ));
                    None
                }
            },
            None => None,
        };
        let mut amounts = [Fen::ZERO; 7];
        for (n, amount) in amounts.iter_mut().enumerate() {
            let k = i::FIRST_AMOUNT + n;
            if let Some(v) = s(k) {
                match Fen::parse_yuan_opt("amount", v) {
                    Ok(Some(f)) if f.0 > MAX_MONTHLY_FEN => bad.push((
                        k,
                        format!(
                            "金额“{v}”过大（每项每月不超过 {} 元），请核对（单位为元）",
                            Fen(MAX_MONTHLY_FEN).yuan_grouped()
                        ),
                    )),
                    Ok(f) => *amount = f.unwrap_or(Fen::ZERO),
                    Err(e) => bad.push((k, e.message)),
                }
            }
        }
        if let (Some(hi), Some(mo)) = (household, month) {
            if let Some(first) = self.month_rows.get(&(hi, mo)) {
                bad.push((
                    i::MONTH,
                    format!("与本表第 {first} 行重复：同一职工的 {mo} 只能填写一行"),
                ));
            } else {
                self.month_rows.insert((hi, mo), row);
                if self.households[hi].incomes.len() >= 120 {
                    bad.push((i::MONTH, "同一职工一次最多导入 120 个月的收入".into()));
                }
            }
        }
        let income = month.map(|mo| MonthlyIncome {
            month: mo,
            wages: amounts[0],
            business: amounts[1],
            property: amounts[2],
            transfer: amounts[3],
            medical: amounts[4],
            schooling: amounts[5],
            emergency: amounts[6],
        });
        if let Some(Err(e)) = income.map(MonthlyIncome::validate) {
            bad.push((i::MONTH, e.message));
        }
        let ok = bad.is_empty() && t.iter().all(Option::is_some);
        for (k, msg) in bad {
            self.issues.add(INC, pos, row, Some(k), msg);
        }
        let Some(hi) = household else { return };
        let hh = &mut self.households[hi];
        match (ok, income) {
            (true, Some(x)) => hh.incomes.push(x),
            _ => hh.bad = true,
        }
    }

    /// People already in an open file elsewhere: `holders` maps an ID
    /// number to the union holding its file.
    fn open_elsewhere(&mut self, holders: &HashMap<String, String>) {
        let people = std::mem::take(&mut self.people);
        for (id, name, sheet, pos, row, column) in &people {
            if let Some(union_name) = holders.get(id) {
                self.issues.add(
                    *sheet,
                    *pos,
                    *row,
                    Some(*column),
                    format!(
                        "{name}（{}）已在{union_name}的在档困难职工家庭中，一人只能属于一个在档家庭；如需转档，请联系该工会",
                        mask_id_number(id)
                    ),
                );
                if *sheet == HH {
                    if let Some(&i) = self.by_worker.get(id) {
                        self.households[i].bad = true;
                    }
                }
            }
        }
        self.people = people;
    }

    /// The whole file through the rules of a file ([`HouseholdInput::parse`]).
    fn finish(mut self) -> Result<Vec<Plan>, Issues> {
        let households = std::mem::take(&mut self.households);
        let mut plans = Vec::with_capacity(households.len());
        for p in households {
            if p.bad {
                continue;
            }
            let mut input = p.input;
            input.members = p.members;
            match input.parse(&self.region_default, None, self.today) {
                Ok((data, members)) => plans.push(Plan {
                    row: p.row,
                    data,
                    members,
                    incomes: p.incomes,
                }),
                Err(e) => {
                    let column = HOUSEHOLD_COLUMNS.iter().position(|c| c.field == e.field);
                    self.issues.add(HH, p.pos, p.row, column, e.message);
                }
            }
        }
        if self.issues.total == 0 {
            Ok(plans)
        } else {
            Err(self.issues)
        }
    }
}

/// One household ready to file.
struct Plan {
    row: u32,
    data: HouseholdData,
    members: Vec<Member>,
    incomes: Vec<MonthlyIncome>,
}

/// The report of a refused file: problems in sheet/row/column order and the
/// uploaded rows they are in.
fn report(file: &ImportFile, layout: Option<&Layout>, issues: Issues) -> ImportReport {
    let mut list = issues.list;
    list.sort_by_key(|f| (f.sheet, f.row, f.column.unwrap_or(usize::MAX)));
    let errors = list
        .into_iter()
        .map(|f| ImportIssue {
            sheet: Some(SHEETS[f.sheet].name.to_owned()),
            row: Some(f.row),
            column: f
                .column
                .and_then(|k| SHEETS[f.sheet].columns.get(k))
                .map(|c| c.header.to_owned()),
            message: f.message,
        })
        .collect();
    let mut rows = Vec::new();
    if let Some(layout) = layout {
        for &(sheet, pos) in issues.rows.iter().take(MAX_ERROR_ROWS) {
            let l = &layout.sheets[sheet];
            let r = &file.sheets[l.index].rows[pos];
            rows.push(ErrorRow {
                sheet: SHEETS[sheet].name.to_owned(),
                row: r.number,
                cells: l
                    .map
                    .iter()
                    .map(|c| {
                        c.and_then(|c| r.cells.get(c))
                            .map(Cell::display)
                            .unwrap_or_default()
                    })
                    .collect(),
            });
        }
    }
    ImportReport {
        file_name: file.file_name.clone(),
        error_total: issues.total,
        errors,
        rows,
    }
}

// ---------------------------------------------------------------------------
// Running an import
// ---------------------------------------------------------------------------

/// A file name fit to show: no control characters, not too long.
fn clean_name(raw: &str) -> String {
    // Some browsers send a path ("C:\\fakepath\\名单.xlsx"); keep the name.
    let base = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let s: String = base.chars().filter(|c| !c.is_control()).collect();
    let s = s.trim();
    let s: String = s.chars().take(200).collect();
    if s.is_empty() {
        "导入文件.xlsx".to_owned()
    } else {
        s
    }
}

/// Everything one import needs, owned (a job carries it into its task).
struct Work {
    actor: Actor,
    union: unions::Union,
    file: ImportFile,
    layout: Layout,
    job: Option<i64>,
}

/// Progress of a job, written in short transactions now and then.
struct Progress {
    job: Option<i64>,
    total: i64,
    done: i64,
    last_done: i64,
    last_at: Instant,
}

impl Progress {
    fn new(job: Option<i64>, total: usize) -> Self {
        Self {
            job,
            total: i64::try_from(total).unwrap_or(i64::MAX),
            done: 0,
            last_done: 0,
            last_at: Instant::now(),
        }
    }

    async fn phase(&mut self, s: &Services, phase: &'static str) -> Result<(), ServiceError> {
        self.last_done = self.done;
        self.last_at = Instant::now();
        let Some(id) = self.job else { return Ok(()) };
        s.job_progress(id, phase, self.done, self.total).await
    }

    /// Counts one row; every few hundred rows (and not more than a few
    /// times a second) the job's `done` is written.
    async fn tick(&mut self, s: &Services) -> Result<(), ServiceError> {
        self.done += 1;
        if self.job.is_some()
            && self.done - self.last_done >= 300
            && self.last_at.elapsed() >= Duration::from_millis(250)
        {
            self.phase(s, PHASE_VALIDATING).await?;
        }
        Ok(())
    }
}

impl Services {
    /// Imports the households of `file` under the union `union_id` (the
    /// caller's own when absent): at once for a small file, as a background
    /// job for a large one. Nothing is written unless every row is valid.
    pub async fn households_import(
        &self,
        actor: &Actor,
        union_id: Option<i64>,
        mut file: ImportFile,
    ) -> Result<ImportOutcome, ServiceError> {
        actor.require(bangfu_domain::Permission::ManageHouseholds)?;
        file.file_name = clean_name(&file.file_name);
        let scope = actor.scope();
        let own = actor.user.union_id;
        let union = self
            .read(move |c| {
                let id = union_id.map(UnionId).unwrap_or(own);
                unions::find(c, &scope, id)?.ok_or_else(|| {
                    ValidationError::new("union_id", "所选工会不存在或不在您的权限范围内").into()
                })
            })
            .await?;
        if !union.active {
            return Err(ValidationError::new("union_id", "所选工会已停用，不能在其下建档").into());
        }
        let layout = match layout(&file) {
            Ok(l) => l,
            Err(problems) => {
                let report = ImportReport::file_level(&file.file_name, problems);
                let job_id = self.keep_report(actor, &union, &report).await?;
                return Ok(ImportOutcome::Invalid { job_id, report });
            }
        };
        let big = layout.households() > BACKGROUND_ABOVE;
        let mut work = Work {
            actor: actor.clone(),
            union,
            file,
            layout,
            job: None,
        };
        if big {
            let job_id = self.start_job(&work).await?;
            work.job = Some(job_id);
            let s = self.clone();
            self.spawn_job(
                job_id,
                "import",
                "导入任务意外中止，未写入任何数据，请重新导入",
                async move { s.run_job(work, job_id).await },
            );
            return Ok(ImportOutcome::Queued { job_id });
        }
        match self.run(&work).await? {
            Ok(summary) => Ok(ImportOutcome::Imported(summary)),
            Err(report) => {
                let job_id = self.keep_report(actor, &work.union, &report).await?;
                Ok(ImportOutcome::Invalid { job_id, report })
            }
        }
    }

    /// A job as its owner sees it; nobody else may (not even in scope).
    pub async fn job_get(&self, actor: &Actor, id: i64) -> Result<JobView, ServiceError> {
        if actor.user.must_change_password {
            return Err(ServiceError::PasswordChangeRequired);
        }
        let scope: Scope = actor.scope();
        let user = actor.user.id.0;
        self.read(move |c| {
            let j = jobs::find(c, &scope, user, id)?.ok_or(ServiceError::NotFound("任务"))?;
            Ok(JobView::of(j, now()))
        })
        .await
    }

    async fn start_job(&self, w: &Work) -> Result<i64, ServiceError> {
        let union_id = w.union.id.0;
        let path = w.union.path.as_str().to_owned();
        let user = w.actor.user.id.0;
        let total = i64::try_from(w.layout.rows()).unwrap_or(i64::MAX);
        let initial = json!({ "file_name": w.file.file_name }).to_string();
        self.write(move |c| {
            Ok(jobs::insert(
                c,
                &NewJob {
                    kind: JOB_KIND,
                    union_id,
                    union_path: &path,
                    user_id: user,
                    status: JobStatus::Queued.code(),
                    phase: PHASE_QUEUED,
                    total,
                    message: None,
                    result_json: Some(&initial),
                    now: now(),
                },
            )?)
        })
        .await
    }

    /// Keeps a refused file's report as a finished job, so its error
    /// workbook can be downloaded after the page that showed it.
    async fn keep_report(
        &self,
        actor: &Actor,
        union: &unions::Union,
        report: &ImportReport,
    ) -> Result<i64, ServiceError> {
        let union_id = union.id.0;
        let path = union.path.as_str().to_owned();
        let user = actor.user.id.0;
        let body =
            serde_json::to_string(report).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let message = report.headline();
        let total = i64::try_from(report.error_total).unwrap_or(i64::MAX);
        self.write(move |c| {
            Ok(jobs::insert(
                c,
                &NewJob {
                    kind: JOB_KIND,
                    union_id,
                    union_path: &path,
                    user_id: user,
                    status: JobStatus::Failed.code(),
                    phase: "未通过校验",
                    total,
                    message: Some(&message),
                    result_json: Some(&body),
                    now: now(),
                },
            )?)
        })
        .await
    }

    async fn run_job(self, work: Work, job_id: i64) {
        let outcome = self.run(&work).await;
        let file_name = work.file.file_name.clone();
        let (status, phase, message, body) = match outcome {
            Ok(Ok(summary)) => (
                JobStatus::Succeeded,
                "已完成",
                summary.headline(),
                serde_json::to_string(&summary).ok(),
            ),
            Ok(Err(report)) => (
                JobStatus::Failed,
                "未通过校验",
                report.headline(),
                serde_json::to_string(&report).ok(),
            ),
            Err(e) => {
                if let ServiceError::Internal(detail) = &e {
                    tracing::error!(%detail, job_id, "import failed");
                }
                let report = ImportReport::file_level(
                    &file_name,
                    vec![format!("导入失败，未写入任何数据：{e}")],
                );
                (
                    JobStatus::Failed,
                    "失败",
                    report
                        .errors
                        .first()
                        .map(|x| x.message.clone())
                        .unwrap_or_default(),
                    serde_json::to_string(&report).ok(),
                )
            }
        };
        self.finish_job(
            job_id,
            "import",
            Ending {
                status,
                phase,
                message,
                body,
            },
        )
        .await;
    }

    /// Checks every row, then writes everything in one transaction.
    async fn run(&self, w: &Work) -> Result<Result<ImportSummary, ImportReport>, ServiceError> {
        let mut progress = Progress::new(w.job, w.layout.rows());
        progress.phase(self, PHASE_VALIDATING).await?;
        let mut v = Validator::new(&w.file, &w.layout, today(), &w.union.division_code);
        for sheet in [HH, MEM, INC] {
            for n in 0..w.layout.sheets[sheet].data.len() {
                let pos = w.layout.sheets[sheet].data[n];
                match sheet {
                    HH => v.household_row(pos),
                    MEM => v.member_row(pos),
                    _ => v.income_row(pos),
                }
                progress.tick(self).await?;
            }
        }

        progress.phase(self, PHASE_CHECKING).await?;
        let ids: Vec<String> = v.people.iter().map(|p| p.0.clone()).collect();
        let holders: HashMap<String, String> = self
            .read(move |c| {
                let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
                Ok(households::open_holders(c, &refs)?.into_iter().collect())
            })
            .await?;
        v.open_elsewhere(&holders);
        let plans = match v.finish() {
            Ok(p) => p,
            Err(issues) => return Ok(Err(report(&w.file, Some(&w.layout), issues))),
        };

        progress.phase(self, PHASE_WRITING).await?;
        let heartbeat = w.job.map(|id| {
            let s = self.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    let r = s
                        .write(move |c| Ok::<_, ServiceError>(jobs::touch(c, id, now())?))
                        .await;
                    if let Err(e) = r {
                        tracing::warn!(error = %e, job_id = id, "could not record a job's heartbeat");
                    }
                }
            })
        });
        let written = self.write_all(w, plans).await;
        if let Some(h) = heartbeat {
            h.abort();
        }
        match written {
            Ok(summary) => Ok(Ok(summary)),
            Err(Refused::Row(issue)) => {
                let mut issues = Issues::default();
                let pos = w.layout.sheets[HH]
                    .data
                    .iter()
                    .copied()
                    .find(|&p| w.file.sheets[w.layout.sheets[HH].index].rows[p].number == issue.row)
                    .unwrap_or_default();
                issues.add(HH, pos, issue.row, issue.column, issue.message);
                Ok(Err(report(&w.file, Some(&w.layout), issues)))
            }
            Err(Refused::Other(e)) => Err(e),
        }
    }

    /// Files every household in one transaction; the first refusal (a race
    /// with another filing, say) rolls all of it back.
    async fn write_all(&self, w: &Work, plans: Vec<Plan>) -> Result<ImportSummary, Refused> {
        let a = w.actor.clone();
        let union = w.union.clone();
        let file_name = w.file.file_name.clone();
        let job = w.job;
        let refused: Arc<Mutex<Option<RowRefusal>>> = Arc::new(Mutex::new(None));
        let slot = refused.clone();
        let r = self
            .write(move |c| {
                let books = Books::load(c)?;
                let (mut members, mut months) = (0, 0);
                for p in &plans {
                    let filed = file_household(
                        c,
                        Who::Actor(&a),
                        &union,
                        &p.data,
                        &p.members,
                        &p.incomes,
                        &books,
                    );
                    match filed {
                        Ok(_) => {}
                        Err(
                            e @ (ServiceError::Conflict { .. }
                            | ServiceError::Invalid(_)
                            | ServiceError::Rule(_)),
                        ) => {
                            let column = e
                                .field()
                                .and_then(|f| HOUSEHOLD_COLUMNS.iter().position(|c| c.field == f));
                            if let Ok(mut s) = slot.lock() {
                                *s = Some(RowRefusal {
                                    row: p.row,
                                    column,
                                    message: format!("写入时被拒绝，全部未写入：{e}"),
                                });
                            }
                            return Err(e);
                        }
                        Err(e) => return Err(e),
                    }
                    members += p.members.len();
                    months += p.incomes.len();
                }
                let summary = ImportSummary {
                    file_name: file_name.clone(),
                    union_id: union.id.0,
                    union_name: union.name.clone(),
                    households: plans.len(),
                    members,
                    months,
                };
                audit::write(
                    c,
                    Who::Actor(&a),
                    Record::change(
                        Action::ImportHouseholds,
                        "household",
                        "*",
                        (union.id.0, &union.path),
                        None,
                        Some(json!({
                            "file_name": summary.file_name,
                            "households": summary.households,
                            "members": summary.members,
                            "months": summary.months,
                            "job_id": job,
                        })),
                    ),
                )?;
                Ok(summary)
            })
            .await;
        r.map_err(|e| match refused.lock().ok().and_then(|mut s| s.take()) {
            Some(row) => Refused::Row(row),
            None => Refused::Other(e),
        })
    }
}

struct RowRefusal {
    row: u32,
    column: Option<usize>,
    message: String,
}

enum Refused {
    Row(RowRefusal),
    Other(ServiceError),
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn example_ids_are_valid() {
        let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        for id in [EXAMPLE_WORKER_ID, EXAMPLE_MEMBER_ID] {
            assert!(IdNumber::parse("x", id, today).is_ok(), "{id}");
        }
    }

    #[test]
    fn examples_of_every_column_parse() {
        for def in &SHEETS {
            for c in def.columns {
                if c.kind == Kind::Coded && !c.example.is_empty() {
                    assert!(
                        c.options().contains(&c.example),
                        "{} {}",
                        def.name,
                        c.header
                    );
                }
            }
        }
    }

    #[test]
    fn numbers_in_id_columns() {
        let e = text_of(&Cell::Number(440103198001011231.0), Kind::IdNumber).unwrap_err();
        assert!(e.contains("15 位有效数字"), "{e}");
        assert_eq!(
            text_of(&Cell::Number(13800138000.0), Kind::Phone).unwrap(),
            "13800138000"
        );
        assert_eq!(
            text_of(&Cell::Number(1234.5), Kind::Yuan).unwrap(),
            "1234.50"
        );
        assert_eq!(text_of(&Cell::Number(0.1), Kind::Yuan).unwrap(), "0.10");
        assert!(text_of(&Cell::Number(1.234), Kind::Yuan).is_err());
        assert!(text_of(&Cell::Formula("A1+1".into()), Kind::Text).is_err());
        let d = NaiveDate::from_ymd_opt(2019, 3, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        assert_eq!(text_of(&Cell::Date(d), Kind::Month).unwrap(), "2019-03");
        assert_eq!(text_of(&Cell::Date(d), Kind::Date).unwrap(), "2019-03-01");
    }

    #[test]
    fn file_names_are_cleaned() {
        assert_eq!(clean_name("C:\\fakepath\\名单.xlsx"), "名单.xlsx");
        assert_eq!(clean_name(" a/b/c.xlsx "), "c.xlsx");
        assert_eq!(clean_name("\u{7}"), "导入文件.xlsx");
    }

    #[test]
    fn headers_match_loosely() {
        assert_eq!(header_key(" 农民工(是/否) "), header_key("农民工（是/否）"));
        assert_eq!(header_key("姓名*"), "姓名");
        assert_eq!(
            header_base(&header_key("月收入")),
            header_base(&header_key("月收入（元）"))
        );
    }
}
