//! The dictionary of catalogues: listing, adding and editing entries.

use super::*;
use crate::api::{ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::auth::ApiActor;
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use bangfu_domain::assistance::Catalogue;
use bangfu_service::dictionary::{EntryChanges, NewEntry};

pub(crate) fn catalogue(raw: &str) -> Result<Catalogue, ApiError> {
    Catalogue::parse(raw).map_err(|e| {
        ApiError::Service(bangfu_domain::ValidationError::new("kind", e.message).into())
    })
}

#[utoipa::path(get, path = "/api/v1/dictionary", tag = "dictionary", params(DictionaryQuery),
    responses((status = 200, description = "Entries in order (the options forms offer)", body = Vec<DictionaryEntryDto>),
        (status = 400, body = ErrorBody)))]
pub async fn list_dictionary(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<DictionaryQuery>,
) -> ApiResult<Json<Vec<DictionaryEntryDto>>> {
    let kind = q
        .kind
        .as_deref()
        .filter(|k| !k.trim().is_empty())
        .map(catalogue)
        .transpose()?;
    let list = state
        .services
        .dictionary_list(&actor, kind, !q.all.unwrap_or(false))
        .await?;
    Ok(Json(list.iter().map(DictionaryEntryDto::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/dictionary/{kind}/{code}", tag = "dictionary",
    params(("kind" = String, Path), ("code" = String, Path, description = "Lowercase ASCII letters, digits and underscores")),
    request_body = NewEntryRequest,
    responses((status = 201, body = DictionaryEntryDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "The code exists", body = ErrorBody)))]
pub async fn add_entry(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((kind, code)): ApiPath<(String, String)>,
    ApiJson(req): ApiJson<NewEntryRequest>,
) -> ApiResult<(StatusCode, Json<DictionaryEntryDto>)> {
    let kind = catalogue(&kind)?;
    let e = state
        .services
        .dictionary_add(
            &actor,
            kind,
            NewEntry {
                code,
                label: req.label,
                position: req.position,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(DictionaryEntryDto::from(&e))))
}

#[utoipa::path(patch, path = "/api/v1/dictionary/{kind}/{code}", tag = "dictionary",
    params(("kind" = String, Path), ("code" = String, Path)),
    request_body = EntryPatch,
    responses((status = 200, body = DictionaryEntryDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn edit_entry(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((kind, code)): ApiPath<(String, String)>,
    ApiJson(req): ApiJson<EntryPatch>,
) -> ApiResult<Json<DictionaryEntryDto>> {
    let kind = catalogue(&kind)?;
    let e = state
        .services
        .dictionary_edit(
            &actor,
            kind,
            code,
            EntryChanges {
                label: req.label,
                position: req.position,
                active: req.active,
            },
        )
        .await?;
    Ok(Json(DictionaryEntryDto::from(&e)))
}
