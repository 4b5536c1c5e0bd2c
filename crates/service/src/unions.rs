//! Managing the union tree.

use crate::audit::{Owned, Record, Who};
use crate::{now, Actor, ServiceError, Services};
use bangfu_domain::audit::Action;
use bangfu_domain::division::DivisionCode;
use bangfu_domain::union::check_division;
use bangfu_domain::{Permission, UnionId, UnionLevel, UnionName, UnionPath, ValidationError};
use bangfu_storage::unions::{self, NewUnion, Union, UnionChanges, UnionFilter};
use bangfu_storage::users::{self, UserFilter};
use bangfu_storage::{Conn, Page, PageRequest, Scope, StorageError};
use serde_json::{json, Value};

#[derive(Debug, Clone, Default)]
pub struct CreateUnion {
    pub parent_id: Option<i64>,
    pub name: String,
    pub level: String,
    pub division_code: String,
}

#[derive(Debug, Clone, Default)]
pub struct MoveUnion {
    pub parent_id: Option<i64>,
    /// The union's division after the move; unchanged when absent.
    pub division_code: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct UpdateUnion {
    pub name: String,
    pub division_code: String,
    pub active: bool,
}

/// A union with what its page shows around it.
#[derive(Debug, Clone)]
pub struct UnionDetail {
    pub union: Union,
    /// From the top of the viewer's scope down to the parent.
    pub ancestors: Vec<Union>,
    /// One page of the direct children, each with how many children it has in turn.
    pub children: Vec<(Union, i64)>,
    /// All direct children, and which page of them `children` is.
    pub children_total: i64,
    pub children_page: i64,
    pub children_pages: i64,
    pub user_count: i64,
}

/// Narrows a list to the subtree of the union the caller named (if any):
/// `path` becomes its path. A union outside the caller's scope is not found,
/// so a list never reaches beyond the scope.
pub(crate) fn narrow_to_union(
    c: &mut Conn,
    scope: &Scope,
    union_id: Option<i64>,
    path: &mut Option<UnionPath>,
) -> Result<(), ServiceError> {
    if let Some(id) = union_id {
        let u = unions::find(c, scope, UnionId(id))?.ok_or(ServiceError::NotFound("工会"))?;
        *path = Some(u.path);
    }
    Ok(())
}

pub(crate) fn snapshot(u: &Union) -> Value {
    json!({
        "id": u.id.0,
        "parent_id": u.parent_id.map(|p| p.0),
        "name": u.name,
        "level": u.level.code(),
        "division_code": u.division_code,
        "active": u.active,
    })
}

pub(crate) fn conflict_on_name(e: StorageError) -> ServiceError {
    match e {
        StorageError::Conflict(_) => ServiceError::Conflict {
            field: "name",
            message: "同一上级工会下已有同名工会".into(),
        },
        other => other.into(),
    }
}

/// Creates a union under `parent` after the tree's rules, and audits it.
/// Shared by administrators and the operator's demo loader.
pub(crate) fn create_under(
    c: &mut bangfu_storage::Conn,
    who: Who<'_>,
    parent: &Union,
    level: UnionLevel,
    name: &UnionName,
    division: &DivisionCode,
) -> Result<Union, ServiceError> {
    if !parent.active {
        return Err(ServiceError::Rule(
            "上级工会已停用，不能在其下新建工会".into(),
        ));
    }
    if !level.may_be_child_of(parent.level) {
        return Err(ServiceError::Rule(format!(
            "{}不能直接设在{}（{}）之下",
            level.label(),
            parent.level.label(),
            parent.name
        )));
    }
    check_division(level, &parent.division_code, division.as_str())?;
    let created = unions::insert(
        c,
        Some(parent),
        &NewUnion {
            name: name.as_str().to_owned(),
            level,
            division_code: division.as_str().to_owned(),
        },
        now(),
    )
    .map_err(conflict_on_name)?;
    Record::of(Action::CreateUnion, "union", created.id, created.owner())
        .after(snapshot(&created))
        .write(c, who)?;
    Ok(created)
}

impl Services {
    /// A union with the first page of its children.
    pub async fn union_get(&self, actor: &Actor, id: UnionId) -> Result<UnionDetail, ServiceError> {
        self.union_get_page(
            actor,
            id,
            PageRequest::new(Some(1), Some(PageRequest::MAX_PER_PAGE)),
        )
        .await
    }

    /// A union with one page of its children (a county may have thousands).
    pub async fn union_get_page(
        &self,
        actor: &Actor,
        id: UnionId,
        children_page: PageRequest,
    ) -> Result<UnionDetail, ServiceError> {
        actor.require(Permission::ReadUnions)?;
        let scope = actor.scope();
        self.read(move |c| {
            let union = unions::find(c, &scope, id)?.ok_or(ServiceError::NotFound("工会"))?;
            let mut ancestors = unions::ancestors_in_scope(c, &scope, &union)?;
            ancestors.retain(|a| a.id != union.id);
            let kids = unions::list(
                c,
                &scope,
                &UnionFilter {
                    parent_id: Some(id),
                    ..Default::default()
                },
                children_page,
            )?;
            let (children_total, children_pages) = (kids.total, kids.pages());
            let ids: Vec<UnionId> = kids.items.iter().map(|u| u.id).collect();
            let counts = unions::child_counts(c, &ids)?;
            let children = kids
                .items
                .into_iter()
                .map(|u| {
                    let n = counts
                        .iter()
                        .find(|(i, _)| *i == u.id)
                        .map(|(_, n)| *n)
                        .unwrap_or(0);
                    (u, n)
                })
                .collect();
            let user_count = users::list(
                c,
                &scope,
                &UserFilter {
                    union_id: Some(id),
                    ..Default::default()
                },
                PageRequest::new(Some(1), Some(1)),
            )?
            .total;
            Ok(UnionDetail {
                union,
                ancestors,
                children,
                children_total,
                children_page: children_page.page,
                children_pages,
                user_count,
            })
        })
        .await
    }

    /// The signed-in user's own union: the top of everything they see.
    pub async fn union_home(&self, actor: &Actor) -> Result<UnionDetail, ServiceError> {
        self.union_get(actor, actor.user.union_id).await
    }

    pub async fn union_list(
        &self,
        actor: &Actor,
        filter: UnionFilter,
        page: PageRequest,
    ) -> Result<Page<Union>, ServiceError> {
        actor.require(Permission::ReadUnions)?;
        let scope = actor.scope();
        self.read(move |c| Ok(unions::list(c, &scope, &filter, page)?))
            .await
    }

    pub async fn union_create(
        &self,
        actor: &Actor,
        input: CreateUnion,
    ) -> Result<Union, ServiceError> {
        actor.require(Permission::ManageUnions)?;
        let name = UnionName::parse(&input.name)?;
        let level = UnionLevel::parse(&input.level)?;
        let division = DivisionCode::parse(&input.division_code)?;
        let parent_id = input
            .parent_id
            .map(UnionId)
            .ok_or_else(|| ValidationError::new("parent_id", "请选择上级工会"))?;
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let parent = unions::find(c, &scope, parent_id)?.ok_or_else(|| {
                ValidationError::new("parent_id", "上级工会不存在或不在您的权限范围内")
            })?;
            create_under(c, Who::Actor(&a), &parent, level, &name, &division)
        })
        .await
    }

    pub async fn union_update(
        &self,
        actor: &Actor,
        id: UnionId,
        input: UpdateUnion,
    ) -> Result<Union, ServiceError> {
        actor.require(Permission::ManageUnions)?;
        let name = UnionName::parse(&input.name)?;
        let division = DivisionCode::parse(&input.division_code)?;
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let before = unions::find(c, &scope, id)?.ok_or(ServiceError::NotFound("工会"))?;
            if let Some(parent_id) = before.parent_id {
                let parent = unions::find_unscoped(c, parent_id)?
                    .ok_or_else(|| StorageError::Corrupt(format!("parent of union {id}")))?;
                check_division(before.level, &parent.division_code, division.as_str())?;
            }
            if before.active && !input.active {
                if id == a.user.union_id {
                    return Err(ServiceError::Rule("不能停用自己所在的工会".into()));
                }
                let active_children = unions::list(
                    c,
                    &scope,
                    &UnionFilter {
                        parent_id: Some(id),
                        active: Some(true),
                        ..Default::default()
                    },
                    PageRequest::new(Some(1), Some(1)),
                )?
                .total;
                if active_children > 0 {
                    return Err(ServiceError::Rule(format!(
                        "该工会还有 {active_children} 个启用中的下级工会，请先停用下级工会"
                    )));
                }
                let active_users = users::list(
                    c,
                    &scope,
                    &UserFilter {
                        union_id: Some(id),
                        active: Some(true),
                        ..Default::default()
                    },
                    PageRequest::new(Some(1), Some(1)),
                )?
                .total;
                if active_users > 0 {
                    return Err(ServiceError::Rule(format!(
                        "该工会还有 {active_users} 个启用中的用户，请先停用或调出这些用户"
                    )));
                }
            }
            if !before.active && input.active {
                if let Some(parent_id) = before.parent_id {
                    let parent = unions::find_unscoped(c, parent_id)?;
                    if parent.is_some_and(|p| !p.active) {
                        return Err(ServiceError::Rule(
                            "上级工会已停用，请先启用上级工会".into(),
                        ));
                    }
                }
            }
            unions::update(
                c,
                id,
                &UnionChanges {
                    name: name.as_str().to_owned(),
                    division_code: division.as_str().to_owned(),
                    active: input.active,
                },
                now(),
            )
            .map_err(conflict_on_name)?;
            let after = unions::find(c, &scope, id)?.ok_or(ServiceError::NotFound("工会"))?;
            Record::of(Action::UpdateUnion, "union", id, (id.0, &after.path))
                .before(snapshot(&before))
                .after(snapshot(&after))
                .write(c, Who::Actor(&a))?;
            Ok(after)
        })
        .await
    }

    /// Moves a union, with everything under it, to another parent in scope
    /// (an administrative restructuring). Its users and, later, its
    /// households move with it because they hang off the union, not its path.
    pub async fn union_move(
        &self,
        actor: &Actor,
        id: UnionId,
        input: MoveUnion,
    ) -> Result<Union, ServiceError> {
        actor.require(Permission::ManageUnions)?;
        let parent_id = input
            .parent_id
            .map(UnionId)
            .ok_or_else(|| ValidationError::new("parent_id", "请选择新的上级工会"))?;
        let division = input
            .division_code
            .as_deref()
            .filter(|d| !d.trim().is_empty())
            .map(DivisionCode::parse)
            .transpose()?;
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let before = unions::find(c, &scope, id)?.ok_or(ServiceError::NotFound("工会"))?;
            let parent = unions::find(c, &scope, parent_id)?.ok_or_else(|| {
                ValidationError::new("parent_id", "新的上级工会不存在或不在您的权限范围内")
            })?;
            if before.path.contains(&parent.path) {
                return Err(ServiceError::Rule(
                    "不能把工会移到它自身或它的下级工会之下".into(),
                ));
            }
            if before.parent_id == Some(parent.id) {
                return Err(ServiceError::Rule(format!("该工会已隶属于{}", parent.name)));
            }
            if !parent.active {
                return Err(ServiceError::Rule("新的上级工会已停用".into()));
            }
            if !before.level.may_be_child_of(parent.level) {
                return Err(ServiceError::Rule(format!(
                    "{}不能直接隶属于{}（{}）",
                    before.level.label(),
                    parent.level.label(),
                    parent.name
                )));
            }
            let division = match division {
                Some(d) => d,
                None => DivisionCode::parse(&before.division_code)?,
            };
            check_division(before.level, &parent.division_code, division.as_str())?;
            let moved = unions::move_subtree(c, &before, &parent, division.as_str(), now())
                .map_err(|e| match e {
                    StorageError::Conflict(_) => ServiceError::Conflict {
                        field: "parent_id",
                        message: format!("{}下已有同名工会", parent.name),
                    },
                    other => other.into(),
                })?;
            let after = unions::find(c, &scope, id)?.ok_or(ServiceError::NotFound("工会"))?;
            let mut after_json = snapshot(&after);
            after_json["moved_unions"] = json!(moved);
            Record::of(Action::MoveUnion, "union", id, (id.0, &after.path))
                .before(snapshot(&before))
                .after(after_json)
                .write(c, Who::Actor(&a))?;
            Ok(after)
        })
        .await
    }
}
