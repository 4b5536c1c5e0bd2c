//! Cells to the text the rules parse, per kind of column.

use bangfu_domain::{Month, ValidationError};
use chrono::{NaiveDate, NaiveDateTime};

use super::template::Kind;
use super::workbook::Cell;

pub(super) fn number_text(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{f:.0}")
    } else {
        f.to_string()
    }
}

pub(super) fn date_text(d: &NaiveDateTime) -> String {
    if d.time() == chrono::NaiveTime::MIN {
        d.format("%Y-%m-%d").to_string()
    } else {
        d.format("%Y-%m-%d %H:%M:%S").to_string()
    }
}

/// The text a rule parses, from a cell of a column of `kind`, or why the
/// cell cannot be read at all.
pub(super) fn text_of(cell: &Cell, kind: Kind) -> Result<String, String> {
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

pub(super) fn number_for(f: f64, kind: Kind) -> Result<String, String> {
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

pub(super) fn parse_yes_no(field: &'static str, s: &str) -> Result<bool, ValidationError> {
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

pub(super) fn parse_grade(field: &'static str, s: &str) -> Result<Option<i32>, ValidationError> {
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

pub(super) fn parse_date(
    field: &'static str,
    s: &str,
    today: NaiveDate,
) -> Result<(), ValidationError> {
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

pub(super) fn month_opt(field: &'static str, s: &str) -> Result<Option<Month>, ValidationError> {
    if s.trim().is_empty() {
        Ok(None)
    } else {
        Month::parse(field, s).map(Some)
    }
}

/// An ID number as typed, for matching rows: trimmed, upper-case X.
pub(super) fn id_key(s: &str) -> String {
    s.trim().to_ascii_uppercase()
}
