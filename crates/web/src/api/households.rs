//! API: household files, monthly incomes, lines and parameters, and the
//! stateless calculators (identification, exit, ID numbers).

use super::{ApiJson, ApiPath, ApiQuery, ApiResult, PageDto};
use crate::auth::ApiActor;
use crate::error::{ApiError, ErrorBody};
use crate::view::{api_time, division_name};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use bangfu_domain::exit;
use bangfu_domain::household::{
    Cohort, Decision, HardshipCause, HouseholdId, Member, MonthlyIncome, Status, Tier,
};
use bangfu_domain::id_number::mask_phone;
use bangfu_domain::identification::{self, Category, Identification, Params};
use bangfu_domain::{Fen, IdNumber, Month, ValidationError};
use bangfu_service::{
    Household, HouseholdDetail, HouseholdFilter, HouseholdInput, HouseholdSort, LineInput,
    MemberInput, PageRequest, ServiceError,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/households", get(list_households).post(create_household))
        .route("/households/reidentify", post(reidentify))
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

// ---------- shapes ----------

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct MemberRequest {
    pub name: String,
    /// 18-character resident ID number; blank for someone without one yet.
    #[serde(default)]
    pub id_number: String,
    /// spouse, child, parent, parent_in_law, sibling, grandchild, grandparent, other (or the Chinese label).
    pub relation: String,
    /// healthy, chronic, serious, disabled.
    pub health: String,
    /// 1–4, only when health is disabled.
    #[serde(default)]
    pub disability_grade: Option<i32>,
    /// not_in_school, preschool, primary, junior, senior, college, bachelor, graduate.
    #[serde(default = "not_in_school")]
    pub schooling: String,
    /// employed, flexible, unemployed, laid_off, retired, not_working.
    pub employment: String,
    /// The member's own monthly income, in fen.
    #[serde(default)]
    pub income_fen: i64,
}

fn not_in_school() -> String {
    "not_in_school".into()
}

/// A file as sent by a script. Codes or Chinese labels are accepted for the coded fields.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct HouseholdRequest {
    /// The filing union (in the caller's scope); the caller's own when absent.
    #[serde(default)]
    pub union_id: Option<i64>,
    pub worker_name: String,
    /// Required when filing; on PUT, blank or the masked value keeps the stored number.
    #[serde(default)]
    pub worker_id_number: String,
    pub phone: String,
    pub address: String,
    /// GB/T 2260 code of the worker's region; the filing union's when blank.
    #[serde(default)]
    pub division_code: String,
    #[serde(default)]
    pub employer: String,
    /// state_owned, collective, private, foreign, institution, social_org, self_employed, other.
    pub employer_kind: String,
    pub employment: String,
    /// full, partial, none.
    pub labour_capacity: String,
    pub health: String,
    #[serde(default)]
    pub disability_grade: Option<i32>,
    #[serde(default)]
    pub migrant: bool,
    #[serde(default)]
    pub zero_employment: bool,
    #[serde(default)]
    pub closure_laid_off: bool,
    #[serde(default)]
    pub trade_friction: bool,
    /// illness, disability, disaster, accident, schooling, unemployment, entitlements, low_wage, other.
    pub causes: Vec<String>,
    /// dibao, near_dibao, sudden.
    pub category: String,
    /// national, local.
    pub tier: String,
    /// YYYY-MM-DD; today when absent.
    #[serde(default)]
    pub filed_on: String,
    /// YYYY-MM from which the household receives 低保; absent: not on 低保.
    #[serde(default)]
    pub dibao_since: Option<String>,
    #[serde(default)]
    pub other_relief_since: Option<String>,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub members: Vec<MemberRequest>,
    /// Months recorded with the filing (POST only).
    #[serde(default)]
    pub incomes: Vec<IncomeDto>,
    /// The version read before editing (PUT only): a stale one is refused with 409.
    #[serde(default)]
    pub version: Option<i64>,
}

impl HouseholdRequest {
    pub(super) fn input(&self) -> HouseholdInput {
        HouseholdInput {
            union_id: self.union_id,
            worker_name: self.worker_name.clone(),
            worker_id_number: self.worker_id_number.clone(),
            phone: self.phone.clone(),
            address: self.address.clone(),
            division_code: self.division_code.clone(),
            employer: self.employer.clone(),
            employer_kind: self.employer_kind.clone(),
            employment: self.employment.clone(),
            labour_capacity: self.labour_capacity.clone(),
            health: self.health.clone(),
            disability_grade: self.disability_grade,
            migrant: self.migrant,
            zero_employment: self.zero_employment,
            closure_laid_off: self.closure_laid_off,
            trade_friction: self.trade_friction,
            causes: self.causes.clone(),
            category: self.category.clone(),
            tier: self.tier.clone(),
            filed_on: self.filed_on.clone(),
            dibao_since: self.dibao_since.clone().unwrap_or_default(),
            other_relief_since: self.other_relief_since.clone().unwrap_or_default(),
            notes: self.notes.clone(),
            members: self
                .members
                .iter()
                .map(|m| MemberInput {
                    name: m.name.clone(),
                    id_number: m.id_number.clone(),
                    relation: m.relation.clone(),
                    health: m.health.clone(),
                    disability_grade: m.disability_grade,
                    schooling: m.schooling.clone(),
                    employment: m.employment.clone(),
                    income: Fen(m.income_fen),
                })
                .collect(),
        }
    }
}

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
    /// Disposable income of the month (read-only: wages + business + property + transfer).
    #[serde(default, skip_deserializing)]
    pub income_fen: i64,
    /// Rigid expenditure of the month (read-only: medical + schooling + emergency).
    #[serde(default, skip_deserializing)]
    pub rigid_expenditure_fen: i64,
}

impl IncomeDto {
    fn parse(&self) -> Result<MonthlyIncome, ApiError> {
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

pub(super) fn parse_incomes(list: &[IncomeDto]) -> Result<Vec<MonthlyIncome>, ApiError> {
    list.iter().map(IncomeDto::parse).collect()
}

/// A file in a list: ID number and phone masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdDto {
    pub id: i64,
    pub file_no: String,
    pub union_id: i64,
    pub union_name: String,
    /// on_file, exited (脱困), relieved (解困), removed (退出), closed.
    pub status: String,
    pub worker_name: String,
    /// First 4 and last 4 characters; see POST /households/{id}/reveal.
    pub worker_id_number: String,
    pub phone: String,
    /// male, female (from the ID number).
    pub sex: String,
    pub birth_date: Option<String>,
    pub address: String,
    pub division_code: String,
    pub division_name: String,
    pub employer: String,
    pub employer_kind: String,
    pub employment: String,
    pub labour_capacity: String,
    pub health: String,
    pub disability_grade: Option<i32>,
    pub migrant: bool,
    pub zero_employment: bool,
    pub closure_laid_off: bool,
    pub trade_friction: bool,
    pub causes: Vec<String>,
    pub category: String,
    pub tier: String,
    /// baseline (存量) or incremental (增量库), from the filing date and the cut-off.
    pub cohort: String,
    pub filed_on: String,
    pub dibao_since: Option<String>,
    pub other_relief_since: Option<String>,
    pub notes: String,
    /// Worker and members.
    pub size: i32,
    /// eligible, not_eligible, insufficient: the latest identification.
    pub decision: String,
    pub decision_condition: Option<i32>,
    /// Send back on PUT.
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    /// Where the file stands on its way out of hardship (issue 5).
    pub leaving: LeavingDto,
}

/// Exit, follow-up, relapse and reopening of a file (DOMAIN.md §5).
/// `status` above says where the file stands: on_file, exited, relieved, removed, closed.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeavingDto {
    /// The day the approved exit, relief or removal took effect.
    pub left_on: Option<String>,
    /// An exited household is followed until this day.
    pub follow_until: Option<String>,
    /// The exit standard is met (monthly run): the suggested pathway code.
    pub ready_pathway: Option<String>,
    /// The relief standard is met (monthly run).
    pub relief_ready: bool,
    /// 返困: flagged on this day, and why.
    pub relapse_on: Option<String>,
    pub relapse_reason: Option<String>,
    /// The exited file this one reopens.
    pub previous_id: Option<i64>,
    /// The file that reopened this one after a relapse.
    pub reopened_id: Option<i64>,
}

impl From<&Household> for LeavingDto {
    fn from(h: &Household) -> Self {
        let l = &h.leaving;
        Self {
            left_on: l.left_on.map(|d| d.to_string()),
            follow_until: l.follow_until.map(|d| d.to_string()),
            ready_pathway: l.ready_pathway.clone(),
            relief_ready: l.relief_ready,
            relapse_on: l.relapse_on.map(|d| d.to_string()),
            relapse_reason: l.relapse_reason.clone(),
            previous_id: l.previous_id.map(|i| i.0),
            reopened_id: l.reopened_id.map(|i| i.0),
        }
    }
}

impl From<&Household> for HouseholdDto {
    fn from(h: &Household) -> Self {
        let d = &h.data;
        Self {
            id: h.id.0,
            file_no: h.file_no.clone(),
            union_id: h.union_id.0,
            union_name: h.union_name.clone(),
            status: h.status.code().into(),
            worker_name: d.worker_name.clone(),
            worker_id_number: d.worker_id_number.masked(),
            phone: mask_phone(&d.phone),
            sex: h.worker_sex.code().into(),
            birth_date: h.worker_birth_date.map(|b| b.to_string()),
            address: d.address.clone(),
            division_code: d.division_code.clone(),
            division_name: division_name(&d.division_code),
            employer: d.employer.clone(),
            employer_kind: d.employer_kind.code().into(),
            employment: d.employment.code().into(),
            labour_capacity: d.labour_capacity.code().into(),
            health: d.health.code().into(),
            disability_grade: d.disability_grade,
            migrant: d.migrant,
            zero_employment: d.zero_employment,
            closure_laid_off: d.closure_laid_off,
            trade_friction: d.trade_friction,
            causes: d.causes.iter().map(|c| c.code().to_owned()).collect(),
            category: d.category.code().into(),
            tier: d.tier.code().into(),
            cohort: h.cohort.code().into(),
            filed_on: d.filed_on.to_string(),
            dibao_since: d.dibao_since.map(|m| m.to_string()),
            other_relief_since: d.other_relief_since.map(|m| m.to_string()),
            notes: d.notes.clone(),
            size: h.size,
            decision: h.decision.code().into(),
            decision_condition: h.decision_condition,
            version: h.version,
            created_at: api_time(&h.created_at),
            updated_at: api_time(&h.updated_at),
            leaving: LeavingDto::from(h),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberDto {
    pub name: String,
    /// Masked.
    pub id_number: Option<String>,
    pub sex: Option<String>,
    pub birth_date: Option<String>,
    pub relation: String,
    pub health: String,
    pub disability_grade: Option<i32>,
    pub schooling: String,
    pub employment: String,
    pub income_fen: i64,
}

impl From<&Member> for MemberDto {
    fn from(m: &Member) -> Self {
        Self {
            name: m.name.clone(),
            id_number: m.id_number.as_ref().map(IdNumber::masked),
            sex: m.id_number.as_ref().map(|i| i.sex().code().to_owned()),
            birth_date: m
                .id_number
                .as_ref()
                .and_then(IdNumber::birth_date)
                .map(|d| d.to_string()),
            relation: m.relation.code().into(),
            health: m.health.code().into(),
            disability_grade: m.disability_grade,
            schooling: m.schooling.code().into(),
            employment: m.employment.code().into(),
            income_fen: m.income.0,
        }
    }
}

/// One month as the decision used it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MonthUsedDto {
    pub month: String,
    pub income_fen: i64,
    pub rigid_expenditure_fen: i64,
    /// Rounded down to the fen, for display; the decision compares exact totals.
    pub per_capita_income_fen: i64,
    pub actual_per_capita_fen: i64,
    pub dibao_line_fen: i64,
    pub low_income_line_fen: i64,
    /// The low-income line was not set and is 1.5 × 低保.
    pub low_income_line_defaulted: bool,
}

/// The answer of DOMAIN.md §4 for a household.
#[derive(Debug, Serialize, ToSchema)]
pub struct IdentificationDto {
    pub eligible: bool,
    /// 1–4: the first condition met.
    pub condition: Option<u8>,
    /// A migrant household that met a condition (filed under condition 5 too).
    pub migrant: bool,
    pub insufficient_data: bool,
    /// dibao, near_dibao, sudden (only when eligible).
    pub category: Option<String>,
    pub window: Vec<String>,
    /// In Chinese: the condition met, or why each failed, or what is missing.
    pub reasons: Vec<String>,
    /// Condition 1: below the line but not on 低保 — refer to civil affairs.
    pub refer_for_dibao: bool,
    pub window_months: u32,
    pub multiple_k: u32,
    pub months: Vec<MonthUsedDto>,
}

impl From<&Identification> for IdentificationDto {
    fn from(i: &Identification) -> Self {
        Self {
            eligible: i.eligible,
            condition: i.condition,
            migrant: i.migrant,
            insufficient_data: i.insufficient_data,
            category: i.category.map(|c| c.code().to_owned()),
            window: i.window.iter().map(|m| m.to_string()).collect(),
            reasons: i.reasons.clone(),
            refer_for_dibao: i.refer_for_dibao,
            window_months: i.params.window_months,
            multiple_k: i.params.multiple_k,
            months: i
                .months
                .iter()
                .map(|m| MonthUsedDto {
                    month: m.month.to_string(),
                    income_fen: m.income.0,
                    rigid_expenditure_fen: m.rigid_expenditure.0,
                    per_capita_income_fen: m.per_capita_income.0,
                    actual_per_capita_fen: m.actual_per_capita.0,
                    dibao_line_fen: m.dibao_line.0,
                    low_income_line_fen: m.low_income_line.0,
                    low_income_line_defaulted: m.low_income_line_defaulted,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdDetailDto {
    pub household: HouseholdDto,
    pub members: Vec<MemberDto>,
    pub incomes: Vec<IncomeDto>,
    pub identification: IdentificationDto,
    pub baseline_cutoff: String,
    /// The exit standard (脱困) on the recorded months.
    pub exit: FileExitDto,
}

/// The exit standard (DOMAIN.md §5) evaluated on a file's recorded months,
/// each against the line in force that month, over the region's `N`. Only
/// the income test is decided: the causes of hardship are for an officer to
/// confirm, and the reasons say so.
#[derive(Debug, Serialize, ToSchema)]
pub struct FileExitDto {
    /// Every month of a full window is above its line (pending the
    /// officer's confirmation that the causes are removed).
    pub meets_standard: bool,
    /// Fewer than N consecutive months end with the latest month on record.
    pub insufficient_data: bool,
    pub window_months: u32,
    /// The latest N consecutive months, ascending (fewer when data is insufficient).
    pub window: Vec<ExitMonthDto>,
    /// In Chinese: the standard met or each month that failed, then the confirmation still due.
    pub reasons: Vec<String>,
}

impl From<&exit::ExitEvaluation> for FileExitDto {
    fn from(e: &exit::ExitEvaluation) -> Self {
        let all = ExitEvaluationDto::from(e);
        Self {
            meets_standard: all.meets_standard,
            insufficient_data: all.insufficient_data,
            window_months: all.window_months,
            window: all.window,
            reasons: all.reasons,
        }
    }
}

impl From<&HouseholdDetail> for HouseholdDetailDto {
    fn from(d: &HouseholdDetail) -> Self {
        Self {
            household: HouseholdDto::from(&d.household),
            members: d.members.iter().map(MemberDto::from).collect(),
            incomes: d.incomes.iter().map(IncomeDto::from).collect(),
            identification: IdentificationDto::from(&d.identification),
            baseline_cutoff: d.params.baseline_cutoff.to_string(),
            exit: FileExitDto::from(&d.exit),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct HouseholdQuery {
    /// A name (part of it), a full ID number (worker or member), or the start of an ID or file number.
    pub q: Option<String>,
    /// on_file, closed
    pub status: Option<String>,
    /// dibao, near_dibao, sudden
    pub category: Option<String>,
    /// national, local
    pub tier: Option<String>,
    /// baseline, incremental
    pub cohort: Option<String>,
    /// a hardship cause code
    pub cause: Option<String>,
    pub migrant: Option<bool>,
    /// eligible, not_eligible, insufficient
    pub decision: Option<String>,
    /// Only this union's subtree.
    pub union_id: Option<i64>,
    /// A region: files whose division code lies in it (e.g. 440100).
    pub region: Option<String>,
    /// YYYY-MM-DD
    pub filed_from: Option<String>,
    pub filed_until: Option<String>,
    /// filed_desc (default), filed_asc, file_no, name, updated_desc
    pub sort: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

fn opt<T>(
    raw: &Option<String>,
    parse: impl Fn(&str) -> Result<T, ValidationError>,
) -> Result<Option<T>, ValidationError> {
    raw.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(parse)
        .transpose()
}

/// The prefix of division codes inside a region: `440000` → `44`, `440100` → `4401`.
pub fn region_prefix(code: &str) -> Result<String, ValidationError> {
    let d = bangfu_domain::division::DivisionCode::parse(code)
        .map_err(|e| ValidationError::new("region", e.message))?;
    let s = d.as_str();
    Ok(if s == bangfu_domain::division::NATIONAL {
        String::new()
    } else if s.ends_with("0000") {
        s[..2].to_owned()
    } else if s.ends_with("00") {
        s[..4].to_owned()
    } else {
        s.to_owned()
    })
}

impl HouseholdQuery {
    /// The filter as the service takes it; shared by the list page and the export.
    pub fn filter(&self) -> Result<HouseholdFilter, ValidationError> {
        let date = |field: &'static str, v: &Option<String>| {
            opt(v, |s| {
                chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .map_err(|_| ValidationError::new(field, "日期应为 YYYY-MM-DD"))
            })
        };
        Ok(HouseholdFilter {
            q: self.q.clone(),
            status: opt(&self.status, Status::parse)?,
            category: opt(&self.category, Category::parse)?,
            tier: opt(&self.tier, Tier::parse)?,
            cohort: opt(&self.cohort, Cohort::parse)?,
            cause: opt(&self.cause, HardshipCause::parse)?,
            migrant: self.migrant,
            decision: opt(&self.decision, Decision::parse)?,
            union_path: None,
            division_prefix: opt(&self.region, region_prefix)?,
            filed_from: date("filed_from", &self.filed_from)?,
            filed_until: date("filed_until", &self.filed_until)?,
            sort: self
                .sort
                .as_deref()
                .and_then(HouseholdSort::parse)
                .unwrap_or_default(),
        })
    }
}

// ---------- handlers ----------

#[utoipa::path(get, path = "/api/v1/households", tag = "households", params(HouseholdQuery),
    responses((status = 200, body = PageDto<HouseholdDto>), (status = 400, body = ErrorBody)))]
pub async fn list_households(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<HouseholdQuery>,
) -> ApiResult<Json<PageDto<HouseholdDto>>> {
    let filter = q.filter().map_err(invalid)?;
    let page = state
        .services
        .household_list(
            &actor,
            filter,
            q.union_id,
            PageRequest::new(q.page, q.per_page),
        )
        .await?;
    Ok(Json(PageDto::from_page(&page, |h| HouseholdDto::from(h))))
}

#[utoipa::path(post, path = "/api/v1/households", tag = "households", request_body = HouseholdRequest,
    responses((status = 201, body = HouseholdDto), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_household(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<HouseholdRequest>,
) -> ApiResult<(StatusCode, Json<HouseholdDto>)> {
    let incomes = parse_incomes(&req.incomes)?;
    let h = state
        .services
        .household_create(&actor, req.input(), incomes)
        .await?;
    Ok((StatusCode::CREATED, Json(HouseholdDto::from(&h))))
}

#[utoipa::path(get, path = "/api/v1/households/{id}", tag = "households", params(("id" = i64, Path)),
    responses((status = 200, body = HouseholdDetailDto), (status = 404, body = ErrorBody)))]
pub async fn get_household(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<HouseholdDetailDto>> {
    let d = state
        .services
        .household_get(&actor, HouseholdId(id))
        .await?;
    Ok(Json(HouseholdDetailDto::from(&d)))
}

#[utoipa::path(put, path = "/api/v1/households/{id}", tag = "households", params(("id" = i64, Path)),
    request_body = HouseholdRequest,
    responses((status = 200, body = HouseholdDto), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_household(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<HouseholdRequest>,
) -> ApiResult<Json<HouseholdDto>> {
    let version = req.version.ok_or_else(|| {
        invalid(ValidationError::new(
            "version",
            "请提供读取档案时的 version",
        ))
    })?;
    // Say so rather than silently ignore what an edit cannot change.
    if !req.incomes.is_empty() {
        return Err(invalid(ValidationError::new(
            "incomes",
            "修改档案时不能录入月收入，请用 PUT /api/v1/households/{id}/incomes",
        )));
    }
    if req.union_id.is_some() {
        return Err(invalid(ValidationError::new(
            "union_id",
            "建档工会不能在修改档案时更改",
        )));
    }
    let h = state
        .services
        .household_update(&actor, HouseholdId(id), version, req.input())
        .await?;
    Ok(Json(HouseholdDto::from(&h)))
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

#[derive(Debug, Deserialize, ToSchema)]
pub struct RevealRequest {
    /// Why the full numbers are needed; recorded in the audit log.
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RevealedMemberDto {
    pub name: String,
    pub id_number: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RevealResponse {
    pub worker_id_number: String,
    pub phone: String,
    pub members: Vec<RevealedMemberDto>,
}

#[utoipa::path(post, path = "/api/v1/households/{id}/reveal", tag = "households", params(("id" = i64, Path)),
    request_body = RevealRequest,
    responses((status = 200, body = RevealResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn reveal(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<RevealRequest>,
) -> ApiResult<Json<RevealResponse>> {
    let r = state
        .services
        .household_reveal(&actor, HouseholdId(id), &req.reason)
        .await?;
    Ok(Json(RevealResponse {
        worker_id_number: r.worker_id_number,
        phone: r.phone,
        members: r
            .members
            .into_iter()
            .map(|(name, id_number)| RevealedMemberDto { name, id_number })
            .collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReidentifyResponse {
    pub evaluated: usize,
    pub changed: usize,
}

#[utoipa::path(post, path = "/api/v1/households/reidentify", tag = "households",
    responses((status = 200, body = ReidentifyResponse), (status = 403, body = ErrorBody)))]
pub async fn reidentify(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Json<ReidentifyResponse>> {
    let (evaluated, changed) = state.services.households_reidentify(&actor).await?;
    Ok(Json(ReidentifyResponse { evaluated, changed }))
}

// ---------- lines and parameters ----------

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineDto {
    pub division_code: String,
    /// YYYY-MM: in force from this month until the next line of the region.
    pub effective_month: String,
    /// 低保标准, fen per person per month.
    pub dibao_line_fen: i64,
    /// 低收入家庭标准; absent: 1.5 × 低保.
    #[serde(default)]
    pub low_income_line_fen: Option<i64>,
    #[serde(default, skip_deserializing)]
    pub division_name: String,
    #[serde(default, skip_deserializing)]
    pub updated_at: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/lines", tag = "lines",
    responses((status = 200, body = Vec<LineDto>)))]
pub async fn list_lines(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> ApiResult<Json<Vec<LineDto>>> {
    let lines = state.services.lines_list(&actor).await?;
    Ok(Json(
        lines
            .iter()
            .map(|s| LineDto {
                division_name: division_name(&s.line.division_code),
                division_code: s.line.division_code.clone(),
                effective_month: s.line.effective.to_string(),
                dibao_line_fen: s.line.dibao_line.0,
                low_income_line_fen: s.line.low_income_line.map(|f| f.0),
                updated_at: Some(api_time(&s.updated_at)),
            })
            .collect(),
    ))
}

#[utoipa::path(put, path = "/api/v1/lines", tag = "lines", request_body = LineDto,
    responses((status = 200, body = LineDto), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_line(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<LineDto>,
) -> ApiResult<Json<LineDto>> {
    let line = state
        .services
        .line_set(
            &actor,
            LineInput {
                division_code: req.division_code,
                effective_month: req.effective_month,
                dibao_line: Fen(req.dibao_line_fen),
                low_income_line: req.low_income_line_fen.map(Fen),
            },
        )
        .await?;
    Ok(Json(LineDto {
        division_name: division_name(&line.division_code),
        division_code: line.division_code,
        effective_month: line.effective.to_string(),
        dibao_line_fen: line.dibao_line.0,
        low_income_line_fen: line.low_income_line.map(|f| f.0),
        updated_at: None,
    }))
}

#[utoipa::path(delete, path = "/api/v1/lines/{division_code}/{month}", tag = "lines",
    params(("division_code" = String, Path), ("month" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_line(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((code, month)): ApiPath<(String, String)>,
) -> ApiResult<StatusCode> {
    state.services.line_delete(&actor, &code, &month).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParamsDto {
    pub division_code: String,
    /// N: consecutive months the rule looks at (default 6).
    pub window_months: u32,
    /// K: condition 4's multiple of the 低保 line (default 5).
    pub multiple_k: u32,
    /// Files made on or before this date are the baseline cohort (default 2016-10-31).
    pub baseline_cutoff: String,
    /// Where the values come from: this region, an ancestor, or null for the defaults.
    #[serde(default, skip_deserializing)]
    pub source: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ParamsQuery {
    /// The region (the caller's union's when absent).
    pub division_code: Option<String>,
}

fn params_dto(v: bangfu_service::ParamsView) -> ParamsDto {
    ParamsDto {
        division_code: v.division_code,
        window_months: v.params.params.window_months,
        multiple_k: v.params.params.multiple_k,
        baseline_cutoff: v.params.baseline_cutoff.to_string(),
        source: v.source,
    }
}

#[utoipa::path(get, path = "/api/v1/params", tag = "lines", params(ParamsQuery),
    responses((status = 200, body = ParamsDto)))]
pub async fn get_params(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<ParamsQuery>,
) -> ApiResult<Json<ParamsDto>> {
    let v = state.services.params_get(&actor, q.division_code).await?;
    Ok(Json(params_dto(v)))
}

#[utoipa::path(put, path = "/api/v1/params", tag = "lines", request_body = ParamsDto,
    responses((status = 200, body = ParamsDto), (status = 400, body = ErrorBody)))]
pub async fn set_params(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<ParamsDto>,
) -> ApiResult<Json<ParamsDto>> {
    let cutoff = chrono::NaiveDate::parse_from_str(req.baseline_cutoff.trim(), "%Y-%m-%d")
        .map_err(|_| {
            invalid(ValidationError::new(
                "baseline_cutoff",
                "日期应为 YYYY-MM-DD",
            ))
        })?;
    let v = state
        .services
        .params_set(
            &actor,
            &req.division_code,
            Params {
                window_months: req.window_months,
                multiple_k: req.multiple_k,
            },
            cutoff,
        )
        .await?;
    Ok(Json(params_dto(v)))
}

// ---------- stateless calculators ----------

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluateParams {
    #[serde(default = "default_window")]
    pub window_months: i64,
    #[serde(default = "default_k")]
    pub multiple_k: i64,
}

fn default_window() -> i64 {
    i64::from(Params::default().window_months)
}

fn default_k() -> i64 {
    i64::from(Params::default().multiple_k)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
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

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluateRequest {
    pub household_size: i64,
    #[serde(default)]
    pub on_dibao: bool,
    #[serde(default)]
    pub migrant: bool,
    #[serde(default)]
    pub params: Option<EvaluateParams>,
    /// In any order; the latest N consecutive months are the window.
    pub months: Vec<EvaluateMonth>,
}

impl EvaluateRequest {
    pub fn parse(&self) -> Result<(identification::Household, Params), ValidationError> {
        let size = parse_household_size(self.household_size)?;
        let params = match &self.params {
            None => Params::default(),
            Some(p) => Params {
                window_months: u32::try_from(p.window_months).map_err(|_| {
                    ValidationError::new("window_months", "连续月数应为 1–36 之间的整数")
                })?,
                multiple_k: u32::try_from(p.multiple_k)
                    .map_err(|_| ValidationError::new("multiple_k", "倍数应为 1–20 之间的整数"))?,
            }
            .validate()?,
        };
        let months = parse_months(&self.months)?;
        Ok((
            identification::Household {
                size,
                on_dibao: self.on_dibao,
                migrant: self.migrant,
                months,
            },
            params,
        ))
    }
}

/// 1–50 people, as the calculators accept.
fn parse_household_size(raw: i64) -> Result<u32, ValidationError> {
    u32::try_from(raw)
        .ok()
        .filter(|s| (1..=50).contains(s))
        .ok_or_else(|| ValidationError::new("household_size", "家庭人口数应为 1–50 之间的整数"))
}

/// The calculators' months, each checked; errors name `months` and the index.
fn parse_months(
    months: &[EvaluateMonth],
) -> Result<Vec<identification::MonthFigures>, ValidationError> {
    if months.len() > 600 {
        return Err(ValidationError::new("months", "月份不能超过 600 个"));
    }
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

#[utoipa::path(post, path = "/api/v1/identification/evaluate", tag = "calculators", security(()),
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

/// The exit calculator's input: the identification calculator's months plus
/// whether the causes of hardship are removed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExitEvaluateRequest {
    pub household_size: i64,
    /// The officer confirms the causes of hardship are removed.
    pub causes_removed: bool,
    /// `N`, 1–36; absent: 6.
    #[serde(default)]
    pub window_months: Option<i64>,
    /// Same format as `/api/v1/identification/evaluate`, in any order; the
    /// latest N consecutive months are the window.
    pub months: Vec<EvaluateMonth>,
}

impl ExitEvaluateRequest {
    pub fn parse(&self) -> Result<(exit::Household, u32), ValidationError> {
        let size = parse_household_size(self.household_size)?;
        let window_months = match self.window_months {
            None => exit::DEFAULT_WINDOW_MONTHS,
            Some(n) => exit::validate_window(u32::try_from(n).map_err(|_| {
                ValidationError::new("window_months", "连续月数应为 1–36 之间的整数")
            })?)?,
        };
        let months = parse_months(&self.months)?;
        Ok((exit::Household { size, months }, window_months))
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

/// The exit standard of DOMAIN.md §5 for a household (脱困).
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
