//! Decisions that take a household off the file, or put it back (DOMAIN.md
//! §5, issue 5): out of hardship (脱困) by one of five pathways, relieved
//! (解困), removed (退出), and the revocation of an earlier decision. Each
//! is proposed, reviewed, published and approved like a filing; nothing is
//! ever deleted — a wrong decision is undone by a new one that revokes it.
//!
//! The arithmetic of the exit and relief standards lives in [`crate::exit`];
//! this module holds the vocabulary of the decisions and the small rules
//! around them (the steps, the suggested pathway, the follow-up period).

use crate::household::coded;
use crate::ValidationError;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ExitId(pub i64);

impl fmt::Display for ExitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Months an exited household is followed (DOMAIN.md §5, a setting).
pub const DEFAULT_FOLLOW_MONTHS: u32 = 12;

coded!(
    /// What a decision does to the file.
    ExitKind, "kind", "退出类别" {
        /// 脱困: out of hardship, by a pathway.
        Out = "out", "脱困";
        /// 解困: relieved; stays under regular assistance.
        Relief = "relief", "解困";
        /// 退出: removed by a re-check, or for death or moving away.
        Removal = "removal", "退出";
        /// 撤销: revokes an earlier approved decision; the file is back on file.
        Revoke = "revoke", "撤销退出决定";
    }
);

coded!(
    /// The five pathways out of hardship (001 §四(一)).
    Pathway, "pathway", "脱困路径" {
        Employment = "employment", "就业创业脱困";
        Entitlements = "entitlements", "落实待遇脱困";
        Medical = "medical", "医疗救助脱困";
        SocialAssistance = "social_assistance", "社会救助脱困";
        Other = "other", "其他帮扶脱困";
    }
);

coded!(
    /// Why a file is removed (DOMAIN.md §5 "Removed").
    RemovalReason, "reason", "退出原因" {
        /// 复核不符合标准 (003 §三(一)1: 不符合的退出).
        Recheck = "recheck", "复核不符合建档标准";
        Death = "death", "职工本人去世";
        Moved = "moved", "迁离本地";
    }
);

coded!(
    /// Where a decision stands: the same steps as a filing (review → public
    /// notice → approval), with notice skipped for kinds configured so.
    ExitStatus, "status", "退出决定状态" {
        /// 待审核: proposed, waiting for the review (with a home visit).
        Proposed = "proposed", "待审核";
        /// 待公示 (or 待批准 when the kind skips the notice).
        Reviewed = "reviewed", "已审核";
        /// 公示中.
        Notice = "notice", "公示中";
        /// 已批准: in force from its decision date.
        Approved = "approved", "已批准";
        /// 未通过.
        Rejected = "rejected", "未通过";
    }
);

coded!(
    /// Something done to a decision.
    ExitStep, "step", "办理环节" {
        Propose = "propose", "提出";
        Review = "review", "审核（入户核查）";
        Notice = "notice", "开始公示";
        Objection = "objection", "公示异议";
        Approve = "approve", "批准";
        Reject = "reject", "不予通过";
    }
);

impl ExitStatus {
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ExitStatus::Proposed | ExitStatus::Reviewed | ExitStatus::Notice
        )
    }

    /// The status a step leads to, or `None` when the step is not allowed
    /// now. With `notice` false the kind goes from review straight to
    /// approval.
    pub fn after(self, step: ExitStep, notice: bool) -> Option<ExitStatus> {
        use ExitStatus::*;
        match (self, step) {
            (Proposed, ExitStep::Review) => Some(Reviewed),
            (Reviewed, ExitStep::Notice) if notice => Some(Notice),
            (Notice, ExitStep::Objection) => Some(Notice),
            (Notice, ExitStep::Approve) => Some(Approved),
            (Reviewed, ExitStep::Approve) if !notice => Some(Approved),
            (s, ExitStep::Reject) if s.is_open() => Some(Rejected),
            _ => None,
        }
    }
}

/// Which kinds go through public notice (公示). Every kind is reviewed and
/// approved; the notice is a setting per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExitFlow {
    pub out_notice: bool,
    pub relief_notice: bool,
    pub removal_notice: bool,
    pub revoke_notice: bool,
}

impl Default for ExitFlow {
    /// Exits and reliefs are published like filings; a removal for death or
    /// moving away and a revocation are reviewed and approved without notice.
    fn default() -> Self {
        Self {
            out_notice: true,
            relief_notice: true,
            removal_notice: true,
            revoke_notice: false,
        }
    }
}

impl ExitFlow {
    pub fn notice(&self, kind: ExitKind) -> bool {
        match kind {
            ExitKind::Out => self.out_notice,
            ExitKind::Relief => self.relief_notice,
            ExitKind::Removal => self.removal_notice,
            ExitKind::Revoke => self.revoke_notice,
        }
    }

    /// Parses the `--exit-notice` setting: a comma-separated list of kinds
    /// (codes or labels) that go through public notice; empty for none.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let mut f = ExitFlow {
            out_notice: false,
            relief_notice: false,
            removal_notice: false,
            revoke_notice: false,
        };
        for part in raw
            .split([',', '，'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            match ExitKind::parse(part)? {
                ExitKind::Out => f.out_notice = true,
                ExitKind::Relief => f.relief_notice = true,
                ExitKind::Removal => f.removal_notice = true,
                ExitKind::Revoke => f.revoke_notice = true,
            }
        }
        Ok(f)
    }
}

/// The pathway a track, programme or kind of assistance leads to, by its
/// catalogue code (issue 4's dictionary): a job placement or training leads
/// to 就业创业, settled insurance or legal aid to 落实待遇, medical relief
/// and mutual aid to 医疗救助, the safety net and school aid (金秋助学, 001
/// §四(一)4) to 社会救助. Codes the catalogue adds later lead nowhere.
pub fn pathway_of_code(code: &str) -> Option<Pathway> {
    match code {
        // tracks, programmes, kinds of assistance
        "employment" | "skills" | "startup" | "sunshine" | "training" | "job" => {
            Some(Pathway::Employment)
        }
        "insurance" | "policy" | "legal" => Some(Pathway::Entitlements),
        "medical" | "mutual_aid" | "second_insurance" | "injury_visit" => Some(Pathway::Medical),
        "safety_net" | "golden_autumn" | "education" | "study_dream" => {
            Some(Pathway::SocialAssistance)
        }
        _ => None,
    }
}

/// The pathway to pre-select when an officer confirms an exit. Being taken
/// into 低保, 特困供养 or another scheme after filing is out of hardship by
/// itself (社会救助, 001 §四(一)4); otherwise the most recent completed
/// measure or act of assistance that leads somewhere decides (`recent` holds
/// their catalogue codes, newest first); otherwise 其他帮扶.
pub fn suggest_pathway<'a>(
    safety_net_since_filing: bool,
    recent: impl IntoIterator<Item = &'a str>,
) -> Pathway {
    if safety_net_since_filing {
        return Pathway::SocialAssistance;
    }
    recent
        .into_iter()
        .find_map(pathway_of_code)
        .unwrap_or(Pathway::Other)
}

/// Decision numbers shown to people: `TC` and the id, zero-padded.
pub fn exit_no(id: ExitId) -> String {
    format!("TC{:08}", id.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_follow_the_filing_flow_with_notice_configurable() {
        use ExitStatus as S;
        use ExitStep as T;
        let cases = [
            (S::Proposed, T::Review, true, Some(S::Reviewed)),
            (S::Proposed, T::Approve, true, None),
            (S::Proposed, T::Approve, false, None),
            (S::Reviewed, T::Notice, true, Some(S::Notice)),
            (S::Reviewed, T::Notice, false, None),
            (S::Reviewed, T::Approve, true, None),
            (S::Reviewed, T::Approve, false, Some(S::Approved)),
            (S::Notice, T::Objection, true, Some(S::Notice)),
            (S::Notice, T::Approve, true, Some(S::Approved)),
            (S::Approved, T::Reject, true, None),
            (S::Rejected, T::Review, true, None),
            (S::Reviewed, T::Reject, true, Some(S::Rejected)),
        ];
        for (from, step, notice, to) in cases {
            assert_eq!(from.after(step, notice), to, "{from:?} {step:?} {notice}");
        }
    }

    #[test]
    fn pathway_suggestion_reads_the_newest_measure_that_leads_somewhere() {
        use Pathway::*;
        let cases: [(bool, &[&str], Pathway); 6] = [
            (true, &["job"], SocialAssistance),
            (false, &["job", "medical"], Employment),
            (false, &["warmth", "medical", "job"], Medical),
            (false, &["policy"], Entitlements),
            (false, &["golden_autumn"], SocialAssistance),
            (false, &["warmth", "living"], Other),
        ];
        for (net, recent, want) in cases {
            assert_eq!(
                suggest_pathway(net, recent.iter().copied()),
                want,
                "{recent:?}"
            );
        }
    }

    #[test]
    fn flow_setting_parses_codes_and_labels() {
        let f = ExitFlow::parse("out, 解困").unwrap();
        assert!(f.out_notice && f.relief_notice && !f.removal_notice && !f.revoke_notice);
        assert_eq!(
            ExitFlow::parse("").unwrap(),
            ExitFlow {
                out_notice: false,
                relief_notice: false,
                removal_notice: false,
                revoke_notice: false
            }
        );
        assert!(ExitFlow::parse("nothing").is_err());
    }
}
