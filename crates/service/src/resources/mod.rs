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

pub use bangfu_storage::resources::{
    Match, MatchFilter, Offer, OfferFields, OfferFilter, Provider, ProviderFields, ProviderFilter,
};
pub use matching::{MatchInput, OutcomeInput, Suggestion, Suggestions};
pub use offers::OfferInput;
pub use providers::ProviderInput;

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
