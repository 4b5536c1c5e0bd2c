//! The monthly run's judgement of one household (月度评估): ready to exit
//! (脱困), ready to be relieved (解困), fallen back after an exit (返困), no
//! longer eligible, measures overdue, and the identification changed.
//!
//! [`judge`] is a function of what is recorded about a household — its
//! months with the lines in force, its standing and flags, the exit and
//! identification evaluations of its months — and today's date. It decides
//! with types ([`Readiness`], [`Finding`]); the Chinese text of a to-do item
//! is built from a finding by [`Finding::message`]. The service loads the
//! facts, calls the rule and stores what it says.

use crate::exit::{self, ExitEvaluation, ReliefFlags};
use crate::household::{Cohort, Decision, Health, LabourCapacity, Status};
use crate::identification::{Identification, MonthFigures, Situation};
use crate::leaving::{suggest_pathway, within_follow_up, Pathway};
use crate::lines::decision_of;
use crate::{Month, ValidationError};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What a to-do item asks of the responsible person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TodoKind {
    ExitReady,
    ReliefReady,
    Relapse,
    NotEligible,
    PlanOverdue,
    CausesChanged,
    /// 预警: a department's data disagrees with the file (部门核对).
    Warning,
    /// 专项行动: an open task of a running campaign (回头看 / 户户清).
    Campaign,
    /// 上报: a file reported to the union that holds the item, to accept or return.
    Reported,
    /// 退回: a reported file returned to its union, to complete and report again.
    Returned,
}

impl TodoKind {
    pub const ALL: [TodoKind; 10] = [
        TodoKind::ExitReady,
        TodoKind::ReliefReady,
        TodoKind::Relapse,
        TodoKind::NotEligible,
        TodoKind::PlanOverdue,
        TodoKind::CausesChanged,
        TodoKind::Warning,
        TodoKind::Campaign,
        TodoKind::Reported,
        TodoKind::Returned,
    ];

    pub fn code(self) -> &'static str {
        match self {
            TodoKind::ExitReady => "exit_ready",
            TodoKind::ReliefReady => "relief_ready",
            TodoKind::Relapse => "relapse",
            TodoKind::NotEligible => "not_eligible",
            TodoKind::PlanOverdue => "plan_overdue",
            TodoKind::CausesChanged => "causes_changed",
            TodoKind::Warning => "warning",
            TodoKind::Campaign => "campaign",
            TodoKind::Reported => "reported",
            TodoKind::Returned => "returned",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TodoKind::ExitReady => "达到脱困标准，待确认脱困",
            TodoKind::ReliefReady => "达到解困条件，待确认解困",
            TodoKind::Relapse => "脱困后返困，待重新建档",
            TodoKind::NotEligible => "已不符合建档条件，待复核",
            TodoKind::PlanOverdue => "帮扶措施逾期未完成",
            TodoKind::CausesChanged => "符合的建档条件发生变化",
            TodoKind::Warning => "部门核对发现与档案不符，待核实处置",
            TodoKind::Campaign => "专项行动任务，待入户核查办理",
            TodoKind::Reported => "下级上报的档案，待接收或退回",
            TodoKind::Returned => "上报的档案被退回，待补充完善后重新上报",
        }
    }

    /// A short label for tables.
    pub fn short(self) -> &'static str {
        match self {
            TodoKind::ExitReady => "待确认脱困",
            TodoKind::ReliefReady => "待确认解困",
            TodoKind::Relapse => "返困",
            TodoKind::NotEligible => "不再符合条件",
            TodoKind::PlanOverdue => "措施逾期",
            TodoKind::CausesChanged => "条件变化",
            TodoKind::Warning => "核对预警",
            TodoKind::Campaign => "专项行动",
            TodoKind::Reported => "待接收上报",
            TodoKind::Returned => "上报被退回",
        }
    }

    pub fn parse(raw: &str) -> Result<TodoKind, ValidationError> {
        let raw = raw.trim();
        TodoKind::ALL
            .into_iter()
            .find(|k| k.code() == raw || k.short() == raw)
            .ok_or_else(|| {
                ValidationError::new(
                    "kind",
                    format!(
                        "未知待办类别“{raw}”，可选：exit_ready、relief_ready、relapse、not_eligible、plan_overdue、causes_changed、warning、campaign、reported、returned"
                    ),
                )
            })
    }

    /// The kind's place in [`TodoKind::ALL`] (for counts kept in that order).
    pub fn position(self) -> usize {
        TodoKind::ALL.iter().position(|k| *k == self).unwrap_or(0)
    }
}

/// The identification stored on a file, as lists and counts read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredDecision {
    pub decision: Decision,
    /// 1..=4 when eligible.
    pub condition: Option<i32>,
    pub cohort: Cohort,
}

/// Why a household on file is ready to exit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExitGround {
    /// Taken into 低保, 特困供养 or another scheme in this month, after filing,
    /// without months above the line: out of hardship by itself.
    SafetyNet(Month),
    /// The income standard: the exit evaluation's first reason.
    Income(String),
}

/// One thing the run found, from which a to-do item is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// Open measures past their due date (on file or relieved).
    PlanOverdue { measures: i64 },
    ExitReady {
        ground: ExitGround,
        pathway: Pathway,
    },
    /// The relief evaluation's first reason.
    ReliefReady { reason: String },
    /// Flagged by hand on a day, or found now by the relapse rule.
    Relapse {
        flagged_on: Option<NaiveDate>,
        reason: String,
    },
    /// The identification's first reason, if it gave one.
    NotEligible { reason: Option<String> },
    /// The condition met changed (both eligible).
    CausesChanged { from: Option<i32>, to: Option<i32> },
}

impl Finding {
    pub fn kind(&self) -> TodoKind {
        match self {
            Finding::PlanOverdue { .. } => TodoKind::PlanOverdue,
            Finding::ExitReady { .. } => TodoKind::ExitReady,
            Finding::ReliefReady { .. } => TodoKind::ReliefReady,
            Finding::Relapse { .. } => TodoKind::Relapse,
            Finding::NotEligible { .. } => TodoKind::NotEligible,
            Finding::CausesChanged { .. } => TodoKind::CausesChanged,
        }
    }

    /// The detail of the to-do item, in Chinese.
    pub fn message(&self) -> String {
        match self {
            Finding::PlanOverdue { measures } => {
                format!("有 {measures} 项帮扶措施已过完成期限仍未完成")
            }
            Finding::ExitReady { ground, pathway } => {
                let why = match ground {
                    ExitGround::SafetyNet(m) => {
                        format!("建档后自 {m} 起纳入低保、特困供养等社会救助")
                    }
                    ExitGround::Income(reason) => reason.clone(),
                };
                format!(
                    "{why}；建议脱困路径：{}。请核实致困原因是否已消除",
                    pathway.label()
                )
            }
            Finding::ReliefReady { reason } => reason.clone(),
            Finding::Relapse {
                flagged_on: Some(on),
                reason,
            } => format!("{on} 标记返困：{reason}。请重新建档（增量库）"),
            Finding::Relapse {
                flagged_on: None,
                reason,
            } => format!("{reason}。请重新建档（增量库）"),
            Finding::NotEligible { reason } => format!(
                "按现行标准已不符合建档条件：{}",
                reason.as_deref().unwrap_or("按现有数据不符合任何建档条件")
            ),
            Finding::CausesChanged { from, to } => {
                let name = |c: &Option<i32>| c.map_or("—".to_owned(), |c| format!("条件{c}"));
                format!(
                    "符合的建档条件由{}变为{}，请核实家庭情况和帮扶措施",
                    name(from),
                    name(to)
                )
            }
        }
    }
}

/// What the run concludes about one household.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Readiness {
    /// On file and the exit standard met (or taken into the safety net
    /// after filing): the pathway to suggest.
    pub ready_pathway: Option<Pathway>,
    /// On file and the relief standard met.
    pub relief_ready: bool,
    /// Exited, followed, and fallen back below the line: why (set only when
    /// not flagged before).
    pub relapse: Option<String>,
    /// The identification with today's lines, when it differs from the
    /// stored one: to be stored (as re-identification does).
    pub decision: Option<StoredDecision>,
    /// To-do items for this month, in the order found.
    pub findings: Vec<Finding>,
}

/// What the rule reads of a household on file.
#[derive(Debug, Clone, Copy)]
pub struct OnFile<'a> {
    pub filed_on: NaiveDate,
    pub dibao_since: Option<Month>,
    pub other_relief_since: Option<Month>,
    pub labour_capacity: LabourCapacity,
    pub health: Health,
    /// The region's baseline cut-off (存量 / 增量库).
    pub baseline_cutoff: NaiveDate,
    /// What is stored on the file now.
    pub stored: StoredDecision,
    /// The exit standard on the file's months.
    pub exit: &'a ExitEvaluation,
    /// The identification of the file's months with today's lines.
    pub identification: &'a Identification,
    /// Catalogue codes of completed measures and assistance given, newest first.
    pub pathway_codes: &'a [String],
    /// A regular subsidy (常态化帮扶) runs this month.
    pub subsidised: bool,
    /// An exit, relief or removal decision is under way: what it decides is
    /// not asked again.
    pub open_decision: bool,
}

/// What the rule reads of a household that exited.
#[derive(Debug, Clone, Copy)]
pub struct Exited<'a> {
    /// The day the exit took effect.
    pub left_on: Option<NaiveDate>,
    /// The last day of its follow-up.
    pub follow_until: Option<NaiveDate>,
    /// Already reopened as a new file.
    pub reopened: bool,
    /// A relapse flagged before (by hand or by an earlier run): when and why.
    pub flagged: Option<(NaiveDate, &'a str)>,
}

/// Where a household stands, with what the rule reads of it there.
#[derive(Debug, Clone, Copy)]
pub enum Standing<'a> {
    OnFile(OnFile<'a>),
    Exited(Exited<'a>),
    /// Any other status: only overdue measures are looked at.
    Other(Status),
}

impl Standing<'_> {
    pub fn status(&self) -> Status {
        match self {
            Standing::OnFile(_) => Status::OnFile,
            Standing::Exited(_) => Status::Exited,
            Standing::Other(s) => *s,
        }
    }
}

/// Everything [`judge`] reads.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub today: NaiveDate,
    /// Worker plus members (at least 1).
    pub size: u32,
    /// `N`: the region's window.
    pub window_months: u32,
    /// The recorded months, each with the line in force for the file's
    /// region (months without a line left out), in any order.
    pub months: &'a [MonthFigures],
    /// Open measures past their due date.
    pub overdue_measures: i64,
    pub standing: Standing<'a>,
}

/// Households that cannot get out of hardship by work (the programme's rule
/// of 解困): no labour capacity, a serious illness or a disability.
pub fn cannot_get_out(labour_capacity: LabourCapacity, health: Health) -> bool {
    labour_capacity == LabourCapacity::None || matches!(health, Health::Serious | Health::Disabled)
}

/// Judges one household as the monthly run does (see the module's doc).
///
/// Refuses what the relief and relapse rules refuse (a bad window, the same
/// month twice, negative money): such a file cannot be judged.
pub fn judge(f: &Facts<'_>) -> Result<Readiness, ValidationError> {
    let mut out = Readiness::default();
    if f.standing.status().under_assistance() && f.overdue_measures > 0 {
        out.findings.push(Finding::PlanOverdue {
            measures: f.overdue_measures,
        });
    }
    match &f.standing {
        Standing::OnFile(o) => on_file(f, o, &mut out)?,
        Standing::Exited(e) => after_exit(f, e, &mut out)?,
        Standing::Other(_) => {}
    }
    Ok(out)
}

fn household(f: &Facts<'_>, months: Vec<MonthFigures>) -> Situation {
    Situation::of(f.size.max(1), months)
}

fn on_file(f: &Facts<'_>, o: &OnFile<'_>, out: &mut Readiness) -> Result<(), ValidationError> {
    let this_month = Month::of_date(f.today);
    let filed = Month::of_date(o.filed_on);
    let nets = [o.dibao_since, o.other_relief_since];
    let in_net = nets.iter().flatten().any(|m| *m <= this_month);
    let net_since_filing = nets
        .iter()
        .flatten()
        .filter(|m| **m > filed && **m <= this_month)
        .min()
        .copied();

    if o.exit.meets_standard || net_since_filing.is_some() {
        out.ready_pathway = Some(suggest_pathway(
            net_since_filing.is_some(),
            o.pathway_codes.iter().map(String::as_str),
        ));
    }

    let relief = exit::relief_ready(
        &household(f, f.months.to_vec()),
        ReliefFlags {
            in_safety_net: in_net,
            under_regular_assistance: o.subsidised,
        },
        f.window_months,
    )?;
    out.relief_ready = relief.ready;

    if let Some(pathway) = out.ready_pathway.filter(|_| !o.open_decision) {
        if !(out.relief_ready && cannot_get_out(o.labour_capacity, o.health)) {
            let ground = match net_since_filing {
                Some(m) if !o.exit.meets_standard => ExitGround::SafetyNet(m),
                _ => ExitGround::Income(o.exit.reasons.first().cloned().unwrap_or_default()),
            };
            out.findings.push(Finding::ExitReady { ground, pathway });
        }
    }
    if out.relief_ready && !o.open_decision {
        out.findings.push(Finding::ReliefReady {
            reason: relief.reasons.first().cloned().unwrap_or_default(),
        });
    }

    let (decision, condition) = decision_of(o.identification);
    let now = StoredDecision {
        decision,
        condition,
        cohort: Cohort::of(o.filed_on, o.baseline_cutoff),
    };
    if decision == Decision::NotEligible
        && !o.open_decision
        && out.ready_pathway.is_none()
        && !out.relief_ready
    {
        out.findings.push(Finding::NotEligible {
            reason: o.identification.reasons.first().cloned(),
        });
    }
    if o.stored.decision == Decision::Eligible
        && decision == Decision::Eligible
        && o.stored.condition != condition
    {
        out.findings.push(Finding::CausesChanged {
            from: o.stored.condition,
            to: condition,
        });
    }
    if now != o.stored {
        out.decision = Some(now);
    }
    Ok(())
}

fn after_exit(f: &Facts<'_>, e: &Exited<'_>, out: &mut Readiness) -> Result<(), ValidationError> {
    if !within_follow_up(e.follow_until, f.today) || e.reopened {
        return Ok(());
    }
    if let Some((on, reason)) = e.flagged {
        out.findings.push(Finding::Relapse {
            flagged_on: Some(on),
            reason: reason.to_owned(),
        });
        return Ok(());
    }
    if let Some(reason) = relapse_reason(f, e.left_on)? {
        out.findings.push(Finding::Relapse {
            flagged_on: None,
            reason: reason.clone(),
        });
        out.relapse = Some(reason);
    }
    Ok(())
}

/// The relapse rule on the months recorded since the household left.
fn relapse_reason(
    f: &Facts<'_>,
    left_on: Option<NaiveDate>,
) -> Result<Option<String>, ValidationError> {
    let Some(left) = left_on.map(Month::of_date) else {
        return Ok(None);
    };
    let since = f
        .months
        .iter()
        .filter(|m| m.month >= left)
        .copied()
        .collect();
    let r = exit::relapsed(&household(f, since), f.window_months)?;
    Ok(r.relapsed
        .then(|| r.reasons.first().cloned().unwrap_or_default()))
}

#[cfg(test)]
mod tests;
