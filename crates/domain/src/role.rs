//! Roles and what each may do. A rule about "who may" lives here and nowhere else.

use crate::ValidationError;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 管理员: organisations, users, roles, parameters.
    Admin,
    /// 帮扶干部: files households, records visits, incomes, plans and assistance.
    Officer,
    /// 审核人: approves filing, exits and disbursements at their level.
    Reviewer,
    /// 资金管理员: budgets, allocations, disbursements.
    FundOfficer,
    /// 审计/督查: reads everything in scope, changes nothing.
    Auditor,
    /// 部门用户: a partner department's user; answers the referrals sent to
    /// their department within their union's subtree, and sees nothing else.
    Department,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Officer,
        Role::Reviewer,
        Role::FundOfficer,
        Role::Auditor,
        Role::Department,
    ];

    /// The identifier used in the CLI, the API and the database.
    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Officer => "officer",
            Role::Reviewer => "reviewer",
            Role::FundOfficer => "fund_officer",
            Role::Auditor => "auditor",
            Role::Department => "department",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "管理员",
            Role::Officer => "帮扶干部",
            Role::Reviewer => "审核人",
            Role::FundOfficer => "资金管理员",
            Role::Auditor => "审计/督查",
            Role::Department => "部门用户",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Role::Admin => "维护本级及下级工会组织、用户账号、角色和参数",
            Role::Officer => "建档立卡，录入走访、收入、帮扶计划和帮扶记录",
            Role::Reviewer => "审核本级的建档、退出和资金拨付",
            Role::FundOfficer => "管理帮扶资金的预算、下拨和发放",
            Role::Auditor => "查阅权限范围内的全部数据和操作日志，开展资金审计，不能修改任何数据",
            Role::Department => "民政、人社等部门的用户：答复推送给本部门的需求，报送核对数据（只看到本人报送的批次和数量）",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        Role::ALL
            .into_iter()
            .find(|r| r.code() == raw.trim())
            .ok_or_else(|| {
                ValidationError::new(
                    "roles",
                    format!(
                        "未知角色“{}”，可选：admin、officer、reviewer、fund_officer、auditor、department",
                        raw.trim()
                    ),
                )
            })
    }

    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::Admin => &[
                ReadUnions,
                ManageUnions,
                ReadUsers,
                ManageUsers,
                ManageLines,
                ManageCatalogues,
                ReadStats,
                ManageTargets,
                RunMonthly,
                SendDatasets,
                ManageVerification,
                ManageAssessments,
            ],
            Role::Officer => &[
                ReadUnions,
                ReadUsers,
                ReadHouseholds,
                ManageHouseholds,
                RevealIdentity,
                ReadAssistance,
                ManageAssistance,
                SendReferrals,
                ReadStats,
            ],
            Role::Reviewer => &[
                ReadUnions,
                ReadUsers,
                ReadHouseholds,
                RevealIdentity,
                ApproveApplications,
                ReadAssistance,
                ReadFunds,
                ApproveAssistance,
                ApproveExits,
                ReadStats,
            ],
            Role::FundOfficer => &[
                ReadUnions,
                ReadUsers,
                ReadHouseholds,
                ReadAssistance,
                ReadFunds,
                ManageFunds,
                ReadStats,
            ],
            Role::Auditor => &[
                ReadUnions,
                ReadUsers,
                ReadAudit,
                ReadHouseholds,
                RevealIdentity,
                ReadAssistance,
                ReadFunds,
                RunFundAudit,
                ReadStats,
            ],
            Role::Department => &[AnswerReferrals, SendDatasets],
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Something a user may do within their union's subtree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    ReadUnions,
    ManageUnions,
    ReadUsers,
    ManageUsers,
    ReadAudit,
    /// Read household files (ID numbers and phones masked).
    ReadHouseholds,
    /// File households, edit them, record members and incomes.
    ManageHouseholds,
    /// See a full ID number or phone, with a reason that is audited.
    RevealIdentity,
    /// Set the lines (低保标准, 低收入标准) and identification parameters.
    ManageLines,
    /// Approve or refuse applications for filing at the approving level.
    ApproveApplications,
    /// Read pairings, plans, visits, assistance records, subsidies and referrals.
    ReadAssistance,
    /// Pair households, make plans and measures, record visits and assistance, set subsidies.
    ManageAssistance,
    /// Approve disbursements above the threshold, and plans.
    ApproveAssistance,
    /// Read fund accounts, the ledger and statements.
    ReadFunds,
    /// Record receipts, allocate to child unions, pay subsidy batches, reverse entries.
    ManageFunds,
    /// Run the fund audit and resolve its findings.
    RunFundAudit,
    /// Edit the catalogues (tracks, programmes, kinds, guarantee lines, departments) and standards.
    ManageCatalogues,
    /// Push a household's need to a department.
    SendReferrals,
    /// Answer the referrals sent to one's own department.
    AnswerReferrals,
    /// Review, publish and approve or refuse exits, reliefs and removals
    /// (proposing one, and reopening after a relapse, needs `ManageHouseholds`).
    ApproveExits,
    /// Read the statistics panel, target progress and the dashboards (figures only, no person).
    ReadStats,
    /// Set the yearly targets (目标任务) of a union and its subtree.
    ManageTargets,
    /// Start the monthly evaluation run by hand.
    RunMonthly,
    /// Send a department's dataset for verification (部门核对) and see one's own batches.
    SendDatasets,
    /// Keep the matching key and the asset thresholds of verification.
    ManageVerification,
    /// Define assessment schemes (考核方案), score them and enter scores by hand.
    ManageAssessments,
}

impl Permission {
    pub fn label(self) -> &'static str {
        match self {
            Permission::ReadUnions => "查看工会组织",
            Permission::ManageUnions => "维护工会组织",
            Permission::ReadUsers => "查看用户",
            Permission::ManageUsers => "维护用户、重置密码、启停账号",
            Permission::ReadAudit => "查阅操作日志",
            Permission::ReadHouseholds => "查看困难职工档案（证件号、电话脱敏）",
            Permission::ManageHouseholds => "建档、修改档案，录入家庭成员和月收入",
            Permission::RevealIdentity => "查看完整证件号码和电话（须填写理由，记入日志）",
            Permission::ManageLines => "设置低保标准、低收入标准和识别参数",
            Permission::ApproveApplications => "审批建档申请（公示期满后批准或不予通过）",
            Permission::ReadAssistance => "查看结对、帮扶计划、走访、帮扶记录和需求推送",
            Permission::ManageAssistance => {
                "结对帮扶，制定计划和措施，记录走访和帮扶，设定常态化补助"
            }
            Permission::ApproveAssistance => "审定帮扶计划，审批超过限额的资金发放",
            Permission::ReadFunds => "查看资金账户、流水和对账单",
            Permission::ManageFunds => "登记资金收入、下拨资金、批量发放补助、冲销",
            Permission::RunFundAudit => "运行资金审计并处理发现的问题",
            Permission::ManageCatalogues => {
                "维护帮扶路径、行动计划、帮扶类别、保障线、部门目录和发放标准"
            }
            Permission::SendReferrals => "向部门推送帮扶需求",
            Permission::AnswerReferrals => "答复推送给本部门的需求",
            Permission::ApproveExits => "审核、公示、批准脱困、解困和退出",
            Permission::ReadStats => "查看统计报表、目标任务进度和工作台",
            Permission::ManageTargets => "设置年度目标任务",
            Permission::RunMonthly => "手动运行月度评估",
            Permission::SendDatasets => "报送部门核对数据，查看本人报送的批次",
            Permission::ManageVerification => "管理核对密钥和资产标准",
            Permission::ManageAssessments => "制定考核方案、计算和录入考核评分",
        }
    }
}

/// Roles no account may hold together (separation of duties): whoever
/// administers the accounts must not also be the one who reads the log of
/// what administrators did.
pub const INCOMPATIBLE: [(Role, Role); 1] = [(Role::Admin, Role::Auditor)];

/// A user's non-empty, sorted, duplicate-free set of roles, never holding
/// two [`INCOMPATIBLE`] roles together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Roles(Vec<Role>);

impl Roles {
    /// A set of roles to give an account: every way of making or changing
    /// an account (API, page, command line) comes through here.
    pub fn new(roles: impl IntoIterator<Item = Role>) -> Result<Self, ValidationError> {
        let v = Self::stored(roles)?;
        for (a, b) in INCOMPATIBLE {
            if v.contains(a) && v.contains(b) {
                return Err(ValidationError::new(
                    "roles",
                    format!(
                        "{}与{}不能由同一账号兼任（职责分离）：管理账号的人不能同时查阅操作日志，请分设两个账号",
                        a.label(),
                        b.label()
                    ),
                ));
            }
        }
        Ok(v)
    }

    /// The roles an account already holds, as stored. Only emptiness is
    /// refused: an account given incompatible roles before the rule existed
    /// must still be readable (and is refused at its next change).
    pub fn stored(roles: impl IntoIterator<Item = Role>) -> Result<Self, ValidationError> {
        let mut v: Vec<Role> = roles.into_iter().collect();
        v.sort();
        v.dedup();
        if v.is_empty() {
            return Err(ValidationError::new("roles", "至少选择一个角色"));
        }
        Ok(Self(v))
    }

    /// Whether an administrator may set this account's password. An
    /// auditor's is reset only by the operator at the server's command line
    /// (`bangfu user reset-password`), or an administrator could sign in as
    /// the auditor who watches them.
    pub fn password_reset_by_admin(&self) -> bool {
        !self.contains(Role::Auditor)
    }

    pub fn parse_codes<'a>(
        codes: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, ValidationError> {
        let roles = codes
            .into_iter()
            .filter(|c| !c.trim().is_empty())
            .map(Role::parse)
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(roles)
    }

    pub fn allows(&self, p: Permission) -> bool {
        self.0.iter().any(|r| r.permissions().contains(&p))
    }

    pub fn contains(&self, r: Role) -> bool {
        self.0.contains(&r)
    }

    pub fn iter(&self) -> impl Iterator<Item = Role> + '_ {
        self.0.iter().copied()
    }

    pub fn labels(&self) -> String {
        self.0
            .iter()
            .map(|r| r.label())
            .collect::<Vec<_>>()
            .join("、")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.code()), Ok(r));
        }
        assert!(Role::parse("root").is_err());
    }

    #[test]
    fn auditor_changes_nothing() {
        let a = Roles::new([Role::Auditor]).map_err(|e| e.to_string());
        let Ok(a) = a else { panic!("roles") };
        assert!(a.allows(Permission::ReadAudit));
        assert!(!a.allows(Permission::ManageUnions));
        assert!(!a.allows(Permission::ManageUsers));
    }

    #[test]
    fn admin_and_auditor_are_never_held_together() {
        for codes in [
            &["admin", "auditor"][..],
            &["auditor", "officer", "admin"][..],
        ] {
            let refused = Roles::parse_codes(codes.iter().copied());
            assert!(
                refused
                    .as_ref()
                    .is_err_and(|e| e.field == "roles" && e.message.contains("职责分离")),
                "{codes:?}: {refused:?}"
            );
        }
        assert!(Roles::parse_codes(["admin", "officer"]).is_ok());
        assert!(Roles::parse_codes(["auditor", "reviewer"]).is_ok());
        // What is already stored stays readable.
        assert!(Roles::stored([Role::Admin, Role::Auditor]).is_ok());
        assert!(Roles::stored([]).is_err());
    }

    #[test]
    fn only_the_operator_resets_an_auditors_password() {
        let check = |codes: &[&str]| {
            Roles::parse_codes(codes.iter().copied()).map(|r| r.password_reset_by_admin())
        };
        assert_eq!(check(&["officer"]), Ok(true));
        assert_eq!(check(&["admin"]), Ok(true));
        assert_eq!(check(&["auditor"]), Ok(false));
        assert_eq!(check(&["auditor", "reviewer"]), Ok(false));
    }

    #[test]
    fn empty_role_set_is_refused() {
        assert!(Roles::new([]).is_err());
        assert!(Roles::parse_codes(["", " "]).is_err());
        assert_eq!(
            Roles::parse_codes(["officer", "admin", "officer"]).map(|r| r.iter().count()),
            Ok(2)
        );
    }
}
