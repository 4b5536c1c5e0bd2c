//! The people of a generated household: a worker, a spouse of the other sex,
//! children years apart whose schooling fits their age, or a parent the
//! worker supports; each with a name that fits their sex and generation and
//! an ID number whose birth date and 17th digit (odd: male) say the same.
//!
//! Numbers must never repeat (one open file per person), whatever the
//! randomness draws. Each kind of person (worker, spouse, first, second and
//! third child, parent) has a block of sequence numbers of its own, and
//! within a block the birth day is a one-to-one function of the household's
//! index: a permutation of the worker's day inside a window of a few years.
//! Two people can therefore share a region, a birth day and a sequence only
//! if they are the same person.

use crate::random::Gen;
use bangfu_domain::household::{Employment, Relation, Schooling};
use bangfu_domain::Sex;
use chrono::{Datelike, NaiveDate};

pub(crate) const SURNAMES: [&str; 24] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高", "梁", "郑", "谢", "冯",
];
/// Given names of people born before about 1990.
const MEN: [&str; 16] = [
    "建国", "志强", "伟", "军", "国庆", "德华", "文斌", "晓东", "振华", "金生", "爱民", "立新",
    "建华", "少军", "永刚", "海涛",
];
const WOMEN: [&str; 16] = [
    "秀英", "桂兰", "芳", "丽华", "海燕", "红梅", "淑珍", "春梅", "玉兰", "美玲", "翠花", "雪梅",
    "佩珊", "慧敏", "小红", "静",
];
/// Given names of people born since about 1990.
const BOYS: [&str; 12] = [
    "浩然", "子轩", "宇航", "俊杰", "博文", "梓豪", "家豪", "明轩", "一鸣", "思远", "天宇", "晨阳",
];
const GIRLS: [&str; 12] = [
    "欣怡", "梓涵", "雨桐", "思琪", "诗涵", "佳怡", "可欣", "婉婷", "紫萱", "雨欣", "若曦", "梦瑶",
];

/// Workers are born over this many days from 1966-01-01 (to late 1998).
const WORKER_DAYS: i64 = 12_000;
/// A spouse is born within this window around the worker (about 5 years).
const SPOUSE_WINDOW: i64 = 1_800;
/// A child's birth day varies within this window (about 2.5 years).
const CHILD_WINDOW: i64 = 900;
/// Households per block of sequence numbers before the next block is used.
const BLOCKS: i64 = 80;

/// The kinds of person, each with its own block of sequence numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Worker = 0,
    Spouse = 1,
    Child0 = 2,
    Child1 = 3,
    Child2 = 4,
    Parent = 5,
}

/// One generated person.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub name: String,
    pub id_number: String,
    /// What the ID number says; the tests hold the two together.
    #[cfg_attr(not(test), allow(dead_code))]
    pub sex: Sex,
    #[cfg_attr(not(test), allow(dead_code))]
    pub born: NaiveDate,
    pub relation: Option<Relation>,
    pub schooling: Schooling,
    pub employment: Employment,
}

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1966, 1, 1).unwrap_or_default()
}

/// Permutes `day` within its window of `w` days (the last window may be
/// shorter): a one-to-one map that moves no day further than `w`.
fn within_window(day: i64, w: i64, span: i64, salt: i64) -> i64 {
    let base = day - day.rem_euclid(w);
    let len = w.min(span - base).max(1);
    // 7 shares no factor with the window lengths used (1,800, 900 and the
    // shorter last windows of 12,000 days: 1,200 and 300).
    base + (day.rem_euclid(w) * 7 + salt).rem_euclid(len)
}

/// The ID number of a person of `kind` born `born`, male or not, for the
/// household with index `i` in `region`.
fn id_number(region: &str, born: NaiveDate, kind: Kind, i: i64, sex: Sex) -> Option<String> {
    let block = (i / WORKER_DAYS).rem_euclid(BLOCKS);
    let q = kind as i64 * BLOCKS + block;
    let seq = q * 2 + i64::from(sex == Sex::Male);
    let first17 = format!("{region}{}{seq:03}", born.format("%Y%m%d"));
    let check = bangfu_domain::id_number::check_digit(&first17)?;
    Some(format!("{first17}{check}"))
}

/// The worker's day index: spread over the range, one-to-one in `i` within
/// its block (12,000 and 7,919 share no factor).
fn worker_day(i: i64) -> i64 {
    (i.rem_euclid(WORKER_DAYS) * 7_919 + 1_234).rem_euclid(WORKER_DAYS)
}

fn given(r: &mut Gen, sex: Sex, born: NaiveDate) -> &'static str {
    let young = born.year() >= 1990;
    let list: &[&'static str] = match (sex, young) {
        (Sex::Male, false) => &MEN,
        (Sex::Female, false) => &WOMEN,
        (Sex::Male, true) => &BOYS,
        (Sex::Female, true) => &GIRLS,
    };
    let name: &&'static str = r.pick(list);
    name
}

fn age_on(born: NaiveDate, today: NaiveDate) -> i32 {
    let mut age = today.year() - born.year();
    if (today.month(), today.day()) < (born.month(), born.day()) {
        age -= 1;
    }
    age
}

/// Schooling and work that fit a child's age.
fn child_state(r: &mut Gen, age: i32) -> (Schooling, Employment) {
    let schooling = match age {
        ..=2 => Schooling::NotInSchool,
        3..=5 => Schooling::Preschool,
        6..=11 => Schooling::Primary,
        12..=14 => Schooling::Junior,
        15..=17 => Schooling::Senior,
        18..=21 if r.chance(55) => *r.pick(&[Schooling::College, Schooling::Bachelor]),
        _ => Schooling::NotInSchool,
    };
    let employment = if age >= 18 && schooling == Schooling::NotInSchool {
        *r.pick(&[
            Employment::Employed,
            Employment::Flexible,
            Employment::Unemployed,
        ])
    } else {
        Employment::NotWorking
    };
    (schooling, employment)
}

/// Where and when a household's people are made.
struct Place<'a> {
    region: &'a str,
    i: i64,
    today: NaiveDate,
}

impl Place<'_> {
    fn person(
        &self,
        r: &mut Gen,
        kind: Kind,
        born: NaiveDate,
        sex: Sex,
        surname: &str,
    ) -> Option<Person> {
        let id = id_number(self.region, born, kind, self.i, sex)?;
        let (relation, schooling, employment) = match kind {
            Kind::Worker => (None, Schooling::NotInSchool, Employment::Employed),
            Kind::Spouse => (
                Some(Relation::Spouse),
                Schooling::NotInSchool,
                *r.pick(&[
                    Employment::Flexible,
                    Employment::Unemployed,
                    Employment::Employed,
                ]),
            ),
            Kind::Parent => (
                Some(Relation::Parent),
                Schooling::NotInSchool,
                Employment::Retired,
            ),
            _ => {
                let (s, e) = child_state(r, age_on(born, self.today));
                (Some(Relation::Child), s, e)
            }
        };
        Some(Person {
            name: format!("{surname}{}", given(r, sex, born)),
            id_number: id,
            sex,
            born,
            relation,
            schooling,
            employment,
        })
    }
}

/// The worker and `size - 1` others of household `i` in `region`, as of
/// `today`. A child who would not yet be born (a young worker) is replaced
/// by a parent the worker supports, so the household keeps its size.
pub(crate) fn family(
    r: &mut Gen,
    region: &str,
    i: i64,
    size: i64,
    today: NaiveDate,
) -> Vec<Person> {
    let mut out = Vec::new();
    let d = worker_day(i);
    let worker_born = epoch() + chrono::Duration::days(d);
    // About 55 % of the workers on file are men.
    let worker_sex = if r.chance(55) { Sex::Male } else { Sex::Female };
    let surname = *r.pick(&SURNAMES);
    let other_surname = *r.pick(&SURNAMES);
    let at = Place { region, i, today };
    out.extend(at.person(r, Kind::Worker, worker_born, worker_sex, surname));
    // Children carry the father's surname.
    let (father, mother) = if worker_sex == Sex::Male {
        (surname, other_surname)
    } else {
        (other_surname, surname)
    };
    let spouse_sex = if worker_sex == Sex::Male {
        Sex::Female
    } else {
        Sex::Male
    };
    let mut others = size - 1;
    if others > 0 {
        let day = within_window(d, SPOUSE_WINDOW, WORKER_DAYS, 611);
        let spouse_surname = if worker_sex == Sex::Male {
            mother
        } else {
            father
        };
        out.extend(at.person(
            r,
            Kind::Spouse,
            epoch() + chrono::Duration::days(day),
            spouse_sex,
            spouse_surname,
        ));
        others -= 1;
    }
    let kids = [Kind::Child0, Kind::Child1, Kind::Child2];
    let mut parent: Option<Sex> = None;
    for (k, kind) in kids
        .iter()
        .enumerate()
        .take(usize::try_from(others).unwrap_or(0))
    {
        // The first child when the worker is 21–26, the others 3–8 years apart.
        let k = i64::try_from(k).unwrap_or(0);
        let day = within_window(d, CHILD_WINDOW, WORKER_DAYS, 97 * (k + 1)) + 8_766 + k * 1_900;
        let born = epoch() + chrono::Duration::days(day);
        if age_on(born, today) >= 1 {
            let sex = if r.chance(52) { Sex::Male } else { Sex::Female };
            out.extend(at.person(r, *kind, born, sex, father));
            continue;
        }
        // Too young a worker for this child: a parent the worker supports
        // instead, born 22–32 years before the worker; at most two, one of
        // each sex (each sex draws its day its own way, so no two repeat).
        let sex = match parent {
            None if r.chance(50) => Sex::Male,
            None => Sex::Female,
            Some(Sex::Male) => Sex::Female,
            Some(Sex::Female) => Sex::Male,
        };
        if parent.is_some()
            && out
                .iter()
                .filter(|p| p.relation == Some(Relation::Parent))
                .count()
                >= 2
        {
            continue;
        }
        let salt = if sex == Sex::Male { 401 } else { 733 };
        let day = within_window(d, SPOUSE_WINDOW, WORKER_DAYS, salt) - 9_862;
        let name = if sex == Sex::Male {
            surname
        } else {
            other_surname
        };
        out.extend(at.person(
            r,
            Kind::Parent,
            epoch() + chrono::Duration::days(day),
            sex,
            name,
        ));
        parent = Some(sex);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use bangfu_domain::IdNumber;
    use std::collections::HashSet;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 6).unwrap_or_default()
    }

    fn families(n: i64) -> Vec<Vec<Person>> {
        (0..n)
            .map(|i| {
                let mut r = Gen::new(0x9E37_79B9 ^ (i as u64 + 1).wrapping_mul(0x2545_F491));
                family(&mut r, "440103", i, 1 + i % 5, today())
            })
            .collect()
    }

    #[test]
    fn numbers_never_repeat_and_say_what_the_person_is() {
        let mut seen = HashSet::new();
        for f in families(30_000) {
            for p in f {
                assert!(seen.insert(p.id_number.clone()), "twice: {}", p.id_number);
                let id = IdNumber::parse("id", &p.id_number, today()).unwrap();
                assert_eq!(id.sex(), p.sex, "{p:?}");
                assert_eq!(id.birth_date(), Some(p.born), "{p:?}");
            }
        }
    }

    #[test]
    fn families_look_like_families() {
        let (mut men, mut women, mut parents) = (0, 0, 0);
        for f in families(5_000) {
            let worker = &f[0];
            match worker.sex {
                Sex::Male => men += 1,
                Sex::Female => women += 1,
            }
            let names_fit = |p: &Person| {
                let given: String = p.name.chars().skip(1).collect();
                let list: &[&str] = match (p.sex, p.born.year() >= 1990) {
                    (Sex::Male, false) => &MEN,
                    (Sex::Female, false) => &WOMEN,
                    (Sex::Male, true) => &BOYS,
                    (Sex::Female, true) => &GIRLS,
                };
                list.contains(&given.as_str())
            };
            let mut children: Vec<&Person> = Vec::new();
            for p in &f {
                assert!(names_fit(p), "{p:?}");
                match p.relation {
                    Some(Relation::Spouse) => {
                        assert_ne!(p.sex, worker.sex, "{f:?}");
                        assert_ne!(p.born, worker.born, "{f:?}");
                        assert!((p.born - worker.born).num_days().abs() <= SPOUSE_WINDOW);
                    }
                    Some(Relation::Child) => {
                        let age = age_on(p.born, today());
                        assert!(age >= 1 && age_on(worker.born, p.born) >= 20, "{f:?}");
                        let fits = match p.schooling {
                            Schooling::Preschool => (3..=5).contains(&age),
                            Schooling::Primary => (6..=11).contains(&age),
                            Schooling::Junior => (12..=14).contains(&age),
                            Schooling::Senior => (15..=17).contains(&age),
                            Schooling::College | Schooling::Bachelor => (18..=21).contains(&age),
                            _ => !(3..=17).contains(&age),
                        };
                        assert!(fits, "{p:?} aged {age}");
                        children.push(p);
                    }
                    Some(Relation::Parent) => {
                        parents += 1;
                        assert!(age_on(p.born, worker.born) >= 20, "{f:?}");
                    }
                    _ => {}
                }
            }
            for pair in children.windows(2) {
                let apart = (pair[1].born - pair[0].born).num_days();
                assert!(apart >= 365, "children a year or more apart: {f:?}");
            }
        }
        assert!(men > 2_400 && women > 1_900, "{men} men, {women} women");
        assert!(parents > 0);
    }
}
