//! Social resources matched to households' needs (社会资源精准对接): the
//! register of providers, their offers, the suggestions Bangfu makes for an
//! offer, and the matches officers confirm and see to their outcome.
//!
//! Reading takes `ReadAssistance`, writing `ManageAssistance`; a cash
//! donation is a receipt into the funds, so offering one also takes
//! `ManageFunds`. A delivered match is an act of assistance.

mod matching;
mod offers;
mod providers;
mod report;

pub use bangfu_storage::resources::{
    Match, MatchFilter, Offer, OfferFields, OfferFilter, Provider, ProviderFields, ProviderFilter,
};
pub use matching::{MatchInput, OutcomeInput, Suggestion, Suggestions};
pub use offers::OfferInput;
pub use providers::ProviderInput;
pub use report::{GivingReport, ProviderGiving};

use crate::audit::Owned;
use bangfu_domain::UnionPath;

impl Owned for Provider {
    fn owner(&self) -> (i64, &UnionPath) {
        (self.union_id.0, &self.union_path)
    }
}

impl Owned for Offer {
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
use bangfu_domain::resources::{OfferId, ProviderId};
use bangfu_domain::Permission;
use bangfu_storage::resources as store;
use bangfu_storage::PageRequest;

/// What an offer's page shows: the offer with a page of suggestions, and
/// every match made of it (read together, so they agree).
#[derive(Debug, Clone)]
pub struct OfferOverview {
    pub suggestions: Suggestions,
    pub matches: Vec<Match>,
}

/// What a provider's page shows: the provider and its offers, newest first.
#[derive(Debug, Clone)]
pub struct ProviderOverview {
    pub provider: Provider,
    pub offers: Vec<Offer>,
    /// Whether the caller's union keeps it (and so may edit it).
    pub kept_here: bool,
}

impl Services {
    pub async fn offer_overview(
        &self,
        actor: &Actor,
        id: OfferId,
        after: Option<i64>,
    ) -> Result<OfferOverview, ServiceError> {
        let suggestions = self.offer_suggestions(actor, id, after, 20).await?;
        let scope = actor.scope();
        let matches = self
            .read(move |c| {
                let filter = MatchFilter {
                    offer_id: Some(id),
                    made_only: true,
                    ..Default::default()
                };
                let all = PageRequest::new(Some(1), Some(PageRequest::MAX_PER_PAGE));
                Ok(store::list_matches(c, &scope, &filter, all)?.items)
            })
            .await?;
        Ok(OfferOverview {
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
            let filter = OfferFilter {
                provider_id: Some(id),
                ..Default::default()
            };
            let all = PageRequest::new(Some(1), Some(PageRequest::MAX_PER_PAGE));
            let offers = store::list_offers(c, &scope, &filter, all)?.items;
            Ok(ProviderOverview {
                kept_here: scope.contains(&provider.union_path),
                provider,
                offers,
            })
        })
        .await
    }
}
