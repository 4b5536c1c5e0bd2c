//! API: pairing (一帮一) and the work lists, "my households", plans and
//! measures (一户一计划、一户一措施), home visits (入户走访) and the dictionary.

use crate::error::ApiError;
use crate::AppState;
use axum::routing::{get, post};
use axum::Router;
use utoipa::OpenApi;

mod dictionary;
mod dto;
mod pairing;
mod plan;
mod visits;

pub use self::{dictionary::*, dto::*, pairing::*, plan::*, visits::*};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/households/{id}/pairing",
            get(get_pairing).post(assign_pairing),
        )
        .route("/pairing/unassigned", get(list_unassigned))
        .route("/pairing/no-plan", get(list_no_plan))
        .route("/pairing/not-visited", get(list_not_visited))
        .route("/pairing/plan-submitted", get(list_plan_submitted))
        .route("/my/households", get(my_households))
        .route(
            "/households/{id}/plans/{year}",
            get(get_plan).put(save_plan),
        )
        .route("/plans/{id}/submit", post(submit_plan))
        .route("/plans/{id}/approve", post(approve_plan))
        .route("/plans/{id}/measures", post(add_measure))
        .route("/measures/{id}", get(get_measure).patch(update_measure))
        .route(
            "/households/{id}/visits",
            get(list_visits).post(record_visit),
        )
        .route("/visits/{id}", get(get_visit))
        .route("/visits/{id}/photos/{photo}", get(get_photo))
        .route("/dictionary", get(list_dictionary))
        .route(
            "/dictionary/{kind}/{code}",
            post(add_entry).patch(edit_entry),
        )
}

/// Photos are larger than ordinary requests: mounted apart with the upload
/// body limit (see `lib.rs`).
pub fn upload_routes() -> Router<AppState> {
    Router::new().route(
        "/api/v1/visits/{id}/photos",
        post(add_photos).fallback(|| async { ApiError::MethodNotAllowed }),
    )
}

#[derive(OpenApi)]
#[openapi(
    paths(
        get_pairing,
        assign_pairing,
        list_unassigned,
        list_no_plan,
        list_not_visited,
        list_plan_submitted,
        my_households,
        get_plan,
        save_plan,
        submit_plan,
        approve_plan,
        add_measure,
        get_measure,
        update_measure,
        list_visits,
        record_visit,
        get_visit,
        add_photos,
        get_photo,
        list_dictionary,
        add_entry,
        edit_entry
    ),
    tags(
        (name = "plans", description = "结对帮扶（一帮一）、帮扶计划和措施（一户一计划、一户一措施）"),
        (name = "visits", description = "入户走访（一看二问三讲）"),
        (name = "dictionary", description = "帮扶目录：帮扶路径、行动计划、帮扶类别、保障线、部门")
    )
)]
pub struct Doc;
