//! A scheme's report: its areas and items, a chart of the totals, one row
//! per assessed union with its total and ranks; scoring, Excel and print.

use crate::pages::prelude::*;
use crate::view::local_time;
use bangfu_domain::assessment::format_points;
use bangfu_service::assessments::Report;
use serde_json::json;

#[derive(Debug, Deserialize, Default)]
pub(super) struct ReportQ {
    notice: Option<String>,
    /// Only the unions under this parent ("" = all).
    #[serde(default)]
    parent: String,
    page: Option<i64>,
}

/// Rows a page of the results shows.
const PER_PAGE: usize = 50;

pub struct ItemRow {
    area: String,
    name: String,
    weight: u32,
    source: &'static str,
    explain: &'static str,
    computed: bool,
}

pub struct UnionRow {
    href: String,
    name: String,
    parent: String,
    rank_all: usize,
    rank: String,
    total: String,
    missing: usize,
}

#[derive(Template)]
#[template(path = "assessment.html")]
struct ReportPage {
    chrome: Chrome,
    notice: Option<Notice>,
    error: Option<String>,
    id: i64,
    title: String,
    year: i32,
    union_name: String,
    level: &'static str,
    created: String,
    scored: String,
    assessed: usize,
    areas: Vec<(String, u32, usize)>,
    items: Vec<ItemRow>,
    rows: Vec<UnionRow>,
    /// How many unions the filter keeps (all pages).
    shown: usize,
    parent: String,
    /// The parents to filter by: (id, name, how many).
    parents: Vec<(String, String, usize)>,
    pager: Pager,
    chart_labels: String,
    chart_series: String,
    can_manage: bool,
    editable: bool,
    manual_items: usize,
}

fn page(
    report: &Report,
    actor: &Actor,
    q: &ReportQ,
    notice: Option<Notice>,
    error: Option<String>,
) -> ReportPage {
    let s = &report.scheme;
    let mut parents: Vec<(String, String, usize)> = Vec::new();
    for u in &report.unions {
        let id = u.parent_id.map(|p| p.to_string()).unwrap_or_default();
        match parents.iter_mut().find(|p| p.0 == id) {
            Some(p) => p.2 += 1,
            None => parents.push((id, u.parent_name.clone(), 1)),
        }
    }
    parents.sort_by(|a, b| a.1.cmp(&b.1));
    let parent = q.parent.trim().to_owned();
    let kept: Vec<_> = report
        .unions
        .iter()
        .filter(|u| {
            parent.is_empty() || u.parent_id.map(|p| p.to_string()).as_deref() == Some(&parent)
        })
        .collect();
    let pages = kept.len().div_ceil(PER_PAGE).max(1);
    let at = usize::try_from(q.page.unwrap_or(1).max(1))
        .unwrap_or(1)
        .min(pages);
    let top: Vec<_> = kept.iter().take(30).collect();
    let names: Vec<&str> = top.iter().map(|u| u.name.as_str()).collect();
    let totals: Vec<f64> = top.iter().map(|u| u.total as f64 / 100.0).collect();
    ReportPage {
        chrome: Chrome::new(actor, format!("考核评价 · {}", s.title), "assessments"),
        notice,
        error,
        id: s.id,
        title: s.title.clone(),
        year: s.year,
        union_name: s.union_name.clone(),
        level: s.level.label(),
        created: format!(
            "{} 于 {} 制定",
            s.created_by_name,
            local_time(&s.created_at)
        ),
        scored: match (&s.scored_at, s.scored_as_of) {
            (Some(at), Some(d)) => format!("最近计算：{}（数据截至 {d}）", local_time(at)),
            _ => String::new(),
        },
        assessed: report.assessed,
        areas: report
            .areas
            .iter()
            .map(|a| (a.name.clone(), a.weight, a.items))
            .collect(),
        items: s
            .items
            .iter()
            .map(|i| ItemRow {
                area: i.item.area.clone(),
                name: i.item.name.clone(),
                weight: i.item.weight,
                source: i.item.source.label(),
                explain: i.item.source.explain(),
                computed: i.item.source.computed(),
            })
            .collect(),
        rows: kept
            .iter()
            .skip((at - 1) * PER_PAGE)
            .take(PER_PAGE)
            .map(|u| UnionRow {
                href: format!("/assessments/{}/unions/{}", s.id, u.union_id),
                name: u.name.clone(),
                parent: u.parent_name.clone(),
                rank_all: u.rank_all,
                rank: format!("{} / {}", u.rank, u.siblings),
                total: format_points(u.total),
                missing: u.missing,
            })
            .collect(),
        shown: kept.len(),
        pager: pager(
            &format!("/assessments/{}", s.id),
            &[("parent", parent.clone())],
            i64::try_from(at).unwrap_or(1),
            i64::try_from(pages).unwrap_or(1),
        ),
        parent,
        parents: if parents.len() > 1 {
            parents
        } else {
            Vec::new()
        },
        chart_labels: json!(names).to_string(),
        chart_series: json!([{"name": "总分", "data": totals}]).to_string(),
        can_manage: report.can_manage,
        editable: report.editable && report.can_manage,
        manual_items: s.items.iter().filter(|i| !i.item.source.computed()).count(),
    }
}

pub(super) async fn report_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Query(q): Query<ReportQ>,
) -> PageResult {
    let r = state.services.assessment_report(&actor, id).await?;
    let notice = Notice::find(Notice::ASSESSMENT, q.notice.as_deref());
    Ok(render(&page(&r, &actor, &q, notice, None)))
}

#[derive(Debug, Deserialize, Default)]
pub(super) struct Empty {}

pub(super) async fn score(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(_f): Form<Empty>,
) -> PageResult {
    match state.services.assessment_score(&actor, id).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/assessments/{id}?{}",
            Notice::AssessmentScored.query()
        ))
        .into_response()),
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            let r = state.services.assessment_report(&actor, id).await?;
            Ok(render_status(
                status,
                &page(&r, &actor, &ReportQ::default(), None, Some(msg)),
            ))
        }
    }
}

/// The report as a workbook: one row per union, one column per item.
pub(crate) fn workbook(r: &Report) -> Result<(String, Vec<u8>), String> {
    let s = &r.scheme;
    let mut headers: Vec<String> = vec![
        "排名".into(),
        "工会".into(),
        "上级工会".into(),
        "同级排名".into(),
        "总分".into(),
        "未评项数".into(),
    ];
    headers.extend(
        s.items
            .iter()
            .map(|i| format!("{}/{}（{}分）", i.item.area, i.item.name, i.item.weight)),
    );
    let rows: Vec<Vec<String>> = r
        .unions
        .iter()
        .map(|u| {
            let mut row = vec![
                u.rank_all.to_string(),
                u.name.clone(),
                u.parent_name.clone(),
                format!("{} / {}", u.rank, u.siblings),
                format_points(u.total),
                u.missing.to_string(),
            ];
            row.extend(
                u.items
                    .iter()
                    .map(|i| i.points.map(format_points).unwrap_or_else(|| "未评".into())),
            );
            row
        })
        .collect();
    let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let bytes = crate::xlsx::workbook("考核结果", &refs, &rows)?;
    Ok((format!("{}-{}.xlsx", s.year, s.title), bytes))
}

pub(super) async fn export(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    let r = state.services.assessment_report(&actor, id).await?;
    let (name, bytes) =
        workbook(&r).map_err(|e| PageError::from(bangfu_service::ServiceError::Internal(e)))?;
    Ok(crate::xlsx::download(&name, bytes))
}
