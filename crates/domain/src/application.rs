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
    }
}
