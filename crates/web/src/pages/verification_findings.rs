//! Pages: 核对发现 — the findings of 部门核对 in the caller's subtree, counted
//! by dataset and child union, filtered, exported; one finding with both
//! sides, the flows its actions are done in, and the form that resolves it.

use super::{all_pages, with_query, xlsx_response};
use crate::pages::prelude::*;
use crate::view::local_time;
use axum::routing::{get, post};
use axum::Router;
use bangfu_domain::verification::{Action, Concern, FieldKind, FindingStatus, Value};
use bangfu_domain::{Fen, Permission};
use bangfu_service::verification::{Finding, FindingQuery, ResolveInput};
use bangfu_service::PageRequest;
use std::collections::BTreeMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/verification/findings", get(list_page))
        .route("/verification/findings.xlsx", get(export))
        .route("/verification/findings/{id}", get(detail_page))
        .route("/verification/findings/{id}/resolve", post(resolve))
}

// ---------- the list ----------

#[derive(Debug, Deserialize, Default, Clone)]
struct ListQuery {
    #[serde(default)]
    union_id: String,
    #[serde(default)]
    dataset: String,
    #[serde(default)]
    concern: String,
    /// Absent: open; `all`: every status.
    status: Option<String>,
    #[serde(default)]
    overdue: String,
    #[serde(default)]
    household: String,
    #[serde(default)]
    batch: String,
    #[serde(default)]
    mine: String,
    page: Option<i64>,
}

fn id_of(raw: &str) -> Option<i64> {
    raw.trim().parse().ok()
}

fn on(raw: &str) -> bool {
    matches!(raw, "1" | "true" | "on")
}

impl ListQuery {
    /// The status as chosen: open unless another (or `all`) is asked for.
    fn status(&self) -> String {
        self.status.clone().unwrap_or_else(|| "open".into())
    }

    fn query(&self) -> FindingQuery {
        let status = self.status();
        FindingQuery {
            union_id: id_of(&self.union_id),
            batch: id_of(&self.batch),
            dataset: Some(self.dataset.clone()),
            concern: Some(self.concern.clone()),
            status: (status != "all").then_some(status),
            household_id: id_of(&self.household),
            overdue: on(&self.overdue),
            mine: on(&self.mine),
        }
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        vec![
            ("union_id", self.union_id.clone()),
            ("dataset", self.dataset.clone()),
            ("concern", self.concern.clone()),
            ("status", self.status()),
            ("overdue", if on(&self.overdue) { "1" } else { "" }.into()),
            ("household", self.household.clone()),
            ("batch", self.batch.clone()),
            ("mine", if on(&self.mine) { "1" } else { "" }.into()),
        ]
    }
}

/// A list link with the page's union filter and the given ones.
fn drill(union_id: &str, extra: &[(&'static str, &str)]) -> String {
    let mut p: Vec<(&str, String)> = vec![("union_id", union_id.to_owned())];
    p.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
    with_query("/verification/findings", &p)
}

fn status_class(s: FindingStatus) -> &'static str {
    match s {
        FindingStatus::Open => "warn",
        FindingStatus::Confirmed => "ok",
        FindingStatus::Dismissed => "off",
    }
}

fn is_overdue(f: &Finding) -> bool {
    bangfu_domain::verification::is_overdue(f.status, f.created_at, chrono::Utc::now().naive_utc())
}

pub struct Item {
    id: i64,
    household_id: i64,
    file_no: String,
    worker: String,
    person: String,
    dataset: String,
    concern: &'static str,
    dataset_says: String,
    file_says: String,
    found_at: String,
    status: &'static str,
    status_class: &'static str,
    overdue: bool,
}

impl From<&Finding> for Item {
    fn from(f: &Finding) -> Self {
        Self {
            id: f.id,
            household_id: f.household_id.0,
            file_no: f.file_no.clone(),
            worker: f.worker_name.clone(),
            person: if f.member_id.is_none() {
                format!("{}（职工本人）", f.person_name)
            } else {
                format!("{}（家庭成员）", f.person_name)
            },
            dataset: f.dataset.label.clone(),
            concern: f.concern.label(),
            dataset_says: f.dataset_says.clone(),
            file_says: f.file_says.clone(),
            found_at: local_time(&f.created_at),
            status: f.status.label(),
            status_class: status_class(f.status),
            overdue: is_overdue(f),
        }
    }
}

/// One dataset's counts, each with the link to its findings.
pub struct CountRow {
    label: String,
    open: (i64, String),
    /// Open by age: raised within 7 days, 8–30 days ago (older is overdue).
    fresh: i64,
    middle: i64,
    overdue: (i64, String),
    confirmed: (i64, String),
    dismissed: (i64, String),
}

pub struct ChildRow {
    name: String,
    open: (i64, String),
    overdue: (i64, String),
}

#[derive(Template)]
#[template(path = "verification_findings.html")]
struct ListPage {
    chrome: Chrome,
    union_name: String,
    counts: Vec<CountRow>,
    children: Vec<ChildRow>,
    total_open: i64,
    /// The catalogue's datasets: the active ones and any with findings.
    datasets: Vec<(String, String)>,
    concerns: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    unions: Vec<(String, String)>,
    q: ListQuery,
    status: String,
    overdue: bool,
    mine: bool,
    filtered: bool,
    items: Vec<Item>,
    total: i64,
    pager: Pager,
    export_href: String,
    within_days: i64,
}

results_partial!(ListPage => FindingsResults, "verification_findings_partial.html");

async fn list_page(
    State(state): State<AppState>,
    swap: SwapsResults,
    PageActor(actor): PageActor,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let o = state
        .services
        .verification_findings_overview(&actor, q.query(), PageRequest::new(q.page, Some(30)))
        .await?;
    let u = q.union_id.clone();
    let counts: Vec<CountRow> = o
        .counts
        .iter()
        .filter(|c| c.open + c.confirmed + c.dismissed > 0)
        .map(|c| {
            let d = c.dataset.code.as_str();
            CountRow {
                label: c.dataset.label.clone(),
                open: (c.open, drill(&u, &[("dataset", d), ("status", "open")])),
                fresh: c.fresh,
                middle: (c.open - c.fresh - c.overdue).max(0),
                overdue: (
                    c.overdue,
                    drill(&u, &[("dataset", d), ("status", "open"), ("overdue", "1")]),
                ),
                confirmed: (
                    c.confirmed,
                    drill(&u, &[("dataset", d), ("status", "confirmed")]),
                ),
                dismissed: (
                    c.dismissed,
                    drill(&u, &[("dataset", d), ("status", "dismissed")]),
                ),
            }
        })
        .collect();
    let children: Vec<ChildRow> = o
        .children
        .iter()
        .filter(|c| c.open > 0)
        .map(|c| {
            let id = c.union_id.to_string();
            ChildRow {
                name: c.name.clone(),
                open: (c.open, drill(&id, &[("status", "open")])),
                overdue: (
                    c.overdue,
                    drill(&id, &[("status", "open"), ("overdue", "1")]),
                ),
            }
        })
        .collect();
    let mut unions = vec![(String::new(), format!("全部（{}）", actor.user.union_name))];
    if o.union.0 != actor.user.union_id.0 {
        unions.push((o.union.0.to_string(), o.union.1.clone()));
    }
    unions.extend(
        o.children
            .iter()
            .map(|c| (c.union_id.to_string(), format!("　{}", c.name))),
    );
    let params = q.params();
    let status = q.status();
    let filtered = !(q.dataset.is_empty()
        && q.concern.is_empty()
        && q.household.is_empty()
        && q.batch.is_empty()
        && !on(&q.overdue)
        && !on(&q.mine));
    Ok(render_results(
        swap,
        StatusCode::OK,
        &ListPage {
            chrome: Chrome::new(&actor, "核对发现", "verification"),
            union_name: o.union.1.clone(),
            total_open: o.counts.iter().map(|c| c.open).sum(),
            counts,
            children,
            datasets: o
                .counts
                .iter()
                .map(|c| (c.dataset.code.clone(), c.dataset.label.clone()))
                .collect(),
            concerns: options!(Concern),
            statuses: options!(FindingStatus),
            unions,
            overdue: on(&q.overdue),
            mine: on(&q.mine),
            filtered,
            status,
            items: o.page.items.iter().map(Item::from).collect(),
            total: o.page.total,
            pager: pager(
                "/verification/findings",
                &params,
                o.page.page,
                o.page.pages(),
            ),
            export_href: with_query("/verification/findings.xlsx", &params),
            within_days: bangfu_domain::verification::RESOLVE_WITHIN_DAYS,
            q,
        },
    ))
}

async fn export(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let query = q.query();
    let items = all_pages(|p| {
        state
            .services
            .verification_finding_list(&actor, query.clone(), p)
    })
    .await?;
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|f| {
            vec![
                f.id.to_string(),
                f.file_no.clone(),
                f.worker_name.clone(),
                f.person_name.clone(),
                f.union_name.clone(),
                f.dataset.label.clone(),
                f.concern.label().to_owned(),
                f.dataset_says.clone(),
                f.file_says.clone(),
                f.as_of.to_string(),
                local_time(&f.created_at),
                if is_overdue(f) {
                    format!("{}（逾期）", f.status.label())
                } else {
                    f.status.label().to_owned()
                },
                f.action.map(|a| a.label().to_owned()).unwrap_or_default(),
                f.note.clone(),
                f.resolved_by_name.clone(),
                f.resolved_at.as_ref().map(local_time).unwrap_or_default(),
            ]
        })
        .collect();
    xlsx_response(
        "核对发现.xlsx",
        "核对发现",
        &[
            "编号",
            "档案号",
            "职工",
            "人员",
            "工会",
            "数据集",
            "涉及规则",
            "部门数据",
            "档案记载",
            "数据截至",
            "发现时间",
            "状态",
            "处置方式",
            "处置说明",
            "处置人",
            "处置时间",
        ],
        &rows,
    )
}

// ---------- one finding ----------

/// Where an action is done before the finding is confirmed with it.
fn flow(action: Action, h: i64) -> Option<(&'static str, String)> {
    match action {
        Action::CorrectFile => Some(("去更正档案", format!("/households/{h}/edit"))),
        Action::RecordExpenditure => Some(("去录入当月支出", format!("/households/{h}/incomes"))),
        Action::ProposeRemoval => Some((
            "去发起退出（清退）",
            format!("/exits/new?household={h}&kind=removal"),
        )),
        Action::ProposeExit => Some(("去发起脱困", format!("/exits/new?household={h}&kind=out"))),
        Action::OpenRelapse => Some(("去标记返困", format!("/households/{h}/relapse"))),
        Action::Dismiss => None,
    }
}

/// The record a confirmation is linked to: (label, link).
fn linked(f: &Finding) -> Option<(String, String)> {
    let h = f.household_id.0;
    let r = f.linked_ref.clone().unwrap_or_default();
    match f.linked_kind.as_deref()? {
        "exit" => Some((format!("退出决定 #{r}"), format!("/exits/{r}"))),
        "income" => Some((
            format!("{r} 收入与支出"),
            format!("/households/{h}/incomes"),
        )),
        "relapse" => Some((format!("{r} 标记返困"), format!("/households/{h}"))),
        _ => Some((format!("档案（版本 {r}）"), format!("/households/{h}"))),
    }
}

/// The row's facts as (label, value) in the dataset's order.
fn facts(f: &Finding) -> Vec<(&'static str, String)> {
    let parsed: BTreeMap<String, Value> = serde_json::from_str(&f.facts).unwrap_or_default();
    f.dataset
        .kind
        .fields()
        .iter()
        .filter_map(|field| {
            let v = parsed.get(field.code)?;
            let text = match (field.kind, v) {
                (FieldKind::Money, Value::Number(n)) => format!("{} 元", Fen(*n).yuan_grouped()),
                (FieldKind::Grade, Value::Number(n)) => format!("{n} 级"),
                _ => v.to_string(),
            };
            Some((field.label, text))
        })
        .collect()
}

pub struct ActionOpt {
    code: &'static str,
    label: &'static str,
    flow: Option<(&'static str, String)>,
}

#[derive(Template)]
#[template(path = "verification_finding.html")]
struct DetailPage {
    chrome: Chrome,
    f: Item,
    union_name: String,
    department: String,
    as_of: String,
    batch_id: i64,
    facts: Vec<(&'static str, String)>,
    open: bool,
    may_resolve: bool,
    actions: Vec<ActionOpt>,
    version: i64,
    resolved_action: String,
    resolved_note: String,
    resolved_by: String,
    resolved_at: String,
    linked: Option<(String, String)>,
    notice: Option<Notice>,
    error: Option<String>,
    error_field: String,
    form_action: String,
    form_note: String,
}

#[derive(Debug, Deserialize, Default)]
struct DetailQ {
    notice: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
struct ResolveForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    version: String,
}

async fn detail_view(
    state: &AppState,
    actor: &Actor,
    id: i64,
    notice: Option<Notice>,
    failed: Option<(&ResolveForm, String, Option<&'static str>)>,
    status: StatusCode,
) -> PageResult {
    let f = state.services.verification_finding_get(actor, id).await?;
    let open = f.status == FindingStatus::Open;
    let (error, error_field, form_action, form_note) = match failed {
        Some((form, msg, field)) => (
            Some(msg),
            field.unwrap_or("").to_owned(),
            form.action.clone(),
            form.note.clone(),
        ),
        None => (None, String::new(), String::new(), String::new()),
    };
    Ok(render_status(
        status,
        &DetailPage {
            chrome: Chrome::new(
                actor,
                format!("核对发现 #{} · {}", f.id, f.worker_name),
                "verification",
            ),
            union_name: f.union_name.clone(),
            department: f.dataset.department.clone(),
            as_of: f.as_of.to_string(),
            batch_id: f.batch_id,
            facts: facts(&f),
            open,
            may_resolve: open && actor.can(Permission::ManageHouseholds),
            actions: f
                .concern
                .actions()
                .iter()
                .map(|a| ActionOpt {
                    code: a.code(),
                    label: a.label(),
                    flow: flow(*a, f.household_id.0),
                })
                .collect(),
            version: f.version,
            resolved_action: f.action.map(|a| a.label().to_owned()).unwrap_or_default(),
            resolved_note: f.note.clone(),
            resolved_by: f.resolved_by_name.clone(),
            resolved_at: f.resolved_at.as_ref().map(local_time).unwrap_or_default(),
            linked: linked(&f),
            notice,
            error,
            error_field,
            form_action,
            form_note,
            f: Item::from(&f),
        },
    ))
}

async fn detail_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Query(q): Query<DetailQ>,
) -> PageResult {
    let notice = Notice::find(Notice::FINDINGS, q.notice.as_deref());
    detail_view(&state, &actor, id, notice, None, StatusCode::OK).await
}

async fn resolve(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(form): Form<ResolveForm>,
) -> PageResult {
    let input = ResolveInput {
        action: form.action.clone(),
        note: form.note.clone(),
        version: form.version.trim().parse().ok(),
    };
    match state
        .services
        .verification_finding_resolve(&actor, id, input)
        .await
    {
        Ok(f) => {
            let done = if f.status == FindingStatus::Dismissed {
                Notice::FindingDismissed
            } else {
                Notice::FindingConfirmed
            };
            Ok(
                Redirect::to(&format!("/verification/findings/{id}?{}", done.query()))
                    .into_response(),
            )
        }
        Err(e) => {
            let (status, msg, field) = form_failure(e)?;
            detail_view(&state, &actor, id, None, Some((&form, msg, field)), status).await
        }
    }
}
