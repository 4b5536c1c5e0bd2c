//! A household's monthly incomes.

use super::*;
use crate::api::{ApiJson, ApiPath, ApiResult};
use crate::auth::ApiActor;
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use bangfu_domain::household::{HouseholdId, MonthlyIncome};
use bangfu_domain::{Fen, Month, ValidationError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One month of a household's income and rigid expenditure, in fen.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncomeDto {
    /// YYYY-MM
    pub month: String,
    #[serde(default)]
    pub wages_fen: i64,
    #[serde(default)]
    pub business_fen: i64,
    #[serde(default)]
    pub property_fen: i64,
    /// Pensions, benefits, 低保 payments and other transfers.
    #[serde(default)]
    pub transfer_fen: i64,
    /// Out-of-pocket medical costs (rigid expenditure).
    #[serde(default)]
    pub medical_fen: i64,
    #[serde(default)]
    pub schooling_fen: i64,
    #[serde(default)]
    pub emergency_fen: i64,
    /// Disposable income of the month: wages + business + property +
    /// transfer. Read-only: a request carrying it is refused, so a month is
    /// never recorded as zero income by mistake.
    #[serde(default)]
    #[schema(read_only)]
    pub income_fen: i64,
    /// Rigid expenditure of the month: medical + schooling + emergency.
    /// Read-only, like `income_fen`.
    #[serde(default)]
    #[schema(read_only)]
    pub rigid_expenditure_fen: i64,
}

impl IncomeDto {
    pub(crate) fn parse(&self) -> Result<MonthlyIncome, ApiError> {
        for (field, value) in [
            ("income_fen", self.income_fen),
            ("rigid_expenditure_fen", self.rigid_expenditure_fen),
        ] {
            if value != 0 {
                return Err(invalid(ValidationError::new(
                    field,
                    format!("{field} 是按各项收入/支出算出的合计，只读；请填写各项金额"),
                )));
            }
        }
        let m = MonthlyIncome {
            month: Month::parse("incomes", &self.month).map_err(invalid)?,
            wages: Fen(self.wages_fen),
            business: Fen(self.business_fen),
            property: Fen(self.property_fen),
            transfer: Fen(self.transfer_fen),
            medical: Fen(self.medical_fen),
            schooling: Fen(self.schooling_fen),
            emergency: Fen(self.emergency_fen),
        };
        m.validate().map_err(invalid)
    }
}

impl From<&MonthlyIncome> for IncomeDto {
    fn from(i: &MonthlyIncome) -> Self {
        Self {
            month: i.month.to_string(),
            wages_fen: i.wages.0,
            business_fen: i.business.0,
            property_fen: i.property.0,
            transfer_fen: i.transfer.0,
            medical_fen: i.medical.0,
            schooling_fen: i.schooling.0,
            emergency_fen: i.emergency.0,
            income_fen: i.income().0,
            rigid_expenditure_fen: i.rigid().0,
        }
    }
}

pub(crate) fn parse_incomes(list: &[IncomeDto]) -> Result<Vec<MonthlyIncome>, ApiError> {
    list.iter().map(IncomeDto::parse).collect()
}

#[utoipa::path(get, path = "/api/v1/households/{id}/incomes", tag = "households", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<IncomeDto>), (status = 404, body = ErrorBody)))]
pub async fn get_incomes(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<IncomeDto>>> {
    let d = state
        .services
        .household_get(&actor, HouseholdId(id))
        .await?;
    Ok(Json(d.incomes.iter().map(IncomeDto::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveIncomesRequest {
    /// The household's version as read; a stale one is refused with 409.
    pub version: i64,
    /// Months to record (replacing those already recorded).
    #[serde(default)]
    pub months: Vec<IncomeDto>,
    /// Months (YYYY-MM) to remove.
    #[serde(default)]
    pub remove: Vec<String>,
}

#[utoipa::path(put, path = "/api/v1/households/{id}/incomes", tag = "households", params(("id" = i64, Path)),
    request_body = SaveIncomesRequest,
    responses((status = 200, body = HouseholdDto), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn save_incomes(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<SaveIncomesRequest>,
) -> ApiResult<Json<HouseholdDto>> {
    let months = parse_incomes(&req.months)?;
    let remove = req
        .remove
        .iter()
        .map(|m| Month::parse("remove", m))
        .collect::<Result<Vec<_>, _>>()
        .map_err(invalid)?;
    let h = state
        .services
        .household_save_incomes(&actor, HouseholdId(id), req.version, months, remove)
        .await?;
    Ok(Json(HouseholdDto::from(&h)))
}
