//! Resources: what a provider gives, and how much of it is left.

use super::{Resource, ResourceFields, ResourceFilter};
use crate::assistance::parse_date;
use crate::audit::{Owned, Record, Who};
use crate::clock::today;
use crate::dictionary::require_active;
use crate::funds::{acting_union, one_transfer, parse_on_date, receive, transfer_json};
use crate::{now, Actor, ServiceError, Services};
use bangfu_domain::assistance::Catalogue;
use bangfu_domain::audit::Action;
use bangfu_domain::funds::{check_amount, Source};
use bangfu_domain::household::parse_text;
use bangfu_domain::resources::{Aim, Need, ProviderId, ResourceId, ResourceKind, ServiceKind};
use bangfu_domain::{Fen, Permission, ValidationError};
use bangfu_storage::resources as store;
use bangfu_storage::{Page, PageRequest};
use serde_json::json;

/// A resource as entered.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ResourceInput {
    pub provider_id: i64,
    /// The union whose households the resource serves; the actor's own when absent.
    pub union_id: Option<i64>,
    /// A code or label of [`ResourceKind`].
    pub kind: String,
    /// For services: a code or label of [`ServiceKind`].
    pub service: String,
    /// For donations: a code or label of [`Aim`]; 不限 when blank.
    pub aim: String,
    /// A track code of the dictionary, optional.
    pub track: String,
    /// A programme code of the dictionary, optional.
    pub programme: String,
    pub title: String,
    pub detail: String,
    pub place: String,
    /// A job's monthly wage.
    pub wage: Option<Fen>,
    /// Positions, places, items, persons, hours; for cash, the amount in fen.
    pub quantity: i64,
    /// Goods: the value of one item.
    pub unit_value: Option<Fen>,
    /// `YYYY-MM-DD`; today when blank. For cash, the day it was received.
    pub starts_on: String,
    pub ends_on: String,
}

/// The largest quantity of anything but cash (checked as money).
const MAX_QUANTITY: i64 = 1_000_000;

impl ResourceInput {
    fn parse(&self) -> Result<ResourceFields, ServiceError> {
        let kind = ResourceKind::parse(&self.kind)?;
        let blank = |s: &str| !s.trim().is_empty();
        let service = match kind {
            ResourceKind::Service if blank(&self.service) => {
                Some(ServiceKind::parse(&self.service)?)
            }
            _ => None,
        };
        let aim = match kind {
            ResourceKind::Cash | ResourceKind::Goods if blank(&self.aim) => {
                Some(Aim::parse(&self.aim)?)
            }
            _ => None,
        };
        let need = Need::new(
            kind,
            service,
            aim,
            Some(self.track.clone()),
            Some(self.programme.clone()),
        )?;
        if need.programme.is_some() && need.track.is_none() {
            return Err(ValidationError::new("track", "选择行动计划时须同时选择帮扶路径").into());
        }
        let quantity = if kind == ResourceKind::Cash {
            check_amount("quantity", Fen(self.quantity))?.0
        } else if self.quantity <= 0 {
            return Err(ValidationError::new("quantity", "数量必须大于 0").into());
        } else if self.quantity > MAX_QUANTITY {
            return Err(ValidationError::new("quantity", "数量过大").into());
        } else {
            self.quantity
        };
        let wage = match (kind, self.wage) {
            (ResourceKind::Job, Some(w)) if w.0 < 0 => {
                return Err(ValidationError::new("wage", "工资不能为负数").into())
            }
            (ResourceKind::Job, Some(w)) if w > Fen::MAX_PARSED => {
                return Err(ValidationError::new("wage", "工资过大").into())
            }
            (ResourceKind::Job, w) => w,
            _ => None,
        };
        let unit_value = match (kind, self.unit_value) {
            (ResourceKind::Goods, Some(v)) if v.0 < 0 || v > Fen::MAX_PARSED => {
                return Err(ValidationError::new("unit_value", "单价应在 0 至上限之间").into())
            }
            (ResourceKind::Goods, Some(v)) => v,
            _ => Fen::ZERO,
        };
        let starts_on = if kind == ResourceKind::Cash {
            parse_on_date("starts_on", &self.starts_on)?
        } else {
            parse_date("starts_on", &self.starts_on)?.unwrap_or_else(today)
        };
        let ends_on = parse_date("ends_on", &self.ends_on)?;
        if ends_on.is_some_and(|e| e < starts_on) {
            return Err(ValidationError::new("ends_on", "截止日期不能早于开始日期").into());
        }
        Ok(ResourceFields {
            need,
            title: parse_text("title", "名称", &self.title, true, 100)?,
            detail: parse_text("detail", "内容和要求", &self.detail, false, 2000)?,
            place: parse_text("place", "地点", &self.place, false, 200)?,
            wage,
            quantity,
            unit_value,
            starts_on,
            ends_on,
        })
    }
}

pub(super) fn snapshot(o: &Resource) -> serde_json::Value {
    let f = &o.fields;
    json!({
        "provider_id": o.provider_id.0,
        "kind": f.need.kind.code(),
        "service": f.need.service.map(|s| s.code()),
        "aim": f.need.aim.map(|a| a.code()),
        "track": f.need.track,
        "programme": f.need.programme,
        "title": f.title,
        "place": f.place,
        "wage": f.wage.map(|w| w.0),
        "quantity": f.quantity,
        "remaining": o.remaining,
        "unit_value": f.unit_value.0,
        "starts_on": f.starts_on.to_string(),
        "ends_on": f.ends_on.map(|d| d.to_string()),
        "transfer_id": o.transfer_id.map(|t| t.0),
        "closed": o.closed,
    })
}

impl Services {
    /// Registers a resource of a provider the actor sees, serving a union of
    /// the actor's subtree. A cash donation is received into that union's
    /// fund of social donations in the same transaction.
    pub async fn resource_create(
        &self,
        actor: &Actor,
        input: ResourceInput,
    ) -> Result<Resource, ServiceError> {
        actor.require(Permission::ManageAssistance)?;
        let fields = input.parse()?;
        let cash = fields.need.kind == ResourceKind::Cash;
        if cash && !actor.can(Permission::ManageFunds) {
            return Err(ServiceError::Rule(
                "现金捐赠须登记入账：请由有资金管理权限的人员登记（本账号不能登记资金收入）".into(),
            ));
        }
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let provider = store::find_provider(c, &scope, ProviderId(input.provider_id))?
                .ok_or(ServiceError::NotFound("资源提供方"))?;
            if !provider.fields.active {
                return Err(ServiceError::Rule(format!(
                    "{}已停用，不能登记新的资源",
                    provider.fields.name
                )));
            }
            if let Some(t) = &fields.need.track {
                require_active(c, Catalogue::Track, "track", t)?;
            }
            if let Some(p) = &fields.need.programme {
                require_active(c, Catalogue::Programme, "programme", p)?;
            }
            let union = acting_union(c, &a, &scope, input.union_id)?;
            let transfer = if cash {
                let memo = format!("社会捐助：{}（{}）", provider.fields.name, fields.title);
                let t = receive(
                    c,
                    &union,
                    Source::Donation,
                    Fen(fields.quantity),
                    fields.starts_on,
                    &memo,
                    a.user.id.0,
                )?;
                let info = one_transfer(c, &scope, t)?;
                let mut after = transfer_json(&info);
                after["payer"] = json!(provider.fields.name);
                Record::of(Action::ReceiveFunds, "transfer", t, union.owner())
                    .after(after)
                    .write(c, Who::Actor(&a))?;
                Some(t)
            } else {
                None
            };
            let id = store::insert_resource(
                c,
                provider.id,
                union.id,
                &union.path,
                &fields,
                transfer,
                a.user.id.0,
                now(),
            )?;
            let o =
                store::find_resource(c, &scope, id)?.ok_or(ServiceError::NotFound("社会资源"))?;
            Record::of(Action::SaveResource, "resource", id, o.owner())
                .after(snapshot(&o))
                .write(c, Who::Actor(&a))?;
            Ok(o)
        })
        .await
    }

    /// Closes a resource to new matches (or reopens it). Only the unions of
    /// the subtree it serves may.
    pub async fn resource_close(
        &self,
        actor: &Actor,
        id: ResourceId,
        version: Option<i64>,
        closed: bool,
    ) -> Result<Resource, ServiceError> {
        actor.require(Permission::ManageAssistance)?;
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let before =
                store::find_resource(c, &scope, id)?.ok_or(ServiceError::NotFound("社会资源"))?;
            if !scope.contains(&before.union_path) {
                return Err(ServiceError::Rule(format!(
                    "该资源由{}登记，只能由其关闭",
                    before.union_name
                )));
            }
            let version = version.unwrap_or(before.version);
            if !store::set_closed(c, id, version, closed, now())? {
                return Err(ServiceError::stale("该资源刚刚已被他人修改，请刷新后再试"));
            }
            let after =
                store::find_resource(c, &scope, id)?.ok_or(ServiceError::NotFound("社会资源"))?;
            Record::of(Action::CloseResource, "resource", id, after.owner())
                .before(snapshot(&before))
                .after(snapshot(&after))
                .write(c, Who::Actor(&a))?;
            Ok(after)
        })
        .await
    }

    pub async fn resource_get(
        &self,
        actor: &Actor,
        id: ResourceId,
    ) -> Result<Resource, ServiceError> {
        actor.require(Permission::ReadAssistance)?;
        let scope = actor.scope();
        self.read(move |c| {
            store::find_resource(c, &scope, id)?.ok_or(ServiceError::NotFound("社会资源"))
        })
        .await
    }

    pub async fn resource_list(
        &self,
        actor: &Actor,
        filter: ResourceFilter,
        page: PageRequest,
    ) -> Result<Page<Resource>, ServiceError> {
        actor.require(Permission::ReadAssistance)?;
        let scope = actor.scope();
        self.read(move |c| Ok(store::list_resources(c, &scope, &filter, page)?))
            .await
    }
}
