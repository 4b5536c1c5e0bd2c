//! Regular subsidies (常态化补助): setting, stopping and the payments due.

use super::*;
use crate::pages::households::filing_unions;
use bangfu_domain::assistance::SubsidyId;
use bangfu_domain::{Fen, Permission};
use bangfu_service::subsidies::{Payment, Subsidy, SubsidyFilter, SubsidyInput};
use bangfu_service::{today, PageRequest};

pub struct SubsidyView {
    pub(crate) id: i64,
    pub(crate) household_id: i64,
    pub(crate) worker_name: String,
    pub(crate) file_no: String,
    pub(crate) union_name: String,
    pub(crate) amount: String,
    pub(crate) period: &'static str,
    pub(crate) months: String,
    pub(crate) source: &'static str,
    pub(crate) active: bool,
    pub(crate) status: &'static str,
    pub(crate) stop_reason: String,
}

impl From<&Subsidy> for SubsidyView {
    fn from(s: &Subsidy) -> Self {
        Self {
            id: s.id.0,
            household_id: s.household_id.0,
            worker_name: s.worker_name.clone(),
            file_no: s.file_no.clone(),
            union_name: s.union_name.clone(),
            amount: s.amount.yuan_grouped(),
            period: s.period.label(),
            months: match s.end_month {
                Some(e) => format!("{} 至 {e}", s.start_month),
                None => format!("{} 起", s.start_month),
            },
            source: s.source.label(),
            active: s.status == bangfu_domain::assistance::SubsidyStatus::Active,
            status: s.status.label(),
            stop_reason: s.stop_reason.clone().unwrap_or_default(),
        }
    }
}

pub struct PaymentView {
    pub(crate) id: i64,
    pub(crate) household_id: i64,
    pub(crate) worker_name: String,
    pub(crate) file_no: String,
    pub(crate) union_name: String,
    pub(crate) source: &'static str,
    pub(crate) period: String,
    pub(crate) amount: String,
}

impl From<&Payment> for PaymentView {
    fn from(p: &Payment) -> Self {
        Self {
            id: p.id.0,
            household_id: p.household_id.0,
            worker_name: p.worker_name.clone(),
            file_no: p.file_no.clone(),
            union_name: p.union_name.clone(),
            source: p.source.label(),
            period: p.period.to_string(),
            amount: p.amount.yuan_grouped(),
        }
    }
}

#[derive(Template)]
#[template(path = "subsidies.html")]
pub(crate) struct SubsidiesPage {
    pub(crate) chrome: Chrome,
    pub(crate) union_id: String,
    pub(crate) unions: Vec<(i64, String)>,
    pub(crate) items: Vec<SubsidyView>,
    pub(crate) total: i64,
    pub(crate) pager: Pager,
    pub(crate) due: Vec<PaymentView>,
    pub(crate) due_total: i64,
    pub(crate) due_amount: String,
    pub(crate) can_generate: bool,
    pub(crate) can_pay: bool,
    pub(crate) can_stop: bool,
    pub(crate) this_month: String,
    pub(crate) notice: Option<Notice>,
    pub(crate) error: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct SubsidiesQ {
    pub(crate) union_id: Option<String>,
    pub(crate) page: Option<i64>,
    #[serde(default)]
    pub(crate) notice: String,
}

pub(crate) async fn subsidies_view(
    state: &AppState,
    actor: &Actor,
    q: &SubsidiesQ,
    notice_msg: Option<Notice>,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let union_id: Option<i64> = q.union_id.as_deref().and_then(|s| s.trim().parse().ok());
    let list = state
        .services
        .subsidy_list(
            actor,
            union_id,
            SubsidyFilter::default(),
            PageRequest::new(q.page, Some(20)),
        )
        .await?;
    let due = state
        .services
        .subsidy_due(
            actor,
            union_id,
            PageRequest::new(Some(1), Some(PageRequest::MAX_PER_PAGE)),
        )
        .await?;
    let params = vec![("union_id", q.union_id.clone().unwrap_or_default())];
    Ok(render_status(
        status,
        &SubsidiesPage {
            chrome: Chrome::new(actor, "常态化补助", "subsidies"),
            union_id: q.union_id.clone().unwrap_or_default(),
            unions: filing_unions(state, actor).await.unwrap_or_default(),
            items: list.items.iter().map(SubsidyView::from).collect(),
            total: list.total,
            pager: pager("/subsidies", &params, list.page, list.pages()),
            due: due.items.iter().map(PaymentView::from).collect(),
            due_total: due.total,
            due_amount: due.amount.yuan_grouped(),
            can_generate: actor.can(Permission::ManageFunds)
                || actor.can(Permission::ManageAssistance),
            can_pay: actor.can(Permission::ManageFunds),
            can_stop: actor.can(Permission::ManageFunds) || actor.can(Permission::ManageAssistance),
            this_month: today().format("%Y-%m").to_string(),
            notice: notice_msg.or_else(|| notice(&q.notice)),
            error,
        },
    ))
}

pub(crate) async fn subsidies_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<SubsidiesQ>,
) -> PageResult {
    subsidies_view(&state, &actor, &q, None, None, StatusCode::OK).await
}

pub(crate) async fn subsidy_create(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(f): Form<SubsidyForm>,
) -> PageResult {
    let id = f.household_id;
    let result = match Fen::parse_yuan("amount", &f.amount) {
        Ok(amount) => {
            state
                .services
                .subsidy_create(
                    &actor,
                    SubsidyInput {
                        household_id: id,
                        union_id: None,
                        amount,
                        period: f.period.clone(),
                        start_month: f.start_month.clone(),
                        end_month: f.end_month.clone(),
                        source: f.source.clone(),
                        measure_id: None,
                    },
                )
                .await
        }
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!(
            "/households/{id}/assistance?{}",
            Notice::SubsidySet.query()
        ))
        .into_response()),
        Err(e) => {
            let tab = TabState::failed(None, e, "常态化补助未设定：")?;
            household_view(&state, &actor, id, tab).await
        }
    }
}

pub(crate) async fn subsidy_stop(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<ActForm>,
) -> PageResult {
    match state
        .services
        .subsidy_stop(&actor, SubsidyId(id), &f.reason)
        .await
    {
        Ok(s) => {
            let to = if f.back.starts_with("/households/") {
                format!(
                    "/households/{}/assistance?{}",
                    s.household_id.0,
                    Notice::SubsidyStopped.query()
                )
            } else {
                format!("/subsidies?{}", Notice::SubsidyStopped.query())
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            subsidies_view(
                &state,
                &actor,
                &SubsidiesQ::default(),
                None,
                Some(msg),
                status,
            )
            .await
        }
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct GenerateForm {
    #[serde(default)]
    pub(crate) union_id: String,
    #[serde(default)]
    pub(crate) upto: String,
}

pub(crate) async fn subsidy_generate(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(f): Form<GenerateForm>,
) -> PageResult {
    let union_id = f.union_id.trim().parse().ok();
    let q = SubsidiesQ {
        union_id: Some(f.union_id.clone()),
        ..Default::default()
    };
    match state
        .services
        .subsidy_generate(&actor, union_id, &f.upto)
        .await
    {
        Ok(g) => {
            let msg = Notice::SubsidiesDue {
                created: count(g.created),
                cancelled: count(g.cancelled),
            };
            subsidies_view(&state, &actor, &q, Some(msg), None, StatusCode::OK).await
        }
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            subsidies_view(&state, &actor, &q, None, Some(msg), status).await
        }
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct PayForm {
    #[serde(default)]
    pub(crate) union_id: String,
    #[serde(default)]
    pub(crate) payment: Vec<i64>,
}

pub(crate) async fn subsidy_pay(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(f): Form<PayForm>,
) -> PageResult {
    let union_id: Option<i64> = f.union_id.trim().parse().ok();
    let q = SubsidiesQ {
        union_id: Some(f.union_id.clone()),
        ..Default::default()
    };
    let ids = if f.payment.is_empty() {
        None
    } else {
        Some(f.payment.clone())
    };
    let union = if ids.is_none() {
        Some(union_id.unwrap_or(actor.user.union_id.0))
    } else {
        union_id
    };
    match state.services.subsidy_pay(&actor, union, ids).await {
        Ok(p) => {
            let msg = Notice::SubsidiesPaid {
                paid: count(p.paid),
                amount: p.amount,
                cancelled: count(p.cancelled),
            };
            subsidies_view(&state, &actor, &q, Some(msg), None, StatusCode::OK).await
        }
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            subsidies_view(&state, &actor, &q, None, Some(msg), status).await
        }
    }
}

/// A count from the service as a notice carries it.
fn count<N: TryInto<u64>>(n: N) -> u64 {
    n.try_into().unwrap_or(0)
}
