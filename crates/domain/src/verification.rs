//! 部门核对 (cross-department verification, docs/rules.md §8): what a
//! department's dataset says about a person, and which rule of the
//! programme that touches when the person is in a household file.
//!
//! A department sends rows keyed by a person's ID number or a keyed hash of
//! it ([`PersonKey`]) with the fields its dataset has ([`Dataset::fields`]).
//! Every row is parsed here, by one parser, whether it came as JSON, `.csv`
//! or `.xlsx` ([`parse_row`]). A row that matches someone on file is set
//! beside the file ([`FileSide`]) and [`check`] says whether the two
//! disagree — a [`Mismatch`] naming the [`Concern`] — or not (a match that
//! agrees with the file is counted and leaves nothing). The resolutions a
//! concern allows are [`Concern::actions`]; each goes through a flow that
//! already exists (a correction of the file, a month's expenditure, an exit
//! or removal proposal, a relapse), never a silent change.

use crate::household::{coded, Employment, HardshipCause, Status};
use crate::identification::Category;
use crate::{Fen, IdNumber, Month, ValidationError};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

mod catalogue;

pub use catalogue::{
    find as find_dataset, parse_dataset_code, parse_department, parse_kind, parse_label,
    resolve as resolve_dataset, DatasetEntry, MAX_DEPARTMENT, MAX_LABEL,
};

coded!(
    /// The kinds of department dataset: each has its fields and its rule
    /// below (a closed list, because rules stay in code). The catalogue an
    /// administrator extends ([`DatasetEntry`]) names, for each dataset, the
    /// kind it follows; a built-in dataset's code is its kind's.
    Dataset, "dataset", "数据集" {
        /// 低保名单 (civil affairs).
        Dibao = "dibao", "低保名单";
        /// 特困供养 (civil affairs).
        Tekun = "tekun", "特困供养人员";
        /// 车辆登记 (public security).
        Vehicle = "vehicle", "车辆登记";
        /// 不动产登记 (housing).
        Property = "property", "不动产登记";
        /// 工商登记 (market regulation).
        Business = "business", "工商登记";
        /// 社会保险缴费 (HR and social security).
        Insurance = "social_insurance", "社会保险缴费";
        /// 失业登记 (HR and social security).
        Unemployment = "unemployment", "失业登记";
        /// 死亡登记 (civil affairs, public security).
        Death = "death", "死亡登记";
        /// 大额医疗费用个人自付 (medical insurance).
        Medical = "medical", "大额医疗自付费用";
        /// 残疾人证 (disabled persons' federation).
        Disability = "disability", "残疾人证";
        /// 受灾救助 (emergency management).
        Disaster = "disaster", "受灾救助";
    }
);

impl Dataset {
    /// The department that keeps the dataset.
    pub fn department(self) -> &'static str {
        match self {
            Dataset::Dibao | Dataset::Tekun => "民政部门",
            Dataset::Vehicle => "公安部门",
            Dataset::Property => "住房和城乡建设部门",
            Dataset::Business => "市场监管部门",
            Dataset::Insurance | Dataset::Unemployment => "人力资源和社会保障部门",
            Dataset::Death => "民政、公安部门",
            Dataset::Medical => "医疗保障部门",
            Dataset::Disability => "残疾人联合会",
            Dataset::Disaster => "应急管理部门",
        }
    }

    /// The fields a row of the dataset has besides the person.
    pub fn fields(self) -> &'static [Field] {
        use FieldKind::*;
        macro_rules! f {
            ($code:literal, $label:literal, $kind:ident, $required:literal) => {
                Field {
                    code: $code,
                    label: $label,
                    kind: $kind,
                    required: $required,
                }
            };
        }
        match self {
            Dataset::Dibao | Dataset::Tekun => &[f!("since", "纳入月份", Month, false)],
            Dataset::Vehicle => &[
                f!("value_fen", "车辆价值", Money, true),
                f!("plate", "号牌", Text, false),
            ],
            Dataset::Property => &[
                f!("properties", "房产套数", Count, true),
                f!("floor_area_m2", "建筑面积合计（平方米）", Count, true),
            ],
            Dataset::Business => &[
                f!("registered_capital_fen", "注册资本", Money, false),
                f!("entity", "市场主体名称", Text, false),
            ],
            Dataset::Insurance => &[
                f!("month", "缴费月份", Month, true),
                f!("base_fen", "缴费基数", Money, true),
                f!("employer", "缴费单位", Text, false),
            ],
            Dataset::Unemployment => &[f!("registered_on", "登记日期", Date, false)],
            Dataset::Death => &[f!("died_on", "死亡日期", Date, false)],
            Dataset::Medical => &[
                f!("month", "结算月份", Month, true),
                f!("amount_fen", "个人自付金额", Money, true),
            ],
            Dataset::Disability => &[f!("grade", "残疾等级", Grade, true)],
            Dataset::Disaster => &[f!("loss_fen", "损失金额", Money, false)],
        }
    }
}

/// How a field's value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// Whole fen in the API (an `.xlsx` or `.csv` column is in yuan).
    Money,
    /// A whole number, zero or more.
    Count,
    /// `YYYY-MM`.
    Month,
    /// `YYYY-MM-DD`.
    Date,
    /// A disability grade, 1 to 4.
    Grade,
    /// Free text, at most 100 characters.
    Text,
}

impl FieldKind {
    pub fn code(self) -> &'static str {
        match self {
            FieldKind::Money => "money",
            FieldKind::Count => "count",
            FieldKind::Month => "month",
            FieldKind::Date => "date",
            FieldKind::Grade => "grade",
            FieldKind::Text => "text",
        }
    }
}

/// One field of a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub code: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    pub required: bool,
}

/// A parsed value of a field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    Number(i64),
    Month(Month),
    Date(NaiveDate),
    Text(String),
}

impl Value {
    fn parse(kind: FieldKind, raw: &str) -> Result<Value, String> {
        let s = raw.trim();
        match kind {
            FieldKind::Money | FieldKind::Count => s
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .map(Value::Number)
                .ok_or_else(|| match kind {
                    FieldKind::Money => format!("“{s}”不是有效金额：应为不小于 0 的整数（分）"),
                    _ => format!("“{s}”不是不小于 0 的整数"),
                }),
            FieldKind::Grade => s
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=4).contains(n))
                .map(Value::Number)
                .ok_or_else(|| format!("“{s}”不是有效的残疾等级：应为 1 至 4")),
            FieldKind::Month => crate::Month::parse("month", s)
                .map(Value::Month)
                .map_err(|e| e.message),
            FieldKind::Date => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Value::Date)
                .map_err(|_| format!("“{s}”不是有效日期：应为 YYYY-MM-DD")),
            FieldKind::Text => {
                if s.chars().count() > 100 {
                    Err("不能超过 100 个字".into())
                } else {
                    Ok(Value::Text(s.to_owned()))
                }
            }
        }
    }

    fn number(&self) -> Option<i64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    fn month(&self) -> Option<Month> {
        match self {
            Value::Month(m) => Some(*m),
            _ => None,
        }
    }

    fn date(&self) -> Option<NaiveDate> {
        match self {
            Value::Date(d) => Some(*d),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Number(n) => n.fmt(f),
            Value::Month(m) => m.fmt(f),
            Value::Date(d) => d.fmt(f),
            Value::Text(t) => f.write_str(t),
        }
    }
}

/// What a row says besides the person: field code → value (absent fields
/// are left out).
pub type Facts = BTreeMap<String, Value>;

/// A row's facts held compactly while a batch is matched: the dataset's
/// fields in order, each given or not. A million-row list is held whole
/// until its matches are known; a map per row would take ten times the room.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Packed(Box<[Option<Value>]>);

impl Packed {
    /// Packs a row's facts (fields the dataset does not have are dropped:
    /// [`parse_row`] never yields them).
    pub fn of(dataset: Dataset, mut facts: Facts) -> Packed {
        if facts.is_empty() {
            return Packed::default();
        }
        Packed(
            dataset
                .fields()
                .iter()
                .map(|f| facts.remove(f.code))
                .collect(),
        )
    }

    /// The facts again, as [`check`] and a finding's record take them.
    pub fn facts(&self, dataset: Dataset) -> Facts {
        dataset
            .fields()
            .iter()
            .zip(self.0.iter())
            .filter_map(|(f, v)| Some((f.code.to_owned(), v.clone()?)))
            .collect()
    }
}

/// A keyed hash of an ID number: HMAC-SHA256 over the 18 characters (upper-case
/// X) with the deployment's matching key, as 64 lowercase hex digits. The
/// hashing itself is the service's (it holds the key); this is the value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdHash(String);

impl IdHash {
    pub fn parse(raw: &str) -> Result<IdHash, String> {
        let s = raw.trim().to_ascii_lowercase();
        if s.len() != 64 {
            return Err(format!(
                "id_hash 应为 64 位十六进制（HMAC-SHA256），现为 {} 位",
                s.chars().count()
            ));
        }
        if !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("id_hash 只能含十六进制字符 0-9、a-f".into());
        }
        Ok(IdHash(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Who a row is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PersonKey {
    Plain(IdNumber),
    Hash(IdHash),
}

/// One row as read: the person and the dataset's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub person: PersonKey,
    pub facts: Facts,
}

/// A problem with one row: the row as the sender numbers it (1-based in a
/// JSON list; as Excel shows it in a workbook), the column, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowProblem {
    pub row: usize,
    pub column: String,
    pub message: String,
}

/// Parses one row given as column code → text (`id_number` or `id_hash`,
/// then the dataset's fields). Columns the dataset does not have are refused,
/// so a misspelt column is never silently dropped. `today` bounds ID numbers'
/// birth dates.
pub fn parse_row(
    dataset: Dataset,
    row_no: usize,
    cells: &BTreeMap<String, String>,
    today: NaiveDate,
) -> Result<Row, Vec<RowProblem>> {
    let mut problems = Vec::new();
    let problem = |column: &str, message: String| RowProblem {
        row: row_no,
        column: column.to_owned(),
        message,
    };
    let given = |k: &str| cells.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
    let person = match (given("id_number"), given("id_hash")) {
        (Some(_), Some(_)) => {
            problems.push(problem(
                "id_number",
                "身份证号码和 id_hash 只能填一个".into(),
            ));
            None
        }
        (None, None) => {
            problems.push(problem(
                "id_number",
                "请填写身份证号码（id_number）或其密钥散列（id_hash）".into(),
            ));
            None
        }
        (Some(n), None) => match IdNumber::parse("id_number", n, today) {
            Ok(n) => Some(PersonKey::Plain(n)),
            Err(e) => {
                problems.push(problem("id_number", e.message));
                None
            }
        },
        (None, Some(h)) => match IdHash::parse(h) {
            Ok(h) => Some(PersonKey::Hash(h)),
            Err(m) => {
                problems.push(problem("id_hash", m));
                None
            }
        },
    };
    let fields = dataset.fields();
    for k in cells.keys() {
        if k != "id_number" && k != "id_hash" && !fields.iter().any(|f| f.code == k) {
            problems.push(problem(
                k,
                format!(
                    "没有“{k}”这一列：按“{}”规则核对的数据集可用的列为 id_number 或 id_hash{}",
                    dataset.label(),
                    fields
                        .iter()
                        .map(|f| format!("、{}", f.code))
                        .collect::<String>()
                ),
            ));
        }
    }
    let mut facts = Facts::new();
    for f in fields {
        match given(f.code) {
            None if f.required => {
                problems.push(problem(f.code, format!("请填写{}", f.label)));
            }
            None => {}
            Some(raw) => match Value::parse(f.kind, raw) {
                Ok(v) => {
                    facts.insert(f.code.to_owned(), v);
                }
                Err(m) => problems.push(problem(f.code, format!("{}：{m}", f.label))),
            },
        }
    }
    match person {
        Some(person) if problems.is_empty() => Ok(Row { person, facts }),
        _ => Err(problems),
    }
}

coded!(
    /// Which rule of the programme a mismatch touches.
    Concern, "concern", "涉及规则" {
        /// Vehicle or property above the region's thresholds: identification in doubt.
        Assets = "assets", "资产超过标准，识别存疑";
        /// Business registration or contributions: undeclared employment income.
        UndeclaredIncome = "undeclared_income", "可能有未申报的就业或经营收入";
        /// On the 低保 roll or in 特困 support while the file says otherwise.
        Dibao = "dibao", "已纳入低保或特困供养";
        /// The worker died: the file is closed by removal.
        WorkerDied = "worker_died", "职工本人死亡";
        /// A member died: the household's size changes.
        MemberDied = "member_died", "家庭成员死亡";
        /// A large medical bill: rigid expenditure of its month.
        MedicalBill = "medical_bill", "大额医疗自付支出";
        /// An exited household may fall back (unemployment, a bill, a disaster, 低保).
        RelapseRisk = "relapse_risk", "返困风险";
        /// The worker registered as unemployed while the file says working.
        Employment = "employment", "就业状况与档案不符";
        /// The disability recorded differs from the certificate.
        Disability = "disability", "残疾情况与档案不符";
        /// A disaster the file does not name as a cause.
        Disaster = "disaster", "受灾情况未记入档案";
    }
);

coded!(
    /// How a finding is resolved. Every action but dismissing goes through
    /// a flow that already exists and is linked to what it produced.
    Action, "action", "处置方式" {
        CorrectFile = "correct_file", "更正档案";
        RecordExpenditure = "record_expenditure", "录入当月刚性支出";
        ProposeRemoval = "propose_removal", "发起退出（清退）";
        ProposeExit = "propose_exit", "发起脱困（社会救助兜底）";
        OpenRelapse = "open_relapse", "标记返困";
        Dismiss = "dismiss", "核实无误，不予处置";
    }
);

impl Concern {
    /// The actions that resolve a finding of this concern (dismissing, with
    /// a reason, is always one).
    pub fn actions(self) -> &'static [Action] {
        use Action::*;
        match self {
            Concern::Assets => &[CorrectFile, ProposeRemoval, Dismiss],
            Concern::UndeclaredIncome => &[CorrectFile, ProposeRemoval, Dismiss],
            Concern::Dibao => &[CorrectFile, ProposeExit, Dismiss],
            Concern::WorkerDied => &[ProposeRemoval, Dismiss],
            Concern::MemberDied => &[CorrectFile, Dismiss],
            Concern::MedicalBill => &[RecordExpenditure, Dismiss],
            Concern::RelapseRisk => &[OpenRelapse, Dismiss],
            Concern::Employment => &[CorrectFile, Dismiss],
            Concern::Disability => &[CorrectFile, Dismiss],
            Concern::Disaster => &[CorrectFile, Dismiss],
        }
    }
}

/// Days the responsible person has to resolve a finding; an open one older
/// than this is overdue.
pub const RESOLVE_WITHIN_DAYS: i64 = 30;

/// Days within which an open finding counts as new (本周新增) in the counts.
pub const FRESH_DAYS: i64 = 7;

/// Open findings raised at or after this instant are new at `now`.
pub fn fresh_after(now: chrono::NaiveDateTime) -> chrono::NaiveDateTime {
    now - chrono::Duration::days(FRESH_DAYS)
}

/// Open findings raised before this instant are overdue at `now`.
pub fn overdue_before(now: chrono::NaiveDateTime) -> chrono::NaiveDateTime {
    now - chrono::Duration::days(RESOLVE_WITHIN_DAYS)
}

/// Whether a finding raised at `raised` and still `status` is overdue at `now`.
pub fn is_overdue(
    status: FindingStatus,
    raised: chrono::NaiveDateTime,
    now: chrono::NaiveDateTime,
) -> bool {
    status == FindingStatus::Open && raised < overdue_before(now)
}

coded!(
    /// Where a finding stands.
    FindingStatus, "status", "处置状态" {
        Open = "open", "待处置";
        Confirmed = "confirmed", "已处置";
        Dismissed = "dismissed", "已排除";
    }
);

/// The region's thresholds above which assets put identification in doubt
/// (set per region by administrators, inherited like the lines).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thresholds {
    /// A vehicle worth more than this.
    pub vehicle_value: Fen,
    /// More properties than this.
    pub properties: i64,
    /// More floor area per person than this, in square metres.
    pub floor_area_per_person: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            vehicle_value: Fen(10_000_000),
            properties: 1,
            floor_area_per_person: 40,
        }
    }
}

/// What the file says, beside a matched row: the household and the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSide {
    pub status: Status,
    /// Exited and still within its follow-up period.
    pub followed: bool,
    pub category: Category,
    pub dibao_since: Option<Month>,
    pub size: i32,
    pub causes: Vec<HardshipCause>,
    /// The matched person is the worker (else a member).
    pub is_worker: bool,
    /// The matched person's employment and disability grade (the worker's
    /// from the file, a member's from the member's line).
    pub employment: Employment,
    pub disability_grade: Option<i32>,
    /// Wages and business income recorded for the month the row names.
    pub earnings_in_month: Option<Fen>,
    /// Medical expenditure recorded for the month the row names.
    pub medical_in_month: Option<Fen>,
}

/// The month a row's facts are about, when it names one (a contribution, a
/// bill): the service reads the file's figures of that month.
pub fn month_of(facts: &Facts) -> Option<Month> {
    facts.get("month").and_then(Value::month)
}

/// A row that disagrees with the file: the rule it touches and both sides,
/// in words an officer reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mismatch {
    pub concern: Concern,
    pub dataset_says: String,
    pub file_says: String,
}

fn yuan(n: i64) -> String {
    Fen(n).yuan_grouped()
}

/// Sets a matched row beside the file: `None` when they agree (or the row
/// touches no rule for a file in this state), else the [`Mismatch`].
pub fn check(dataset: Dataset, facts: &Facts, file: &FileSide, t: &Thresholds) -> Option<Mismatch> {
    let num = |k: &str| facts.get(k).and_then(Value::number);
    let who = if file.is_worker {
        "职工本人"
    } else {
        "家庭成员"
    };
    let on_file = matches!(file.status, Status::OnFile | Status::Relieved);
    let m = |concern: Concern, says: String, file_says: String| {
        Some(Mismatch {
            concern,
            dataset_says: says,
            file_says,
        })
    };
    match dataset {
        Dataset::Dibao | Dataset::Tekun => {
            let since = facts.get("since").and_then(Value::month);
            let says = match since {
                Some(s) => format!("{who}{} 起在{}", s, dataset.label()),
                None => format!("{who}在{}", dataset.label()),
            };
            if file.followed {
                // Back on social assistance after leaving: it may have fallen back.
                return m(
                    Concern::RelapseRisk,
                    says,
                    "档案已脱困，仍在跟踪期内".into(),
                );
            }
            let agrees = file.category == Category::Dibao && file.dibao_since.is_some();
            if agrees || !on_file {
                return None;
            }
            let file_says = format!(
                "档案类别为“{}”{}",
                file.category.label(),
                if file.dibao_since.is_none() {
                    "，未记录纳入低保月份"
                } else {
                    ""
                }
            );
            m(Concern::Dibao, says, file_says)
        }
        Dataset::Vehicle => {
            let value = num("value_fen")?;
            if value <= t.vehicle_value.0 || !on_file {
                return None;
            }
            m(
                Concern::Assets,
                format!("{who}名下车辆价值 {} 元", yuan(value)),
                format!("本地区车辆价值标准 {} 元", t.vehicle_value.yuan_grouped()),
            )
        }
        Dataset::Property => {
            let count = num("properties")?;
            let area = num("floor_area_m2")?;
            let size = i64::from(file.size.max(1));
            let per_person = area / size;
            if !on_file || (count <= t.properties && area <= t.floor_area_per_person * size) {
                return None;
            }
            m(
                Concern::Assets,
                format!("{who}名下房产 {count} 套，建筑面积合计 {area} 平方米"),
                format!(
                    "家庭 {} 人，人均 {per_person} 平方米；本地区标准：至多 {} 套、人均 {} 平方米",
                    file.size, t.properties, t.floor_area_per_person
                ),
            )
        }
        Dataset::Business => {
            if !on_file {
                return None;
            }
            let capital = num("registered_capital_fen")
                .map(|c| format!("，注册资本 {} 元", yuan(c)))
                .unwrap_or_default();
            let entity = facts
                .get("entity")
                .map(|e| format!("“{e}”"))
                .unwrap_or_default();
            m(
                Concern::UndeclaredIncome,
                format!("{who}登记有市场主体{entity}{capital}"),
                format!("档案就业状况为“{}”", file.employment.label()),
            )
        }
        Dataset::Insurance => {
            let base = num("base_fen")?;
            let month = month_of(facts)?;
            let earnings = file.earnings_in_month.map(|f| f.0).unwrap_or(0);
            let employed = matches!(file.employment, Employment::Employed | Employment::Flexible);
            if !on_file || (employed && earnings >= base) {
                return None;
            }
            m(
                Concern::UndeclaredIncome,
                format!("{who} {month} 有社会保险缴费，缴费基数 {} 元", yuan(base)),
                format!(
                    "档案就业状况为“{}”，{month} 工资和经营收入 {} 元",
                    file.employment.label(),
                    yuan(earnings)
                ),
            )
        }
        Dataset::Unemployment => {
            if file.followed {
                return m(
                    Concern::RelapseRisk,
                    format!("已脱困家庭的{who}登记失业"),
                    "档案已脱困，仍在跟踪期内".into(),
                );
            }
            let recorded = matches!(
                file.employment,
                Employment::Unemployed | Employment::LaidOff
            );
            if !on_file || recorded || !file.is_worker {
                return None;
            }
            m(
                Concern::Employment,
                format!("{who}登记失业"),
                format!("档案就业状况为“{}”", file.employment.label()),
            )
        }
        Dataset::Death => {
            // An exited file's follow-up needs no decision when someone dies.
            if !on_file {
                return None;
            }
            let on = facts
                .get("died_on")
                .and_then(Value::date)
                .map(|d| format!("于 {d} "))
                .unwrap_or_default();
            if file.is_worker {
                m(
                    Concern::WorkerDied,
                    format!("职工本人{on}死亡"),
                    format!("档案状态为“{}”", file.status.label()),
                )
            } else {
                m(
                    Concern::MemberDied,
                    format!("家庭成员{on}死亡"),
                    format!("档案家庭人口 {} 人，仍含该成员", file.size),
                )
            }
        }
        Dataset::Medical => {
            let amount = num("amount_fen")?;
            let month = month_of(facts)?;
            if file.followed {
                return m(
                    Concern::RelapseRisk,
                    format!("{who} {month} 个人自付医疗费用 {} 元", yuan(amount)),
                    "档案已脱困，仍在跟踪期内".into(),
                );
            }
            let recorded = file.medical_in_month.map(|f| f.0).unwrap_or(0);
            if !on_file || recorded >= amount {
                return None;
            }
            m(
                Concern::MedicalBill,
                format!("{who} {month} 个人自付医疗费用 {} 元", yuan(amount)),
                format!("档案 {month} 医疗支出 {} 元", yuan(recorded)),
            )
        }
        Dataset::Disability => {
            let grade = num("grade")?;
            let recorded = file.disability_grade.map(i64::from);
            if !on_file || recorded == Some(grade) {
                return None;
            }
            m(
                Concern::Disability,
                format!("{who}持残疾人证，{grade} 级"),
                match recorded {
                    Some(g) => format!("档案记录为 {g} 级"),
                    None => "档案未记录残疾".into(),
                },
            )
        }
        Dataset::Disaster => {
            let loss = num("loss_fen")
                .map(|l| format!("，损失 {} 元", yuan(l)))
                .unwrap_or_default();
            if file.followed {
                return m(
                    Concern::RelapseRisk,
                    format!("已脱困家庭受灾{loss}"),
                    "档案已脱困，仍在跟踪期内".into(),
                );
            }
            if !on_file || file.causes.contains(&HardshipCause::Disaster) {
                return None;
            }
            m(
                Concern::Disaster,
                format!("家庭受灾{loss}"),
                "档案致困原因未含“灾害”".into(),
            )
        }
    }
}

/// The checks of [`check`] that raise a warning (预警) for the responsible
/// person: every open finding on a household on file or still followed.
pub fn warns(file: &FileSide) -> bool {
    matches!(file.status, Status::OnFile | Status::Relieved) || file.followed
}

#[cfg(test)]
mod tests;
