//! One assessed union under a scheme: each item with its points, how a
//! computed one was counted, an entered one's evidence, and the forms that
//! enter scores by hand; the evidence documents; a union's history.

use crate::pages::prelude::*;
use crate::view::local_time;
use axum::extract::Multipart;
use bangfu_domain::assessment::{format_points, Ratio};
use bangfu_service::assessments::{EntryInput, Report};
use bangfu_service::{ServiceError, Upload};

#[derive(Debug, Deserialize, Default)]
pub(super) struct UnionQ {
    notice: Option<String>,
}

pub struct ItemView {
    id: i64,
    area: String,
    name: String,
    weight: u32,
    source: &'static str,
    explain: &'static str,
    computed: bool,
    needs_document: bool,
    /// "3.5" or "" (not yet).
    points: String,
    /// A computed item's count: "45 / 50（90.0%）".
    count: String,
    note: String,
    entered: String,
    document: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "assessment_union.html")]
struct UnionPage {
    chrome: Chrome,
    notice: Option<Notice>,
    error: Option<String>,
    id: i64,
    union_id: i64,
    title: String,
    year: i32,
    name: String,
    parent: String,
    total: String,
    rank: String,
    rank_all: String,
    missing: usize,
    scored: bool,
    items: Vec<ItemView>,
    can_manage: bool,
    /// The item whose form was refused, with what was typed.
    failed: Option<(i64, String, String)>,
}

fn count_text(r: Ratio) -> String {
    if r.denominator <= 0 {
        return "无应办事项（得满分）".into();
    }
    let bp = r.bp();
    format!(
        "{} / {}（{}.{}%）",
        r.numerator,
        r.denominator,
        bp / 100,
        (bp % 100) / 10
    )
}

fn page(
    r: &Report,
    actor: &Actor,
    union_id: i64,
    notice: Option<Notice>,
    error: Option<String>,
    failed: Option<(i64, String, String)>,
) -> Result<UnionPage, PageError> {
    let s = &r.scheme;
    let u = r
        .unions
        .iter()
        .find(|u| u.union_id == union_id)
        .ok_or(ServiceError::NotFound("被考核工会"))?;
    let items = s
        .items
        .iter()
        .zip(&u.items)
        .map(|(it, res)| ItemView {
            id: it.id,
            area: it.item.area.clone(),
            name: it.item.name.clone(),
            weight: it.item.weight,
            source: it.item.source.label(),
            explain: it.item.source.explain(),
            computed: it.item.source.computed(),
            needs_document: it.item.source.needs_document(),
            points: res.points.map(format_points).unwrap_or_default(),
            count: res.ratio.map(count_text).unwrap_or_default(),
            note: res
                .entry
                .as_ref()
                .map(|e| e.note.clone())
                .unwrap_or_default(),
            entered: res
                .entry
                .as_ref()
                .map(|e| {
                    format!(
                        "{} 于 {} 录入",
                        e.entered_by_name,
                        local_time(&e.entered_at)
                    )
                })
                .unwrap_or_default(),
            document: res.entry.as_ref().and_then(|e| {
                e.document.as_ref().map(|d| {
                    (
                        d.0.clone(),
                        format!(
                            "/assessments/{}/unions/{}/items/{}/document",
                            s.id, union_id, it.id
                        ),
                    )
                })
            }),
        })
        .collect();
    Ok(UnionPage {
        chrome: Chrome::new(actor, format!("考核评价 · {}", u.name), "assessments"),
        notice,
        error,
        id: s.id,
        union_id,
        title: s.title.clone(),
        year: s.year,
        name: u.name.clone(),
        parent: u.parent_name.clone(),
        total: format_points(u.total),
        rank: format!("{} / {}", u.rank, u.siblings),
        rank_all: format!("{} / {}", u.rank_all, r.assessed),
        missing: u.missing,
        scored: s.scored_at.is_some(),
        items,
        can_manage: r.can_manage,
        failed,
    })
}

pub(super) async fn union_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path((id, union_id)): Path<(i64, i64)>,
    Query(q): Query<UnionQ>,
) -> PageResult {
    let r = state.services.assessment_report(&actor, id).await?;
    let notice = Notice::find(Notice::ASSESSMENT_UNION, q.notice.as_deref());
    Ok(render(&page(&r, &actor, union_id, notice, None, None)?))
}

/// The entry form as sent (multipart: it may carry the document).
async fn read_entry(mut mp: Multipart) -> Result<EntryInput, PageError> {
    let mut input = EntryInput::default();
    let too_big = || PageError::BadRequest("提交的内容过大：证明材料不超过 5 MB".into());
    while let Some(field) = mp.next_field().await.map_err(|_| too_big())? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "document" {
            let file_name = field.file_name().unwrap_or("证明材料").to_owned();
            let bytes = field.bytes().await.map_err(|_| too_big())?;
            if !bytes.is_empty() {
                input.document = Some(Upload {
                    name: file_name,
                    bytes: bytes.to_vec(),
                });
            }
            continue;
        }
        let text = field.text().await.map_err(|_| too_big())?;
        match name.as_str() {
            "item_id" => input.item_id = text.trim().parse().unwrap_or(0),
            "points" => input.points = text,
            "note" => input.note = text,
            _ => {}
        }
    }
    Ok(input)
}

pub(super) async fn enter(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path((id, union_id)): Path<(i64, i64)>,
    mp: Multipart,
) -> PageResult {
    let mut input = read_entry(mp).await?;
    input.union_id = union_id;
    let typed = (input.item_id, input.points.clone(), input.note.clone());
    match state.services.assessment_enter(&actor, id, input).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/assessments/{id}/unions/{union_id}?{}#item-{}",
            Notice::AssessmentEntered.query(),
            typed.0
        ))
        .into_response()),
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            let r = state.services.assessment_report(&actor, id).await?;
            Ok(render_status(
                status,
                &page(&r, &actor, union_id, None, Some(msg), Some(typed))?,
            ))
        }
    }
}

pub(super) async fn document(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path((id, union_id, item_id)): Path<(i64, i64, i64)>,
) -> PageResult {
    let (name, ty, bytes) = state
        .services
        .assessment_document(&actor, id, item_id, union_id)
        .await?;
    Ok(crate::xlsx::attachment(&name, &ty, bytes))
}

pub struct HistoryRow {
    href: String,
    year: i32,
    title: String,
    assessing: String,
    total: String,
    rank: String,
    missing: usize,
}

#[derive(Template)]
#[template(path = "assessment_history.html")]
struct HistoryPage {
    chrome: Chrome,
    name: String,
    rows: Vec<HistoryRow>,
    chart_labels: String,
    chart_series: String,
}

pub(super) async fn history_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(union_id): Path<i64>,
) -> PageResult {
    let h = state.services.assessment_history(&actor, union_id).await?;
    let mut oldest_first: Vec<_> = h.lines.iter().collect();
    oldest_first.reverse();
    let labels: Vec<String> = oldest_first
        .iter()
        .map(|l| format!("{} 年", l.year))
        .collect();
    let totals: Vec<f64> = oldest_first
        .iter()
        .map(|l| l.total as f64 / 100.0)
        .collect();
    Ok(render(&HistoryPage {
        chrome: Chrome::new(&actor, format!("历年考核 · {}", h.name), "assessments"),
        name: h.name.clone(),
        rows: h
            .lines
            .iter()
            .map(|l| HistoryRow {
                href: format!("/assessments/{}/unions/{}", l.scheme_id, h.union_id),
                year: l.year,
                title: l.title.clone(),
                assessing: l.assessing_union.clone(),
                total: format_points(l.total),
                rank: format!("{} / {}", l.rank, l.siblings),
                missing: l.missing,
            })
            .collect(),
        chart_labels: serde_json::json!(labels).to_string(),
        chart_series: serde_json::json!([{"name": "总分", "data": totals}]).to_string(),
    }))
}
