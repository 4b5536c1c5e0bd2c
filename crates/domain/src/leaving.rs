//! Decisions that take a household off the file, or put it back (docs/rules.md
//! §5): out of hardship (脱困) by one of five pathways, relieved
//! (解困), removed (退出), and the revocation of an earlier decision. Each
//! is proposed, reviewed, published and approved like a filing; nothing is
//! ever deleted — a wrong decision is undone by a new one that revokes it.
//!
//! The arithmetic of the exit and relief standards lives in [`crate::exit`];
//! this module holds the vocabulary of the decisions and the small rules
//! around them (the steps, the suggested pathway, the follow-up period).

use crate::household::{coded, Status};
use crate::{Month, ValidationError};
use chrono::NaiveDate;
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

/// Months an exited household is followed (docs/rules.md §5, a setting).
pub const DEFAULT_FOLLOW_MONTHS: u32 = 12;

coded!(
    /// What a decision does to the file.
    ExitKind, "kind", "退出类别" {
        /// 脱困: out of hardship, by a pathway.
        OutOfHardship = "out", "脱困";
        /// 解困: relieved; stays under regular assistance.
        Relieved = "relief", "解困";
        /// 退出: removed by a re-check, or for death or moving away.
        Removed = "removal", "退出";
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
    /// Why a file is removed (docs/rules.md §5 "Removed").
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
            ExitKind::OutOfHardship => self.out_notice,
            ExitKind::Relieved => self.relief_notice,
            ExitKind::Removed => self.removal_notice,
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
                ExitKind::OutOfHardship => f.out_notice = true,
                ExitKind::Relieved => f.relief_notice = true,
                ExitKind::Removed => f.removal_notice = true,
                ExitKind::Revoke => f.revoke_notice = true,
            }
        }
        Ok(f)
    }
}

/// The pathway a track, programme or kind of assistance leads to, by its
/// catalogue code (the dictionary of assistance): a job placement or training leads
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

impl ExitKind {
    /// The status a file takes when a decision of this kind is approved: a
    /// revocation puts the file back on file.
    pub fn status_after(self) -> Status {
        match self {
            ExitKind::OutOfHardship => Status::Exited,
            ExitKind::Relieved => Status::Relieved,
            ExitKind::Removed => Status::Removed,
            ExitKind::Revoke => Status::OnFile,
        }
    }

    /// The kinds an officer proposes for a file on file (a revocation is
    /// proposed from the decision it revokes).
    pub const PROPOSED_ON_FILE: [ExitKind; 3] = [
        ExitKind::OutOfHardship,
        ExitKind::Relieved,
        ExitKind::Removed,
    ];
}

impl ExitStep {
    /// The steps taken on a decision after it was proposed, in their usual order.
    pub const ACTS: [ExitStep; 5] = [
        ExitStep::Review,
        ExitStep::Notice,
        ExitStep::Objection,
        ExitStep::Approve,
        ExitStep::Reject,
    ];
}

/// Whether the household was taken into 低保, 特困供养 or another scheme of
/// the government's safety net *after* it was filed: a scheme starting in a
/// month later than the filing month. That is out of hardship by itself
/// (社会救助脱困, 001 §四(一)4), with or without months above the line; a
/// household already on 低保 when filed is not "taken in" by it.
pub fn safety_net_since_filing(
    filed_on: NaiveDate,
    dibao_since: Option<Month>,
    other_relief_since: Option<Month>,
) -> bool {
    let filed = Month::of_date(filed_on);
    dibao_since.is_some_and(|m| m > filed) || other_relief_since.is_some_and(|m| m > filed)
}

/// The last day an exited household is followed: `months` calendar months
/// after the day the exit took effect (the month's last day when that day
/// does not exist, e.g. 08-31 + 1 month = 09-30).
pub fn follow_until(exited_on: NaiveDate, months: u32) -> NaiveDate {
    exited_on
        .checked_add_months(chrono::Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// Whether a relapse (返困) may still be flagged on an exited household on
/// `today`: within its follow-up period (the last day included).
pub fn within_follow_up(follow_until: Option<NaiveDate>, today: NaiveDate) -> bool {
    follow_until.is_some_and(|until| today <= until)
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

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn mo(s: &str) -> Month {
        Month::parse("month", s).unwrap()
    }

    #[test]
    fn safety_net_counts_only_when_entered_after_the_filing_month() {
        let filed = d("2019-03-15");
        let cases = [
            (None, None, false),
            (Some("2019-02"), None, false),
            (Some("2019-03"), None, false),
            (Some("2019-04"), None, true),
            (None, Some("2020-01"), true),
            (Some("2018-01"), Some("2019-03"), false),
            (Some("2018-01"), Some("2019-05"), true),
        ];
        for (dibao, other, want) in cases {
            assert_eq!(
                safety_net_since_filing(filed, dibao.map(mo), other.map(mo)),
                want,
                "{dibao:?} {other:?}"
            );
        }
    }

    #[test]
    fn follow_up_runs_calendar_months_from_the_exit_day() {
        assert_eq!(follow_until(d("2024-03-15"), 12), d("2025-03-15"));
        assert_eq!(follow_until(d("2024-08-31"), 1), d("2024-09-30"));
        assert_eq!(follow_until(d("2024-02-29"), 12), d("2025-02-28"));
        assert_eq!(follow_until(d("2024-05-01"), 0), d("2024-05-01"));
        let until = follow_until(d("2024-03-15"), 12);
        assert!(
            within_follow_up(Some(until), d("2025-03-15")),
            "last day included"
        );
        assert!(!within_follow_up(Some(until), d("2025-03-16")));
        assert!(within_follow_up(Some(until), d("2024-03-15")));
        assert!(!within_follow_up(None, d("2024-03-15")));
    }

    #[test]
    fn an_approved_decision_sets_the_status_of_its_kind() {
        assert_eq!(ExitKind::OutOfHardship.status_after(), Status::Exited);
        assert_eq!(ExitKind::Relieved.status_after(), Status::Relieved);
        assert_eq!(ExitKind::Removed.status_after(), Status::Removed);
        assert_eq!(ExitKind::Revoke.status_after(), Status::OnFile);
        assert!(ExitKind::PROPOSED_ON_FILE
            .iter()
            .all(|k| k.status_after() != Status::OnFile));
    }

    #[test]
    fn every_act_leads_somewhere_from_some_open_status() {
        use ExitStatus as S;
        for step in ExitStep::ACTS {
            let reachable = [S::Proposed, S::Reviewed, S::Notice]
                .iter()
                .any(|s| s.after(step, true).is_some() || s.after(step, false).is_some());
            assert!(reachable, "{step:?}");
        }
        // Nothing is done to a closed decision.
        for s in [S::Approved, S::Rejected] {
            for step in ExitStep::ACTS {
                assert_eq!(s.after(step, true), None);
                assert_eq!(s.after(step, false), None);
            }
        }
    }
}

#[cfg(test)]
mod properties {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    fn day(offset: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2016, 1, 1).unwrap() + chrono::Duration::days(i64::from(offset))
    }

    proptest! {
        /// The follow-up covers the exit day and every day up to its end,
        /// never fewer than `months` × 28 days, and grows with `months`.
        #[test]
        fn follow_up_covers_the_period(offset in 0u32..5000, months in 0u32..60) {
            let exited = day(offset);
            let until = follow_until(exited, months);
            prop_assert!(until >= exited);
            prop_assert!(within_follow_up(Some(until), exited));
            prop_assert!(within_follow_up(Some(until), until));
            prop_assert!(!within_follow_up(Some(until), until + chrono::Duration::days(1)));
            prop_assert!((until - exited).num_days() >= i64::from(months) * 28);
            prop_assert!(follow_until(exited, months + 1) > until);
        }

        /// Entering the safety net after filing is decided by month alone:
        /// the same for every day of the filing month, and a scheme starting
        /// later never counts less than one starting earlier.
        #[test]
        fn safety_net_depends_on_the_month_only(offset in 0u32..5000, a in -30i32..30, b in -30i32..30) {
            let filed = day(offset);
            let m = Month::of_date(filed);
            let first = m.first_day();
            let (early, late) = (m.add_months(a.min(b)), m.add_months(a.max(b)));
            prop_assert_eq!(
                safety_net_since_filing(filed, Some(early), None),
                safety_net_since_filing(first, Some(early), None)
            );
            prop_assert_eq!(safety_net_since_filing(filed, Some(early), None), a.min(b) > 0);
            if safety_net_since_filing(filed, None, Some(early)) {
                prop_assert!(safety_net_since_filing(filed, None, Some(late)));
            }
        }
    }
}
