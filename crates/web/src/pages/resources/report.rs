//! What each provider gave: the report, its Excel download and a
//! provider's letter of thanks (感谢信).

use super::*;
use bangfu_domain::resources::ProviderId;
use bangfu_service::resources::GivingReport;

#[derive(Debug, Clone, Deserialize, Default)]
pub struct PeriodQ {
    #[serde(default)]
    pub(crate) from: String,
    #[serde(default)]
    pub(crate) to: String,
}

pub(crate) struct GivingView {
    pub(crate) provider_id: i64,
    pub(crate) name: String,
    pub(crate) kind: &'static str,
    pub(crate) union_name: String,
    pub(crate) received: String,
    pub(crate) cash: String,
    pub(crate) goods: i64,
    pub(crate) goods_value: String,
    pub(crate) jobs: i64,
    pub(crate) trainees: i64,
    pub(crate) services: i64,
    pub(crate) hours: i64,
    pub(crate) households: usize,
}

#[derive(Template)]
#[template(path = "resources_report.html")]
pub(crate) struct ReportPage {
    pub(crate) chrome: Chrome,
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) rows: Vec<GivingView>,
    pub(crate) total: GivingView,
    pub(crate) query: String,
    pub(crate) error: Option<String>,
}

fn views(r: &GivingReport) -> (Vec<GivingView>, GivingView) {
    let view = |id: i64,
                name: &str,
                kind: &'static str,
                union: &str,
                g: &bangfu_domain::resources::Given,
                h: usize,
                rec: Fen| GivingView {
        provider_id: id,
        name: name.to_owned(),
        kind,
        union_name: union.to_owned(),
        received: rec.yuan_grouped(),
        cash: g.cash.yuan_grouped(),
        goods: g.goods,
        goods_value: g.goods_value.yuan_grouped(),
        jobs: g.jobs,
        trainees: g.trainees,
        services: g.services,
        hours: g.hours,
        households: h,
    };
    let rows = r
        .rows
        .iter()
        .map(|p| {
            view(
                p.provider_id.0,
                &p.name,
                p.kind.label(),
                &p.union_name,
                &p.given,
                p.households,
                p.received,
            )
        })
        .collect();
    let total = view(0, "合计", "", "", &r.total, r.households, r.received);
    (rows, total)
}

pub(crate) async fn report_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<PeriodQ>,
) -> PageResult {
    let chrome = Chrome::new(&actor, "社会资源贡献", "resources");
    let (report, error) = match state
        .services
        .resources_report(&actor, &q.from, &q.to, None)
        .await
    {
        Ok(r) => (r, None),
        Err(e) => {
            let (_, msg, _) = form_failure(e)?;
            (
                state
                    .services
                    .resources_report(&actor, "", "", None)
                    .await?,
                Some(msg),
            )
        }
    };
    let (rows, total) = views(&report);
    let query = format!("from={}&to={}", report.from, report.to);
    Ok(render(&ReportPage {
        chrome,
        from: report.from.to_string(),
        to: report.to.to_string(),
        rows,
        total,
        query,
        error,
    }))
}

pub(crate) async fn report_export(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<PeriodQ>,
) -> PageResult {
    let report = state
        .services
        .resources_report(&actor, &q.from, &q.to, None)
        .await?;
    let bytes = crate::xlsx::typed_workbook(&[report.sheet()])
        .map_err(|e| PageError::Service(bangfu_service::ServiceError::Internal(e)))?;
    Ok(crate::xlsx::download_as(
        &format!("社会资源贡献-{}-{}.xlsx", report.from, report.to),
        &format!("resources-{}-{}.xlsx", report.from, report.to),
        bytes,
    ))
}

#[derive(Template)]
#[template(path = "resource_thanks.html")]
pub(crate) struct ThanksPage {
    pub(crate) provider_id: i64,
    pub(crate) name: String,
    pub(crate) union_name: String,
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) phrases: Vec<String>,
    pub(crate) households: usize,
    pub(crate) today: String,
}

pub(crate) async fn thanks_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Query(q): Query<PeriodQ>,
) -> PageResult {
    let report = state
        .services
        .resources_report(&actor, &q.from, &q.to, Some(ProviderId(id)))
        .await?;
    let provider = state.services.provider_get(&actor, ProviderId(id)).await?;
    let mut phrases = Vec::new();
    let mut households = 0;
    if let Some(r) = report.rows.first() {
        if r.received.0 > 0 {
            phrases.push(format!("捐赠资金 {} 元", r.received.yuan_grouped()));
        }
        phrases.extend(
            r.given
                .phrases()
                .into_iter()
                .filter(|p| !(r.received.0 > 0 && p.starts_with("捐赠资金"))),
        );
        households = r.households;
    }
    Ok(render(&ThanksPage {
        provider_id: id,
        name: provider.fields.name.clone(),
        union_name: report.union_name.clone(),
        from: report.from.to_string(),
        to: report.to.to_string(),
        phrases,
        households,
        today: bangfu_service::today().format("%Y年%m月%d日").to_string(),
    }))
}
