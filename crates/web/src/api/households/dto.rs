//! The shapes of a household file in the API: requests, answers and the list's query.

use super::*;
use crate::view::{api_time, division_name};
use bangfu_domain::exit;
use bangfu_domain::filing::{ReportState, TierFilter};
use bangfu_domain::household::{Cohort, Decision, HardshipCause, Member, Status};
use bangfu_domain::identification::{Category, Identification};
use bangfu_domain::{Fen, Masked, ValidationError};
use bangfu_service::{
    Household, HouseholdDetail, HouseholdFilter, HouseholdInput, HouseholdSort, MemberInput,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

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

pub(crate) fn not_in_school() -> String {
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
    /// The filing level (建档标准): national, province, city, county or grassroots
    /// (the old `local` is refused: 地方级 is the four levels below national).
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
    pub(crate) fn input(&self) -> HouseholdInput {
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
    /// national, province, city, county or grassroots.
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
    /// Where the file stands in reporting up (上报) to the union of its tier.
    pub report: ReportDto,
}

/// Reporting up (上报) and return (退回), docs/rules.md §2.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportDto {
    /// none (未上报; a grassroots file always), reported (待接收), accepted (已接收) or returned (已退回).
    pub state: String,
    /// The union it was reported to.
    pub union_id: Option<i64>,
    /// The tier it was reported at; changing the file's tier resets the state to none.
    pub tier: Option<String>,
    /// Why it was returned, while returned.
    pub reason: Option<String>,
    /// When the last act (report, accept, return) was.
    pub at: Option<String>,
}

impl From<&Household<Masked>> for ReportDto {
    fn from(h: &Household<Masked>) -> Self {
        let r = &h.report;
        Self {
            state: r.state.code().into(),
            union_id: r.union_id.map(|u| u.0),
            tier: r.tier.map(|t| t.code().into()),
            reason: r.reason.clone(),
            at: r.at.as_ref().map(api_time),
        }
    }
}

/// Exit, follow-up, relapse and reopening of a file (docs/rules.md §5).
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

impl From<&Household<Masked>> for LeavingDto {
    fn from(h: &Household<Masked>) -> Self {
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

impl From<&Household<Masked>> for HouseholdDto {
    fn from(h: &Household<Masked>) -> Self {
        let d = &h.data;
        Self {
            id: h.id.0,
            file_no: h.file_no.clone(),
            union_id: h.union_id.0,
            union_name: h.union_name.clone(),
            status: h.status.code().into(),
            worker_name: d.worker_name.clone(),
            worker_id_number: d.worker_id_number.text.clone(),
            phone: d.phone.clone(),
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
            report: ReportDto::from(h),
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

impl From<&Member<Masked>> for MemberDto {
    fn from(m: &Member<Masked>) -> Self {
        let id = m.id_number.as_ref();
        Self {
            name: m.name.clone(),
            id_number: id.map(|i| i.text.clone()),
            sex: id.map(|i| i.sex.code().to_owned()),
            birth_date: id.and_then(|i| i.birth_date).map(|d| d.to_string()),
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

/// The answer of docs/rules.md §4 for a household.
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
    /// The temporary relief file this file was converted from (转正), if any.
    pub converted_from: Option<i64>,
    /// The file this one was merged into (it is closed then).
    pub merged_into: Option<i64>,
    /// The files merged into this one.
    pub merged_from: Vec<i64>,
    /// A transfer to another union waiting for its answer.
    pub pending_transfer_id: Option<i64>,
}

/// The exit standard (docs/rules.md §5) evaluated on a file's recorded months,
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
            converted_from: d.converted_from.map(|t| t.0),
            merged_into: d.merges.into.as_ref().map(|m| m.0 .0),
            merged_from: d.merges.from.iter().map(|m| m.0 .0).collect(),
            pending_transfer_id: d.pending_transfer.as_ref().map(|t| t.id.0),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct HouseholdQuery {
    /// A name (part of it), a full ID number (worker or member), or the start of an ID or file number.
    pub q: Option<String>,
    /// on_file, exited, relieved, removed or closed; absent: every status
    /// (the 困难职工档案 page shows on_file unless another is chosen).
    pub status: Option<String>,
    /// dibao, near_dibao, sudden
    pub category: Option<String>,
    /// national, province, city, county, grassroots, or local (地方级: the four below national)
    pub tier: Option<String>,
    /// none, reported, accepted or returned (上报状态)
    pub report_state: Option<String>,
    /// true: only the files reported to a union in scope and waiting for it
    /// to accept or return them (待接收的上报档案)
    pub inbox: Option<bool>,
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
    /// Keyset paging: the previous page's `next_after` (with the same sort
    /// and filters); `page` is then ignored. Deep pages of a national list
    /// cost no more than the first.
    pub after: Option<String>,
}

pub(crate) fn opt<T>(
    raw: &Option<String>,
    parse: impl Fn(&str) -> Result<T, ValidationError>,
) -> Result<Option<T>, ValidationError> {
    raw.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(parse)
        .transpose()
}

impl HouseholdQuery {
    /// The filter as the service takes it; shared by the list page and the export.
    pub fn filter(&self) -> Result<HouseholdFilter, ValidationError> {
        let sort = self
            .sort
            .as_deref()
            .and_then(HouseholdSort::parse)
            .unwrap_or_default();
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
            tier: opt(&self.tier, TierFilter::parse)?,
            report_state: opt(&self.report_state, ReportState::parse)?,
            inbox: self.inbox.unwrap_or(false),
            cohort: opt(&self.cohort, Cohort::parse)?,
            cause: opt(&self.cause, HardshipCause::parse)?,
            migrant: self.migrant,
            decision: opt(&self.decision, Decision::parse)?,
            union_path: None,
            division_prefix: opt(&self.region, |code| {
                let region = bangfu_domain::division::DivisionCode::parse(code)
                    .map_err(|e| ValidationError::new("region", e.message))?;
                Ok(region.prefix().to_owned())
            })?,
            filed_from: date("filed_from", &self.filed_from)?,
            filed_until: date("filed_until", &self.filed_until)?,
            sort,
            after: opt(&self.after, |raw| {
                bangfu_service::HouseholdAfter::parse(sort, raw).ok_or_else(|| {
                    ValidationError::new("after", "翻页位置无效：请使用上一页返回的 next_after")
                })
            })?,
        })
    }
}
