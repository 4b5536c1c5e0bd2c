//! Approved decisions as the generator writes them: the `exits` row and its
//! steps (propose, review, notice when the kind has one, approve) on
//! plausible dates before the approval, by the demo's officer and reviewer
//! where there are some.

use crate::at;
use crate::random::{days, Gen};
use bangfu_domain::leaving::{ExitFlow, ExitKind, Pathway, RemovalReason};
use bangfu_storage::seed::{self, LeavingSeed};
use bangfu_storage::{Conn, StorageError};
use chrono::NaiveDate;

/// A decision to record about one file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Decision {
    pub kind: ExitKind,
    pub pathway: Option<Pathway>,
    pub reason: Option<RemovalReason>,
    pub approved: NaiveDate,
    /// The decision a revocation revokes.
    pub revokes: Option<i64>,
}

/// The decisions and steps of one transaction, with the next free id.
pub(crate) struct Decisions {
    next: i64,
    flow: ExitFlow,
    notice_days: u64,
    decisions: Vec<seed::ExitRow>,
    revokes: Vec<seed::ExitRow>,
    steps: Vec<seed::ExitStepRow>,
}

/// Who did a step: an account's id where there is one, and a name.
pub(crate) type Actor = (Option<i64>, String);

impl Decisions {
    pub(crate) fn new(next: i64, flow: ExitFlow, notice_days: u64) -> Self {
        Self {
            next,
            flow,
            notice_days,
            decisions: Vec::new(),
            revokes: Vec::new(),
            steps: Vec::new(),
        }
    }

    /// Records `d` about `h`, proposed by `officer` and reviewed and
    /// approved by `reviewer`; returns its id.
    pub(crate) fn record(
        &mut self,
        r: &mut Gen,
        h: &LeavingSeed,
        (officer, reviewer): (&Actor, &Actor),
        d: Decision,
    ) -> i64 {
        let id = self.next;
        self.next += 1;
        let notice = self.flow.notice(d.kind);
        // Steps back from the approval: the notice period ending 0–3 days
        // before, review 1–4 days before the notice, proposal 2–10 days
        // before the review.
        let notice_until = d.approved - days(r.below(4));
        let notice_from = notice_until - days(self.notice_days);
        let reviewed = if notice {
            notice_from - days(1 + r.below(4))
        } else {
            d.approved - days(2 + r.below(6))
        };
        let proposed = reviewed - days(2 + r.below(9));
        let label = d.kind.label();
        let mut step = |step: &str, who: &Actor, on: NaiveDate, hour: u32, note: String| {
            self.steps.push(seed::ExitStepRow {
                exit_id: id,
                step: step.into(),
                actor_id: who.0,
                actor_name: who.1.clone(),
                at: at(on, hour),
                note,
            });
        };
        step("propose", officer, proposed, 10, format!("提出{label}"));
        step(
            "review",
            reviewer,
            reviewed,
            15,
            "入户核查，情况属实".into(),
        );
        let (notice_from, notice_until) = if notice {
            let note = format!("在工会公示栏和社区公示至 {notice_until}");
            step("notice", reviewer, notice_from, 9, note);
            step(
                "approve",
                reviewer,
                d.approved,
                16,
                "公示期满无异议，予以批准".into(),
            );
            (Some(notice_from), Some(notice_until))
        } else {
            step(
                "approve",
                reviewer,
                d.approved,
                16,
                "经审核，予以批准".into(),
            );
            (None, None)
        };
        let (note, evidence) = decision_text(d.kind, d.pathway, d.reason);
        let row = seed::ExitRow {
            id,
            household_id: h.id,
            union_id: h.union_id,
            union_path: h.union_path.clone(),
            kind: d.kind.code().into(),
            pathway: d.pathway.map(|p| p.code().into()),
            reason: d.reason.map(|p| p.code().into()),
            note: note.into(),
            evidence: evidence.into(),
            cohort: h.cohort.clone(),
            status: "approved".into(),
            notice_from,
            notice_until,
            decided_on: Some(d.approved),
            revokes_id: d.revokes,
            revoked_by_id: None,
            evaluation_json: "{}".into(),
            version: if notice { 4 } else { 3 },
            created_by: officer.0,
            created_at: at(proposed, 10),
            updated_at: at(d.approved, 16),
        };
        if d.revokes.is_some() {
            self.revokes.push(row);
        } else {
            self.decisions.push(row);
        }
        id
    }

    /// Writes the decisions, then the revocations that point at them, then
    /// every step.
    pub(crate) fn insert(&self, c: &mut Conn) -> Result<(), StorageError> {
        seed::insert_exits(c, &self.decisions)?;
        seed::insert_exits(c, &self.revokes)?;
        for x in &self.revokes {
            if let Some(of) = x.revokes_id {
                seed::set_revoked_by(c, of, x.id)?;
            }
        }
        seed::insert_exit_steps(c, &self.steps)
    }
}

/// The note and evidence an officer writes for a decision of this kind.
fn decision_text(
    kind: ExitKind,
    pathway: Option<Pathway>,
    reason: Option<RemovalReason>,
) -> (&'static str, &'static str) {
    match (kind, pathway, reason) {
        (ExitKind::OutOfHardship, Some(Pathway::Employment), _) => (
            "经技能培训和就业推荐，家庭成员已稳定就业，致困原因已消除；连续 6 个月家庭人均收入高于当地低保标准。",
            "劳动合同、近 6 个月工资流水；入户核查记录",
        ),
        (ExitKind::OutOfHardship, Some(Pathway::Entitlements), _) => (
            "拖欠的社会保险和工资待遇已落实到位，致困原因已消除；连续 6 个月家庭人均收入高于当地低保标准。",
            "社保缴费记录、待遇核定通知；入户核查记录",
        ),
        (ExitKind::OutOfHardship, Some(Pathway::Medical), _) => (
            "经医疗救助、职工医疗互助和二次报销，医疗负担明显减轻，致困原因已消除；连续 6 个月家庭人均收入高于当地低保标准。",
            "医疗费用结算单、互助金领取记录；入户核查记录",
        ),
        (ExitKind::OutOfHardship, Some(Pathway::SocialAssistance), _) => (
            "已纳入政府低保（特困供养）等社会救助保障，按规定视为脱困。",
            "民政部门低保（特困）审批材料；入户核查记录",
        ),
        (ExitKind::OutOfHardship, _, _) => (
            "经工会持续帮扶，家庭经济状况明显好转，致困原因已消除；连续 6 个月家庭人均收入高于当地低保标准。",
            "收入证明；入户核查记录",
        ),
        (ExitKind::Relieved, _, _) => (
            "家庭成员患重病或残疾，无法通过就业脱困；已纳入政府兜底保障和工会常态化帮扶，家庭实际生活水平达到当地低保标准，予以解困。",
            "低保证、常态化帮扶记录、医疗诊断或残疾证明；入户核查记录",
        ),
        (ExitKind::Removed, _, Some(RemovalReason::Death)) => (
            "职工本人去世，家庭无其他需帮扶的困难情形，档案退出。",
            "死亡证明；社区证明",
        ),
        (ExitKind::Removed, _, Some(RemovalReason::Moved)) => (
            "职工已迁离本地，档案退出。",
            "户籍迁移证明；社区证明",
        ),
        (ExitKind::Removed, _, _) => (
            "复核发现家庭收入超过建档标准，不符合建档条件，予以退出。",
            "部门核对结果、收入证明；复核记录",
        ),
        (ExitKind::Revoke, _, _) => (
            "复查发现原决定所依据的收入证明不实，撤销原决定，恢复在档帮扶。",
            "复查记录、收入核对结果",
        ),
    }
}

/// Who did the steps: the demo's officer and reviewer in their county,
/// otherwise the roles by name (generated history has no accounts).
#[derive(Debug, Clone)]
pub(crate) struct StepActors {
    pub demo: Vec<DemoActors>,
}

/// The union path a demo officer and reviewer work in, with their (id, name).
pub(crate) type DemoActors = (String, (i64, String), (i64, String));

impl StepActors {
    pub(crate) fn for_path(&self, path: &str) -> ((Option<i64>, String), (Option<i64>, String)) {
        match self.demo.iter().find(|d| path.starts_with(d.0.as_str())) {
            Some((_, o, v)) => ((Some(o.0), o.1.clone()), (Some(v.0), v.1.clone())),
            None => (
                (None, "基层工会帮扶干部".to_owned()),
                (None, "县级工会审核人".to_owned()),
            ),
        }
    }
}
