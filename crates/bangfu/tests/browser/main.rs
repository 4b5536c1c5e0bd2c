//! The browser journeys: a real server, Chromium driven through chromedriver.
//! Each test skips itself when `/usr/bin/chromedriver` is missing, unless
//! `BANGFU_REQUIRE_BROWSER=1` says the browser must be there.
//!
//! One binary with one module per area; the harness and the fixtures are
//! the same as the HTTP tests' (`tests/common/`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;

mod admin;
mod apply;
mod assistance;
mod campaigns;
mod exits;
mod households;
mod quality;
mod resources;
mod stats;
mod two_factor;
mod verification;
