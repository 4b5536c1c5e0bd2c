//! What nearly every page module uses, in one import
//! (`use crate::pages::prelude::*;`): rendering with the page chrome, the
//! typed notices and pagers, the extractors and the page error.

pub(crate) use super::notice::Notice;
pub(crate) use super::pager::{pager, Pager};
pub(crate) use super::{
    form_failure, render, render_results, render_status, Chrome, PageResult, SwapsResults,
};
pub(crate) use crate::auth::PageActor;
pub(crate) use crate::error::PageError;
pub(crate) use crate::AppState;
pub(crate) use askama::Template;
pub(crate) use axum::extract::{Path, Query, State};
pub(crate) use axum::http::StatusCode;
pub(crate) use axum::response::{IntoResponse, Redirect, Response};
pub(crate) use axum_extra::extract::Form;
pub(crate) use bangfu_service::Actor;
pub(crate) use serde::Deserialize;
