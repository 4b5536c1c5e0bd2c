//! The audit log: the filtered list and its Excel export.

use crate::pages::prelude::*;
use crate::view::local_time;

use super::forms::*;
use super::*;
use bangfu_domain::audit::{object_label, Action};
use bangfu_service::{AuditQuery, PageRequest};

// ---------- audit ----------

pub struct AuditView {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub success: bool,
    pub ip: String,
    pub before: String,
    pub after: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
pub(crate) struct AuditPage {
    chrome: Chrome,
    f: AuditForm,
    actions: Vec<(&'static str, &'static str)>,
    total: i64,
    items: Vec<AuditView>,
    pager: Pager,
    export_href: String,
}

results_partial!(AuditPage => AuditResults, "audit_partial.html");

pub(crate) fn audit_query(f: &AuditForm) -> AuditQuery {
    let date = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    AuditQuery {
        actor: Some(f.actor.clone()).filter(|s| !s.is_empty()),
        action: Some(f.action.clone()).filter(|s| !s.is_empty()),
        object_kind: None,
        object_id: None,
        from: date(&f.from),
        until: date(&f.until),
        success: yes_no(&f.success),
    }
}

impl From<&bangfu_service::AuditRow> for AuditView {
    fn from(row: &bangfu_service::AuditRow) -> Self {
        let e = &row.entry;
        AuditView {
            at: local_time(&e.at),
            actor: e.actor_username.clone().unwrap_or_else(|| "—".into()),
            action: Action::from_code(&e.action)
                .map(|a| a.label())
                .unwrap_or("其他")
                .to_owned(),
            // A file by its number (what officers know it by), else the id.
            object: match (&row.object_name, e.object_id.as_deref()) {
                (Some(name), _) => format!("{} {name}", object_label(&e.object_kind)),
                (None, Some(i)) => format!("{} #{i}", object_label(&e.object_kind)),
                (None, None) => object_label(&e.object_kind).to_owned(),
            },
            success: e.success,
            ip: e.ip.clone().unwrap_or_default(),
            before: e.before_json.clone().unwrap_or_default(),
            after: e.after_json.clone().unwrap_or_default(),
        }
    }
}

pub(crate) async fn audit_export(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(f): Query<AuditForm>,
) -> PageResult {
    let q = audit_query(&f);
    let entries = all_pages(|p| state.services.audit_list(&actor, q.clone(), p)).await?;
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(AuditView::from)
        .map(|e| {
            vec![
                e.at,
                e.actor,
                e.action,
                e.object,
                if e.success { "成功" } else { "失败" }.to_owned(),
                e.ip,
                e.before,
                e.after,
            ]
        })
        .collect();
    xlsx_response(
        "操作日志.xlsx",
        "操作日志",
        &[
            "时间（北京时间）",
            "操作人",
            "操作",
            "对象",
            "结果",
            "来源地址",
            "变更前",
            "变更后",
        ],
        &rows,
    )
}

pub(crate) async fn audit_page(
    State(state): State<AppState>,
    swap: SwapsResults,
    PageActor(actor): PageActor,
    Query(f): Query<AuditForm>,
) -> PageResult {
    let q = audit_query(&f);
    let page = state
        .services
        .audit_list(&actor, q, PageRequest::new(f.page, Some(50)))
        .await?;
    let items = page.items.iter().map(AuditView::from).collect();
    let params = [
        ("actor", f.actor.clone()),
        ("action", f.action.clone()),
        ("success", f.success.clone()),
        ("from", f.from.clone()),
        ("until", f.until.clone()),
    ];
    Ok(render_results(
        swap,
        StatusCode::OK,
        &AuditPage {
            chrome: Chrome::new(&actor, "操作日志", "audit"),
            pager: pager("/audit", &params, page.page, page.pages()),
            export_href: with_query("/audit/export.xlsx", &params),
            f,
            actions: Action::ALL.iter().map(|a| (a.code(), a.label())).collect(),
            total: page.total,
            items,
        },
    ))
}

// ---------- account ----------
