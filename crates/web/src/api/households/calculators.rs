//! The stateless calculators anyone may call: identification, leaving and
//! ID-number validation.

use super::*;
use crate::api::{ApiJson, ApiResult};
use crate::error::ErrorBody;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use bangfu_domain::identification::{self, Params};
use bangfu_domain::{calculator, exit};
use bangfu_domain::{Fen, IdNumber, Month, ValidationError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The rule's parameters, each optional (the default applies when absent).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = EvaluateParamsRequest)]
pub struct EvaluateParams {
    /// `N`: consecutive months, 1–36; absent: 6.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 36, example = 6)]
    pub window_months: Option<i64>,
    /// `K`: condition 4 admits incomes up to K × the 低保 line, 1–20; absent: 5.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 20, example = 5)]
    pub multiple_k: Option<i64>,
}

/// A window length as given (an integer, checked by the rule that uses it).
fn window_months(n: i64) -> Result<u32, ValidationError> {
    u32::try_from(n)
        .map_err(|_| ValidationError::new("window_months", "连续月数应为 1–36 之间的整数"))
}

/// The parameters of either calculator: the defaults, then what was given.
fn parse_params(p: Option<&EvaluateParams>) -> Result<Params, ValidationError> {
    let Some(p) = p else {
        return Ok(Params::default());
    };
    let d = Params::default();
    Params {
        window_months: p
            .window_months
            .map(window_months)
            .transpose()?
            .unwrap_or(d.window_months),
        multiple_k: match p.multiple_k {
            None => d.multiple_k,
            Some(k) => u32::try_from(k)
                .map_err(|_| ValidationError::new("multiple_k", "倍数应为 1–20 之间的整数"))?,
        },
    }
    .validate()
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = EvaluateMonthRequest)]
pub struct EvaluateMonth {
    /// YYYY-MM
    pub month: String,
    /// Household disposable income of the month, fen.
    pub income_fen: i64,
    /// Rigid (non-living) expenditure of the month, fen.
    #[serde(default)]
    pub rigid_expenditure_fen: i64,
    /// 低保标准 of the month, fen per person.
    pub dibao_line_fen: i64,
    /// 低收入家庭标准 of the month; absent: 1.5 × 低保.
    #[serde(default)]
    pub low_income_line_fen: Option<i64>,
}

/// The identification calculator's input (docs/rules.md §4). The exit
/// calculator (`/api/v1/exit/evaluate`) accepts the same body plus
/// `causes_removed`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "household_size": 3, "on_dibao": false, "migrant": false,
    "params": { "window_months": 6, "multiple_k": 5 },
    "months": [{ "month": "2019-06", "income_fen": 180000, "rigid_expenditure_fen": 20000,
                 "dibao_line_fen": 80000, "low_income_line_fen": 120000 }]
}))]
pub struct EvaluateRequest {
    /// Persons in the household, the worker included.
    pub household_size: i64,
    /// The household receives 低保; absent: false.
    #[serde(default)]
    pub on_dibao: bool,
    /// A migrant-worker household living and working locally (condition 5); absent: false.
    #[serde(default)]
    pub migrant: bool,
    /// The rule's parameters; absent: the defaults (6 months, K = 5).
    #[serde(default)]
    pub params: Option<EvaluateParams>,
    /// In any order; the latest N consecutive months are the window.
    pub months: Vec<EvaluateMonth>,
}

impl EvaluateRequest {
    pub fn parse(&self) -> Result<(identification::Household, Params), ValidationError> {
        parse_household(
            self.household_size,
            self.on_dibao,
            self.migrant,
            self.params.as_ref(),
            &self.months,
        )
    }
}

/// The household and parameters of either calculator's body, with the
/// same checks and the same field names in its errors.
fn parse_household(
    household_size: i64,
    on_dibao: bool,
    migrant: bool,
    params: Option<&EvaluateParams>,
    months: &[EvaluateMonth],
) -> Result<(identification::Household, Params), ValidationError> {
    let size = parse_household_size(household_size)?;
    let params = parse_params(params)?;
    let months = parse_months(months)?;
    Ok((
        identification::Household {
            size,
            on_dibao,
            migrant,
            months,
        },
        params,
    ))
}

/// The household size within the calculators' limits.
pub(crate) fn parse_household_size(raw: i64) -> Result<u32, ValidationError> {
    calculator::household_size(raw).ok_or_else(|| {
        ValidationError::new(
            "household_size",
            format!(
                "家庭人口数应为 1–{} 之间的整数",
                calculator::MAX_HOUSEHOLD_SIZE
            ),
        )
    })
}

/// The calculators' months, each checked; errors name `months` and the index.
pub(crate) fn parse_months(
    months: &[EvaluateMonth],
) -> Result<Vec<identification::MonthFigures>, ValidationError> {
    calculator::check_month_count("months", months.len())?;
    let mut figures = Vec::with_capacity(months.len());
    for (i, m) in months.iter().enumerate() {
        let at = |msg: String| ValidationError::new("months", format!("months[{i}]：{msg}"));
        let month = Month::parse("months", &m.month).map_err(|e| at(e.message))?;
        if m.income_fen < 0 || m.rigid_expenditure_fen < 0 {
            return Err(at("收入和刚性支出不能为负数".into()));
        }
        if m.dibao_line_fen <= 0 || m.low_income_line_fen.is_some_and(|l| l <= 0) {
            return Err(at("低保标准和低收入标准须大于 0".into()));
        }
        figures.push(identification::MonthFigures {
            month,
            income: Fen(m.income_fen),
            rigid_expenditure: Fen(m.rigid_expenditure_fen),
            dibao_line: Fen(m.dibao_line_fen),
            low_income_line: m.low_income_line_fen.map(Fen),
        });
    }
    Ok(figures)
}

#[utoipa::path(post, operation_id = "evaluate_identification", path = "/api/v1/identification/evaluate", tag = "calculators", security(()),
    request_body = EvaluateRequest,
    responses((status = 200, body = IdentificationDto), (status = 400, body = ErrorBody)))]
pub async fn evaluate(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<EvaluateRequest>,
) -> ApiResult<Json<IdentificationDto>> {
    let (household, params) = req.parse().map_err(invalid)?;
    let result = state.services.identify_stateless(&household, params)?;
    Ok(Json(IdentificationDto::from(&result)))
}

/// The exit calculator's input (docs/rules.md §5): the identification
/// calculator's body (`/api/v1/identification/evaluate`, the same fields and
/// checks) plus `causes_removed`, so one household's figures can be sent to
/// both. `N` is `params.window_months` or, as before, a top-level
/// `window_months` (if both are given they must agree). The exit standard
/// does not depend on `on_dibao`, `migrant` or `params.multiple_k`: they are
/// accepted (and checked) so the identification body is not refused.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "household_size": 3, "on_dibao": false, "migrant": false, "causes_removed": true,
    "params": { "window_months": 6, "multiple_k": 5 },
    "months": [{ "month": "2019-06", "income_fen": 260000, "dibao_line_fen": 80000 }]
}))]
pub struct ExitEvaluateRequest {
    /// Persons in the household, the worker included.
    pub household_size: i64,
    /// The officer confirms the causes of hardship are removed.
    pub causes_removed: bool,
    /// As in the identification calculator; does not change the exit standard.
    #[serde(default)]
    pub on_dibao: bool,
    /// As in the identification calculator; does not change the exit standard.
    #[serde(default)]
    pub migrant: bool,
    /// As in the identification calculator: `window_months` is `N`
    /// (absent: 6); `multiple_k` is checked but not used.
    #[serde(default)]
    pub params: Option<EvaluateParams>,
    /// `N`, 1–36; absent: `params.window_months`, else 6. Kept for earlier
    /// callers; must agree with `params.window_months` when both are given.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 36)]
    pub window_months: Option<i64>,
    /// Same format as `/api/v1/identification/evaluate`, in any order; the
    /// latest N consecutive months are the window.
    pub months: Vec<EvaluateMonth>,
}

impl ExitEvaluateRequest {
    pub fn parse(&self) -> Result<(exit::Household, u32), ValidationError> {
        // The identification body's fields, checked the same way; the exit
        // standard reads the size and the months.
        let (household, _) = parse_household(
            self.household_size,
            self.on_dibao,
            self.migrant,
            self.params.as_ref(),
            &self.months,
        )?;
        let in_params = self.params.as_ref().and_then(|p| p.window_months);
        let n = match (self.window_months, in_params) {
            (Some(top), Some(inner)) if top != inner => {
                return Err(ValidationError::new(
                    "window_months",
                    format!(
                    "window_months（{top}）与 params.window_months（{inner}）不一致，请只填写一处"
                ),
                ))
            }
            (top, inner) => top.or(inner),
        };
        let window_months = match n {
            None => exit::DEFAULT_WINDOW_MONTHS,
            Some(n) => exit::validate_window(window_months(n)?)?,
        };
        Ok((
            exit::Household {
                size: household.size,
                months: household.months,
            },
            window_months,
        ))
    }
}

/// One month of the exit window.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExitMonthDto {
    pub month: String,
    pub income_fen: i64,
    /// Rounded down to the fen, for display; the decision compares exact totals.
    pub per_capita_income_fen: i64,
    pub dibao_line_fen: i64,
    /// Per-capita income strictly above the month's 低保 line.
    pub above_line: bool,
}

/// The exit standard of docs/rules.md §5 for a household (脱困).
#[derive(Debug, Serialize, ToSchema)]
pub struct ExitEvaluationDto {
    pub meets_standard: bool,
    pub causes_removed: bool,
    /// Fewer than N consecutive months end with the latest month given.
    pub insufficient_data: bool,
    pub window_months: u32,
    /// The latest N consecutive months, ascending (fewer when data is insufficient).
    pub window: Vec<ExitMonthDto>,
    /// In Chinese: the standard met, or each condition and month that failed.
    pub reasons: Vec<String>,
}

impl From<&exit::ExitEvaluation> for ExitEvaluationDto {
    fn from(e: &exit::ExitEvaluation) -> Self {
        Self {
            meets_standard: e.meets_standard,
            causes_removed: e.causes_removed,
            insufficient_data: e.insufficient_data,
            window_months: e.window_months,
            window: e
                .window
                .iter()
                .map(|m| ExitMonthDto {
                    month: m.month.to_string(),
                    income_fen: m.income.0,
                    per_capita_income_fen: m.per_capita_income.0,
                    dibao_line_fen: m.dibao_line.0,
                    above_line: m.above_line,
                })
                .collect(),
            reasons: e.reasons.clone(),
        }
    }
}

/// The exit calculator (脱困标准, docs/rules.md §5). Takes the body of
/// `/api/v1/identification/evaluate` plus `causes_removed`; the window is
/// `params.window_months` or the top-level `window_months` (default 6).
#[utoipa::path(post, path = "/api/v1/exit/evaluate", tag = "calculators", security(()),
    request_body = ExitEvaluateRequest,
    responses((status = 200, body = ExitEvaluationDto), (status = 400, body = ErrorBody)))]
pub async fn evaluate_exit(
    ApiJson(req): ApiJson<ExitEvaluateRequest>,
) -> ApiResult<Json<ExitEvaluationDto>> {
    let (household, window_months) = req.parse().map_err(invalid)?;
    let result =
        exit::evaluate_exit(&household, req.causes_removed, window_months).map_err(invalid)?;
    Ok(Json(ExitEvaluationDto::from(&result)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ValidateIdRequest {
    pub id_number: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ValidateIdDto)]
pub struct ValidateIdResponse {
    pub valid: bool,
    /// Upper-case X, no spaces.
    pub normalized: Option<String>,
    pub birth_date: Option<String>,
    /// male, female
    pub sex: Option<String>,
    /// Why it is not valid (Chinese).
    pub reason: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/id-numbers/validate", tag = "calculators", security(()),
    request_body = ValidateIdRequest,
    responses((status = 200, body = ValidateIdResponse)))]
pub async fn validate_id(ApiJson(req): ApiJson<ValidateIdRequest>) -> Json<ValidateIdResponse> {
    let today = bangfu_service::today();
    Json(match IdNumber::parse("id_number", &req.id_number, today) {
        Ok(id) => ValidateIdResponse {
            valid: true,
            normalized: Some(id.as_str().to_owned()),
            birth_date: id.birth_date().map(|d| d.to_string()),
            sex: Some(id.sex().code().to_owned()),
            reason: None,
        },
        Err(e) => ValidateIdResponse {
            valid: false,
            normalized: None,
            birth_date: None,
            sex: None,
            reason: Some(e.message),
        },
    })
}
