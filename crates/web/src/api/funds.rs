//! API: fund accounts, receipts, allocations, reversals and statements
//! (帮扶资金). Amounts are whole fen (integers).

use super::{ApiJson, ApiPath, ApiQuery, ApiResult, PageDto};
use crate::auth::ApiActor;
use crate::error::{ApiError, ErrorBody};
use crate::view::api_time;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use bangfu_domain::funds::{AccountId, Source, TransferId, TransferKind};
use bangfu_domain::Fen;
use bangfu_service::funds::{
    parse_filter, Account, AllocationInput, ReceiptInput, SourceFunds, Statement, TransferInfo,
    UnionFunds,
};
use bangfu_service::PageRequest;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/funds/accounts", get(get_accounts))
        .route("/funds/accounts/{id}/statement", get(get_statement))
        .route("/funds/receipts", post(create_receipt))
        .route("/funds/allocations", post(create_allocation))
        .route("/funds/transfers", get(list_transfers))
        .route("/funds/transfers/{id}", get(get_transfer))
        .route("/funds/transfers/{id}/reverse", post(reverse_transfer))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        get_accounts,
        create_receipt,
        create_allocation,
        list_transfers,
        get_transfer,
        reverse_transfer,
        get_statement
    ),
    components(schemas(
        AccountDto,
        SourceFundsDto,
        FundsDto,
        ChildUnionDto,
        ReceiptRequest,
        AllocationRequest,
        ReverseRequest,
        TransferDto,
        LegDto,
        TransferDetailDto,
        StatementDto,
        StatementLineDto
    ))
)]
pub struct Doc;

// ---------- shapes ----------

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountDto {
    pub id: i64,
    pub union_id: i64,
    /// fund (the money held, never below zero), income (where receipts come
    /// from: minus what was raised), payout (what was paid to households).
    pub kind: String,
    pub kind_label: String,
    /// union, returned, finance, donation
    pub source: String,
    pub source_label: String,
    /// Fen: the sum of the account's ledger entries.
    pub balance: i64,
}

fn account_dto(a: &Account, balance: Fen) -> AccountDto {
    AccountDto {
        id: a.id.0,
        union_id: a.union_id.0,
        kind: a.kind.code().into(),
        kind_label: a.kind.label().into(),
        source: a.source.code().into(),
        source_label: a.source.label().into(),
        balance: balance.0,
    }
}

/// One source's figures for a union, in fen.
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceFundsDto {
    /// union, returned, finance, donation; `total` for the sum.
    pub source: String,
    pub source_label: String,
    /// The fund account (for its statement), once money of this source moved.
    pub fund_account_id: Option<i64>,
    /// Received from outside (receipts net of reversals).
    pub raised: i64,
    /// Allocated to this union by its parent.
    pub allocated_in: i64,
    /// Allocated by this union to its children.
    pub allocated_out: i64,
    /// Paid to households.
    pub disbursed: i64,
    /// The fund account's balance: what may still be spent or allocated.
    pub available: i64,
}

fn source_dto(s: &SourceFunds, total: bool) -> SourceFundsDto {
    SourceFundsDto {
        source: if total {
            "total".into()
        } else {
            s.source.code().into()
        },
        source_label: if total {
            "合计".into()
        } else {
            s.source.label().into()
        },
        fund_account_id: if total {
            None
        } else {
            s.fund_account.map(|a| a.0)
        },
        raised: s.raised.0,
        allocated_in: s.allocated_in.0,
        allocated_out: s.allocated_out.0,
        disbursed: s.disbursed.0,
        available: s.available.0,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChildUnionDto {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FundsDto {
    pub union_id: i64,
    pub union_name: String,
    /// By source, always all four.
    pub sources: Vec<SourceFundsDto>,
    pub total: SourceFundsDto,
    /// Every account of the union with its balance.
    pub accounts: Vec<AccountDto>,
    /// Active direct children: where this union may allocate.
    pub children: Vec<ChildUnionDto>,
    /// The latest allocations received from the parent (and their reversals).
    pub incoming: Vec<TransferDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TransferDto {
    pub id: i64,
    /// The union that made the transfer.
    pub union_id: i64,
    pub union_name: String,
    /// receipt, allocation, disbursement, reversal
    pub kind: String,
    pub kind_label: String,
    pub source: String,
    pub source_label: String,
    pub on_date: String,
    /// Fen, always positive; the legs carry the direction.
    pub amount: i64,
    pub memo: String,
    /// For allocations and their reversals: the receiving union.
    pub to_union_id: Option<i64>,
    pub to_union_name: Option<String>,
    /// For disbursements: the assistance record.
    pub assistance_id: Option<i64>,
    /// For reversals: the transfer reversed.
    pub reverses_id: Option<i64>,
    /// The reversal of this transfer, if it was reversed.
    pub reversed_by: Option<i64>,
    pub created_by_name: Option<String>,
    pub created_at: String,
}

impl From<&TransferInfo> for TransferDto {
    fn from(t: &TransferInfo) -> Self {
        let kind = TransferKind::parse(&t.row.kind).ok();
        let source = Source::parse(&t.row.source).ok();
        Self {
            id: t.row.id,
            union_id: t.row.union_id,
            union_name: t.union_name.clone(),
            kind: t.row.kind.clone(),
            kind_label: kind.map(|k| k.label()).unwrap_or_default().into(),
            source: t.row.source.clone(),
            source_label: source.map(|s| s.label()).unwrap_or_default().into(),
            on_date: t.row.on_date.to_string(),
            amount: t.row.amount,
            memo: t.row.memo.clone(),
            to_union_id: t.row.to_union_id,
            to_union_name: t.to_union_name.clone(),
            assistance_id: t.row.assistance_id,
            reverses_id: t.row.reverses_id,
            reversed_by: t.reversed_by.map(|r| r.0),
            created_by_name: t.created_by_name.clone(),
            created_at: api_time(&t.row.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LegDto {
    pub account_id: i64,
    pub union_id: i64,
    pub account_kind: String,
    pub source: String,
    /// Fen: positive into the account, negative out of it.
    pub amount: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TransferDetailDto {
    pub transfer: TransferDto,
    /// The two sides; they sum to zero.
    pub legs: Vec<LegDto>,
    /// Whether the caller may reverse it now.
    pub can_reverse: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptRequest {
    /// The receiving union (in scope); the caller's own when absent.
    pub union_id: Option<i64>,
    /// union, returned, finance, donation (or the Chinese label).
    pub source: String,
    /// Fen, whole and above zero.
    pub amount: i64,
    /// YYYY-MM-DD, not in the future; today when absent.
    pub on_date: Option<String>,
    /// Who paid (付款单位).
    pub payer: Option<String>,
    pub memo: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllocationRequest {
    /// The giving union (in scope); the caller's own when absent.
    pub from_union_id: Option<i64>,
    /// A direct child of the giving union.
    pub to_union_id: i64,
    pub source: String,
    /// Fen, whole and above zero; at most the giver's balance of that source.
    pub amount: i64,
    pub on_date: Option<String>,
    pub memo: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReverseRequest {
    /// Why (required; kept in the ledger and the audit log).
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatementLineDto {
    pub on_date: String,
    pub transfer_id: i64,
    pub kind: String,
    pub kind_label: String,
    pub description: String,
    /// Fen: positive in, negative out.
    pub amount: i64,
    /// The balance after this entry.
    pub balance: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatementDto {
    pub account: AccountDto,
    pub union_name: String,
    pub from: String,
    pub until: String,
    /// The balance at the end of the day before `from`.
    pub opening: i64,
    pub inflow: i64,
    pub outflow: i64,
    /// The balance at the end of `until`.
    pub closing: i64,
    pub lines: Vec<StatementLineDto>,
}

fn statement_dto(s: &Statement) -> StatementDto {
    StatementDto {
        account: account_dto(&s.account, s.closing),
        union_name: s.union_name.clone(),
        from: s.from.to_string(),
        until: s.until.to_string(),
        opening: s.opening.0,
        inflow: s.inflow.0,
        outflow: s.outflow.0,
        closing: s.closing.0,
        lines: s
            .lines
            .iter()
            .map(|l| StatementLineDto {
                on_date: l.entry.on_date.to_string(),
                transfer_id: l.entry.transfer.id,
                kind: l.kind.code().into(),
                kind_label: l.kind.label().into(),
                description: l.description.clone(),
                amount: l.entry.amount.0,
                balance: l.balance.0,
            })
            .collect(),
    }
}

// ---------- handlers ----------

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct AccountsQuery {
    /// A union in scope; the caller's own when absent.
    pub union_id: Option<i64>,
}

fn funds_dto(f: &UnionFunds, incoming: &[TransferInfo]) -> FundsDto {
    FundsDto {
        union_id: f.union.id.0,
        union_name: f.union.name.clone(),
        sources: f.sources.iter().map(|s| source_dto(s, false)).collect(),
        total: source_dto(&f.total, true),
        accounts: f
            .accounts
            .iter()
            .map(|a| account_dto(&a.account, a.balance))
            .collect(),
        children: f
            .children
            .iter()
            .map(|u| ChildUnionDto {
                id: u.id.0,
                name: u.name.clone(),
            })
            .collect(),
        incoming: incoming.iter().map(TransferDto::from).collect(),
    }
}

#[utoipa::path(get, path = "/api/v1/funds/accounts", tag = "funds", params(AccountsQuery),
    responses((status = 200, body = FundsDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_accounts(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<AccountsQuery>,
) -> ApiResult<Json<FundsDto>> {
    let f = state.services.funds_overview(&actor, q.union_id).await?;
    let incoming = state
        .services
        .funds_incoming(
            &actor,
            Some(f.union.id.0),
            PageRequest::new(Some(1), Some(20)),
        )
        .await?;
    Ok(Json(funds_dto(&f, &incoming.items)))
}

#[utoipa::path(post, path = "/api/v1/funds/receipts", tag = "funds", request_body = ReceiptRequest,
    responses((status = 201, body = TransferDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_receipt(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<ReceiptRequest>,
) -> ApiResult<(StatusCode, Json<TransferDto>)> {
    let t = state
        .services
        .funds_receive(
            &actor,
            ReceiptInput {
                union_id: req.union_id,
                source: req.source,
                amount: Fen(req.amount),
                on_date: req.on_date.unwrap_or_default(),
                payer: req.payer.unwrap_or_default(),
                memo: req.memo.unwrap_or_default(),
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(TransferDto::from(&t))))
}

#[utoipa::path(post, path = "/api/v1/funds/allocations", tag = "funds", request_body = AllocationRequest,
    responses((status = 201, body = TransferDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody, description = "余额不足")))]
pub async fn create_allocation(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<AllocationRequest>,
) -> ApiResult<(StatusCode, Json<TransferDto>)> {
    let t = state
        .services
        .funds_allocate(
            &actor,
            AllocationInput {
                from_union_id: req.from_union_id,
                to_union_id: req.to_union_id,
                source: req.source,
                amount: Fen(req.amount),
                on_date: req.on_date.unwrap_or_default(),
                memo: req.memo.unwrap_or_default(),
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(TransferDto::from(&t))))
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct TransferQuery {
    /// The union that made the transfers.
    pub union_id: Option<i64>,
    /// Allocations received by this union (in scope), whoever gave them.
    pub to_union_id: Option<i64>,
    /// union, returned, finance, donation
    pub source: Option<String>,
    /// receipt, allocation, disbursement, reversal
    pub kind: Option<String>,
    /// YYYY-MM-DD, inclusive
    pub from: Option<String>,
    /// YYYY-MM-DD, inclusive
    pub until: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/funds/transfers", tag = "funds", params(TransferQuery),
    responses((status = 200, body = PageDto<TransferDto>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_transfers(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<TransferQuery>,
) -> ApiResult<Json<PageDto<TransferDto>>> {
    let filter = parse_filter(
        q.union_id,
        q.to_union_id,
        q.source.as_deref(),
        q.kind.as_deref(),
        q.from.as_deref(),
        q.until.as_deref(),
    )
    .map_err(|e| ApiError::Service(e.into()))?;
    let page = state
        .services
        .funds_transfers(&actor, filter, PageRequest::new(q.page, q.per_page))
        .await?;
    Ok(Json(PageDto::from_page(&page, |t| TransferDto::from(t))))
}

#[utoipa::path(get, path = "/api/v1/funds/transfers/{id}", tag = "funds", params(("id" = i64, Path)),
    responses((status = 200, body = TransferDetailDto), (status = 404, body = ErrorBody)))]
pub async fn get_transfer(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<TransferDetailDto>> {
    let d = state
        .services
        .funds_transfer(&actor, TransferId(id))
        .await?;
    Ok(Json(TransferDetailDto {
        transfer: TransferDto::from(&d.transfer),
        legs: d
            .legs
            .iter()
            .map(|(a, x)| LegDto {
                account_id: a.id.0,
                union_id: a.union_id.0,
                account_kind: a.kind.code().into(),
                source: a.source.code().into(),
                amount: x.0,
            })
            .collect(),
        can_reverse: d.can_reverse,
    }))
}

#[utoipa::path(post, path = "/api/v1/funds/transfers/{id}/reverse", tag = "funds", params(("id" = i64, Path)),
    request_body = ReverseRequest,
    responses((status = 201, body = TransferDto, description = "The reversal"), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "Already reversed, a disbursement, or the money was already used")))]
pub async fn reverse_transfer(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ReverseRequest>,
) -> ApiResult<(StatusCode, Json<TransferDto>)> {
    let t = state
        .services
        .funds_reverse(&actor, TransferId(id), &req.reason)
        .await?;
    Ok((StatusCode::CREATED, Json(TransferDto::from(&t))))
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct StatementQuery {
    /// YYYY-MM-DD; 1 January of this year when absent.
    pub from: Option<String>,
    /// YYYY-MM-DD; today when absent.
    pub until: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/funds/accounts/{id}/statement", tag = "funds",
    params(("id" = i64, Path), StatementQuery),
    responses((status = 200, body = StatementDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_statement(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<StatementQuery>,
) -> ApiResult<Json<StatementDto>> {
    let s = state
        .services
        .funds_statement(&actor, AccountId(id), q.from.as_deref(), q.until.as_deref())
        .await?;
    Ok(Json(statement_dto(&s)))
}
