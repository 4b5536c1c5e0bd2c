//! Pages: 临时救助档案 — record one-off help after a sudden event without a
//! full file, list and count such files apart, close one, or convert (转正)
//! one into a full file through the filing form, pre-filled.

use super::households::{filing_unions, form_page, HouseholdForm};
use super::{render_results, with_query, SwapsResults};
use crate::pages::prelude::*;
use crate::view::local_time;
use axum::routing::{get, post};
use axum::Router;
use bangfu_domain::funds::Source;
use bangfu_domain::household::HardshipCause;
use bangfu_domain::temporary::{TemporaryFileId, TemporaryStatus, SUDDEN_CAUSES};
use bangfu_domain::{Fen, Permission, ValidationError};
use bangfu_service::temporary_files::{
    TemporaryInput, TemporaryList, TemporaryQuery, TemporaryView,
};
use bangfu_service::{today, PageRequest, ServiceError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/temporary-files", get(list_page).post(create_submit))
        .route("/temporary-files/new", get(new_page))
        .route("/temporary-files/export.xlsx", get(export))
        .route("/temporary-files/{id}", get(file_page))
        .route("/temporary-files/{id}/close", post(close_submit))
        .route(
            "/temporary-files/{id}/convert",
            get(convert_page).post(convert_submit),
        )
}

/// A file as a row or a page shows it (identity masked by the service).
pub struct Row {
    id: i64,
    worker: String,
    id_masked: String,
    phone: String,
    address: String,
    employer: String,
    union_name: String,
    cause: &'static str,
    event: String,
    event_on: String,
    given_on: String,
    cash: String,
    source: &'static str,
    goods: String,
    goods_value: String,
    persons: i32,
    status: &'static str,
    status_class: &'static str,
    closes_on: String,
    household_id: Option<i64>,
    file_no: String,
    closed: String,
    recorded: String,
    version: i64,
    may_act: bool,
}

impl From<&TemporaryView> for Row {
    fn from(v: &TemporaryView) -> Self {
        let t = &v.file;
        Self {
            id: t.id.0,
            worker: t.worker_name.clone(),
            id_masked: v.worker_id_number.text.clone(),
            phone: v.phone.clone(),
            address: t.address.clone(),
            employer: t.employer.clone(),
            union_name: t.union_name.clone(),
            cause: t.cause.label(),
            event: t.event.clone(),
            event_on: t.event_on.to_string(),
            given_on: t.given_on.to_string(),
            cash: t.cash.yuan_grouped(),
            source: t.source.map(|s| s.label()).unwrap_or(""),
            goods: t.goods.clone(),
            goods_value: t.goods_value.yuan_grouped(),
            persons: t.persons,
            status: if t.expired {
                "到期关闭"
            } else {
                t.status.label()
            },
            status_class: match t.status {
                TemporaryStatus::Open => "warn",
                TemporaryStatus::Converted => "ok",
                TemporaryStatus::Closed => "off",
            },
            closes_on: t.closes_on.to_string(),
            household_id: t.household_id.map(|h| h.0),
            file_no: t.file_no.clone().unwrap_or_default(),
            closed: match (&t.closed_on, &t.closed_reason) {
                (Some(d), Some(r)) => format!("{d}：{r}"),
                (Some(d), None) => format!("{d} 到期"),
                _ => String::new(),
            },
            recorded: format!("{} {}", t.created_by_name, local_time(&t.created_at)),
            version: t.version,
            may_act: v.may_act,
        }
    }
}

#[derive(Debug, Deserialize, Default)]
struct ListQ {
    #[serde(default)]
    union_id: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    q: String,
    page: Option<i64>,
}

impl ListQ {
    fn query(&self) -> TemporaryQuery {
        TemporaryQuery {
            union_id: self.union_id.trim().parse().ok(),
            status: Some(self.status.clone()),
            search: Some(self.q.clone()),
        }
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        vec![
            ("union_id", self.union_id.trim().to_owned()),
            ("status", self.status.trim().to_owned()),
            ("q", self.q.trim().to_owned()),
        ]
    }
}

#[derive(Template)]
#[template(path = "temporary_files.html")]
struct ListPage {
    chrome: Chrome,
    union_name: String,
    status: String,
    q: String,
    statuses: Vec<(&'static str, &'static str)>,
    totals: Vec<(&'static str, String)>,
    items: Vec<Row>,
    total: i64,
    filtered: bool,
    pager: Pager,
    export_href: String,
    can_manage: bool,
}

results_partial!(ListPage => ListResults, "temporary_files_partial.html");

async fn list_page(
    State(state): State<AppState>,
    swap: SwapsResults,
    PageActor(actor): PageActor,
    Query(q): Query<ListQ>,
) -> PageResult {
    let l = state
        .services
        .temporary_file_list(&actor, q.query(), PageRequest::new(q.page, Some(20)))
        .await?;
    let t = &l.totals;
    let params = q.params();
    Ok(render_results(
        swap,
        StatusCode::OK,
        &ListPage {
            chrome: Chrome::new(&actor, "临时救助档案", "temporary"),
            union_name: l.union_name.clone(),
            status: q.status.trim().to_owned(),
            q: q.q.trim().to_owned(),
            statuses: options!(TemporaryStatus),
            totals: vec![
                ("有效", t.open.to_string()),
                ("已转正", t.converted.to_string()),
                ("已关闭（含到期）", t.closed.to_string()),
                ("救助金（元）", t.cash.yuan_grouped()),
                ("实物折价（元）", t.goods_value.yuan_grouped()),
                ("受助人次", t.persons.to_string()),
            ],
            items: l.page.items.iter().map(Row::from).collect(),
            total: l.page.total,
            filtered: !q.status.trim().is_empty() || !q.q.trim().is_empty(),
            pager: pager("/temporary-files", &params, l.page.page, l.page.pages()),
            export_href: with_query("/temporary-files/export.xlsx", &params),
            can_manage: actor.can(Permission::ManageHouseholds),
        },
    ))
}

/// The download of a list: one sheet, ID numbers masked.
pub(crate) fn workbook(l: &TemporaryList) -> Result<(String, Vec<u8>), String> {
    let rows: Vec<Vec<String>> = l
        .page
        .items
        .iter()
        .map(|v| {
            let r = Row::from(v);
            vec![
                r.id.to_string(),
                r.worker,
                r.id_masked,
                r.union_name,
                r.cause.to_owned(),
                r.event,
                r.event_on,
                r.given_on,
                r.cash,
                r.source.to_owned(),
                r.goods,
                r.goods_value,
                r.persons.to_string(),
                r.status.to_owned(),
                r.closes_on,
                r.file_no,
            ]
        })
        .collect();
    let bytes = crate::xlsx::workbook(
        "临时救助档案",
        &[
            "编号",
            "职工",
            "身份证号码",
            "登记工会",
            "致困原因",
            "事件经过",
            "事件日期",
            "救助日期",
            "救助金（元）",
            "资金来源",
            "实物",
            "实物折价（元）",
            "受助人数",
            "状态",
            "有效期至",
            "转正档案编号",
        ],
        &rows,
    )?;
    Ok((format!("临时救助档案-{}.xlsx", l.union_name), bytes))
}

async fn export(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<ListQ>,
) -> PageResult {
    let l = state
        .services
        .temporary_file_export(&actor, q.query(), crate::xlsx::MAX_ROWS)
        .await?;
    let (name, bytes) = workbook(&l).map_err(|e| PageError::Service(ServiceError::Internal(e)))?;
    Ok(crate::xlsx::download(&name, bytes))
}

/// The recording form as posted (amounts in yuan).
#[derive(Debug, Deserialize, Default, Clone)]
struct NewForm {
    #[serde(default)]
    union_id: String,
    #[serde(default)]
    worker_name: String,
    #[serde(default)]
    worker_id_number: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    employer: String,
    #[serde(default)]
    cause: String,
    #[serde(default)]
    event: String,
    #[serde(default)]
    event_on: String,
    #[serde(default)]
    given_on: String,
    #[serde(default)]
    cash: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    goods: String,
    #[serde(default)]
    goods_value: String,
    #[serde(default)]
    persons: String,
}

impl NewForm {
    fn input(&self) -> Result<TemporaryInput, ValidationError> {
        Ok(TemporaryInput {
            union_id: self.union_id.trim().parse().ok(),
            worker_name: self.worker_name.clone(),
            worker_id_number: self.worker_id_number.clone(),
            phone: self.phone.clone(),
            address: self.address.clone(),
            employer: self.employer.clone(),
            cause: self.cause.clone(),
            event: self.event.clone(),
            event_on: self.event_on.clone(),
            given_on: self.given_on.clone(),
            cash: Fen::parse_yuan_opt("cash", &self.cash)?.unwrap_or(Fen::ZERO),
            source: self.source.clone(),
            goods: self.goods.clone(),
            goods_value: Fen::parse_yuan_opt("goods_value", &self.goods_value)?
                .unwrap_or(Fen::ZERO),
            persons: match self.persons.trim() {
                "" => 1,
                p => p
                    .parse()
                    .map_err(|_| ValidationError::new("persons", "受助人数应为 1–20 的整数"))?,
            },
        })
    }
}

#[derive(Template)]
#[template(path = "temporary_file_form.html")]
struct FormPage {
    chrome: Chrome,
    f: NewForm,
    unions: Vec<(i64, String)>,
    causes: Vec<(&'static str, &'static str)>,
    sources: Vec<(&'static str, &'static str)>,
    today: String,
    error: Option<String>,
    field: &'static str,
}

async fn form(
    state: &AppState,
    actor: &Actor,
    f: NewForm,
    error: Option<(String, Option<&'static str>)>,
    status: StatusCode,
) -> PageResult {
    let (error, field) = match error {
        Some((m, f)) => (Some(m), f.unwrap_or("")),
        None => (None, ""),
    };
    Ok(render_status(
        status,
        &FormPage {
            chrome: Chrome::new(actor, "登记临时救助", "temporary"),
            f,
            unions: filing_unions(state, actor).await?,
            causes: SUDDEN_CAUSES
                .iter()
                .map(|c: &HardshipCause| (c.code(), c.label()))
                .collect(),
            sources: [
                Source::Union,
                Source::Returned,
                Source::Finance,
                Source::Donation,
            ]
            .iter()
            .map(|s| (s.code(), s.label()))
            .collect(),
            today: today().to_string(),
            error,
            field,
        },
    ))
}

async fn new_page(State(state): State<AppState>, PageActor(actor): PageActor) -> PageResult {
    if !actor.can(Permission::ManageHouseholds) {
        return Err(ServiceError::Forbidden.into());
    }
    let f = NewForm {
        union_id: actor.user.union_id.0.to_string(),
        cause: HardshipCause::Accident.code().into(),
        given_on: today().to_string(),
        persons: "1".into(),
        source: Source::Union.code().into(),
        ..Default::default()
    };
    form(&state, &actor, f, None, StatusCode::OK).await
}

async fn create_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(f): Form<NewForm>,
) -> PageResult {
    let result = match f.input() {
        Ok(input) => state.services.temporary_file_create(&actor, input).await,
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(v) => Ok(Redirect::to(&format!(
            "/temporary-files/{}?{}",
            v.file.id,
            Notice::TemporaryRecorded.query()
        ))
        .into_response()),
        Err(e) => {
            let (status, msg, field) = form_failure(e)?;
            form(&state, &actor, f, Some((msg, field)), status).await
        }
    }
}

#[derive(Template)]
#[template(path = "temporary_file.html")]
struct FilePage {
    chrome: Chrome,
    t: Row,
    notice: Option<Notice>,
    error: Option<String>,
    reason: String,
}

#[derive(Debug, Deserialize, Default)]
struct FileQ {
    notice: Option<String>,
}

async fn file_view(
    state: &AppState,
    actor: &Actor,
    id: i64,
    notice: Option<Notice>,
    error: Option<String>,
    reason: String,
    status: StatusCode,
) -> PageResult {
    let v = state
        .services
        .temporary_file_get(actor, TemporaryFileId(id))
        .await?;
    Ok(render_status(
        status,
        &FilePage {
            chrome: Chrome::new(
                actor,
                format!("临时救助档案 {}", v.file.worker_name),
                "temporary",
            ),
            t: Row::from(&v),
            notice,
            error,
            reason,
        },
    ))
}

async fn file_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Query(q): Query<FileQ>,
) -> PageResult {
    let notice = Notice::find(Notice::TEMPORARY, q.notice.as_deref());
    file_view(
        &state,
        &actor,
        id,
        notice,
        None,
        String::new(),
        StatusCode::OK,
    )
    .await
}

#[derive(Debug, Deserialize, Default)]
struct CloseForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    version: String,
}

async fn close_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<CloseForm>,
) -> PageResult {
    match state
        .services
        .temporary_file_close(
            &actor,
            TemporaryFileId(id),
            f.version.trim().parse().ok(),
            &f.reason,
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/temporary-files/{id}?{}",
            Notice::TemporaryClosed.query()
        ))
        .into_response()),
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            file_view(&state, &actor, id, None, Some(msg), f.reason, status).await
        }
    }
}

/// The filing form, pre-filled from the temporary file, posting back here.
async fn convert_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    let (v, input) = state
        .services
        .temporary_file_prefill(&actor, TemporaryFileId(id))
        .await?;
    let f = HouseholdForm {
        union_id: input.union_id.map(|u| u.to_string()).unwrap_or_default(),
        worker_name: input.worker_name,
        worker_id_number: input.worker_id_number,
        phone: input.phone,
        address: input.address,
        employer: input.employer,
        causes: input.causes,
        category: input.category,
        notes: input.notes,
        health: "healthy".into(),
        labour_capacity: "full".into(),
        employment: "employed".into(),
        employer_kind: "private".into(),
        tier: "national".into(),
        from_temporary: v.file.id.0.to_string(),
        version: v.file.version.to_string(),
        ..Default::default()
    };
    form_page(&state, &actor, None, String::new(), f, None, StatusCode::OK).await
}

async fn convert_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(mut f): Form<HouseholdForm>,
) -> PageResult {
    f.from_temporary = id.to_string();
    let result = match f.input() {
        Ok(input) => {
            state
                .services
                .temporary_file_convert(
                    &actor,
                    TemporaryFileId(id),
                    f.version.trim().parse().ok(),
                    input,
                    Vec::new(),
                )
                .await
        }
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(h) => Ok(Redirect::to(&format!(
            "/households/{}?{}",
            h.id,
            Notice::Converted.query()
        ))
        .into_response()),
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
