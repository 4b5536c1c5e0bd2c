//! Pages: the fund audit — run the checks, see counts and findings with
//! their evidence in plain Chinese, resolve them, export them — and the
//! standards the over-standard check reads.

use super::{all_pages, with_query, xlsx_response};
use crate::pages::prelude::*;
use crate::view::{division_name, local_time};
use axum::http::{HeaderMap, HeaderValue};
use axum::routing::{get, post};
use axum::Router;
use bangfu_domain::assistance::{Check, FindingId, FindingStatus};
use bangfu_domain::{Fen, Permission};
use bangfu_service::fund_audit::{Finding, FindingQuery, Resolution, Standard, StandardInput};
use bangfu_service::{PageRequest, ServiceError};
use serde_json::Value;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/fund-audit", get(list_page))
        .route("/fund-audit/run", post(run))
        .route("/fund-audit/export.xlsx", get(export))
        .route("/fund-audit/findings/{id}/resolve", post(resolve))
        .route(
            "/fund-audit/standards",
            get(standards_page).post(standard_save),
        )
        .route("/fund-audit/standards/remove", post(standard_remove))
}

fn yuan(fen: &Value) -> String {
    Fen(fen.as_i64().unwrap_or(0)).yuan_grouped()
}

fn s(v: &Value) -> String {
    match v {
        Value::String(x) => x.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// The evidence of a finding, in sentences a person reads.
pub fn evidence_lines(check: Check, ev: &Value) -> Vec<String> {
    let pay = &ev["payment"];
    let paid = || {
        format!(
            "{} 发放{}现金 {} 元（帮扶记录 #{}）",
            s(&pay["given_on"]),
            s(&pay["kind_label"]),
            yuan(&pay["cash"]),
            s(&pay["id"])
        )
    };
    match check {
        Check::NotOnFile => {
            let why = if ev["reason"] == "closed" {
                format!("该户档案已于 {} 关闭，发放时已不在档", s(&ev["closed_on"]))
            } else {
                format!("该户建档日期为 {}，发放时尚未在档", s(&ev["filed_on"]))
            };
            vec![paid(), why]
        }
        Check::Duplicate => vec![
            format!(
                "同一户、同一类别（{}）、同一金额 {} 元，间隔 {} 天发放两次（{} 天内视为重复）",
                s(&ev["kind_label"]),
                yuan(&ev["cash"]),
                s(&ev["days"]),
                s(&ev["window_days"])
            ),
            format!(
                "第一次：{}（帮扶记录 #{}）",
                s(&ev["first"]["given_on"]),
                s(&ev["first"]["id"])
            ),
            format!(
                "第二次：{}（帮扶记录 #{}）",
                s(&ev["second"]["given_on"]),
                s(&ev["second"]["id"])
            ),
        ],
        Check::OverStandard => vec![
            paid(),
            format!(
                "适用标准：{}每次最多 {} 元（家庭所在地区：{}）",
                s(&ev["standard"]["region_name"]),
                yuan(&ev["standard"]["max_cash"]),
                s(&ev["household_region_name"])
            ),
            format!("超出标准 {} 元", yuan(&ev["excess"])),
        ],
        Check::NoMeasure => {
            let why = match ev["reason"].as_str().unwrap_or("") {
                "other_household" => "关联的帮扶措施属于其他家庭".to_owned(),
                "plan_not_approved" => {
                    format!("措施所属的 {} 年帮扶计划尚未审定", s(&ev["plan_year"]))
                }
                "approved_later" => format!(
                    "措施所属的帮扶计划于 {} 才审定，晚于发放日期",
                    s(&ev["approved_on"])
                ),
                _ => "未关联任何帮扶措施".to_owned(),
            };
            let mut v = vec![paid(), why];
            if let Some(m) = ev["measure"].as_str() {
                v.push(format!("措施内容：{m}"));
            }
            v
        }
        Check::NotPassedOn => {
            let a = &ev["allocation"];
            let to = s(&ev["to_union"]["name"]);
            vec![
                format!(
                    "{} {}向{}下拨{} {} 元（资金业务 #{}）",
                    s(&a["on_date"]),
                    s(&ev["from_union"]["name"]),
                    to,
                    s(&a["source_label"]),
                    yuan(&a["amount"]),
                    s(&a["id"])
                ),
                match ev["last_outflow"].as_str() {
                    Some(d) => format!(
                        "已过 {} 天（超过 {} 天），{to}该来源账户最后一次支出在 {d}，下拨后没有支出",
                        s(&ev["days"]),
                        s(&ev["pass_on_days"])
                    ),
                    None => format!(
                        "已过 {} 天（超过 {} 天），{to}该来源账户从未有支出",
                        s(&ev["days"]),
                        s(&ev["pass_on_days"])
                    ),
                },
            ]
        }
    }
}

fn resolution_text(f: &Finding) -> String {
    let Some(r) = f
        .resolution
        .as_deref()
        .and_then(|r| serde_json::from_str::<Value>(r).ok())
    else {
        return String::new();
    };
    let mut out = f.status.label().to_owned();
    let note = r["note"].as_str().unwrap_or("");
    if !note.is_empty() {
        out.push_str(&format!("：{note}"));
    }
    if let Some(a) = r["assistance_id"].as_i64() {
        out.push_str(&format!("；冲销的帮扶记录 #{a}"));
    }
    if let Some(t) = r["transfer_id"].as_i64() {
        out.push_str(&format!("；冲销业务 #{t}"));
    }
    out
}

pub struct FindingRow {
    id: i64,
    check: &'static str,
    status: &'static str,
    status_class: &'static str,
    open: bool,
    household_id: Option<i64>,
    household: String,
    amount: String,
    lines: Vec<String>,
    found_at: String,
    resolution: String,
    resolved: String,
}

impl From<&Finding> for FindingRow {
    fn from(f: &Finding) -> Self {
        let ev: Value = serde_json::from_str(&f.evidence).unwrap_or_default();
        Self {
            id: f.id.0,
            check: f.check.label(),
            status: f.status.label(),
            status_class: match f.status {
                FindingStatus::Open => "warn",
                FindingStatus::Explained => "ok",
                FindingStatus::Reversed => "muted",
            },
            open: f.status == FindingStatus::Open,
            household_id: f.household_id,
            household: match (&f.worker_name, &f.file_no) {
                (Some(n), Some(no)) => format!("{n}（{no}）"),
                (Some(n), None) => n.clone(),
                _ => String::new(),
            },
            amount: f.amount.map(|a| a.yuan_grouped()).unwrap_or_default(),
            lines: evidence_lines(f.check, &ev),
            found_at: local_time(&f.found_at),
            resolution: resolution_text(f),
            resolved: match (&f.resolved_by_name, &f.resolved_at) {
                (Some(n), Some(t)) => format!("{n} · {}", local_time(t)),
                (None, Some(t)) => local_time(t),
                _ => String::new(),
            },
        }
    }
}

pub struct CountRow {
    code: &'static str,
    label: &'static str,
    open: i64,
    explained: i64,
    reversed: i64,
}

#[derive(Debug, Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    check: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    union_id: String,
    page: Option<i64>,
    /// `notice=ran` with the run's counts, after a run.
    notice: Option<String>,
    found: Option<u64>,
    added: Option<u64>,
    ms: Option<u64>,
}

impl ListQuery {
    fn query(&self) -> FindingQuery {
        FindingQuery {
            check: Check::parse(&self.check).ok(),
            status: FindingStatus::parse(&self.status).ok(),
            union_id: self.union_id.trim().parse().ok(),
            household_id: None,
        }
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        vec![
            ("check", self.check.clone()),
            ("status", self.status.clone()),
            ("union_id", self.union_id.clone()),
        ]
    }
}

#[derive(Template)]
#[template(path = "fund_audit.html")]
struct ListPage {
    chrome: Chrome,
    counts: Vec<CountRow>,
    total_open: i64,
    checks: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    unions: Vec<(String, String)>,
    check: String,
    status: String,
    union_id: String,
    items: Vec<FindingRow>,
    total: i64,
    pager: Pager,
    export_href: String,
    notice: Option<String>,
    error: Option<String>,
    pass_on_days: u32,
}

results_partial!(ListPage => FundAuditResults, "fund_audit_partial.html");

async fn list_view(
    state: &AppState,
    actor: &Actor,
    swap: SwapsResults,
    q: &ListQuery,
    error: Option<String>,
) -> PageResult {
    let counts = state.services.fund_audit_counts(actor).await?;
    let page = state
        .services
        .fund_audit_findings(actor, q.query(), PageRequest::new(q.page, Some(30)))
        .await?;
    let unions = state.services.fund_audit_unions(actor).await?;
    let n = |c: Check, st: FindingStatus| {
        counts
            .iter()
            .filter(|(k, s2, _)| *k == c && *s2 == st)
            .map(|x| x.2)
            .sum::<i64>()
    };
    let rows: Vec<CountRow> = Check::ALL
        .iter()
        .map(|c| CountRow {
            code: c.code(),
            label: c.label(),
            open: n(*c, FindingStatus::Open),
            explained: n(*c, FindingStatus::Explained),
            reversed: n(*c, FindingStatus::Reversed),
        })
        .collect();
    let notice = match (q.notice.as_deref(), q.found, q.added, q.ms) {
        (Some("ran"), Some(found), Some(added), Some(millis)) => Some(
            Notice::AuditRan {
                found,
                added,
                millis,
            }
            .text(),
        ),
        _ => None,
    };
    let params = q.params();
    Ok(render_results(
        swap,
        StatusCode::OK,
        &ListPage {
            chrome: Chrome::new(actor, "资金审计", "fund-audit"),
            total_open: rows.iter().map(|r| r.open).sum(),
            counts: rows,
            checks: Check::ALL.iter().map(|c| (c.code(), c.label())).collect(),
            statuses: FindingStatus::ALL
                .iter()
                .map(|s| (s.code(), s.label()))
                .collect(),
            unions: unions
                .into_iter()
                .map(|(i, n)| (i.to_string(), n))
                .collect(),
            check: q.check.clone(),
            status: q.status.clone(),
            union_id: q.union_id.clone(),
            items: page.items.iter().map(FindingRow::from).collect(),
            total: page.total,
            pager: pager("/fund-audit", &params, page.page, page.pages()),
            export_href: with_query("/fund-audit/export.xlsx", &params),
            notice,
            error,
            pass_on_days: state.services.settings().pass_on_days,
        },
    ))
}

async fn list_page(
    State(state): State<AppState>,
    swap: SwapsResults,
    PageActor(actor): PageActor,
    Query(q): Query<ListQuery>,
) -> PageResult {
    list_view(&state, &actor, swap, &q, None).await
}

/// Runs the audit; an htmx request is sent on with `HX-Redirect` so the
/// button shows "运行中" until the run is done.
async fn run(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    headers: HeaderMap,
) -> PageResult {
    let s = state.services.fund_audit_run(&actor).await?;
    let done = Notice::AuditRan {
        found: u64::try_from(s.found).unwrap_or(0),
        added: u64::try_from(s.added).unwrap_or(0),
        millis: u64::try_from(s.millis).unwrap_or(0),
    };
    let to = format!("/fund-audit?{}", done.query());
    if headers.contains_key("hx-request") {
        let mut res = axum::http::StatusCode::NO_CONTENT.into_response();
        if let Ok(v) = HeaderValue::from_str(&to) {
            res.headers_mut().insert("hx-redirect", v);
        }
        return Ok(res);
    }
    Ok(Redirect::to(&to).into_response())
}

#[derive(Debug, Deserialize, Default)]
struct ResolveForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    assistance_id: String,
    #[serde(default)]
    transfer_id: String,
}

fn opt_id(field: &'static str, raw: &str) -> Result<Option<i64>, ServiceError> {
    let t = raw.trim().trim_start_matches('#');
    if t.is_empty() {
        return Ok(None);
    }
    t.parse()
        .map(Some)
        .map_err(|_| bangfu_domain::ValidationError::new(field, "编号应为数字").into())
}

async fn resolve(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(form): Form<ResolveForm>,
) -> PageResult {
    let result = async {
        let r = Resolution {
            status: form.status.clone(),
            note: form.note.clone(),
            assistance_id: opt_id("assistance_id", &form.assistance_id)?,
            transfer_id: opt_id("transfer_id", &form.transfer_id)?,
        };
        state
            .services
            .fund_audit_resolve(&actor, FindingId(id), r)
            .await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to("/fund-audit?status=open").into_response()),
        Err(e) => {
            let (status, msg, _) = super::form_failure(e)?;
            let mut res = list_view(
                &state,
                &actor,
                SwapsResults::default(),
                &ListQuery::default(),
                Some(format!("处理问题 #{id} 未成功：{msg}")),
            )
            .await?;
            *res.status_mut() = status;
            Ok(res)
        }
    }
}

async fn export(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let query = q.query();
    let items = all_pages(|p| state.services.fund_audit_findings(&actor, query.clone(), p)).await?;
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|f| {
            let r = FindingRow::from(f);
            vec![
                r.id.to_string(),
                r.check.to_owned(),
                r.status.to_owned(),
                r.household,
                r.amount,
                r.lines.join("；"),
                r.found_at,
                r.resolution,
                r.resolved,
            ]
        })
        .collect();
    xlsx_response(
        "资金审计问题.xlsx",
        "审计问题",
        &[
            "编号",
            "审计项",
            "状态",
            "家庭（档案号）",
            "金额（元）",
            "证据",
            "发现时间",
            "处理情况",
            "处理人/时间",
        ],
        &rows,
    )
}

// ---------- standards ----------

pub struct StandardRow {
    kind: String,
    kind_label: String,
    code: String,
    region: String,
    max: String,
    updated: String,
}

#[derive(Template)]
#[template(path = "fund_audit_standards.html")]
struct StandardsPage {
    chrome: Chrome,
    rows: Vec<StandardRow>,
    kinds: Vec<(String, String)>,
    can_edit: bool,
    notice: Option<String>,
    error: Option<String>,
    form_kind: String,
    form_code: String,
    form_max: String,
}

#[derive(Debug, Deserialize, Default)]
struct StandardForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    division_code: String,
    #[serde(default)]
    max_yuan: String,
    notice: Option<String>,
}

async fn standards_view(
    state: &AppState,
    actor: &Actor,
    form: &StandardForm,
    notice: Option<String>,
    error: Option<String>,
) -> PageResult {
    let list: Vec<Standard> = state.services.standards(actor).await?;
    let kinds = state.services.standard_kinds(actor).await?;
    let label = |k: &str| {
        kinds
            .iter()
            .find(|(c, _)| c == k)
            .map(|(_, l)| l.clone())
            .unwrap_or_else(|| k.to_owned())
    };
    let rows = list
        .iter()
        .map(|s| {
            let code = if s.division_code.is_empty() {
                "000000".to_owned()
            } else {
                s.division_code.clone()
            };
            StandardRow {
                kind: s.kind.clone(),
                kind_label: label(&s.kind),
                region: division_name(&code),
                code,
                max: s.max_cash.yuan_grouped(),
                updated: format!(
                    "{}{}",
                    s.updated_by_name
                        .clone()
                        .map(|n| format!("{n} · "))
                        .unwrap_or_default(),
                    local_time(&s.updated_at)
                ),
            }
        })
        .collect();
    Ok(render(&StandardsPage {
        chrome: Chrome::new(actor, "发放标准", "fund-audit"),
        rows,
        kinds,
        can_edit: actor.can(Permission::ManageCatalogues),
        notice,
        error,
        form_kind: form.kind.clone(),
        form_code: form.division_code.clone(),
        form_max: form.max_yuan.clone(),
    }))
}

async fn standards_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<StandardForm>,
) -> PageResult {
    let notice = Notice::find(Notice::FUND_AUDIT, q.notice.as_deref()).map(Notice::text);
    standards_view(&state, &actor, &StandardForm::default(), notice, None).await
}

async fn standard_apply(
    state: &AppState,
    actor: &Actor,
    form: &StandardForm,
    remove: bool,
) -> PageResult {
    let result = async {
        let max_cash = if remove {
            None
        } else {
            Some(Fen::parse_yuan("max_cash", &form.max_yuan)?)
        };
        state
            .services
            .standard_set(
                actor,
                StandardInput {
                    kind: form.kind.clone(),
                    division_code: form.division_code.clone(),
                    max_cash,
                },
            )
            .await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!(
            "/fund-audit/standards?{}",
            Notice::StandardSaved.query()
        ))
        .into_response()),
        Err(e) => {
            let (status, msg, _) = super::form_failure(e)?;
            let mut res = standards_view(state, actor, form, None, Some(msg)).await?;
            *res.status_mut() = status;
            Ok(res)
        }
    }
}

async fn standard_save(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(form): Form<StandardForm>,
) -> PageResult {
    standard_apply(&state, &actor, &form, false).await
}

async fn standard_remove(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(form): Form<StandardForm>,
) -> PageResult {
    standard_apply(&state, &actor, &form, true).await
}
