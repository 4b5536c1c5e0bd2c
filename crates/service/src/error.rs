use bangfu_domain::{PasswordPolicyError, Refusals, ValidationError};
use bangfu_storage::StorageError;

/// Everything a use case can answer besides success. The web layer maps each
/// variant to one status and one JSON/HTML shape, in one place.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Bad input, naming the field (the field travels separately, see [`ServiceError::field`]).
    #[error("{}", .0.message)]
    Invalid(#[from] ValidationError),
    /// Bad input in several fields, found in one pass over a form (never
    /// empty): a page shows each beside its field; the API answers the first.
    #[error("{}", .0.list().first().map(|e| e.message.as_str()).unwrap_or_default())]
    InvalidAll(Refusals),
    /// Rows of a list refused (row, column, reason), found in one pass over
    /// all of them: nothing was written. `total` counts every problem; the
    /// list may hold fewer.
    #[error("{}", rows_headline(*.total, .problems))]
    InvalidRows {
        total: usize,
        problems: Vec<bangfu_domain::verification::RowProblem>,
    },
    #[error("用户名或密码错误")]
    BadCredentials,
    #[error("登录失败次数过多，账户已锁定，请 {minutes} 分钟后再试")]
    Locked { minutes: i64 },
    /// Too many attempts of some kind from one caller within a window
    /// (failed logins from one address, lookups of people filed elsewhere).
    #[error("{message}")]
    TooMany {
        code: &'static str,
        message: String,
        /// Seconds until the window ends (the `Retry-After` header).
        retry_after: u64,
    },
    #[error("请先登录")]
    Unauthenticated,
    #[error("登录已超时，请重新登录")]
    SessionExpired,
    #[error("首次登录或密码被重置后，须先修改密码")]
    PasswordChangeRequired,
    /// Two-factor sign-in is required of this user and not yet enrolled:
    /// until it is, they may do nothing else.
    #[error("您须先启用两步验证（两步登录）才能继续使用系统")]
    TwoFactorEnrolmentRequired,
    /// The sign-in half done (password right, code due) has expired or was used.
    #[error("两步验证已超时，请重新输入用户名和密码登录")]
    TwoFactorExpired,
    /// A wrong or used code at the second step of signing in.
    #[error("验证码不正确或已用过")]
    BadCode,
    #[error("没有权限执行此操作")]
    Forbidden,
    #[error("{0}不存在或不在您的权限范围内")]
    NotFound(&'static str),
    #[error("{message}")]
    Conflict {
        field: &'static str,
        message: String,
    },
    /// The input is well-formed but a rule of the programme refuses it.
    #[error("{0}")]
    Rule(String),
    #[error("内部错误，请稍后再试")]
    Internal(String),
}

/// The message of [`ServiceError::InvalidRows`]: the count and the first problem.
fn rows_headline(total: usize, problems: &[bangfu_domain::verification::RowProblem]) -> String {
    match problems.first() {
        Some(p) => format!(
            "数据中发现 {total} 处错误，未写入任何数据。第 {} 行“{}”：{}",
            p.row, p.column, p.message
        ),
        None => format!("数据中发现 {total} 处错误，未写入任何数据"),
    }
}

/// A storage failure is internal: its detail travels in the error and is
/// logged once, where the error is turned into a response (or a job's end).
impl From<StorageError> for ServiceError {
    fn from(e: StorageError) -> Self {
        ServiceError::Internal(e.to_string())
    }
}

/// One refusal is [`ServiceError::Invalid`], several [`ServiceError::InvalidAll`].
impl From<Refusals> for ServiceError {
    fn from(r: Refusals) -> Self {
        match r.len() {
            0 => ServiceError::Internal("an empty list of refusals".into()),
            1 => ServiceError::Invalid(r.into_vec().swap_remove(0)),
            _ => ServiceError::InvalidAll(r),
        }
    }
}

impl ServiceError {
    /// Every refusal of the input with its field, for a form to show each
    /// beside its field (a conflict names its field too); empty for errors
    /// that are about no field.
    pub fn refusals(&self) -> Vec<ValidationError> {
        match self {
            ServiceError::Invalid(e) => vec![e.clone()],
            ServiceError::InvalidAll(r) => r.list().to_vec(),
            ServiceError::Conflict { field, message } => {
                vec![ValidationError::new(field, message.clone())]
            }
            _ => Vec::new(),
        }
    }

    pub fn password(field: &'static str, e: PasswordPolicyError) -> Self {
        ServiceError::Invalid(ValidationError::new(field, e.to_string()))
    }

    /// Someone else changed the row since the caller read it (its version no
    /// longer matches): nothing was saved, and `message` says what to do.
    pub fn stale(message: impl Into<String>) -> Self {
        ServiceError::Conflict {
            field: "version",
            message: message.into(),
        }
    }

    /// The machine-readable code of the API's error body.
    pub fn code(&self) -> &'static str {
        match self {
            ServiceError::Invalid(_) | ServiceError::InvalidAll(_) => "invalid_input",
            ServiceError::InvalidRows { .. } => "invalid_rows",
            ServiceError::BadCredentials => "bad_credentials",
            ServiceError::Locked { .. } => "account_locked",
            ServiceError::TooMany { code, .. } => code,
            ServiceError::Unauthenticated => "unauthenticated",
            ServiceError::SessionExpired => "session_expired",
            ServiceError::PasswordChangeRequired => "password_change_required",
            ServiceError::TwoFactorEnrolmentRequired => "two_factor_enrolment_required",
            ServiceError::TwoFactorExpired => "two_factor_expired",
            ServiceError::BadCode => "bad_credentials",
            ServiceError::Forbidden => "forbidden",
            ServiceError::NotFound(_) => "not_found",
            ServiceError::Conflict { .. } => "conflict",
            ServiceError::Rule(_) => "rule_violation",
            ServiceError::Internal(_) => "internal",
        }
    }

    /// Seconds after which trying again may succeed (`Retry-After`), for
    /// the refusals that a window or a lock ends.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            ServiceError::Locked { minutes } => Some(u64::try_from(*minutes).unwrap_or(1) * 60),
            ServiceError::TooMany { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }

    /// The input field the error is about, when there is one.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            ServiceError::Invalid(v) => Some(v.field),
            ServiceError::InvalidAll(r) => r.list().first().map(|e| e.field),
            ServiceError::Conflict { field, .. } => Some(field),
            _ => None,
        }
    }
}
