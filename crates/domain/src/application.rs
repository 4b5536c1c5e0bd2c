//! Applications for filing (docs/rules.md §2): a worker applies online
//! (一键申报) or an officer enters an application on their behalf; the
//! grassroots union reviews it with a home visit (入户核查), publishes it
//! (公示) for objections, and the approving union approves or refuses it.
//! Approval creates the household file. Every step is recorded.

use crate::ValidationError;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ApplicationId(pub i64);

impl fmt::Display for ApplicationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppStatus {
    /// 待审核: waiting for the grassroots review and home visit.
    Submitted,
    /// 待公示: reviewed, to be published.
    Reviewed,
    /// 公示中: published for objections until the notice ends.
    Notice,
    /// 已批准: the file was created.
    Approved,
    /// 未通过: refused at some step, with a reason.
    Rejected,
}

impl AppStatus {
    pub const ALL: [AppStatus; 5] = [
        AppStatus::Submitted,
        AppStatus::Reviewed,
        AppStatus::Notice,
        AppStatus::Approved,
        AppStatus::Rejected,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AppStatus::Submitted => "submitted",
            AppStatus::Reviewed => "reviewed",
            AppStatus::Notice => "notice",
            AppStatus::Approved => "approved",
            AppStatus::Rejected => "rejected",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AppStatus::Submitted => "待基层审核",
            AppStatus::Reviewed => "待公示",
            AppStatus::Notice => "公示中",
            AppStatus::Approved => "已批准建档",
            AppStatus::Rejected => "未通过",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        AppStatus::ALL
            .into_iter()
            .find(|s| s.code() == raw.trim() || s.label() == raw.trim())
            .ok_or_else(|| ValidationError::new("status", "未知的申请状态"))
    }

    /// Whether the application is still being decided.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            AppStatus::Submitted | AppStatus::Reviewed | AppStatus::Notice
        )
    }

    /// The step that may follow, and what it leads to. A refusal may end any
    /// open step; nothing follows approval or refusal.
    pub fn after(self, step: Step) -> Option<AppStatus> {
        use AppStatus::*;
        match (self, step) {
            (Submitted, Step::Review) => Some(Reviewed),
            (Reviewed, Step::Notice) => Some(Notice),
            (Notice, Step::Objection) => Some(Notice),
            (Notice, Step::Approve) => Some(Approved),
            (s, Step::Reject) if s.is_open() => Some(Rejected),
            _ => None,
        }
    }
}

/// Something done to an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Submit,
    /// 基层审核 with the home-visit record.
    Review,
    /// 公示 starts.
    Notice,
    /// An objection raised during the notice.
    Objection,
    Approve,
    Reject,
}

impl Step {
    pub const ALL: [Step; 6] = [
        Step::Submit,
        Step::Review,
        Step::Notice,
        Step::Objection,
        Step::Approve,
        Step::Reject,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Step::Submit => "submit",
            Step::Review => "review",
            Step::Notice => "notice",
            Step::Objection => "objection",
            Step::Approve => "approve",
            Step::Reject => "reject",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Step::Submit => "提交申请",
            Step::Review => "基层审核（入户核查）",
            Step::Notice => "开始公示",
            Step::Objection => "公示异议",
            Step::Approve => "批准建档",
            Step::Reject => "不予通过",
        }
    }

    pub fn parse(raw: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.code() == raw)
    }
}

/// Application numbers shown to applicants: `SQ` and the id, zero-padded.
/// The version of the consent text ([`CONSENT_TEXT`]) applicants agree to
/// now. An application records the version it was given under; when the
/// text changes, the version changes with it, and the old text stays here
/// ([`consent_text`]) so every recorded consent can still be read.
pub const CONSENT_VERSION: &str = "2026-12";

/// What an applicant agrees to (PIPL arts. 13–14 and 29: separate consent
/// for sensitive personal information; verification with departments, 004
/// and 001 §三). Shown beside the box they tick, and printed with the
/// application.
pub const CONSENT_TEXT: &str = "本人自愿申请困难职工帮扶，承诺所填信息真实、完整。\
本人同意：工会为认定和核实本人家庭的困难情况，向民政、人力资源和社会保障、医疗保障、住房城乡建设、\
公安、市场监管、税务等部门查询、比对本人及共同生活家庭成员的身份、收入、财产、社会保障等信息；\
认定期间在工会范围内公示本人姓名及困难情况（不公示身份证号、电话、住址和病情）。\
本人知悉：身份证号、健康和残疾状况等属于敏感个人信息，仅用于困难职工帮扶，\
按规定期限保管，档案关闭期满后匿名化处理；本人可向工会查阅、复制本人信息，或要求更正。";

/// The consent text of `version`, if it is one Bangfu has used.
pub fn consent_text(version: &str) -> Option<&'static str> {
    (version == CONSENT_VERSION).then_some(CONSENT_TEXT)
}

/// Why a submission's consent is not enough, or `None` when it is the
/// current text agreed to.
pub fn consent_refusal(given: Option<&str>) -> Option<String> {
    match given.map(str::trim).filter(|v| !v.is_empty()) {
        None => {
            Some("请阅读并勾选同意《个人信息使用及核查授权》，工会需据此核实家庭情况".to_owned())
        }
        Some(v) if v == CONSENT_VERSION => None,
        Some(v) => Some(format!(
            "授权书版本“{v}”已不是现行版本（{CONSENT_VERSION}），请阅读现行授权书后重新勾选同意"
        )),
    }
}

pub fn application_no(id: ApplicationId) -> String {
    format!("SQ{:08}", id.0)
}

/// Supporting documents: what may be uploaded and how much.
pub mod uploads {
    /// Largest single file.
    pub const MAX_BYTES: usize = 5 * 1024 * 1024;
    /// Most files per application.
    pub const MAX_FILES: usize = 10;

    /// The content type of an allowed file, judged by its first bytes (never
    /// by the name or the type the browser claims): JPEG, PNG or PDF.
    pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some("image/jpeg")
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some("image/png")
        } else if bytes.starts_with(b"%PDF-") {
            Some("application/pdf")
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_steps_go_in_order() {
        use AppStatus::*;
        assert_eq!(Submitted.after(Step::Review), Some(Reviewed));
        assert_eq!(Reviewed.after(Step::Notice), Some(Notice));
        assert_eq!(Notice.after(Step::Objection), Some(Notice));
        assert_eq!(Notice.after(Step::Approve), Some(Approved));
        // No skipping the review or the notice.
        assert_eq!(Submitted.after(Step::Approve), None);
        assert_eq!(Reviewed.after(Step::Approve), None);
        assert_eq!(Submitted.after(Step::Notice), None);
        // Refusal ends any open step, nothing follows the end.
        for s in [Submitted, Reviewed, Notice] {
            assert_eq!(s.after(Step::Reject), Some(Rejected));
        }
        for s in [Approved, Rejected] {
            for step in Step::ALL {
                assert_eq!(s.after(step), None);
            }
        }
    }

    #[test]
    fn uploads_are_judged_by_content() {
        assert_eq!(uploads::sniff(b"%PDF-1.7 ..."), Some("application/pdf"));
        assert_eq!(
            uploads::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some("image/jpeg")
        );
        assert_eq!(uploads::sniff(b"MZ\x90\x00"), None);
        assert_eq!(uploads::sniff(b"<html>"), None);
    }

    #[test]
    fn numbers() {
        assert_eq!(application_no(ApplicationId(42)), "SQ00000042");
        assert_eq!(consent_refusal(Some(CONSENT_VERSION)), None);
        assert_eq!(consent_text(CONSENT_VERSION), Some(CONSENT_TEXT));
        for bad in [None, Some(""), Some("  "), Some("2020-01")] {
            assert!(consent_refusal(bad).is_some(), "{bad:?}");
        }
    }
}
