//! Bangfu storage: the only crate that knows SQL.
//!
//! One code path serves SQLite and PostgreSQL: every query is written once
//! with Diesel's DSL inside [`run!`], which compiles it for both backends, so
//! a query that one backend cannot express fails the build, not a request.
//!
//! Reads of anything that belongs to a union take a [`Scope`]: the range of
//! the union tree the caller may see. No scoped table is read without one.

mod db;
mod error;
mod query;
mod schema;
mod schema_joins;
mod schema_resources;
mod scope;

pub mod applications;
pub mod assessments;
pub mod assistance;
pub mod at_rest;
pub mod audit;
pub mod audit_chain;
pub mod backup;
pub mod campaigns;
pub mod dictionary;
pub mod exits;
pub mod findings;
pub mod held_uploads;
pub mod households;
pub mod jobs;
pub mod ledger;
pub mod lines;
pub mod plans;
pub mod quality;
pub mod rate;
pub mod referrals;
pub mod replica;
pub mod resources;
pub mod retention;
pub mod seed;
pub mod sessions;
pub mod spans;
pub mod stats;
pub mod subsidies;
pub mod tallies;
pub mod temporary_files;
#[cfg(feature = "test-support")]
pub mod test_support;
pub mod throttle;
pub mod todos;
pub mod transfers;
pub mod two_factor;
pub mod unions;
pub mod users;
pub mod verification;
pub mod visits;

pub use at_rest::FieldCipher;
pub use db::{Backend, Conn, Db, DbOptions};
pub use error::StorageError;
pub use replica::{with_seen, WalPosition};
pub use scope::Scope;

/// A page of a list: the rows and the total count matching the filter.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Rows matching the filter — or, when `capped`, the count where
    /// counting stopped: at least this many match.
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    /// The count stopped at `total` (a list of hundreds of thousands is
    /// shown as 「10000+」 rather than counted for every page).
    pub capped: bool,
    /// Where the next page begins for keyset paging (the list's `after`),
    /// when the list offers it and this page is full.
    pub next_after: Option<String>,
}

impl<T> Page<T> {
    pub fn pages(&self) -> i64 {
        ((self.total + self.per_page - 1) / self.per_page).max(1)
    }

    /// The same page with each row turned into another shape.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        let Page {
            items,
            total,
            page,
            per_page,
            capped,
            next_after,
        } = self;
        Page {
            items: items.into_iter().map(f).collect(),
            total,
            page,
            per_page,
            capped,
            next_after,
        }
    }

    /// The same page (count, position, next) holding `items` instead.
    pub fn with_items<U>(&self, items: Vec<U>) -> Page<U> {
        Page {
            items,
            total: self.total,
            page: self.page,
            per_page: self.per_page,
            capped: self.capped,
            next_after: self.next_after.clone(),
        }
    }
}

/// Which page of a list to read; page numbers start at 1.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub page: i64,
    pub per_page: i64,
}

impl PageRequest {
    pub const MAX_PER_PAGE: i64 = 200;

    pub fn new(page: Option<i64>, per_page: Option<i64>) -> Self {
        Self {
            page: page.unwrap_or(1).max(1),
            per_page: per_page.unwrap_or(20).clamp(1, Self::MAX_PER_PAGE),
        }
    }

    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
    }
}

/// Escapes `%`, `_` and `\` so user text is matched literally by `LIKE … ESCAPE '\'`.
pub(crate) fn like_pattern(q: &str) -> String {
    let mut s = String::from("%");
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('%');
    s
}
