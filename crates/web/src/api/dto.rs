//! The API's request and response shapes. Field names are the public
//! contract: scripts and partner systems rely on them.

use crate::view::{api_time, division_name};
use bangfu_domain::audit::{object_label, Action};
use bangfu_service::{AuditRow, Page, Union, User};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = LoginDto)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub token_type: String,
    /// Needed only when calling the API with the session cookie instead of the token.
    pub csrf_token: String,
    /// Seconds of inactivity after which the token stops working.
    pub expires_in: u64,
    pub must_change_password: bool,
    /// Two-factor sign-in is required of this user and not yet enrolled:
    /// the token works only for `/api/v1/account/two-factor…` (and
    /// `/auth/me`, `/auth/logout`) until enrolment is confirmed.
    pub two_factor_enrolment_due: bool,
    pub user: UserDto,
}

/// The answer to a right password of a user with two-factor sign-in: no
/// session yet; send the code with `challenge` to `/api/v1/auth/login/two-factor`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TwoFactorChallengeDto {
    /// Always true: a code (TOTP or a recovery code) is due.
    pub two_factor_required: bool,
    /// Single use; send it with the code.
    pub challenge: String,
    /// Seconds within which the code must be sent.
    pub expires_in: u64,
}

/// What `POST /api/v1/auth/login` answers: a session, or (two-factor) a challenge.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum LoginAnswer {
    Signed(Box<LoginResponse>),
    TwoFactor(TwoFactorChallengeDto),
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserDto {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub union_id: i64,
    pub union_name: String,
    /// Role codes: admin, officer, reviewer, fund_officer, auditor, department.
    pub roles: Vec<String>,
    pub active: bool,
    pub must_change_password: bool,
    /// Whether the user has enrolled two-factor sign-in (TOTP).
    pub two_factor_enrolled: bool,
    pub created_at: String,
    pub last_login_at: Option<String>,
    /// A department user's department code.
    pub department: Option<String>,
}

impl From<&User> for UserDto {
    fn from(u: &User) -> Self {
        Self {
            id: u.id.0,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            union_id: u.union_id.0,
            union_name: u.union_name.clone(),
            roles: u.roles.iter().map(|r| r.code().to_owned()).collect(),
            active: u.active,
            must_change_password: u.must_change_password,
            two_factor_enrolled: u.two_factor_enrolled_at.is_some(),
            created_at: api_time(&u.created_at),
            last_login_at: u.last_login_at.as_ref().map(api_time),
            department: u.department.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnionDto {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
    /// national, province, city, county, grassroots or industry.
    pub level: String,
    pub level_label: String,
    /// GB/T 2260 administrative division code (000000 for the whole country).
    pub division_code: String,
    pub division_name: String,
    pub active: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Union> for UnionDto {
    fn from(u: &Union) -> Self {
        Self {
            id: u.id.0,
            parent_id: u.parent_id.map(|p| p.0),
            name: u.name.clone(),
            level: u.level.code().to_owned(),
            level_label: u.level.label().to_owned(),
            division_code: u.division_code.clone(),
            division_name: division_name(&u.division_code),
            active: u.active,
            created_at: api_time(&u.created_at),
            updated_at: api_time(&u.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnionChildDto {
    pub union: UnionDto,
    pub child_count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnionDetailDto {
    pub union: UnionDto,
    /// From the top of the caller's scope down to the parent.
    pub ancestors: Vec<UnionDto>,
    /// One page of the direct children (`child_page`, `child_per_page`).
    pub children: Vec<UnionChildDto>,
    /// How many direct children there are in all.
    pub children_total: i64,
    pub user_count: i64,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct UnionDetailQuery {
    /// Which page of the children (from 1).
    pub child_page: Option<i64>,
    /// Children per page (default 20, at most 200).
    pub child_per_page: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateUnionRequest {
    pub parent_id: i64,
    pub name: String,
    pub level: String,
    pub division_code: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateUnionRequest {
    pub name: Option<String>,
    pub division_code: Option<String>,
    pub active: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MoveUnionRequest {
    /// The new parent union.
    pub parent_id: i64,
    /// The union's division after the move (e.g. after an administrative
    /// restructuring); unchanged when absent.
    pub division_code: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateUserRequest {
    pub username: String,
    pub display_name: String,
    pub union_id: i64,
    pub roles: Vec<String>,
    /// Initial password; omit to have one generated. Either way the user must change it at first login.
    pub password: Option<String>,
    /// Required with the role `department`: the code of the user's department
    /// (`department` catalogue, e.g. civil_affairs).
    pub department: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedUserDto {
    pub user: UserDto,
    /// Present when the server generated the initial password; shown only once.
    pub generated_password: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateUserRequest {
    pub display_name: Option<String>,
    pub union_id: Option<i64>,
    pub roles: Option<Vec<String>>,
    pub active: Option<bool>,
    /// A department user's department (`department` catalogue code); kept
    /// when absent. Required while the user has the role `department`;
    /// cleared when that role is removed.
    pub department: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct ResetPasswordRequest {
    pub password: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ResetPasswordDto)]
pub struct ResetPasswordResponse {
    pub generated_password: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryDto {
    pub id: i64,
    pub at: String,
    pub actor_id: Option<i64>,
    pub actor_username: Option<String>,
    pub union_id: Option<i64>,
    pub action: String,
    pub action_label: String,
    pub object_kind: String,
    pub object_label: String,
    pub object_id: Option<String>,
    /// What a person calls the object: a household's file number, an
    /// application's number (SQ…), a decision's number; absent for others.
    pub object_name: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    pub ip: Option<String>,
    pub success: bool,
    /// Position in the audit log's hash chain (absent only for an entry
    /// written behind the application's back).
    pub chain_seq: Option<i64>,
    /// SM3 hash (hex) of this entry and the one before it in the chain.
    pub chain_hash: Option<String>,
}

impl From<&AuditRow> for AuditEntryDto {
    fn from(row: &AuditRow) -> Self {
        let e = &row.entry;
        let parse = |s: &Option<String>| s.as_deref().and_then(|s| serde_json::from_str(s).ok());
        Self {
            id: e.id,
            at: api_time(&e.at),
            actor_id: e.actor_id,
            actor_username: e.actor_username.clone(),
            union_id: e.union_id,
            action: e.action.clone(),
            action_label: Action::from_code(&e.action)
                .map(|a| a.label())
                .unwrap_or("其他")
                .to_owned(),
            object_kind: e.object_kind.clone(),
            object_label: object_label(&e.object_kind).to_owned(),
            object_id: e.object_id.clone(),
            object_name: row.object_name.clone(),
            before: parse(&e.before_json),
            after: parse(&e.after_json),
            ip: e.ip.clone(),
            success: e.success,
            chain_seq: e.chain_seq,
            chain_hash: e.chain_hash.clone(),
        }
    }
}

/// A page of results.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageDto<T> {
    pub items: Vec<T>,
    /// Rows matching the filter; when `total_capped`, the count stopped
    /// there and at least this many match (shown as 「10000+」).
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    /// The count stopped at `total` rather than counting every match.
    pub total_capped: bool,
    /// For lists with keyset paging (households): send as `after` for the
    /// next page; null on the last page or where a list has none.
    pub next_after: Option<String>,
}

impl<T> PageDto<T> {
    pub fn from_page<S>(p: &Page<S>, f: impl Fn(&S) -> T) -> Self {
        Self {
            items: p.items.iter().map(f).collect(),
            total: p.total,
            page: p.page,
            per_page: p.per_page,
            total_capped: p.capped,
            next_after: p.next_after.clone(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct UnionQuery {
    /// Matches name or division code.
    pub q: Option<String>,
    pub level: Option<String>,
    pub parent_id: Option<i64>,
    pub active: Option<bool>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Matches user name or display name.
    pub q: Option<String>,
    pub role: Option<String>,
    pub union_id: Option<i64>,
    pub active: Option<bool>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct AuditQueryParams {
    /// Matches the actor's user name.
    pub actor: Option<String>,
    pub action: Option<String>,
    pub object_kind: Option<String>,
    pub object_id: Option<String>,
    /// First day, YYYY-MM-DD (UTC).
    pub from: Option<chrono::NaiveDate>,
    /// Last day, YYYY-MM-DD, inclusive (UTC).
    pub until: Option<chrono::NaiveDate>,
    pub success: Option<bool>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PermissionDto {
    pub code: String,
    pub label: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoleDto {
    /// The identifier used in the API and the CLI.
    pub code: String,
    pub label: String,
    pub description: String,
    pub permissions: Vec<PermissionDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DivisionDto {
    /// GB/T 2260 code.
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
    /// The name with its ancestors, e.g. "广东省 广州市 荔湾区".
    pub full_name: String,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct DivisionQuery {
    /// The parent's code; absent or `000000` lists the provinces.
    pub parent: Option<String>,
}
