//! The household file (一户一档, docs/rules.md §2): the worker, the members they
//! support, the causes of hardship and the labels the programme reports by.
//!
//! Every coded field is a closed list with a stable code (stored and sent
//! over the API) and a Chinese label (shown and accepted from Excel), so a
//! spreadsheet typed by a person and a script both reach the same value.

use crate::disclosure::MaskedId;
use crate::id_number::mask_phone;
use crate::identification::Category;
use crate::{Disclosure, Fen, Masked, Month, Stored, ValidationError};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct HouseholdId(pub i64);

impl fmt::Display for HouseholdId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A closed list of codes with Chinese labels. `parse` accepts the code or
/// the label, so a value typed into Excel in Chinese is understood.
macro_rules! coded {
    ($(#[$meta:meta])* $name:ident, $field:literal, $what:literal { $($(#[$vmeta:meta])* $variant:ident = $code:literal, $label:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)+
                }
            }

            pub fn parse(raw: &str) -> Result<Self, ValidationError> {
                let s = raw.trim();
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.code() == s || v.label() == s)
                    .ok_or_else(|| {
                        let options: Vec<&str> = Self::ALL.iter().map(|v| v.label()).collect();
                        ValidationError::new(
                            $field,
                            format!("{}“{}”无效，可选：{}", $what, s, options.join("、")),
                        )
                    })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}
pub(crate) use coded;

coded!(
    /// Where the file stands (docs/rules.md §5). Only `OnFile` counts as "on
    /// file" in the statistics; the others left it by an approved decision.
    Status, "status", "档案状态" {
        /// 在档: on file, receiving assistance.
        OnFile = "on_file", "在档";
        /// 已关闭: closed before exits existed (kept for old data).
        Closed = "closed", "已关闭";
        /// 已脱困: out of hardship, followed for a period afterwards.
        Exited = "exited", "已脱困";
        /// 已解困: relieved; stays under regular assistance and monitoring.
        Relieved = "relieved", "已解困";
        /// 已退出: removed by a re-check, or closed for death or moving away.
        Removed = "removed", "已退出";
    }
);

impl Status {
    /// Whether assistance may still be given and recorded: a relieved
    /// household stays under the union's regular assistance (001 §四(二)).
    pub fn under_assistance(self) -> bool {
        matches!(self, Status::OnFile | Status::Relieved)
    }

    /// Whether monthly incomes may still be recorded: exited and relieved
    /// households are followed (docs/rules.md §5).
    pub fn followed(self) -> bool {
        matches!(self, Status::OnFile | Status::Relieved | Status::Exited)
    }
}

coded!(
    /// 致困原因 (003 §二); several may apply.
    HardshipCause, "causes", "致困原因" {
        Illness = "illness", "患病";
        Disability = "disability", "残疾";
        Disaster = "disaster", "灾害";
        Accident = "accident", "意外事故";
        Schooling = "schooling", "子女上学";
        Unemployment = "unemployment", "失业下岗";
        Entitlements = "entitlements", "社保或待遇未落实";
        LowWage = "low_wage", "工资收入低";
        Other = "other", "其他";
    }
);

coded!(
    /// 建档标准 (docs/rules.md §2): the level whose standard the file meets.
    /// A report splits 全国级 from 地方级, the four levels below it (000);
    /// the mapping to union levels and reporting up are in `crate::filing`.
    Tier, "tier", "档案级别" {
        National = "national", "全国级";
        Province = "province", "省级";
        City = "city", "地市级";
        County = "county", "区县级";
        Grassroots = "grassroots", "基层";
    }
);

coded!(
    /// 存量 (filed on or before the cut-off) or 增量库 (after it), 001 §二.
    Cohort, "cohort", "档案批次" {
        Baseline = "baseline", "存量";
        Incremental = "incremental", "增量库";
    }
);

coded!(
    Relation, "relation", "与职工关系" {
        Spouse = "spouse", "配偶";
        Child = "child", "子女";
        Parent = "parent", "父母";
        ParentInLaw = "parent_in_law", "岳父母/公婆";
        Sibling = "sibling", "兄弟姐妹";
        Grandchild = "grandchild", "孙子女/外孙子女";
        Grandparent = "grandparent", "祖父母/外祖父母";
        Other = "other", "其他";
    }
);

coded!(
    Health, "health", "健康状况" {
        Healthy = "healthy", "健康";
        Chronic = "chronic", "慢性病";
        Serious = "serious", "重大疾病";
        Disabled = "disabled", "残疾";
    }
);

coded!(
    Schooling, "schooling", "就学阶段" {
        NotInSchool = "not_in_school", "不在学";
        Preschool = "preschool", "学前";
        Primary = "primary", "小学";
        Junior = "junior", "初中";
        Senior = "senior", "高中/中职";
        College = "college", "大专/高职";
        Bachelor = "bachelor", "本科";
        Graduate = "graduate", "研究生";
    }
);

coded!(
    Employment, "employment", "就业状况" {
        Employed = "employed", "在岗";
        Flexible = "flexible", "灵活就业";
        Unemployed = "unemployed", "失业";
        LaidOff = "laid_off", "下岗";
        Retired = "retired", "退休";
        NotWorking = "not_working", "无业或不在劳动年龄";
    }
);

coded!(
    LabourCapacity, "labour_capacity", "劳动能力" {
        Full = "full", "有劳动能力";
        Partial = "partial", "部分丧失劳动能力";
        None = "none", "完全丧失劳动能力";
    }
);

coded!(
    EmployerKind, "employer_kind", "单位性质" {
        StateOwned = "state_owned", "国有企业";
        Collective = "collective", "集体企业";
        Private = "private", "民营企业";
        Foreign = "foreign", "外资企业";
        Institution = "institution", "机关事业单位";
        SocialOrg = "social_org", "社会组织";
        SelfEmployed = "self_employed", "个体工商户";
        Other = "other", "其他";
    }
);

coded!(
    /// The latest identification of a file, kept on it so lists can filter by it.
    Decision, "decision", "识别结论" {
        Eligible = "eligible", "符合建档条件";
        NotEligible = "not_eligible", "不符合建档条件";
        Insufficient = "insufficient", "收入数据不足";
    }
);

/// One month's household income and rigid expenditure, with the breakdown
/// an officer records (docs/rules.md §3): disposable income is wages, business,
/// property and transfer income; rigid (non-living) expenditure is
/// out-of-pocket medical costs, schooling and emergencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthlyIncome {
    pub month: Month,
    pub wages: Fen,
    pub business: Fen,
    pub property: Fen,
    pub transfer: Fen,
    pub medical: Fen,
    pub schooling: Fen,
    pub emergency: Fen,
}

impl MonthlyIncome {
    pub fn empty(month: Month) -> Self {
        Self {
            month,
            wages: Fen::ZERO,
            business: Fen::ZERO,
            property: Fen::ZERO,
            transfer: Fen::ZERO,
            medical: Fen::ZERO,
            schooling: Fen::ZERO,
            emergency: Fen::ZERO,
        }
    }

    /// Household disposable income of the month.
    pub fn income(&self) -> Fen {
        self.wages + self.business + self.property + self.transfer
    }

    /// Rigid (non-living) expenditure of the month.
    pub fn rigid(&self) -> Fen {
        self.medical + self.schooling + self.emergency
    }

    /// Refuses negative parts (a typed value is parsed by `Fen::parse_yuan`,
    /// which refuses them too; this guards the API's integer fen).
    pub fn validate(self) -> Result<Self, ValidationError> {
        let parts = [
            self.wages,
            self.business,
            self.property,
            self.transfer,
            self.medical,
            self.schooling,
            self.emergency,
        ];
        if parts.iter().any(|f| f.0 < 0) {
            return Err(ValidationError::new(
                "incomes",
                format!("{} 的金额不能为负数", self.month),
            ));
        }
        if parts.iter().any(|f| f.0 > MAX_MONTHLY_FEN) {
            return Err(ValidationError::new(
                "incomes",
                format!("{} 的金额过大，请核对（单位为元）", self.month),
            ));
        }
        Ok(self)
    }
}

/// No household part of a month exceeds ten million yuan; larger is a typo.
pub const MAX_MONTHLY_FEN: i64 = 1_000_000_000;

/// A family member living with the worker and supported by them (供养人口).
///
/// `D` says whether the ID number is the stored one or the masked text
/// (see [`crate::disclosure`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member<D: Disclosure = Stored> {
    pub name: String,
    pub id_number: Option<D::IdNumber>,
    pub relation: Relation,
    pub health: Health,
    pub disability_grade: Option<i32>,
    pub schooling: Schooling,
    pub employment: Employment,
    /// The member's own monthly income, for reference (the household's
    /// monthly figures are what identification uses).
    pub income: Fen,
}

/// The fields of a file that a person enters, already validated.
///
/// `D` says whether the worker's ID number and phone are as stored or
/// masked for a reader (see [`crate::disclosure`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HouseholdData<D: Disclosure = Stored> {
    pub worker_name: String,
    pub worker_id_number: D::IdNumber,
    /// Masked with the ID number.
    pub phone: String,
    pub address: String,
    pub division_code: String,
    pub employer: String,
    pub employer_kind: EmployerKind,
    pub employment: Employment,
    pub labour_capacity: LabourCapacity,
    pub health: Health,
    pub disability_grade: Option<i32>,
    pub migrant: bool,
    pub zero_employment: bool,
    pub closure_laid_off: bool,
    pub trade_friction: bool,
    pub causes: Causes,
    pub category: Category,
    pub tier: Tier,
    pub filed_on: NaiveDate,
    pub dibao_since: Option<Month>,
    pub other_relief_since: Option<Month>,
    pub notes: String,
}

impl<D: Disclosure> HouseholdData<D> {
    /// Whether the household receives 低保 in `month`.
    pub fn on_dibao_in(&self, month: Month) -> bool {
        self.dibao_since.is_some_and(|s| s <= month)
    }
}

impl HouseholdData {
    /// The file as a reader sees it: ID number and phone masked.
    pub fn masked(self) -> HouseholdData<Masked> {
        HouseholdData {
            worker_name: self.worker_name,
            worker_id_number: MaskedId::of(&self.worker_id_number),
            phone: mask_phone(&self.phone),
            address: self.address,
            division_code: self.division_code,
            employer: self.employer,
            employer_kind: self.employer_kind,
            employment: self.employment,
            labour_capacity: self.labour_capacity,
            health: self.health,
            disability_grade: self.disability_grade,
            migrant: self.migrant,
            zero_employment: self.zero_employment,
            closure_laid_off: self.closure_laid_off,
            trade_friction: self.trade_friction,
            causes: self.causes,
            category: self.category,
            tier: self.tier,
            filed_on: self.filed_on,
            dibao_since: self.dibao_since,
            other_relief_since: self.other_relief_since,
            notes: self.notes,
        }
    }
}

impl Member {
    /// The member as a reader sees them: ID number masked.
    pub fn masked(self) -> Member<Masked> {
        Member {
            name: self.name,
            id_number: self.id_number.as_ref().map(MaskedId::of),
            relation: self.relation,
            health: self.health,
            disability_grade: self.disability_grade,
            schooling: self.schooling,
            employment: self.employment,
            income: self.income,
        }
    }
}

/// A refusal about the `n`th member of a form (from 1), field `members`:
/// "第 n 位家庭成员：…". [`member_of`] reads the number back, so a page can
/// show the refusal beside that member's row.
pub fn member_refusal(n: usize, message: &str) -> ValidationError {
    ValidationError::new("members", format!("第 {n} 位家庭成员：{message}"))
}

/// Which member (from 1) a refusal of field `members` is about, if one.
pub fn member_of(e: &ValidationError) -> Option<usize> {
    if e.field != "members" {
        return None;
    }
    let rest = e.message.strip_prefix("第 ")?;
    let (n, tail) = rest.split_once(' ')?;
    tail.starts_with("位家庭成员").then(|| n.parse().ok())?
}

/// The cross-field rules of a file and its members: nobody twice, the
/// worker not listed as a member.
pub fn check_people(data: &HouseholdData, members: &[Member]) -> Result<(), ValidationError> {
    let mut seen = vec![data.worker_id_number.as_str().to_owned()];
    for (i, m) in members.iter().enumerate() {
        if let Some(id) = &m.id_number {
            if seen.iter().any(|s| s == id.as_str()) {
                return Err(ValidationError::new(
                    "members",
                    format!(
                        "第 {} 位家庭成员（{}）的身份证号码与职工或其他成员重复",
                        i + 1,
                        m.name
                    ),
                ));
            }
            seen.push(id.as_str().to_owned());
        }
    }
    if members.len() > 20 {
        return Err(ValidationError::new("members", "家庭成员不能超过 20 人"));
    }
    Ok(())
}

/// The set of causes, stored as `,illness,schooling,` so one `LIKE
/// '%,illness,%'` finds every file with a cause.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(transparent)]
pub struct Causes(Vec<HardshipCause>);

impl Causes {
    pub fn new(causes: impl IntoIterator<Item = HardshipCause>) -> Result<Self, ValidationError> {
        let mut v: Vec<HardshipCause> = causes.into_iter().collect();
        v.sort();
        v.dedup();
        if v.is_empty() {
            return Err(ValidationError::new("causes", "至少选择一项致困原因"));
        }
        Ok(Self(v))
    }

    /// Codes or labels separated by commas, 、, ；, spaces (as typed in Excel).
    pub fn parse_list(raw: &str) -> Result<Self, ValidationError> {
        let parts = raw
            .split(|c: char| matches!(c, ',' | '，' | '、' | ';' | '；' | '/') || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(HardshipCause::parse)
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(parts)
    }

    pub fn stored(&self) -> String {
        let mut s = String::from(",");
        for c in &self.0 {
            s.push_str(c.code());
            s.push(',');
        }
        s
    }

    /// Reads the stored form back; unknown codes are skipped.
    pub fn from_stored(s: &str) -> Self {
        Self(
            s.split(',')
                .filter_map(|c| HardshipCause::parse(c).ok())
                .collect(),
        )
    }

    pub fn contains(&self, c: HardshipCause) -> bool {
        self.0.contains(&c)
    }

    pub fn iter(&self) -> impl Iterator<Item = HardshipCause> + '_ {
        self.0.iter().copied()
    }

    pub fn labels(&self) -> String {
        self.0
            .iter()
            .map(|c| c.label())
            .collect::<Vec<_>>()
            .join("、")
    }

    /// The pattern that finds one cause in the stored column.
    pub fn like_one(c: HardshipCause) -> String {
        format!("%,{},%", c.code())
    }
}

/// The baseline cut-off of 001 §二: files made on or before it are the
/// baseline cohort (存量) that the yearly targets count.
pub const DEFAULT_BASELINE_CUTOFF: (i32, u32, u32) = (2016, 10, 31);

pub fn default_baseline_cutoff() -> NaiveDate {
    let (y, m, d) = DEFAULT_BASELINE_CUTOFF;
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

impl Cohort {
    /// Filed on or before the cut-off: baseline; after it: incremental pool.
    pub fn of(filed_on: NaiveDate, cutoff: NaiveDate) -> Cohort {
        if filed_on <= cutoff {
            Cohort::Baseline
        } else {
            Cohort::Incremental
        }
    }
}

/// A person's name as filed: 1–50 characters, no control characters.
pub fn parse_name(field: &'static str, raw: &str) -> Result<String, ValidationError> {
    let s = raw.trim();
    let n = s.chars().count();
    if n == 0 {
        return Err(ValidationError::new(field, "请填写姓名"));
    }
    if n > 50 || s.chars().any(char::is_control) {
        return Err(ValidationError::new(
            field,
            "姓名不能超过 50 个字符，且不能含控制字符",
        ));
    }
    Ok(s.to_owned())
}

/// A catalogue code (of the dictionary, of a dataset): `min`–40 lowercase
/// ASCII letters, digits or underscores, starting with a letter, so it can
/// stand in a URL, a file's column and a script unchanged. `example` is shown
/// in the refusal.
pub fn parse_code(raw: &str, min: usize, example: &str) -> Result<String, ValidationError> {
    let s = raw.trim();
    let ok = (min.max(1)..=40).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        return Ok(s.to_owned());
    }
    let length = if min > 1 {
        format!("{min} 到 40 个字符")
    } else {
        "不超过 40 个字符".to_owned()
    };
    Err(ValidationError::new(
        "code",
        format!("代码只能由小写英文字母、数字和下划线组成（以字母开头，{length}），如 {example}"),
    ))
}

/// Free text with a length limit (address, employer, notes).
pub fn parse_text(
    field: &'static str,
    what: &str,
    raw: &str,
    required: bool,
    max: usize,
) -> Result<String, ValidationError> {
    let s = raw.trim();
    if required && s.is_empty() {
        return Err(ValidationError::new(field, format!("请填写{what}")));
    }
    if s.chars().count() > max {
        return Err(ValidationError::new(
            field,
            format!("{what}不能超过 {max} 个字符"),
        ));
    }
    if s.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(ValidationError::new(
            field,
            format!("{what}含有不可见的控制字符"),
        ));
    }
    Ok(s.to_owned())
}

/// A phone number: a mainland mobile (11 digits starting with 1[3-9]) or a
/// landline with area code (`020-12345678`, 7–8 digits after a 3–4 digit
/// code); spaces and dashes are tolerated and stripped for mobiles.
pub fn parse_phone(field: &'static str, raw: &str) -> Result<String, ValidationError> {
    let s: String = raw.trim().chars().filter(|c| *c != ' ').collect();
    let digits: String = s.chars().filter(|c| *c != '-').collect();
    let all_digits = !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit());
    let mobile = all_digits
        && digits.len() == 11
        && digits.starts_with('1')
        && digits
            .as_bytes()
            .get(1)
            .is_some_and(|b| (b'3'..=b'9').contains(b));
    if mobile {
        return Ok(digits);
    }
    let landline = all_digits
        && digits.starts_with('0')
        && (10..=12).contains(&digits.len())
        && s.matches('-').count() <= 2;
    if landline {
        return Ok(s);
    }
    Err(ValidationError::new(
        field,
        "联系电话应为 11 位手机号码，或带区号的固定电话（如 020-12345678）",
    ))
}

/// 残疾等级 1–4 (一级最重), only for someone whose health is 残疾.
pub fn parse_disability_grade(
    health: Health,
    raw: Option<i32>,
) -> Result<Option<i32>, ValidationError> {
    match (health, raw) {
        (Health::Disabled, Some(g)) if (1..=4).contains(&g) => Ok(Some(g)),
        (Health::Disabled, Some(_)) => Err(ValidationError::new(
            "disability_grade",
            "残疾等级应为 1–4 级",
        )),
        (Health::Disabled, None) => Err(ValidationError::new(
            "disability_grade",
            "健康状况为残疾时须填写残疾等级（1–4 级）",
        )),
        (_, _) => Ok(None),
    }
}

/// A file number: the region code, the filing year and a sequence within
/// them, e.g. `440103-2019-00042` without the dashes: `440103201900042`.
pub fn file_no(division_code: &str, year: i32, seq: i64) -> String {
    format!("{division_code}{year}{seq:05}")
}

/// The counter a file number is drawn from.
pub fn file_no_prefix(division_code: &str, year: i32) -> String {
    format!("{division_code}{year}")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn codes_and_labels_parse() {
        for c in HardshipCause::ALL {
            assert_eq!(HardshipCause::parse(c.code()), Ok(*c));
            assert_eq!(HardshipCause::parse(c.label()), Ok(*c));
        }
        let e = Relation::parse("邻居").unwrap_err();
        assert_eq!(e.field, "relation");
        assert!(e.message.contains("配偶"));
    }

    #[test]
    fn causes_round_trip_and_dedupe() {
        let c = Causes::parse_list("患病、illness，子女上学").unwrap();
        assert_eq!(c.stored(), ",illness,schooling,");
        assert_eq!(Causes::from_stored(&c.stored()), c);
        assert!(Causes::parse_list(" ").is_err());
        assert!(Causes::parse_list("患病,打牌").is_err());
    }

    #[test]
    fn cohort_from_cutoff() {
        let cut = default_baseline_cutoff();
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(Cohort::of(d(2016, 10, 31), cut), Cohort::Baseline);
        assert_eq!(Cohort::of(d(2016, 11, 1), cut), Cohort::Incremental);
    }

    #[test]
    fn phones() {
        assert_eq!(parse_phone("p", "138 0013 8000").unwrap(), "13800138000");
        assert_eq!(parse_phone("p", "020-12345678").unwrap(), "020-12345678");
        for bad in ["", "12345", "12800138000", "1380013800a", "138001380001"] {
            assert!(parse_phone("p", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn disability_grade_only_for_disabled() {
        assert_eq!(parse_disability_grade(Health::Healthy, Some(2)), Ok(None));
        assert_eq!(
            parse_disability_grade(Health::Disabled, Some(2)),
            Ok(Some(2))
        );
        assert!(parse_disability_grade(Health::Disabled, Some(5)).is_err());
        assert!(parse_disability_grade(Health::Disabled, None).is_err());
    }

    #[test]
    fn file_numbers() {
        assert_eq!(file_no("440103", 2019, 42), "440103201900042");
        assert_eq!(file_no_prefix("440103", 2019), "4401032019");
    }

    #[test]
    fn a_member_refusal_names_its_row() {
        let e = member_refusal(3, "姓名不能为空");
        assert_eq!(e.field, "members");
        assert_eq!(e.message, "第 3 位家庭成员：姓名不能为空");
        assert_eq!(member_of(&e), Some(3));
        assert_eq!(
            member_of(&ValidationError::new(
                "members",
                "第 12 位家庭成员（李四）的身份证号码与职工或其他成员重复"
            )),
            Some(12)
        );
        assert_eq!(
            member_of(&ValidationError::new("members", "家庭成员不能超过 20 人")),
            None
        );
        assert_eq!(
            member_of(&ValidationError::new("phone", "第 1 位家庭成员：x")),
            None
        );
    }
}
