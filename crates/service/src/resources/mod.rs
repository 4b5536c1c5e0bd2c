//! Social resources matched to households' needs (社会资源精准对接): the
//! register of providers, their resources (offers), the suggestions Bangfu
//! makes for a resource, and the matches officers confirm and see to their outcome.
//!
//! Reading takes `ReadAssistance`, writing `ManageAssistance`; a cash
//! donation is a receipt into the funds, so offering one also takes
//! `ManageFunds`. A delivered match is an act of assistance.

mod matching;
mod providers;
mod report;
mod resource;

pub use bangfu_storage::resources::{
    Match, MatchFilter, Provider, ProviderFields, ProviderFilter, Resource, ResourceFields,
    ResourceFilter,
};
pub use matching::{MatchInput, OutcomeInput, Suggestion, Suggestions};
pub use providers::ProviderInput;
pub use report::{GivingReport, ProviderGiving};
pub use resource::ResourceInput;

use crate::audit::Owned;
use bangfu_domain::UnionPath;

impl Owned for Provider {
    fn owner(&self) -> (i64, &UnionPath) {
        (self.union_id.0, &self.union_path)
    }
}

impl Owned for Resource {
    fn owner(&self) -> (i64, &UnionPath) {
        (self.union_id.0, &self.union_path)
    }
}

impl Owned for Match {
    fn owner(&self) -> (i64, &UnionPath) {
        (self.union_id.0, &self.union_path)
    }
}

use crate::{Actor, ServiceError, Services};
use bangfu_domain::resources::{ProviderId, ResourceId};
use bangfu_domain::Permission;
use bangfu_storage::resources as store;
use bangfu_storage::PageRequest;

/// What a resource's page shows: the resource with a page of suggestions, and
/// every match made of it.
#[derive(Debug, Clone)]
pub struct ResourceOverview {
    pub suggestions: Suggestions,
    pub matches: Vec<Match>,
    /// Whether the caller's subtree holds the resource (and so may close it).
    pub kept_here: bool,
}

/// What a provider's page shows: the provider and its resources, newest first.
#[derive(Debug, Clone)]
pub struct ProviderOverview {
    pub provider: Provider,
    pub resources: Vec<Resource>,
    /// Whether the caller's union keeps it (and so may edit it).
    pub kept_here: bool,
}

impl Services {
    pub async fn resource_overview(
        &self,
        actor: &Actor,
        id: ResourceId,
        after: Option<i64>,
    ) -> Result<ResourceOverview, ServiceError> {
        let suggestions = self.resource_suggestions(actor, id, after, 20).await?;
        let scope = actor.scope();
        let matches = self
            .read(move |c| {
                let filter = MatchFilter {
                    resource_id: Some(id),
                    made_only: true,
                    ..Default::default()
                };
                let all = PageRequest::new(Some(1), Some(PageRequest::MAX_PER_PAGE));
                Ok(store::list_matches(c, &scope, &filter, all)?.items)
            })
            .await?;
        Ok(ResourceOverview {
            kept_here: actor.scope().contains(&suggestions.resource.union_path),
            suggestions,
            matches,
        })
    }

    pub async fn provider_overview(
        &self,
        actor: &Actor,
        id: ProviderId,
    ) -> Result<ProviderOverview, ServiceError> {
        actor.require(Permission::ReadAssistance)?;
        let scope = actor.scope();
        self.read(move |c| {
            let provider =
                store::find_provider(c, &scope, id)?.ok_or(ServiceError::NotFound("资源提供方"))?;
            let filter = ResourceFilter {
                provider_id: Some(id),
                ..Default::default()
            };
            let all = PageRequest::new(Some(1), Some(PageRequest::MAX_PER_PAGE));
            let resources = store::list_resources(c, &scope, &filter, all)?.items;
            Ok(ProviderOverview {
                kept_here: scope.contains(&provider.union_path),
                provider,
                resources,
            })
        })
        .await
    }
}
