//! What the audit log records.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Login,
    Logout,
    ChangePassword,
    CreateUnion,
    UpdateUnion,
    MoveUnion,
    CreateUser,
    UpdateUser,
    ResetPassword,
    CreateHousehold,
    UpdateHousehold,
    RecordIncomes,
    RevealIdentity,
    SetLine,
    DeleteLine,
    SetParams,
    ImportHouseholds,
    Reidentify,
    SubmitApplication,
    ReviewApplication,
    NoticeApplication,
    ObjectApplication,
    ApproveApplication,
    RejectApplication,
}

impl Action {
    pub const ALL: [Action; 24] = [
        Action::Login,
        Action::Logout,
        Action::ChangePassword,
        Action::CreateUnion,
        Action::UpdateUnion,
        Action::MoveUnion,
        Action::CreateUser,
        Action::UpdateUser,
        Action::ResetPassword,
        Action::CreateHousehold,
        Action::UpdateHousehold,
        Action::RecordIncomes,
        Action::RevealIdentity,
        Action::SetLine,
        Action::DeleteLine,
        Action::SetParams,
        Action::ImportHouseholds,
        Action::Reidentify,
        Action::SubmitApplication,
        Action::ReviewApplication,
        Action::NoticeApplication,
        Action::ObjectApplication,
        Action::ApproveApplication,
        Action::RejectApplication,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Action::Login => "login",
            Action::Logout => "logout",
            Action::ChangePassword => "change_password",
            Action::CreateUnion => "create_union",
            Action::UpdateUnion => "update_union",
            Action::MoveUnion => "move_union",
            Action::CreateUser => "create_user",
            Action::UpdateUser => "update_user",
            Action::ResetPassword => "reset_password",
            Action::CreateHousehold => "create_household",
            Action::UpdateHousehold => "update_household",
            Action::RecordIncomes => "record_incomes",
            Action::RevealIdentity => "reveal_identity",
            Action::SetLine => "set_line",
            Action::DeleteLine => "delete_line",
            Action::SetParams => "set_params",
            Action::ImportHouseholds => "import_households",
            Action::Reidentify => "reidentify",
            Action::SubmitApplication => "submit_application",
            Action::ReviewApplication => "review_application",
            Action::NoticeApplication => "notice_application",
            Action::ObjectApplication => "object_application",
            Action::ApproveApplication => "approve_application",
            Action::RejectApplication => "reject_application",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Action::Login => "登录",
            Action::Logout => "退出登录",
            Action::ChangePassword => "修改密码",
            Action::CreateUnion => "新建工会",
            Action::UpdateUnion => "修改工会",
            Action::MoveUnion => "调整隶属关系",
            Action::CreateUser => "新建用户",
            Action::UpdateUser => "修改用户",
            Action::ResetPassword => "重置密码",
            Action::CreateHousehold => "建档",
            Action::UpdateHousehold => "修改档案",
            Action::RecordIncomes => "录入月收入",
            Action::RevealIdentity => "查看完整证件号码",
            Action::SetLine => "设置低保/低收入标准",
            Action::DeleteLine => "删除低保/低收入标准",
            Action::SetParams => "设置识别参数",
            Action::ImportHouseholds => "导入档案",
            Action::Reidentify => "重新识别",
            Action::SubmitApplication => "提交建档申请",
            Action::ReviewApplication => "基层审核（入户核查）",
            Action::NoticeApplication => "开始公示",
            Action::ObjectApplication => "记录公示异议",
            Action::ApproveApplication => "批准建档申请",
            Action::RejectApplication => "不予通过建档申请",
        }
    }

    pub fn from_code(code: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.code() == code)
    }
}

/// The kind of object an audit entry is about.
pub fn object_label(kind: &str) -> &'static str {
    match kind {
        "union" => "工会",
        "user" => "用户",
        "session" => "会话",
        "household" => "困难职工档案",
        "line" => "低保/低收入标准",
        "params" => "识别参数",
        "application" => "建档申请",
        _ => "其他",
    }
}
