//! Applications for filing: the public, phone-friendly application form
//! (一键申报) and status check, and the staff's list and review pages.

use super::households::{
    decision_view, this_month, typed_month, DecisionView, HouseholdForm, Options,
};
use crate::auth::{ClientOrigin, MaybeActor, LOGIN_CSRF_COOKIE};
use crate::pages::prelude::*;
use crate::view::{division_name, local_time};
use axum::extract::Multipart;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::routing::{get, post};
use axum::Router;
use axum_extra::extract::cookie::CookieJar;
use bangfu_domain::application::{application_no, AppStatus, ApplicationId, Step};
use bangfu_domain::household::{
    EmployerKind, Employment, HardshipCause, Health, LabourCapacity, MonthlyIncome, Relation,
    Schooling,
};
use bangfu_domain::{Permission, ValidationError};
use bangfu_service::{
    Act, ApplicationDetail, ApplicationFilter, ApplicationInput, ApplicationStatusView,
    PageRequest, ServiceError, Upload,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/apply", get(apply_page))
        .route("/apply/status", get(status_page))
        .route("/applications", get(list_page))
        .route("/applications/{id}", get(detail_page))
        .route("/applications/{id}/act", post(act_submit))
        .route("/applications/{id}/files/{file}", get(file_download))
}

/// `POST /apply` takes documents, so it is mounted with the upload routes.
pub fn upload_routes() -> Router<AppState> {
    Router::new().route("/apply", post(apply_submit))
}

/// Months of income an application asks for: the six the rule looks at.
const APPLY_MONTHS: i32 = 6;

// ---------- the public form ----------

/// The form's months: the six ending last month, with what was typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ApplyGrid {
    #[serde(default)]
    month: Vec<String>,
    #[serde(default)]
    labour: Vec<String>,
    #[serde(default)]
    other: Vec<String>,
    #[serde(default)]
    medical: Vec<String>,
    #[serde(default)]
    schooling: Vec<String>,
    #[serde(default)]
    emergency: Vec<String>,
}

pub struct ApplyMonth {
    month: String,
    labour: String,
    other: String,
    medical: String,
    schooling: String,
    emergency: String,
}

impl ApplyGrid {
    fn rows(&self) -> Vec<ApplyMonth> {
        let last = this_month().pred();
        let at = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
        (0..APPLY_MONTHS)
            .map(|k| {
                let i = usize::try_from(k).unwrap_or(0);
                ApplyMonth {
                    month: self
                        .month
                        .get(i)
                        .cloned()
                        .unwrap_or_else(|| last.add_months(k - APPLY_MONTHS + 1).to_string()),
                    labour: at(&self.labour, i),
                    other: at(&self.other, i),
                    medical: at(&self.medical, i),
                    schooling: at(&self.schooling, i),
                    emergency: at(&self.emergency, i),
                }
            })
            .collect()
    }

    /// Months with anything typed; labour income is wages, other income transfers.
    fn parse(&self) -> Result<Vec<MonthlyIncome>, ValidationError> {
        let mut out = Vec::new();
        for r in self.rows() {
            let cells = [
                r.labour.as_str(),
                "",
                "",
                &r.other,
                &r.medical,
                &r.schooling,
                &r.emergency,
            ];
            out.extend(typed_month(&r.month, cells)?);
        }
        Ok(out)
    }
}

#[derive(Template)]
#[template(path = "apply.html")]
struct ApplyPage {
    /// The CSRF token the form carries (the session's, or the pre-login cookie's).
    csrf: String,
    signed_in: bool,
    f: HouseholdForm,
    union_id: String,
    union_name: String,
    union_q: String,
    union_matches: Vec<(i64, String)>,
    months: Vec<ApplyMonth>,
    members: Vec<usize>,
    error: Option<String>,
    employer_kinds: Options,
    employments: Options,
    capacities: Options,
    healths: Options,
    causes: Options,
    relations: Options,
    schoolings: Options,
}

impl ApplyPage {
    fn has_cause(&self, code: &&str) -> bool {
        self.f.causes.iter().any(|c| c == code)
    }

    fn member(&self, i: &usize, field: &str) -> String {
        let v = match field {
            "name" => &self.f.m_name,
            "id" => &self.f.m_id_number,
            "relation" => &self.f.m_relation,
            "health" => &self.f.m_health,
            "schooling" => &self.f.m_schooling,
            "employment" => &self.f.m_employment,
            _ => &self.f.m_income,
        };
        v.get(*i).cloned().unwrap_or_default()
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct ApplyQuery {
    #[serde(default)]
    union_q: String,
    #[serde(default)]
    union_id: String,
}

/// The pre-login CSRF token (a cookie the login page also uses), made when absent.
fn anonymous_csrf(jar: CookieJar, state: &AppState, headers: &HeaderMap) -> (CookieJar, String) {
    if let Some(c) = jar.get(LOGIN_CSRF_COOKIE).filter(|c| !c.value().is_empty()) {
        let v = c.value().to_owned();
        return (jar, v);
    }
    let token = bangfu_service::random_token();
    let cookie = axum_extra::extract::cookie::Cookie::build((LOGIN_CSRF_COOKIE, token.clone()))
        .path("/")
        .http_only(true)
        .same_site(axum_extra::extract::cookie::SameSite::Strict)
        .secure(crate::auth::secure(state, headers))
        .build();
    (jar.add(cookie), token)
}

#[allow(clippy::too_many_arguments)]
async fn apply_view(
    state: &AppState,
    actor: Option<&Actor>,
    csrf: String,
    f: HouseholdForm,
    grid: ApplyGrid,
    union_id: String,
    union_q: String,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let union_matches = state.services.public_unions(&union_q).await?;
    let union_name = match union_id.trim().parse::<i64>() {
        Ok(id) => state
            .services
            .public_unions_by_id(id)
            .await?
            .unwrap_or_default(),
        Err(_) => String::new(),
    };
    let n = f.m_name.len().max(2);
    Ok(render_status(
        status,
        &ApplyPage {
            csrf,
            signed_in: actor.is_some(),
            members: (0..n.min(8)).collect(),
            f,
            union_id,
            union_name,
            union_q,
            union_matches,
            months: grid.rows(),
            error,
            employer_kinds: options!(EmployerKind),
            employments: options!(Employment),
            capacities: options!(LabourCapacity),
            healths: options!(Health),
            causes: options!(HardshipCause),
            relations: options!(Relation),
            schoolings: options!(Schooling),
        },
    ))
}

async fn apply_page(
    State(state): State<AppState>,
    MaybeActor(actor): MaybeActor,
    headers: HeaderMap,
    jar: CookieJar,
    Query(q): Query<ApplyQuery>,
) -> Result<Response, PageError> {
    let (jar, csrf) = match &actor {
        Some(a) => (jar, a.csrf_token.clone()),
        None => anonymous_csrf(jar, &state, &headers),
    };
    let f = HouseholdForm {
        health: "healthy".into(),
        labour_capacity: "full".into(),
        employment: "employed".into(),
        employer_kind: "private".into(),
        ..Default::default()
    };
    let page = apply_view(
        &state,
        actor.as_ref(),
        csrf,
        f,
        ApplyGrid::default(),
        q.union_id,
        q.union_q,
        None,
        StatusCode::OK,
    )
    .await?;
    Ok((jar, page).into_response())
}

/// Reads the multipart form: text fields as `(name, value)` pairs, files apart.
async fn read_multipart(
    mut mp: Multipart,
) -> Result<(Vec<(String, String)>, Vec<Upload>), ValidationError> {
    let mut fields = Vec::new();
    let mut files = Vec::new();
    let too_big = || {
        ValidationError::new(
            "files",
            "提交的内容过大：每个材料不超过 5 MB，总共不超过 30 MB",
        )
    };
    while let Some(field) = mp.next_field().await.map_err(|_| too_big())? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "files" {
            let file_name = field.file_name().unwrap_or("材料").to_owned();
            let bytes = field.bytes().await.map_err(|_| too_big())?;
            if !bytes.is_empty() {
                files.push(Upload {
                    name: file_name,
                    bytes: bytes.to_vec(),
                });
            }
        } else {
            let text = field.text().await.map_err(|_| too_big())?;
            fields.push((name, text));
        }
    }
    Ok((fields, files))
}

async fn apply_submit(
    State(state): State<AppState>,
    MaybeActor(actor): MaybeActor,
    ClientOrigin(origin): ClientOrigin,
    headers: HeaderMap,
    jar: CookieJar,
    mp: Multipart,
) -> Result<Response, PageError> {
    let (jar, csrf) = match &actor {
        Some(a) => (jar, a.csrf_token.clone()),
        None => anonymous_csrf(jar, &state, &headers),
    };
    let (fields, files) = match read_multipart(mp).await {
        Ok(x) => x,
        Err(e) => return Err(PageError::BadRequest(e.message)),
    };
    let encoded = {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &fields {
            ser.append_pair(k, v);
        }
        ser.finish()
    };
    let f: HouseholdForm = serde_html_form::from_str(&encoded).unwrap_or_default();
    let grid: ApplyGrid = serde_html_form::from_str(&encoded).unwrap_or_default();
    let union_id = fields
        .iter()
        .find(|(k, _)| k == "union_id")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let result = async {
        let household = f.input()?;
        let incomes = grid.parse()?;
        let union_id = union_id
            .trim()
            .parse::<i64>()
            .map_err(|_| ValidationError::new("union_id", "请先查找并选择您所在单位的工会"))?;
        Ok::<_, ServiceError>(ApplicationInput {
            union_id,
            household,
            incomes,
            files,
        })
    }
    .await;
    let result = match result {
        Ok(input) => {
            state
                .services
                .application_submit(actor.as_ref(), origin, input)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(id) => {
            if actor.is_some() {
                Ok((
                    jar,
                    Redirect::to(&format!(
                        "/applications/{id}?{}",
                        Notice::ApplicationSubmitted.query()
                    )),
                )
                    .into_response())
            } else {
                Ok((
                    jar,
                    render(&ApplyDonePage {
                        number: application_no(id),
                        notice_days: state.services.settings().notice_days,
                    }),
                )
                    .into_response())
            }
        }
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            let page = apply_view(
                &state,
                actor.as_ref(),
                csrf,
                f,
                grid,
                union_id,
                String::new(),
                Some(msg),
                status,
            )
            .await?;
            Ok((jar, page).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "apply_done.html")]
struct ApplyDonePage {
    number: String,
    /// Days on public notice (公示), as configured.
    notice_days: u32,
}

// ---------- the applicant's status check ----------

#[derive(Debug, Deserialize, Default)]
pub struct StatusQuery {
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    phone: String,
}

pub struct StatusView {
    number: String,
    status: &'static str,
    union_name: String,
    submitted_at: String,
    notice_until: String,
    steps: Vec<(String, String)>,
    reason: String,
    file_no: String,
}

impl From<&ApplicationStatusView> for StatusView {
    fn from(v: &ApplicationStatusView) -> Self {
        Self {
            number: v.number.clone(),
            status: v.status.label(),
            union_name: v.union_name.clone(),
            submitted_at: local_time(&v.submitted_at),
            notice_until: v.notice_until.map(|d| d.to_string()).unwrap_or_default(),
            steps: v
                .steps
                .iter()
                .map(|(l, t)| (l.clone(), local_time(t)))
                .collect(),
            reason: v.reason.clone().unwrap_or_default(),
            file_no: v.file_no.clone().unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "apply_status.html")]
struct StatusPage {
    q: StatusQuery,
    asked: bool,
    items: Vec<StatusView>,
    error: Option<String>,
}

async fn status_page(State(state): State<AppState>, Query(q): Query<StatusQuery>) -> PageResult {
    let asked = !q.id_number.trim().is_empty() || !q.phone.trim().is_empty();
    let (items, error) = if asked {
        match state
            .services
            .application_status(&q.id_number, &q.phone)
            .await
        {
            Ok(list) => (list.iter().map(StatusView::from).collect(), None),
            Err(ServiceError::Invalid(e)) => (Vec::new(), Some(e.message)),
            Err(e) => return Err(e.into()),
        }
    } else {
        (Vec::new(), None)
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok(render_status(
        status,
        &StatusPage {
            q,
            asked,
            items,
            error,
        },
    ))
}

// ---------- staff: list and review ----------

pub struct AppRow {
    id: i64,
    number: String,
    name: String,
    id_masked: String,
    union_name: String,
    channel: &'static str,
    status: &'static str,
    status_class: &'static str,
    created_at: String,
}

fn status_class(s: AppStatus) -> &'static str {
    match s {
        AppStatus::Approved => "ok",
        AppStatus::Rejected => "off",
        _ => "warn",
    }
}

impl From<&bangfu_service::Application> for AppRow {
    fn from(a: &bangfu_service::Application) -> Self {
        Self {
            id: a.id.0,
            number: application_no(a.id),
            name: a.worker_name.clone(),
            id_masked: a.worker_id_number.clone(),
            union_name: a.union_name.clone(),
            channel: if a.channel == "online" {
                "网上申请"
            } else {
                "代为申请"
            },
            status: a.status.label(),
            status_class: status_class(a.status),
            created_at: local_time(&a.created_at),
        }
    }
}

#[derive(Template)]
#[template(path = "applications.html")]
struct ListPage {
    chrome: Chrome,
    status: String,
    q: String,
    statuses: Vec<(&'static str, &'static str)>,
    total: i64,
    items: Vec<AppRow>,
    pager: Pager,
    can_enter: bool,
}

results_partial!(ListPage => ApplicationsResults, "applications_partial.html");

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    q: String,
    page: Option<i64>,
}

async fn list_page(
    State(state): State<AppState>,
    swap: SwapsResults,
    PageActor(actor): PageActor,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let filter = ApplicationFilter {
        status: AppStatus::parse(&q.status).ok(),
        open: q.status == "open",
        q: Some(q.q.clone()),
    };
    let page = state
        .services
        .application_list(&actor, filter, PageRequest::new(q.page, Some(30)))
        .await?;
    let mut statuses = vec![("open", "办理中")];
    statuses.extend(AppStatus::ALL.iter().map(|s| (s.code(), s.label())));
    Ok(render_results(
        swap,
        StatusCode::OK,
        &ListPage {
            chrome: Chrome::new(&actor, "建档申请", "applications"),
            pager: pager(
                "/applications",
                &[("status", q.status.clone()), ("q", q.q.clone())],
                page.page,
                page.pages(),
            ),
            status: q.status,
            q: q.q,
            statuses,
            total: page.total,
            items: page.items.iter().map(AppRow::from).collect(),
            can_enter: actor.can(Permission::ManageHouseholds),
        },
    ))
}

pub struct StepView {
    label: &'static str,
    actor: String,
    at: String,
    lines: Vec<String>,
    decision: String,
}

fn step_view(s: &bangfu_service::StepRecord) -> StepView {
    let d: serde_json::Value = serde_json::from_str(&s.detail_json).unwrap_or_default();
    let text = |k: &str| d[k].as_str().unwrap_or_default().to_owned();
    let lines = match s.step {
        Step::Review => vec![
            format!("入户核查日期：{}", text("visit_date")),
            format!("一看（住房、生活条件）：{}", text("seen")),
            format!("二问（家庭状况、需求）：{}", text("asked")),
            format!("三讲（讲解的政策）：{}", text("explained")),
        ],
        Step::Objection => vec![format!("异议：{}", text("objection"))],
        Step::Reject => vec![format!("理由：{}", text("reason"))],
        Step::Approve if !text("note").is_empty() => vec![format!("审批意见：{}", text("note"))],
        Step::Submit => match d["files"].as_i64() {
            Some(n) if n > 0 => vec![format!("附证明材料 {n} 份")],
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    let decision = s
        .decision_json
        .as_deref()
        .and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok())
        .map(|v| {
            let label =
                bangfu_domain::household::Decision::parse(v["decision"].as_str().unwrap_or(""))
                    .map(|d| d.label())
                    .unwrap_or("");
            match v["condition"].as_i64() {
                Some(c) => format!(
                    "{label}（条件{}）",
                    super::households::cn(i32::try_from(c).unwrap_or(0))
                ),
                None => label.to_owned(),
            }
        })
        .unwrap_or_default();
    StepView {
        label: s.step.label(),
        actor: s.actor_name.clone(),
        at: local_time(&s.at),
        lines,
        decision,
    }
}

#[derive(Template)]
#[template(path = "application.html")]
struct DetailPage {
    chrome: Chrome,
    a: AppRow,
    d: DetailView,
    decision: DecisionView,
    steps: Vec<StepView>,
    files: Vec<(i64, String, String)>,
    notice: Option<Notice>,
    error: Option<String>,
    today: String,
}

/// What the review page shows of the application's data.
pub struct DetailView {
    version: i64,
    phone: String,
    address: String,
    region: String,
    employer: String,
    causes: String,
    size: usize,
    members: Vec<(String, &'static str, String)>,
    incomes: Vec<(String, String, String)>,
    notice_until: String,
    household_id: Option<i64>,
    can_review: bool,
    can_notice: bool,
    can_object: bool,
    can_approve: bool,
    can_reject: bool,
    approve_blocked: String,
}

fn detail_view(d: &ApplicationDetail) -> DetailView {
    DetailView {
        version: d.application.version,
        phone: d.data.phone.clone(),
        address: d.data.address.clone(),
        region: division_name(&d.data.division_code),
        employer: d.data.employer.clone(),
        causes: d.data.causes.labels(),
        size: d.members.len() + 1,
        members: d
            .members
            .iter()
            .map(|m| {
                (
                    m.name.clone(),
                    m.relation.label(),
                    m.id_number
                        .as_ref()
                        .map(|i| i.text.clone())
                        .unwrap_or_default(),
                )
            })
            .collect(),
        incomes: d
            .incomes
            .iter()
            .map(|i| {
                (
                    i.month.to_string(),
                    i.income().yuan_grouped(),
                    i.rigid().yuan_grouped(),
                )
            })
            .collect(),
        notice_until: d
            .application
            .notice_until
            .map(|u| u.to_string())
            .unwrap_or_default(),
        household_id: d.application.household_id.map(|h| h.0),
        can_review: d.can_review,
        can_notice: d.can_notice,
        can_object: d.can_object,
        can_approve: d.can_approve,
        can_reject: d.can_reject,
        approve_blocked: d.approve_blocked.clone().unwrap_or_default(),
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct NoticeQ {
    notice: Option<String>,
}

async fn detail_view_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    notice: Option<Notice>,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let d = state
        .services
        .application_get(actor, ApplicationId(id))
        .await?;
    Ok(render_status(
        status,
        &DetailPage {
            chrome: Chrome::new(
                actor,
                format!("建档申请 {}", application_no(d.application.id)),
                "applications",
            ),
            a: AppRow::from(&d.application),
            d: detail_view(&d),
            decision: decision_view(&d.identification),
            steps: d.steps.iter().map(step_view).collect(),
            files: d
                .files
                .iter()
                .map(|f| {
                    (
                        f.id,
                        f.name.clone(),
                        format!("{:.1} KB", f.size as f64 / 1024.0),
                    )
                })
                .collect(),
            notice,
            error,
            today: bangfu_service::today().to_string(),
        },
    ))
}

async fn detail_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQ>,
) -> PageResult {
    let notice = Notice::find_or_done(Notice::APPLICATION, q.notice.as_deref());
    detail_view_page(&state, &actor, id, notice, None, StatusCode::OK).await
}

#[derive(Debug, Deserialize, Default)]
pub struct ActForm {
    #[serde(default)]
    act: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    visit_date: String,
    #[serde(default)]
    seen: String,
    #[serde(default)]
    asked: String,
    #[serde(default)]
    explained: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    reason: String,
}

async fn act_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<ActForm>,
) -> PageResult {
    let act = match f.act.as_str() {
        "review" => Act::Review {
            visit_date: f.visit_date,
            seen: f.seen,
            asked: f.asked,
            explained: f.explained,
        },
        "notice" => Act::Notice,
        "objection" => Act::Objection { text: f.text },
        "approve" => Act::Approve { note: f.note },
        "reject" => Act::Reject { reason: f.reason },
        _ => return Err(PageError::BadRequest("未知的操作".into())),
    };
    let version: i64 = f.version.trim().parse().unwrap_or(-1);
    match state
        .services
        .application_act(&actor, ApplicationId(id), version, act)
        .await
    {
        Ok(a) => {
            let code = f.act.as_str();
            match (code, a.household_id) {
                ("approve", Some(h)) => Ok(Redirect::to(&format!(
                    "/households/{h}?{}",
                    Notice::FilingApproved.query()
                ))
                .into_response()),
                _ => {
                    let done = Notice::find_or_done(Notice::APPLICATION, Some(code))
                        .unwrap_or(Notice::Done);
                    Ok(
                        Redirect::to(&format!("/applications/{id}?{}", done.query()))
                            .into_response(),
                    )
                }
            }
        }
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            detail_view_page(&state, &actor, id, None, Some(msg), status).await
        }
    }
}

async fn file_download(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path((id, file)): Path<(i64, i64)>,
) -> PageResult {
    let (info, bytes) = state
        .services
        .application_file(&actor, ApplicationId(id), file)
        .await?;
    let encoded: String = form_urlencoded::byte_serialize(info.name.as_bytes()).collect();
    let mut res = (StatusCode::OK, bytes).into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&info.content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"file\"; filename*=UTF-8''{encoded}"
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}
