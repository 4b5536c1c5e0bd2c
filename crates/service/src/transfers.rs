//! Merging two files found to be one household, and moving a household to
//! another union with the consent of both (docs/rules.md §2.3).
//!
//! A merge is one act of an officer whose scope holds both files, after a
//! confirmation: the survivor gains the other's people and months (the
//! domain's `merge` rules), the other is closed with a link, both histories
//! stay. A transfer is two acts: the sending union asks (with a reason),
//! the receiving union accepts or declines (with a reason); the sender may
//! withdraw while it waits.

use crate::audit::{Owned, Record, Who};
use crate::books::Books;
use crate::clock::today;
use crate::filing::{register_people, snapshot};
use crate::{now, Actor, ServiceError, Services};
use bangfu_domain::audit::Action;
use bangfu_domain::household::{HouseholdId, Relation, Status};
use bangfu_domain::merge::{
    check_reason, merged_incomes, merged_members, TransferId, TransferStatus,
};
use bangfu_domain::{Masked, MaskedId, Permission, UnionId, UnionPath, ValidationError};
use bangfu_storage::households::{self, Household};
use bangfu_storage::transfers::{self as store, Direction, NewTransfer, TransferFilter};
use bangfu_storage::{unions, Page, PageRequest, StorageError};
use serde_json::json;

pub use bangfu_storage::transfers::Transfer;

/// A merge as typed: the file to close into this one, how its worker is
/// related to this file's worker, why.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct MergeInput {
    /// The other file's id, or 0 with `other_file_no`.
    pub other_id: i64,
    /// The other file's number, as an officer reads it off the file.
    #[serde(default)]
    pub other_file_no: String,
    /// A relation code (spouse, child, parent…).
    pub relation: String,
    pub reason: String,
    /// This file's version as read.
    pub version: Option<i64>,
}

/// A transfer as a reader sees it: the worker's number masked; what the
/// caller may do with it.
#[derive(Debug, Clone)]
pub struct TransferView {
    pub transfer: Transfer,
    pub worker_id_number: MaskedId,
    /// The caller's scope holds the receiving union: may accept or decline.
    pub may_answer: bool,
    /// The caller's scope holds the sending union: may withdraw.
    pub may_withdraw: bool,
    /// The caller's scope holds the file where it is now (the receiving
    /// union once accepted, the sending one otherwise).
    pub holds_file: bool,
}

#[derive(Debug, Clone, Default)]
pub struct TransferQuery {
    /// `incoming`, `outgoing` or empty for both.
    pub direction: Option<String>,
    pub status: Option<String>,
    pub household_id: Option<i64>,
}

impl Owned for Transfer {
    /// A transfer's audit entries belong to the sending union.
    fn owner(&self) -> (i64, &UnionPath) {
        (self.from_union_id.0, &self.from_path)
    }
}

fn transfer_json(t: &Transfer) -> serde_json::Value {
    json!({
        "household_id": t.household_id.0,
        "file_no": t.file_no,
        "from_union_id": t.from_union_id.0,
        "to_union_id": t.to_union_id.0,
        "reason": t.reason,
        "status": t.status.code(),
        "answer": t.answer,
    })
}

fn view(actor: &Actor, t: Transfer) -> TransferView {
    let scope = actor.scope();
    let manage = actor.can(Permission::ManageHouseholds);
    let pending = t.status == TransferStatus::Pending;
    let now_at = if t.status == TransferStatus::Accepted {
        &t.to_path
    } else {
        &t.from_path
    };
    TransferView {
        holds_file: scope.contains(now_at),
        worker_id_number: MaskedId::of(&t.worker_id_number),
        may_answer: manage && pending && scope.contains(&t.to_path),
        may_withdraw: manage && pending && scope.contains(&t.from_path),
        transfer: t,
    }
}

fn not_found() -> ServiceError {
    ServiceError::NotFound("档案转移")
}

fn stale() -> ServiceError {
    ServiceError::stale("该档案转移已被他人处理，请刷新页面后查看。")
}

impl Services {
    /// Merges `input.other_id` into `id` (see the module's note).
    pub async fn household_merge(
        &self,
        actor: &Actor,
        id: HouseholdId,
        input: MergeInput,
    ) -> Result<Household<Masked>, ServiceError> {
        actor.require(Permission::ManageHouseholds)?;
        let reason = check_reason("reason", &input.reason)?;
        let relation = Relation::parse(&input.relation)
            .map_err(|e| ValidationError::new("relation", e.message))?;
        let scope = actor.scope();
        let a = actor.clone();
        let today = today();
        let typed_no = input.other_file_no.trim().to_owned();
        self.write(move |c| {
            let other_id = if typed_no.is_empty() {
                HouseholdId(input.other_id)
            } else {
                households::id_by_file_no(c, &scope, &typed_no)?.ok_or_else(|| {
                    ValidationError::new(
                        "other_id",
                        format!("没有找到档案编号为 {typed_no} 的档案（或不在您的权限范围内）"),
                    )
                })?
            };
            if other_id == id {
                return Err(ValidationError::new("other_id", "不能与本档案自身合并").into());
            }
            let found = |c: &mut bangfu_storage::Conn, h| {
                households::find(c, &scope, h)?.ok_or_else(|| {
                    ServiceError::from(ValidationError::new(
                        "other_id",
                        "要合并的档案不存在或不在您的权限范围内",
                    ))
                })
            };
            let survivor =
                households::find(c, &scope, id)?.ok_or(ServiceError::NotFound("困难职工档案"))?;
            let other = found(c, other_id)?;
            for h in [&survivor, &other] {
                if h.status != Status::OnFile {
                    return Err(ServiceError::Rule(format!(
                        "档案 {} 为“{}”，只有在档的档案可以合并",
                        h.file_no,
                        h.status.label()
                    )));
                }
            }
            let version = input.version.unwrap_or(survivor.version);
            if version != survivor.version {
                return Err(ServiceError::stale(
                    "该档案已被他人修改，请刷新页面后再合并。",
                ));
            }
            let members_before = households::members_of(c, &scope, id)?;
            let other_members = households::members_of(c, &scope, other_id)?;
            let members = merged_members(
                &survivor.data,
                &members_before,
                &other.data,
                &other_members,
                relation,
            );
            let incomes = merged_incomes(
                &households::incomes_of(c, &scope, id)?,
                &households::incomes_of(c, &scope, other_id)?,
            );
            let at = now();
            let by = Some(a.user.id.0);
            // The other file leaves first, releasing its people.
            households::set_status(c, other_id, Status::Closed, today, None, by, at)?;
            let books = Books::load(c)?;
            let derived = books.derived(&survivor.data, &members, &incomes)?;
            if !households::update(c, id, version, &survivor.data, &derived, by, at)? {
                return Err(ServiceError::stale(
                    "该档案已被他人修改，请刷新页面后再合并。",
                ));
            }
            households::replace_members(c, id, &members)?;
            register_people(c, id, &survivor.data, &members)?;
            households::upsert_incomes(c, id, &incomes)?;
            households::insert_merge(c, id, other_id, &reason, by, at)?;
            let mut after = snapshot(
                &survivor.data,
                &members,
                &survivor.file_no,
                survivor.union_id.0,
            );
            after["merged_id"] = json!(other_id.0);
            after["merged_file_no"] = json!(other.file_no);
            after["reason"] = json!(reason);
            Record::of(Action::MergeHouseholds, "household", id, survivor.owner())
                .before(snapshot(
                    &survivor.data,
                    &members_before,
                    &survivor.file_no,
                    survivor.union_id.0,
                ))
                .after(after)
                .write(c, Who::Actor(&a))?;
            Record::of(
                Action::MergeHouseholds,
                "household",
                other_id,
                other.owner(),
            )
            .before(json!({"status": other.status.code()}))
            .after(json!({
                "status": Status::Closed.code(),
                "merged_into": id.0,
                "merged_into_file_no": survivor.file_no,
                "reason": reason,
            }))
            .write(c, Who::Actor(&a))?;
            households::find(c, &scope, id)?
                .map(Household::masked)
                .ok_or(ServiceError::NotFound("困难职工档案"))
        })
        .await
    }

    /// Asks to move a household to `to_union_id` (any active union of the
    /// tree other than its own; the receiving union decides).
    pub async fn transfer_propose(
        &self,
        actor: &Actor,
        household: HouseholdId,
        to_union_id: i64,
        reason: &str,
    ) -> Result<TransferView, ServiceError> {
        actor.require(Permission::ManageHouseholds)?;
        let reason = check_reason("reason", reason)?;
        let scope = actor.scope();
        let a = actor.clone();
        let t = self
            .write(move |c| {
                let h = households::find(c, &scope, household)?
                    .ok_or(ServiceError::NotFound("困难职工档案"))?;
                if !h.status.under_assistance() {
                    return Err(ServiceError::Rule(format!(
                        "档案为“{}”，不能转移",
                        h.status.label()
                    )));
                }
                let to = unions::find_unscoped(c, UnionId(to_union_id))?
                    .filter(|u| u.active)
                    .ok_or_else(|| ValidationError::new("to_union_id", "接收工会不存在或已停用"))?;
                if to.id == h.union_id {
                    return Err(ValidationError::new(
                        "to_union_id",
                        "接收工会与现在的建档工会相同",
                    )
                    .into());
                }
                if store::has_active_subsidy(c, household)? {
                    return Err(ServiceError::Rule(
                        "该家庭有正在发放的常态化补助（由本工会资金支付），请先停发后再转移".into(),
                    ));
                }
                let id = store::insert(
                    c,
                    &NewTransfer {
                        household_id: household,
                        from_union_id: h.union_id,
                        from_path: &h.union_path,
                        to_union_id: to.id,
                        to_path: &to.path,
                        reason: &reason,
                        created_by: Some(a.user.id.0),
                    },
                    now(),
                )
                .map_err(|e| match e {
                    StorageError::Conflict(_) => ServiceError::Conflict {
                        field: "to_union_id",
                        message: "该档案已有待接收的转移申请，请等待对方处理或先撤回".into(),
                    },
                    other => other.into(),
                })?;
                let t = store::find(c, &scope, id)?.ok_or_else(not_found)?;
                Record::of(
                    Action::ProposeTransfer,
                    "household_transfer",
                    id.0,
                    t.owner(),
                )
                .after(transfer_json(&t))
                .write(c, Who::Actor(&a))?;
                Ok(t)
            })
            .await?;
        Ok(view(actor, t))
    }

    /// Accepts (`accept`) or declines a pending transfer as the receiving
    /// union, or withdraws it as the sending one (`withdraw`). Accepting
    /// moves the household in the same transaction.
    pub async fn transfer_answer(
        &self,
        actor: &Actor,
        id: TransferId,
        version: Option<i64>,
        act: TransferStatus,
        reason: &str,
    ) -> Result<TransferView, ServiceError> {
        actor.require(Permission::ManageHouseholds)?;
        let answer = match act {
            TransferStatus::Accepted => {
                let r = reason.trim();
                (!r.is_empty())
                    .then(|| check_reason("reason", r))
                    .transpose()?
            }
            TransferStatus::Declined => Some(check_reason("reason", reason)?),
            TransferStatus::Withdrawn => None,
            TransferStatus::Pending => {
                return Err(ValidationError::new("act", "请选择接收、拒绝或撤回").into())
            }
        };
        let scope = actor.scope();
        let a = actor.clone();
        let t = self
            .write(move |c| {
                let before = store::find(c, &scope, id)?.ok_or_else(not_found)?;
                let (side, path) = match act {
                    TransferStatus::Withdrawn => ("转出工会", &before.from_path),
                    _ => ("接收工会", &before.to_path),
                };
                if !scope.contains(path) {
                    return Err(ServiceError::Rule(format!(
                        "只有{side}（{}）及其上级可以办理此操作",
                        if act == TransferStatus::Withdrawn {
                            &before.from_union_name
                        } else {
                            &before.to_union_name
                        }
                    )));
                }
                if before.status != TransferStatus::Pending {
                    return Err(ServiceError::Rule(format!(
                        "该转移申请已{}",
                        before.status.label()
                    )));
                }
                let version = version.unwrap_or(before.version);
                let at = now();
                if !store::answer(c, id, version, act, answer.as_deref(), a.user.id.0, at)? {
                    return Err(stale());
                }
                if act == TransferStatus::Accepted {
                    let to = unions::find_unscoped(c, before.to_union_id)?
                        .filter(|u| u.active)
                        .ok_or_else(|| ServiceError::Rule("接收工会已停用，不能接收".into()))?;
                    store::move_household(
                        c,
                        before.household_id,
                        to.id,
                        &to.path,
                        a.user.id.0,
                        at,
                    )?;
                }
                let after = store::find(c, &scope, id)?.ok_or_else(not_found)?;
                let action = match act {
                    TransferStatus::Withdrawn => Action::WithdrawTransfer,
                    _ => Action::AnswerTransfer,
                };
                Record::of(action, "household_transfer", id.0, after.owner())
                    .before(transfer_json(&before))
                    .after(transfer_json(&after))
                    .write(c, Who::Actor(&a))?;
                Ok(after)
            })
            .await?;
        Ok(view(actor, t))
    }

    pub async fn transfer_get(
        &self,
        actor: &Actor,
        id: TransferId,
    ) -> Result<TransferView, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let scope = actor.scope();
        let t = self
            .read(move |c| store::find(c, &scope, id)?.ok_or_else(not_found))
            .await?;
        Ok(view(actor, t))
    }

    pub async fn transfer_list(
        &self,
        actor: &Actor,
        query: TransferQuery,
        page: PageRequest,
    ) -> Result<Page<TransferView>, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let direction = match query.direction.as_deref().map(str::trim) {
            None | Some("") => Direction::Any,
            Some("incoming") => Direction::Incoming,
            Some("outgoing") => Direction::Outgoing,
            Some(_) => {
                return Err(ValidationError::new(
                    "direction",
                    "方向应为 incoming（转入）或 outgoing（转出）",
                )
                .into())
            }
        };
        let status = match query.status.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(
                TransferStatus::parse(s).map_err(|e| ValidationError::new("status", e.message))?,
            ),
        };
        let filter = TransferFilter {
            direction,
            status,
            household_id: query.household_id.map(HouseholdId),
        };
        let scope = actor.scope();
        let page = self
            .read(move |c| Ok(store::list(c, &scope, &filter, page)?))
            .await?;
        Ok(page.map(|t| view(actor, t)))
    }
}

/// What a file's page shows of its merges and of a transfer waiting for an
/// answer, read inside the caller's transaction.
pub(crate) fn links_of(
    c: &mut bangfu_storage::Conn,
    scope: &bangfu_storage::Scope,
    id: HouseholdId,
) -> Result<(households::MergeLinks, Option<Transfer>), ServiceError> {
    let merges = households::merge_links(c, scope, id)?;
    let pending = store::pending_of(c, scope, id)?;
    Ok((merges, pending))
}
