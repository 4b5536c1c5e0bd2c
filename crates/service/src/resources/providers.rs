//! The register of providers a union keeps.

use super::{Provider, ProviderFields, ProviderFilter};
use crate::audit::{Owned, Record, Who};
use crate::{now, Actor, ServiceError, Services};
use bangfu_domain::audit::Action;
use bangfu_domain::household::{parse_phone, parse_text};
use bangfu_domain::resources::{ProviderId, ProviderKind};
use bangfu_domain::{Permission, UnionId};
use bangfu_storage::resources as store;
use bangfu_storage::{unions, Page, PageRequest, StorageError};
use serde_json::json;

/// A provider as entered.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ProviderInput {
    /// The keeping union; the actor's own when absent.
    pub union_id: Option<i64>,
    pub name: String,
    /// A code or label of [`ProviderKind`].
    pub kind: String,
    pub contact: String,
    pub phone: String,
    pub address: String,
    pub note: String,
    pub shared: bool,
    /// True unless stopped.
    pub active: Option<bool>,
}

impl ProviderInput {
    fn parse(&self) -> Result<ProviderFields, ServiceError> {
        let phone = if self.phone.trim().is_empty() {
            String::new()
        } else {
            parse_phone("phone", &self.phone)?
        };
        Ok(ProviderFields {
            name: parse_text("name", "名称", &self.name, true, 100)?,
            kind: ProviderKind::parse(&self.kind)?,
            contact: parse_text("contact", "联系人", &self.contact, false, 50)?,
            phone,
            address: parse_text("address", "地址", &self.address, false, 200)?,
            note: parse_text("note", "备注", &self.note, false, 1000)?,
            shared: self.shared,
            active: self.active.unwrap_or(true),
        })
    }
}

fn snapshot(f: &ProviderFields) -> serde_json::Value {
    json!({
        "name": f.name,
        "kind": f.kind.code(),
        "contact": f.contact,
        "phone": f.phone,
        "address": f.address,
        "note": f.note,
        "shared": f.shared,
        "active": f.active,
    })
}

fn same_name(e: StorageError) -> ServiceError {
    match e {
        StorageError::Conflict(_) => ServiceError::Conflict {
            field: "name",
            message: "本工会已登记同名的资源提供方".into(),
        },
        other => other.into(),
    }
}

impl Services {
    /// Registers a provider kept by the actor's union or one in its subtree.
    pub async fn provider_create(
        &self,
        actor: &Actor,
        input: ProviderInput,
    ) -> Result<Provider, ServiceError> {
        actor.require(Permission::ManageAssistance)?;
        let fields = input.parse()?;
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let id = input.union_id.map(UnionId).unwrap_or(a.user.union_id);
            let union = unions::find(c, &scope, id)?.ok_or(ServiceError::NotFound("工会"))?;
            let id = store::insert_provider(c, union.id, &union.path, &fields, a.user.id.0, now())
                .map_err(same_name)?;
            let p =
                store::find_provider(c, &scope, id)?.ok_or(ServiceError::NotFound("资源提供方"))?;
            Record::of(Action::SaveProvider, "provider", id, p.owner())
                .after(snapshot(&p.fields))
                .write(c, Who::Actor(&a))?;
            Ok(p)
        })
        .await
    }

    /// Saves a provider kept in the actor's subtree (a shared one kept
    /// above is seen, not edited). `version` is the provider as read.
    pub async fn provider_update(
        &self,
        actor: &Actor,
        id: ProviderId,
        version: Option<i64>,
        input: ProviderInput,
    ) -> Result<Provider, ServiceError> {
        actor.require(Permission::ManageAssistance)?;
        let fields = input.parse()?;
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let before =
                store::find_provider(c, &scope, id)?.ok_or(ServiceError::NotFound("资源提供方"))?;
            if !scope.contains(&before.union_path) {
                return Err(ServiceError::Rule(format!(
                    "该资源提供方由{}登记，只能由其维护",
                    before.union_name
                )));
            }
            let version = version.unwrap_or(before.version);
            if !store::update_provider(c, id, version, &fields, now()).map_err(same_name)? {
                return Err(ServiceError::stale(
                    "该资源提供方刚刚已被他人修改，请刷新后再试",
                ));
            }
            let after =
                store::find_provider(c, &scope, id)?.ok_or(ServiceError::NotFound("资源提供方"))?;
            Record::of(Action::SaveProvider, "provider", id, after.owner())
                .before(snapshot(&before.fields))
                .after(snapshot(&after.fields))
                .write(c, Who::Actor(&a))?;
            Ok(after)
        })
        .await
    }

    pub async fn provider_get(
        &self,
        actor: &Actor,
        id: ProviderId,
    ) -> Result<Provider, ServiceError> {
        actor.require(Permission::ReadAssistance)?;
        let scope = actor.scope();
        self.read(move |c| {
            store::find_provider(c, &scope, id)?.ok_or(ServiceError::NotFound("资源提供方"))
        })
        .await
    }

    pub async fn provider_list(
        &self,
        actor: &Actor,
        filter: ProviderFilter,
        page: PageRequest,
    ) -> Result<Page<Provider>, ServiceError> {
        actor.require(Permission::ReadAssistance)?;
        let scope = actor.scope();
        self.read(move |c| Ok(store::list_providers(c, &scope, &filter, page)?))
            .await
    }
}
