//! Pages: assistance records, regular subsidies and referrals.

use super::households::filing_unions;
use super::{all_pages, form_failure, pager, render_status, xlsx_response, Chrome, PageResult};
use crate::auth::PageActor;
use crate::error::PageError;
use crate::view::local_time;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::Router;
use axum_extra::extract::Form;
use bangfu_domain::assistance::{
    AssistanceId, AssistanceStatus, Catalogue, PlanStatus, ReferralId, Stage, SubsidyId,
    SubsidyPeriod,
};
use bangfu_domain::funds::Source;
use bangfu_domain::household::HouseholdId;
use bangfu_domain::{Fen, Permission};
use bangfu_service::assistance::{Assistance, AssistanceInput, AssistanceQuery};
use bangfu_service::plans::Measure;
use bangfu_service::referrals::{Referral, ReferralInput, ReferralQuery};
use bangfu_service::subsidies::{Payment, Subsidy, SubsidyFilter, SubsidyInput};
use bangfu_service::{Actor, PageRequest, ServiceError};
use serde::Deserialize;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/households/{id}/assistance",
            get(household_page).post(household_record),
        )
        .route(
            "/households/{id}/referrals",
            get(household_referrals).post(household_send),
        )
        .route("/assistance", get(list_page))
        .route("/assistance/export.xlsx", get(list_export))
        .route("/assistance/{id}/approve", post(approve))
        .route("/assistance/{id}/refuse", post(refuse))
        .route("/assistance/{id}/reverse", post(reverse))
        .route("/subsidies", get(subsidies_page).post(subsidy_create))
        .route("/subsidies/{id}/stop", post(subsidy_stop))
        .route("/subsidies/generate", post(subsidy_generate))
        .route("/subsidies/pay", post(subsidy_pay))
        .route("/referrals", get(referrals_page))
        .route("/referrals/{id}/answer", post(referral_answer))
}

type Opts = Vec<(String, String)>;

use bangfu_service::today;

fn sources() -> Opts {
    [
        Source::Union,
        Source::Returned,
        Source::Finance,
        Source::Donation,
    ]
    .iter()
    .map(|s| (s.code().to_owned(), s.label().to_owned()))
    .collect()
}

fn stages() -> Opts {
    [
        Stage::Primary,
        Stage::Junior,
        Stage::Senior,
        Stage::Vocational,
        Stage::College,
        Stage::Undergraduate,
        Stage::Graduate,
    ]
    .iter()
    .map(|s| (s.code().to_owned(), s.label().to_owned()))
    .collect()
}

async fn catalogue(
    state: &AppState,
    actor: &Actor,
    kind: Catalogue,
    all: bool,
) -> Result<Opts, PageError> {
    Ok(state
        .services
        .assistance_catalogue(actor, kind, all)
        .await?
        .into_iter()
        .map(|e| (e.code, e.label))
        .collect())
}

fn label_of(opts: &Opts, code: &str) -> String {
    opts.iter()
        .find(|(c, _)| c == code)
        .map(|(_, l)| l.clone())
        .unwrap_or_else(|| code.to_owned())
}

fn notice(code: &str) -> Option<String> {
    Some(
        match code {
            "" => return None,
            "recorded" => "帮扶记录已保存。",
            "pending" => "现金超过审批限额，已提交审核人审批，批准后发放。",
            "approved" => "已批准并发放。",
            "refused" => "已不予批准，未发放资金。",
            "reversed" => "已冲销，资金已退回账户。",
            "subsidy" => "常态化补助已设定。到期后在“常态化补助”页生成应发名单。",
            "stopped" => "已停发，未发放的应发补助已取消。",
            "sent" => "需求已推送给部门。",
            "answered" => "答复已记录。",
            _ => "操作已完成。",
        }
        .to_owned(),
    )
}

fn status_class(s: AssistanceStatus) -> &'static str {
    match s {
        AssistanceStatus::Given => "ok",
        AssistanceStatus::Pending => "warn",
        AssistanceStatus::Refused | AssistanceStatus::Reversed => "off",
    }
}

pub struct RecordView {
    id: i64,
    household_id: i64,
    worker_name: String,
    file_no: String,
    union_name: String,
    kind: String,
    given_on: String,
    cash: String,
    goods: String,
    goods_value: String,
    persons: i32,
    source: String,
    education: String,
    note: String,
    status: &'static str,
    status_class: &'static str,
    given: bool,
    given_by: String,
    origin: String,
}

impl RecordView {
    fn of(a: &Assistance, kinds: &Opts) -> Self {
        Self {
            id: a.id.0,
            household_id: a.household_id.0,
            worker_name: a.worker_name.clone(),
            file_no: a.file_no.clone(),
            union_name: a.union_name.clone(),
            kind: label_of(kinds, &a.kind),
            given_on: a.given_on.to_string(),
            cash: a.cash.yuan(),
            goods: a.goods.clone(),
            goods_value: a.goods_value.yuan(),
            persons: a.persons,
            source: a.source.map(|s| s.label().to_owned()).unwrap_or_default(),
            education: match (&a.school, a.stage) {
                (Some(s), Some(st)) => format!("{s}（{}）", st.label()),
                _ => String::new(),
            },
            note: a.note.clone(),
            status: a.status.label(),
            status_class: status_class(a.status),
            given: a.status == AssistanceStatus::Given,
            given_by: a.given_by_name.clone(),
            origin: if a.subsidy_id.is_some() {
                "常态化补助".into()
            } else if a.referral_id.is_some() {
                "需求推送".into()
            } else {
                String::new()
            },
        }
    }

    fn row(&self) -> Vec<String> {
        vec![
            self.given_on.clone(),
            self.worker_name.clone(),
            self.file_no.clone(),
            self.kind.clone(),
            self.cash.clone(),
            self.goods.clone(),
            self.goods_value.clone(),
            self.persons.to_string(),
            self.source.clone(),
            self.union_name.clone(),
            self.education.clone(),
            self.status.to_owned(),
            self.given_by.clone(),
            self.note.clone(),
        ]
    }
}

pub struct TotalsView {
    label: String,
    cash: String,
    goods_value: String,
    household_times: i64,
    person_times: i64,
}

// ---------------------------------------------------------------- household page

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RecordForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    given_on: String,
    #[serde(default)]
    cash: String,
    #[serde(default)]
    goods: String,
    #[serde(default)]
    goods_value: String,
    #[serde(default)]
    persons: String,
    #[serde(default)]
    measure_id: String,
    /// The paying union (发放工会).
    #[serde(default)]
    union_id: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    school: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    note: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SubsidyForm {
    #[serde(default)]
    household_id: i64,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    start_month: String,
    #[serde(default)]
    end_month: String,
    #[serde(default)]
    source: String,
}

#[derive(Template)]
#[template(path = "assistance_household.html")]
struct HouseholdPage {
    chrome: Chrome,
    household_id: i64,
    tab: &'static str,
    name: String,
    file_no: String,
    closed: bool,
    totals: TotalsView,
    by_kind: Vec<TotalsView>,
    records: Vec<RecordView>,
    subsidies: Vec<SubsidyView>,
    may_record: bool,
    may_subsidy: bool,
    threshold: String,
    form: RecordForm,
    kinds: Opts,
    /// The household's measures a record may serve (id, label).
    measures: Opts,
    /// The unions that may pay (id, name).
    paying_unions: Opts,
    sources: Opts,
    stages: Opts,
    periods: Opts,
    this_month: String,
    notice: Option<String>,
    error: Option<String>,
    field: &'static str,
}

#[derive(Debug, Deserialize, Default)]
pub struct NoticeQ {
    #[serde(default)]
    notice: String,
}

fn totals_view(label: &str, t: &bangfu_service::assistance::Totals) -> TotalsView {
    TotalsView {
        label: label.to_owned(),
        cash: t.cash.yuan(),
        goods_value: t.goods_value.yuan(),
        household_times: t.household_times,
        person_times: t.person_times,
    }
}

#[allow(clippy::too_many_arguments)]
async fn household_view(
    state: &AppState,
    actor: &Actor,
    id: i64,
    form: Option<RecordForm>,
    notice: Option<String>,
    error: Option<(String, Option<&'static str>)>,
    status: StatusCode,
) -> PageResult {
    let h = state
        .services
        .assistance_of_household(actor, HouseholdId(id))
        .await?;
    let kinds_all = catalogue(state, actor, Catalogue::AssistanceKind, true).await?;
    let kinds = catalogue(state, actor, Catalogue::AssistanceKind, false).await?;
    let subsidies = state
        .services
        .subsidy_list(
            actor,
            None,
            SubsidyFilter {
                household_id: Some(HouseholdId(id)),
                ..Default::default()
            },
            PageRequest::new(Some(1), Some(50)),
        )
        .await?;
    let (error, field) = match error {
        Some((m, f)) => (Some(m), f.unwrap_or("")),
        None => (None, ""),
    };
    let closed = !h.household.status.under_assistance();
    Ok(render_status(
        status,
        &HouseholdPage {
            chrome: Chrome::new(
                actor,
                format!("{} · 帮扶记录", h.household.data.worker_name),
                "assistance",
            ),
            household_id: id,
            tab: "assistance",
            name: h.household.data.worker_name.clone(),
            file_no: h.household.file_no.clone(),
            closed,
            totals: totals_view("合计", &h.totals),
            by_kind: h
                .by_kind
                .iter()
                .map(|k| totals_view(&k.label, &k.totals))
                .collect(),
            records: h
                .records
                .iter()
                .map(|a| RecordView::of(a, &kinds_all))
                .collect(),
            subsidies: subsidies.items.iter().map(SubsidyView::from).collect(),
            may_record: h.may_record,
            may_subsidy: h.may_record,
            threshold: state.services.settings().approval_threshold.yuan(),
            form: form.unwrap_or_else(|| RecordForm {
                given_on: today().to_string(),
                persons: "1".into(),
                union_id: h.default_union_id.0.to_string(),
                ..Default::default()
            }),
            kinds,
            measures: h
                .measures
                .iter()
                .map(|m| (m.id.0.to_string(), measure_label(m, &h.track_labels)))
                .collect(),
            paying_unions: h
                .paying_unions
                .iter()
                .map(|u| (u.id.0.to_string(), u.name.clone()))
                .collect(),
            sources: sources(),
            stages: stages(),
            periods: [SubsidyPeriod::Monthly, SubsidyPeriod::Quarterly]
                .iter()
                .map(|p| (p.code().to_owned(), p.label().to_owned()))
                .collect(),
            this_month: today().format("%Y-%m").to_string(),
            notice,
            error,
            field,
        },
    ))
}

async fn household_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQ>,
) -> PageResult {
    household_view(
        &state,
        &actor,
        id,
        None,
        notice(&q.notice),
        None,
        StatusCode::OK,
    )
    .await
}

/// How a measure is named in the record form: plan year, track, content
/// (shortened) and whether its plan still awaits approval.
fn measure_label(m: &Measure, tracks: &HashMap<String, String>) -> String {
    const MAX: usize = 30;
    let content = m.content.trim();
    let short: String = if content.chars().count() > MAX {
        let mut s: String = content.chars().take(MAX).collect();
        s.push('…');
        s
    } else {
        content.to_owned()
    };
    let track = tracks
        .get(&m.track)
        .map_or(m.track.as_str(), String::as_str);
    let pending = if m.plan_status == PlanStatus::Approved {
        ""
    } else {
        "（计划未审定）"
    };
    format!("{}年 · {track} · {short}{pending}", m.plan_year)
}

fn id_of(field: &'static str, raw: &str, message: &str) -> Result<Option<i64>, ServiceError> {
    match raw.trim() {
        "" => Ok(None),
        s => s.parse().map(Some).map_err(|_| {
            ServiceError::Invalid(bangfu_domain::ValidationError::new(field, message))
        }),
    }
}

fn yuan_or_zero(field: &'static str, raw: &str) -> Result<Fen, ServiceError> {
    Ok(Fen::parse_yuan_opt(field, raw)?.unwrap_or(Fen::ZERO))
}

fn input_of(f: &RecordForm) -> Result<AssistanceInput, ServiceError> {
    Ok(AssistanceInput {
        union_id: id_of("union_id", &f.union_id, "请选择发放工会")?,
        kind: f.kind.clone(),
        given_on: f.given_on.clone(),
        cash: yuan_or_zero("cash", &f.cash)?,
        goods: f.goods.clone(),
        goods_value: yuan_or_zero("goods_value", &f.goods_value)?,
        persons: match f.persons.trim() {
            "" => 1,
            s => s.parse().map_err(|_| {
                ServiceError::Invalid(bangfu_domain::ValidationError::new(
                    "persons",
                    "受益人数应为整数",
                ))
            })?,
        },
        measure_id: id_of("measure_id", &f.measure_id, "请从列表中选择帮扶措施")?,
        source: f.source.clone(),
        school: f.school.clone(),
        stage: f.stage.clone(),
        note: f.note.clone(),
    })
}

async fn household_record(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(form): Form<RecordForm>,
) -> PageResult {
    let result = match input_of(&form) {
        Ok(input) => {
            state
                .services
                .assistance_record(&actor, HouseholdId(id), input)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(a) => {
            let code = if a.status == AssistanceStatus::Pending {
                "pending"
            } else {
                "recorded"
            };
            Ok(Redirect::to(&format!("/households/{id}/assistance?notice={code}")).into_response())
        }
        Err(e) => {
            let (status, msg, field) = form_failure(e)?;
            household_view(
                &state,
                &actor,
                id,
                Some(form),
                None,
                Some((msg, field)),
                status,
            )
            .await
        }
    }
}

// ---------------------------------------------------------------- the list

#[derive(Debug, Clone, Deserialize, Default)]
pub struct ListQ {
    union_id: Option<String>,
    kind: Option<String>,
    status: Option<String>,
    from: Option<String>,
    until: Option<String>,
    q: Option<String>,
    page: Option<i64>,
    #[serde(default)]
    notice: String,
}

impl ListQ {
    fn query(&self) -> AssistanceQuery {
        AssistanceQuery {
            union_id: self.union_id.as_deref().and_then(|s| s.trim().parse().ok()),
            kind: self.kind.clone(),
            status: self.status.clone(),
            from: self.from.clone(),
            until: self.until.clone(),
            q: self.q.clone(),
        }
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        vec![
            ("union_id", self.union_id.clone().unwrap_or_default()),
            ("kind", self.kind.clone().unwrap_or_default()),
            ("status", self.status.clone().unwrap_or_default()),
            ("from", self.from.clone().unwrap_or_default()),
            ("until", self.until.clone().unwrap_or_default()),
            ("q", self.q.clone().unwrap_or_default()),
        ]
    }
}

fn export_link(params: &[(&'static str, String)]) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params.iter().filter(|(_, v)| !v.is_empty()) {
        ser.append_pair(k, v);
    }
    format!("/assistance/export.xlsx?{}", ser.finish())
}

/// The list's filters as typed.
pub struct FilterView {
    q: String,
    union_id: String,
    kind: String,
    status: String,
    from: String,
    until: String,
}

#[derive(Template)]
#[template(path = "assistance.html")]
struct ListPage {
    chrome: Chrome,
    f: FilterView,
    unions: Vec<(i64, String)>,
    kinds: Opts,
    statuses: Opts,
    items: Vec<RecordView>,
    total: i64,
    pager: String,
    export: String,
    pending: Vec<RecordView>,
    can_approve: bool,
    can_reverse: bool,
    notice: Option<String>,
    error: Option<String>,
}

async fn list_view(
    state: &AppState,
    actor: &Actor,
    q: &ListQ,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let page = state
        .services
        .assistance_list(actor, q.query(), PageRequest::new(q.page, Some(20)))
        .await?;
    let kinds = catalogue(state, actor, Catalogue::AssistanceKind, true).await?;
    let can_approve = actor.can(Permission::ApproveAssistance);
    let pending = if can_approve {
        state
            .services
            .assistance_list(
                actor,
                AssistanceQuery {
                    status: Some(AssistanceStatus::Pending.code().into()),
                    ..Default::default()
                },
                PageRequest::new(Some(1), Some(100)),
            )
            .await?
            .items
    } else {
        Vec::new()
    };
    let params = q.params();
    let export = export_link(&params);
    let unions = filing_unions(state, actor).await.unwrap_or_default();
    Ok(render_status(
        status,
        &ListPage {
            chrome: Chrome::new(actor, "帮扶记录", "assistance"),
            f: FilterView {
                q: q.q.clone().unwrap_or_default(),
                union_id: q.union_id.clone().unwrap_or_default(),
                kind: q.kind.clone().unwrap_or_default(),
                status: q.status.clone().unwrap_or_default(),
                from: q.from.clone().unwrap_or_default(),
                until: q.until.clone().unwrap_or_default(),
            },
            unions,
            statuses: [
                AssistanceStatus::Given,
                AssistanceStatus::Pending,
                AssistanceStatus::Refused,
                AssistanceStatus::Reversed,
            ]
            .iter()
            .map(|s| (s.code().to_owned(), s.label().to_owned()))
            .collect(),
            items: page
                .items
                .iter()
                .map(|a| RecordView::of(a, &kinds))
                .collect(),
            total: page.total,
            pager: pager("/assistance", &params, page.page, page.pages()),
            export,
            pending: pending.iter().map(|a| RecordView::of(a, &kinds)).collect(),
            can_approve,
            can_reverse: can_approve || actor.can(Permission::ManageFunds),
            kinds,
            notice: notice(&q.notice),
            error,
        },
    ))
}

async fn list_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<ListQ>,
) -> PageResult {
    list_view(&state, &actor, &q, None, StatusCode::OK).await
}

async fn list_export(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<ListQ>,
) -> PageResult {
    let query = q.query();
    let items = all_pages(|p| state.services.assistance_list(&actor, query.clone(), p)).await?;
    let kinds = catalogue(&state, &actor, Catalogue::AssistanceKind, true).await?;
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|a| RecordView::of(a, &kinds).row())
        .collect();
    xlsx_response(
        "帮扶记录.xlsx",
        "帮扶记录",
        &[
            "帮扶日期",
            "姓名",
            "档案编号",
            "帮扶类别",
            "现金（元）",
            "物资",
            "物资折价（元）",
            "受益人数",
            "资金来源",
            "发放工会",
            "就学情况",
            "状态",
            "经办人",
            "备注",
        ],
        &rows,
    )
}

#[derive(Debug, Deserialize, Default)]
pub struct ActForm {
    #[serde(default)]
    reason: String,
    /// Where to go back to (a household's page, or the list).
    #[serde(default)]
    back: String,
}

fn back_to(back: &str, code: &str) -> String {
    let base = if back.starts_with("/households/") || back.starts_with("/assistance") {
        back.split('?').next().unwrap_or("/assistance")
    } else {
        "/assistance"
    };
    format!("{base}?notice={code}")
}

async fn act_result(
    state: &AppState,
    actor: &Actor,
    r: Result<Assistance, ServiceError>,
    back: &str,
    code: &str,
) -> PageResult {
    match r {
        Ok(_) => Ok(Redirect::to(&back_to(back, code)).into_response()),
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            list_view(state, actor, &ListQ::default(), Some(msg), status).await
        }
    }
}

async fn approve(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<ActForm>,
) -> PageResult {
    let r = state
        .services
        .assistance_approve(&actor, AssistanceId(id))
        .await;
    act_result(&state, &actor, r, &f.back, "approved").await
}

async fn refuse(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<ActForm>,
) -> PageResult {
    let r = state
        .services
        .assistance_refuse(&actor, AssistanceId(id), &f.reason)
        .await;
    act_result(&state, &actor, r, &f.back, "refused").await
}

async fn reverse(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<ActForm>,
) -> PageResult {
    let r = state
        .services
        .assistance_reverse(&actor, AssistanceId(id), &f.reason)
        .await;
    act_result(&state, &actor, r, &f.back, "reversed").await
}

// ---------------------------------------------------------------- subsidies

pub struct SubsidyView {
    id: i64,
    household_id: i64,
    worker_name: String,
    file_no: String,
    union_name: String,
    amount: String,
    period: &'static str,
    months: String,
    source: &'static str,
    active: bool,
    status: &'static str,
    stop_reason: String,
}

impl From<&Subsidy> for SubsidyView {
    fn from(s: &Subsidy) -> Self {
        Self {
            id: s.id.0,
            household_id: s.household_id.0,
            worker_name: s.worker_name.clone(),
            file_no: s.file_no.clone(),
            union_name: s.union_name.clone(),
            amount: s.amount.yuan(),
            period: s.period.label(),
            months: match s.end_month {
                Some(e) => format!("{} 至 {e}", s.start_month),
                None => format!("{} 起", s.start_month),
            },
            source: s.source.label(),
            active: s.status == bangfu_domain::assistance::SubsidyStatus::Active,
            status: s.status.label(),
            stop_reason: s.stop_reason.clone().unwrap_or_default(),
        }
    }
}

pub struct PaymentView {
    id: i64,
    household_id: i64,
    worker_name: String,
    file_no: String,
    union_name: String,
    source: &'static str,
    period: String,
    amount: String,
}

impl From<&Payment> for PaymentView {
    fn from(p: &Payment) -> Self {
        Self {
            id: p.id.0,
            household_id: p.household_id.0,
            worker_name: p.worker_name.clone(),
            file_no: p.file_no.clone(),
            union_name: p.union_name.clone(),
            source: p.source.label(),
            period: p.period.to_string(),
            amount: p.amount.yuan(),
        }
    }
}

#[derive(Template)]
#[template(path = "subsidies.html")]
struct SubsidiesPage {
    chrome: Chrome,
    union_id: String,
    unions: Vec<(i64, String)>,
    items: Vec<SubsidyView>,
    total: i64,
    pager: String,
    due: Vec<PaymentView>,
    due_total: i64,
    due_amount: String,
    can_generate: bool,
    can_pay: bool,
    can_stop: bool,
    this_month: String,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct SubsidiesQ {
    union_id: Option<String>,
    page: Option<i64>,
    #[serde(default)]
    notice: String,
}

async fn subsidies_view(
    state: &AppState,
    actor: &Actor,
    q: &SubsidiesQ,
    notice_msg: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let union_id: Option<i64> = q.union_id.as_deref().and_then(|s| s.trim().parse().ok());
    let list = state
        .services
        .subsidy_list(
            actor,
            union_id,
            SubsidyFilter::default(),
            PageRequest::new(q.page, Some(20)),
        )
        .await?;
    let due = state
        .services
        .subsidy_due(
            actor,
            union_id,
            PageRequest::new(Some(1), Some(PageRequest::MAX_PER_PAGE)),
        )
        .await?;
    let params = vec![("union_id", q.union_id.clone().unwrap_or_default())];
    Ok(render_status(
        status,
        &SubsidiesPage {
            chrome: Chrome::new(actor, "常态化补助", "subsidies"),
            union_id: q.union_id.clone().unwrap_or_default(),
            unions: filing_unions(state, actor).await.unwrap_or_default(),
            items: list.items.iter().map(SubsidyView::from).collect(),
            total: list.total,
            pager: pager("/subsidies", &params, list.page, list.pages()),
            due: due.items.iter().map(PaymentView::from).collect(),
            due_total: due.total,
            due_amount: due.amount.yuan(),
            can_generate: actor.can(Permission::ManageFunds)
                || actor.can(Permission::ManageAssistance),
            can_pay: actor.can(Permission::ManageFunds),
            can_stop: actor.can(Permission::ManageFunds) || actor.can(Permission::ManageAssistance),
            this_month: today().format("%Y-%m").to_string(),
            notice: notice_msg.or_else(|| notice(&q.notice)),
            error,
        },
    ))
}

async fn subsidies_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<SubsidiesQ>,
) -> PageResult {
    subsidies_view(&state, &actor, &q, None, None, StatusCode::OK).await
}

async fn subsidy_create(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(f): Form<SubsidyForm>,
) -> PageResult {
    let id = f.household_id;
    let result = match Fen::parse_yuan("amount", &f.amount) {
        Ok(amount) => {
            state
                .services
                .subsidy_create(
                    &actor,
                    SubsidyInput {
                        household_id: id,
                        union_id: None,
                        amount,
                        period: f.period.clone(),
                        start_month: f.start_month.clone(),
                        end_month: f.end_month.clone(),
                        source: f.source.clone(),
                        measure_id: None,
                    },
                )
                .await
        }
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(_) => Ok(
            Redirect::to(&format!("/households/{id}/assistance?notice=subsidy")).into_response(),
        ),
        Err(e) => {
            let (status, msg, field) = form_failure(e)?;
            household_view(
                &state,
                &actor,
                id,
                None,
                None,
                Some((format!("常态化补助未设定：{msg}"), field)),
                status,
            )
            .await
        }
    }
}

async fn subsidy_stop(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<ActForm>,
) -> PageResult {
    match state
        .services
        .subsidy_stop(&actor, SubsidyId(id), &f.reason)
        .await
    {
        Ok(s) => {
            let to = if f.back.starts_with("/households/") {
                format!("/households/{}/assistance?notice=stopped", s.household_id.0)
            } else {
                "/subsidies?notice=stopped".to_owned()
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            subsidies_view(
                &state,
                &actor,
                &SubsidiesQ::default(),
                None,
                Some(msg),
                status,
            )
            .await
        }
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct GenerateForm {
    #[serde(default)]
    union_id: String,
    #[serde(default)]
    upto: String,
}

async fn subsidy_generate(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(f): Form<GenerateForm>,
) -> PageResult {
    let union_id = f.union_id.trim().parse().ok();
    let q = SubsidiesQ {
        union_id: Some(f.union_id.clone()),
        ..Default::default()
    };
    match state
        .services
        .subsidy_generate(&actor, union_id, &f.upto)
        .await
    {
        Ok(g) => {
            let msg = format!(
                "已生成 {} 笔应发补助（已生成过的不重复生成）；因档案关闭取消 {} 笔。",
                g.created, g.cancelled
            );
            subsidies_view(&state, &actor, &q, Some(msg), None, StatusCode::OK).await
        }
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            subsidies_view(&state, &actor, &q, None, Some(msg), status).await
        }
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct PayForm {
    #[serde(default)]
    union_id: String,
    #[serde(default)]
    payment: Vec<i64>,
}

async fn subsidy_pay(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(f): Form<PayForm>,
) -> PageResult {
    let union_id: Option<i64> = f.union_id.trim().parse().ok();
    let q = SubsidiesQ {
        union_id: Some(f.union_id.clone()),
        ..Default::default()
    };
    let ids = if f.payment.is_empty() {
        None
    } else {
        Some(f.payment.clone())
    };
    let union = if ids.is_none() {
        Some(union_id.unwrap_or(actor.user.union_id.0))
    } else {
        union_id
    };
    match state.services.subsidy_pay(&actor, union, ids).await {
        Ok(p) => {
            let msg = format!(
                "已发放 {} 笔，共 {} 元，已记入各户帮扶记录{}。",
                p.paid,
                p.amount.yuan(),
                if p.cancelled > 0 {
                    format!("；{} 笔因档案关闭已取消", p.cancelled)
                } else {
                    String::new()
                }
            );
            subsidies_view(&state, &actor, &q, Some(msg), None, StatusCode::OK).await
        }
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            subsidies_view(&state, &actor, &q, None, Some(msg), status).await
        }
    }
}

// ---------------------------------------------------------------- referrals

pub struct ReferralView {
    id: i64,
    worker_name: String,
    file_no: String,
    union_name: String,
    department: String,
    need: String,
    policy: String,
    deadline: String,
    status: &'static str,
    status_class: &'static str,
    open: bool,
    overdue: bool,
    answer: String,
    answered: String,
    version: i64,
}

fn referral_view(r: &Referral, departments: &Opts) -> ReferralView {
    let open = r.status == bangfu_domain::assistance::ReferralStatus::Sent;
    ReferralView {
        id: r.id.0,
        worker_name: r.worker_name.clone(),
        file_no: r.file_no.clone(),
        union_name: r.union_name.clone(),
        department: label_of(departments, &r.department),
        need: r.need.clone(),
        policy: r.policy.clone(),
        deadline: r.deadline.to_string(),
        status: r.status.label(),
        status_class: match r.status {
            bangfu_domain::assistance::ReferralStatus::Sent => "warn",
            bangfu_domain::assistance::ReferralStatus::Granted => "ok",
            bangfu_domain::assistance::ReferralStatus::Refused => "off",
        },
        open,
        overdue: r.status.overdue(r.deadline, today()),
        answer: r.answer.clone().unwrap_or_default(),
        answered: match (&r.answered_at, r.answered_by_name.is_empty()) {
            (Some(t), false) => format!("{} {}", r.answered_by_name, local_time(t)),
            (Some(t), true) => local_time(t),
            _ => String::new(),
        },
        version: r.version,
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct ReferralsQ {
    status: Option<String>,
    department: Option<String>,
    page: Option<i64>,
    #[serde(default)]
    notice: String,
}

#[derive(Template)]
#[template(path = "referrals.html")]
struct ReferralsPage {
    chrome: Chrome,
    status: String,
    department: String,
    departments: Opts,
    is_department: bool,
    can_answer: bool,
    items: Vec<ReferralView>,
    total: i64,
    pager: String,
    back: String,
    notice: Option<String>,
    error: Option<String>,
}

async fn referrals_view(
    state: &AppState,
    actor: &Actor,
    q: &ReferralsQ,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let page = state
        .services
        .referral_list(
            actor,
            ReferralQuery {
                department: q.department.clone(),
                status: q.status.clone(),
                ..Default::default()
            },
            PageRequest::new(q.page, Some(20)),
        )
        .await?;
    let departments = catalogue(state, actor, Catalogue::Department, true).await?;
    let params = vec![
        ("status", q.status.clone().unwrap_or_default()),
        ("department", q.department.clone().unwrap_or_default()),
    ];
    let is_department = !actor.can(Permission::ReadAssistance);
    Ok(render_status(
        status,
        &ReferralsPage {
            chrome: Chrome::new(actor, "需求推送", "referrals"),
            status: q.status.clone().unwrap_or_default(),
            department: q.department.clone().unwrap_or_default(),
            is_department,
            can_answer: actor.can(Permission::SendReferrals)
                || actor.can(Permission::AnswerReferrals),
            items: page
                .items
                .iter()
                .map(|r| referral_view(r, &departments))
                .collect(),
            departments,
            total: page.total,
            pager: pager("/referrals", &params, page.page, page.pages()),
            back: "/referrals".into(),
            notice: notice(&q.notice),
            error,
        },
    ))
}

async fn referrals_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<ReferralsQ>,
) -> PageResult {
    referrals_view(&state, &actor, &q, None, StatusCode::OK).await
}

#[derive(Debug, Deserialize, Default)]
pub struct AnswerForm {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    answer: String,
    version: Option<i64>,
    #[serde(default)]
    back: String,
}

async fn referral_answer(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<AnswerForm>,
) -> PageResult {
    let granted = f.outcome == "granted";
    match state
        .services
        .referral_answer(&actor, ReferralId(id), f.version, granted, &f.answer)
        .await
    {
        Ok(r) => {
            let to = if f.back.starts_with("/households/") {
                format!("/households/{}/referrals?notice=answered", r.household_id.0)
            } else {
                "/referrals?notice=answered".to_owned()
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            referrals_view(&state, &actor, &ReferralsQ::default(), Some(msg), status).await
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SendForm {
    #[serde(default)]
    department: String,
    #[serde(default)]
    need: String,
    #[serde(default)]
    policy: String,
    #[serde(default)]
    deadline: String,
}

#[derive(Template)]
#[template(path = "referrals_household.html")]
struct HouseholdReferralsPage {
    chrome: Chrome,
    household_id: i64,
    tab: &'static str,
    name: String,
    file_no: String,
    closed: bool,
    items: Vec<ReferralView>,
    can_send: bool,
    can_answer: bool,
    departments: Opts,
    form: SendForm,
    today: String,
    back: String,
    notice: Option<String>,
    error: Option<String>,
    field: &'static str,
}

async fn household_referrals_view(
    state: &AppState,
    actor: &Actor,
    id: i64,
    form: Option<SendForm>,
    notice_msg: Option<String>,
    error: Option<(String, Option<&'static str>)>,
    status: StatusCode,
) -> PageResult {
    let h = state.services.household_get(actor, HouseholdId(id)).await?;
    let list = state
        .services
        .referral_list(
            actor,
            ReferralQuery {
                household_id: Some(id),
                ..Default::default()
            },
            PageRequest::new(Some(1), Some(PageRequest::MAX_PER_PAGE)),
        )
        .await?;
    let all = catalogue(state, actor, Catalogue::Department, true).await?;
    let (error, field) = match error {
        Some((m, f)) => (Some(m), f.unwrap_or("")),
        None => (None, ""),
    };
    let closed = !h.household.status.under_assistance();
    Ok(render_status(
        status,
        &HouseholdReferralsPage {
            chrome: Chrome::new(
                actor,
                format!("{} · 需求推送", h.household.data.worker_name),
                "referrals",
            ),
            household_id: id,
            tab: "referrals",
            name: h.household.data.worker_name.clone(),
            file_no: h.household.file_no.clone(),
            closed,
            items: list.items.iter().map(|r| referral_view(r, &all)).collect(),
            can_send: actor.can(Permission::SendReferrals) && !closed,
            can_answer: actor.can(Permission::SendReferrals),
            departments: catalogue(state, actor, Catalogue::Department, false).await?,
            form: form.unwrap_or_default(),
            today: today().to_string(),
            back: format!("/households/{id}/referrals"),
            notice: notice_msg,
            error,
            field,
        },
    ))
}

async fn household_referrals(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQ>,
) -> PageResult {
    household_referrals_view(
        &state,
        &actor,
        id,
        None,
        notice(&q.notice),
        None,
        StatusCode::OK,
    )
    .await
}

async fn household_send(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<SendForm>,
) -> PageResult {
    let input = ReferralInput {
        household_id: id,
        department: f.department.clone(),
        need: f.need.clone(),
        policy: f.policy.clone(),
        deadline: f.deadline.clone(),
    };
    match state.services.referral_send(&actor, input).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/households/{id}/referrals?notice=sent")).into_response())
        }
        Err(e) => {
            let (status, msg, field) = form_failure(e)?;
            household_referrals_view(
                &state,
                &actor,
                id,
                Some(f),
                None,
                Some((msg, field)),
                status,
            )
            .await
        }
    }
}
