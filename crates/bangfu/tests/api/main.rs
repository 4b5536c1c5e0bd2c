//! The HTTP tests: every test starts the real server on port 0 with a fresh
//! database of its own (SQLite, or PostgreSQL when
//! `BANGFU_TEST_DATABASE_URL` names a server) and talks to it as a client
//! would: the JSON API, the HTML pages and forms, the downloads.
//!
//! One binary with one module per area, so the server is linked once; the
//! harness and the fixtures every area shares are in `tests/common/`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;

mod admin;
mod applications;
mod assessments;
mod assistance;
mod assistance_forms;
mod at_rest;
mod audit_chain;
mod auth;
mod backup;
mod campaigns;
mod crawl;
mod dashboard;
mod decision_refresh;
mod demo;
mod demo_exits;
mod exit_evaluate;
mod exit_file;
mod exits;
mod exits_pages;
mod export;
mod filed_elsewhere;
mod filing_levels;
mod fund_audit;
mod funds;
mod future_months;
mod headers;
mod household_pages;
mod households;
mod households_import;
mod login_concurrency;
mod monthly;
mod passwords;
mod person_export;
mod plans;
mod public_forms;
mod quality;
mod reference;
mod reidentify;
mod replica;
mod resources;
mod retention;
mod scope;
mod separation;
mod sessions;
mod stats;
mod targets;
mod temporary_files;
mod throttle;
mod transfers;
mod two_factor;
mod union_children;
mod union_move;
mod verification;
mod verification_datasets;
mod verification_export;
mod verification_findings;
mod verification_jobs;
mod verification_pages;
