//! What the public application form carries and how a page shows it back:
//! every typed value (so nothing is lost when the form comes back to choose
//! the union, add or remove a member, or correct a mistake), the member
//! rows, and each refusal beside its field.

use crate::pages::households::{this_month, typed_month, HouseholdForm};
use bangfu_domain::household::{member_of, MonthlyIncome};
use bangfu_domain::{Refusals, ValidationError};
use serde::Deserialize;

/// Months of income an application asks for: the six the rule looks at.
const APPLY_MONTHS: i32 = 6;

/// The most members the form takes (besides the applicant).
pub(super) const MAX_MEMBERS: usize = 10;

/// The form's months: the six ending last month, with what was typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ApplyGrid {
    #[serde(default)]
    month: Vec<String>,
    #[serde(default)]
    labour: Vec<String>,
    #[serde(default)]
    other: Vec<String>,
    #[serde(default)]
    medical: Vec<String>,
    #[serde(default)]
    schooling: Vec<String>,
    #[serde(default)]
    emergency: Vec<String>,
}

pub struct ApplyMonth {
    pub month: String,
    pub labour: String,
    pub other: String,
    pub medical: String,
    pub schooling: String,
    pub emergency: String,
}

impl ApplyGrid {
    pub(super) fn rows(&self) -> Vec<ApplyMonth> {
        let last = this_month().pred();
        let at = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
        (0..APPLY_MONTHS)
            .map(|k| {
                let i = usize::try_from(k).unwrap_or(0);
                ApplyMonth {
                    month: self
                        .month
                        .get(i)
                        .cloned()
                        .unwrap_or_else(|| last.add_months(k - APPLY_MONTHS + 1).to_string()),
                    labour: at(&self.labour, i),
                    other: at(&self.other, i),
                    medical: at(&self.medical, i),
                    schooling: at(&self.schooling, i),
                    emergency: at(&self.emergency, i),
                }
            })
            .collect()
    }

    /// Months with anything typed (labour income is wages, other income
    /// transfers), and a refusal for each month with a cell that is not an
    /// amount (that month is left out).
    pub(super) fn parse_all(&self) -> (Vec<MonthlyIncome>, Refusals) {
        let mut r = Refusals::new();
        let mut out = Vec::new();
        for m in self.rows() {
            let cells = [
                m.labour.as_str(),
                "",
                "",
                &m.other,
                &m.medical,
                &m.schooling,
                &m.emergency,
            ];
            out.extend(r.take(typed_month(&m.month, cells)).flatten());
        }
        (out, r)
    }
}

/// What the person asked of the form by the button they pressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Action {
    Submit,
    /// Look up unions by the typed name (the form comes back with them).
    FindUnion,
    AddMember,
    /// Remove the member row at this index (from 0).
    RemoveMember(usize),
}

impl Action {
    fn parse(raw: &str) -> Self {
        match raw {
            "find_union" => Action::FindUnion,
            "add_member" => Action::AddMember,
            _ => raw
                .strip_prefix("remove_member:")
                .and_then(|i| i.parse().ok())
                .map_or(Action::Submit, Action::RemoveMember),
        }
    }
}

/// The application form as sent: the household (as for filing), the months,
/// the union chosen or searched for, the held documents still ticked, and
/// the button pressed.
pub(super) struct ApplyForm {
    pub f: HouseholdForm,
    pub grid: ApplyGrid,
    pub union_id: String,
    pub union_q: String,
    pub action: Action,
    pub keep: Vec<i64>,
    /// The consent version ticked (empty when the box was not ticked).
    pub consent: String,
}

impl ApplyForm {
    /// The text fields of a multipart form, as `(name, value)` pairs.
    pub(super) fn from_fields(fields: &[(String, String)]) -> Self {
        let encoded = {
            let mut ser = form_urlencoded::Serializer::new(String::new());
            for (k, v) in fields {
                ser.append_pair(k, v);
            }
            ser.finish()
        };
        let one = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        Self {
            f: serde_html_form::from_str(&encoded).unwrap_or_default(),
            grid: serde_html_form::from_str(&encoded).unwrap_or_default(),
            union_id: one("union_id"),
            union_q: one("union_q"),
            action: Action::parse(&one("action")),
            consent: one("consent"),
            keep: fields
                .iter()
                .filter(|(k, _)| k == "keep_file")
                .filter_map(|(_, v)| v.trim().parse().ok())
                .collect(),
        }
    }

    /// The union chosen, if one was.
    pub(super) fn union(&self) -> Option<i64> {
        self.union_id.trim().parse().ok()
    }
}

/// The member columns of a form, for adding and removing rows together.
fn member_columns(f: &mut HouseholdForm) -> [&mut Vec<String>; 8] {
    [
        &mut f.m_name,
        &mut f.m_id_number,
        &mut f.m_relation,
        &mut f.m_health,
        &mut f.m_disability_grade,
        &mut f.m_schooling,
        &mut f.m_employment,
        &mut f.m_income,
    ]
}

/// Every column as long as the names, so rows line up.
fn even_rows(f: &mut HouseholdForm) {
    let n = f.m_name.len();
    for col in member_columns(f) {
        col.resize(n, String::new());
    }
}

/// One more, empty member row, up to [`MAX_MEMBERS`].
pub(super) fn add_member(f: &mut HouseholdForm) {
    even_rows(f);
    if f.m_name.len() < MAX_MEMBERS {
        for col in member_columns(f) {
            col.push(String::new());
        }
    }
}

/// Removes the member row at `i` (from 0), if there is one.
pub(super) fn remove_member(f: &mut HouseholdForm, i: usize) {
    even_rows(f);
    if i < f.m_name.len() {
        for col in member_columns(f) {
            col.remove(i);
        }
    }
}

/// Members typed (a row with a name or an ID number).
pub(super) fn members_typed(f: &HouseholdForm) -> usize {
    (0..f.m_name.len())
        .filter(|&i| {
            let t = |v: &Vec<String>| v.get(i).is_some_and(|s| !s.trim().is_empty());
            t(&f.m_name) || t(&f.m_id_number)
        })
        .count()
}

/// One member row as the form shows it.
pub struct MemberRow {
    /// Index from 0 and number from 1.
    pub i: usize,
    pub n: usize,
    pub name: String,
    pub id_number: String,
    pub relation: String,
    pub health: String,
    pub schooling: String,
    pub employment: String,
    pub income: String,
    pub errors: Vec<String>,
}

impl MemberRow {
    pub(super) fn blank(i: usize) -> Self {
        Self {
            i,
            n: i + 1,
            name: String::new(),
            id_number: String::new(),
            relation: String::new(),
            health: "healthy".into(),
            schooling: "not_in_school".into(),
            employment: String::new(),
            income: String::new(),
            errors: Vec::new(),
        }
    }
}

/// The member rows of `f`, each with the refusals about it; one blank row
/// when none was typed.
pub(super) fn member_rows(f: &HouseholdForm, errors: &[FieldError]) -> Vec<MemberRow> {
    let at = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
    let n = f.m_name.len().min(MAX_MEMBERS);
    if n == 0 {
        return vec![MemberRow::blank(0)];
    }
    (0..n)
        .map(|i| MemberRow {
            i,
            n: i + 1,
            name: at(&f.m_name, i),
            id_number: at(&f.m_id_number, i),
            relation: at(&f.m_relation, i),
            health: at(&f.m_health, i),
            schooling: at(&f.m_schooling, i),
            employment: at(&f.m_employment, i),
            income: at(&f.m_income, i),
            errors: errors
                .iter()
                .filter(|e| e.member == Some(i + 1))
                .map(|e| e.message.clone())
                .collect(),
        })
        .collect()
}

/// A refusal as the page shows it: beside its field, and in the list at
/// the top that links to it.
#[derive(Debug, Clone)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
    /// The member row it is about (from 1), for field `members`.
    pub member: Option<usize>,
    /// The id of the element the list links to.
    pub anchor: String,
}

/// The fields in the order the form shows them, with the element a refusal
/// links to; a field not on the form links to the list itself.
const FIELDS: [(&str, &str); 17] = [
    ("union_id", "union-card"),
    ("worker_name", "a-name"),
    ("worker_id_number", "a-id"),
    ("phone", "a-phone"),
    ("address", "a-address"),
    ("employer", "a-employer"),
    ("employer_kind", "a-ekind"),
    ("employment", "a-employment"),
    ("labour_capacity", "a-capacity"),
    ("health", "a-health"),
    ("disability_grade", "a-grade"),
    ("dibao_since", "a-dibao"),
    ("causes", "a-causes"),
    ("members", "members-card"),
    ("incomes", "incomes-card"),
    ("files", "files-card"),
    ("consent", "consent-card"),
];

fn place(field: &str) -> usize {
    FIELDS
        .iter()
        .position(|(f, _)| *f == field)
        .unwrap_or(FIELDS.len())
}

/// The refusals in the order of the form, each with where it is shown.
pub(super) fn field_errors(list: Vec<ValidationError>) -> Vec<FieldError> {
    let mut out: Vec<FieldError> = list
        .into_iter()
        .map(|e| {
            let member = member_of(&e);
            let anchor = match member {
                Some(n) => format!("member-{n}"),
                None => FIELDS
                    .iter()
                    .find(|(f, _)| *f == e.field)
                    .map_or("form-errors", |(_, a)| a)
                    .to_owned(),
            };
            FieldError {
                field: e.field,
                message: e.message,
                member,
                anchor,
            }
        })
        .collect();
    out.sort_by_key(|e| (place(e.field), e.member));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(names: &[&str]) -> HouseholdForm {
        HouseholdForm {
            m_name: names.iter().map(|s| (*s).to_owned()).collect(),
            m_income: vec!["100".into()],
            ..Default::default()
        }
    }

    #[test]
    fn rows_are_added_up_to_ten_and_removed_with_all_their_cells() {
        let mut f = form(&["甲", "乙"]);
        add_member(&mut f);
        assert_eq!(f.m_name, ["甲", "乙", ""]);
        assert_eq!(f.m_income, ["100", "", ""]);
        remove_member(&mut f, 0);
        assert_eq!(f.m_name, ["乙", ""]);
        assert_eq!(f.m_income, ["", ""]);
        remove_member(&mut f, 5);
        assert_eq!(f.m_name.len(), 2);
        for _ in 0..20 {
            add_member(&mut f);
        }
        assert_eq!(f.m_name.len(), MAX_MEMBERS);
        assert_eq!(members_typed(&f), 1);
    }

    #[test]
    fn buttons_name_their_action() {
        assert_eq!(Action::parse(""), Action::Submit);
        assert_eq!(Action::parse("submit"), Action::Submit);
        assert_eq!(Action::parse("find_union"), Action::FindUnion);
        assert_eq!(Action::parse("add_member"), Action::AddMember);
        assert_eq!(Action::parse("remove_member:3"), Action::RemoveMember(3));
        assert_eq!(Action::parse("remove_member:x"), Action::Submit);
    }

    #[test]
    fn refusals_follow_the_form_and_members_their_row() {
        let list = vec![
            ValidationError::new("files", "f"),
            ValidationError::new("members", "第 2 位家庭成员：x"),
            ValidationError::new("worker_name", "n"),
            ValidationError::new("tier", "t"),
            ValidationError::new("union_id", "u"),
        ];
        let e = field_errors(list);
        let order: Vec<&str> = e.iter().map(|e| e.field).collect();
        assert_eq!(
            order,
            ["union_id", "worker_name", "members", "files", "tier"]
        );
        assert_eq!(e[2].member, Some(2));
        assert_eq!(e[2].anchor, "member-2");
        assert_eq!(e[4].anchor, "form-errors");
        let rows = member_rows(&form(&["甲", "乙"]), &e);
        assert!(rows[0].errors.is_empty());
        assert_eq!(rows[1].errors, ["第 2 位家庭成员：x"]);
    }
}
