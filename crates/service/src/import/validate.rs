//! Checking every row of every sheet, then the rows against each other; every
//! problem is collected.

use crate::{HouseholdInput, MemberInput};
use bangfu_domain::division::{DivisionCode, NATIONAL};
use bangfu_domain::household::{
    parse_disability_grade, parse_name, parse_phone, parse_text, Causes, EmployerKind, Employment,
    Health, HouseholdData, LabourCapacity, Member, MonthlyIncome, Relation, Schooling, Tier,
    MAX_MONTHLY_FEN,
};
use bangfu_domain::id_number::mask_id_number;
use bangfu_domain::identification::Category;
use bangfu_domain::{Fen, IdNumber, Month, ValidationError};
use chrono::NaiveDate;
use std::collections::{BTreeSet, HashMap};

use super::cells::{id_key, month_opt, parse_date, parse_grade, parse_yes_no, text_of};
use super::layout::Layout;
use super::outcome::{ErrorRow, ImportIssue, ImportReport};
use super::template::{
    h, i, m, EXAMPLE_MEMBER_ID, EXAMPLE_WORKER_ID, HH, HOUSEHOLD_COLUMNS, INC, MEM, SHEETS,
};
use super::workbook::{Cell, ImportFile};
use super::{MAX_ERROR_ROWS, MAX_LISTED_ERRORS};

/// A problem before it is put in order: sheet, position in the sheet's rows,
/// row number, column index.
#[derive(Debug, Clone)]
pub(super) struct Found {
    pub(super) sheet: usize,
    pub(super) row: u32,
    pub(super) column: Option<usize>,
    pub(super) message: String,
}

#[derive(Default)]
pub(super) struct Issues {
    pub(super) list: Vec<Found>,
    pub(super) total: usize,
    /// (sheet, position) of every row with a problem.
    pub(super) rows: BTreeSet<(usize, usize)>,
}

impl Issues {
    pub(super) fn add(
        &mut self,
        sheet: usize,
        pos: usize,
        row: u32,
        column: Option<usize>,
        message: String,
    ) {
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
pub(super) struct Pending {
    pub(super) pos: usize,
    pub(super) row: u32,
    pub(super) input: HouseholdInput,
    pub(super) members: Vec<MemberInput>,
    pub(super) incomes: Vec<MonthlyIncome>,
    /// A problem in this row or in a member or income row of it.
    pub(super) bad: bool,
}

/// A file's row checks, one row at a time (so a job can report progress
/// between rows), then the checks across rows.
pub(super) struct Validator<'a> {
    pub(super) file: &'a ImportFile,
    pub(super) layout: &'a Layout,
    pub(super) today: NaiveDate,
    pub(super) region_default: String,
    /// What 地方级 in an old workbook becomes: the importing union's level,
    /// capped below national (docs/rules.md §2).
    pub(super) local_tier: Tier,
    pub(super) issues: Issues,
    /// Household rows in file order whose worker ID is usable and new.
    pub(super) households: Vec<Pending>,
    /// Worker ID (as typed) → index in `households`, for linking.
    pub(super) by_worker: HashMap<String, usize>,
    /// Worker ID (as typed) → row number in 家庭, for every row (even bad ones).
    pub(super) worker_rows: HashMap<String, (u32, bool)>,
    /// Member ID → row in 成员.
    pub(super) member_rows: HashMap<String, u32>,
    /// (household, month) → row in 收入.
    pub(super) month_rows: HashMap<(usize, Month), u32>,
    /// Everyone with a valid ID number, for the check against open files:
    /// (ID, name, sheet, position, row, column).
    pub(super) people: Vec<(String, String, usize, usize, u32, usize)>,
}

impl<'a> Validator<'a> {
    pub(super) fn new(
        file: &'a ImportFile,
        layout: &'a Layout,
        today: NaiveDate,
        region: &str,
        local_tier: Tier,
    ) -> Self {
        Self {
            file,
            layout,
            today,
            region_default: region.to_owned(),
            local_tier,
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
    pub(super) fn texts(&mut self, sheet: usize, pos: usize) -> (u32, Vec<Option<String>>) {
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

    pub(super) fn household_row(&mut self, pos: usize) {
        let (row, t) = self.texts(HH, pos);
        let mut bad: Vec<(usize, String)> = Vec::new();
        let today = self.today;
        let s = |k: usize| t[k].as_deref();
        check(&mut bad, h::NAME, s(h::NAME), |v| {
            parse_name("worker_name", v)
        });
        let id = check(&mut bad, h::ID, s(h::ID), |v| {
            IdNumber::parse("worker_id_number", v, today)
        });
        check(&mut bad, h::PHONE, s(h::PHONE), |v| parse_phone("phone", v));
        check(&mut bad, h::ADDRESS, s(h::ADDRESS), |v| {
            parse_text("address", "家庭住址", v, true, 200)
        });
        let region = check(&mut bad, h::DIVISION, s(h::DIVISION), |v| {
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
        check(&mut bad, h::EMPLOYER, s(h::EMPLOYER), |v| {
            parse_text("employer", "工作单位", v, false, 100)
        });
        check(&mut bad, h::EMPLOYER_KIND, s(h::EMPLOYER_KIND), |v| {
            EmployerKind::parse(v)
        });
        check(&mut bad, h::EMPLOYMENT, s(h::EMPLOYMENT), |v| {
            Employment::parse(v)
        });
        check(&mut bad, h::LABOUR, s(h::LABOUR), |v| {
            LabourCapacity::parse(v)
        });
        let health = check(&mut bad, h::HEALTH, s(h::HEALTH), Health::parse);
        let grade = check(&mut bad, h::GRADE, s(h::GRADE), |v| {
            parse_grade("disability_grade", v)
        });
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
            if let Some(b) = check(&mut bad, k, s(k), |v| parse_yes_no("flag", v)) {
                flags[n] = b;
            }
        }
        let causes = check(&mut bad, h::CAUSES, s(h::CAUSES), Causes::parse_list);
        check(&mut bad, h::CATEGORY, s(h::CATEGORY), |v| {
            Category::parse(v)
        });
        let local = self.local_tier;
        let tier = check(&mut bad, h::TIER, s(h::TIER), |v| {
            Tier::parse_local_as(v, local)
        });
        check(&mut bad, h::FILED_ON, s(h::FILED_ON), |v| {
            parse_date("filed_on", v, today)
        });
        check(&mut bad, h::DIBAO_SINCE, s(h::DIBAO_SINCE), |v| {
            month_opt("dibao_since", v)
        });
        check(
            &mut bad,
            h::OTHER_RELIEF_SINCE,
            s(h::OTHER_RELIEF_SINCE),
            |v| month_opt("other_relief_since", v),
        );
        check(&mut bad, h::NOTES, s(h::NOTES), |v| {
            parse_text("notes", "备注", v, false, 2000)
        });

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
            tier: tier.map_or_else(|| text(h::TIER), |t| t.code().to_owned()),
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
    pub(super) fn link(&self, typed: Option<&str>) -> Result<usize, String> {
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

    pub(super) fn member_row(&mut self, pos: usize) {
        let (row, t) = self.texts(MEM, pos);
        let mut bad: Vec<(usize, String)> = Vec::new();
        let today = self.today;
        let s = |k: usize| t[k].as_deref();
        let household = match self.link(s(m::WORKER)) {
            Ok(i) => Some(i),
            Err(msg) => {
                if !msg.is_empty() {
                    bad.push((m::WORKER, msg));
                }
                None
            }
        };
        let name = check(&mut bad, m::NAME, s(m::NAME), |v| parse_name("name", v));
        let id = check(&mut bad, m::ID, s(m::ID), |v| {
            if v.is_empty() {
                Ok(None)
            } else {
                IdNumber::parse("id_number", v, today).map(Some)
            }
        })
        .flatten();
        check(&mut bad, m::RELATION, s(m::RELATION), |v| {
            Relation::parse(v)
        });
        let health = check(&mut bad, m::HEALTH, s(m::HEALTH), Health::parse);
        let grade = check(&mut bad, m::GRADE, s(m::GRADE), |v| {
            parse_grade("disability_grade", v)
        });
        if let (Some(health), Some(grade)) = (health, grade) {
            if let Err(e) = parse_disability_grade(health, grade) {
                bad.push((m::GRADE, e.message));
            }
        }
        let schooling = check(&mut bad, m::SCHOOLING, s(m::SCHOOLING), |v| {
            if v.is_empty() {
                Ok(Schooling::NotInSchool)
            } else {
                Schooling::parse(v)
            }
        });
        check(&mut bad, m::EMPLOYMENT, s(m::EMPLOYMENT), |v| {
            Employment::parse(v)
        });
        let income = check(&mut bad, m::INCOME, s(m::INCOME), |v| {
            Fen::parse_yuan_opt("income", v)
        })
        .flatten();
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

    pub(super) fn income_row(&mut self, pos: usize) {
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
        let this_month = Month::of_date(self.today);
        let month = match s(i::MONTH) {
            Some(v) => {
                match Month::parse("month", v).and_then(|m| m.not_after("month", this_month)) {
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
                }
            }
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
    pub(super) fn open_elsewhere(&mut self, holders: &HashMap<String, String>) {
        let people = std::mem::take(&mut self.people);
        for (id, name, sheet, pos, row, column) in &people {
            if let Some(union_name) = holders.get(id) {
                self.issues.add(
                    *sheet,
                    *pos,
                    *row,
                    Some(*column),
                    crate::filed_elsewhere::held_elsewhere(name, &mask_id_number(id), union_name),
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
    pub(super) fn finish(mut self) -> Result<Vec<Plan>, Issues> {
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
pub(super) struct Plan {
    pub(super) row: u32,
    pub(super) data: HouseholdData,
    pub(super) members: Vec<Member>,
    pub(super) incomes: Vec<MonthlyIncome>,
}

/// The report of a refused file: problems in sheet/row/column order and the
/// uploaded rows they are in.
pub(super) fn report(file: &ImportFile, layout: Option<&Layout>, issues: Issues) -> ImportReport {
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

/// What `parse` makes of the cell `text` of column `k` (`None` when the cell
/// is empty); a cell that does not parse gives `None` and its problem is
/// added to `bad`.
fn check<T>(
    bad: &mut Vec<(usize, String)>,
    k: usize,
    text: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, ValidationError>,
) -> Option<T> {
    match parse(text?) {
        Ok(x) => Some(x),
        Err(e) => {
            bad.push((k, e.message));
            None
        }
    }
}
