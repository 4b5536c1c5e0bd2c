//! The pairing work lists (/pairing): households without a responsible person
//! or a plan, and assigning one in bulk.

use super::*;
use bangfu_domain::household::HouseholdId;
use bangfu_domain::Permission;
use bangfu_service::plans::{current_year, PairingInput, WorklistKind};
use bangfu_service::PageRequest;

#[derive(Template)]
#[template(path = "pairing.html")]
pub(crate) struct PairingPage {
    pub(crate) chrome: Chrome,
    pub(crate) list: &'static str,
    pub(crate) list_label: &'static str,
    /// `(code, label, count)` of the three lists.
    pub(crate) lists: Vec<(&'static str, &'static str, i64)>,
    pub(crate) union_id: String,
    pub(crate) union_options: Vec<(i64, String)>,
    pub(crate) items: Vec<ItemView>,
    pub(crate) total: i64,
    pub(crate) pager: Pager,
    pub(crate) can_manage: bool,
    pub(crate) candidates: Vec<(i64, String)>,
    pub(crate) visit_days: u32,
    pub(crate) year: i32,
    pub(crate) notice: Option<Notice>,
    pub(crate) error: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct PairingQuery {
    #[serde(default)]
    pub(crate) list: String,
    #[serde(default)]
    pub(crate) union_id: String,
    pub(crate) page: Option<i64>,
    #[serde(default)]
    pub(crate) notice: String,
    /// How many households were just paired, with `notice=paired`.
    pub(crate) count: Option<u64>,
}

pub(crate) async fn pairing_view(
    state: &AppState,
    actor: &Actor,
    q: PairingQuery,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let kind = WorklistKind::parse(&q.list).unwrap_or(WorklistKind::Unassigned);
    let union_id = opt_i64(&q.union_id);
    let page = state
        .services
        .worklist(actor, kind, union_id, PageRequest::new(q.page, Some(50)))
        .await?;
    let counts = state.services.worklist_counts(actor).await?;
    let can_manage = actor.can(Permission::ManageAssistance);
    let params = [
        ("list", kind.code().to_owned()),
        ("union_id", q.union_id.clone()),
    ];
    let notice = Notice::find(&[Notice::Paired], Some(&q.notice))
        .and(q.count)
        .map(Notice::PairedMany);
    Ok(render_status(
        status,
        &PairingPage {
            chrome: Chrome::new(actor, "结对与计划", "pairing"),
            list: kind.code(),
            list_label: kind.label(),
            lists: vec![
                (
                    WorklistKind::Unassigned.code(),
                    WorklistKind::Unassigned.label(),
                    counts.unassigned,
                ),
                (
                    WorklistKind::NoPlan.code(),
                    WorklistKind::NoPlan.label(),
                    counts.no_plan,
                ),
                (
                    WorklistKind::NotVisited.code(),
                    WorklistKind::NotVisited.label(),
                    counts.not_visited,
                ),
                (
                    WorklistKind::PlanSubmitted.code(),
                    WorklistKind::PlanSubmitted.label(),
                    counts.plan_submitted,
                ),
            ],
            union_id: q.union_id.clone(),
            union_options: crate::pages::union_options(state, actor).await?,
            items: page.items.iter().map(ItemView::from).collect(),
            total: page.total,
            pager: pager("/pairing", &params, page.page, page.pages()),
            can_manage,
            candidates: if can_manage {
                candidates(state, actor).await?
            } else {
                Vec::new()
            },
            visit_days: state.services.settings().visit_interval_days,
            year: current_year(),
            notice,
            error,
        },
    ))
}

pub(crate) async fn pairing_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<PairingQuery>,
) -> PageResult {
    pairing_view(&state, &actor, q, None, StatusCode::OK).await
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct BulkForm {
    #[serde(default)]
    pub(crate) h: Vec<String>,
    #[serde(default)]
    pub(crate) union_id: String,
    #[serde(default)]
    pub(crate) responsible_id: String,
    #[serde(default)]
    pub(crate) note: String,
    #[serde(default)]
    pub(crate) list: String,
    #[serde(default)]
    pub(crate) filter_union_id: String,
    pub(crate) page: Option<i64>,
}

pub(crate) async fn pairing_bulk_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(f): Form<BulkForm>,
) -> PageResult {
    let ids: Vec<HouseholdId> =
        f.h.iter()
            .filter_map(|s| opt_i64(s))
            .map(HouseholdId)
            .collect();
    let result = state
        .services
        .pairing_assign_many(
            &actor,
            ids,
            PairingInput {
                union_id: opt_i64(&f.union_id).unwrap_or(0),
                responsible_id: opt_i64(&f.responsible_id).unwrap_or(0),
                note: f.note.clone(),
            },
        )
        .await;
    let q = PairingQuery {
        list: f.list.clone(),
        union_id: f.filter_union_id.clone(),
        page: f.page,
        notice: String::new(),
        count: None,
    };
    match result {
        Ok(n) => {
            let mut ser = form_urlencoded::Serializer::new(String::new());
            ser.append_pair("list", &f.list);
            if !f.filter_union_id.is_empty() {
                ser.append_pair("union_id", &f.filter_union_id);
            }
            let done = Notice::PairedMany(u64::try_from(n).unwrap_or(0));
            Ok(
                Redirect::to(&format!("/pairing?{}&{}", ser.finish(), done.query()))
                    .into_response(),
            )
        }
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            pairing_view(&state, &actor, q, Some(msg), status).await
        }
    }
}
