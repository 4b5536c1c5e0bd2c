//! The Bangfu domain: the types and rules of the programme, with no I/O.
//!
//! Everything a person types reaches the rest of the system only after being
//! parsed into one of these types, so the layers below can trust it.

pub mod application;
pub mod assessment;
pub mod assistance;
pub mod audit;
pub mod audit_chain;
pub mod calculator;
pub mod campaign;
pub mod disclosure;
pub mod division;
pub mod error;
pub mod exit;
pub mod filing;
pub mod funds;
pub mod household;
pub mod id_number;
pub mod identification;
pub mod leaving;
pub mod lines;
pub mod merge;
pub mod money;
pub mod month;
pub mod password;
pub mod quality;
pub mod readiness;
pub mod resources;
pub mod role;
pub mod target;
pub mod temporary;
pub mod union;
pub mod user;
pub mod verification;

pub use disclosure::{Disclosure, Masked, MaskedId, Stored};
pub use error::{Refusals, ValidationError};
pub use id_number::{IdNumber, Sex};
pub use money::Fen;
pub use month::Month;
pub use password::{Password, PasswordPolicyError};
pub use role::{Permission, Role, Roles};
pub use union::{UnionId, UnionLevel, UnionName, UnionPath};
pub use user::{DisplayName, UserId, Username};

/// The programme's date of a UTC instant: its dates (filing, decisions,
/// notices, statistics "as of") are China Standard Time dates.
pub fn china_date(utc: chrono::NaiveDateTime) -> chrono::NaiveDate {
    (utc + chrono::Duration::hours(8)).date()
}
