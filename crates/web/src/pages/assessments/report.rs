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
}

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
    chart_labels: String,
    chart_series: String,
    can_manage: bool,
    editable: bool,
    manual_items: usize,
}

fn page(
    report: &Report,
    actor: &Actor,
    notice: Option<Notice>,
    error: Option<String>,
) -> ReportPage {
    let s = &report.scheme;
    let top: Vec<_> = report.unions.iter().take(30).collect();
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
        rows: report
            .unions
            .iter()
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
    Ok(render(&page(&r, &actor, notice, None)))
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
            Ok(render_status(status, &page(&r, &actor, None, Some(msg))))
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
