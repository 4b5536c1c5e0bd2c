//! Social resources matched to households' needs (社会资源精准对接, docs/rules.md
//! §8): who provides, what they offer (a resource), which households a resource suits and
//! why, and how a match ends.
//!
//! Insurers, hospitals, fund-raising platforms, charities and caring
//! enterprises (000 §四), start-up incubators and HR agencies (002 Liuzhou)
//! and volunteers (工会+社工+义工) offer jobs, training, donations and
//! services; the programme matches them to the needs it knows of and counts
//! what each gave. Bangfu suggests; an officer confirms or dismisses.

use crate::assistance::{id, kind};
use crate::household::{
    coded, Causes, Employment, HardshipCause as Cause, Health, LabourCapacity, Schooling,
};
use crate::leaving::{pathway_of_code, Pathway};
use crate::ValidationError;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

id! {
    ProviderId;
    ResourceId;
    MatchId;
}

coded!(
    /// Who brings resources in (000 §四; 002 Liuzhou; 003 §三(三)1).
    ProviderKind, "kind", "资源提供方类别" {
        Enterprise = "enterprise", "爱心企业";
        Charity = "charity", "慈善组织";
        Insurer = "insurer", "保险机构";
        Hospital = "hospital", "医疗机构";
        /// 公益募捐平台.
        Platform = "platform", "募捐平台";
        HrAgency = "hr_agency", "人力资源服务机构";
        Incubator = "incubator", "创业孵化基地";
        /// 工会+社工+义工.
        Volunteers = "volunteers", "志愿服务队伍";
        Other = "other", "其他";
    }
);

coded!(
    /// What a resource gives.
    ResourceKind, "kind", "资源类别" {
        Job = "job", "就业岗位";
        Training = "training", "培训名额";
        /// Cash enters the funds as a receipt from the donor (社会捐助).
        Cash = "cash", "现金捐赠";
        Goods = "goods", "物资捐赠";
        Service = "service", "服务";
        Volunteering = "volunteering", "志愿服务";
    }
);

coded!(
    /// The services a provider gives (002 Liuzhou: care for those who
    /// cannot look after themselves).
    ServiceKind, "service", "服务类别" {
        Medical = "medical", "医疗服务";
        Legal = "legal", "法律服务";
        DayCare = "day_care", "日间照料";
        Rehabilitation = "rehabilitation", "康复护理";
        Meals = "meals", "助餐助行";
    }
);

coded!(
    /// What a donation is for.
    Aim, "aim", "捐赠用途" {
        Any = "any", "不限";
        /// 助学: students.
        Education = "education", "助学";
        Medical = "medical", "医疗";
        Living = "living", "生活";
    }
);

coded!(
    /// Where a match stands. A confirmed match waits for its outcome; a
    /// dismissed suggestion is kept so that it is not suggested again.
    MatchStatus, "status", "对接状态" {
        Confirmed = "confirmed", "已对接";
        Dismissed = "dismissed", "不予对接";
        Hired = "hired", "已录用";
        Trained = "trained", "已培训";
        Received = "received", "已领取";
        Served = "served", "已服务";
        Declined = "declined", "未成功";
    }
);

impl ResourceKind {
    /// The unit a quantity of this kind is counted in, as shown.
    pub fn unit(self) -> &'static str {
        match self {
            ResourceKind::Job => "个岗位",
            ResourceKind::Training => "个名额",
            ResourceKind::Cash => "分",
            ResourceKind::Goods => "件",
            ResourceKind::Service => "人次",
            ResourceKind::Volunteering => "小时",
        }
    }

    /// The outcome that means the resource reached the household.
    pub fn delivered(self) -> MatchStatus {
        match self {
            ResourceKind::Job => MatchStatus::Hired,
            ResourceKind::Training => MatchStatus::Trained,
            ResourceKind::Cash | ResourceKind::Goods => MatchStatus::Received,
            ResourceKind::Service | ResourceKind::Volunteering => MatchStatus::Served,
        }
    }

    /// Whether one match takes exactly one of the resource (a job, a training
    /// place, a service); otherwise the officer says how much (an amount,
    /// a number of goods, hours).
    pub fn one_each(self) -> bool {
        matches!(
            self,
            ResourceKind::Job | ResourceKind::Training | ResourceKind::Service
        )
    }

    /// Whether a match must name the person it is for (a job or training
    /// place is taken by one person).
    pub fn for_a_person(self) -> bool {
        matches!(self, ResourceKind::Job | ResourceKind::Training)
    }
}

impl MatchStatus {
    /// Whether the match holds part of the resource's quantity.
    pub fn holds(self) -> bool {
        !matches!(self, MatchStatus::Dismissed | MatchStatus::Declined)
    }

    /// Whether the match still waits for its outcome.
    pub fn open(self) -> bool {
        self == MatchStatus::Confirmed
    }

    /// Whether the resource reached the household (counted as assistance).
    pub fn delivered(self) -> bool {
        matches!(
            self,
            MatchStatus::Hired | MatchStatus::Trained | MatchStatus::Received | MatchStatus::Served
        )
    }
}

/// What a resource is, as far as the suggestions need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    pub kind: ResourceKind,
    pub service: Option<ServiceKind>,
    pub aim: Option<Aim>,
    /// A track (四个一批) code the resource serves; the household's open
    /// measures on it suggest the household.
    pub track: Option<String>,
    /// A programme (十大行动计划) code, narrowing `track`.
    pub programme: Option<String>,
}

impl Need {
    /// Checks the kind's own fields: a service resource says which service; a
    /// donation may say what it is for; other kinds carry neither.
    pub fn new(
        kind: ResourceKind,
        service: Option<ServiceKind>,
        aim: Option<Aim>,
        track: Option<String>,
        programme: Option<String>,
    ) -> Result<Self, ValidationError> {
        let service = match (kind, service) {
            (ResourceKind::Service, None) => {
                return Err(ValidationError::new("service", "请选择服务类别"))
            }
            (ResourceKind::Service, s) => s,
            _ => None,
        };
        let aim = match kind {
            ResourceKind::Cash | ResourceKind::Goods => Some(aim.unwrap_or(Aim::Any)),
            _ => None,
        };
        let blank = |s: Option<String>| s.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        Ok(Self {
            kind,
            service,
            aim,
            track: blank(track),
            programme: blank(programme),
        })
    }

    /// The kind of assistance a delivered match is recorded as.
    pub fn assistance_kind(&self) -> &'static str {
        match (self.kind, self.service, self.aim) {
            (ResourceKind::Job, _, _) => kind::JOB,
            (ResourceKind::Training, _, _) => "training",
            (ResourceKind::Service, Some(ServiceKind::Legal), _) => "legal",
            (
                ResourceKind::Service,
                Some(ServiceKind::Medical | ServiceKind::Rehabilitation),
                _,
            ) => "medical",
            (_, _, Some(Aim::Education)) => kind::EDUCATION,
            (_, _, Some(Aim::Medical)) => "medical",
            _ => "living",
        }
    }

    /// The pathway whose measures the resource serves when it names no track:
    /// jobs and training serve 就业创业 measures, medical services and
    /// donations serve 医疗救助, legal services 落实待遇, school aid 社会救助.
    fn pathway(&self) -> Option<Pathway> {
        pathway_of_code(self.assistance_kind())
    }
}

/// One person of a household, as the suggestions see them: the worker
/// (`relation` 职工本人) or a member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    /// 职工本人, 配偶, 子女…
    pub relation: String,
    pub birth_date: Option<NaiveDate>,
    pub health: Health,
    pub disability_grade: Option<i32>,
    /// Known for the worker only; a member with a serious illness or a
    /// disability of grade 1–2 is taken to have lost it.
    pub labour_capacity: Option<LabourCapacity>,
    pub employment: Employment,
    pub schooling: Schooling,
}

/// An open measure of the household's plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenMeasure {
    pub track: String,
    pub programme: Option<String>,
    /// The track's name, as shown.
    pub track_name: String,
}

/// What is known of one household for the suggestions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub persons: Vec<Person>,
    pub causes: Causes,
    pub measures: Vec<OpenMeasure>,
}

/// Why a household is suggested: one line per reason, and the person a job
/// or training place would go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub reasons: Vec<String>,
    /// For jobs and training: the first person who fits.
    pub person: Option<String>,
}

/// Working age: 16 to 59 (法定劳动年龄, to the usual retirement age).
pub const WORKING_AGE: std::ops::RangeInclusive<u32> = 16..=59;

/// The age reached on `on` by someone born on `born`.
pub fn age_on(born: NaiveDate, on: NaiveDate) -> u32 {
    let mut years = on.year() - born.year();
    if (on.month(), on.day()) < (born.month(), born.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

impl Person {
    fn age(&self, today: NaiveDate) -> Option<u32> {
        self.birth_date.map(|b| age_on(b, today))
    }

    /// Able to work: the worker's recorded capacity; a member unless
    /// seriously ill or disabled at grade 1–2.
    pub fn can_work(&self) -> bool {
        match self.labour_capacity {
            Some(c) => c != LabourCapacity::None,
            None => !self.cannot_look_after_themselves(),
        }
    }

    /// Needs care (日间照料、助餐助行): seriously ill, disabled at grade 1–2,
    /// without any labour capacity, or aged 80 or more.
    pub fn cannot_look_after_themselves(&self) -> bool {
        self.health == Health::Serious
            || (self.health == Health::Disabled && self.disability_grade.is_some_and(|g| g <= 2))
            || self.labour_capacity == Some(LabourCapacity::None)
    }

    fn ill(&self) -> bool {
        self.health != Health::Healthy
    }

    fn in_school(&self) -> bool {
        !matches!(
            self.schooling,
            Schooling::NotInSchool | Schooling::Preschool
        )
    }

    fn looking_for_work(&self, training: bool) -> bool {
        matches!(
            self.employment,
            Employment::Unemployed | Employment::LaidOff
        ) || (training && self.employment == Employment::Flexible)
    }

    fn who(&self, today: NaiveDate) -> String {
        match self.age(today) {
            Some(a) => format!("{}（{}，{a} 岁）", self.name, self.relation),
            None => format!("{}（{}）", self.name, self.relation),
        }
    }

    fn health_text(&self) -> String {
        match (self.health, self.disability_grade) {
            (Health::Disabled, Some(g)) => format!("残疾（{g} 级）"),
            (h, _) => h.label().to_owned(),
        }
    }
}

/// Whether a resource suits a household, and why. Pure: the caller has
/// already kept to the resource's region and left out households under no
/// assistance or already matched to the resource.
///
/// - jobs: a person of working age, able to work, unemployed or laid off;
/// - training: the same, or in flexible employment;
/// - donations for school (助学): a person in school; for medical care: a
///   person ill or disabled;
/// - medical services and rehabilitation: a person ill or disabled;
/// - day care and meals, and volunteers' help: a person who cannot look
///   after themselves ([`Person::cannot_look_after_themselves`]);
/// - legal services: a household whose causes include 社保或待遇未落实;
/// - every resource: an open measure of the household's plan on the resource's
///   track (and programme, if it names one), or, when it names none, on a
///   track leading to the pathway the resource serves.
pub fn suggest(need: &Need, c: &Candidate, today: NaiveDate) -> Option<Suggestion> {
    let mut reasons = Vec::new();
    let mut person = None;
    let mut each = |p: &Person, why: String, reasons: &mut Vec<String>| {
        if person.is_none() {
            person = Some(p.name.clone());
        }
        reasons.push(format!("{}{why}", p.who(today)));
    };
    match need.kind {
        ResourceKind::Job | ResourceKind::Training => {
            let training = need.kind == ResourceKind::Training;
            for p in &c.persons {
                let working_age = p.age(today).is_some_and(|a| WORKING_AGE.contains(&a));
                if working_age && p.can_work() && p.looking_for_work(training) {
                    each(
                        p,
                        format!("有劳动能力，{}", p.employment.label()),
                        &mut reasons,
                    );
                }
            }
        }
        ResourceKind::Cash | ResourceKind::Goods => match need.aim {
            Some(Aim::Education) => {
                for p in c.persons.iter().filter(|p| p.in_school()) {
                    each(p, format!("在读{}", p.schooling.label()), &mut reasons);
                }
            }
            Some(Aim::Medical) => {
                for p in c.persons.iter().filter(|p| p.ill()) {
                    each(p, p.health_text(), &mut reasons);
                }
            }
            _ => {}
        },
        ResourceKind::Service => match need.service {
            Some(ServiceKind::Medical | ServiceKind::Rehabilitation) => {
                for p in c.persons.iter().filter(|p| p.ill()) {
                    each(p, p.health_text(), &mut reasons);
                }
            }
            Some(ServiceKind::DayCare | ServiceKind::Meals) => {
                for p in c
                    .persons
                    .iter()
                    .filter(|p| p.cannot_look_after_themselves())
                {
                    each(
                        p,
                        format!("{}，生活不能自理", p.health_text()),
                        &mut reasons,
                    );
                }
            }
            Some(ServiceKind::Legal) if c.causes.contains(Cause::Entitlements) => {
                reasons.push(format!("致困原因：{}", Cause::Entitlements.label()));
            }
            Some(ServiceKind::Legal) | None => {}
        },
        ResourceKind::Volunteering => {
            for p in c
                .persons
                .iter()
                .filter(|p| p.cannot_look_after_themselves())
            {
                each(p, format!("{}，需要照料", p.health_text()), &mut reasons);
            }
        }
    }
    let pathway = need.pathway();
    for m in &c.measures {
        let fits = match (&need.track, &need.programme) {
            (Some(t), Some(p)) => &m.track == t && m.programme.as_ref() == Some(p),
            (Some(t), None) => &m.track == t,
            (None, _) => {
                pathway.is_some()
                    && (pathway_of_code(&m.track) == pathway
                        || m.programme.as_deref().and_then(pathway_of_code) == pathway)
            }
        };
        if fits {
            reasons.push(format!("帮扶计划有未完成的“{}”措施", m.track_name));
            break;
        }
    }
    if reasons.is_empty() {
        return None;
    }
    if !need.kind.for_a_person() {
        person = None;
    } else if person.is_none() {
        // Suggested for a measure only: the worker is the one to ask.
        person = c.persons.first().map(|p| p.name.clone());
    }
    Some(Suggestion { reasons, person })
}

/// Checks the quantity a match takes from a resource with `remaining` left:
/// one for jobs, training and services; for the others at least one and no
/// more than what is left.
pub fn take(
    kind: ResourceKind,
    asked: Option<i64>,
    remaining: i64,
) -> Result<i64, ValidationError> {
    let q = if kind.one_each() {
        1
    } else {
        match asked {
            Some(q) if q > 0 => q,
            _ => {
                return Err(ValidationError::new(
                    "quantity",
                    if kind == ResourceKind::Cash {
                        "请填写发放金额（大于 0）"
                    } else {
                        "请填写数量（大于 0）"
                    },
                ))
            }
        }
    };
    if q > remaining {
        return Err(ValidationError::new(
            "quantity",
            if remaining == 0 {
                "该资源已全部对接完毕".to_owned()
            } else {
                format!("超过剩余数量（剩余 {remaining}）")
            },
        ));
    }
    Ok(q)
}

/// What a provider gave over a period (感谢信 and the report per provider):
/// the sums of its delivered matches, by what each resource was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Given {
    /// Cash paid to households from its donations.
    pub cash: crate::Fen,
    /// Items of goods received, and their value.
    pub goods: i64,
    pub goods_value: crate::Fen,
    /// Jobs filled.
    pub jobs: i64,
    /// Persons trained.
    pub trainees: i64,
    /// Persons served (medical, legal, care).
    pub services: i64,
    /// Volunteer hours given.
    pub hours: i64,
}

impl Given {
    /// Counts one delivered match of a resource of `kind` that took
    /// `quantity`, each item worth `unit_value` (goods).
    pub fn add(&mut self, kind: ResourceKind, quantity: i64, unit_value: crate::Fen) {
        match kind {
            ResourceKind::Cash => self.cash = crate::Fen(self.cash.0.saturating_add(quantity)),
            ResourceKind::Goods => {
                self.goods = self.goods.saturating_add(quantity);
                self.goods_value = crate::Fen(
                    self.goods_value
                        .0
                        .saturating_add(unit_value.0.saturating_mul(quantity)),
                );
            }
            ResourceKind::Job => self.jobs += 1,
            ResourceKind::Training => self.trainees += 1,
            ResourceKind::Service => self.services += 1,
            ResourceKind::Volunteering => self.hours = self.hours.saturating_add(quantity),
        }
    }

    /// The sum of two providers' (a report's total line).
    pub fn plus(self, o: Given) -> Given {
        Given {
            cash: crate::Fen(self.cash.0.saturating_add(o.cash.0)),
            goods: self.goods.saturating_add(o.goods),
            goods_value: crate::Fen(self.goods_value.0.saturating_add(o.goods_value.0)),
            jobs: self.jobs + o.jobs,
            trainees: self.trainees + o.trainees,
            services: self.services + o.services,
            hours: self.hours.saturating_add(o.hours),
        }
    }

    /// What was given, as the sentence of a letter of thanks lists it.
    pub fn phrases(&self) -> Vec<String> {
        let mut v = Vec::new();
        if self.cash.0 > 0 {
            v.push(format!("捐赠资金 {} 元", self.cash.yuan_grouped()));
        }
        if self.goods > 0 {
            v.push(format!(
                "捐赠物资 {} 件（折价 {} 元）",
                self.goods,
                self.goods_value.yuan_grouped()
            ));
        }
        if self.jobs > 0 {
            v.push(format!("提供就业岗位安置 {} 人", self.jobs));
        }
        if self.trainees > 0 {
            v.push(format!("培训 {} 人", self.trainees));
        }
        if self.services > 0 {
            v.push(format!("提供服务 {} 人次", self.services));
        }
        if self.hours > 0 {
            v.push(format!("志愿服务 {} 小时", self.hours));
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn worker() -> Person {
        Person {
            name: "王建国".into(),
            relation: "职工本人".into(),
            birth_date: Some(d(1980, 5, 1)),
            health: Health::Healthy,
            disability_grade: None,
            labour_capacity: Some(LabourCapacity::Full),
            employment: Employment::Employed,
            schooling: Schooling::NotInSchool,
        }
    }

    fn member(name: &str, relation: &str, born: NaiveDate) -> Person {
        Person {
            name: name.into(),
            relation: relation.into(),
            birth_date: Some(born),
            labour_capacity: None,
            ..worker()
        }
    }

    fn household(persons: Vec<Person>) -> Candidate {
        Candidate {
            persons,
            causes: Causes::default(),
            measures: Vec::new(),
        }
    }

    fn need(kind: ResourceKind) -> Need {
        Need::new(kind, None, None, None, None).unwrap_or(Need {
            kind,
            service: Some(ServiceKind::Medical),
            aim: None,
            track: None,
            programme: None,
        })
    }

    const TODAY: fn() -> NaiveDate = || d(2026, 12, 7);

    #[test]
    fn who_a_job_is_suggested_for() {
        let cases: Vec<(&str, Person, bool)> = vec![
            (
                "unemployed, able, 46",
                Person {
                    employment: Employment::Unemployed,
                    ..worker()
                },
                true,
            ),
            (
                "laid off",
                Person {
                    employment: Employment::LaidOff,
                    ..worker()
                },
                true,
            ),
            ("employed", worker(), false),
            (
                "flexible employment: training, not a job",
                Person {
                    employment: Employment::Flexible,
                    ..worker()
                },
                false,
            ),
            (
                "no labour capacity",
                Person {
                    employment: Employment::Unemployed,
                    labour_capacity: Some(LabourCapacity::None),
                    ..worker()
                },
                false,
            ),
            (
                "partial capacity still works",
                Person {
                    employment: Employment::Unemployed,
                    labour_capacity: Some(LabourCapacity::Partial),
                    ..worker()
                },
                true,
            ),
            (
                "60: past working age",
                Person {
                    employment: Employment::Unemployed,
                    birth_date: Some(d(1966, 12, 7)),
                    ..worker()
                },
                false,
            ),
            (
                "turns 60 tomorrow: still of working age",
                Person {
                    employment: Employment::Unemployed,
                    birth_date: Some(d(1966, 12, 8)),
                    ..worker()
                },
                true,
            ),
            (
                "15: too young",
                Person {
                    employment: Employment::Unemployed,
                    ..member("王小明", "子女", d(2011, 6, 1))
                },
                false,
            ),
            (
                "a member seriously ill cannot work",
                Person {
                    employment: Employment::Unemployed,
                    health: Health::Serious,
                    ..member("李芳", "配偶", d(1982, 1, 1))
                },
                false,
            ),
            (
                "a member with a grade 4 disability can",
                Person {
                    employment: Employment::Unemployed,
                    health: Health::Disabled,
                    disability_grade: Some(4),
                    ..member("李芳", "配偶", d(1982, 1, 1))
                },
                true,
            ),
            (
                "birth date unknown",
                Person {
                    employment: Employment::Unemployed,
                    birth_date: None,
                    ..worker()
                },
                false,
            ),
        ];
        for (what, p, expected) in cases {
            let got = suggest(&need(ResourceKind::Job), &household(vec![p]), TODAY());
            assert_eq!(got.is_some(), expected, "{what}");
        }
    }

    #[test]
    fn training_also_takes_flexible_workers() {
        let p = Person {
            employment: Employment::Flexible,
            ..worker()
        };
        let s = suggest(&need(ResourceKind::Training), &household(vec![p]), TODAY());
        assert_eq!(
            s.map(|s| s.reasons),
            Some(vec![
                "王建国（职工本人，46 岁）有劳动能力，灵活就业".to_owned()
            ])
        );
    }

    #[test]
    fn a_job_names_the_first_person_who_fits_and_explains_each() {
        let spouse = Person {
            employment: Employment::LaidOff,
            ..member("李芳", "配偶", d(1982, 3, 2))
        };
        let child = Person {
            employment: Employment::Unemployed,
            ..member("王磊", "子女", d(2003, 9, 9))
        };
        let s = suggest(
            &need(ResourceKind::Job),
            &household(vec![worker(), spouse, child]),
            TODAY(),
        );
        let Some(s) = s else { panic!("suggested") };
        assert_eq!(s.person.as_deref(), Some("李芳"));
        assert_eq!(
            s.reasons,
            vec![
                "李芳（配偶，44 岁）有劳动能力，下岗",
                "王磊（子女，23 岁）有劳动能力，失业"
            ]
        );
    }

    #[test]
    fn donations_for_school_go_to_students_and_for_care_to_the_ill() {
        let student = Person {
            schooling: Schooling::Junior,
            ..member("王小明", "子女", d(2012, 6, 1))
        };
        let school = Need::new(ResourceKind::Goods, None, Some(Aim::Education), None, None)
            .unwrap_or_else(|_| need(ResourceKind::Goods));
        let s = suggest(&school, &household(vec![worker(), student]), TODAY());
        assert_eq!(
            s.map(|s| (s.reasons, s.person)),
            Some((vec!["王小明（子女，14 岁）在读初中".to_owned()], None))
        );
        assert!(suggest(&school, &household(vec![worker()]), TODAY()).is_none());

        let medical = Need::new(ResourceKind::Cash, None, Some(Aim::Medical), None, None)
            .unwrap_or_else(|_| need(ResourceKind::Cash));
        let ill = Person {
            health: Health::Disabled,
            disability_grade: Some(2),
            ..worker()
        };
        let s = suggest(&medical, &household(vec![ill]), TODAY());
        assert_eq!(
            s.map(|s| s.reasons),
            Some(vec!["王建国（职工本人，46 岁）残疾（2 级）".to_owned()])
        );
        // A donation for anything suggests nobody by itself.
        let any = Need::new(ResourceKind::Cash, None, None, None, None)
            .unwrap_or_else(|_| need(ResourceKind::Cash));
        assert_eq!(any.aim, Some(Aim::Any));
        let student = Person {
            schooling: Schooling::Senior,
            ..worker()
        };
        assert!(suggest(&any, &household(vec![student]), TODAY()).is_none());
    }

    #[test]
    fn services_by_their_kind() {
        let service = |s| {
            Need::new(ResourceKind::Service, Some(s), None, None, None)
                .unwrap_or_else(|_| need(ResourceKind::Service))
        };
        let chronic = Person {
            health: Health::Chronic,
            ..worker()
        };
        let bedridden = Person {
            health: Health::Serious,
            ..member("张秀英", "父母", d(1950, 2, 2))
        };
        let h = household(vec![chronic.clone()]);
        assert!(suggest(&service(ServiceKind::Medical), &h, TODAY()).is_some());
        assert!(suggest(&service(ServiceKind::Rehabilitation), &h, TODAY()).is_some());
        assert!(suggest(&service(ServiceKind::DayCare), &h, TODAY()).is_none());
        let h = household(vec![chronic, bedridden]);
        let s = suggest(&service(ServiceKind::Meals), &h, TODAY());
        assert_eq!(
            s.map(|s| s.reasons),
            Some(vec![
                "张秀英（父母，76 岁）重大疾病，生活不能自理".to_owned()
            ])
        );
        assert!(suggest(&need(ResourceKind::Volunteering), &h, TODAY()).is_some());
        let mut legal = household(vec![worker()]);
        assert!(suggest(&service(ServiceKind::Legal), &legal, TODAY()).is_none());
        legal.causes = Causes::parse_list("entitlements").unwrap_or_default();
        assert_eq!(
            suggest(&service(ServiceKind::Legal), &legal, TODAY()).map(|s| s.reasons),
            Some(vec!["致困原因：社保或待遇未落实".to_owned()])
        );
        assert!(
            Need::new(ResourceKind::Service, None, None, None, None).is_err(),
            "a service names its kind"
        );
    }

    #[test]
    fn open_measures_on_the_offers_track_suggest_the_household() {
        let mut h = household(vec![worker()]);
        h.measures.push(OpenMeasure {
            track: "employment".into(),
            programme: Some("skills".into()),
            track_name: "就业帮扶".into(),
        });
        // A job resource naming no track serves measures leading to 就业创业.
        let s = suggest(&need(ResourceKind::Job), &h, TODAY());
        assert_eq!(
            s.map(|s| (s.reasons, s.person)),
            Some((
                vec!["帮扶计划有未完成的“就业帮扶”措施".to_owned()],
                Some("王建国".to_owned())
            ))
        );
        // Naming a track and programme: only those.
        let on = |t: &str, p: Option<&str>| {
            Need::new(
                ResourceKind::Goods,
                None,
                None,
                Some(t.into()),
                p.map(Into::into),
            )
            .unwrap_or_else(|_| need(ResourceKind::Goods))
        };
        assert!(suggest(&on("employment", None), &h, TODAY()).is_some());
        assert!(suggest(&on("employment", Some("skills")), &h, TODAY()).is_some());
        assert!(suggest(&on("employment", Some("startup")), &h, TODAY()).is_none());
        assert!(suggest(&on("medical", None), &h, TODAY()).is_none());
        // A donation for anything, with no track, matches no measure.
        assert!(suggest(&need(ResourceKind::Cash), &h, TODAY()).is_none());
    }

    #[test]
    fn what_each_kind_is_recorded_as() {
        let cases = [
            (ResourceKind::Job, None, None, "job", MatchStatus::Hired),
            (
                ResourceKind::Training,
                None,
                None,
                "training",
                MatchStatus::Trained,
            ),
            (
                ResourceKind::Cash,
                None,
                Some(Aim::Education),
                "education",
                MatchStatus::Received,
            ),
            (
                ResourceKind::Goods,
                None,
                None,
                "living",
                MatchStatus::Received,
            ),
            (
                ResourceKind::Service,
                Some(ServiceKind::Legal),
                None,
                "legal",
                MatchStatus::Served,
            ),
            (
                ResourceKind::Service,
                Some(ServiceKind::Rehabilitation),
                None,
                "medical",
                MatchStatus::Served,
            ),
            (
                ResourceKind::Volunteering,
                None,
                None,
                "living",
                MatchStatus::Served,
            ),
        ];
        for (k, s, a, recorded, outcome) in cases {
            let n = Need::new(k, s, a, None, None);
            let Ok(n) = n else { panic!("{k:?}") };
            assert_eq!(n.assistance_kind(), recorded, "{k:?}");
            assert_eq!(k.delivered(), outcome);
            assert!(outcome.delivered() && outcome.holds() && !outcome.open());
        }
        assert!(pathway_of_code(kind::JOB) == Some(Pathway::Employment));
        assert!(!MatchStatus::Declined.holds() && !MatchStatus::Dismissed.holds());
    }

    #[test]
    fn ages_turn_on_the_birthday() {
        assert_eq!(age_on(d(1980, 5, 1), d(2026, 4, 30)), 45);
        assert_eq!(age_on(d(1980, 5, 1), d(2026, 5, 1)), 46);
        assert_eq!(age_on(d(2000, 2, 29), d(2026, 2, 28)), 25);
        assert_eq!(age_on(d(2030, 1, 1), d(2026, 1, 1)), 0);
    }

    #[test]
    fn what_a_provider_gave_adds_up_by_kind() {
        let mut g = Given::default();
        g.add(ResourceKind::Cash, 150_000, crate::Fen::ZERO);
        g.add(ResourceKind::Goods, 3, crate::Fen(20_000));
        g.add(ResourceKind::Job, 1, crate::Fen::ZERO);
        g.add(ResourceKind::Job, 1, crate::Fen::ZERO);
        g.add(ResourceKind::Volunteering, 12, crate::Fen::ZERO);
        assert_eq!(g.cash, crate::Fen(150_000));
        assert_eq!((g.goods, g.goods_value), (3, crate::Fen(60_000)));
        assert_eq!((g.jobs, g.trainees, g.services, g.hours), (2, 0, 0, 12));
        assert_eq!(
            g.phrases(),
            vec![
                "捐赠资金 1,500.00 元",
                "捐赠物资 3 件（折价 600.00 元）",
                "提供就业岗位安置 2 人",
                "志愿服务 12 小时"
            ]
        );
        assert_eq!(g.plus(g).jobs, 4);
        assert!(Given::default().phrases().is_empty());
    }

    proptest! {
        /// A match never takes more than is left, nor less than one.
        #[test]
        fn a_match_takes_between_one_and_what_is_left(
            k in 0usize..6, asked in proptest::option::of(-5i64..100), remaining in 0i64..50
        ) {
            let kind = ResourceKind::ALL[k];
            match take(kind, asked, remaining) {
                Ok(q) => {
                    prop_assert!(q >= 1 && q <= remaining);
                    if kind.one_each() { prop_assert_eq!(q, 1); }
                }
                Err(e) => prop_assert_eq!(e.field, "quantity"),
            }
        }

        /// Nobody is suggested without a reason, and every reason is shown.
        #[test]
        fn a_suggestion_always_says_why(
            k in 0usize..6, emp in 0usize..6, h in 0usize..4, year in 1940i32..2020,
        ) {
            let p = Person {
                employment: Employment::ALL[emp],
                health: Health::ALL[h],
                disability_grade: (Health::ALL[h] == Health::Disabled).then_some(1),
                birth_date: Some(d(year, 1, 1)),
                ..worker()
            };
            let n = Need::new(ResourceKind::ALL[k], Some(ServiceKind::DayCare), Some(Aim::Medical), None, None);
            let Ok(n) = n else { panic!("need") };
            if let Some(s) = suggest(&n, &household(vec![p]), TODAY()) {
                prop_assert!(!s.reasons.is_empty());
                prop_assert_eq!(s.person.is_some(), n.kind.for_a_person());
            }
        }
    }
}
