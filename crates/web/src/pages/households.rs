//! Pages of the household file: the list, filing and editing, the file with
//! its identification, the 12-month income grid, revealing an ID number, the
//! printable card, the Excel export, the lines page and the public self-check.

use super::{
    all_pages, form_failure, pager, render, render_status, with_query, xlsx_response, Chrome,
    PageResult,
};
use crate::api::HouseholdQuery;
use crate::auth::{MaybeActor, PageActor};
use crate::error::PageError;
use crate::view::{division_name, local_time};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::Router;
use axum_extra::extract::Form;
use bangfu_domain::exit::ExitEvaluation;
use bangfu_domain::household::{
    Cohort, Decision, EmployerKind, Employment, HardshipCause, Health, HouseholdId, LabourCapacity,
    MonthlyIncome, Relation, Schooling, Status, Tier,
};
use bangfu_domain::id_number::mask_phone;
use bangfu_domain::identification::{self, Category, Identification, Params};
use bangfu_domain::{division, Fen, Month, Permission, ValidationError};
use bangfu_service::{
    Actor, Household, HouseholdDetail, HouseholdInput, HouseholdSort, LineInput, MemberInput,
    PageRequest, ServiceError,
};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/households", get(list_page).post(create_submit))
        .route("/households/new", get(new_page))
        .route("/households/export.xlsx", get(export))
        .route("/households/{id}", get(detail_page))
        .route("/households/{id}/edit", get(edit_page).post(edit_submit))
        .route(
            "/households/{id}/incomes",
            get(incomes_page).post(incomes_submit),
        )
        .route("/households/{id}/reveal", post(reveal_submit))
        .route("/households/{id}/print", get(print_page))
        .route("/lines", get(lines_page).post(line_submit))
        .route("/lines/delete", post(line_delete))
        .route("/lines/params", post(params_submit))
        .route("/lines/reidentify", post(reidentify_submit))
        .route("/check", get(check_page))
}

pub(super) type Options = Vec<(&'static str, &'static str)>;

fn yuan(f: Fen) -> String {
    f.yuan()
}

// ---------- list ----------

/// One row of the list: identity masked.
pub struct Row {
    pub id: i64,
    pub file_no: String,
    pub name: String,
    pub id_masked: String,
    pub union_id: i64,
    pub union_name: String,
    pub category: &'static str,
    pub tier: &'static str,
    pub cohort: &'static str,
    pub size: i32,
    pub decision: &'static str,
    pub decision_class: &'static str,
    pub condition: String,
    pub status: &'static str,
    pub filed_on: String,
    pub causes: String,
    pub migrant: bool,
}

fn decision_class(d: Decision) -> &'static str {
    match d {
        Decision::Eligible => "ok",
        Decision::NotEligible => "off",
        Decision::Insufficient => "warn",
    }
}

fn condition_label(d: Decision, c: Option<i32>, migrant: bool) -> String {
    match (d, c) {
        (Decision::Eligible, Some(n)) if migrant => format!("条件{}+五", cn(n)),
        (Decision::Eligible, Some(n)) => format!("条件{}", cn(n)),
        _ => String::new(),
    }
}

/// Conditions are written 一 to 五 wherever a person reads them.
pub(super) fn cn(n: i32) -> &'static str {
    match n {
        1 => "一",
        2 => "二",
        3 => "三",
        4 => "四",
        5 => "五",
        _ => "",
    }
}

impl From<&Household> for Row {
    fn from(h: &Household) -> Self {
        let d = &h.data;
        Self {
            id: h.id.0,
            file_no: h.file_no.clone(),
            name: d.worker_name.clone(),
            id_masked: d.worker_id_number.masked(),
            union_id: h.union_id.0,
            union_name: h.union_name.clone(),
            category: d.category.label(),
            tier: d.tier.label(),
            cohort: h.cohort.label(),
            size: h.size,
            decision: h.decision.label(),
            decision_class: decision_class(h.decision),
            condition: condition_label(h.decision, h.decision_condition, d.migrant),
            status: h.status.label(),
            filed_on: d.filed_on.to_string(),
            causes: d.causes.labels(),
            migrant: d.migrant,
        }
    }
}

#[derive(Template)]
#[template(path = "households.html")]
struct ListPage {
    chrome: Chrome,
    q: HouseholdQueryView,
    can_manage: bool,
    total: i64,
    items: Vec<Row>,
    pager: String,
    export_href: String,
    error: Option<String>,
    statuses: Options,
    categories: Options,
    tiers: Options,
    cohorts: Options,
    causes: Options,
    decisions: Options,
    sorts: Options,
    regions: Vec<(String, String)>,
}

/// The query as the form shows it back.
#[derive(Default)]
struct HouseholdQueryView {
    q: String,
    status: String,
    category: String,
    tier: String,
    cohort: String,
    cause: String,
    migrant: String,
    decision: String,
    union_id: String,
    region: String,
    filed_from: String,
    filed_until: String,
    sort: String,
}

/// The list's query string as the browser sends it (everything optional text).
#[derive(Debug, Deserialize, Default, Clone)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    tier: String,
    #[serde(default)]
    cohort: String,
    #[serde(default)]
    cause: String,
    #[serde(default)]
    migrant: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    union_id: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    filed_from: String,
    #[serde(default)]
    filed_until: String,
    #[serde(default)]
    sort: String,
    page: Option<i64>,
}

fn some(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

impl ListQuery {
    fn api(&self) -> HouseholdQuery {
        HouseholdQuery {
            q: some(&self.q),
            status: some(&self.status),
            category: some(&self.category),
            tier: some(&self.tier),
            cohort: some(&self.cohort),
            cause: some(&self.cause),
            migrant: match self.migrant.as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            decision: some(&self.decision),
            union_id: self.union_id.trim().parse().ok(),
            region: some(&self.region),
            filed_from: some(&self.filed_from),
            filed_until: some(&self.filed_until),
            sort: some(&self.sort),
            page: self.page,
            per_page: None,
        }
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        vec![
            ("q", self.q.clone()),
            ("status", self.status.clone()),
            ("category", self.category.clone()),
            ("tier", self.tier.clone()),
            ("cohort", self.cohort.clone()),
            ("cause", self.cause.clone()),
            ("migrant", self.migrant.clone()),
            ("decision", self.decision.clone()),
            ("union_id", self.union_id.clone()),
            ("region", self.region.clone()),
            ("filed_from", self.filed_from.clone()),
            ("filed_until", self.filed_until.clone()),
            ("sort", self.sort.clone()),
        ]
    }

    fn view(&self) -> HouseholdQueryView {
        HouseholdQueryView {
            q: self.q.clone(),
            status: self.status.clone(),
            category: self.category.clone(),
            tier: self.tier.clone(),
            cohort: self.cohort.clone(),
            cause: self.cause.clone(),
            migrant: self.migrant.clone(),
            decision: self.decision.clone(),
            union_id: self.union_id.clone(),
            region: self.region.clone(),
            filed_from: self.filed_from.clone(),
            filed_until: self.filed_until.clone(),
            sort: self.sort.clone(),
        }
    }
}

async fn own_division(state: &AppState, actor: &Actor) -> Result<String, PageError> {
    Ok(state.services.union_home(actor).await?.union.division_code)
}

async fn list_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let api = q.api();
    let (status, error, page) = match api.filter() {
        Ok(filter) => {
            let page = state
                .services
                .household_list(
                    &actor,
                    filter,
                    api.union_id,
                    PageRequest::new(q.page, Some(30)),
                )
                .await?;
            (StatusCode::OK, None, Some(page))
        }
        Err(e) => (StatusCode::BAD_REQUEST, Some(e.message), None),
    };
    let own = own_division(&state, &actor).await?;
    let params = q.params();
    let (total, items, pager_html) = match &page {
        Some(p) => (
            p.total,
            p.items.iter().map(Row::from).collect(),
            pager("/households", &params, p.page, p.pages()),
        ),
        None => (0, Vec::new(), String::new()),
    };
    Ok(render_status(
        status,
        &ListPage {
            chrome: Chrome::new(&actor, "困难职工档案", "households"),
            q: q.view(),
            can_manage: actor.can(Permission::ManageHouseholds),
            total,
            items,
            pager: pager_html,
            export_href: with_query("/households/export.xlsx", &params),
            error,
            statuses: options!(Status),
            categories: options!(Category),
            tiers: options!(Tier),
            cohorts: options!(Cohort),
            causes: options!(HardshipCause),
            decisions: options!(Decision),
            sorts: HouseholdSort::ALL
                .iter()
                .map(|s| (s.code(), s.label()))
                .collect(),
            regions: super::division_options(&own),
        },
    ))
}

async fn export(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let api = q.api();
    let filter = api.filter().map_err(|e| PageError::BadRequest(e.message))?;
    let union_id = api.union_id;
    let list = all_pages(|p| {
        state
            .services
            .household_list(&actor, filter.clone(), union_id, p)
    })
    .await?;
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|h| {
            let d = &h.data;
            vec![
                h.file_no.clone(),
                d.worker_name.clone(),
                d.worker_id_number.masked(),
                h.worker_sex.label().to_owned(),
                mask_phone(&d.phone),
                h.union_name.clone(),
                d.division_code.clone(),
                division_name(&d.division_code),
                d.address.clone(),
                d.employer.clone(),
                d.category.label().to_owned(),
                d.tier.label().to_owned(),
                h.cohort.label().to_owned(),
                h.size.to_string(),
                d.causes.labels(),
                if d.migrant { "是" } else { "否" }.to_owned(),
                d.dibao_since.map(|m| m.to_string()).unwrap_or_default(),
                h.decision.label().to_owned(),
                condition_label(h.decision, h.decision_condition, d.migrant),
                h.status.label().to_owned(),
                d.filed_on.to_string(),
            ]
        })
        .collect();
    xlsx_response(
        "困难职工档案.xlsx",
        "困难职工档案",
        &[
            "档案编号",
            "姓名",
            "身份证号码（脱敏）",
            "性别",
            "联系电话（脱敏）",
            "建档工会",
            "行政区划代码",
            "所在地区",
            "家庭住址",
            "工作单位",
            "困难类别",
            "档案级别",
            "档案批次",
            "家庭人口",
            "致困原因",
            "农民工",
            "享受低保起始月",
            "识别结论",
            "符合条件",
            "档案状态",
            "建档日期",
        ],
        &rows,
    )
}

// ---------- the form ----------

/// The filing form as posted. Member fields repeat once per row.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct HouseholdForm {
    #[serde(default)]
    pub(super) union_id: String,
    #[serde(default)]
    pub(super) worker_name: String,
    #[serde(default)]
    pub(super) worker_id_number: String,
    #[serde(default)]
    pub(super) phone: String,
    #[serde(default)]
    pub(super) address: String,
    #[serde(default)]
    pub(super) division_code: String,
    #[serde(default)]
    pub(super) employer: String,
    #[serde(default)]
    pub(super) employer_kind: String,
    #[serde(default)]
    pub(super) employment: String,
    #[serde(default)]
    pub(super) labour_capacity: String,
    #[serde(default)]
    pub(super) health: String,
    #[serde(default)]
    pub(super) disability_grade: String,
    pub(super) migrant: Option<String>,
    pub(super) zero_employment: Option<String>,
    pub(super) closure_laid_off: Option<String>,
    pub(super) trade_friction: Option<String>,
    #[serde(default)]
    pub(super) causes: Vec<String>,
    #[serde(default)]
    pub(super) category: String,
    #[serde(default)]
    pub(super) tier: String,
    #[serde(default)]
    pub(super) filed_on: String,
    #[serde(default)]
    pub(super) dibao_since: String,
    #[serde(default)]
    pub(super) other_relief_since: String,
    #[serde(default)]
    pub(super) notes: String,
    #[serde(default)]
    pub(super) version: String,
    #[serde(default)]
    pub(super) m_name: Vec<String>,
    #[serde(default)]
    pub(super) m_id_number: Vec<String>,
    #[serde(default)]
    pub(super) m_relation: Vec<String>,
    #[serde(default)]
    pub(super) m_health: Vec<String>,
    #[serde(default)]
    pub(super) m_disability_grade: Vec<String>,
    #[serde(default)]
    pub(super) m_schooling: Vec<String>,
    #[serde(default)]
    pub(super) m_employment: Vec<String>,
    #[serde(default)]
    pub(super) m_income: Vec<String>,
}

fn grade(s: &str) -> Result<Option<i32>, ValidationError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse()
        .map(Some)
        .map_err(|_| ValidationError::new("disability_grade", "残疾等级应为 1–4 的数字"))
}

impl HouseholdForm {
    pub(super) fn input(&self) -> Result<HouseholdInput, ValidationError> {
        let n = self.m_name.len();
        let at = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
        let mut members = Vec::with_capacity(n);
        for i in 0..n {
            let income = Fen::parse_yuan_opt("members", &at(&self.m_income, i))
                .map_err(|e| {
                    ValidationError::new(
                        "members",
                        format!("第 {} 位家庭成员：{}", i + 1, e.message),
                    )
                })?
                .unwrap_or(Fen::ZERO);
            members.push(MemberInput {
                name: at(&self.m_name, i),
                id_number: at(&self.m_id_number, i),
                relation: at(&self.m_relation, i),
                health: at(&self.m_health, i),
                disability_grade: grade(&at(&self.m_disability_grade, i))?,
                schooling: at(&self.m_schooling, i),
                employment: at(&self.m_employment, i),
                income,
            });
        }
        Ok(HouseholdInput {
            union_id: self.union_id.trim().parse().ok(),
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
            disability_grade: grade(&self.disability_grade)?,
            migrant: self.migrant.is_some(),
            zero_employment: self.zero_employment.is_some(),
            closure_laid_off: self.closure_laid_off.is_some(),
            trade_friction: self.trade_friction.is_some(),
            causes: self.causes.clone(),
            category: self.category.clone(),
            tier: self.tier.clone(),
            filed_on: self.filed_on.clone(),
            dibao_since: self.dibao_since.clone(),
            other_relief_since: self.other_relief_since.clone(),
            notes: self.notes.clone(),
            members,
        })
    }

    /// The form filled from a stored file (ID numbers masked).
    fn of(d: &HouseholdDetail) -> Self {
        let h = &d.household;
        let x = &h.data;
        let flag = |b: bool| b.then(|| "on".to_owned());
        let ms = &d.members;
        Self {
            union_id: h.union_id.0.to_string(),
            worker_name: x.worker_name.clone(),
            worker_id_number: x.worker_id_number.masked(),
            phone: mask_phone(&x.phone),
            address: x.address.clone(),
            division_code: x.division_code.clone(),
            employer: x.employer.clone(),
            employer_kind: x.employer_kind.code().into(),
            employment: x.employment.code().into(),
            labour_capacity: x.labour_capacity.code().into(),
            health: x.health.code().into(),
            disability_grade: x
                .disability_grade
                .map(|g| g.to_string())
                .unwrap_or_default(),
            migrant: flag(x.migrant),
            zero_employment: flag(x.zero_employment),
            closure_laid_off: flag(x.closure_laid_off),
            trade_friction: flag(x.trade_friction),
            causes: x.causes.iter().map(|c| c.code().to_owned()).collect(),
            category: x.category.code().into(),
            tier: x.tier.code().into(),
            filed_on: x.filed_on.to_string(),
            dibao_since: x.dibao_since.map(|m| m.to_string()).unwrap_or_default(),
            other_relief_since: x
                .other_relief_since
                .map(|m| m.to_string())
                .unwrap_or_default(),
            notes: x.notes.clone(),
            version: h.version.to_string(),
            m_name: ms.iter().map(|m| m.name.clone()).collect(),
            m_id_number: ms
                .iter()
                .map(|m| m.id_number.as_ref().map(|i| i.masked()).unwrap_or_default())
                .collect(),
            m_relation: ms.iter().map(|m| m.relation.code().to_owned()).collect(),
            m_health: ms.iter().map(|m| m.health.code().to_owned()).collect(),
            m_disability_grade: ms
                .iter()
                .map(|m| {
                    m.disability_grade
                        .map(|g| g.to_string())
                        .unwrap_or_default()
                })
                .collect(),
            m_schooling: ms.iter().map(|m| m.schooling.code().to_owned()).collect(),
            m_employment: ms.iter().map(|m| m.employment.code().to_owned()).collect(),
            m_income: ms.iter().map(|m| m.income.yuan()).collect(),
        }
    }
}

/// One member row of the form.
pub struct MemberRow {
    name: String,
    id_number: String,
    relation: String,
    health: String,
    disability_grade: String,
    schooling: String,
    employment: String,
    income: String,
}

#[derive(Template)]
#[template(path = "household_form.html")]
struct FormPage {
    chrome: Chrome,
    /// `None`: filing a new household.
    id: Option<i64>,
    file_no: String,
    f: HouseholdForm,
    members: Vec<MemberRow>,
    error: Option<String>,
    error_field: String,
    unions: Vec<(i64, String)>,
    regions: Vec<(String, String)>,
    employer_kinds: Options,
    employments: Options,
    capacities: Options,
    healths: Options,
    causes: Options,
    categories: Options,
    tiers: Options,
    relations: Options,
    schoolings: Options,
}

impl FormPage {
    fn has_cause(&self, code: &&str) -> bool {
        self.f.causes.iter().any(|c| c == code)
    }
}

/// Unions an officer can file under: their own and those below, active.
pub(super) async fn filing_unions(
    state: &AppState,
    actor: &Actor,
) -> Result<Vec<(i64, String)>, PageError> {
    let page = state
        .services
        .union_list(
            actor,
            bangfu_service::UnionFilter {
                active: Some(true),
                ..Default::default()
            },
            PageRequest::new(Some(1), Some(PageRequest::MAX_PER_PAGE)),
        )
        .await?;
    Ok(page
        .items
        .iter()
        .map(|u| (u.id.0, u.name.clone()))
        .collect())
}

async fn form_page(
    state: &AppState,
    actor: &Actor,
    id: Option<i64>,
    file_no: String,
    f: HouseholdForm,
    error: Option<(String, Option<&'static str>)>,
    status: StatusCode,
) -> PageResult {
    let own = own_division(state, actor).await?;
    let n = f.m_name.len();
    let at = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
    let mut members: Vec<MemberRow> = (0..n)
        .map(|i| MemberRow {
            name: at(&f.m_name, i),
            id_number: at(&f.m_id_number, i),
            relation: at(&f.m_relation, i),
            health: at(&f.m_health, i),
            disability_grade: at(&f.m_disability_grade, i),
            schooling: at(&f.m_schooling, i),
            employment: at(&f.m_employment, i),
            income: at(&f.m_income, i),
        })
        .filter(|m| !m.name.trim().is_empty() || !m.id_number.trim().is_empty())
        .collect();
    // Two blank rows to add members without any script.
    for _ in 0..2 {
        members.push(MemberRow {
            name: String::new(),
            id_number: String::new(),
            relation: String::new(),
            health: "healthy".into(),
            disability_grade: String::new(),
            schooling: "not_in_school".into(),
            employment: String::new(),
            income: String::new(),
        });
    }
    let (error, error_field) = match error {
        Some((m, f)) => (Some(m), f.unwrap_or_default().to_owned()),
        None => (None, String::new()),
    };
    Ok(render_status(
        status,
        &FormPage {
            chrome: Chrome::new(
                actor,
                if id.is_some() {
                    "修改档案"
                } else {
                    "新建档案"
                },
                "households",
            ),
            id,
            file_no,
            f,
            members,
            error,
            error_field,
            unions: filing_unions(state, actor).await?,
            regions: form_regions(&own),
            employer_kinds: options!(EmployerKind),
            employments: options!(Employment),
            capacities: options!(LabourCapacity),
            healths: options!(Health),
            causes: options!(HardshipCause),
            categories: options!(Category),
            tiers: options!(Tier),
            relations: options!(Relation),
            schoolings: options!(Schooling),
        },
    ))
}

/// Regions selectable for a worker: the union's division and every division
/// below it (a city's districts; a province's cities and districts).
fn form_regions(own: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack: Vec<Option<&str>> = vec![(own != division::NATIONAL).then_some(own)];
    if own != division::NATIONAL {
        out.push((own.to_owned(), division_name(own)));
    }
    while let Some(p) = stack.pop() {
        for d in division::children(p) {
            out.push((d.code.clone(), division_name(&d.code)));
            if out.len() < 4000 {
                stack.push(Some(d.code.as_str()));
            }
        }
    }
    out.sort();
    out
}

async fn new_page(State(state): State<AppState>, PageActor(actor): PageActor) -> PageResult {
    actor_can(&actor, Permission::ManageHouseholds)?;
    let f = HouseholdForm {
        union_id: actor.user.union_id.0.to_string(),
        health: "healthy".into(),
        labour_capacity: "full".into(),
        employment: "employed".into(),
        employer_kind: "private".into(),
        category: "near_dibao".into(),
        tier: "national".into(),
        ..Default::default()
    };
    form_page(&state, &actor, None, String::new(), f, None, StatusCode::OK).await
}

fn actor_can(actor: &Actor, p: Permission) -> Result<(), PageError> {
    if actor.can(p) {
        Ok(())
    } else {
        Err(PageError::Service(ServiceError::Forbidden))
    }
}

async fn create_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(f): Form<HouseholdForm>,
) -> PageResult {
    let result = match f.input() {
        Ok(input) => {
            state
                .services
                .household_create(&actor, input, Vec::new())
                .await
        }
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(h) => Ok(Redirect::to(&format!("/households/{}?notice=created", h.id)).into_response()),
        Err(e) => {
            let (status, msg, field) = form_failure(e)?;
            form_page(
                &state,
                &actor,
                None,
                String::new(),
                f,
                Some((msg, field)),
                status,
            )
            .await
        }
    }
}

async fn edit_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    actor_can(&actor, Permission::ManageHouseholds)?;
    let d = state
        .services
        .household_get(&actor, HouseholdId(id))
        .await?;
    let f = HouseholdForm::of(&d);
    form_page(
        &state,
        &actor,
        Some(id),
        d.household.file_no.clone(),
        f,
        None,
        StatusCode::OK,
    )
    .await
}

async fn edit_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<HouseholdForm>,
) -> PageResult {
    let version: i64 = f.version.trim().parse().unwrap_or(-1);
    let result = match f.input() {
        Ok(input) => {
            state
                .services
                .household_update(&actor, HouseholdId(id), version, input)
                .await
        }
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/households/{id}?notice=saved")).into_response()),
        Err(e) => {
            let (status, msg, field) = form_failure(e)?;
            let d = state
                .services
                .household_get(&actor, HouseholdId(id))
                .await?;
            form_page(
                &state,
                &actor,
                Some(id),
                d.household.file_no.clone(),
                f,
                Some((msg, field)),
                status,
            )
            .await
        }
    }
}

// ---------- the file ----------

pub struct MonthView {
    pub(super) month: String,
    pub(super) income: String,
    pub(super) rigid: String,
    pub(super) per_capita: String,
    pub(super) actual: String,
    pub(super) line: String,
    pub(super) low_line: String,
    pub(super) below_line: bool,
}

fn month_views(i: &Identification) -> Vec<MonthView> {
    i.months
        .iter()
        .map(|m| MonthView {
            month: m.month.to_string(),
            income: yuan(m.income),
            rigid: yuan(m.rigid_expenditure),
            per_capita: yuan(m.per_capita_income),
            actual: yuan(m.actual_per_capita),
            line: yuan(m.dibao_line),
            low_line: if m.low_income_line_defaulted {
                format!("{}（1.5 倍）", yuan(m.low_income_line))
            } else {
                yuan(m.low_income_line)
            },
            below_line: m.per_capita_income < m.dibao_line,
        })
        .collect()
}

/// The identification as a page shows it.
pub struct DecisionView {
    pub(super) headline: String,
    pub(super) class: &'static str,
    pub(super) category: String,
    pub(super) reasons: Vec<String>,
    pub(super) months: Vec<MonthView>,
    pub(super) refer: bool,
    pub(super) window: String,
    pub(super) params: String,
}

pub(super) fn decision_view(i: &Identification) -> DecisionView {
    let headline = if i.eligible {
        let c = i.condition.map(i32::from).unwrap_or(0);
        if i.migrant {
            format!("符合建档条件（条件{}，农民工家庭同时适用条件五）", cn(c))
        } else {
            format!("符合建档条件（条件{}）", cn(c))
        }
    } else if i.insufficient_data {
        "收入数据不足，暂不能判断".to_owned()
    } else {
        "不符合建档条件".to_owned()
    };
    DecisionView {
        headline,
        class: if i.eligible {
            "success"
        } else if i.insufficient_data {
            "info"
        } else {
            "error"
        },
        category: i.category.map(|c| c.label().to_owned()).unwrap_or_default(),
        reasons: i.reasons.clone(),
        months: month_views(i),
        refer: i.refer_for_dibao,
        window: match (i.window.first(), i.window.last()) {
            (Some(a), Some(b)) => format!("{a} 至 {b}"),
            _ => String::new(),
        },
        params: format!(
            "连续月数 N = {}，倍数 K = {}",
            i.params.window_months, i.params.multiple_k
        ),
    }
}

/// One month of the exit window as the page shows it.
pub struct ExitMonthView {
    pub(super) month: String,
    pub(super) per_capita: String,
    pub(super) line: String,
    pub(super) above_line: bool,
}

/// The exit evaluation (脱困评估) as the file's page shows it.
pub struct ExitView {
    pub(super) headline: String,
    pub(super) class: &'static str,
    pub(super) reasons: Vec<String>,
    pub(super) months: Vec<ExitMonthView>,
    pub(super) window_months: u32,
}

fn exit_view(e: &ExitEvaluation) -> ExitView {
    let (headline, class) = if e.meets_standard {
        (
            format!(
                "达到脱困收入标准：连续 {} 个月人均收入高于低保标准",
                e.window.len()
            ),
            "success",
        )
    } else if e.insufficient_data {
        ("尚未达到脱困收入标准（收入数据不足）".to_owned(), "info")
    } else {
        ("尚未达到脱困收入标准".to_owned(), "error")
    };
    ExitView {
        headline,
        class,
        reasons: e.reasons.clone(),
        months: e
            .window
            .iter()
            .map(|m| ExitMonthView {
                month: m.month.to_string(),
                per_capita: yuan(m.per_capita_income),
                line: yuan(m.dibao_line),
                above_line: m.above_line,
            })
            .collect(),
        window_months: e.window_months,
    }
}

pub struct MemberView {
    pub(super) name: String,
    pub(super) id_masked: String,
    pub(super) sex: String,
    pub(super) birth: String,
    pub(super) relation: &'static str,
    pub(super) health: String,
    pub(super) schooling: &'static str,
    pub(super) employment: &'static str,
    pub(super) income: String,
}

#[derive(Template)]
#[template(path = "household.html")]
struct DetailPage {
    chrome: Chrome,
    h: Row,
    file: FileView,
    members: Vec<MemberView>,
    decision: DecisionView,
    exit: ExitView,
    notice: Option<String>,
    may_reveal: bool,
    may_edit: bool,
    revealed: Option<bangfu_service::Revealed>,
    reveal_error: Option<String>,
    incomes_recorded: usize,
    household_id: i64,
    tab: &'static str,
    /// The "退出与返困" card (issue 5).
    leaving: super::exits::LeavingCard,
}

/// The worker's fields for the file page and the printed card.
pub struct FileView {
    pub(super) sex: &'static str,
    pub(super) birth: String,
    pub(super) phone_masked: String,
    pub(super) address: String,
    pub(super) region: String,
    pub(super) employer: String,
    pub(super) employer_kind: &'static str,
    pub(super) employment: &'static str,
    pub(super) capacity: &'static str,
    pub(super) health: String,
    pub(super) flags: String,
    pub(super) dibao_since: String,
    pub(super) other_relief_since: String,
    pub(super) notes: String,
    pub(super) created_at: String,
    pub(super) updated_at: String,
    pub(super) version: i64,
    pub(super) cutoff: String,
}

fn health_label(h: Health, grade: Option<i32>) -> String {
    match grade {
        Some(g) => format!("{}（{} 级）", h.label(), g),
        None => h.label().to_owned(),
    }
}

fn file_view(d: &HouseholdDetail) -> FileView {
    let h = &d.household;
    let x = &h.data;
    let mut flags = Vec::new();
    if x.migrant {
        flags.push("农民工");
    }
    if x.zero_employment {
        flags.push("零就业家庭");
    }
    if x.closure_laid_off {
        flags.push("关停并转/化解过剩产能分流");
    }
    if x.trade_friction {
        flags.push("受经贸摩擦影响");
    }
    FileView {
        sex: h.worker_sex.label(),
        birth: h
            .worker_birth_date
            .map(|b| b.to_string())
            .unwrap_or_default(),
        phone_masked: mask_phone(&x.phone),
        address: x.address.clone(),
        region: format!("{} {}", x.division_code, division_name(&x.division_code)),
        employer: x.employer.clone(),
        employer_kind: x.employer_kind.label(),
        employment: x.employment.label(),
        capacity: x.labour_capacity.label(),
        health: health_label(x.health, x.disability_grade),
        flags: if flags.is_empty() {
            "无".into()
        } else {
            flags.join("、")
        },
        dibao_since: x
            .dibao_since
            .map(|m| format!("{m} 起"))
            .unwrap_or_else(|| "未享受".into()),
        other_relief_since: x
            .other_relief_since
            .map(|m| format!("{m} 起"))
            .unwrap_or_else(|| "无".into()),
        notes: x.notes.clone(),
        created_at: local_time(&h.created_at),
        updated_at: local_time(&h.updated_at),
        version: h.version,
        cutoff: d.params.baseline_cutoff.to_string(),
    }
}

fn member_views(d: &HouseholdDetail) -> Vec<MemberView> {
    d.members
        .iter()
        .map(|m| MemberView {
            name: m.name.clone(),
            id_masked: m
                .id_number
                .as_ref()
                .map(|i| i.masked())
                .unwrap_or_else(|| "无".into()),
            sex: m
                .id_number
                .as_ref()
                .map(|i| i.sex().label().to_owned())
                .unwrap_or_default(),
            birth: m
                .id_number
                .as_ref()
                .and_then(|i| i.birth_date())
                .map(|b| b.to_string())
                .unwrap_or_default(),
            relation: m.relation.label(),
            health: health_label(m.health, m.disability_grade),
            schooling: m.schooling.label(),
            employment: m.employment.label(),
            income: yuan(m.income),
        })
        .collect()
}

fn notice_text(code: &str) -> &'static str {
    match code {
        "created" => "已建档。请录入近几个月的家庭收入，系统将自动给出识别结论。",
        "saved" => "已保存。",
        "incomes" => "月收入已保存，识别结论已更新。",
        "approved" => "已批准建档，申请中的家庭成员和月收入已录入档案。",
        "relapse" => "已标记返困。核实后可为该家庭返困重新建档。",
        "reopened" => "已返困重新建档：本档案为增量库新档案，与原档案相互关联。",
        _ => "操作已完成。",
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct NoticeQ {
    notice: Option<String>,
}

async fn detail_view(
    state: &AppState,
    actor: &Actor,
    id: i64,
    notice: Option<String>,
    revealed: Option<bangfu_service::Revealed>,
    reveal_error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let d = state.services.household_get(actor, HouseholdId(id)).await?;
    let leaving = super::exits::leaving_card(state, actor, &d.household).await?;
    Ok(render_status(
        status,
        &DetailPage {
            chrome: Chrome::new(
                actor,
                format!("档案 {}", d.household.data.worker_name),
                "households",
            ),
            h: Row::from(&d.household),
            file: file_view(&d),
            members: member_views(&d),
            decision: decision_view(&d.identification),
            exit: exit_view(&d.exit),
            notice,
            may_reveal: d.may_reveal,
            may_edit: d.may_edit,
            revealed,
            reveal_error,
            incomes_recorded: d.incomes.len(),
            household_id: d.household.id.0,
            tab: "file",
            leaving,
        },
    ))
}

async fn detail_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQ>,
) -> PageResult {
    let notice = q.notice.as_deref().map(notice_text).map(str::to_owned);
    detail_view(&state, &actor, id, notice, None, None, StatusCode::OK).await
}

#[derive(Debug, Deserialize, Default)]
pub struct RevealForm {
    #[serde(default)]
    reason: String,
}

async fn reveal_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<RevealForm>,
) -> PageResult {
    match state
        .services
        .household_reveal(&actor, HouseholdId(id), &f.reason)
        .await
    {
        Ok(r) => detail_view(&state, &actor, id, None, Some(r), None, StatusCode::OK).await,
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            detail_view(&state, &actor, id, None, None, Some(msg), status).await
        }
    }
}

#[derive(Template)]
#[template(path = "household_print.html")]
struct PrintPage {
    h: Row,
    file: FileView,
    members: Vec<MemberView>,
    decision: DecisionView,
    printed_at: String,
    union_name: String,
}

async fn print_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    let d = state
        .services
        .household_get(&actor, HouseholdId(id))
        .await?;
    Ok(render(&PrintPage {
        h: Row::from(&d.household),
        file: file_view(&d),
        members: member_views(&d),
        decision: decision_view(&d.identification),
        printed_at: local_time(&chrono::Utc::now().naive_utc()),
        union_name: d.household.union_name.clone(),
    }))
}

// ---------- incomes ----------

/// One month of the grid, in yuan as typed.
pub struct GridRow {
    month: String,
    wages: String,
    business: String,
    property: String,
    transfer: String,
    medical: String,
    schooling: String,
    emergency: String,
    recorded: bool,
}

#[derive(Template)]
#[template(path = "household_incomes.html")]
struct IncomesPage {
    chrome: Chrome,
    h: Row,
    version: i64,
    end: String,
    prev_end: String,
    next_end: String,
    rows: Vec<GridRow>,
    error: Option<String>,
    decision: DecisionView,
}

#[derive(Debug, Deserialize, Default)]
pub struct GridQuery {
    /// The last month of the 12 shown (`YYYY-MM`); the current month by default.
    end: Option<String>,
}

pub(super) fn this_month() -> Month {
    Month::of_date(bangfu_service::today())
}

fn grid_rows(end: Month, recorded: &[MonthlyIncome]) -> Vec<GridRow> {
    let blank = |f: Fen, rec: bool| if rec { f.yuan() } else { String::new() };
    (0..12)
        .rev()
        .map(|k| end.add_months(-k))
        .map(|m| {
            let r = recorded.iter().find(|i| i.month == m);
            let i = r.copied().unwrap_or_else(|| MonthlyIncome::empty(m));
            let rec = r.is_some();
            GridRow {
                month: m.to_string(),
                wages: blank(i.wages, rec),
                business: blank(i.business, rec),
                property: blank(i.property, rec),
                transfer: blank(i.transfer, rec),
                medical: blank(i.medical, rec),
                schooling: blank(i.schooling, rec),
                emergency: blank(i.emergency, rec),
                recorded: rec,
            }
        })
        .collect()
}

async fn incomes_view(
    state: &AppState,
    actor: &Actor,
    id: i64,
    end: Month,
    typed: Option<Vec<GridRow>>,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    actor_can(actor, Permission::ManageHouseholds)?;
    let d = state.services.household_get(actor, HouseholdId(id)).await?;
    let rows = typed.unwrap_or_else(|| grid_rows(end, &d.incomes));
    Ok(render_status(
        status,
        &IncomesPage {
            chrome: Chrome::new(actor, "录入月收入", "households"),
            h: Row::from(&d.household),
            version: d.household.version,
            end: end.to_string(),
            prev_end: end.add_months(-12).to_string(),
            next_end: end.add_months(12).to_string(),
            rows,
            error,
            decision: decision_view(&d.identification),
        },
    ))
}

async fn incomes_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Query(q): Query<GridQuery>,
) -> PageResult {
    let end = match q.end.as_deref().map(|s| Month::parse("end", s)) {
        Some(Ok(m)) => m,
        Some(Err(e)) => return Err(PageError::BadRequest(e.message)),
        None => {
            // Show the year ending with the latest month on record, or now.
            let d = state
                .services
                .household_get(&actor, HouseholdId(id))
                .await?;
            d.incomes.last().map(|i| i.month).unwrap_or_else(this_month)
        }
    };
    incomes_view(&state, &actor, id, end, None, None, StatusCode::OK).await
}

#[derive(Debug, Deserialize, Default)]
pub struct GridForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    end: String,
    #[serde(default)]
    month: Vec<String>,
    #[serde(default)]
    wages: Vec<String>,
    #[serde(default)]
    business: Vec<String>,
    #[serde(default)]
    property: Vec<String>,
    #[serde(default)]
    transfer: Vec<String>,
    #[serde(default)]
    medical: Vec<String>,
    #[serde(default)]
    schooling: Vec<String>,
    #[serde(default)]
    emergency: Vec<String>,
    /// Months to remove (checkboxes).
    #[serde(default)]
    clear: Vec<String>,
}

impl GridForm {
    fn rows(&self) -> Vec<GridRow> {
        let at = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
        (0..self.month.len())
            .map(|i| GridRow {
                month: at(&self.month, i),
                wages: at(&self.wages, i),
                business: at(&self.business, i),
                property: at(&self.property, i),
                transfer: at(&self.transfer, i),
                medical: at(&self.medical, i),
                schooling: at(&self.schooling, i),
                emergency: at(&self.emergency, i),
                recorded: false,
            })
            .collect()
    }

    /// The months with anything typed in them, and the months to clear.
    fn parse(&self) -> Result<(Vec<MonthlyIncome>, Vec<Month>), ValidationError> {
        let mut out = Vec::new();
        for r in self.rows() {
            let cells = [
                r.wages.as_str(),
                &r.business,
                &r.property,
                &r.transfer,
                &r.medical,
                &r.schooling,
                &r.emergency,
            ];
            out.extend(typed_month(&r.month, cells)?);
        }
        let clear = self
            .clear
            .iter()
            .map(|m| Month::parse("clear", m))
            .collect::<Result<Vec<_>, _>>()?;
        out.retain(|i| !clear.contains(&i.month));
        Ok((out, clear))
    }
}

/// One row of an income grid as typed, cells in the order wages, business,
/// property, transfer, medical, schooling, emergency (yuan). `None` when
/// every cell is blank: a blank row is not a month of zero income.
pub(super) fn typed_month(
    month: &str,
    cells: [&str; 7],
) -> Result<Option<MonthlyIncome>, ValidationError> {
    if cells.iter().all(|c| c.trim().is_empty()) {
        return Ok(None);
    }
    let month = Month::parse("incomes", month)?;
    let mut fen = [Fen::ZERO; 7];
    for (slot, raw) in fen.iter_mut().zip(cells) {
        *slot = Fen::parse_yuan_opt("incomes", raw)
            .map_err(|e| ValidationError::new("incomes", format!("{month}：{}", e.message)))?
            .unwrap_or(Fen::ZERO);
    }
    let [wages, business, property, transfer, medical, schooling, emergency] = fen;
    Ok(Some(MonthlyIncome {
        month,
        wages,
        business,
        property,
        transfer,
        medical,
        schooling,
        emergency,
    }))
}

async fn incomes_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<GridForm>,
) -> PageResult {
    let end = Month::parse("end", &f.end).unwrap_or_else(|_| this_month());
    let version: i64 = f.version.trim().parse().unwrap_or(-1);
    let result = match f.parse() {
        Ok((list, clear)) => {
            state
                .services
                .household_save_incomes(&actor, HouseholdId(id), version, list, clear)
                .await
        }
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/households/{id}?notice=incomes")).into_response()),
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            incomes_view(&state, &actor, id, end, Some(f.rows()), Some(msg), status).await
        }
    }
}

// ---------- lines and parameters ----------

pub struct LineView {
    code: String,
    region: String,
    month: String,
    dibao: String,
    low: String,
    updated_at: String,
}

#[derive(Template)]
#[template(path = "lines.html")]
struct LinesPage {
    chrome: Chrome,
    can_manage: bool,
    lines: Vec<LineView>,
    regions: Vec<(String, String)>,
    own_region: String,
    params: ParamsFormView,
    notice: Option<String>,
    error: Option<String>,
    form: LineForm,
}

#[derive(Default)]
struct ParamsFormView {
    division_code: String,
    window_months: u32,
    multiple_k: u32,
    baseline_cutoff: String,
    source: String,
}

#[derive(Debug, Deserialize, Default, Clone)]
pub struct LineForm {
    #[serde(default)]
    division_code: String,
    #[serde(default)]
    effective_month: String,
    #[serde(default)]
    dibao_line: String,
    #[serde(default)]
    low_income_line: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct LinesQuery {
    notice: Option<String>,
    region: Option<String>,
}

async fn lines_view(
    state: &AppState,
    actor: &Actor,
    region: Option<String>,
    notice: Option<String>,
    error: Option<String>,
    form: LineForm,
    status: StatusCode,
) -> PageResult {
    let own = own_division(state, actor).await?;
    let lines = state.services.lines_list(actor).await?;
    let p = state.services.params_get(actor, region.clone()).await?;
    Ok(render_status(
        status,
        &LinesPage {
            chrome: Chrome::new(actor, "低保标准与识别参数", "lines"),
            can_manage: actor.can(Permission::ManageLines),
            lines: lines
                .iter()
                .rev()
                .map(|s| LineView {
                    code: s.line.division_code.clone(),
                    region: division_name(&s.line.division_code),
                    month: s.line.effective.to_string(),
                    dibao: yuan(s.line.dibao_line),
                    low: s.line.low_income_line.map(yuan).unwrap_or_else(|| {
                        format!("{}（1.5 倍）", yuan(Fen(s.line.dibao_line.0 * 3 / 2)))
                    }),
                    updated_at: local_time(&s.updated_at),
                })
                .collect(),
            regions: form_regions(&own),
            own_region: own,
            params: ParamsFormView {
                source: match &p.source {
                    Some(c) if *c == p.division_code => "本地区设置".into(),
                    Some(c) => format!("沿用{}的设置", division_name(c)),
                    None => "系统默认值".into(),
                },
                division_code: p.division_code,
                window_months: p.params.params.window_months,
                multiple_k: p.params.params.multiple_k,
                baseline_cutoff: p.params.baseline_cutoff.to_string(),
            },
            notice,
            error,
            form,
        },
    ))
}

async fn lines_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<LinesQuery>,
) -> PageResult {
    let notice = q.notice.map(|n| match n.as_str() {
        "line" => {
            "标准已保存。已建档家庭的识别结论将在打开档案或“重新识别”后按新标准计算。".to_owned()
        }
        "deleted" => "标准已删除。".to_owned(),
        "params" => "识别参数已保存。".to_owned(),
        other => other.to_owned(),
    });
    lines_view(
        &state,
        &actor,
        q.region,
        notice,
        None,
        LineForm::default(),
        StatusCode::OK,
    )
    .await
}

async fn line_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(f): Form<LineForm>,
) -> PageResult {
    let parsed = Fen::parse_yuan("dibao_line_fen", &f.dibao_line).and_then(|d| {
        Fen::parse_yuan_opt("low_income_line_fen", &f.low_income_line).map(|l| (d, l))
    });
    let result = match parsed {
        Ok((dibao, low)) => state
            .services
            .line_set(
                &actor,
                LineInput {
                    division_code: f.division_code.clone(),
                    effective_month: f.effective_month.clone(),
                    dibao_line: dibao,
                    low_income_line: low,
                },
            )
            .await
            .map(|_| ()),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/lines?notice=line").into_response()),
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            lines_view(&state, &actor, None, None, Some(msg), f, status).await
        }
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct LineDeleteForm {
    #[serde(default)]
    division_code: String,
    #[serde(default)]
    effective_month: String,
}

async fn line_delete(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(f): Form<LineDeleteForm>,
) -> PageResult {
    match state
        .services
        .line_delete(&actor, &f.division_code, &f.effective_month)
        .await
    {
        Ok(()) => Ok(Redirect::to("/lines?notice=deleted").into_response()),
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            lines_view(
                &state,
                &actor,
                None,
                None,
                Some(msg),
                LineForm::default(),
                status,
            )
            .await
        }
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct ParamsForm {
    #[serde(default)]
    division_code: String,
    #[serde(default)]
    window_months: String,
    #[serde(default)]
    multiple_k: String,
    #[serde(default)]
    baseline_cutoff: String,
}

async fn params_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(f): Form<ParamsForm>,
) -> PageResult {
    let parsed = (|| {
        let w =
            f.window_months.trim().parse::<u32>().map_err(|_| {
                ValidationError::new("window_months", "连续月数应为 1–36 之间的整数")
            })?;
        let k = f
            .multiple_k
            .trim()
            .parse::<u32>()
            .map_err(|_| ValidationError::new("multiple_k", "倍数应为 1–20 之间的整数"))?;
        let cutoff = chrono::NaiveDate::parse_from_str(f.baseline_cutoff.trim(), "%Y-%m-%d")
            .map_err(|_| ValidationError::new("baseline_cutoff", "存量截止日期应为 YYYY-MM-DD"))?;
        Ok::<_, ValidationError>((
            Params {
                window_months: w,
                multiple_k: k,
            },
            cutoff,
        ))
    })();
    let result = match parsed {
        Ok((p, cutoff)) => state
            .services
            .params_set(&actor, &f.division_code, p, cutoff)
            .await
            .map(|_| ()),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!(
            "/lines?notice=params&region={}",
            f.division_code.trim()
        ))
        .into_response()),
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            lines_view(
                &state,
                &actor,
                None,
                None,
                Some(msg),
                LineForm::default(),
                status,
            )
            .await
        }
    }
}

async fn reidentify_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
) -> PageResult {
    let (n, changed) = state.services.households_reidentify(&actor).await?;
    let msg = format!("已按现行标准重新识别 {n} 户在档家庭，其中 {changed} 户的识别结论发生变化。");
    let mut ser = form_urlencoded::Serializer::new(String::new());
    ser.append_pair("notice", &msg);
    Ok(Redirect::to(&format!("/lines?{}", ser.finish())).into_response())
}

// ---------- the public self-check ----------

#[derive(Debug, Deserialize, Default, Clone)]
pub struct CheckQuery {
    #[serde(default)]
    size: String,
    on_dibao: Option<String>,
    migrant: Option<String>,
    #[serde(default)]
    line: String,
    #[serde(default)]
    low_line: String,
    #[serde(default)]
    end: String,
    #[serde(default)]
    income: Vec<String>,
    #[serde(default)]
    rigid: Vec<String>,
}

#[derive(Template)]
#[template(path = "check.html")]
struct CheckPage {
    signed_in: bool,
    q: CheckQuery,
    months: Vec<(String, String, String)>,
    result: Option<DecisionView>,
    error: Option<String>,
}

impl CheckQuery {
    fn end_month(&self) -> Month {
        Month::parse("end", &self.end).unwrap_or_else(|_| this_month().pred())
    }

    fn evaluate(&self) -> Result<Identification, ValidationError> {
        let size: u32 = self
            .size
            .trim()
            .parse()
            .ok()
            .filter(|s| (1..=50).contains(s))
            .ok_or_else(|| ValidationError::new("size", "请填写家庭人口数（1–50）"))?;
        let line = Fen::parse_yuan("line", &self.line)
            .map_err(|_| ValidationError::new("line", "请填写当地低保标准（元/人·月）"))?;
        if line.0 <= 0 {
            return Err(ValidationError::new("line", "低保标准须大于 0"));
        }
        let low = Fen::parse_yuan_opt("low_line", &self.low_line)?;
        let end = self.end_month();
        let mut months = Vec::new();
        for (k, raw) in self.income.iter().enumerate() {
            if raw.trim().is_empty() {
                continue;
            }
            let month = end.add_months(i32::try_from(k).unwrap_or(0) - 5);
            let income = Fen::parse_yuan("income", raw)
                .map_err(|e| ValidationError::new("income", format!("{month}：{}", e.message)))?;
            let rigid =
                Fen::parse_yuan_opt("rigid", self.rigid.get(k).map(String::as_str).unwrap_or(""))
                    .map_err(|e| ValidationError::new("rigid", format!("{month}：{}", e.message)))?
                    .unwrap_or(Fen::ZERO);
            months.push(identification::MonthFigures {
                month,
                income,
                rigid_expenditure: rigid,
                dibao_line: line,
                low_income_line: low,
            });
        }
        identification::identify(
            &identification::Household {
                size,
                on_dibao: self.on_dibao.is_some(),
                migrant: self.migrant.is_some(),
                months,
            },
            Params::default(),
        )
    }
}

async fn check_page(
    MaybeActor(actor): MaybeActor,
    axum_extra::extract::Query(q): axum_extra::extract::Query<CheckQuery>,
) -> PageResult {
    let end = q.end_month();
    let months = (0..6)
        .map(|k| {
            let m = end.add_months(k - 5).to_string();
            let i = usize::try_from(k).unwrap_or(0);
            (
                m,
                q.income.get(i).cloned().unwrap_or_default(),
                q.rigid.get(i).cloned().unwrap_or_default(),
            )
        })
        .collect();
    let asked = !q.size.is_empty() || !q.line.is_empty();
    let (result, error) = if asked {
        match q.evaluate() {
            Ok(i) => (Some(decision_view(&i)), None),
            Err(e) => (None, Some(e.message)),
        }
    } else {
        (None, None)
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let mut q = q;
    if q.end.is_empty() {
        q.end = end.to_string();
    }
    Ok(render_status(
        status,
        &CheckPage {
            signed_in: actor.is_some(),
            q,
            months,
            result,
            error,
        },
    ))
}
