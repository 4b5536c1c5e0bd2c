//! Social resources (社会资源精准对接): the providers a union keeps, their
//! offers, the households an offer may suit, and the matches.
//!
//! A provider or offer kept by a union is seen in its subtree and, when
//! shared (a provider) or serving it (an offer), from every union beneath;
//! a match carries its household's union path like every scoped row.

mod candidates;
mod matches;
mod offers;
mod providers;
mod report;

pub use candidates::{candidates, Found, Prefilter};
pub use matches::{
    find_match, insert_match, list_matches, set_outcome, Match, MatchFilter, NewMatch, Outcome,
    REASON,
};
pub use offers::{
    find_offer, give_back, insert_offer, list_offers, set_closed, take, Offer, OfferFields,
    OfferFilter,
};
pub use providers::{
    find_provider, insert_provider, list_providers, update_provider, Provider, ProviderFields,
    ProviderFilter,
};
pub use report::{delivered, providers_named, received, Delivered};
