//! API: household files, monthly incomes, lines and parameters, and the
//! stateless calculators (identification, exit, ID numbers).

use crate::error::ApiError;
use crate::AppState;
use axum::routing::{delete, get, post};
use axum::Router;
use bangfu_domain::ValidationError;
use bangfu_service::ServiceError;

mod calculators;
mod dto;
mod file;
mod incomes;
mod lines;

pub use self::{calculators::*, dto::*, file::*, incomes::*, lines::*};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/households", get(list_households).post(create_household))
        .route("/households/reidentify", post(reidentify))
        .route("/households/reidentify/{id}", get(get_reidentify))
        .route("/households/{id}", get(get_household).put(update_household))
        .route(
            "/households/{id}/incomes",
            get(get_incomes).put(save_incomes),
        )
        .route("/households/{id}/reveal", post(reveal))
        .route("/lines", get(list_lines).put(set_line))
        .route("/lines/{division_code}/{month}", delete(delete_line))
        .route("/params", get(get_params).put(set_params))
        .route("/identification/evaluate", post(evaluate))
        .route("/exit/evaluate", post(evaluate_exit))
        .route("/id-numbers/validate", post(validate_id))
}

fn invalid(e: ValidationError) -> ApiError {
    ApiError::Service(ServiceError::Invalid(e))
}
