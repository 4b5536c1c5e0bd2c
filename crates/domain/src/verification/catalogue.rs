//! The catalogue of department datasets (数据集目录): what a department may
//! send, as an administrator keeps it.
//!
//! Each entry names a dataset (its code, label and department) and the
//! [`Dataset`] *kind* it follows: the kind says which fields a row has and
//! what a match means for a file ([`super::check`]). Rules stay in code —
//! a rule decides what an officer must do about a household, so it is
//! reviewed and tested like the rest of the programme's rules — while the
//! catalogue is data: a province adds, say, 住房公积金缴存 following the
//! rule of social-insurance contributions. The eleven built-in datasets are
//! the entries whose code is their kind's. Entries are never deleted: one no
//! longer received is deactivated, and what it brought keeps its label.

use super::Dataset;
use crate::household::parse_text;
use crate::ValidationError;

/// One dataset of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetEntry {
    /// Lowercase ASCII, unique; what batches and findings record.
    pub code: String,
    pub label: String,
    pub department: String,
    /// The rule it follows: its fields and what a match means.
    pub kind: Dataset,
    pub position: i32,
    /// Only an active dataset receives new batches.
    pub active: bool,
}

impl DatasetEntry {
    /// A built-in dataset as the catalogue ships it.
    pub fn builtin(kind: Dataset) -> Self {
        let position = Dataset::ALL
            .iter()
            .position(|d| *d == kind)
            .and_then(|i| i32::try_from(i + 1).ok())
            .unwrap_or(0);
        Self {
            code: kind.code().to_owned(),
            label: kind.label().to_owned(),
            department: kind.department().to_owned(),
            kind,
            position,
            active: true,
        }
    }

    /// A built-in dataset: its code is its kind's.
    pub fn is_builtin(&self) -> bool {
        self.code == self.kind.code()
    }
}

impl Dataset {
    /// What a match means for a file under this kind's rule, in a sentence
    /// an administrator reads when choosing the rule of a new dataset (the
    /// rule itself is [`super::check`]).
    pub fn meaning(self) -> &'static str {
        match self {
            Dataset::Dibao | Dataset::Tekun => {
                "在档家庭未记为低保户或未记录纳入低保月份 → 核实类别（可按社会救助兜底脱困）；已脱困、仍在跟踪期 → 返困风险"
            }
            Dataset::Vehicle => "车辆价值超过本地区标准（默认 10 万元）→ 识别存疑",
            Dataset::Property => {
                "房产套数或人均建筑面积超过本地区标准（默认 1 套、人均 40 平方米）→ 识别存疑"
            }
            Dataset::Business => "登记有市场主体 → 可能有未申报的就业或经营收入",
            Dataset::Insurance => {
                "有缴费记录，而档案未记为就业、或当月工资和经营收入低于缴费基数 → 可能有未申报的收入"
            }
            Dataset::Unemployment => {
                "职工登记失业而档案记为就业 → 更正就业状况；已脱困、仍在跟踪期 → 返困风险"
            }
            Dataset::Death => "职工本人死亡 → 退出（清退）；家庭成员死亡 → 更正家庭人口",
            Dataset::Medical => {
                "档案当月医疗支出低于个人自付金额 → 录入当月刚性支出；已脱困、仍在跟踪期 → 返困风险"
            }
            Dataset::Disability => "残疾等级与档案不符 → 更正档案",
            Dataset::Disaster => {
                "档案致困原因未含“灾害” → 更正档案；已脱困、仍在跟踪期 → 返困风险"
            }
        }
    }
}

/// The longest label and department name.
pub const MAX_LABEL: usize = 30;
pub const MAX_DEPARTMENT: usize = 50;

/// A dataset's code: 2–40 lowercase ASCII letters, digits or underscores,
/// starting with a letter (e.g. `provident_fund`).
pub fn parse_dataset_code(raw: &str) -> Result<String, ValidationError> {
    crate::household::parse_code(raw, 2, "provident_fund")
}

/// The kind a new dataset follows, by its code or label (field `kind`).
pub fn parse_kind(raw: &str) -> Result<Dataset, ValidationError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(ValidationError::new("kind", "请选择适用的核对规则"));
    }
    Dataset::parse(s).map_err(|_| {
        ValidationError::new(
            "kind",
            format!(
                "没有“{s}”这一核对规则，可选：{}",
                Dataset::ALL
                    .iter()
                    .map(|d| d.code())
                    .collect::<Vec<_>>()
                    .join("、")
            ),
        )
    })
}

/// A dataset's label (field `label`).
pub fn parse_label(raw: &str) -> Result<String, ValidationError> {
    parse_text("label", "数据集名称", raw, true, MAX_LABEL)
}

/// The department that keeps a dataset (field `department`).
pub fn parse_department(raw: &str) -> Result<String, ValidationError> {
    parse_text("department", "提供部门", raw, true, MAX_DEPARTMENT)
}

/// The entry a code (or label) names, active or not; refused naming the
/// field `dataset` when the catalogue has none.
pub fn find<'a>(
    entries: &'a [DatasetEntry],
    raw: &str,
) -> Result<&'a DatasetEntry, ValidationError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(ValidationError::new("dataset", "请选择数据集"));
    }
    entries
        .iter()
        .find(|e| e.code == s)
        .or_else(|| entries.iter().find(|e| e.label == s))
        .ok_or_else(|| {
            ValidationError::new(
                "dataset",
                format!("没有“{s}”这一数据集，请从数据集目录中选择"),
            )
        })
}

/// The active entry a code (or label) names: what a new batch may be.
/// An unknown or deactivated dataset is refused naming the field `dataset`.
pub fn resolve<'a>(
    entries: &'a [DatasetEntry],
    raw: &str,
) -> Result<&'a DatasetEntry, ValidationError> {
    let e = find(entries, raw)?;
    if e.active {
        Ok(e)
    } else {
        Err(ValidationError::new(
            "dataset",
            format!("数据集“{}”（{}）已停用，不再接收新的批次", e.label, e.code),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalogue() -> Vec<DatasetEntry> {
        let mut all: Vec<DatasetEntry> = Dataset::ALL
            .iter()
            .map(|d| DatasetEntry::builtin(*d))
            .collect();
        all.push(DatasetEntry {
            code: "provident_fund".into(),
            label: "住房公积金缴存".into(),
            department: "住房公积金管理中心".into(),
            kind: Dataset::Insurance,
            position: 12,
            active: true,
        });
        all.push(DatasetEntry {
            code: "old_roll".into(),
            label: "旧名单".into(),
            department: "民政部门".into(),
            kind: Dataset::Dibao,
            position: 13,
            active: false,
        });
        all
    }

    #[test]
    fn builtins_are_their_kinds() {
        for d in Dataset::ALL {
            let e = DatasetEntry::builtin(*d);
            assert!(e.is_builtin());
            assert_eq!((e.code.as_str(), e.label.as_str()), (d.code(), d.label()));
        }
        assert_eq!(DatasetEntry::builtin(Dataset::Dibao).position, 1);
        assert!(!catalogue()[11].is_builtin());
        assert!(Dataset::ALL.iter().all(|d| d.meaning().contains('→')));
    }

    #[test]
    fn codes() {
        for ok in ["provident_fund", "ab", "x1", "a_b_2"] {
            assert!(parse_dataset_code(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "a",
            "Fund",
            "1abc",
            "a-b",
            "公积金",
            "a b",
            &"a".repeat(41),
        ] {
            let e = parse_dataset_code(bad).unwrap_err();
            assert_eq!(e.field, "code", "{bad}");
        }
    }

    #[test]
    fn kinds_by_code_or_label() {
        assert_eq!(parse_kind("social_insurance").unwrap(), Dataset::Insurance);
        assert_eq!(parse_kind("社会保险缴费").unwrap(), Dataset::Insurance);
        assert_eq!(parse_kind("weather").unwrap_err().field, "kind");
        assert_eq!(parse_kind(" ").unwrap_err().field, "kind");
    }

    #[test]
    fn a_code_resolves_to_its_entry_and_kind() {
        let all = catalogue();
        let e = resolve(&all, "provident_fund").unwrap();
        assert_eq!(e.kind, Dataset::Insurance);
        assert_eq!(
            resolve(&all, "住房公积金缴存").unwrap().code,
            "provident_fund"
        );
        assert_eq!(resolve(&all, " death ").unwrap().kind, Dataset::Death);
    }

    #[test]
    fn unknown_and_inactive_datasets_are_refused_naming_the_field() {
        let all = catalogue();
        for raw in ["weather", "", "old_roll"] {
            assert_eq!(resolve(&all, raw).unwrap_err().field, "dataset", "{raw}");
        }
        assert!(resolve(&all, "old_roll")
            .unwrap_err()
            .message
            .contains("已停用"));
        // Lists still name an inactive dataset.
        assert_eq!(find(&all, "old_roll").unwrap().label, "旧名单");
    }
}
