//! The checks of a decision: the evaluation of the standards, why it cannot be
//! proposed or approved now, and the shared reads and writes of the steps.

use crate::books::Books;
use crate::filing::check_open_elsewhere;
use crate::{now, Actor, ServiceError};
use bangfu_domain::audit::Action;
use bangfu_domain::exit::{self, ExitEvaluation, ReliefEvaluation, ReliefFlags};
use bangfu_domain::household::{parse_text, HouseholdId, Member, Status};
use bangfu_domain::leaving::{
    exit_no, safety_net_since_filing, suggest_pathway, ExitId, ExitKind, ExitStatus, ExitStep,
    Pathway, RemovalReason,
};
use bangfu_domain::lines::CAUSES_TO_CONFIRM;
use bangfu_domain::{Permission, UnionLevel, ValidationError};
use bangfu_storage::exits::{self as store};
use bangfu_storage::{households, Conn, Scope, StorageError};
use chrono::NaiveDate;
use serde_json::json;

use bangfu_storage::exits::Exit;

use super::types::{Evaluation, ExitInput, WindowMonth};

pub(super) fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

pub(super) fn stale() -> ServiceError {
    ServiceError::stale("该退出决定刚刚已被他人处理，请刷新页面查看最新状态。")
}

/// Why `actor` may not approve `e` now: the same rule as for filings.
pub(super) fn approval_blocker(
    c: &mut Conn,
    actor: &Actor,
    e: &Exit,
    level: UnionLevel,
    today: NaiveDate,
) -> Result<Option<String>, ServiceError> {
    let what = format!("{}决定", e.kind.label());
    crate::applications::approval_blocked(c, actor, &what, e.notice_until, level, today)
}

pub(super) fn out_evaluation(
    e: &ExitEvaluation,
    size: u32,
    net: bool,
    suggested: Pathway,
) -> Evaluation {
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
        kind: ExitKind::OutOfHardship.code().into(),
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

pub(super) fn relief_evaluation(r: &ReliefEvaluation, size: u32) -> Evaluation {
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
        kind: ExitKind::Relieved.code().into(),
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

/// The pathway the system suggests for a household (docs/rules.md §5): 社会救助
/// when taken into the safety net after filing, else the newest completed
/// measure or assistance that leads somewhere, else 其他帮扶.
pub(super) fn suggestion(
    c: &mut Conn,
    h: &households::Household,
) -> Result<(Pathway, bool), ServiceError> {
    let net = safety_net_since_filing(
        h.data.filed_on,
        h.data.dibao_since,
        h.data.other_relief_since,
    );
    let codes = store::recent_codes(c, h.id)?;
    Ok((suggest_pathway(net, codes.iter().map(String::as_str)), net))
}

/// What the system evaluates for a decision of `kind` on a file.
pub(super) fn evaluate(
    c: &mut Conn,
    scope: &Scope,
    books: &Books,
    h: &households::Household,
    kind: ExitKind,
) -> Result<(Evaluation, Option<Pathway>), ServiceError> {
    let members = households::members_of(c, scope, h.id)?;
    let incomes = households::incomes_of(c, scope, h.id)?;
    let size = members.len() + 1;
    let size32 = u32::try_from(size).unwrap_or(u32::MAX);
    match kind {
        ExitKind::OutOfHardship => {
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
        ExitKind::Relieved => {
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
                &bangfu_domain::identification::Situation::of(
                    size32.max(1),
                    books.figures(&h.data, &incomes),
                ),
                flags,
                window,
            )?;
            Ok((relief_evaluation(&r, size32), None))
        }
        ExitKind::Removed => {
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
pub(super) fn state_blockers(
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
pub(super) fn standard_blocker(kind: ExitKind, eval: &Evaluation) -> Option<String> {
    match kind {
        ExitKind::OutOfHardship if !eval.met && !eval.safety_net_since_filing => Some(format!(
            "尚未达到脱困标准：{}",
            standard_reasons(&eval.reasons).join("；")
        )),
        ExitKind::Relieved if !eval.met => {
            Some(format!("尚未达到解困条件：{}", eval.reasons.join("；")))
        }
        _ => None,
    }
}

/// The reasons of an exit evaluation without the reminder that an officer
/// must confirm the causes (the form asks for that itself).
pub(super) fn standard_reasons(reasons: &[String]) -> Vec<String> {
    reasons
        .iter()
        .filter(|r| r.as_str() != CAUSES_TO_CONFIRM)
        .cloned()
        .collect()
}

/// The input of a decision, checked before anything is read.
pub(super) struct Parsed {
    pub(super) kind: ExitKind,
    pub(super) pathway: Option<Pathway>,
    pub(super) reason: Option<RemovalReason>,
    pub(super) note: String,
    pub(super) evidence: String,
    pub(super) causes_removed: bool,
    pub(super) revokes: Option<ExitId>,
}

pub(super) fn parse_input(input: &ExitInput) -> Result<Parsed, ServiceError> {
    if input.kind.trim().is_empty() {
        return Err(ValidationError::new("kind", "请选择退出类别").into());
    }
    let kind = ExitKind::parse(&input.kind)?;
    let note_required = matches!(kind, ExitKind::Removed | ExitKind::Revoke);
    let what = match kind {
        ExitKind::OutOfHardship => "脱困说明",
        ExitKind::Relieved => "解困说明",
        ExitKind::Removed => "退出说明",
        ExitKind::Revoke => "撤销理由",
    };
    let note = parse_text("note", what, &input.note, note_required, 1000)?;
    let evidence = parse_text(
        "evidence",
        "证明材料",
        &input.evidence,
        kind == ExitKind::Removed,
        1000,
    )?;
    let pathway = match kind {
        ExitKind::OutOfHardship => {
            if input.pathway.trim().is_empty() {
                return Err(ValidationError::new("pathway", "请选择脱困路径").into());
            }
            Some(Pathway::parse(&input.pathway)?)
        }
        _ => None,
    };
    let reason = match kind {
        ExitKind::Removed => {
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

pub(super) fn snapshot(e: &Exit) -> serde_json::Value {
    json!({
        "number": exit_no(e.id),
        "household_id": e.household_id.0,
        "file_no": e.file_no,
        "kind": e.kind.code(),
        "pathway": e.pathway.map(Pathway::code),
        "reason": e.reason.map(RemovalReason::code),
        "note": bangfu_domain::id_number::note_marker(&e.note),
        "evidence": e.evidence,
        "cohort": e.cohort.code(),
        "status": e.status.code(),
        "revokes_id": e.revokes_id.map(|r| r.0),
    })
}

pub(super) fn action_of(step: ExitStep) -> Action {
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
pub(super) fn may_take(actor: &Actor, step: ExitStep) -> bool {
    match step {
        ExitStep::Propose => actor.can(Permission::ManageHouseholds),
        ExitStep::Objection => {
            actor.can(Permission::ManageHouseholds) || actor.can(Permission::ApproveExits)
        }
        _ => actor.can(Permission::ApproveExits),
    }
}

pub(super) fn find_household(
    c: &mut Conn,
    scope: &Scope,
    id: HouseholdId,
) -> Result<households::Household, ServiceError> {
    households::find(c, scope, id)?.ok_or(ServiceError::NotFound("困难职工档案"))
}

pub(super) fn find_exit(c: &mut Conn, scope: &Scope, id: ExitId) -> Result<Exit, ServiceError> {
    store::find(c, scope, id)?.ok_or(ServiceError::NotFound("退出决定"))
}

pub(super) fn parse_evaluation(e: &Exit) -> Evaluation {
    serde_json::from_str(&e.evaluation_json).unwrap_or_default()
}

/// Puts an exited, relieved or removed file back on file (a revocation):
/// its people must not have joined another open file since.
pub(super) fn put_back_on_file(
    c: &mut Conn,
    scope: &Scope,
    h: &households::Household,
    today: NaiveDate,
    by: i64,
) -> Result<(), ServiceError> {
    let members: Vec<Member> = households::members_of(c, scope, h.id)?;
    check_open_elsewhere(c, Some(h.id), &h.data, &members).map_err(|e| match e {
        ServiceError::Conflict { message, .. } => {
            ServiceError::Rule(format!("不能撤销该决定，档案无法恢复在档：{message}"))
        }
        other => other,
    })?;
    households::set_status(c, h.id, Status::OnFile, today, None, Some(by), now())?;
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
