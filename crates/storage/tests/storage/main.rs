//! The storage layer against a real database (SQLite, or PostgreSQL when
//! `BANGFU_TEST_DATABASE_URL` names a server): what the schema and the ledger
//! guarantee whatever code runs against them. One binary, one module per
//! subject.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

mod audit_append_only;
mod audit_chain;
mod ledger;
mod rate;
