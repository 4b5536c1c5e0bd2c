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
}

impl Action {
    pub const ALL: [Action; 9] = [
        Action::Login,
        Action::Logout,
        Action::ChangePassword,
        Action::CreateUnion,
        Action::UpdateUnion,
        Action::MoveUnion,
        Action::CreateUser,
        Action::UpdateUser,
        Action::ResetPassword,
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
        _ => "其他",
    }
}
