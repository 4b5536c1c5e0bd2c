//! The list of assistance given (/assistance), its actions and Excel export.

use super::*;
use crate::pages::households::filing_unions;
use crate::pages::{all_pages, xlsx_response};
use bangfu_domain::assistance::{AssistanceId, AssistanceStatus, Catalogue};
use bangfu_domain::Permission;
use bangfu_service::assistance::{Assistance, AssistanceQuery};
use bangfu_service::{PageRequest, ServiceError};

#[derive(Debug, Clone, Deserialize, Default)]
pub struct ListQ {
    pub(crate) union_id: Option<String>,
    pub(crate) kind: Option<String>,
    pub(crate) status: Option<String>,
    pub(crate) from: Option<String>,
    pub(crate) until: Option<String>,
    pub(crate) q: Option<String>,
    pub(crate) page: Option<i64>,
    #[serde(default)]
    pub(crate) notice: String,
}

impl ListQ {
    pub(crate) fn query(&self) -> AssistanceQuery {
        AssistanceQuery {
            union_id: self.union_id.as_deref().and_then(|s| s.trim().parse().ok()),
            kind: self.kind.clone(),
            status: self.status.clone(),
            from: self.from.clone(),
            until: self.until.clone(),
            q: self.q.clone(),
        }
    }

    pub(crate) fn params(&self) -> Vec<(&'static str, String)> {
        vec![
            ("union_id", self.union_id.clone().unwrap_or_default()),
            ("kind", self.kind.clone().unwrap_or_default()),
            ("status", self.status.clone().unwrap_or_default()),
            ("from", self.from.clone().unwrap_or_default()),
            ("until", self.until.clone().unwrap_or_default()),
            ("q", self.q.clone().unwrap_or_default()),
        ]
    }
}

pub(crate) fn export_link(params: &[(&'static str, String)]) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params.iter().filter(|(_, v)| !v.is_empty()) {
        ser.append_pair(k, v);
    }
    format!("/assistance/export.xlsx?{}", ser.finish())
}

/// The list's filters as typed.
pub struct FilterView {
    pub(crate) q: String,
    pub(crate) union_id: String,
    pub(crate) kind: String,
    pub(crate) status: String,
    pub(crate) from: String,
    pub(crate) until: String,
}

#[derive(Template)]
#[template(path = "assistance.html")]
pub(crate) struct ListPage {
    pub(crate) chrome: Chrome,
    pub(crate) f: FilterView,
    pub(crate) unions: Vec<(i64, String)>,
    pub(crate) kinds: Opts,
    pub(crate) statuses: Opts,
    pub(crate) items: Vec<RecordView>,
    pub(crate) total: i64,
    pub(crate) pager: Pager,
    pub(crate) export: String,
    pub(crate) pending: Vec<RecordView>,
    pub(crate) can_approve: bool,
    pub(crate) can_reverse: bool,
    pub(crate) notice: Option<Notice>,
    pub(crate) error: Option<String>,
}

results_partial!(ListPage => AssistanceResults, "assistance_partial.html");

pub(crate) async fn list_view(
    state: &AppState,
    actor: &Actor,
    swap: SwapsResults,
    q: &ListQ,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let page = state
        .services
        .assistance_list(actor, q.query(), PageRequest::new(q.page, Some(20)))
        .await?;
    let kinds = catalogue(state, actor, Catalogue::AssistanceKind, true).await?;
    let can_approve = actor.can(Permission::ApproveAssistance);
    let pending = if can_approve {
        state
            .services
            .assistance_list(
                actor,
                AssistanceQuery {
                    status: Some(AssistanceStatus::Pending.code().into()),
                    ..Default::default()
                },
                PageRequest::new(Some(1), Some(100)),
            )
            .await?
            .items
    } else {
        Vec::new()
    };
    let params = q.params();
    let export = export_link(&params);
    let unions = filing_unions(state, actor).await.unwrap_or_default();
    Ok(render_results(
        swap,
        status,
        &ListPage {
            chrome: Chrome::new(actor, "帮扶记录", "assistance"),
            f: FilterView {
                q: q.q.clone().unwrap_or_default(),
                union_id: q.union_id.clone().unwrap_or_default(),
                kind: q.kind.clone().unwrap_or_default(),
                status: q.status.clone().unwrap_or_default(),
                from: q.from.clone().unwrap_or_default(),
                until: q.until.clone().unwrap_or_default(),
            },
            unions,
            statuses: [
                AssistanceStatus::Given,
                AssistanceStatus::Pending,
                AssistanceStatus::Refused,
                AssistanceStatus::Reversed,
            ]
            .iter()
            .map(|s| (s.code().to_owned(), s.label().to_owned()))
            .collect(),
            items: page
                .items
                .iter()
                .map(|a| RecordView::of(a, &kinds))
                .collect(),
            total: page.total,
            pager: pager("/assistance", &params, page.page, page.pages()),
            export,
            pending: pending.iter().map(|a| RecordView::of(a, &kinds)).collect(),
            can_approve,
            can_reverse: can_approve || actor.can(Permission::ManageFunds),
            kinds,
            notice: notice(&q.notice),
            error,
        },
    ))
}

pub(crate) async fn list_page(
    State(state): State<AppState>,
    swap: SwapsResults,
    PageActor(actor): PageActor,
    Query(q): Query<ListQ>,
) -> PageResult {
    list_view(&state, &actor, swap, &q, None, StatusCode::OK).await
}

pub(crate) async fn list_export(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<ListQ>,
) -> PageResult {
    let query = q.query();
    let items = all_pages(|p| state.services.assistance_list(&actor, query.clone(), p)).await?;
    let kinds = catalogue(&state, &actor, Catalogue::AssistanceKind, true).await?;
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|a| RecordView::of(a, &kinds).row())
        .collect();
    xlsx_response(
        "帮扶记录.xlsx",
        "帮扶记录",
        &[
            "帮扶日期",
            "姓名",
            "档案编号",
            "帮扶类别",
            "现金（元）",
            "物资",
            "物资折价（元）",
            "受益人数",
            "资金来源",
            "发放工会",
            "就学情况",
            "状态",
            "经办人",
            "备注",
        ],
        &rows,
    )
}

#[derive(Debug, Deserialize, Default)]
pub struct ActForm {
    #[serde(default)]
    pub(crate) reason: String,
    /// "1": the reviewer confirmed an approval the service warned about.
    #[serde(default)]
    pub(crate) confirm: String,
    /// Where to go back to (a household's page, or the list).
    #[serde(default)]
    pub(crate) back: String,
}

pub(crate) fn back_to(back: &str, done: Notice) -> String {
    let base = if back.starts_with("/households/") || back.starts_with("/assistance") {
        back.split('?').next().unwrap_or("/assistance")
    } else {
        "/assistance"
    };
    format!("{base}?{}", done.query())
}

pub(crate) async fn act_result(
    state: &AppState,
    actor: &Actor,
    r: Result<Assistance, ServiceError>,
    back: &str,
    done: Notice,
) -> PageResult {
    match r {
        Ok(_) => Ok(Redirect::to(&back_to(back, done)).into_response()),
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            list_view(
                state,
                actor,
                SwapsResults::default(),
                &ListQ::default(),
                Some(msg),
                status,
            )
            .await
        }
    }
}

/// The confirmation asked before approving cash that serves no approved
/// measure: the reason, the record, and the two ways on.
#[derive(Template)]
#[template(path = "assistance_confirm.html")]
pub(crate) struct ConfirmPage {
    pub(crate) chrome: Chrome,
    pub(crate) record: RecordView,
    pub(crate) reason: String,
    pub(crate) back: String,
}

pub(crate) async fn approve(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<ActForm>,
) -> PageResult {
    let r = state
        .services
        .assistance_approve(&actor, AssistanceId(id), f.confirm == "1")
        .await;
    if let Err(ServiceError::Conflict {
        field: "confirm",
        message,
    }) = r
    {
        let a = state
            .services
            .assistance_get(&actor, AssistanceId(id))
            .await?;
        let kinds = catalogue(&state, &actor, Catalogue::AssistanceKind, true).await?;
        return Ok(render_status(
            StatusCode::OK,
            &ConfirmPage {
                chrome: Chrome::new(&actor, "确认批准发放", "assistance"),
                record: RecordView::of(&a, &kinds),
                reason: message,
                back: back_to(&f.back, Notice::Done)
                    .split('?')
                    .next()
                    .unwrap_or("/assistance")
                    .to_owned(),
            },
        ));
    }
    act_result(&state, &actor, r, &f.back, Notice::AssistanceApproved).await
}

pub(crate) async fn refuse(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<ActForm>,
) -> PageResult {
    let r = state
        .services
        .assistance_refuse(&actor, AssistanceId(id), &f.reason)
        .await;
    act_result(&state, &actor, r, &f.back, Notice::AssistanceRefused).await
}

pub(crate) async fn reverse(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<ActForm>,
) -> PageResult {
    let r = state
        .services
        .assistance_reverse(&actor, AssistanceId(id), &f.reason)
        .await;
    act_result(&state, &actor, r, &f.back, Notice::AssistanceReversed).await
}
