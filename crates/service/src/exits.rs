//! Leaving the file and coming back (DOMAIN.md §5, issue 5 items 1–5).
//!
//! An officer proposes a decision for a household on file — out of
//! hardship (脱困) by one of five pathways, relief (解困), or removal (退出)
//! — or the revocation of an approved one. A reviewer reviews it (with a
//! home visit), publishes it when its kind goes through public notice
//! (`Settings::exit_flow`), and a reviewer of the approving level
//! (`Settings::approval_level`, as for filings) approves it once the notice
//! has run its course, or rejects it. Approval changes the file's status in
//! the same transaction (and its span, so the statistics follow); a revocation
//! puts it back on file. Every step is a row of `exit_steps` and an audit
//! entry. Nothing is deleted.
//!
//! The rules checked when a decision is proposed:
//! - **out** (脱困): the officer confirms the causes of hardship are removed
//!   and picks a pathway; the latest `N` months are each above the line
//!   (`lines::evaluate_exit_file`, the same lines and `N` as identification)
//!   — unless the pathway is 社会救助 and the household was taken into 低保
//!   or another scheme after it was filed, which counts by itself (001
//!   §四(一)4);
//! - **relief** (解困): in the government's safety net (低保 or another
//!   scheme recorded), under the union's regular assistance (an active
//!   regular subsidy) and `A(m) ≥ L` over the latest `N` months
//!   (`exit::relief_ready`);
//! - **removal** (退出): a reason (re-check, death, moving away), a note and
//!   the evidence;
//! - **revoke** (撤销): an approved, not yet revoked decision of another kind
//!   whose file still has the status it gave, and a note why.
//!
//! A household has at most one open decision. After an exit the household
//! is followed for `Settings::follow_months`; within that period an officer
//! may flag a relapse (返困) by hand (the monthly run flags one when incomes
//! fall back), and a flagged household is reopened as a new file of the
//! incremental pool (增量库), linked both ways to the old one.

use crate::audit::{self, Record, Who};
use crate::books::Books;
use crate::clock::today;
use crate::households::{check_open_elsewhere, file_household};
use crate::{now, Actor, ServiceError, Services};
use bangfu_domain::audit::Action;
use bangfu_domain::exit::{self, ExitEvaluation, ReliefEvaluation, ReliefFlags};
use bangfu_domain::household::{
    parse_text, HouseholdData, HouseholdId, Member, MonthlyIncome, Status,
};
use bangfu_domain::identification::MonthFigures;
use bangfu_domain::leaving::{
    exit_no, follow_until, safety_net_since_filing, suggest_pathway, within_follow_up, ExitId,
    ExitKind, ExitStatus, ExitStep, Pathway, RemovalReason,
};
use bangfu_domain::lines::CAUSES_TO_CONFIRM;
use bangfu_domain::{Permission, UnionId, UnionLevel, ValidationError};
use bangfu_storage::exits::{self as store, Candidates, NewExit};
use bangfu_storage::{households, unions, Conn, Page, PageRequest, Scope, StorageError};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;

pub use bangfu_storage::exits::{CandidateFilter, Exit, ExitFilter, StepRecord};

/// A decision as typed in a form or an API request.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ExitInput {
    /// out, relief, removal or revoke (codes or labels).
    pub kind: String,
    /// Out: one of the five pathways (required).
    pub pathway: String,
    /// Removal: recheck, death or moved (required).
    pub reason: String,
    /// The officer's statement: required for a removal and a revocation.
    pub note: String,
    /// What supports it: required for a removal.
    pub evidence: String,
    /// Out: the officer confirms the causes of hardship are removed.
    pub causes_removed: bool,
    /// Revoke: the approved decision it revokes.
    pub revokes_id: Option<i64>,
}

/// One month of the window a decision was judged on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowMonth {
    /// `YYYY-MM`.
    pub month: String,
    /// Household disposable income, fen.
    pub income_fen: i64,
    /// Household rigid expenditure, fen.
    pub rigid_fen: i64,
    /// Out: per-capita income `I(m)`; relief: actual living level `A(m)`
    /// (fen per person, rounded down for display).
    pub per_capita_fen: i64,
    /// The 低保 line in force that month, fen per person.
    pub line_fen: i64,
    /// Out: `I(m) > L`; relief: `A(m) ≥ L` (exact, on household totals).
    pub ok: bool,
}

/// What the system evaluated for a decision: shown on the confirmation form
/// and stored on the decision (`evaluation_json`) as it was when proposed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    pub kind: String,
    /// Out: the income standard (every month of a full window above its
    /// line); relief: the relief standard; removal and revoke: true.
    pub met: bool,
    /// Out: taken into the safety net after filing — counts by itself with
    /// the pathway 社会救助.
    pub safety_net_since_filing: bool,
    /// In Chinese: the conclusion in one line.
    pub headline: String,
    /// In Chinese: every month or condition that failed, or the standard met.
    pub reasons: Vec<String>,
    /// `N`.
    pub window_months: u32,
    pub window: Vec<WindowMonth>,
    pub insufficient_data: bool,
    /// Household size the figures are divided by.
    pub size: u32,
    /// Relief: 低保 or another scheme recorded.
    pub in_safety_net: bool,
    /// Relief: an active regular subsidy.
    pub under_regular_assistance: bool,
    /// Out: the pathway the system suggests (a code).
    pub suggested_pathway: Option<String>,
    /// Out: confirmed by the officer (false on the form until they do).
    pub causes_removed: bool,
}

/// What the confirmation form shows before a decision is proposed.
#[derive(Debug, Clone)]
pub struct ExitPreview {
    pub household: households::Household,
    pub kind: ExitKind,
    pub evaluation: Evaluation,
    /// Out: the pre-selected pathway.
    pub suggested: Option<Pathway>,
    /// Why a decision of this kind cannot be proposed now (empty: it can,
    /// given the confirmation and the input the kind needs).
    pub blockers: Vec<String>,
    /// The household's open decision, if any.
    pub open: Option<Exit>,
    /// Revoke: the decision to revoke.
    pub revokes: Option<Exit>,
    /// The caller may propose (an officer).
    pub may_propose: bool,
}

/// A decision with everything its page shows.
#[derive(Debug, Clone)]
pub struct ExitDetail {
    pub exit: Exit,
    pub steps: Vec<StepRecord>,
    pub evaluation: Evaluation,
    /// Whether this decision's kind goes through public notice.
    pub notice: bool,
    /// The decision it revokes, and the one that revoked it.
    pub revokes: Option<Exit>,
    pub revoked_by: Option<Exit>,
    pub can_review: bool,
    pub can_notice: bool,
    pub can_object: bool,
    pub can_approve: bool,
    pub can_reject: bool,
    /// Why approval is not possible yet, when it is not.
    pub approve_blocked: Option<String>,
    /// An officer may propose revoking it.
    pub can_revoke: bool,
}

/// A household in one of the lists that lead to a decision.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub household: households::Household,
    /// Ready: the suggested pathway.
    pub pathway: Option<Pathway>,
    /// In Chinese: the months the standard was met over, or the relapse.
    pub summary: String,
}

/// What a list of decisions is narrowed to, as typed.
#[derive(Debug, Clone, Default)]
pub struct ExitQuery {
    pub kind: Option<String>,
    pub status: Option<String>,
    pub pathway: Option<String>,
    pub union_id: Option<i64>,
    pub household_id: Option<i64>,
    /// Only open (true) or closed (false) decisions.
    pub open: Option<bool>,
}

/// What a candidate list is narrowed to, as typed.
#[derive(Debug, Clone, Default)]
pub struct CandidateQuery {
    pub union_id: Option<i64>,
    /// Ready list: the suggested pathway.
    pub pathway: Option<String>,
}

/// The "退出与返困" card of a file's page.
#[derive(Debug, Clone)]
pub struct LeavingView {
    /// The file's decisions, newest first.
    pub decisions: Vec<Exit>,
    /// The exited file this one reopens, and the file that reopened it (in scope).
    pub previous: Option<(HouseholdId, String)>,
    pub reopened: Option<(HouseholdId, String)>,
    /// The kinds the caller may propose now (the standards are checked on the form).
    pub may_propose: Vec<ExitKind>,
    pub may_flag_relapse: bool,
    pub may_reopen: bool,
}

fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn stale() -> ServiceError {
    ServiceError::Conflict {
        field: "version",
        message: "该退出决定刚刚已被他人处理，请刷新页面查看最新状态。".into(),
    }
}

/// Why `actor` may not approve `e` now: the same rule as for filings.
fn approval_blocker(
    c: &mut Conn,
    actor: &Actor,
    e: &Exit,
    level: UnionLevel,
    today: NaiveDate,
) -> Result<Option<String>, ServiceError> {
    let what = format!("{}决定", e.kind.label());
    crate::applications::approval_blocked(c, actor, &what, e.notice_until, level, today)
}

fn out_evaluation(e: &ExitEvaluation, size: u32, net: bool, suggested: Pathway) -> Evaluation {
    let headline = if e.meets_standard {
        format!(
            "达到脱困收入标准：连续 {} 个月家庭人均可支配收入高于当月低保标准",
            e.window.len()
        )
    } else if net {
        "建档后已纳入低保或特困供养等社会救助，可按“社会救助脱困”认定".to_owned()
    } else if e.insufficient_data {
        "尚未达到脱困收入标准（收入数据不足）".to_owned()
    } else {
        "尚未达到脱困收入标准".to_owned()
    };
    Evaluation {
        kind: ExitKind::Out.code().into(),
        met: e.meets_standard,
        safety_net_since_filing: net,
        headline,
        reasons: e.reasons.clone(),
        window_months: e.window_months,
        window: e
            .window
            .iter()
            .map(|m| WindowMonth {
                month: m.month.to_string(),
                income_fen: m.income.0,
                rigid_fen: 0,
                per_capita_fen: m.per_capita_income.0,
                line_fen: m.dibao_line.0,
                ok: m.above_line,
            })
            .collect(),
        insufficient_data: e.insufficient_data,
        size,
        suggested_pathway: Some(suggested.code().into()),
        ..Default::default()
    }
}

fn relief_evaluation(r: &ReliefEvaluation, size: u32) -> Evaluation {
    let headline = if r.ready {
        format!(
            "符合解困条件：已纳入保障网和常态化帮扶，连续 {} 个月实际人均生活水平不低于低保标准",
            r.window.len()
        )
    } else if r.insufficient_data {
        "尚未达到解困条件（收入数据不足）".to_owned()
    } else {
        "尚未达到解困条件".to_owned()
    };
    Evaluation {
        kind: ExitKind::Relief.code().into(),
        met: r.ready,
        headline,
        reasons: r.reasons.clone(),
        window_months: r.window_months,
        window: r
            .window
            .iter()
            .map(|m| WindowMonth {
                month: m.month.to_string(),
                income_fen: m.income.0,
                rigid_fen: m.rigid_expenditure.0,
                per_capita_fen: m.actual_per_capita.0,
                line_fen: m.dibao_line.0,
                ok: m.at_or_above_line,
            })
            .collect(),
        insufficient_data: r.insufficient_data,
        size,
        in_safety_net: r.flags.in_safety_net,
        under_regular_assistance: r.flags.under_regular_assistance,
        ..Default::default()
    }
}

/// The pathway the system suggests for a household (DOMAIN.md §5): 社会救助
/// when taken into the safety net after filing, else the newest completed
/// measure or assistance that leads somewhere, else 其他帮扶.
fn suggestion(c: &mut Conn, h: &households::Household) -> Result<(Pathway, bool), ServiceError> {
    let net = safety_net_since_filing(
        h.data.filed_on,
        h.data.dibao_since,
        h.data.other_relief_since,
    );
    let codes = store::recent_codes(c, h.id)?;
    Ok((suggest_pathway(net, codes.iter().map(String::as_str)), net))
}

/// What the system evaluates for a decision of `kind` on a file.
fn evaluate(
    c: &mut Conn,
    books: &Books,
    h: &households::Household,
    kind: ExitKind,
) -> Result<(Evaluation, Option<Pathway>), ServiceError> {
    let members = households::members_of(c, h.id)?;
    let incomes = households::incomes_of(c, h.id)?;
    let size = members.len() + 1;
    let size32 = u32::try_from(size).unwrap_or(u32::MAX);
    match kind {
        ExitKind::Out => {
            let e = books.evaluate_exit(&h.data, size, &incomes)?;
            let (suggested, net) = suggestion(c, h)?;
            // The monthly run's suggestion, when it made one, is the pre-selection.
            let pre = h
                .leaving
                .ready_pathway
                .as_deref()
                .and_then(|p| Pathway::parse(p).ok())
                .unwrap_or(suggested);
            Ok((out_evaluation(&e, size32, net, pre), Some(pre)))
        }
        ExitKind::Relief => {
            let window = books
                .params
                .for_region(&h.data.division_code)
                .params
                .window_months;
            let flags = ReliefFlags {
                in_safety_net: h.data.dibao_since.is_some() || h.data.other_relief_since.is_some(),
                under_regular_assistance: store::has_active_subsidy(c, h.id)?,
            };
            let r = exit::relief_ready(
                &exit::Household {
                    size: size32.max(1),
                    months: books.figures(&h.data, &incomes),
                },
                flags,
                window,
            )?;
            Ok((relief_evaluation(&r, size32), None))
        }
        ExitKind::Removal => {
            let i = books.identify(&h.data, size, &incomes)?;
            let headline = if i.eligible {
                "按现行标准复核：仍符合建档条件（因去世、迁离退出时无须复核）"
            } else if i.insufficient_data {
                "按现行标准复核：收入数据不足，无法判断"
            } else {
                "按现行标准复核：已不符合建档条件"
            };
            Ok((
                Evaluation {
                    kind: kind.code().into(),
                    met: true,
                    headline: headline.into(),
                    reasons: i.reasons.clone(),
                    window_months: i.params.window_months,
                    size: size32,
                    insufficient_data: i.insufficient_data,
                    ..Default::default()
                },
                None,
            ))
        }
        ExitKind::Revoke => Ok((
            Evaluation {
                kind: kind.code().into(),
                met: true,
                headline: "撤销已批准的决定，档案恢复在档".into(),
                size: size32,
                ..Default::default()
            },
            None,
        )),
    }
}

/// Why a decision of `kind` cannot be proposed (or a revocation approved)
/// for `h` now, whatever is typed: an open decision, the file's status, the
/// decision to revoke.
fn state_blockers(
    h: &households::Household,
    kind: ExitKind,
    open: Option<&Exit>,
    revokes: Option<&Exit>,
) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(o) = open {
        out.push(format!(
            "该档案已有一项{}决定正在办理（{}，{}），办结后才能再提出",
            o.kind.label(),
            exit_no(o.id),
            o.status.label()
        ));
    }
    match kind {
        ExitKind::Revoke => match revokes {
            None => out.push("请指明要撤销的退出决定".into()),
            Some(r) => {
                if r.household_id != h.id {
                    out.push("要撤销的决定不属于该档案".into());
                } else if r.kind == ExitKind::Revoke {
                    out.push("撤销决定本身不能再撤销".into());
                } else if r.status != ExitStatus::Approved {
                    out.push(format!(
                        "只能撤销已批准的决定（{} 当前为“{}”）",
                        exit_no(r.id),
                        r.status.label()
                    ));
                } else if let Some(by) = r.revoked_by_id {
                    out.push(format!("该决定已被 {} 撤销", exit_no(by)));
                } else if h.status != r.kind.status_after() {
                    out.push(format!(
                        "档案当前为“{}”，与该决定不符，不能撤销",
                        h.status.label()
                    ));
                } else if h.leaving.reopened_id.is_some() {
                    out.push("该家庭已返困重新建档，不能再撤销原决定".into());
                }
            }
        },
        _ => {
            if h.status != Status::OnFile {
                out.push(format!(
                    "档案当前为“{}”，只有在档家庭才能提出{}",
                    h.status.label(),
                    kind.label()
                ));
            }
        }
    }
    out
}

/// Why the standard of `kind` is not met, when it is not (out: neither the
/// income standard nor the safety net since filing; relief: the relief
/// standard).
fn standard_blocker(kind: ExitKind, eval: &Evaluation) -> Option<String> {
    match kind {
        ExitKind::Out if !eval.met && !eval.safety_net_since_filing => Some(format!(
            "尚未达到脱困标准：{}",
            standard_reasons(&eval.reasons).join("；")
        )),
        ExitKind::Relief if !eval.met => {
            Some(format!("尚未达到解困条件：{}", eval.reasons.join("；")))
        }
        _ => None,
    }
}

/// The reasons of an exit evaluation without the reminder that an officer
/// must confirm the causes (the form asks for that itself).
fn standard_reasons(reasons: &[String]) -> Vec<String> {
    reasons
        .iter()
        .filter(|r| r.as_str() != CAUSES_TO_CONFIRM)
        .cloned()
        .collect()
}

/// The input of a decision, checked before anything is read.
struct Parsed {
    kind: ExitKind,
    pathway: Option<Pathway>,
    reason: Option<RemovalReason>,
    note: String,
    evidence: String,
    causes_removed: bool,
    revokes: Option<ExitId>,
}

fn parse_input(input: &ExitInput) -> Result<Parsed, ServiceError> {
    if input.kind.trim().is_empty() {
        return Err(ValidationError::new("kind", "请选择退出类别").into());
    }
    let kind = ExitKind::parse(&input.kind)?;
    let note_required = matches!(kind, ExitKind::Removal | ExitKind::Revoke);
    let what = match kind {
        ExitKind::Out => "脱困说明",
        ExitKind::Relief => "解困说明",
        ExitKind::Removal => "退出说明",
        ExitKind::Revoke => "撤销理由",
    };
    let note = parse_text("note", what, &input.note, note_required, 1000)?;
    let evidence = parse_text(
        "evidence",
        "证明材料",
        &input.evidence,
        kind == ExitKind::Removal,
        1000,
    )?;
    let pathway = match kind {
        ExitKind::Out => {
            if input.pathway.trim().is_empty() {
                return Err(ValidationError::new("pathway", "请选择脱困路径").into());
            }
            Some(Pathway::parse(&input.pathway)?)
        }
        _ => None,
    };
    let reason = match kind {
        ExitKind::Removal => {
            if input.reason.trim().is_empty() {
                return Err(ValidationError::new("reason", "请选择退出原因").into());
            }
            Some(RemovalReason::parse(&input.reason)?)
        }
        _ => None,
    };
    let revokes = match kind {
        ExitKind::Revoke => {
            Some(ExitId(input.revokes_id.ok_or_else(|| {
                ValidationError::new("revokes_id", "请指明要撤销的退出决定")
            })?))
        }
        _ => None,
    };
    Ok(Parsed {
        kind,
        pathway,
        reason,
        note,
        evidence,
        causes_removed: input.causes_removed,
        revokes,
    })
}

fn snapshot(e: &Exit) -> serde_json::Value {
    json!({
        "number": exit_no(e.id),
        "household_id": e.household_id.0,
        "file_no": e.file_no,
        "kind": e.kind.code(),
        "pathway": e.pathway.map(Pathway::code),
        "reason": e.reason.map(RemovalReason::code),
        "note": e.note,
        "evidence": e.evidence,
        "cohort": e.cohort.code(),
        "status": e.status.code(),
        "revokes_id": e.revokes_id.map(|r| r.0),
    })
}

fn action_of(step: ExitStep) -> Action {
    match step {
        ExitStep::Propose => Action::ProposeExit,
        ExitStep::Review => Action::ReviewExit,
        ExitStep::Notice => Action::NoticeExit,
        ExitStep::Objection => Action::ObjectExit,
        ExitStep::Approve => Action::ApproveExit,
        ExitStep::Reject => Action::RejectExit,
    }
}

/// Who may take `step`: reviewers review, publish and decide; an objection
/// received during the notice is recorded by an officer or a reviewer.
fn may_take(actor: &Actor, step: ExitStep) -> bool {
    match step {
        ExitStep::Propose => actor.can(Permission::ManageHouseholds),
        ExitStep::Objection => {
            actor.can(Permission::ManageHouseholds) || actor.can(Permission::ApproveExits)
        }
        _ => actor.can(Permission::ApproveExits),
    }
}

fn find_household(
    c: &mut Conn,
    scope: &Scope,
    id: HouseholdId,
) -> Result<households::Household, ServiceError> {
    households::find(c, scope, id)?.ok_or(ServiceError::NotFound("困难职工档案"))
}

fn find_exit(c: &mut Conn, scope: &Scope, id: ExitId) -> Result<Exit, ServiceError> {
    store::find(c, scope, id)?.ok_or(ServiceError::NotFound("退出决定"))
}

fn parse_evaluation(e: &Exit) -> Evaluation {
    serde_json::from_str(&e.evaluation_json).unwrap_or_default()
}

/// Puts an exited, relieved or removed file back on file (a revocation):
/// its people must not have joined another open file since.
fn put_back_on_file(
    c: &mut Conn,
    h: &households::Household,
    today: NaiveDate,
) -> Result<(), ServiceError> {
    let members: Vec<Member> = households::members_of(c, h.id)?;
    check_open_elsewhere(c, Some(h.id), &h.data, &members).map_err(|e| match e {
        ServiceError::Conflict { message, .. } => {
            ServiceError::Rule(format!("不能撤销该决定，档案无法恢复在档：{message}"))
        }
        other => other,
    })?;
    households::set_status(c, h.id, Status::OnFile, today, None, now())?;
    let mut ids: Vec<&str> = vec![h.data.worker_id_number.as_str()];
    ids.extend(
        members
            .iter()
            .filter_map(|m| m.id_number.as_ref().map(|i| i.as_str())),
    );
    households::set_open_persons(c, h.id, &ids).map_err(|e| match e {
        StorageError::Conflict(_) => ServiceError::Rule(
            "不能撤销该决定：该职工或其家庭成员刚刚被另一个在档家庭登记，请刷新后核对".into(),
        ),
        other => other.into(),
    })?;
    households::set_relapse(c, h.id, None)?;
    Ok(())
}

impl Services {
    /// What the confirmation form shows for a decision of `kind` on a file:
    /// the evaluation, the suggested pathway, and why it cannot be proposed
    /// now, if it cannot.
    pub async fn exit_preview(
        &self,
        actor: &Actor,
        household: HouseholdId,
        kind: &str,
        revokes: Option<i64>,
    ) -> Result<ExitPreview, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let kind = ExitKind::parse(kind)?;
        let may_propose = actor.can(Permission::ManageHouseholds);
        let scope = actor.scope();
        self.read(move |c| {
            let h = find_household(c, &scope, household)?;
            let books = Books::load(c)?;
            let (evaluation, suggested) = evaluate(c, &books, &h, kind)?;
            let open = store::open_of_household(c, &scope, h.id)?;
            let revokes = match revokes {
                Some(r) if kind == ExitKind::Revoke => Some(find_exit(c, &scope, ExitId(r))?),
                _ => None,
            };
            let mut blockers = state_blockers(&h, kind, open.as_ref(), revokes.as_ref());
            if blockers.is_empty() {
                blockers.extend(standard_blocker(kind, &evaluation));
            }
            Ok(ExitPreview {
                household: h,
                kind,
                evaluation,
                suggested,
                blockers,
                open,
                revokes,
                may_propose,
            })
        })
        .await
    }

    /// Proposes a decision for a household in scope (an officer).
    pub async fn exit_propose(
        &self,
        actor: &Actor,
        household: HouseholdId,
        input: ExitInput,
    ) -> Result<Exit, ServiceError> {
        actor.require(Permission::ManageHouseholds)?;
        let p = parse_input(&input)?;
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let h = find_household(c, &scope, household)?;
            store::lock_household(c, h.id)?;
            let books = Books::load(c)?;
            let (mut evaluation, _) = evaluate(c, &books, &h, p.kind)?;
            let open = store::open_of_household(c, &scope, h.id)?;
            let revokes = match p.revokes {
                Some(r) => Some(find_exit(c, &scope, r)?),
                None => None,
            };
            // The file's state first (a second decision, a file not on file),
            // then the officer's confirmation, then the standard.
            let found = state_blockers(&h, p.kind, open.as_ref(), revokes.as_ref());
            if let Some(b) = found.into_iter().next() {
                return Err(ServiceError::Rule(b));
            }
            if p.kind == ExitKind::Out && !p.causes_removed {
                return Err(ServiceError::Rule(
                    "请先核实并确认致困原因已消除：脱困须致困原因消除且收入连续高于低保标准".into(),
                ));
            }
            if let Some(b) = standard_blocker(p.kind, &evaluation) {
                return Err(ServiceError::Rule(b));
            }
            if p.kind == ExitKind::Out
                && !evaluation.met
                && p.pathway != Some(Pathway::SocialAssistance)
            {
                return Err(ServiceError::Rule(format!(
                    "该家庭建档后纳入低保或特困供养等社会救助，只能按“{}”认定；按其他路径脱困须达到收入标准：{}",
                    Pathway::SocialAssistance.label(),
                    standard_reasons(&evaluation.reasons).join("；")
                )));
            }
            if p.kind == ExitKind::Out {
                evaluation.causes_removed = true;
                for r in evaluation.reasons.iter_mut() {
                    if r.as_str() == CAUSES_TO_CONFIRM {
                        *r = format!("帮扶干部 {} 已确认致困原因已消除", a.user.display_name);
                    }
                }
            }
            let evaluation_json = serde_json::to_string(&evaluation)
                .map_err(|e| ServiceError::Internal(e.to_string()))?;
            let at = now();
            let id = store::insert(
                c,
                &NewExit {
                    household_id: h.id,
                    union_id: h.union_id,
                    union_path: &h.union_path,
                    kind: p.kind,
                    pathway: p.pathway,
                    reason: p.reason,
                    note: &p.note,
                    evidence: &p.evidence,
                    cohort: h.cohort,
                    revokes_id: p.revokes,
                    evaluation_json: &evaluation_json,
                    created_by: Some(a.user.id.0),
                },
                at,
            )?;
            store::add_step(
                c,
                id,
                &StepRecord {
                    step: ExitStep::Propose,
                    actor_id: Some(a.user.id.0),
                    actor_name: a.user.display_name.clone(),
                    at,
                    note: p.note.clone(),
                },
            )?;
            let e = find_exit(c, &scope, id)?;
            let mut after = snapshot(&e);
            after["evaluation"] = json!(evaluation.headline);
            after["causes_removed"] = json!(p.causes_removed);
            audit::write(
                c,
                Who::Actor(&a),
                Record::change(
                    Action::ProposeExit,
                    "exit",
                    id,
                    (h.union_id.0, &h.union_path),
                    None,
                    Some(after),
                ),
            )?;
            Ok(e)
        })
        .await
    }

    /// Takes one step on a decision read at `version`: review, notice,
    /// objection, approve or reject (codes or labels). A rejection and an
    /// objection need a note.
    pub async fn exit_act(
        &self,
        actor: &Actor,
        id: ExitId,
        version: i64,
        step: &str,
        note: &str,
    ) -> Result<Exit, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        if step.trim().is_empty() {
            return Err(ValidationError::new("step", "请选择办理环节").into());
        }
        let step = ExitStep::parse(step)?;
        if step == ExitStep::Propose {
            return Err(ValidationError::new("step", "“提出”不是办理环节，请新建退出决定").into());
        }
        let what = match step {
            ExitStep::Reject => "不予通过的理由",
            ExitStep::Objection => "异议内容",
            ExitStep::Review => "审核意见",
            _ => "意见",
        };
        let note = parse_text(
            "note",
            what,
            note,
            matches!(step, ExitStep::Reject | ExitStep::Objection),
            1000,
        )?;
        if !may_take(actor, step) {
            return Err(ServiceError::Forbidden);
        }
        let scope = actor.scope();
        let a = actor.clone();
        let settings = self.settings().clone();
        self.write(move |c| {
            let e = find_exit(c, &scope, id)?;
            if e.version != version {
                return Err(stale());
            }
            let notice = settings.exit_flow.notice(e.kind);
            let next = e.status.after(step, notice).ok_or_else(|| {
                ServiceError::Rule(format!(
                    "{} 当前为“{}”，不能执行“{}”",
                    exit_no(e.id),
                    status_label(e.status, notice),
                    step.label()
                ))
            })?;
            let today = today();
            let at = now();
            let mut notice_period = None;
            let mut decided_on = None;
            let mut effect = json!(null);
            match step {
                ExitStep::Notice => {
                    let until = today + chrono::Duration::days(i64::from(settings.notice_days));
                    notice_period = Some((today, until));
                }
                ExitStep::Approve => {
                    if let Some(why) = approval_blocker(c, &a, &e, settings.approval_level, today)?
                    {
                        return Err(ServiceError::Rule(why));
                    }
                    store::lock_household(c, e.household_id)?;
                    let h = find_household(c, &scope, e.household_id)?;
                    match e.kind {
                        ExitKind::Revoke => {
                            let revoked = match e.revokes_id {
                                Some(r) => find_exit(c, &scope, r)?,
                                None => {
                                    return Err(ServiceError::Internal(format!(
                                        "exit {} revokes nothing",
                                        e.id
                                    )))
                                }
                            };
                            let found = state_blockers(&h, ExitKind::Revoke, None, Some(&revoked));
                            if let Some(b) = found.first() {
                                return Err(ServiceError::Rule(b.clone()));
                            }
                            put_back_on_file(c, &h, today)?;
                            if !store::mark_revoked(c, revoked.id, e.id, at)? {
                                return Err(stale());
                            }
                            effect = json!({
                                "household_status": Status::OnFile.code(),
                                "revoked": exit_no(revoked.id),
                            });
                        }
                        kind => {
                            if h.status != Status::OnFile {
                                return Err(ServiceError::Rule(format!(
                                    "档案当前为“{}”，不能批准{}",
                                    h.status.label(),
                                    kind.label()
                                )));
                            }
                            let follow = (kind == ExitKind::Out)
                                .then(|| follow_until(today, settings.follow_months));
                            households::set_status(
                                c,
                                h.id,
                                kind.status_after(),
                                today,
                                follow,
                                at,
                            )?;
                            effect = json!({
                                "household_status": kind.status_after().code(),
                                "left_on": today.to_string(),
                                "follow_until": follow.map(|d| d.to_string()),
                            });
                        }
                    }
                    decided_on = Some(today);
                }
                _ => {}
            }
            if !store::advance(c, id, version, next, notice_period, decided_on, at)? {
                return Err(stale());
            }
            store::add_step(
                c,
                id,
                &StepRecord {
                    step,
                    actor_id: Some(a.user.id.0),
                    actor_name: a.user.display_name.clone(),
                    at,
                    note: note.clone(),
                },
            )?;
            let mut after = json!({ "status": next.code(), "step": step.code(), "note": note });
            if let Some((from, until)) = notice_period {
                after["notice_from"] = json!(from.to_string());
                after["notice_until"] = json!(until.to_string());
            }
            if !effect.is_null() {
                after["effect"] = effect;
            }
            audit::write(
                c,
                Who::Actor(&a),
                Record::change(
                    action_of(step),
                    "exit",
                    id,
                    (e.union_id.0, &e.union_path),
                    Some(json!({ "status": e.status.code() })),
                    Some(after),
                ),
            )?;
            find_exit(c, &scope, id)
        })
        .await
    }

    pub async fn exit_get(&self, actor: &Actor, id: ExitId) -> Result<ExitDetail, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let scope = actor.scope();
        let a = actor.clone();
        let settings = self.settings().clone();
        self.read(move |c| {
            let e = find_exit(c, &scope, id)?;
            let steps = store::steps(c, id)?;
            let revokes = match e.revokes_id {
                Some(r) => store::find(c, &scope, r)?,
                None => None,
            };
            let revoked_by = match e.revoked_by_id {
                Some(r) => store::find(c, &scope, r)?,
                None => None,
            };
            let notice = settings.exit_flow.notice(e.kind);
            let st = e.status;
            let approver = a.can(Permission::ApproveExits);
            let blocked = if st.after(ExitStep::Approve, notice).is_some() && approver {
                approval_blocker(c, &a, &e, settings.approval_level, today())?
            } else {
                None
            };
            let can_revoke = a.can(Permission::ManageHouseholds)
                && e.kind != ExitKind::Revoke
                && st == ExitStatus::Approved
                && e.revoked_by_id.is_none()
                && e.household_status == e.kind.status_after()
                && store::open_of_household(c, &scope, e.household_id)?.is_none();
            Ok(ExitDetail {
                evaluation: parse_evaluation(&e),
                can_review: approver && st.after(ExitStep::Review, notice).is_some(),
                can_notice: approver && st.after(ExitStep::Notice, notice).is_some(),
                can_object: may_take(&a, ExitStep::Objection)
                    && st.after(ExitStep::Objection, notice).is_some(),
                can_approve: approver
                    && st.after(ExitStep::Approve, notice).is_some()
                    && blocked.is_none(),
                can_reject: approver && st.after(ExitStep::Reject, notice).is_some(),
                approve_blocked: blocked,
                can_revoke,
                notice,
                exit: e,
                steps,
                revokes,
                revoked_by,
            })
        })
        .await
    }

    pub async fn exit_list(
        &self,
        actor: &Actor,
        query: ExitQuery,
        page: PageRequest,
    ) -> Result<Page<Exit>, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let mut filter = ExitFilter {
            kind: nonempty(&query.kind).map(ExitKind::parse).transpose()?,
            status: nonempty(&query.status).map(ExitStatus::parse).transpose()?,
            pathway: nonempty(&query.pathway).map(Pathway::parse).transpose()?,
            household_id: query.household_id.map(HouseholdId),
            open: query.open,
            ..Default::default()
        };
        let scope = actor.scope();
        self.read(move |c| {
            if let Some(u) = query.union_id {
                let u =
                    unions::find(c, &scope, UnionId(u))?.ok_or(ServiceError::NotFound("工会"))?;
                filter.union_path = Some(u.path);
            }
            Ok(store::list(c, &scope, &filter, page)?)
        })
        .await
    }

    /// 待脱困: households on file that meet the exit standard (as the monthly
    /// run last found) with no decision open, each with the suggested
    /// pathway and the months it was met over.
    pub async fn exit_ready_list(
        &self,
        actor: &Actor,
        query: CandidateQuery,
        page: PageRequest,
    ) -> Result<Page<Candidate>, ServiceError> {
        self.candidates(actor, Candidates::Ready, query, page).await
    }

    /// 可解困: households on file that meet the relief standard, no decision open.
    pub async fn relief_list(
        &self,
        actor: &Actor,
        query: CandidateQuery,
        page: PageRequest,
    ) -> Result<Page<Candidate>, ServiceError> {
        self.candidates(actor, Candidates::Relief, query, page)
            .await
    }

    /// 返困: exited households flagged as relapsed and not yet reopened.
    pub async fn relapse_list(
        &self,
        actor: &Actor,
        query: CandidateQuery,
        page: PageRequest,
    ) -> Result<Page<Candidate>, ServiceError> {
        self.candidates(actor, Candidates::Relapse, query, page)
            .await
    }

    async fn candidates(
        &self,
        actor: &Actor,
        which: Candidates,
        query: CandidateQuery,
        page: PageRequest,
    ) -> Result<Page<Candidate>, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let pathway = match which {
            Candidates::Ready => nonempty(&query.pathway).map(Pathway::parse).transpose()?,
            _ => None,
        };
        let scope = actor.scope();
        self.read(move |c| {
            let mut filter = CandidateFilter {
                pathway,
                ..Default::default()
            };
            if let Some(u) = query.union_id {
                let u =
                    unions::find(c, &scope, UnionId(u))?.ok_or(ServiceError::NotFound("工会"))?;
                filter.union_path = Some(u.path);
            }
            let found = store::candidates(c, &scope, which, &filter, page)?;
            let books = if which == Candidates::Relapse {
                None
            } else {
                Some(Books::load(c)?)
            };
            let ids: Vec<HouseholdId> = found.items.iter().map(|h| h.id).collect();
            let incomes = households::incomes_of_many(c, &ids)?;
            let mut items = Vec::with_capacity(found.items.len());
            for h in found.items {
                let months = incomes.get(&h.id).map(Vec::as_slice).unwrap_or(&[]);
                let size = usize::try_from(h.size.max(1)).unwrap_or(1);
                let (pathway, summary) = match (&books, which) {
                    (Some(b), Candidates::Ready) => {
                        let e = b.evaluate_exit(&h.data, size, months)?;
                        let p = h
                            .leaving
                            .ready_pathway
                            .as_deref()
                            .and_then(|p| Pathway::parse(p).ok());
                        (p, ready_summary(&h, &e))
                    }
                    (Some(b), _) => {
                        let window = b
                            .params
                            .for_region(&h.data.division_code)
                            .params
                            .window_months;
                        let r = exit::relief_ready(
                            &exit::Household {
                                size: u32::try_from(size).unwrap_or(1),
                                months: b.figures(&h.data, months),
                            },
                            ReliefFlags {
                                in_safety_net: true,
                                under_regular_assistance: true,
                            },
                            window,
                        )?;
                        (None, relief_summary(&r))
                    }
                    (None, _) => (None, relapse_summary(&h)),
                };
                items.push(Candidate {
                    household: h,
                    pathway,
                    summary,
                });
            }
            Ok(Page {
                items,
                total: found.total,
                page: found.page,
                per_page: found.per_page,
            })
        })
        .await
    }

    /// The "退出与返困" card of a file's page: its decisions, the files it is
    /// linked to, and what the caller may do.
    pub async fn household_leaving(
        &self,
        actor: &Actor,
        id: HouseholdId,
    ) -> Result<LeavingView, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let officer = actor.can(Permission::ManageHouseholds);
        let scope = actor.scope();
        self.read(move |c| {
            let h = find_household(c, &scope, id)?;
            let decisions = store::list(
                c,
                &scope,
                &ExitFilter {
                    household_id: Some(id),
                    ..Default::default()
                },
                PageRequest::new(Some(1), Some(PageRequest::MAX_PER_PAGE)),
            )?
            .items;
            let linked: Vec<HouseholdId> = [h.leaving.previous_id, h.leaving.reopened_id]
                .into_iter()
                .flatten()
                .collect();
            let files = households::find_many(c, &scope, &linked)?;
            let number = |x: Option<HouseholdId>| {
                x.and_then(|x| files.iter().find(|f| f.id == x))
                    .map(|f| (f.id, f.file_no.clone()))
            };
            let open = decisions.iter().any(|d| d.status.is_open());
            let on_file = h.status == Status::OnFile;
            Ok(LeavingView {
                previous: number(h.leaving.previous_id),
                reopened: number(h.leaving.reopened_id),
                may_propose: if officer && on_file && !open {
                    ExitKind::PROPOSED_ON_FILE.to_vec()
                } else {
                    Vec::new()
                },
                may_flag_relapse: officer
                    && h.status == Status::Exited
                    && h.leaving.relapse_on.is_none()
                    && within_follow_up(h.leaving.follow_until, today()),
                may_reopen: officer
                    && h.status == Status::Exited
                    && h.leaving.relapse_on.is_some()
                    && h.leaving.reopened_id.is_none(),
                decisions,
            })
        })
        .await
    }

    /// Flags a relapse (返困) by hand: a new sudden event recorded for an
    /// exited household within its follow-up period.
    pub async fn household_flag_relapse(
        &self,
        actor: &Actor,
        id: HouseholdId,
        reason: &str,
    ) -> Result<households::Household, ServiceError> {
        actor.require(Permission::ManageHouseholds)?;
        let reason = parse_text("reason", "返困原因", reason, true, 500)?;
        if reason.chars().count() < 2 {
            return Err(
                ValidationError::new("reason", "请写明返困原因（如新发生的意外、重病）").into(),
            );
        }
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let h = find_household(c, &scope, id)?;
            store::lock_household(c, id)?;
            let today = today();
            if h.status != Status::Exited {
                return Err(ServiceError::Rule(format!(
                    "只有已脱困的家庭才能标记返困（档案当前为“{}”）",
                    h.status.label()
                )));
            }
            if let Some(on) = h.leaving.relapse_on {
                return Err(ServiceError::Rule(format!("该家庭已于 {on} 标记返困")));
            }
            if !within_follow_up(h.leaving.follow_until, today) {
                return Err(ServiceError::Rule(format!(
                    "跟踪期已于 {} 结束，不能再标记返困；如家庭重新陷入困难，请按新家庭建档",
                    h.leaving
                        .follow_until
                        .map(|d| d.to_string())
                        .unwrap_or_default()
                )));
            }
            households::set_relapse(c, id, Some((today, reason.as_str())))?;
            audit::write(
                c,
                Who::Actor(&a),
                Record::change(
                    Action::FlagRelapse,
                    "household",
                    id,
                    (h.union_id.0, &h.union_path),
                    Some(json!({ "relapse_on": null })),
                    Some(json!({
                        "file_no": h.file_no,
                        "relapse_on": today.to_string(),
                        "reason": reason,
                    })),
                ),
            )?;
            find_household(c, &scope, id)
        })
        .await
    }

    /// Reopens a relapsed, exited household as a new file of the incremental
    /// pool, filed today under the same union with the same worker, members
    /// and recorded months, linked both ways to the old file (which keeps
    /// its history). Returns the new file.
    pub async fn household_reopen(
        &self,
        actor: &Actor,
        id: HouseholdId,
    ) -> Result<households::Household, ServiceError> {
        actor.require(Permission::ManageHouseholds)?;
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let h = find_household(c, &scope, id)?;
            store::lock_household(c, id)?;
            if h.status != Status::Exited {
                return Err(ServiceError::Rule(format!(
                    "只有已脱困后返困的家庭才能重新建档（档案当前为“{}”）",
                    h.status.label()
                )));
            }
            if let Some(new) = h.leaving.reopened_id {
                let no = households::find(c, &scope, new)?
                    .map(|n| n.file_no)
                    .unwrap_or_default();
                return Err(ServiceError::Rule(format!(
                    "该家庭已返困重新建档（档案 {no}）"
                )));
            }
            let Some(relapse_on) = h.leaving.relapse_on else {
                return Err(ServiceError::Rule("请先标记返困，再重新建档".into()));
            };
            let union =
                unions::find(c, &scope, h.union_id)?.ok_or(ServiceError::NotFound("工会"))?;
            let members = households::members_of(c, id)?;
            let incomes = households::incomes_of(c, id)?;
            let today = today();
            let mut data = h.data.clone();
            data.filed_on = today;
            let mut notes = format!(
                "返困重新建档：原档案 {}，{} 标记返困（{}）",
                h.file_no,
                relapse_on,
                h.leaving.relapse_reason.clone().unwrap_or_default()
            );
            if !h.data.notes.is_empty() {
                notes.push('\n');
                notes.push_str(&h.data.notes);
            }
            data.notes = notes.chars().take(2000).collect();
            let books = Books::load(c)?;
            let new_id =
                file_household(c, Who::Actor(&a), &union, &data, &members, &incomes, &books)?;
            households::link_reopened(c, id, new_id)?;
            let new = find_household(c, &scope, new_id)?;
            audit::write(
                c,
                Who::Actor(&a),
                Record::change(
                    Action::ReopenHousehold,
                    "household",
                    id,
                    (h.union_id.0, &h.union_path),
                    Some(json!({ "file_no": h.file_no, "reopened_id": null })),
                    Some(json!({
                        "file_no": h.file_no,
                        "reopened_id": new_id.0,
                        "reopened_file_no": new.file_no,
                        "cohort": new.cohort.code(),
                    })),
                ),
            )?;
            Ok(new)
        })
        .await
    }
}

/// A decision's status as a person reads it: a reviewed decision of a kind
/// without notice waits for approval.
pub fn status_label(s: ExitStatus, notice: bool) -> &'static str {
    match s {
        ExitStatus::Reviewed if notice => "已审核，待公示",
        ExitStatus::Reviewed => "已审核，待批准",
        other => other.label(),
    }
}

fn span(first: Option<&str>, last: Option<&str>) -> String {
    match (first, last) {
        (Some(a), Some(b)) if a != b => format!("{a} 至 {b}"),
        (Some(a), _) => a.to_owned(),
        _ => String::new(),
    }
}

fn ready_summary(h: &households::Household, e: &ExitEvaluation) -> String {
    if e.meets_standard {
        let first = e.window.first().map(|m| m.month.to_string());
        let last = e.window.last().map(|m| m.month.to_string());
        format!(
            "{} 连续 {} 个月人均收入高于低保标准",
            span(first.as_deref(), last.as_deref()),
            e.window.len()
        )
    } else if safety_net_since_filing(
        h.data.filed_on,
        h.data.dibao_since,
        h.data.other_relief_since,
    ) {
        let since = [h.data.dibao_since, h.data.other_relief_since]
            .into_iter()
            .flatten()
            .min()
            .map(|m| m.to_string())
            .unwrap_or_default();
        format!("建档后 {since} 起纳入低保或特困供养等社会救助")
    } else {
        "月度评估时达到脱困标准，当前收入数据已变化，请核实".to_owned()
    }
}

fn relief_summary(r: &ReliefEvaluation) -> String {
    if r.window.iter().all(|m| m.at_or_above_line) && !r.insufficient_data {
        let first = r.window.first().map(|m| m.month.to_string());
        let last = r.window.last().map(|m| m.month.to_string());
        format!(
            "{} 连续 {} 个月实际人均生活水平不低于低保标准",
            span(first.as_deref(), last.as_deref()),
            r.window.len()
        )
    } else {
        "月度评估时达到解困条件，当前收入数据已变化，请核实".to_owned()
    }
}

fn relapse_summary(h: &households::Household) -> String {
    let l = &h.leaving;
    format!(
        "{} 标记返困：{}；{} 脱困，跟踪期至 {}",
        l.relapse_on.map(|d| d.to_string()).unwrap_or_default(),
        l.relapse_reason.clone().unwrap_or_default(),
        l.left_on.map(|d| d.to_string()).unwrap_or_default(),
        l.follow_until.map(|d| d.to_string()).unwrap_or_default()
    )
}
