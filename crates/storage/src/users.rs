//! Users, their roles and credentials.

use crate::db::{run, Conn};
use crate::schema::{password_history, unions, user_roles, users};
use crate::{like_pattern, Page, PageRequest, Scope, StorageError};
use bangfu_domain::{Role, Roles, UnionId, UnionPath, UserId};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct User {
    pub id: UserId,
    pub union_id: UnionId,
    pub union_name: String,
    pub union_path: UnionPath,
    pub username: String,
    pub display_name: String,
    pub roles: Roles,
    pub must_change_password: bool,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub last_login_at: Option<NaiveDateTime>,
    /// A department user's department (a code of the `department` catalogue).
    pub department: Option<String>,
    /// When two-factor sign-in (TOTP) was enrolled; `None`: not enrolled.
    pub two_factor_enrolled_at: Option<NaiveDateTime>,
    /// An administrator reset two-factor: the user must enrol again
    /// before anything else, whatever their roles.
    pub two_factor_reenrol: bool,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = users)]
struct Row {
    id: i64,
    union_id: i64,
    username: String,
    display_name: String,
    must_change_password: bool,
    active: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    last_login_at: Option<NaiveDateTime>,
    department: Option<String>,
    totp_enrolled_at: Option<NaiveDateTime>,
    two_factor_reenrol: bool,
}

type Joined = (Row, String, String);

fn roles_of(conn: &mut Conn, ids: &[i64]) -> Result<HashMap<i64, Vec<Role>>, StorageError> {
    // One user (every request's sign-in check) reads by a fixed statement,
    // prepared once per connection; `IN (…)` is prepared anew each time.
    let rows: Vec<(i64, String)> = match ids {
        [one] => run!(conn, c => user_roles::table
            .filter(user_roles::user_id.eq(*one))
            .select((user_roles::user_id, user_roles::role))
            .load(c))?,
        _ => run!(conn, c => user_roles::table
            .filter(user_roles::user_id.eq_any(ids))
            .select((user_roles::user_id, user_roles::role))
            .load(c))?,
    };
    let mut map: HashMap<i64, Vec<Role>> = HashMap::new();
    for (uid, code) in rows {
        let role = Role::parse(&code)
            .map_err(|_| StorageError::Corrupt(format!("user {uid} role {code}")))?;
        map.entry(uid).or_default().push(role);
    }
    Ok(map)
}

fn assemble(conn: &mut Conn, rows: Vec<Joined>) -> Result<Vec<User>, StorageError> {
    let ids: Vec<i64> = rows.iter().map(|(r, _, _)| r.id).collect();
    let mut roles = roles_of(conn, &ids)?;
    rows.into_iter()
        .map(|(r, union_name, union_path)| {
            let roles = Roles::stored(roles.remove(&r.id).unwrap_or_default())
                .map_err(|_| StorageError::Corrupt(format!("user {} has no role", r.id)))?;
            Ok(User {
                id: UserId(r.id),
                union_id: UnionId(r.union_id),
                union_name,
                union_path: UnionPath::from_stored(union_path),
                username: r.username,
                display_name: r.display_name,
                roles,
                must_change_password: r.must_change_password,
                active: r.active,
                created_at: r.created_at,
                updated_at: r.updated_at,
                last_login_at: r.last_login_at,
                department: r.department,
                two_factor_enrolled_at: r.totp_enrolled_at,
                two_factor_reenrol: r.two_factor_reenrol,
            })
        })
        .collect()
}

/// A user whose union is in scope, or `None` (also when out of scope).
pub fn find(conn: &mut Conn, scope: &Scope, id: UserId) -> Result<Option<User>, StorageError> {
    let rows: Vec<Joined> = run!(conn, c => users::table
        .inner_join(unions::table)
        .filter(users::id.eq(id.0))
        .filter(scope.covers(users::union_path))
        .select((Row::as_select(), unions::name, users::union_path))
        .load(c))?;
    Ok(assemble(conn, rows)?.into_iter().next())
}

/// Unscoped: to build the signed-in user's own context.
pub fn find_unscoped(conn: &mut Conn, id: UserId) -> Result<Option<User>, StorageError> {
    let rows: Vec<Joined> = run!(conn, c => users::table
        .inner_join(unions::table)
        .filter(users::id.eq(id.0))
        .select((Row::as_select(), unions::name, users::union_path))
        .load(c))?;
    Ok(assemble(conn, rows)?.into_iter().next())
}

/// Unscoped: login looks a name up before anyone is known. Returns the user
/// and the stored password hash.
pub fn credentials(
    conn: &mut Conn,
    username: &str,
) -> Result<Option<(User, String)>, StorageError> {
    let rows: Vec<(Row, String, String, String)> = run!(conn, c => users::table
        .inner_join(unions::table)
        .filter(users::username.eq(username))
        .select((Row::as_select(), unions::name, users::union_path, users::password_hash))
        .load(c))?;
    let Some((row, uname, upath, hash)) = rows.into_iter().next() else {
        return Ok(None);
    };
    Ok(assemble(conn, vec![(row, uname, upath)])?
        .into_iter()
        .next()
        .map(|u| (u, hash)))
}

pub fn password_hash(conn: &mut Conn, id: UserId) -> Result<Option<String>, StorageError> {
    Ok(run!(conn, c => users::table
        .filter(users::id.eq(id.0))
        .select(users::password_hash)
        .first(c)
        .optional())?)
}

#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub q: Option<String>,
    pub role: Option<Role>,
    pub union_id: Option<UnionId>,
    pub active: Option<bool>,
}

pub fn list(
    conn: &mut Conn,
    scope: &Scope,
    filter: &UserFilter,
    page: PageRequest,
) -> Result<Page<User>, StorageError> {
    macro_rules! filtered {
        () => {{
            let mut q = users::table
                .inner_join(unions::table)
                .filter(scope.covers(users::union_path))
                .into_boxed();
            if let Some(text) = filter.q.as_deref().filter(|s| !s.trim().is_empty()) {
                let pat = like_pattern(text.trim());
                q = q.filter(
                    users::username
                        .like(like_pattern(&text.trim().to_ascii_lowercase()))
                        .escape('\\')
                        .or(users::display_name.like(pat).escape('\\')),
                );
            }
            if let Some(role) = filter.role {
                q = q.filter(
                    users::id.eq_any(
                        user_roles::table
                            .filter(user_roles::role.eq(role.code()))
                            .select(user_roles::user_id),
                    ),
                );
            }
            if let Some(u) = filter.union_id {
                q = q.filter(users::union_id.eq(u.0));
            }
            if let Some(active) = filter.active {
                q = q.filter(users::active.eq(active));
            }
            q
        }};
    }
    let (rows, total): (Vec<Joined>, i64) = run!(conn, c => {
        let total = filtered!().count().get_result(c)?;
        let rows = filtered!()
            .order((users::union_path.asc(), users::username.asc()))
            .limit(page.per_page)
            .offset(page.offset())
            .select((Row::as_select(), unions::name, users::union_path))
            .load(c)?;
        Ok::<_, diesel::result::Error>((rows, total))
    })?;
    let items = assemble(conn, rows)?;
    Ok(page.of(items, total))
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub union_id: UnionId,
    pub union_path: UnionPath,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub must_change_password: bool,
}

pub fn insert(
    conn: &mut Conn,
    new: &NewUser,
    roles: &Roles,
    now: NaiveDateTime,
) -> Result<UserId, StorageError> {
    let id: i64 = run!(conn, c => diesel::insert_into(users::table)
        .values((
            users::union_id.eq(new.union_id.0),
            users::union_path.eq(new.union_path.as_str()),
            users::username.eq(&new.username),
            users::display_name.eq(&new.display_name),
            users::password_hash.eq(&new.password_hash),
            users::must_change_password.eq(new.must_change_password),
            users::active.eq(true),
            users::created_at.eq(now),
            users::updated_at.eq(now),
        ))
        .returning(users::id)
        .get_result(c))?;
    set_roles(conn, UserId(id), roles)?;
    Ok(UserId(id))
}

pub fn set_roles(conn: &mut Conn, id: UserId, roles: &Roles) -> Result<(), StorageError> {
    let rows: Vec<_> = roles
        .iter()
        .map(|r| (user_roles::user_id.eq(id.0), user_roles::role.eq(r.code())))
        .collect();
    run!(conn, c => {
        diesel::delete(user_roles::table.filter(user_roles::user_id.eq(id.0))).execute(c)?;
        diesel::insert_into(user_roles::table).values(&rows).execute(c)
    })?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct UserChanges {
    pub display_name: String,
    pub union_id: UnionId,
    pub union_path: UnionPath,
    pub active: bool,
}

pub fn update(
    conn: &mut Conn,
    id: UserId,
    ch: &UserChanges,
    now: NaiveDateTime,
) -> Result<(), StorageError> {
    run!(conn, c => diesel::update(users::table.filter(users::id.eq(id.0)))
        .set((
            users::display_name.eq(&ch.display_name),
            users::union_id.eq(ch.union_id.0),
            users::union_path.eq(ch.union_path.as_str()),
            users::active.eq(ch.active),
            users::updated_at.eq(now),
        ))
        .execute(c))?;
    Ok(())
}

/// Sets an account's password hash. The hash it replaces goes into the
/// account's history, which keeps the last `REMEMBERED − 1` (so, with the
/// current one, the last [`REMEMBERED`] passwords are known).
///
/// [`REMEMBERED`]: bangfu_domain::password::REMEMBERED
pub fn set_password(
    conn: &mut Conn,
    id: UserId,
    hash: &str,
    must_change: bool,
    now: NaiveDateTime,
) -> Result<(), StorageError> {
    if let Some(old) = password_hash(conn, id)? {
        run!(conn, c => diesel::insert_into(password_history::table)
            .values((
                password_history::user_id.eq(id.0),
                password_history::password_hash.eq(&old),
                password_history::replaced_at.eq(now),
            ))
            .execute(c))?;
        let keep = i64::try_from(bangfu_domain::password::REMEMBERED.saturating_sub(1))
            .unwrap_or(i64::MAX);
        let kept: Vec<i64> = run!(conn, c => password_history::table
            .filter(password_history::user_id.eq(id.0))
            .order(password_history::id.desc())
            .limit(keep)
            .select(password_history::id)
            .load(c))?;
        run!(conn, c => diesel::delete(
            password_history::table
                .filter(password_history::user_id.eq(id.0))
                .filter(password_history::id.ne_all(&kept)),
        )
        .execute(c))?;
    }
    run!(conn, c => diesel::update(users::table.filter(users::id.eq(id.0)))
        .set((
            users::password_hash.eq(hash),
            users::must_change_password.eq(must_change),
            users::updated_at.eq(now),
        ))
        .execute(c))?;
    Ok(())
}

/// The hashes of the account's last passwords, the current one first and
/// then those it replaced, newest first (at most [`REMEMBERED`]).
///
/// [`REMEMBERED`]: bangfu_domain::password::REMEMBERED
pub fn recent_password_hashes(conn: &mut Conn, id: UserId) -> Result<Vec<String>, StorageError> {
    let mut out: Vec<String> = password_hash(conn, id)?.into_iter().collect();
    let older: Vec<String> = run!(conn, c => password_history::table
        .filter(password_history::user_id.eq(id.0))
        .order(password_history::id.desc())
        .limit(i64::try_from(bangfu_domain::password::REMEMBERED).unwrap_or(i64::MAX))
        .select(password_history::password_hash)
        .load(c))?;
    out.extend(older);
    out.truncate(bangfu_domain::password::REMEMBERED);
    Ok(out)
}

/// Sets (or clears) a department user's department.
pub fn set_department(
    conn: &mut Conn,
    id: UserId,
    department: Option<&str>,
) -> Result<(), StorageError> {
    run!(conn, c => diesel::update(users::table.filter(users::id.eq(id.0)))
        .set(users::department.eq(department))
        .execute(c))?;
    Ok(())
}

pub fn record_login(conn: &mut Conn, id: UserId, now: NaiveDateTime) -> Result<(), StorageError> {
    run!(conn, c => diesel::update(users::table.filter(users::id.eq(id.0)))
        .set(users::last_login_at.eq(Some(now)))
        .execute(c))?;
    Ok(())
}
