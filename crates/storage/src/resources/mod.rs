//! Social resources (社会资源精准对接): the providers a union keeps, their
//! resources, the households a resource may suit, and the matches.
//!
//! A provider or resource kept by a union is seen in its subtree and, when
//! shared (a provider) or serving it (a resource), from every union beneath;
//! a match carries its household's union path like every scoped row.

mod candidates;
mod matches;
mod providers;
mod report;
mod resource;

pub use candidates::{candidates, Found, Prefilter};
pub use matches::{
    find_match, insert_match, list_matches, set_outcome, Match, MatchFilter, NewMatch, Outcome,
    REASON,
};
pub use providers::{
    find_provider, insert_provider, list_providers, update_provider, Provider, ProviderFields,
    ProviderFilter,
};
pub use report::{delivered, providers_named, received, Delivered};
pub use resource::{
    find_resource, give_back, insert_resource, list_resources, set_closed, take, Resource,
    ResourceFields, ResourceFilter,
};
