//! Pages: 档案质量 — for a union in the caller's subtree, how many files
//! under assistance fail each check (docs/rules.md §2.1), by direct child
//! union for drill-down; the files failing one check, and their download.

use super::with_query;
use crate::pages::prelude::*;
use crate::view::local_time;
use axum::routing::get;
use axum::Router;
use bangfu_domain::quality::Check;
use bangfu_service::quality::{QualityFile, QualityList};
use bangfu_service::PageRequest;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/quality", get(overview_page))
        .route("/quality/{check}", get(list_page))
        .route("/quality/{check}/export.xlsx", get(export))
}

#[derive(Debug, Deserialize, Default)]
struct UnionQ {
    #[serde(default)]
    union_id: String,
    page: Option<i64>,
}

impl UnionQ {
    fn id(&self) -> Option<i64> {
        self.union_id.trim().parse().ok()
    }
}

/// `path` narrowed to the union `union_id` (empty: the caller's own).
fn at(path: &str, union_id: &str) -> String {
    if union_id.is_empty() {
        return path.to_owned();
    }
    with_query(path, &[("union_id", union_id.to_owned())])
}

pub struct CheckRow {
    label: &'static str,
    explain: &'static str,
    count: i64,
    href: String,
    export_href: String,
}

pub struct ChildRow {
    name: String,
    href: String,
    /// One per check: (count, the list of the child's files failing it).
    counts: Vec<(i64, String)>,
}

#[derive(Template)]
#[template(path = "quality.html")]
struct OverviewPage {
    chrome: Chrome,
    union_name: String,
    union_id: String,
    /// The picker: (union id, name); the caller's own is "".
    unions: Vec<(String, String)>,
    checks: Vec<CheckRow>,
    labels: Vec<&'static str>,
    children: Vec<ChildRow>,
    /// Children without any failing file, not listed one by one.
    clean_children: usize,
    income_months: String,
}

async fn overview_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<UnionQ>,
) -> PageResult {
    let o = state.services.quality_overview(&actor, q.id()).await?;
    let own = o.union.0 == actor.user.union_id.0;
    let u = if own {
        String::new()
    } else {
        o.union.0.to_string()
    };
    let checks = o
        .counts
        .iter()
        .map(|c| CheckRow {
            label: c.check.label(),
            explain: c.check.explain(),
            count: c.count,
            href: at(&format!("/quality/{}", c.check.code()), &u),
            export_href: at(&format!("/quality/{}/export.xlsx", c.check.code()), &u),
        })
        .collect();
    let (with, without): (Vec<_>, Vec<_>) = o
        .children
        .iter()
        .partition(|c| c.counts.iter().any(|n| n.count > 0));
    let children = with
        .iter()
        .map(|c| {
            let id = c.union_id.to_string();
            ChildRow {
                name: c.name.clone(),
                href: at("/quality", &id),
                counts: c
                    .counts
                    .iter()
                    .map(|n| (n.count, at(&format!("/quality/{}", n.check.code()), &id)))
                    .collect(),
            }
        })
        .collect();
    let mut unions = vec![(
        String::new(),
        format!("{}（本级及下级）", actor.user.union_name),
    )];
    if !own {
        unions.push((u.clone(), o.union.1.clone()));
    }
    unions.extend(
        o.children
            .iter()
            .map(|c| (c.union_id.to_string(), format!("　{}", c.name))),
    );
    Ok(render(&OverviewPage {
        chrome: Chrome::new(&actor, "档案质量", "quality"),
        union_name: o.union.1.clone(),
        union_id: u,
        unions,
        checks,
        labels: Check::ALL.iter().map(|c| c.label()).collect(),
        children,
        clean_children: without.len(),
        income_months: format!("{} 至 {}", o.income_months.0, o.income_months.1),
    }))
}

pub struct Item {
    id: i64,
    file_no: String,
    worker: String,
    id_masked: String,
    status: &'static str,
    union_name: String,
    responsible: String,
    updated_at: String,
}

impl From<&QualityFile<bangfu_domain::Masked>> for Item {
    fn from(f: &QualityFile<bangfu_domain::Masked>) -> Self {
        Self {
            id: f.id.0,
            file_no: f.file_no.clone(),
            worker: f.worker_name.clone(),
            id_masked: f.worker_id_number.text.clone(),
            status: f.status.label(),
            union_name: f.union_name.clone(),
            responsible: f.responsible_name.clone(),
            updated_at: local_time(&f.updated_at),
        }
    }
}

#[derive(Template)]
#[template(path = "quality_list.html")]
struct ListPage {
    chrome: Chrome,
    union_name: String,
    back_href: String,
    label: &'static str,
    explain: &'static str,
    empty: &'static str,
    window: String,
    items: Vec<Item>,
    total: i64,
    pager: Pager,
    export_href: String,
}

async fn list_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(check): Path<String>,
    Query(q): Query<UnionQ>,
) -> PageResult {
    let l = state
        .services
        .quality_list(&actor, &check, q.id(), PageRequest::new(q.page, Some(30)))
        .await?;
    let code = l.check.code();
    let params = [("union_id", q.union_id.trim().to_owned())];
    Ok(render(&ListPage {
        chrome: Chrome::new(&actor, format!("档案质量 · {}", l.check.label()), "quality"),
        union_name: l.union.1.clone(),
        back_href: at("/quality", q.union_id.trim()),
        label: l.check.label(),
        explain: l.check.explain(),
        empty: l.check.empty(),
        window: if l.check == Check::IncomesMissing {
            format!("（{} 至 {}）", l.income_months.0, l.income_months.1)
        } else {
            String::new()
        },
        items: l.page.items.iter().map(Item::from).collect(),
        total: l.page.total,
        pager: pager(
            &format!("/quality/{code}"),
            &params,
            l.page.page,
            l.page.pages(),
        ),
        export_href: at(&format!("/quality/{code}/export.xlsx"), q.union_id.trim()),
    }))
}

/// The download of a check's files: one sheet, the columns of the list.
pub(crate) fn workbook(l: &QualityList) -> Result<(String, Vec<u8>), String> {
    let rows: Vec<Vec<String>> = l
        .page
        .items
        .iter()
        .map(|f| {
            vec![
                f.file_no.clone(),
                f.worker_name.clone(),
                f.worker_id_number.text.clone(),
                f.status.label().to_owned(),
                f.union_name.clone(),
                f.responsible_name.clone(),
                local_time(&f.updated_at),
            ]
        })
        .collect();
    let bytes = crate::xlsx::workbook(
        l.check.label(),
        &[
            "档案编号",
            "职工",
            "身份证号码",
            "档案状态",
            "建档工会",
            "责任人",
            "最近变更",
        ],
        &rows,
    )?;
    Ok((
        format!("档案质量-{}-{}.xlsx", l.check.label(), l.union.1),
        bytes,
    ))
}

async fn export(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(check): Path<String>,
    Query(q): Query<UnionQ>,
) -> PageResult {
    let l = state
        .services
        .quality_export(&actor, &check, q.id(), crate::xlsx::MAX_ROWS)
        .await?;
    let (name, bytes) =
        workbook(&l).map_err(|e| PageError::Service(bangfu_service::ServiceError::Internal(e)))?;
    Ok(crate::xlsx::download(&name, bytes))
}
