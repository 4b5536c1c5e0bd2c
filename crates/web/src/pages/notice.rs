//! What a page says after a successful action, as one typed list.
//!
//! A handler that succeeds redirects to a page with `?notice=<code>`; the page
//! reads the code back through [`Notice::find`] with the notices it may show
//! and the template prints [`Notice`]'s text (escaped). A URL therefore
//! chooses among these texts and never supplies one. The same code may mean
//! different things on different pages (`saved`, `approved`…), which is why a
//! page names the notices it accepts.

use bangfu_domain::Fen;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// Any other code on a page that acknowledges every action.
    Done,
    Saved,
    // unions, users and the account
    UnionCreated,
    UnionMoved,
    PasswordChanged,
    SessionEnded,
    SessionsEnded,
    TwoFactorDisabled,
    TwoFactorReset,
    UserCreated,
    PasswordReset,
    // a household's file
    HouseholdCreated,
    IncomesSaved,
    FilingApproved,
    Relapsed,
    Reopened,
    ReportedUp,
    ReportAccepted,
    ReportReturned,
    // lines and parameters
    LineSaved,
    LineDeleted,
    ParamsSaved,
    // pairing, plans, visits and the dictionary
    PairedMany(u64),
    Paired,
    PlanSaved,
    PlanSubmitted,
    PlanApproved,
    MeasureSaved,
    VisitSaved,
    EntrySaved,
    // assistance, subsidies and referrals
    AssistanceRecorded,
    AssistancePending,
    AssistanceApproved,
    AssistanceRefused,
    AssistanceReversed,
    SubsidySet,
    SubsidyStopped,
    SubsidiesDue {
        created: u64,
        cancelled: u64,
    },
    SubsidiesPaid {
        paid: u64,
        amount: Fen,
        cancelled: u64,
    },
    ReferralSent,
    ReferralAnswered,
    // social resources
    ProviderSaved,
    ResourceSaved,
    MatchConfirmed,
    SuggestionDismissed,
    OutcomeRecorded,
    // exits (脱困), reliefs and removals
    ExitReopened,
    ExitProposed,
    ExitReviewed,
    ExitNoticeStarted,
    ExitObjection,
    ExitApproved,
    ExitRejected,
    // applications
    ApplicationSubmitted,
    ApplicationReviewed,
    ApplicationNoticeStarted,
    ApplicationObjection,
    ApplicationApproved,
    ApplicationRejected,
    // funds
    FundsReceipt,
    FundsAllocation,
    FundsReversed,
    // the fund audit
    AuditRan {
        found: u64,
        added: u64,
        millis: u64,
    },
    StandardSaved,
    ThresholdsSaved,
    // targets
    TargetSet,
    TargetCleared,
    // 部门核对 findings
    FindingConfirmed,
    FindingDismissed,
    // 部门核对 (verification)
    /// A batch received: its counts are read from the batch itself, never
    /// from the address.
    BatchReceived {
        rows: u64,
        matched: u64,
        findings: u64,
    },
    KeyRotated,
    DatasetAdded,
    DatasetSaved,
    // 临时救助档案
    TemporaryRecorded,
    TemporaryClosed,
    /// A household filed from a temporary relief file (转正).
    Converted,
    // merges and transfers
    Merged,
    TransferProposed,
    TransferAccepted,
    TransferDeclined,
    TransferWithdrawn,
    // 专项行动 (campaigns)
    CampaignStarted,
    CampaignClosed,
    // assessment
    AssessmentCreated,
    AssessmentUpdated,
    AssessmentScored,
    AssessmentEntered,
    TaskRecorded,
    ItemCleared,
}

impl Notice {
    /// What unions, users and the account page acknowledge.
    pub const ACCOUNT: &'static [Notice] = &[
        Notice::UnionCreated,
        Notice::Saved,
        Notice::UnionMoved,
        Notice::PasswordChanged,
        Notice::SessionEnded,
        Notice::SessionsEnded,
        Notice::TwoFactorDisabled,
        Notice::TwoFactorReset,
    ];
    /// What a household's file acknowledges.
    pub const HOUSEHOLD: &'static [Notice] = &[
        Notice::HouseholdCreated,
        Notice::Saved,
        Notice::IncomesSaved,
        Notice::FilingApproved,
        Notice::Relapsed,
        Notice::Reopened,
        Notice::Converted,
        Notice::Merged,
        Notice::TransferProposed,
        Notice::ReportedUp,
        Notice::ReportAccepted,
        Notice::ReportReturned,
    ];
    /// What the transfers list acknowledges.
    pub const TRANSFERS: &'static [Notice] = &[
        Notice::TransferAccepted,
        Notice::TransferDeclined,
        Notice::TransferWithdrawn,
    ];
    /// What a temporary relief file's page acknowledges.
    pub const TEMPORARY: &'static [Notice] = &[Notice::TemporaryRecorded, Notice::TemporaryClosed];
    /// What the inbox of reported files (待接收的上报档案) acknowledges.
    pub const REPORTS: &'static [Notice] = &[Notice::ReportAccepted, Notice::ReportReturned];
    /// What the lines page acknowledges.
    pub const LINES: &'static [Notice] =
        &[Notice::LineSaved, Notice::LineDeleted, Notice::ParamsSaved];
    /// What the plan, visits and dictionary pages acknowledge.
    pub const PLANS: &'static [Notice] = &[
        Notice::Paired,
        Notice::PlanSaved,
        Notice::PlanSubmitted,
        Notice::PlanApproved,
        Notice::MeasureSaved,
        Notice::VisitSaved,
        Notice::EntrySaved,
    ];
    /// What the assistance, subsidies and referrals pages acknowledge.
    pub const ASSISTANCE: &'static [Notice] = &[
        Notice::AssistanceRecorded,
        Notice::AssistancePending,
        Notice::AssistanceApproved,
        Notice::AssistanceRefused,
        Notice::AssistanceReversed,
        Notice::SubsidySet,
        Notice::SubsidyStopped,
        Notice::ReferralSent,
        Notice::ReferralAnswered,
    ];
    /// What the social resources pages acknowledge.
    pub const RESOURCES: &'static [Notice] = &[
        Notice::ProviderSaved,
        Notice::ResourceSaved,
        Notice::MatchConfirmed,
        Notice::SuggestionDismissed,
        Notice::OutcomeRecorded,
    ];
    /// What the exits list acknowledges.
    pub const EXITS: &'static [Notice] = &[Notice::ExitReopened];
    /// What a decision's page acknowledges: the step just taken.
    pub const EXIT: &'static [Notice] = &[
        Notice::ExitProposed,
        Notice::ExitReviewed,
        Notice::ExitNoticeStarted,
        Notice::ExitObjection,
        Notice::ExitApproved,
        Notice::ExitRejected,
    ];
    /// What an application's page acknowledges: the step just taken.
    pub const APPLICATION: &'static [Notice] = &[
        Notice::ApplicationSubmitted,
        Notice::ApplicationReviewed,
        Notice::ApplicationNoticeStarted,
        Notice::ApplicationObjection,
        Notice::ApplicationApproved,
        Notice::ApplicationRejected,
    ];
    /// What the fund audit's pages acknowledge.
    pub const FUND_AUDIT: &'static [Notice] = &[Notice::StandardSaved];
    /// What the verification thresholds page acknowledges.
    pub const THRESHOLDS: &'static [Notice] = &[Notice::ThresholdsSaved];
    /// What the targets page acknowledges.
    pub const TARGETS: &'static [Notice] = &[Notice::TargetSet, Notice::TargetCleared];
    /// What a 核对发现 page acknowledges.
    pub const FINDINGS: &'static [Notice] = &[Notice::FindingConfirmed, Notice::FindingDismissed];
    /// What a campaign's page acknowledges.
    pub const CAMPAIGN: &'static [Notice] = &[Notice::CampaignStarted, Notice::CampaignClosed];
    /// What an assessment's report acknowledges.
    pub const ASSESSMENT: &'static [Notice] = &[
        Notice::AssessmentCreated,
        Notice::AssessmentUpdated,
        Notice::AssessmentScored,
    ];
    /// What an assessed union's page acknowledges.
    pub const ASSESSMENT_UNION: &'static [Notice] = &[Notice::AssessmentEntered];
    /// What a campaign task's page acknowledges.
    pub const CAMPAIGN_TASK: &'static [Notice] = &[Notice::TaskRecorded, Notice::ItemCleared];
    /// What the funds page acknowledges.
    pub const FUNDS: &'static [Notice] = &[
        Notice::FundsReceipt,
        Notice::FundsAllocation,
        Notice::FundsReversed,
    ];

    /// What the 部门核对 hub acknowledges.
    pub const VERIFICATION: &'static [Notice] = &[
        Notice::KeyRotated,
        Notice::DatasetAdded,
        Notice::DatasetSaved,
    ];
    /// What a verification batch's page acknowledges (with the batch's counts).
    pub const BATCH: &'static [Notice] = &[Notice::BatchReceived {
        rows: 0,
        matched: 0,
        findings: 0,
    }];

    /// The code in the page's address.
    pub fn code(self) -> &'static str {
        match self {
            Notice::Done => "done",
            Notice::Saved => "saved",
            Notice::UnionCreated | Notice::HouseholdCreated => "created",
            Notice::UnionMoved => "moved",
            Notice::PasswordChanged => "password",
            Notice::SessionEnded => "session_ended",
            Notice::SessionsEnded => "sessions_ended",
            Notice::TwoFactorDisabled => "two_factor_off",
            Notice::TwoFactorReset => "two_factor_reset",
            Notice::UserCreated => "user",
            Notice::PasswordReset => "reset",
            Notice::IncomesSaved => "incomes",
            Notice::FilingApproved | Notice::PlanApproved | Notice::AssistanceApproved => {
                "approved"
            }
            Notice::Relapsed => "relapse",
            Notice::ReportedUp => "reported",
            Notice::ReportAccepted => "report_accepted",
            Notice::ReportReturned => "report_returned",
            Notice::Reopened | Notice::ExitReopened => "reopened",
            Notice::LineSaved => "line",
            Notice::LineDeleted => "deleted",
            Notice::ParamsSaved => "params",
            Notice::PairedMany(_) | Notice::Paired => "paired",
            Notice::PlanSaved => "plan",
            Notice::PlanSubmitted => "plan_submitted",
            Notice::MeasureSaved => "measure",
            Notice::VisitSaved => "visit",
            Notice::EntrySaved => "entry",
            Notice::AssistanceRecorded => "recorded",
            Notice::AssistancePending => "pending",
            Notice::AssistanceRefused => "refused",
            Notice::AssistanceReversed => "reversed",
            Notice::SubsidySet => "subsidy",
            Notice::SubsidyStopped => "stopped",
            Notice::SubsidiesDue { .. } => "due",
            Notice::SubsidiesPaid { .. } => "paid",
            Notice::ReferralSent => "sent",
            Notice::ReferralAnswered => "answered",
            Notice::ProviderSaved => "provider_saved",
            Notice::ResourceSaved => "resource_saved",
            Notice::MatchConfirmed => "matched",
            Notice::SuggestionDismissed => "dismissed",
            Notice::OutcomeRecorded => "outcome",
            Notice::ExitProposed => "proposed",
            Notice::ExitReviewed | Notice::ApplicationReviewed => "review",
            Notice::ExitNoticeStarted | Notice::ApplicationNoticeStarted => "notice",
            Notice::ExitObjection | Notice::ApplicationObjection => "objection",
            Notice::ExitApproved | Notice::ApplicationApproved => "approve",
            Notice::ExitRejected | Notice::ApplicationRejected => "reject",
            Notice::ApplicationSubmitted => "submitted",
            Notice::FundsReceipt => "receipt",
            Notice::FundsAllocation => "allocation",
            Notice::FundsReversed => "reverse",
            Notice::AuditRan { .. } => "ran",
            Notice::StandardSaved => "standard",
            Notice::ThresholdsSaved => "thresholds",
            Notice::TargetSet => "set",
            Notice::TargetCleared => "clear",
            Notice::FindingConfirmed => "confirmed",
            Notice::FindingDismissed => "dismissed",
            Notice::BatchReceived { .. } => "received",
            Notice::KeyRotated => "key_rotated",
            Notice::DatasetAdded => "dataset_added",
            Notice::DatasetSaved => "dataset_saved",
            Notice::TemporaryRecorded => "recorded",
            Notice::TemporaryClosed => "closed",
            Notice::Converted => "converted",
            Notice::Merged => "merged",
            Notice::TransferProposed => "transfer",
            Notice::TransferAccepted => "accepted",
            Notice::TransferDeclined => "declined",
            Notice::TransferWithdrawn => "withdrawn",
            Notice::CampaignStarted => "started",
            Notice::CampaignClosed => "closed",
            Notice::AssessmentCreated => "created",
            Notice::AssessmentUpdated => "updated",
            Notice::AssessmentScored => "scored",
            Notice::AssessmentEntered => "entered",
            Notice::TaskRecorded => "recorded",
            Notice::ItemCleared => "cleared",
        }
    }

    /// What the page says.
    pub fn text(self) -> String {
        let text = match self {
            Notice::Done => "操作已完成。",
            Notice::Saved => "已保存。",
            Notice::UnionCreated => "已新建工会。",
            Notice::UnionMoved => "已调整隶属关系，其下级工会和用户随之调整。",
            Notice::PasswordChanged => "密码已修改。",
            Notice::SessionEnded => "该登录会话已结束，使用它的设备须重新登录。",
            Notice::SessionsEnded => "该用户的全部登录会话已结束，须重新登录。",
            Notice::TwoFactorDisabled => "两步验证已停用，您在其他设备上的登录已结束。",
            Notice::TwoFactorReset => {
                "已重置该用户的两步验证：其登录已全部结束，下次登录须重新启用两步验证。"
            }
            Notice::UserCreated => "用户已创建。",
            Notice::PasswordReset => "密码已重置，该用户的登录已全部失效。",
            Notice::HouseholdCreated => {
                "已建档。请录入近几个月的家庭收入，系统将自动给出识别结论。"
            }
            Notice::IncomesSaved => "月收入已保存，识别结论已更新。",
            Notice::FilingApproved => "已批准建档，申请中的家庭成员和月收入已录入档案。",
            Notice::Relapsed => "已标记返困。核实后可为该家庭返困重新建档。",
            Notice::ReportedUp => "档案已上报，等待上级工会接收。",
            Notice::ReportAccepted => "已接收该上报档案。",
            Notice::ReportReturned => "已将档案退回建档工会补充完善。",
            Notice::Reopened => "已返困重新建档：本档案为增量库新档案，与原档案相互关联。",
            Notice::LineSaved => {
                "标准已保存。已建档家庭的识别结论将在打开档案或“重新识别”后按新标准计算。"
            }
            Notice::LineDeleted => "标准已删除。",
            Notice::ParamsSaved => "识别参数已保存。",
            Notice::PairedMany(n) => return format!("已为 {n} 户家庭落实结对责任人。"),
            Notice::Paired => "已落实结对帮扶责任人。",
            Notice::PlanSaved => "帮扶计划已保存。",
            Notice::PlanSubmitted => "帮扶计划已提交审批，等待审核人审定。",
            Notice::PlanApproved => "帮扶计划已审定。",
            Notice::MeasureSaved => "帮扶措施已保存。",
            Notice::VisitSaved => "走访记录已保存。",
            Notice::EntrySaved => "目录已保存。",
            Notice::AssistanceRecorded => "帮扶记录已保存。",
            Notice::AssistancePending => "现金超过审批限额，已提交审核人审批，批准后发放。",
            Notice::AssistanceApproved => "已批准并发放。",
            Notice::AssistanceRefused => "已不予批准，未发放资金。",
            Notice::AssistanceReversed => "已冲销，资金已退回账户。",
            Notice::SubsidySet => "常态化补助已设定。到期后在“常态化补助”页生成应发名单。",
            Notice::SubsidyStopped => "已停发，未发放的应发补助已取消。",
            Notice::SubsidiesDue { created, cancelled } => {
                return format!(
                    "已生成 {created} 笔应发补助（已生成过的不重复生成）；因档案关闭取消 {cancelled} 笔。"
                )
            }
            Notice::SubsidiesPaid {
                paid,
                amount,
                cancelled,
            } => {
                let cancelled = if cancelled > 0 {
                    format!("；{cancelled} 笔因档案关闭已取消")
                } else {
                    String::new()
                };
                return format!(
                    "已发放 {paid} 笔，共 {} 元，已记入各户帮扶记录{cancelled}。",
                    amount.yuan_grouped()
                );
            }
            Notice::ReferralSent => "需求已推送给部门。",
            Notice::ReferralAnswered => "答复已记录。",
            Notice::ProviderSaved => "资源提供方已保存。",
            Notice::ResourceSaved => "社会资源已保存。",
            Notice::MatchConfirmed => "已确认对接，请在对接完成后登记结果。",
            Notice::SuggestionDismissed => "已标记为不予对接，该家庭不会再被推荐此资源。",
            Notice::OutcomeRecorded => "对接结果已登记；成功的对接已计入该户的帮扶记录。",
            Notice::ExitReopened => "已重新建档。",
            Notice::ExitProposed => "已提出，等待审核人审核（入户核查）。",
            Notice::ExitReviewed => "已审核。",
            Notice::ExitNoticeStarted => "已开始公示，公示期满后由审核人批准。",
            Notice::ExitObjection => "已记录公示期间收到的异议。",
            Notice::ExitApproved => "已批准，档案状态已随之更新。",
            Notice::ExitRejected => "已不予通过。",
            Notice::ApplicationSubmitted => "申请已提交，等待基层审核和入户核查。",
            Notice::ApplicationReviewed => "已完成基层审核（入户核查），下一步：开始公示。",
            Notice::ApplicationNoticeStarted => "已开始公示，公示期满后由审批工会批准。",
            Notice::ApplicationObjection => "异议已记录。",
            Notice::ApplicationApproved => "已批准，档案已建立。",
            Notice::ApplicationRejected => {
                "已不予通过，申请人可凭身份证号码和手机号码查询到理由。"
            }
            Notice::FundsReceipt => "资金收入已登记。",
            Notice::FundsAllocation => "资金已下拨，下级工会可在其资金页面看到这笔下拨。",
            Notice::FundsReversed => "已冲销：记入了一笔反向分录，原业务保留可查。",
            Notice::AuditRan {
                found,
                added,
                millis,
            } => {
                return format!(
                    "审计已完成：本次在您的权限范围内发现 {found} 个问题，其中新增 {added} 个（用时 {millis} 毫秒）。"
                )
            }
            Notice::StandardSaved => "发放标准已保存。",
            Notice::ThresholdsSaved => "核对资产标准已保存，之后收到的车辆、不动产数据按新标准核对。",
            Notice::TargetSet => "目标比例已保存。",
            Notice::TargetCleared => "已取消本级设定，恢复沿用上级或默认方案。",
            Notice::FindingConfirmed => {
                "已确认处置并关联办理记录；该户没有其他待处置的核对发现时，预警待办随之关闭。"
            }
            Notice::FindingDismissed => {
                "已排除，排除理由已记录；该户没有其他待处置的核对发现时，预警待办随之关闭。"
            }
            Notice::BatchReceived {
                rows,
                matched,
                findings,
            } => return format!("已接收：{rows} 行，匹配 {matched} 人，发现 {findings} 条。"),
            Notice::KeyRotated => {
                "已生成新的核对密钥，请把新密钥交给各报送部门。"
            }
            Notice::DatasetAdded => {
                "已添加数据集：部门现在可以按其模板报送，核对规则与所选规则相同。"
            }
            Notice::DatasetSaved => "已保存数据集目录的修改。",
            Notice::TemporaryRecorded => {
                "已登记临时救助档案，救助金已从所选资金中发放。符合建档标准时可“转正建档”。"
            }
            Notice::TemporaryClosed => "临时救助档案已关闭。",
            Notice::Converted => {
                "已由临时救助档案转正建档。请录入近几个月的家庭收入，系统将自动给出识别结论。"
            }
            Notice::Merged => {
                "已合并：另一份档案的职工和家庭成员已并入本档案，各月收入已相加，原档案已关闭并保留历史。请核对成员关系和月收入。"
            }
            Notice::TransferProposed => "已申请转移，等待接收工会确认；确认前档案仍由本工会管理。",
            Notice::TransferAccepted => "已接收：该档案现由本工会管理，请为其结对帮扶责任人。",
            Notice::TransferDeclined => "已拒绝该转移申请，转出工会将看到拒绝理由。",
            Notice::TransferWithdrawn => "已撤回转移申请。",
            Notice::CampaignStarted => {
                "专项行动已发起：在档家庭的任务已分派给各自的责任人，并列入其待办事项。"
            }
            Notice::CampaignClosed => "专项行动已结束，任务不再变更。",
            Notice::AssessmentCreated => "考核方案已保存。计算得分前仍可修改指标。",
            Notice::AssessmentUpdated => "考核指标已修改。",
            Notice::AssessmentScored => "已按最新数据计算各单位的系统计算指标得分。",
            Notice::AssessmentEntered => "评分已录入。",
            Notice::TaskRecorded => "核查结果已记录，该任务已办结。",
            Notice::ItemCleared => "已销号。",
        };
        text.to_owned()
    }

    /// The notice among `accepted` whose code is `code`; none for no code or
    /// an unknown one.
    pub fn find(accepted: &[Notice], code: Option<&str>) -> Option<Notice> {
        let code = code?;
        accepted.iter().copied().find(|n| n.code() == code)
    }

    /// As [`Notice::find`], but any unknown code still says the action was
    /// done: the page is reached only after one.
    pub fn find_or_done(accepted: &[Notice], code: Option<&str>) -> Option<Notice> {
        match code? {
            "" => None,
            c => Some(Self::find(accepted, Some(c)).unwrap_or(Notice::Done)),
        }
    }

    /// `?notice=<code>` (with the counts a counted notice carries), to append
    /// to a page's path.
    pub fn query(self) -> String {
        match self {
            Notice::PairedMany(n) => format!("notice={}&count={n}", self.code()),
            Notice::AuditRan {
                found,
                added,
                millis,
            } => format!(
                "notice={}&found={found}&added={added}&ms={millis}",
                self.code()
            ),
            _ => format!("notice={}", self.code()),
        }
    }
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_reads_only_its_own_codes() {
        assert_eq!(
            Notice::find(Notice::HOUSEHOLD, Some("created")),
            Some(Notice::HouseholdCreated)
        );
        assert_eq!(
            Notice::find(Notice::ACCOUNT, Some("created")),
            Some(Notice::UnionCreated)
        );
        assert_eq!(Notice::find(Notice::PLANS, Some("<b>hi</b>")), None);
        assert_eq!(Notice::find(Notice::PLANS, None), None);
    }

    #[test]
    fn unknown_codes_say_done_where_every_action_is_acknowledged() {
        assert_eq!(
            Notice::find_or_done(Notice::FUNDS, Some("whatever")),
            Some(Notice::Done)
        );
        assert_eq!(Notice::find_or_done(Notice::FUNDS, Some("")), None);
        assert_eq!(Notice::Done.to_string(), "操作已完成。");
    }

    #[test]
    fn every_listed_code_reads_back_as_itself() {
        for list in [
            Notice::ACCOUNT,
            Notice::HOUSEHOLD,
            Notice::LINES,
            Notice::PLANS,
            Notice::ASSISTANCE,
            Notice::EXITS,
            Notice::EXIT,
            Notice::APPLICATION,
            Notice::FUNDS,
            Notice::FUND_AUDIT,
            Notice::TARGETS,
            Notice::VERIFICATION,
            Notice::FINDINGS,
            Notice::THRESHOLDS,
            Notice::BATCH,
            Notice::TEMPORARY,
            Notice::TRANSFERS,
            Notice::CAMPAIGN,
            Notice::CAMPAIGN_TASK,
        ] {
            for n in list {
                assert_eq!(Notice::find(list, Some(n.code())), Some(*n), "{n:?}");
            }
        }
    }

    #[test]
    fn counted_notices_carry_their_counts() {
        assert_eq!(Notice::PairedMany(4).query(), "notice=paired&count=4");
    }
}
