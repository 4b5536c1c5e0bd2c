use super::*;
use crate::identification::Params;
use crate::Fen;
use proptest::prelude::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn m(s: &str) -> Month {
    Month::parse("month", s).unwrap()
}

/// Six months 2024-01..06 of a household of 2 under a line of 600 yuan a
/// person: `income` and `rigid` are household totals in yuan.
fn months(income: i64, rigid: i64) -> Vec<MonthFigures> {
    (1..=6)
        .map(|i| MonthFigures {
            month: m(&format!("2024-{i:02}")),
            income: Fen(income * 100),
            rigid_expenditure: Fen(rigid * 100),
            dibao_line: Fen(60_000),
            low_income_line: None,
        })
        .collect()
}

fn exit_eval(meets: bool) -> ExitEvaluation {
    ExitEvaluation {
        meets_standard: meets,
        causes_removed: true,
        insufficient_data: false,
        window_months: 6,
        window: vec![],
        reasons: vec![if meets {
            "收入达标"
        } else {
            "收入未达标"
        }
        .to_owned()],
    }
}

fn ident(eligible: bool, condition: Option<u8>) -> Identification {
    Identification {
        eligible,
        condition,
        migrant: false,
        insufficient_data: false,
        category: None,
        window: vec![],
        reasons: if eligible {
            vec![]
        } else {
            vec!["收入高于低收入标准".to_owned()]
        },
        months: vec![],
        params: Params::default(),
        refer_for_dibao: false,
    }
}

const CUTOFF: &str = "2023-12-31";

/// One household on file, filed 2024-01-10, eligible under condition 2,
/// stored as such, and nothing else: each case changes what it names.
#[derive(Debug, Clone)]
struct Case {
    exit_meets: bool,
    dibao_since: Option<Month>,
    subsidised: bool,
    income: i64,
    rigid: i64,
    labour: LabourCapacity,
    health: Health,
    open_decision: bool,
    eligible: bool,
    condition: Option<u8>,
    stored_condition: Option<i32>,
    codes: Vec<String>,
    overdue: i64,
}

impl Default for Case {
    fn default() -> Self {
        Case {
            exit_meets: false,
            dibao_since: None,
            subsidised: false,
            income: 1_000,
            rigid: 0,
            labour: LabourCapacity::Full,
            health: Health::Healthy,
            open_decision: false,
            eligible: true,
            condition: Some(2),
            stored_condition: Some(2),
            codes: vec![],
            overdue: 0,
        }
    }
}

impl Case {
    fn judge(&self) -> Readiness {
        let figures = months(self.income, self.rigid);
        let exit = exit_eval(self.exit_meets);
        let identification = ident(self.eligible, self.condition);
        judge(&Facts {
            today: d("2024-07-15"),
            size: 2,
            window_months: 6,
            months: &figures,
            overdue_measures: self.overdue,
            standing: Standing::OnFile(OnFile {
                filed_on: d("2024-01-10"),
                dibao_since: self.dibao_since,
                other_relief_since: None,
                labour_capacity: self.labour,
                health: self.health,
                baseline_cutoff: d(CUTOFF),
                stored: StoredDecision {
                    decision: Decision::Eligible,
                    condition: self.stored_condition,
                    cohort: Cohort::Incremental,
                },
                exit: &exit,
                identification: &identification,
                pathway_codes: &self.codes,
                subsidised: self.subsidised,
                open_decision: self.open_decision,
            }),
        })
        .unwrap()
    }
}

fn kinds(r: &Readiness) -> Vec<TodoKind> {
    r.findings.iter().map(Finding::kind).collect()
}

#[test]
fn on_file_table() {
    use TodoKind::*;
    let relief = Case {
        dibao_since: Some(m("2023-06")),
        subsidised: true,
        income: 1_500,
        ..Case::default()
    };
    // (case, household, suggested pathway, relief ready, items)
    type Row = (&'static str, Case, Option<Pathway>, bool, Vec<TodoKind>);
    let rows: Vec<Row> = vec![
        ("nothing to say", Case::default(), None, false, vec![]),
        (
            "income standard met: ready, pathway from the newest measure",
            Case {
                exit_meets: true,
                codes: vec!["unknown".into(), "job".into(), "medical".into()],
                ..Case::default()
            },
            Some(Pathway::Employment),
            false,
            vec![ExitReady],
        ),
        (
            "taken into 低保 after filing: ready by social assistance",
            Case {
                dibao_since: Some(m("2024-03")),
                ..Case::default()
            },
            Some(Pathway::SocialAssistance),
            false,
            vec![ExitReady],
        ),
        (
            "低保 from a month still to come counts for nothing",
            Case {
                dibao_since: Some(m("2024-09")),
                ..Case::default()
            },
            None,
            false,
            vec![],
        ),
        (
            "relief standard met by a household that can work",
            relief.clone(),
            None,
            true,
            vec![ReliefReady],
        ),
        (
            "relief needs the regular subsidy",
            Case {
                subsidised: false,
                ..relief.clone()
            },
            None,
            false,
            vec![],
        ),
        (
            "relief needs A(m) ≥ L after rigid expenditure",
            Case {
                rigid: 400,
                ..relief.clone()
            },
            None,
            false,
            vec![],
        ),
        (
            "ready both ways, able to work: both items",
            Case {
                exit_meets: true,
                ..relief.clone()
            },
            Some(Pathway::Other),
            true,
            vec![ExitReady, ReliefReady],
        ),
        (
            "ready both ways, cannot work: relief only",
            Case {
                exit_meets: true,
                labour: LabourCapacity::None,
                ..relief.clone()
            },
            Some(Pathway::Other),
            true,
            vec![ReliefReady],
        ),
        (
            "ready both ways, seriously ill: relief only",
            Case {
                exit_meets: true,
                health: Health::Serious,
                ..relief.clone()
            },
            Some(Pathway::Other),
            true,
            vec![ReliefReady],
        ),
        (
            "an open decision silences readiness but keeps the flags",
            Case {
                exit_meets: true,
                open_decision: true,
                ..relief.clone()
            },
            Some(Pathway::Other),
            true,
            vec![],
        ),
        (
            "no longer eligible",
            Case {
                eligible: false,
                condition: None,
                ..Case::default()
            },
            None,
            false,
            vec![NotEligible],
        ),
        (
            "no longer eligible but ready to exit: the exit only",
            Case {
                eligible: false,
                condition: None,
                exit_meets: true,
                ..Case::default()
            },
            Some(Pathway::Other),
            false,
            vec![ExitReady],
        ),
        (
            "no longer eligible with a decision open: nothing",
            Case {
                eligible: false,
                condition: None,
                open_decision: true,
                ..Case::default()
            },
            None,
            false,
            vec![],
        ),
        (
            "the condition changed",
            Case {
                condition: Some(4),
                ..Case::default()
            },
            None,
            false,
            vec![CausesChanged],
        ),
        (
            "measures overdue come first",
            Case {
                overdue: 3,
                exit_meets: true,
                ..Case::default()
            },
            Some(Pathway::Other),
            false,
            vec![PlanOverdue, ExitReady],
        ),
    ];
    for (name, case, pathway, relief_ready, expected) in rows {
        let r = case.judge();
        assert_eq!(r.ready_pathway, pathway, "{name}");
        assert_eq!(r.relief_ready, relief_ready, "{name}");
        assert_eq!(kinds(&r), expected, "{name}");
        assert_eq!(r.relapse, None, "{name}");
    }
}

#[test]
fn messages() {
    let r = Case {
        dibao_since: Some(m("2024-03")),
        ..Case::default()
    }
    .judge();
    assert_eq!(
        r.findings[0].message(),
        "建档后自 2024-03 起纳入低保、特困供养等社会救助；建议脱困路径：社会救助脱困。请核实致困原因是否已消除"
    );
    let r = Case {
        exit_meets: true,
        ..Case::default()
    }
    .judge();
    assert_eq!(
        r.findings[0].message(),
        "收入达标；建议脱困路径：其他帮扶脱困。请核实致困原因是否已消除"
    );
    let cases = [
        (
            Finding::PlanOverdue { measures: 2 },
            "有 2 项帮扶措施已过完成期限仍未完成",
        ),
        (
            Finding::NotEligible { reason: None },
            "按现行标准已不符合建档条件：按现有数据不符合任何建档条件",
        ),
        (
            Finding::NotEligible {
                reason: Some("收入过高".into()),
            },
            "按现行标准已不符合建档条件：收入过高",
        ),
        (
            Finding::CausesChanged {
                from: None,
                to: Some(3),
            },
            "符合的建档条件由—变为条件3，请核实家庭情况和帮扶措施",
        ),
        (
            Finding::Relapse {
                flagged_on: Some(d("2024-05-02")),
                reason: "失业".into(),
            },
            "2024-05-02 标记返困：失业。请重新建档（增量库）",
        ),
        (
            Finding::Relapse {
                flagged_on: None,
                reason: "连续低于低保".into(),
            },
            "连续低于低保。请重新建档（增量库）",
        ),
    ];
    for (f, text) in cases {
        assert_eq!(f.message(), text);
    }
}

#[test]
fn the_stored_identification_is_replaced_only_when_it_changed() {
    assert_eq!(Case::default().judge().decision, None);
    let r = Case {
        eligible: false,
        condition: None,
        ..Case::default()
    }
    .judge();
    assert_eq!(
        r.decision,
        Some(StoredDecision {
            decision: Decision::NotEligible,
            condition: None,
            cohort: Cohort::Incremental,
        })
    );
}

fn exited(
    today: &str,
    income: i64,
    flagged: Option<(NaiveDate, &str)>,
    reopened: bool,
) -> Readiness {
    let figures = months(income, 0);
    judge(&Facts {
        today: d(today),
        size: 2,
        window_months: 6,
        months: &figures,
        overdue_measures: 4,
        standing: Standing::Exited(Exited {
            left_on: Some(d("2023-12-20")),
            follow_until: Some(d("2024-12-20")),
            reopened,
            flagged,
        }),
    })
    .unwrap()
}

#[test]
fn after_exit_table() {
    let flagged = Some((d("2024-05-02"), "失业"));
    // (case, today, household income, flagged, reopened, relapse found, items)
    let rows = [
        (
            "followed and below the line",
            "2024-07-15",
            1_000,
            None,
            false,
            true,
            1,
        ),
        (
            "followed and above the line",
            "2024-07-15",
            1_300,
            None,
            false,
            false,
            0,
        ),
        (
            "the last day of follow-up",
            "2024-12-20",
            1_000,
            None,
            false,
            true,
            1,
        ),
        ("follow-up over", "2024-12-21", 1_000, None, false, false, 0),
        (
            "reopened already",
            "2024-07-15",
            1_000,
            None,
            true,
            false,
            0,
        ),
        (
            "flagged before: item again, no new relapse",
            "2024-07-15",
            1_000,
            flagged,
            false,
            false,
            1,
        ),
    ];
    for (name, today, income, flagged, reopened, relapse, items) in rows {
        let r = exited(today, income, flagged, reopened);
        assert_eq!(r.relapse.is_some(), relapse, "{name}");
        assert_eq!(r.findings.len(), items, "{name}");
        assert!(
            r.findings.iter().all(|f| f.kind() == TodoKind::Relapse),
            "{name}"
        );
        assert_eq!(r.ready_pathway, None, "{name}");
        assert!(!r.relief_ready, "{name}");
    }
    let r = exited("2024-07-15", 1_000, flagged, false);
    assert_eq!(
        r.findings[0].message(),
        "2024-05-02 标记返困：失业。请重新建档（增量库）"
    );
}

#[test]
fn months_before_leaving_do_not_count_for_a_relapse() {
    let figures = months(1_000, 0);
    let r = judge(&Facts {
        today: d("2024-07-15"),
        size: 2,
        window_months: 6,
        months: &figures,
        overdue_measures: 0,
        standing: Standing::Exited(Exited {
            left_on: Some(d("2024-03-01")),
            follow_until: Some(d("2025-03-01")),
            reopened: false,
            flagged: None,
        }),
    })
    .unwrap();
    assert_eq!(r.relapse, None);
    assert!(r.findings.is_empty());
}

#[test]
fn other_statuses_only_count_overdue_measures_while_assisted() {
    for (status, items) in [
        (Status::Relieved, 1),
        (Status::Removed, 0),
        (Status::Closed, 0),
    ] {
        let r = judge(&Facts {
            today: d("2024-07-15"),
            size: 1,
            window_months: 6,
            months: &[],
            overdue_measures: 1,
            standing: Standing::Other(status),
        })
        .unwrap();
        assert_eq!(r.findings.len(), items, "{status:?}");
    }
}

#[test]
fn cannot_get_out_table() {
    for (labour, health, expected) in [
        (LabourCapacity::Full, Health::Healthy, false),
        (LabourCapacity::Partial, Health::Chronic, false),
        (LabourCapacity::None, Health::Healthy, true),
        (LabourCapacity::Full, Health::Serious, true),
        (LabourCapacity::Partial, Health::Disabled, true),
    ] {
        assert_eq!(
            cannot_get_out(labour, health),
            expected,
            "{labour:?} {health:?}"
        );
    }
}

#[test]
fn todo_kinds_parse_from_code_and_short_label() {
    for (i, k) in TodoKind::ALL.into_iter().enumerate() {
        assert_eq!(TodoKind::parse(k.code()).unwrap(), k);
        assert_eq!(TodoKind::parse(k.short()).unwrap(), k);
        assert_eq!(k.position(), i);
    }
    assert!(TodoKind::parse("nope").is_err());
}

fn any_case() -> impl Strategy<Value = Case> {
    (
        (
            any::<bool>(),
            prop::option::of(1u32..12),
            any::<bool>(),
            0i64..3_000,
            0i64..1_500,
        ),
        (
            0usize..3,
            0usize..4,
            any::<bool>(),
            any::<bool>(),
            prop::option::of(1u8..5),
        ),
        (prop::option::of(1i32..5), 0i64..3),
    )
        .prop_map(
            |(
                (exit_meets, dibao, subsidised, income, rigid),
                (l, h, open, eligible, cond),
                (stored, overdue),
            )| Case {
                exit_meets,
                dibao_since: dibao.map(|i| m(&format!("2024-{i:02}"))),
                subsidised,
                income,
                rigid,
                labour: [
                    LabourCapacity::Full,
                    LabourCapacity::Partial,
                    LabourCapacity::None,
                ][l],
                health: [
                    Health::Healthy,
                    Health::Chronic,
                    Health::Serious,
                    Health::Disabled,
                ][h],
                open_decision: open,
                eligible,
                condition: if eligible { cond.or(Some(1)) } else { None },
                stored_condition: stored,
                codes: vec![],
                overdue,
            },
        )
}

proptest! {
    /// Each kind of item at most once, in the order of the rule; not
    /// eligible never beside a readiness; readiness items exactly when the
    /// flags say so and no decision is open.
    #[test]
    fn findings_follow_the_flags(case in any_case()) {
        let r = case.judge();
        let k = kinds(&r);
        let mut sorted = k.clone();
        sorted.dedup();
        prop_assert_eq!(&sorted, &k);
        prop_assert_eq!(k.contains(&TodoKind::PlanOverdue), case.overdue > 0);
        prop_assert_eq!(
            k.contains(&TodoKind::ReliefReady),
            r.relief_ready && !case.open_decision
        );
        let cannot = cannot_get_out(case.labour, case.health);
        prop_assert_eq!(
            k.contains(&TodoKind::ExitReady),
            r.ready_pathway.is_some() && !case.open_decision && !(r.relief_ready && cannot)
        );
        if k.contains(&TodoKind::NotEligible) {
            prop_assert!(r.ready_pathway.is_none() && !r.relief_ready && !case.open_decision);
        }
        prop_assert!(!k.contains(&TodoKind::Relapse));
        prop_assert!(r.relapse.is_none());
        for f in &r.findings {
            prop_assert!(!f.message().is_empty());
        }
    }

    /// An open decision changes what is asked, never what is stored.
    #[test]
    fn an_open_decision_only_silences(case in any_case()) {
        let open = Case { open_decision: true, ..case.clone() }.judge();
        let shut = Case { open_decision: false, ..case }.judge();
        prop_assert_eq!(open.ready_pathway, shut.ready_pathway);
        prop_assert_eq!(open.relief_ready, shut.relief_ready);
        prop_assert_eq!(open.decision, shut.decision);
        prop_assert!(open.findings.len() <= shut.findings.len());
    }

    /// Outside the follow-up nothing is found after an exit, whatever the months.
    #[test]
    fn nothing_after_the_follow_up(income in 0i64..3_000, days in 1i64..400) {
        let today = d("2024-12-20") + chrono::Duration::days(days);
        let r = exited(&today.to_string(), income, None, false);
        prop_assert_eq!(r, Readiness::default());
    }
}
