//! The columns of the import workbook: one definition serves the template, the
//! parser and the error workbook.

use bangfu_domain::household::{
    EmployerKind, Employment, HardshipCause, Health, LabourCapacity, Relation, Schooling, Tier,
};
use bangfu_domain::identification::Category;

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
    pub(super) field: &'static str,
    /// What to type, for the 说明 sheet.
    pub note: &'static str,
    /// The value of the template's example row.
    pub example: &'static str,
    pub(super) options: Option<fn() -> Vec<&'static str>>,
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

pub(super) fn yes_no_options() -> Vec<&'static str> {
    vec!["是", "否"]
}

pub(super) fn grade_options() -> Vec<&'static str> {
    vec!["1", "2", "3", "4"]
}

pub(super) const fn col(
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

pub(super) const fn with(mut c: Column, options: Option<fn() -> Vec<&'static str>>) -> Column {
    c.options = options;
    c
}

pub(super) const YES_NO: Option<fn() -> Vec<&'static str>> =
    Some(yes_no_options as fn() -> Vec<&'static str>);
pub(super) const GRADES: Option<fn() -> Vec<&'static str>> =
    Some(grade_options as fn() -> Vec<&'static str>);

/// Column positions of the 家庭 sheet (index into [`HOUSEHOLD_COLUMNS`]).
pub(super) mod h {
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
    with(col("档案级别", true, Kind::Coded, "tier", "建档标准的级别：全国级、省级、地市级、区县级或基层。旧模板的“地方级”按建档工会的级别导入（全国总工会建档的为省级）", "全国级"), labels!(Tier)),
    col("建档日期", false, Kind::Date, "filed_on", "YYYY-MM-DD，不晚于今天；留空为导入当天", "2019-07-01"),
    col("享受低保起始月", false, Kind::Month, "dibao_since", "YYYY-MM；不享受低保的留空", ""),
    col("享受其他救助起始月", false, Kind::Month, "other_relief_since", "YYYY-MM；没有的留空", ""),
    col("备注", false, Kind::Text, "notes", "不超过 2000 字", ""),
];

/// Column positions of the 成员 sheet.
pub(super) mod m {
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
pub(super) mod i {
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

pub(super) const HH: usize = 0;
pub(super) const MEM: usize = 1;
pub(super) const INC: usize = 2;
