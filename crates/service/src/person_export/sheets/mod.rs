//! The copy laid out: one sheet per area, Chinese headings. The person's
//! own values are in full; the ID numbers (and a worker's phone) of the
//! other people on their files are masked as everywhere else, because they
//! are not the person's to receive.

use super::gather::{FileHeld, Held};
use super::{Cell, PersonExport, Sheet};
use crate::Actor;
use bangfu_domain::application::application_no;
use bangfu_domain::assistance::Catalogue;
use bangfu_domain::household::Decision;
use bangfu_domain::id_number::{mask_id_number, mask_phone};
use bangfu_domain::leaving::exit_no;
use bangfu_domain::{Fen, IdNumber};
use chrono::{Duration, NaiveDate, NaiveDateTime};

mod file;
mod help;
mod requests;

use self::{file::*, help::*, requests::*};

/// The workbook's sheets: 说明 first, then one per area (empty areas too,
/// so every copy has the same layout).
pub(super) fn export(
    held: &Held,
    actor: &Actor,
    id: &IdNumber,
    reason: &str,
    at: NaiveDateTime,
) -> PersonExport {
    let areas = vec![
        files(held, id),
        members(held, id),
        incomes(held),
        identification(held),
        decisions(held),
        decision_steps(held),
        applications(held, id),
        application_steps(held, id),
        temporary(held, id),
        pairings(held),
        plans(held),
        measures(held),
        visits(held),
        assistance(held),
        subsidies(held),
        referrals(held),
        findings(held, id),
        transfers(held),
    ];
    let mut sheets = vec![about(held, actor, id, reason, at, &areas)];
    sheets.extend(areas);
    PersonExport {
        id_masked: id.masked(),
        sheets,
    }
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn opt_text(s: Option<impl Into<String>>) -> Cell {
    s.map_or(Cell::Empty, text)
}

fn date(d: NaiveDate) -> Cell {
    Cell::Date(d)
}

fn opt_date(d: Option<NaiveDate>) -> Cell {
    d.map_or(Cell::Empty, Cell::Date)
}

/// A stored instant (UTC) as China Standard Time.
fn time(t: NaiveDateTime) -> Cell {
    Cell::Time(t + Duration::hours(8))
}

fn opt_time(t: Option<NaiveDateTime>) -> Cell {
    t.map_or(Cell::Empty, time)
}

fn money(f: Fen) -> Cell {
    Cell::Money(f)
}

fn int(n: impl Into<i64>) -> Cell {
    Cell::Int(n.into())
}

fn yes_no(b: bool) -> Cell {
    text(if b { "是" } else { "否" })
}

/// An ID number on the copy: the person's own in full, anyone else's masked.
fn id_cell(own: &IdNumber, number: &str) -> Cell {
    if number == own.as_str() {
        text(number)
    } else {
        text(mask_id_number(number))
    }
}

/// Free text (a stored form, a department's row as JSON) with every ID
/// number in it but the person's own masked: each run of 18 digits (the
/// last may be an X) that is not theirs.
fn others_masked(own: &IdNumber, raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() == 18 && run != own.as_str() {
            out.push_str(&mask_id_number(run));
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for ch in raw.chars() {
        if ch.is_ascii_digit() || ch == 'X' || ch == 'x' {
            run.push(ch);
        } else {
            flush(&mut run, &mut out);
            out.push(ch);
        }
    }
    flush(&mut run, &mut out);
    out
}

fn sheet(name: &'static str, headers: &[&'static str], rows: Vec<Vec<Cell>>) -> Sheet {
    Sheet {
        name,
        headers: headers.to_vec(),
        rows,
    }
}

/// Each file of the copy with what `f` makes of it, in file order.
fn per_file(held: &Held, mut f: impl FnMut(&FileHeld, &mut Vec<Vec<Cell>>)) -> Vec<Vec<Cell>> {
    let mut rows = Vec::new();
    for file in &held.files {
        f(file, &mut rows);
    }
    rows
}

fn file_no(file: &FileHeld) -> Cell {
    text(file.household.file_no.clone())
}

/// A linked file by its number (none: outside the scope, so not named).
fn linked(held: &Held, id: Option<bangfu_domain::household::HouseholdId>) -> Cell {
    match id {
        Some(h) => text(held.file_no(h).unwrap_or_else(|| "（不在本范围内）".into())),
        None => Cell::Empty,
    }
}

fn about(
    held: &Held,
    actor: &Actor,
    id: &IdNumber,
    reason: &str,
    at: NaiveDateTime,
    areas: &[Sheet],
) -> Sheet {
    let u = &actor.user;
    let mut rows = vec![
        vec![
            text("文件"),
            text("个人信息副本（依据《中华人民共和国个人信息保护法》第四十五条，个人有权查阅、复制其个人信息）"),
        ],
        vec![text("姓名"), text(held.name.clone())],
        vec![text("身份证号码"), text(id.as_str())],
        vec![
            text("生成人"),
            text(format!(
                "{}（用户名 {}），{}",
                u.display_name, u.username, u.union_name
            )),
        ],
        vec![text("生成时间（北京时间）"), time(at)],
        vec![text("导出理由"), text(reason)],
        vec![
            text("查询范围"),
            text(format!("{}及其下级工会", u.union_name)),
        ],
        vec![
            text("内容"),
            text("帮扶系统在上述范围内保存的与本人有关的全部信息：本人作为职工或家庭成员所在的全部档案（含已关闭、已退出、已合并的档案，以及返困重新建档前后的档案）及其家庭成员、月收入、识别结论、退出决定、结对帮扶、帮扶计划和措施、入户走访、帮扶记录、常态化补助、需求推送、档案转移，涉及本人的部门核对发现，本人提交的建档申请和本人的临时救助档案。"),
        ],
        vec![
            text("注意"),
            text("本文件中的证件号码、电话和住址均未脱敏，仅供交给本人，请妥善保管。本次导出已记入操作日志。金额单位为元（保留两位小数）。"),
        ],
        Vec::new(),
        vec![text("工作表"), text("行数")],
    ];
    for s in areas {
        let n = i64::try_from(s.rows.len()).unwrap_or(i64::MAX);
        rows.push(vec![text(s.name), int(n)]);
    }
    sheet("说明", &["项目", "内容"], rows)
}

/// The identification condition met, written 一 to 五 (+五 for a migrant).
fn condition(d: Decision, c: Option<i32>, migrant: bool) -> String {
    let n = match c {
        Some(1) => "一",
        Some(2) => "二",
        Some(3) => "三",
        Some(4) => "四",
        Some(5) => "五",
        _ => return String::new(),
    };
    match d {
        Decision::Eligible if migrant => format!("条件{n}+五"),
        Decision::Eligible => format!("条件{n}"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_persons_own_number_stays_whole_in_free_text() {
        let own = IdNumber::from_stored("44010319800101123X".into());
        let text = r#"{"worker":"44010319800101123X","members":[{"id":"440103198203152468"}],"phone":"13800138000","n":"1234"}"#;
        let out = others_masked(&own, text);
        assert!(out.contains("44010319800101123X"), "{out}");
        assert!(!out.contains("440103198203152468"), "{out}");
        assert!(out.contains("4401**********2468"), "{out}");
        assert!(
            out.contains("13800138000") && out.contains("\"1234\""),
            "{out}"
        );
        assert_eq!(
            id_cell(&own, "440103198203152468"),
            text_cell("4401**********2468")
        );
    }

    fn text_cell(s: &str) -> Cell {
        Cell::Text(s.to_owned())
    }
}
