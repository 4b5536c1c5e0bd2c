//! API: the province panel (统计报表) and yearly targets (目标任务).
//!
//! Counts are integers, money is whole fen. Dates are `YYYY-MM-DD` (China
//! dates). A union outside the caller's scope answers 404; a bad date or
//! year answers 400 naming the field.

use super::{ApiJson, ApiQuery, ApiResult};
use crate::auth::ApiActor;
use crate::error::ErrorBody;
use crate::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use bangfu_domain::target::{format_share, ShareOrigin};
use bangfu_domain::{UnionId, ValidationError};
use bangfu_service::stats::{
    parse_as_of, parse_year, Count, Figures, Panel, Progress, StatsUnion, TargetLine, Union,
};
use bangfu_service::ServiceError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/stats/panel", get(panel))
        .route("/targets/progress", get(progress))
        .route(
            "/targets",
            axum::routing::put(set_target).delete(clear_target),
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(panel, progress, set_target, clear_target),
    components(schemas(
        PanelDto,
        FindingTotalsDto,
        FiguresDto,
        CountDto,
        TierDto,
        LevelsDto,
        CategoryDto,
        CohortDto,
        DecisionsDto,
        PathwayDto,
        ReasonDto,
        FundsDto,
        ChildFiguresDto,
        TrendPointDto,
        StatsUnionDto,
        ProgressDto,
        TargetLineDto,
        MonthProgressDto,
        ChildProgressDto,
        TargetRequest
    ))
)]
pub struct Doc;

/// Parses `union` of a query: empty for the caller's own union.
pub fn parse_union(raw: Option<&str>) -> Result<Option<UnionId>, ServiceError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .trim_start_matches('#')
            .parse()
            .map(|v| Some(UnionId(v)))
            .map_err(|_| {
                ValidationError::new("union", format!("工会编号“{s}”无效，应为数字")).into()
            }),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatsUnionDto {
    pub id: i64,
    pub name: String,
    /// national, province, city, county, grassroots or industry.
    pub level: String,
    pub level_label: String,
}

impl From<&Union> for StatsUnionDto {
    fn from(u: &Union) -> Self {
        Self {
            id: u.id.0,
            name: u.name.clone(),
            level: u.level.code().into(),
            level_label: u.level.label().into(),
        }
    }
}

impl From<&StatsUnion> for StatsUnionDto {
    fn from(u: &StatsUnion) -> Self {
        Self {
            id: u.id.0,
            name: u.name.clone(),
            level: u.level.code().into(),
            level_label: u.level.label().into(),
        }
    }
}

/// Households and the persons in them (the household sizes summed: 供养人口).
#[derive(Debug, Serialize, ToSchema)]
pub struct CountDto {
    pub households: i64,
    pub persons: i64,
}

impl From<Count> for CountDto {
    fn from(c: Count) -> Self {
        Self {
            households: c.households,
            persons: c.persons,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TierDto {
    /// 全国级.
    pub national: CountDto,
    /// 地方级: the four local levels together.
    pub local: CountDto,
}

/// On file by the five filing levels (建档标准); province + city + county +
/// grassroots = 地方级.
#[derive(Debug, Serialize, ToSchema)]
pub struct LevelsDto {
    pub national: CountDto,
    pub province: CountDto,
    pub city: CountDto,
    pub county: CountDto,
    pub grassroots: CountDto,
}

impl From<[Count; 5]> for LevelsDto {
    fn from(c: [Count; 5]) -> Self {
        let [national, province, city, county, grassroots] = c;
        Self {
            national: national.into(),
            province: province.into(),
            city: city.into(),
            county: county.into(),
            grassroots: grassroots.into(),
        }
    }
}

/// 全国级 files by category.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryDto {
    /// 低保户.
    pub dibao: CountDto,
    /// 低保边缘户.
    pub near_dibao: CountDto,
    /// 意外致困户.
    pub sudden: CountDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CohortDto {
    /// 存量 (filed on or before the baseline cut-off).
    pub baseline: CountDto,
    /// 增量库.
    pub incremental: CountDto,
}

/// 脱困 by pathway.
#[derive(Debug, Serialize, ToSchema)]
pub struct PathwayDto {
    pub employment: i64,
    pub entitlements: i64,
    pub medical: i64,
    pub social_assistance: i64,
    pub other: i64,
}

/// 退出 by reason.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReasonDto {
    pub recheck: i64,
    pub death: i64,
    pub moved: i64,
}

/// Approved decisions up to the date, net of revocations (a revocation
/// counts at its own date).
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionsDto {
    /// 脱困.
    pub out: i64,
    pub out_by_pathway: PathwayDto,
    /// 解困.
    pub relief: i64,
    /// 退出.
    pub removal: i64,
    pub removal_by_reason: ReasonDto,
}

/// Money in fen, up to the date; reversals count at their own date.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = StatsFundsDto)]
pub struct FundsDto {
    /// 筹集资金: receipts less reversed receipts.
    pub raised: i64,
    /// 发放现金.
    pub cash: i64,
    /// 发放物资（折款）.
    pub goods: i64,
    /// 帮扶户次.
    pub household_times: i64,
    /// 帮扶人次.
    pub person_times: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FiguresDto {
    /// On file at the end of the date.
    pub on_file: CountDto,
    pub by_tier: TierDto,
    /// The same by the five levels.
    pub by_level: LevelsDto,
    /// Of those, the files the union of their level accepted (已接收; by
    /// the report state now). A grassroots file is never reported.
    pub accepted_by_level: LevelsDto,
    /// 全国级 only.
    pub national_by_category: CategoryDto,
    pub by_cohort: CohortDto,
    /// Files made on or before the date, reopenings not counted (累计建档).
    pub filed: i64,
    /// Of which baseline (存量建档).
    pub baseline_filed: i64,
    /// 返困: files reopened after an exit, made on or before the date.
    pub reopened: i64,
    pub decisions: DecisionsDto,
    pub funds: FundsDto,
}

impl From<&Figures> for FiguresDto {
    fn from(f: &Figures) -> Self {
        let [employment, entitlements, medical, social_assistance, other] = f.pathways;
        let [recheck, death, moved] = f.reasons;
        let [dibao, near_dibao, sudden] = f.categories;
        Self {
            on_file: f.on_file.into(),
            by_tier: TierDto {
                national: f.national.into(),
                local: f.local.into(),
            },
            by_level: f.tiers.into(),
            accepted_by_level: f.accepted.into(),
            national_by_category: CategoryDto {
                dibao: dibao.into(),
                near_dibao: near_dibao.into(),
                sudden: sudden.into(),
            },
            by_cohort: CohortDto {
                baseline: f.baseline_on_file.into(),
                incremental: f.incremental_on_file.into(),
            },
            filed: f.filed,
            baseline_filed: f.baseline_filed,
            reopened: f.reopened,
            decisions: DecisionsDto {
                out: f.out,
                out_by_pathway: PathwayDto {
                    employment,
                    entitlements,
                    medical,
                    social_assistance,
                    other,
                },
                relief: f.relief,
                removal: f.removal,
                removal_by_reason: ReasonDto {
                    recheck,
                    death,
                    moved,
                },
            },
            funds: FundsDto {
                raised: f.raised.0,
                cash: f.cash.0,
                goods: f.goods.0,
                household_times: f.household_times,
                person_times: f.person_times,
            },
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChildFiguresDto {
    pub union: StatsUnionDto,
    /// The child's whole subtree.
    pub figures: FiguresDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrendPointDto {
    /// YYYY-MM.
    pub month: String,
    /// The day counted: the month's last day, or the panel's date for its month.
    pub on: String,
    pub households: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PanelDto {
    pub union: StatsUnionDto,
    /// Ancestors in the caller's scope, root first (breadcrumbs).
    pub ancestors: Vec<StatsUnionDto>,
    pub as_of: String,
    /// `own` plus every child's figures.
    pub total: FiguresDto,
    /// What is recorded at the union itself.
    pub own: FiguresDto,
    pub children: Vec<ChildFiguresDto>,
    /// Households on file at the end of each of the last 36 months, oldest first.
    pub trend: Vec<TrendPointDto>,
    /// 核对发现 in the union's subtree now (whatever `as_of`).
    pub findings: FindingTotalsDto,
}

/// 核对发现 counted: open (核对预警, 待处置) and resolved (已处置: confirmed or dismissed).
#[derive(Debug, Serialize, ToSchema)]
pub struct FindingTotalsDto {
    pub open: i64,
    pub resolved: i64,
}

impl From<&Panel> for PanelDto {
    fn from(p: &Panel) -> Self {
        Self {
            union: StatsUnionDto::from(&p.union),
            ancestors: p.ancestors.iter().map(StatsUnionDto::from).collect(),
            as_of: p.as_of.to_string(),
            total: FiguresDto::from(&p.total),
            own: FiguresDto::from(&p.own),
            children: p
                .children
                .iter()
                .map(|c| ChildFiguresDto {
                    union: StatsUnionDto::from(&c.union),
                    figures: FiguresDto::from(&c.figures),
                })
                .collect(),
            trend: p
                .trend
                .iter()
                .map(|t| TrendPointDto {
                    month: t.month.to_string(),
                    on: t.on.to_string(),
                    households: t.households,
                })
                .collect(),
            findings: FindingTotalsDto {
                open: p.findings.open,
                resolved: p.findings.resolved,
            },
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PanelParams {
    /// A union in scope; the caller's own when absent.
    pub union: Option<String>,
    /// YYYY-MM-DD, not after today; today when absent.
    pub as_of: Option<String>,
}

#[utoipa::path(get, operation_id = "get_panel", path = "/api/v1/stats/panel", tag = "stats", params(PanelParams),
    responses((status = 200, body = PanelDto), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn panel(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<PanelParams>,
) -> ApiResult<Json<PanelDto>> {
    let union = parse_union(q.union.as_deref())?;
    let as_of = parse_as_of(q.as_of.as_deref(), bangfu_service::today())?;
    let p = state.services.stats_panel(&actor, union, as_of).await?;
    Ok(Json(PanelDto::from(&p)))
}

// ---------- targets ----------

#[derive(Debug, Serialize, ToSchema)]
pub struct TargetLineDto {
    /// The share of the baseline in basis points (2500 = 25 %).
    pub share_bp: u32,
    /// The same as a person reads it, e.g. "25%".
    pub share: String,
    /// own, inherited, plan (the default plan) or none (no share applies).
    pub share_origin: String,
    /// The ancestor the share is inherited from.
    pub share_from: Option<StatsRefDto>,
    /// Baseline households filed in the subtree by 31 December.
    pub baseline: i64,
    /// ceil(baseline × share).
    pub target: i64,
    /// Baseline households out of hardship or relieved in the year (net of revocations).
    pub achieved: i64,
    /// Achieved by the end of the current month.
    pub achieved_to_date: i64,
    /// What the schedule (target × month / 12, rounded up) expects by now.
    pub expected_to_date: i64,
    /// Achieved to date is below expected to date.
    pub behind: bool,
    /// achieved / target in basis points (rounded down); null without a target.
    pub progress_bp: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatsRefDto {
    pub id: i64,
    pub name: String,
}

impl From<&TargetLine> for TargetLineDto {
    fn from(l: &TargetLine) -> Self {
        Self {
            share_bp: l.share.bp,
            share: format_share(l.share.bp),
            share_origin: match l.share.origin {
                ShareOrigin::Own => "own",
                ShareOrigin::Inherited(_) => "inherited",
                ShareOrigin::Plan => "plan",
                ShareOrigin::None => "none",
            }
            .into(),
            share_from: l.share_from.as_ref().map(|(id, name)| StatsRefDto {
                id: id.0,
                name: name.clone(),
            }),
            baseline: l.baseline,
            target: l.target,
            achieved: l.achieved,
            achieved_to_date: l.achieved_to_date,
            expected_to_date: l.expected_to_date,
            behind: l.behind,
            progress_bp: l.progress_bp,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MonthProgressDto {
    /// 1–12.
    pub month: u32,
    pub achieved: i64,
    pub cumulative: i64,
    pub expected: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChildProgressDto {
    /// 1 = best progress (achieved / target); unions without a target last.
    pub rank: usize,
    pub union: StatsUnionDto,
    #[serde(flatten)]
    pub line: TargetLineDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressDto {
    pub union: StatsUnionDto,
    pub ancestors: Vec<StatsUnionDto>,
    pub year: i32,
    /// The installation's default plan: wuzhou or guangdong.
    pub plan: String,
    pub plan_label: String,
    /// Months of the year elapsed (12 for a past year, 0 for a future one).
    pub elapsed_months: u32,
    #[serde(flatten)]
    pub line: TargetLineDto,
    /// The union's own share for the year in basis points, if it set one.
    pub own_share_bp: Option<u32>,
    pub months: Vec<MonthProgressDto>,
    /// Ranked, best first.
    pub children: Vec<ChildProgressDto>,
}

impl From<&Progress> for ProgressDto {
    fn from(p: &Progress) -> Self {
        Self {
            union: StatsUnionDto::from(&p.union),
            ancestors: p.ancestors.iter().map(StatsUnionDto::from).collect(),
            year: p.year,
            plan: p.plan.code().into(),
            plan_label: p.plan.label().into(),
            elapsed_months: p.elapsed,
            line: TargetLineDto::from(&p.line),
            own_share_bp: p.own_share.as_ref().map(|s| s.0),
            months: p
                .months
                .iter()
                .map(|m| MonthProgressDto {
                    month: m.month,
                    achieved: m.achieved,
                    cumulative: m.cumulative,
                    expected: m.expected,
                })
                .collect(),
            children: p
                .children
                .iter()
                .map(|c| ChildProgressDto {
                    rank: c.rank,
                    union: StatsUnionDto::from(&c.union),
                    line: TargetLineDto::from(&c.line),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProgressParams {
    /// A union in scope; the caller's own when absent.
    pub union: Option<String>,
    /// YYYY (2000–2100); this year when absent.
    pub year: Option<String>,
}

#[utoipa::path(get, operation_id = "get_progress", path = "/api/v1/targets/progress", tag = "stats", params(ProgressParams),
    responses((status = 200, body = ProgressDto), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn progress(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<ProgressParams>,
) -> ApiResult<Json<ProgressDto>> {
    let union = parse_union(q.union.as_deref())?;
    let year = parse_year(q.year.as_deref(), bangfu_service::today())?;
    let p = state.services.target_progress(&actor, union, year).await?;
    Ok(Json(ProgressDto::from(&p)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetRequest {
    /// A union in scope.
    pub union_id: i64,
    /// 2000–2100.
    pub year: i32,
    /// The share of the baseline as a percentage, 0–100 with at most two
    /// decimals: a number (25, 22.5) or text ("12.34", "20%").
    #[schema(value_type = Object)]
    pub share: serde_json::Value,
}

#[utoipa::path(put, path = "/api/v1/targets", tag = "stats", request_body = TargetRequest,
    responses((status = 200, body = ProgressDto), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn set_target(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<TargetRequest>,
) -> ApiResult<Json<ProgressDto>> {
    let share = match &req.share {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        _ => {
            return Err(ServiceError::from(ValidationError::new(
                "share",
                "目标比例应为百分数，如 25 或 \"22.5\"",
            ))
            .into())
        }
    };
    let p = state
        .services
        .target_set(&actor, UnionId(req.union_id), req.year, &share)
        .await?;
    Ok(Json(ProgressDto::from(&p)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClearParams {
    pub union_id: Option<String>,
    pub year: Option<String>,
}

/// Clears the union's own share for the year: it inherits again.
#[utoipa::path(delete, path = "/api/v1/targets", tag = "stats", params(ClearParams),
    responses((status = 200, body = ProgressDto), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn clear_target(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<ClearParams>,
) -> ApiResult<Json<ProgressDto>> {
    let union = parse_union(q.union_id.as_deref())
        .map_err(|_| {
            ServiceError::from(ValidationError::new("union_id", "工会编号无效，应为数字"))
        })?
        .ok_or_else(|| ServiceError::from(ValidationError::new("union_id", "请指定工会编号")))?;
    let year = match q.year.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(y) => bangfu_domain::target::parse_year(y).map_err(ServiceError::from)?,
        None => return Err(ServiceError::from(ValidationError::new("year", "请指定年份")).into()),
    };
    let p = state.services.target_clear(&actor, union, year).await?;
    Ok(Json(ProgressDto::from(&p)))
}
