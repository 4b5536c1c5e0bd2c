//! API: 部门核对 — the catalogue of department datasets. Anyone signed in
//! reads it (a department needs the fields it sends); an administrator
//! adds a dataset following the rule of a kind, renames it or
//! (de)activates it. Rules stay in code: a kind is one of the built-ins.

use super::{ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::auth::ApiActor;
use crate::error::ErrorBody;
use crate::view::api_time;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, patch};
use axum::{Json, Router};
use bangfu_domain::verification::Dataset;
use bangfu_service::verification::{DatasetChanges, NewDataset, StoredDataset};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/verification/datasets",
            get(list_datasets).post(add_dataset),
        )
        .route("/verification/datasets/{code}", patch(edit_dataset))
}

#[derive(OpenApi)]
#[openapi(
    paths(list_datasets, add_dataset, edit_dataset),
    components(schemas(DatasetDto, DatasetFieldDto, NewDatasetRequest, DatasetPatch))
)]
pub struct Doc;

#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetFieldDto {
    pub code: String,
    pub label: String,
    /// money (fen), count, month (YYYY-MM), date (YYYY-MM-DD), grade (1–4), text
    pub kind: String,
    pub required: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetDto {
    /// What a batch names in `dataset`.
    pub code: String,
    pub label: String,
    pub department: String,
    /// Besides `id_number` or `id_hash` (the fields of its kind).
    pub fields: Vec<DatasetFieldDto>,
    /// The rule it follows: dibao, tekun, vehicle, property, business,
    /// social_insurance, unemployment, death, medical, disability, disaster.
    pub kind: String,
    pub kind_label: String,
    /// What a match means for a household's file under that rule.
    pub rule: String,
    /// Only an active dataset receives new batches.
    pub active: bool,
    /// Shipped with Bangfu (its code is its kind's).
    pub builtin: bool,
    pub position: i32,
    /// Who added it (null: shipped).
    pub created_by: Option<i64>,
    pub created_at: String,
    pub updated_by: Option<i64>,
    pub updated_at: String,
}

impl From<&StoredDataset> for DatasetDto {
    fn from(d: &StoredDataset) -> Self {
        let e = &d.entry;
        Self {
            code: e.code.clone(),
            label: e.label.clone(),
            department: e.department.clone(),
            fields: fields_of(e.kind),
            kind: e.kind.code().into(),
            kind_label: e.kind.label().into(),
            rule: e.kind.meaning().into(),
            active: e.active,
            builtin: e.is_builtin(),
            position: e.position,
            created_by: d.created_by,
            created_at: api_time(&d.created_at),
            updated_by: d.updated_by,
            updated_at: api_time(&d.updated_at),
        }
    }
}

fn fields_of(kind: Dataset) -> Vec<DatasetFieldDto> {
    kind.fields()
        .iter()
        .map(|f| DatasetFieldDto {
            code: f.code.into(),
            label: f.label.into(),
            kind: f.kind.code().into(),
            required: f.required,
        })
        .collect()
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct DatasetParams {
    /// Include deactivated datasets.
    pub all: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDatasetRequest {
    /// 2–40 lowercase ASCII letters, digits or underscores, starting with a
    /// letter (e.g. `provident_fund`); unique, never changed.
    pub code: String,
    /// The Chinese name, unique (e.g. 住房公积金缴存).
    pub label: String,
    /// The department that keeps it (e.g. 住房公积金管理中心).
    pub department: String,
    /// The kind whose fields and rule it follows (a built-in dataset's code,
    /// e.g. social_insurance); never changed.
    pub kind: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DatasetPatch {
    pub label: Option<String>,
    pub department: Option<String>,
    /// false: receives no new batch (its batches and findings stay).
    pub active: Option<bool>,
}

#[utoipa::path(get, path = "/api/v1/verification/datasets", tag = "verification", params(DatasetParams),
    responses((status = 200, description = "The catalogue in order: the active datasets, or all with `all=true`", body = Vec<DatasetDto>),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_datasets(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<DatasetParams>,
) -> ApiResult<Json<Vec<DatasetDto>>> {
    let list = state
        .services
        .verification_datasets(&actor, q.all.unwrap_or(false))
        .await?;
    Ok(Json(list.iter().map(DatasetDto::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/verification/datasets", tag = "verification",
    request_body = NewDatasetRequest,
    responses((status = 201, body = DatasetDto),
        (status = 400, description = "A bad or taken code or label, an unknown kind", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_dataset(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<NewDatasetRequest>,
) -> ApiResult<(StatusCode, Json<DatasetDto>)> {
    let d = state
        .services
        .verification_dataset_add(
            &actor,
            NewDataset {
                code: req.code,
                label: req.label,
                department: req.department,
                kind: req.kind,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(DatasetDto::from(&d))))
}

#[utoipa::path(patch, path = "/api/v1/verification/datasets/{code}", tag = "verification",
    params(("code" = String, Path)),
    request_body = DatasetPatch,
    responses((status = 200, body = DatasetDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn edit_dataset(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(code): ApiPath<String>,
    ApiJson(req): ApiJson<DatasetPatch>,
) -> ApiResult<Json<DatasetDto>> {
    let d = state
        .services
        .verification_dataset_edit(
            &actor,
            code,
            DatasetChanges {
                label: req.label,
                department: req.department,
                active: req.active,
            },
        )
        .await?;
    Ok(Json(DatasetDto::from(&d)))
}
