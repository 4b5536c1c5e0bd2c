//! Managing users: accounts, roles, enabling and disabling, password resets.

use crate::audit::{Owned, Record, Who};
use crate::crypto::{generate_password, hash_password};
use crate::{now, Actor, ServiceError, Services};
use bangfu_domain::audit::Action;
use bangfu_domain::{
    DisplayName, Password, Permission, Role, Roles, UnionId, UserId, Username, ValidationError,
};
use bangfu_storage::users::{self, NewUser, User, UserChanges, UserFilter};
use bangfu_storage::{sessions, unions, Conn, Page, PageRequest, Scope, StorageError};
use serde_json::{json, Value};

#[derive(Debug, Clone, Default)]
pub struct CreateUser {
    pub username: String,
    pub display_name: String,
    pub union_id: Option<i64>,
    pub roles: Vec<String>,
    /// An initial password; when absent one is generated and returned once.
    pub password: Option<String>,
    /// A department user's department (a `department` catalogue code);
    /// required with the role `department`, ignored otherwise.
    pub department: Option<String>,
}

#[derive(Debug, Clone)]
pub struct CreatedUser {
    pub user: User,
    /// The generated initial password, shown once to the administrator.
    pub generated_password: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct UpdateUser {
    pub display_name: String,
    pub union_id: i64,
    pub roles: Vec<String>,
    pub active: bool,
    /// A department user's department (a `department` catalogue code):
    /// `None` keeps the current one; `Some("")` clears it. Required while the
    /// user has the role `department`; cleared when the role is removed.
    pub department: Option<String>,
}

pub(crate) fn snapshot(u: &User) -> Value {
    json!({
        "id": u.id.0,
        "username": u.username,
        "display_name": u.display_name,
        "union_id": u.union_id.0,
        "roles": u.roles.iter().map(|r| r.code()).collect::<Vec<_>>(),
        "active": u.active,
        "must_change_password": u.must_change_password,
        "department": u.department,
    })
}

fn union_in_scope(c: &mut Conn, scope: &Scope, id: i64) -> Result<unions::Union, ServiceError> {
    let u = unions::find(c, scope, UnionId(id))?
        .ok_or_else(|| ValidationError::new("union_id", "所选工会不存在或不在您的权限范围内"))?;
    if !u.active {
        return Err(ValidationError::new("union_id", "所选工会已停用").into());
    }
    Ok(u)
}

pub(crate) fn conflict_on_username(e: StorageError) -> ServiceError {
    match e {
        StorageError::Conflict(_) => ServiceError::Conflict {
            field: "username",
            message: "该用户名已被使用".into(),
        },
        other => other.into(),
    }
}

/// Inserts an account whose password is already hashed, and audits it.
/// `must_change`: the password was set for someone else (an initial one).
#[allow(clippy::too_many_arguments)]
#[cfg_attr(not(feature = "seeding"), allow(dead_code))] // only the generator files users this way
pub(crate) fn insert_user(
    c: &mut Conn,
    who: Who<'_>,
    username: &Username,
    display_name: &DisplayName,
    roles: &Roles,
    union: &unions::Union,
    hash: &str,
    must_change: bool,
) -> Result<User, ServiceError> {
    insert_user_in(
        c,
        who,
        username,
        display_name,
        roles,
        union,
        hash,
        must_change,
        None,
    )
}

/// [`insert_user`] for a department user: `department` is stored with the account.
#[allow(clippy::too_many_arguments)]
pub(crate) fn insert_user_in(
    c: &mut Conn,
    who: Who<'_>,
    username: &Username,
    display_name: &DisplayName,
    roles: &Roles,
    union: &unions::Union,
    hash: &str,
    must_change: bool,
    department: Option<&str>,
) -> Result<User, ServiceError> {
    // A department user without a department would see nothing and answer
    // nothing; every way of creating accounts comes through here.
    let department = department.map(str::trim).filter(|d| !d.is_empty());
    match department {
        None if roles.contains(Role::Department) => {
            return Err(ValidationError::new("department", "部门用户须选择所属部门").into());
        }
        Some(d) => {
            crate::dictionary::require_active(
                c,
                bangfu_domain::assistance::Catalogue::Department,
                "department",
                d,
            )?;
        }
        None => {}
    }
    let department = department.filter(|_| roles.contains(Role::Department));
    let id = users::insert(
        c,
        &NewUser {
            union_id: union.id,
            union_path: union.path.clone(),
            username: username.as_str().to_owned(),
            display_name: display_name.as_str().to_owned(),
            password_hash: hash.to_owned(),
            must_change_password: must_change,
        },
        roles,
        now(),
    )
    .map_err(conflict_on_username)?;
    if department.is_some() {
        users::set_department(c, id, department)?;
    }
    let user = users::find_unscoped(c, id)?.ok_or(ServiceError::NotFound("用户"))?;
    Record::of(Action::CreateUser, "user", id, user.owner())
        .after(snapshot(&user))
        .write(c, who)?;
    Ok(user)
}

/// `raw` as the password of account `username`, through the policy
/// (common passwords, the name inside it); refusals name `field`.
pub(crate) fn password_for(
    username: &str,
    raw: &str,
    field: &'static str,
) -> Result<Password, ServiceError> {
    let checked = match Username::parse(username) {
        Ok(name) => Password::for_user(raw, &name),
        // A stored name always parses; were it not to, the general policy holds.
        Err(_) => Password::parse(raw),
    };
    checked.map_err(|e| ServiceError::password(field, e))
}

/// An initial password for `username`: the one given (checked against the
/// policy) or a fresh one.
pub(crate) fn initial_password(
    username: &str,
    given: Option<String>,
) -> Result<(String, bool), ServiceError> {
    match given.filter(|p| !p.is_empty()) {
        Some(p) => password_for(username, &p, "password").map(|p| (p.expose().to_owned(), false)),
        None => Ok((generate_password(), true)),
    }
}

/// An administrator may not set an auditor's password (see
/// [`Roles::password_reset_by_admin`]).
fn refuse_auditor_reset(user: &User) -> Result<(), ServiceError> {
    if user.roles.password_reset_by_admin() {
        Ok(())
    } else {
        Err(ServiceError::Rule(
            "审计/督查账号的密码不能由管理员重置，须由系统运维人员在服务器上用命令行重置（bangfu user reset-password），并记入操作日志".into(),
        ))
    }
}

/// The department an updated user ends with: required with the role
/// `department` (the current one is kept when none is given), checked
/// against the active `department` catalogue when it changes, and cleared
/// when the role is removed.
fn department_after(
    c: &mut Conn,
    before: &User,
    roles: &Roles,
    given: Option<&str>,
) -> Result<Option<String>, ServiceError> {
    if !roles.contains(Role::Department) {
        return Ok(None);
    }
    let d = match given {
        Some(d) => d.trim().to_owned(),
        None => before.department.clone().unwrap_or_default(),
    };
    if d.is_empty() {
        return Err(ValidationError::new("department", "部门用户须选择所属部门").into());
    }
    if before.department.as_deref() != Some(d.as_str()) {
        crate::dictionary::require_active(
            c,
            bangfu_domain::assistance::Catalogue::Department,
            "department",
            &d,
        )?;
    }
    Ok(Some(d))
}

impl Services {
    pub async fn user_list(
        &self,
        actor: &Actor,
        filter: UserFilter,
        page: PageRequest,
    ) -> Result<Page<User>, ServiceError> {
        actor.require(Permission::ReadUsers)?;
        let scope = actor.scope();
        self.read(move |c| Ok(users::list(c, &scope, &filter, page)?))
            .await
    }

    pub async fn user_get(&self, actor: &Actor, id: UserId) -> Result<User, ServiceError> {
        actor.require(Permission::ReadUsers)?;
        let scope = actor.scope();
        self.read(move |c| users::find(c, &scope, id)?.ok_or(ServiceError::NotFound("用户")))
            .await
    }

    /// An administrator creates an account in their subtree. The password is
    /// an initial one: the user must change it at first login.
    pub async fn user_create(
        &self,
        actor: &Actor,
        input: CreateUser,
    ) -> Result<CreatedUser, ServiceError> {
        actor.require(Permission::ManageUsers)?;
        let username = Username::parse(&input.username)?;
        let display_name = DisplayName::parse(&input.display_name)?;
        let roles = Roles::parse_codes(input.roles.iter().map(String::as_str))?;
        let union_id = input
            .union_id
            .ok_or_else(|| ValidationError::new("union_id", "请选择所属工会"))?;
        let department = if roles.contains(Role::Department) {
            let d = input
                .department
                .as_deref()
                .map(str::trim)
                .unwrap_or_default()
                .to_owned();
            Some(d)
        } else {
            None
        };
        let (password, generated) = initial_password(username.as_str(), input.password)?;
        let hash = hash_password(password.clone()).await?;
        let scope = actor.scope();
        let a = actor.clone();
        let user = self
            .write(move |c| {
                let union = union_in_scope(c, &scope, union_id)?;
                insert_user_in(
                    c,
                    Who::Actor(&a),
                    &username,
                    &display_name,
                    &roles,
                    &union,
                    &hash,
                    true,
                    department.as_deref(),
                )
            })
            .await?;
        Ok(CreatedUser {
            user,
            generated_password: generated.then_some(password),
        })
    }

    pub async fn user_update(
        &self,
        actor: &Actor,
        id: UserId,
        input: UpdateUser,
    ) -> Result<User, ServiceError> {
        actor.require(Permission::ManageUsers)?;
        let display_name = DisplayName::parse(&input.display_name)?;
        let roles = Roles::parse_codes(input.roles.iter().map(String::as_str))?;
        if id == actor.user.id
            && (!input.active
                || !roles.contains(Role::Admin)
                || input.union_id != actor.user.union_id.0)
        {
            return Err(ServiceError::Rule(
                "不能停用自己的账号、取消自己的管理员角色或调动自己的所属工会，请由其他管理员操作"
                    .into(),
            ));
        }
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let before = users::find(c, &scope, id)?.ok_or(ServiceError::NotFound("用户"))?;
            let (union_id, union_path) = if input.union_id == before.union_id.0 {
                (before.union_id, before.union_path.clone())
            } else {
                let u = union_in_scope(c, &scope, input.union_id)?;
                (u.id, u.path)
            };
            let department = department_after(c, &before, &roles, input.department.as_deref())?;
            users::update(
                c,
                id,
                &UserChanges {
                    display_name: display_name.as_str().to_owned(),
                    union_id,
                    union_path,
                    active: input.active,
                },
                now(),
            )?;
            users::set_roles(c, id, &roles)?;
            if department != before.department {
                users::set_department(c, id, department.as_deref())?;
            }
            if !input.active {
                sessions::delete_for_user(c, id, None)?;
            }
            let after = users::find(c, &scope, id)?.ok_or(ServiceError::NotFound("用户"))?;
            Record::of(Action::UpdateUser, "user", id, after.owner())
                .before(snapshot(&before))
                .after(snapshot(&after))
                .write(c, Who::Actor(&a))?;
            Ok(after)
        })
        .await
    }

    /// Sets an initial password for someone else (given or generated); their
    /// sessions end and they must change it at next login. An auditor's is
    /// refused: only the operator resets it, at the server's command line.
    pub async fn user_reset_password(
        &self,
        actor: &Actor,
        id: UserId,
        password: Option<String>,
    ) -> Result<Option<String>, ServiceError> {
        actor.require(Permission::ManageUsers)?;
        let scope = actor.scope();
        let target = {
            let scope = scope.clone();
            self.read(move |c| users::find(c, &scope, id)?.ok_or(ServiceError::NotFound("用户")))
                .await?
        };
        refuse_auditor_reset(&target)?;
        let (password, generated) = initial_password(&target.username, password)?;
        let hash = hash_password(password.clone()).await?;
        let a = actor.clone();
        self.write(move |c| {
            let user = users::find(c, &scope, id)?.ok_or(ServiceError::NotFound("用户"))?;
            // Checked again in the transaction: the roles may have changed since.
            refuse_auditor_reset(&user)?;
            users::set_password(c, id, &hash, true, now())?;
            sessions::delete_for_user(c, id, None)?;
            Record::of(Action::ResetPassword, "user", id, user.owner())
                .after(json!({ "must_change_password": true }))
                .write(c, Who::Actor(&a))
        })
        .await?;
        Ok(generated.then_some(password))
    }
}
