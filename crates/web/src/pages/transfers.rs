//! Pages: merging two files found to be one household, asking another union
//! to take a household (转移), and the list of transfers in and out with
//! their answers (docs/rules.md §2.3).

use super::{render_results, SwapsResults};
use crate::pages::prelude::*;
use crate::view::local_time;
use axum::routing::{get, post};
use axum::Router;
use bangfu_domain::household::{HouseholdId, Relation};
use bangfu_domain::merge::{TransferId, TransferStatus};
use bangfu_domain::Permission;
use bangfu_service::transfers::{MergeInput, TransferQuery, TransferView};
use bangfu_service::{PageRequest, ServiceError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/households/{id}/merge", get(merge_page).post(merge_submit))
        .route(
            "/households/{id}/transfer",
            get(transfer_page).post(transfer_submit),
        )
        .route("/transfers", get(list_page))
        .route("/transfers/{id}/{act}", post(answer_submit))
}

fn require_manage(actor: &Actor) -> Result<(), PageError> {
    if actor.can(Permission::ManageHouseholds) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden.into())
    }
}

#[derive(Debug, Deserialize, Default, Clone)]
struct MergeForm {
    #[serde(default)]
    other_file_no: String,
    #[serde(default)]
    relation: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    version: String,
}

#[derive(Template)]
#[template(path = "household_merge.html")]
struct MergePage {
    chrome: Chrome,
    id: i64,
    file_no: String,
    worker: String,
    f: MergeForm,
    relations: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    field: &'static str,
}

async fn merge_view(
    state: &AppState,
    actor: &Actor,
    id: i64,
    mut f: MergeForm,
    error: Option<(String, Option<&'static str>)>,
    status: StatusCode,
) -> PageResult {
    require_manage(actor)?;
    let d = state.services.household_get(actor, HouseholdId(id)).await?;
    if f.version.is_empty() {
        f.version = d.household.version.to_string();
    }
    let (error, field) = match error {
        Some((m, f)) => (Some(m), f.unwrap_or("")),
        None => (None, ""),
    };
    Ok(render_status(
        status,
        &MergePage {
            chrome: Chrome::new(actor, "合并档案", "households"),
            id,
            file_no: d.household.file_no.clone(),
            worker: d.household.data.worker_name.clone(),
            f,
            relations: options!(Relation),
            error,
            field,
        },
    ))
}

async fn merge_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    let f = MergeForm {
        relation: Relation::Spouse.code().into(),
        ..Default::default()
    };
    merge_view(&state, &actor, id, f, None, StatusCode::OK).await
}

async fn merge_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<MergeForm>,
) -> PageResult {
    let input = MergeInput {
        other_id: 0,
        other_file_no: f.other_file_no.clone(),
        relation: f.relation.clone(),
        reason: f.reason.clone(),
        version: f.version.trim().parse().ok(),
    };
    if f.other_file_no.trim().is_empty() {
        let msg = "请填写要并入本档案的另一份档案的编号".to_owned();
        return merge_view(
            &state,
            &actor,
            id,
            f,
            Some((msg, Some("other_id"))),
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    match state
        .services
        .household_merge(&actor, HouseholdId(id), input)
        .await
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/households/{id}?{}", Notice::Merged.query())).into_response(),
        ),
        Err(e) => {
            let (status, msg, field) = form_failure(e)?;
            merge_view(&state, &actor, id, f, Some((msg, field)), status).await
        }
    }
}

#[derive(Debug, Deserialize, Default, Clone)]
struct TransferForm {
    #[serde(default)]
    q: String,
    #[serde(default)]
    to_union_id: String,
    #[serde(default)]
    reason: String,
}

#[derive(Template)]
#[template(path = "household_transfer.html")]
struct TransferPage {
    chrome: Chrome,
    id: i64,
    file_no: String,
    worker: String,
    union_name: String,
    f: TransferForm,
    /// Unions whose name contains `q`, other than the file's own.
    choices: Vec<(i64, String)>,
    searched: bool,
    error: Option<String>,
}

async fn transfer_view(
    state: &AppState,
    actor: &Actor,
    id: i64,
    f: TransferForm,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    require_manage(actor)?;
    let d = state.services.household_get(actor, HouseholdId(id)).await?;
    let own = d.household.union_id.0;
    let choices = state
        .services
        .public_unions(&f.q)
        .await?
        .into_iter()
        .filter(|(u, _)| *u != own)
        .collect();
    Ok(render_status(
        status,
        &TransferPage {
            chrome: Chrome::new(actor, "转移档案", "households"),
            id,
            file_no: d.household.file_no.clone(),
            worker: d.household.data.worker_name.clone(),
            union_name: d.household.union_name.clone(),
            searched: f.q.trim().chars().count() >= 2,
            f,
            choices,
            error,
        },
    ))
}

async fn transfer_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Query(f): Query<TransferForm>,
) -> PageResult {
    transfer_view(&state, &actor, id, f, None, StatusCode::OK).await
}

async fn transfer_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<TransferForm>,
) -> PageResult {
    let Ok(to) = f.to_union_id.trim().parse::<i64>() else {
        let msg = "请先按名称查找并选择接收工会".to_owned();
        return transfer_view(&state, &actor, id, f, Some(msg), StatusCode::BAD_REQUEST).await;
    };
    match state
        .services
        .transfer_propose(&actor, HouseholdId(id), to, &f.reason)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/households/{id}?{}",
            Notice::TransferProposed.query()
        ))
        .into_response()),
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            transfer_view(&state, &actor, id, f, Some(msg), status).await
        }
    }
}

/// A transfer as a row shows it.
pub struct Row {
    id: i64,
    household_id: i64,
    file_no: String,
    worker: String,
    id_masked: String,
    persons: i32,
    from: String,
    to: String,
    reason: String,
    status: &'static str,
    status_class: &'static str,
    answer: String,
    asked: String,
    version: i64,
    may_answer: bool,
    may_withdraw: bool,
    /// Whether the caller's scope holds the file now (a link to it works).
    holds_file: bool,
}

impl Row {
    fn of(v: &TransferView) -> Self {
        let t = &v.transfer;
        Self {
            id: t.id.0,
            household_id: t.household_id.0,
            file_no: t.file_no.clone(),
            worker: t.worker_name.clone(),
            id_masked: v.worker_id_number.text.clone(),
            persons: t.persons,
            from: t.from_union_name.clone(),
            to: t.to_union_name.clone(),
            reason: t.reason.clone(),
            status: t.status.label(),
            status_class: match t.status {
                TransferStatus::Pending => "warn",
                TransferStatus::Accepted => "ok",
                TransferStatus::Declined | TransferStatus::Withdrawn => "off",
            },
            answer: match (&t.answer, &t.answered_at) {
                (Some(a), Some(at)) => format!("{a}（{} {}）", t.answered_by_name, local_time(at)),
                (None, Some(at)) => format!("{} {}", t.answered_by_name, local_time(at)),
                _ => String::new(),
            },
            asked: format!("{} {}", t.created_by_name, local_time(&t.created_at)),
            version: t.version,
            may_answer: v.may_answer,
            may_withdraw: v.may_withdraw,
            holds_file: v.holds_file,
        }
    }
}

#[derive(Debug, Deserialize, Default)]
struct ListQ {
    #[serde(default)]
    direction: String,
    #[serde(default)]
    status: String,
    page: Option<i64>,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "transfers.html")]
struct ListPage {
    chrome: Chrome,
    direction: String,
    status: String,
    statuses: Vec<(&'static str, &'static str)>,
    items: Vec<Row>,
    total: i64,
    pager: Pager,
    notice: Option<Notice>,
    error: Option<String>,
}

results_partial!(ListPage => ListResults, "transfers_partial.html");

async fn list_view(
    state: &AppState,
    actor: &Actor,
    swap: SwapsResults,
    q: &ListQ,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let page = state
        .services
        .transfer_list(
            actor,
            TransferQuery {
                direction: Some(q.direction.clone()),
                status: Some(q.status.clone()),
                household_id: None,
            },
            PageRequest::new(q.page, Some(20)),
        )
        .await?;
    let params = vec![
        ("direction", q.direction.trim().to_owned()),
        ("status", q.status.trim().to_owned()),
    ];
    Ok(render_results(
        swap,
        status,
        &ListPage {
            chrome: Chrome::new(actor, "档案转移", "transfers"),
            direction: q.direction.trim().to_owned(),
            status: q.status.trim().to_owned(),
            statuses: options!(TransferStatus),
            items: page.items.iter().map(Row::of).collect(),
            total: page.total,
            pager: pager("/transfers", &params, page.page, page.pages()),
            notice: Notice::find(Notice::TRANSFERS, q.notice.as_deref()),
            error,
        },
    ))
}

async fn list_page(
    State(state): State<AppState>,
    swap: SwapsResults,
    PageActor(actor): PageActor,
    Query(q): Query<ListQ>,
) -> PageResult {
    list_view(&state, &actor, swap, &q, None, StatusCode::OK).await
}

#[derive(Debug, Deserialize, Default)]
struct AnswerForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    version: String,
}

async fn answer_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path((id, act)): Path<(i64, String)>,
    Form(f): Form<AnswerForm>,
) -> PageResult {
    let (status, notice) = match act.as_str() {
        "accept" => (TransferStatus::Accepted, Notice::TransferAccepted),
        "decline" => (TransferStatus::Declined, Notice::TransferDeclined),
        "withdraw" => (TransferStatus::Withdrawn, Notice::TransferWithdrawn),
        _ => return Err(ServiceError::NotFound("页面").into()),
    };
    match state
        .services
        .transfer_answer(
            &actor,
            TransferId(id),
            f.version.trim().parse().ok(),
            status,
            &f.reason,
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/transfers?{}", notice.query())).into_response()),
        Err(e) => {
            let (code, msg, _) = form_failure(e)?;
            let q = ListQ::default();
            list_view(&state, &actor, SwapsResults::default(), &q, Some(msg), code).await
        }
    }
}
