//! Merging two files found to be one household, and moving a household to
//! another union (docs/rules.md §2.3).
//!
//! A merge keeps one file (the survivor) and closes the other with a link;
//! both histories stay where they were recorded. What the survivor gains is
//! decided here: the other worker becomes a member, the other's members join
//! unless they are already there, and each month's incomes are the sum of the
//! two households' (the two lived as one).

use crate::household::{coded, HouseholdData, Member, MonthlyIncome, Relation, Schooling};
use crate::{Fen, ValidationError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The members of the merged file: the survivor's, then the other worker
/// (as `relation` to the survivor's worker), then the other's members. A
/// person already in the survivor (same ID number; without one, same name)
/// is not added twice. The other's relatives stand to the surviving worker
/// as [`through`] says.
pub fn merged_members(
    survivor: &HouseholdData,
    survivor_members: &[Member],
    other: &HouseholdData,
    other_members: &[Member],
    relation: Relation,
) -> Vec<Member> {
    let mut out: Vec<Member> = survivor_members.to_vec();
    let worker = Member {
        name: other.worker_name.clone(),
        id_number: Some(other.worker_id_number.clone()),
        relation,
        health: other.health,
        disability_grade: other.disability_grade,
        schooling: Schooling::NotInSchool,
        employment: other.employment,
        income: Fen::ZERO,
    };
    let relatives = other_members.iter().map(|m| Member {
        relation: through(relation, m.relation),
        ..m.clone()
    });
    for m in std::iter::once(worker).chain(relatives) {
        let already = match &m.id_number {
            Some(id) => {
                survivor.worker_id_number.as_str() == id.as_str()
                    || out.iter().any(|o| {
                        o.id_number
                            .as_ref()
                            .is_some_and(|x| x.as_str() == id.as_str())
                    })
            }
            // Without a number, the same name is the same person.
            None => survivor.worker_name == m.name || out.iter().any(|o| o.name == m.name),
        };
        if !already {
            out.push(m);
        }
    }
    out
}

/// How the other worker's relative (`theirs`, as that worker recorded it)
/// stands to the surviving worker, when the other worker is `link` to them:
/// only a spouse's relatives are known (a spouse's child is a child, a
/// spouse's parent a parent-in-law); the rest are 其他 for the officer to
/// correct.
pub fn through(link: Relation, theirs: Relation) -> Relation {
    match (link, theirs) {
        (Relation::Spouse, Relation::Child) => Relation::Child,
        (Relation::Spouse, Relation::Grandchild) => Relation::Grandchild,
        (Relation::Spouse, Relation::Parent) => Relation::ParentInLaw,
        (Relation::Spouse, Relation::ParentInLaw) => Relation::Parent,
        _ => Relation::Other,
    }
}

/// Each month's incomes of the merged household: the two households' added
/// part by part where both recorded the month, the one recorded otherwise.
pub fn merged_incomes(survivor: &[MonthlyIncome], other: &[MonthlyIncome]) -> Vec<MonthlyIncome> {
    let mut by_month: BTreeMap<crate::Month, MonthlyIncome> =
        survivor.iter().map(|i| (i.month, *i)).collect();
    for o in other {
        by_month
            .entry(o.month)
            .and_modify(|s| {
                s.wages = s.wages + o.wages;
                s.business = s.business + o.business;
                s.property = s.property + o.property;
                s.transfer = s.transfer + o.transfer;
                s.medical = s.medical + o.medical;
                s.schooling = s.schooling + o.schooling;
                s.emergency = s.emergency + o.emergency;
            })
            .or_insert(*o);
    }
    by_month.into_values().collect()
}

/// The number of a transfer (转移) of a household to another union.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TransferId(pub i64);

impl fmt::Display for TransferId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

coded!(
    /// Where a transfer stands: the sending union asks, the receiving union
    /// accepts or declines; the sender may withdraw while it waits.
    TransferStatus, "status", "转移状态" {
        /// 待接收: asked by the sending union, waiting for the receiving one.
        Pending = "pending", "待接收";
        /// 已接收: the household is the receiving union's now.
        Accepted = "accepted", "已接收";
        /// 已拒绝: the receiving union declined, with its reason.
        Declined = "declined", "已拒绝";
        /// 已撤回: the sending union withdrew it.
        Withdrawn = "withdrawn", "已撤回";
    }
);

/// Why a reason typed for a merge, a transfer or an answer is refused.
pub fn check_reason(field: &'static str, raw: &str) -> Result<String, ValidationError> {
    let r = crate::household::parse_text(field, "理由", raw, true, 500)?;
    if r.chars().count() < 2 {
        return Err(ValidationError::new(field, "请写明理由"));
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::household::{Employment, Health};
    use crate::{IdNumber, Month};

    fn id(s: &str) -> IdNumber {
        IdNumber::from_stored(s.to_owned())
    }

    fn member(name: &str, number: Option<&str>, relation: Relation) -> Member {
        Member {
            name: name.into(),
            id_number: number.map(id),
            relation,
            health: Health::Healthy,
            disability_grade: None,
            schooling: Schooling::Primary,
            employment: Employment::NotWorking,
            income: Fen::ZERO,
        }
    }

    fn file_of(name: &str, number: &str) -> HouseholdData {
        use crate::household::{Causes, EmployerKind, LabourCapacity, Tier};
        HouseholdData {
            worker_name: name.into(),
            worker_id_number: id(number),
            phone: String::new(),
            address: String::new(),
            division_code: "440103".into(),
            employer: String::new(),
            employer_kind: EmployerKind::Private,
            employment: Employment::Employed,
            labour_capacity: LabourCapacity::Full,
            health: Health::Healthy,
            disability_grade: None,
            migrant: false,
            zero_employment: false,
            closure_laid_off: false,
            trade_friction: false,
            causes: Causes::default(),
            category: crate::identification::Category::Sudden,
            tier: Tier::National,
            filed_on: chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
            dibao_since: None,
            other_relief_since: None,
            notes: String::new(),
        }
    }

    fn month(s: &str, wages: i64) -> MonthlyIncome {
        MonthlyIncome {
            wages: Fen(wages),
            ..MonthlyIncome::empty(s.parse::<Month>().unwrap())
        }
    }

    #[test]
    fn incomes_of_a_month_recorded_by_both_are_added() {
        let a = vec![month("2026-01", 100), month("2026-02", 200)];
        let b = vec![month("2026-02", 50), month("2026-03", 70)];
        let got: Vec<(String, i64)> = merged_incomes(&a, &b)
            .iter()
            .map(|i| (i.month.to_string(), i.wages.0))
            .collect();
        assert_eq!(
            got,
            vec![
                ("2026-01".into(), 100),
                ("2026-02".into(), 250),
                ("2026-03".into(), 70)
            ]
        );
        assert_eq!(merged_incomes(&[], &[]), vec![]);
    }

    #[test]
    fn a_reason_is_required() {
        assert!(check_reason("reason", " ").is_err());
        assert!(check_reason("reason", "重").is_err());
        assert_eq!(check_reason("reason", " 同一户 ").unwrap(), "同一户");
    }

    #[test]
    fn members_join_once() {
        let survivor_kid = member("小明", Some("440103201001010011"), Relation::Child);
        let other_kid_same = member("小明", Some("440103201001010011"), Relation::Child);
        let other_parent = member("老王", None, Relation::Parent);
        let blank_twice = member("老王", None, Relation::Parent);
        let data = file_of("王建国", "440103197001010011");
        let other = file_of("李秀英", "440103197202020022");
        let got = merged_members(
            &data,
            &[survivor_kid.clone(), blank_twice],
            &other,
            &[other_kid_same, other_parent],
            Relation::Spouse,
        );
        let names: Vec<(&str, Relation)> =
            got.iter().map(|m| (m.name.as_str(), m.relation)).collect();
        assert_eq!(
            names,
            vec![
                ("小明", Relation::Child),
                ("老王", Relation::Parent),
                ("李秀英", Relation::Spouse),
            ]
        );
        for (link, theirs, want) in [
            (Relation::Spouse, Relation::Child, Relation::Child),
            (Relation::Spouse, Relation::Parent, Relation::ParentInLaw),
            (Relation::Spouse, Relation::ParentInLaw, Relation::Parent),
            (Relation::Spouse, Relation::Sibling, Relation::Other),
            (Relation::Child, Relation::Child, Relation::Other),
            (Relation::Parent, Relation::Spouse, Relation::Other),
        ] {
            assert_eq!(through(link, theirs), want, "{link:?} {theirs:?}");
        }
        // Not a spouse: the other's relatives are 其他 until corrected.
        let got = merged_members(
            &data,
            &[],
            &other,
            &[member("小红", None, Relation::Child)],
            Relation::Sibling,
        );
        let names: Vec<(&str, Relation)> =
            got.iter().map(|m| (m.name.as_str(), m.relation)).collect();
        assert_eq!(
            names,
            vec![("李秀英", Relation::Sibling), ("小红", Relation::Other)]
        );
        // The survivor's own worker among the other's members is not added.
        let got = merged_members(
            &data,
            &[],
            &other,
            &[member(
                "王建国",
                Some("440103197001010011"),
                Relation::Spouse,
            )],
            Relation::Spouse,
        );
        assert_eq!(got.len(), 1);
    }
}
