//! What the operator does at the server's command line (`bangfu user …`).
//! The operator is trusted with the whole tree; every act is still audited.

use crate::audit::{Owned, Record, Who};
use crate::crypto::hash_password;
use crate::unions::create_under;
use crate::users::insert_user_in;
use crate::{now, ServiceError, Services};
use bangfu_domain::audit::Action;
use bangfu_domain::division::{DivisionCode, NATIONAL};
use bangfu_domain::{
    DisplayName, Password, Roles, UnionLevel, UnionName, Username, ValidationError,
};
use bangfu_storage::unions::{self, NewUnion, Union};
use bangfu_storage::users::{self, User};
use bangfu_storage::{sessions, Conn};

/// Marker for the operator's entry points.
pub struct Operator;

/// Whether an account made at the command line must replace its password
/// at first login, like every account whose password someone else chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstLogin {
    /// The default: the operator typed the password, the user replaces it.
    ChangePassword,
    /// `--keep-password`: the operator makes their own account (the first
    /// administrator of a fresh installation), or the demo's accounts.
    KeepPassword,
}

pub(crate) const ROOT_NAME: &str = "中华全国总工会";

/// The root of the tree, created on first start so there is always somewhere
/// to put the first account.
pub(crate) fn ensure_root(c: &mut Conn) -> Result<Union, ServiceError> {
    if let Some(root) = unions::root(c)? {
        return Ok(root);
    }
    let root = unions::insert(
        c,
        None,
        &NewUnion {
            name: ROOT_NAME.to_owned(),
            level: UnionLevel::National,
            division_code: NATIONAL.to_owned(),
        },
        now(),
    )?;
    Record::of(Action::CreateUnion, "union", root.id, root.owner())
        .after(crate::unions::snapshot(&root))
        .write(c, Who::Operator)?;
    Ok(root)
}

/// Finds a union for the command line: by id (`#12` or `12`), by division
/// code (the shallowest union with that code), or by exact name.
fn resolve_union(c: &mut Conn, key: Option<&str>) -> Result<Union, ServiceError> {
    let Some(key) = key.map(str::trim).filter(|k| !k.is_empty()) else {
        return ensure_root(c);
    };
    let by_id = key
        .trim_start_matches('#')
        .parse::<i64>()
        .ok()
        .filter(|_| key.len() != 6);
    let found = if let Some(id) = by_id {
        unions::find_unscoped(c, bangfu_domain::UnionId(id))?
    } else if key.len() == 6 && key.bytes().all(|b| b.is_ascii_digit()) {
        unions::find_by_division_unscoped(c, key)?
    } else {
        let root = ensure_root(c)?;
        let scope = bangfu_storage::Scope::of(root.path.clone());
        unions::list(
            c,
            &scope,
            &unions::UnionFilter {
                q: Some(key.to_owned()),
                ..Default::default()
            },
            bangfu_storage::PageRequest::new(Some(1), Some(50)),
        )?
        .items
        .into_iter()
        .find(|u| u.name == key)
    };
    found.ok_or_else(|| ValidationError::new("union", format!("找不到工会“{key}”")).into())
}

impl Services {
    /// Acts as an existing account from the command line (the operator
    /// holds the database anyway): to receive a department's file that
    /// arrived by secure transfer, for example. The account's own
    /// permissions and union apply, and the audit log names it, from the
    /// address `cli`.
    pub async fn operator_act_as(
        &self,
        _: Operator,
        username: &str,
    ) -> Result<crate::Actor, ServiceError> {
        let name = username.to_owned();
        let user = self
            .read(move |c| Ok(bangfu_storage::users::credentials(c, &name)?))
            .await?
            .map(|(u, _)| u)
            .ok_or(ServiceError::NotFound("用户"))?;
        if !user.active {
            return Err(ServiceError::Rule(format!("账号 {username} 已停用")));
        }
        Ok(crate::Actor {
            user: bangfu_storage::users::User {
                must_change_password: false,
                ..user
            },
            session_hash: String::new(),
            csrf_token: String::new(),
            two_factor_enrolment_due: false,
            origin: crate::Origin {
                ip: Some("cli".into()),
                device: None,
            },
        })
    }

    /// Applies migrations, checks the data key and seals what is not yet
    /// sealed with it (see `bangfu_storage::at_rest`), and makes sure the
    /// tree has its root.
    pub async fn prepare(&self) -> Result<Union, ServiceError> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || db.migrate())
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))??;
        let sealed = self
            .db
            .read_primary(|c| {
                bangfu_storage::at_rest::prepare(c, &|line| tracing::info!("{line}")).map_err(|e| {
                    match e {
                        bangfu_storage::StorageError::Sealing(m) => ServiceError::Rule(m),
                        other => other.into(),
                    }
                })
            })
            .await?;
        if let Some(r) = sealed.filter(|r| r.sealed > 0 || r.open_persons > 0) {
            tracing::info!(
                values = r.sealed,
                open_persons = r.open_persons,
                "sealed the columns kept encrypted at rest with the current key"
            );
        }
        self.write(ensure_root).await
    }

    /// Creates an account from the command line. The operator typed the
    /// password, so the user must replace it at first login unless `first`
    /// says to keep it.
    #[allow(clippy::too_many_arguments)]
    pub async fn operator_create_user(
        &self,
        op: Operator,
        username: &str,
        display_name: Option<&str>,
        roles: &[String],
        union: Option<&str>,
        password: &str,
        first: FirstLogin,
    ) -> Result<User, ServiceError> {
        self.operator_create_user_in(
            op,
            username,
            display_name,
            roles,
            union,
            password,
            None,
            first,
        )
        .await
    }

    /// [`Services::operator_create_user`] with a department, for the role `department`.
    #[allow(clippy::too_many_arguments)]
    pub async fn operator_create_user_in(
        &self,
        _: Operator,
        username: &str,
        display_name: Option<&str>,
        roles: &[String],
        union: Option<&str>,
        password: &str,
        department: Option<&str>,
        first: FirstLogin,
    ) -> Result<User, ServiceError> {
        let department = department.map(str::to_owned);
        let username = Username::parse(username)?;
        let display_name = DisplayName::parse(display_name.unwrap_or(username.as_str()))?;
        let roles = Roles::parse_codes(roles.iter().map(String::as_str))?;
        let password = Password::for_user(password, &username)
            .map_err(|e| ServiceError::password("password", e))?;
        let hash = hash_password(password.expose().to_owned()).await?;
        let union = union.map(str::to_owned);
        self.write(move |c| {
            let union = resolve_union(c, union.as_deref())?;
            insert_user_in(
                c,
                Who::Operator,
                &username,
                &display_name,
                &roles,
                &union,
                &hash,
                first == FirstLogin::ChangePassword,
                department.as_deref(),
            )
        })
        .await
    }

    /// Sets a new password from the command line; it is an initial one that
    /// the user must change at next login, and their sessions end. This is
    /// the only way to reset an auditor's password (an administrator may
    /// not), and like every reset it is audited.
    pub async fn operator_reset_password(
        &self,
        _: Operator,
        username: &str,
        password: &str,
    ) -> Result<User, ServiceError> {
        let username = Username::parse(username)?;
        let password = Password::for_user(password, &username)
            .map_err(|e| ServiceError::password("password", e))?;
        let hash = hash_password(password.expose().to_owned()).await?;
        self.write(move |c| {
            let (user, _) =
                users::credentials(c, username.as_str())?.ok_or(ServiceError::NotFound("用户"))?;
            users::set_password(c, user.id, &hash, true, now())?;
            sessions::delete_for_user(c, user.id, None)?;
            Record::of(Action::ResetPassword, "user", user.id, user.owner())
                .after(serde_json::json!({ "must_change_password": true, "by": "command_line" }))
                .write(c, Who::Operator)?;
            Ok(user)
        })
        .await
    }

    /// Creates a union under `parent` on the operator's behalf (demo data, imports).
    pub async fn operator_create_union(
        &self,
        _: Operator,
        parent: &Union,
        name: &str,
        level: UnionLevel,
        division_code: &str,
    ) -> Result<Union, ServiceError> {
        let name = UnionName::parse(name)?;
        let division = DivisionCode::parse(division_code)?;
        let parent = parent.clone();
        self.write(move |c| create_under(c, Who::Operator, &parent, level, &name, &division))
            .await
    }

    /// Whether a union with this name already sits directly under the root.
    pub async fn operator_find_union(
        &self,
        _: Operator,
        name: &str,
    ) -> Result<Option<Union>, ServiceError> {
        let name = name.to_owned();
        self.read(move |c| {
            let root = unions::root(c)?;
            let Some(root) = root else { return Ok(None) };
            let scope = bangfu_storage::Scope::of(root.path.clone());
            Ok(unions::list(
                c,
                &scope,
                &unions::UnionFilter {
                    q: Some(name.clone()),
                    ..Default::default()
                },
                bangfu_storage::PageRequest::new(Some(1), Some(50)),
            )?
            .items
            .into_iter()
            .find(|u| u.name == name))
        })
        .await
    }

    /// How far the panel's tallies are from the rows they count: (rows
    /// kept that the rows do not make, rows the rows make that are not
    /// kept); (0, 0) when they agree. Reads the primary.
    pub async fn operator_tallies_check(&self, _: Operator) -> Result<(i64, i64), ServiceError> {
        self.read_primary(|c| Ok(bangfu_storage::tallies::check(c)?))
            .await
    }

    /// Makes the panel's tallies again from the rows they count (after a
    /// repair by hand, say); audited. Returns how many rows it wrote.
    pub async fn operator_tallies_rebuild(&self, _: Operator) -> Result<usize, ServiceError> {
        self.write(|c| {
            let before = bangfu_storage::tallies::check(c)?;
            let n = bangfu_storage::tallies::rebuild(c)?;
            let root = ensure_root(c)?;
            Record::of(Action::RebuildTallies, "tallies", root.id, root.owner())
                .before(serde_json::json!({ "extra": before.0, "missing": before.1 }))
                .after(serde_json::json!({ "rows": n }))
                .write(c, Who::Operator)?;
            Ok(n)
        })
        .await
    }
}
