//! The to-do list the monthly run leaves, and marking an item handled.

use super::TodoKind;
use crate::audit::{Owned, Record, Who};
use crate::clock::now;
use crate::unions::narrow_to_union;
use crate::{Actor, ServiceError, Services};
use bangfu_domain::audit::Action;
use bangfu_domain::household::HouseholdId;
use bangfu_domain::{Month, Permission, ValidationError};
use bangfu_storage::todos::{self, Todo, TodoFilter, Whose};
use bangfu_storage::{Page, PageRequest};
use serde_json::json;

/// Filters of the to-do list as typed.
#[derive(Debug, Clone, Default)]
pub struct TodoQuery {
    /// Only the caller's own items.
    pub mine: bool,
    pub kind: Option<String>,
    pub union_id: Option<i64>,
    /// `false`/absent: open items; `true`: done ones; `all`.
    pub done: Option<String>,
    pub month: Option<String>,
    pub household_id: Option<i64>,
}

/// Whether the caller sees everyone's items in their subtree (reviewers,
/// auditors, fund officers) or only their own and unassigned ones (officers).
fn sees_all_todos(actor: &Actor) -> bool {
    actor.can(Permission::ApproveExits)
        || actor.can(Permission::ReadAudit)
        || actor.can(Permission::ReadFunds)
}

fn whose(actor: &Actor, mine: bool) -> Whose {
    if mine {
        Whose::Mine(actor.user.id)
    } else if sees_all_todos(actor) {
        Whose::All
    } else {
        Whose::MineOrNobody(actor.user.id)
    }
}

impl Services {
    pub async fn todo_list(
        &self,
        actor: &Actor,
        q: TodoQuery,
        page: PageRequest,
    ) -> Result<Page<Todo>, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let scope = actor.scope();
        let nonempty = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let kind = nonempty(&q.kind)
            .map(|k| TodoKind::parse(&k))
            .transpose()?
            .map(|k| k.code().to_owned());
        let done = match nonempty(&q.done).as_deref() {
            None | Some("false") | Some("open") => Some(false),
            Some("true") | Some("done") => Some(true),
            Some("all") => None,
            Some(other) => {
                return Err(ValidationError::new(
                    "done",
                    format!("“{other}”无效：done 应为 false（未处理）、true（已处理）或 all"),
                )
                .into())
            }
        };
        let month = nonempty(&q.month)
            .map(|m| Month::parse("month", &m))
            .transpose()?;
        let mut filter = TodoFilter {
            whose: whose(actor, q.mine),
            kind,
            union_path: None,
            done,
            month,
            household_id: q.household_id.map(HouseholdId),
        };
        self.read(move |c| {
            narrow_to_union(c, &scope, q.union_id, &mut filter.union_path)?;
            Ok(todos::list(c, &scope, &filter, page)?)
        })
        .await
    }

    /// Marks a to-do item handled (audited).
    pub async fn todo_done(&self, actor: &Actor, id: i64) -> Result<Todo, ServiceError> {
        actor.require(Permission::ManageHouseholds)?;
        let scope = actor.scope();
        let a = actor.clone();
        let w = whose(actor, false);
        self.write(move |c| {
            let t = todos::find(c, &scope, id)?.ok_or(ServiceError::NotFound("待办事项"))?;
            let visible = match w {
                Whose::All => true,
                Whose::Mine(u) => t.responsible_id == Some(u),
                Whose::MineOrNobody(u) => t.responsible_id.is_none_or(|r| r == u),
            };
            if !visible {
                return Err(ServiceError::NotFound("待办事项"));
            }
            if !todos::mark_done(c, id, a.user.id, now())? {
                return Err(ServiceError::Rule("该待办事项已处理".into()));
            }
            Record::of(Action::CloseTodo, "todo", id, t.owner())
                .before(json!({ "done": false }))
                .after(json!({
                    "done": true,
                    "kind": t.kind,
                    "month": t.month,
                    "household_id": t.household_id.0,
                }))
                .write(c, Who::Actor(&a))?;
            todos::find(c, &scope, id)?.ok_or(ServiceError::NotFound("待办事项"))
        })
        .await
    }
}
