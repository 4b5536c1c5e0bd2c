//! Pages: fund accounts, receipts, allocations, reversals and statements
//! (帮扶资金). Amounts are typed and shown in yuan.

use super::{union_options, with_query};
use crate::pages::prelude::*;
use crate::view::local_time;
use axum::routing::{get, post};
use axum::Router;
use bangfu_domain::funds::{AccountId, Source, TransferId, TransferKind};
use bangfu_domain::{Fen, Permission};
use bangfu_service::funds::{
    AllocationInput, ReceiptInput, SourceFunds, Statement, TransferInfo, UnionFunds,
};
use bangfu_service::{PageRequest, ServiceError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/funds", get(funds_page))
        .route("/funds/receipts", post(receipt_submit))
        .route("/funds/allocations", post(allocation_submit))
        .route("/funds/transfers", get(transfers_page))
        .route("/funds/transfers/{id}/reverse", post(reverse_submit))
        .route("/funds/accounts/{id}/statement", get(statement_page))
        .route("/funds/accounts/{id}/statement.xlsx", get(statement_xlsx))
}

fn today() -> String {
    bangfu_service::today().to_string()
}

// ---------- views ----------

pub struct SourceRow {
    label: &'static str,
    fund_account: Option<i64>,
    raised: String,
    allocated_in: String,
    allocated_out: String,
    disbursed: String,
    available: String,
}

fn source_row(s: &SourceFunds, label: &'static str) -> SourceRow {
    SourceRow {
        label,
        fund_account: s.fund_account.map(|a| a.0),
        raised: s.raised.yuan_grouped(),
        allocated_in: s.allocated_in.yuan_grouped(),
        allocated_out: s.allocated_out.yuan_grouped(),
        disbursed: s.disbursed.yuan_grouped(),
        available: s.available.yuan_grouped(),
    }
}

pub struct TransferView {
    id: i64,
    on_date: String,
    kind: &'static str,
    kind_class: &'static str,
    source: &'static str,
    amount: String,
    union_id: i64,
    union_name: String,
    /// "→ 荔湾区总工会" for allocations.
    to: String,
    memo: String,
    by: String,
    created_at: String,
    reversed_by: Option<i64>,
    reverses: Option<i64>,
    can_reverse: bool,
}

fn transfer_view(state: &AppState, actor: &Actor, t: &TransferInfo) -> TransferView {
    let kind = t.kind().ok();
    TransferView {
        id: t.row.id,
        on_date: t.row.on_date.to_string(),
        kind: kind.map(|k| k.label()).unwrap_or(""),
        kind_class: match kind {
            Some(TransferKind::Reversal) => "off",
            Some(TransferKind::Disbursement) => "warn",
            _ => "ok",
        },
        source: t.source().map(|s| s.label()).unwrap_or(""),
        amount: Fen(t.row.amount).yuan_grouped(),
        union_id: t.row.union_id,
        union_name: t.union_name.clone(),
        to: t.to_union_name.clone().unwrap_or_default(),
        memo: t.row.memo.clone(),
        by: t.created_by_name.clone().unwrap_or_default(),
        created_at: local_time(&t.row.created_at),
        reversed_by: t.reversed_by.map(|r| r.0),
        reverses: t.row.reverses_id,
        can_reverse: state.services.funds_can_reverse(actor, t),
    }
}

// ---------- the funds page ----------

#[derive(Debug, Deserialize, Default, Clone)]
pub struct ReceiptForm {
    #[serde(default)]
    union_id: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    on_date: String,
    #[serde(default)]
    payer: String,
    #[serde(default)]
    memo: String,
}

#[derive(Debug, Deserialize, Default, Clone)]
pub struct AllocationForm {
    #[serde(default)]
    from_union_id: String,
    #[serde(default)]
    to_union_id: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    on_date: String,
    #[serde(default)]
    memo: String,
}

#[derive(Template)]
#[template(path = "funds.html")]
struct FundsPage {
    chrome: Chrome,
    union_id: i64,
    union_name: String,
    ancestors: Vec<(i64, String)>,
    children: Vec<(i64, String)>,
    sources: Vec<SourceRow>,
    total: SourceRow,
    empty: bool,
    incoming: Vec<TransferView>,
    incoming_total: i64,
    recent: Vec<TransferView>,
    recent_total: i64,
    can_manage: bool,
    notice: Option<Notice>,
    error: Option<String>,
    /// Which form the error is about: receipt, allocation or reverse.
    error_form: &'static str,
    error_field: &'static str,
    receipt: ReceiptForm,
    allocation: AllocationForm,
    source_options: Vec<(&'static str, &'static str)>,
    back: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct FundsQuery {
    #[serde(default)]
    union_id: String,
    notice: Option<String>,
}

fn union_param(raw: &str) -> Option<i64> {
    raw.trim().parse().ok()
}

struct Outcome {
    notice: Option<Notice>,
    error: Option<FormError>,
    receipt: ReceiptForm,
    allocation: AllocationForm,
    status: StatusCode,
}

impl Default for Outcome {
    fn default() -> Self {
        Self {
            notice: None,
            error: None,
            receipt: ReceiptForm::default(),
            allocation: AllocationForm::default(),
            status: StatusCode::OK,
        }
    }
}

async fn funds_view(
    state: &AppState,
    actor: &Actor,
    union_id: Option<i64>,
    o: Outcome,
) -> PageResult {
    let f: UnionFunds = state.services.funds_overview(actor, union_id).await?;
    let uid = f.union.id.0;
    let incoming = state
        .services
        .funds_incoming(actor, Some(uid), PageRequest::new(Some(1), Some(10)))
        .await?;
    let recent = state
        .services
        .funds_transfers(
            actor,
            bangfu_service::funds::TransferFilter {
                union_id: Some(f.union.id),
                ..Default::default()
            },
            PageRequest::new(Some(1), Some(15)),
        )
        .await?;
    let mut receipt = o.receipt;
    if receipt.on_date.is_empty() {
        receipt.on_date = today();
    }
    let mut allocation = o.allocation;
    if allocation.on_date.is_empty() {
        allocation.on_date = today();
    }
    let (error, error_form, error_field) = match o.error {
        Some((m, form, field)) => (Some(m), form, field),
        None => (None, "", ""),
    };
    Ok(render_status(
        o.status,
        &FundsPage {
            chrome: Chrome::new(actor, format!("帮扶资金 · {}", f.union.name), "funds"),
            union_id: uid,
            union_name: f.union.name.clone(),
            ancestors: f
                .ancestors
                .iter()
                .map(|u| (u.id.0, u.name.clone()))
                .collect(),
            children: f
                .children
                .iter()
                .map(|u| (u.id.0, u.name.clone()))
                .collect(),
            sources: f
                .sources
                .iter()
                .map(|s| source_row(s, s.source.label()))
                .collect(),
            total: source_row(&f.total, "合计"),
            empty: f.is_empty(),
            incoming: incoming
                .items
                .iter()
                .map(|t| transfer_view(state, actor, t))
                .collect(),
            incoming_total: incoming.total,
            recent: recent
                .items
                .iter()
                .map(|t| transfer_view(state, actor, t))
                .collect(),
            recent_total: recent.total,
            can_manage: actor.can(Permission::ManageFunds),
            notice: o.notice,
            error,
            error_form,
            error_field,
            receipt,
            allocation,
            source_options: options!(Source),
            back: format!("/funds?union_id={uid}"),
        },
    ))
}

async fn funds_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<FundsQuery>,
) -> PageResult {
    let notice = Notice::find_or_done(Notice::FUNDS, q.notice.as_deref());
    funds_view(
        &state,
        &actor,
        union_param(&q.union_id),
        Outcome {
            notice,
            ..Default::default()
        },
    )
    .await
}

/// What went wrong with a form: the message, which form, which field.
type FormError = (String, &'static str, &'static str);

/// A failed form: the message, which form and field, and the status.
fn failure(
    e: ServiceError,
    form: &'static str,
) -> Result<(Option<FormError>, StatusCode), PageError> {
    let (status, message, field) = form_failure(e)?;
    Ok((Some((message, form, field.unwrap_or(""))), status))
}

/// Both fund forms answer alike: back to the union's ledger with a notice, or the page
/// again with the form as typed and the error beside its field.
async fn answer(
    state: &AppState,
    actor: &Actor,
    union_id: Option<i64>,
    result: Result<TransferInfo, ServiceError>,
    done: Notice,
    form: &'static str,
    keep_form: impl FnOnce(&mut Outcome),
) -> PageResult {
    match result {
        Ok(t) => Ok(Redirect::to(&format!(
            "/funds?union_id={}&{}",
            t.row.union_id,
            done.query()
        ))
        .into_response()),
        Err(e) => {
            let (error, status) = failure(e, form)?;
            let mut outcome = Outcome {
                error,
                status,
                ..Default::default()
            };
            keep_form(&mut outcome);
            funds_view(state, actor, union_id, outcome).await
        }
    }
}

async fn receipt_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(f): Form<ReceiptForm>,
) -> PageResult {
    let union_id = union_param(&f.union_id);
    let result = match Fen::parse_yuan("amount", &f.amount) {
        Ok(amount) => {
            state
                .services
                .funds_receive(
                    &actor,
                    ReceiptInput {
                        union_id,
                        source: f.source.clone(),
                        amount,
                        on_date: f.on_date.clone(),
                        payer: f.payer.clone(),
                        memo: f.memo.clone(),
                    },
                )
                .await
        }
        Err(e) => Err(e.into()),
    };
    answer(
        &state,
        &actor,
        union_id,
        result,
        Notice::FundsReceipt,
        "receipt",
        |o| o.receipt = f,
    )
    .await
}

async fn allocation_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(f): Form<AllocationForm>,
) -> PageResult {
    let union_id = union_param(&f.from_union_id);
    let to = union_param(&f.to_union_id);
    let result = match (Fen::parse_yuan("amount", &f.amount), to) {
        (_, None) => Err(bangfu_domain::ValidationError::new(
            "to_union_id",
            "请选择下拨给哪个下级工会",
        )
        .into()),
        (Err(e), _) => Err(e.into()),
        (Ok(amount), Some(to)) => {
            state
                .services
                .funds_allocate(
                    &actor,
                    AllocationInput {
                        from_union_id: union_id,
                        to_union_id: to,
                        source: f.source.clone(),
                        amount,
                        on_date: f.on_date.clone(),
                        memo: f.memo.clone(),
                    },
                )
                .await
        }
    };
    answer(
        &state,
        &actor,
        union_id,
        result,
        Notice::FundsAllocation,
        "allocation",
        |o| o.allocation = f,
    )
    .await
}

#[derive(Debug, Deserialize, Default)]
pub struct ReverseForm {
    #[serde(default)]
    reason: String,
    /// Where to go afterwards (a /funds path).
    #[serde(default)]
    back: String,
    #[serde(default)]
    union_id: String,
}

async fn reverse_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<ReverseForm>,
) -> PageResult {
    match state
        .services
        .funds_reverse(&actor, TransferId(id), &f.reason)
        .await
    {
        Ok(_) => {
            let back = if f.back.starts_with("/funds") && !f.back.contains("//") {
                f.back.clone()
            } else {
                "/funds?".to_owned()
            };
            let sep = if back.contains('?') { '&' } else { '?' };
            let back = if back.ends_with('?') {
                format!("{back}{}", Notice::FundsReversed.query())
            } else {
                format!("{back}{sep}{}", Notice::FundsReversed.query())
            };
            Ok(Redirect::to(&back).into_response())
        }
        Err(e) => {
            let (error, status) = failure(e, "reverse")?;
            funds_view(
                &state,
                &actor,
                union_param(&f.union_id),
                Outcome {
                    error,
                    status,
                    ..Default::default()
                },
            )
            .await
        }
    }
}

// ---------- the transfer list ----------

#[derive(Debug, Deserialize, Default)]
pub struct TransfersQuery {
    #[serde(default)]
    union_id: String,
    /// Allocations received by this union (its incoming list).
    #[serde(default)]
    to_union_id: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    until: String,
    notice: Option<String>,
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "funds_transfers.html")]
struct TransfersPage {
    chrome: Chrome,
    q: TransfersQuery,
    unions: Vec<(i64, String)>,
    source_options: Vec<(&'static str, &'static str)>,
    kind_options: Vec<(&'static str, &'static str)>,
    total: i64,
    items: Vec<TransferView>,
    pager: Pager,
    error: Option<String>,
    notice: Option<Notice>,
    back: String,
}

results_partial!(TransfersPage => TransfersResults, "funds_transfers_partial.html");

async fn transfers_page(
    State(state): State<AppState>,
    swap: SwapsResults,
    PageActor(actor): PageActor,
    Query(q): Query<TransfersQuery>,
) -> PageResult {
    let params = [
        ("union_id", q.union_id.clone()),
        ("to_union_id", q.to_union_id.clone()),
        ("source", q.source.clone()),
        ("kind", q.kind.clone()),
        ("from", q.from.clone()),
        ("until", q.until.clone()),
    ];
    let filter = bangfu_service::funds::parse_filter(
        union_param(&q.union_id),
        union_param(&q.to_union_id),
        Some(&q.source),
        Some(&q.kind),
        Some(&q.from),
        Some(&q.until),
    );
    let (page, error, status) = match filter {
        Ok(filter) => match state
            .services
            .funds_transfers(&actor, filter, PageRequest::new(q.page, Some(30)))
            .await
        {
            Ok(p) => (Some(p), None, StatusCode::OK),
            Err(e) => {
                let (status, m, _) = form_failure(e)?;
                (None, Some(m), status)
            }
        },
        Err(e) => (None, Some(e.message), StatusCode::BAD_REQUEST),
    };
    let (items, total, pager_html) = match &page {
        Some(p) => (
            p.items
                .iter()
                .map(|t| transfer_view(&state, &actor, t))
                .collect(),
            p.total,
            pager("/funds/transfers", &params, p.page, p.pages()),
        ),
        None => (Vec::new(), 0, Pager::none()),
    };
    Ok(render_results(
        swap,
        status,
        &TransfersPage {
            chrome: Chrome::new(&actor, "资金业务", "funds"),
            unions: union_options(&state, &actor).await?,
            source_options: options!(Source),
            kind_options: options!(TransferKind),
            total,
            items,
            pager: pager_html,
            error,
            notice: q.notice.as_deref().map(|_| Notice::FundsReversed),
            back: with_query("/funds/transfers", &params),
            q,
        },
    ))
}

// ---------- statements ----------

#[derive(Debug, Deserialize, Default)]
pub struct StatementQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    until: String,
}

pub struct LineView {
    on_date: String,
    transfer_id: i64,
    kind: &'static str,
    description: String,
    inflow: String,
    outflow: String,
    balance: String,
}

#[derive(Template)]
#[template(path = "funds_statement.html")]
struct StatementPage {
    chrome: Chrome,
    account_id: i64,
    union_id: i64,
    union_name: String,
    source: &'static str,
    kind: &'static str,
    from: String,
    until: String,
    opening: String,
    inflow: String,
    outflow: String,
    closing: String,
    lines: Vec<LineView>,
    xlsx_href: String,
}

fn split(amount: Fen) -> (String, String) {
    if amount.0 >= 0 {
        (amount.yuan_grouped(), String::new())
    } else {
        (String::new(), Fen(-amount.0).yuan_grouped())
    }
}

async fn statement_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Query(q): Query<StatementQuery>,
) -> PageResult {
    let s = state
        .services
        .funds_statement(&actor, AccountId(id), Some(&q.from), Some(&q.until))
        .await?;
    let range = [("from", s.from.to_string()), ("until", s.until.to_string())];
    Ok(render_status(
        StatusCode::OK,
        &StatementPage {
            chrome: Chrome::new(&actor, format!("对账单 · {}", s.union_name), "funds"),
            account_id: id,
            union_id: s.account.union_id.0,
            union_name: s.union_name.clone(),
            source: s.account.source.label(),
            kind: s.account.kind.label(),
            from: s.from.to_string(),
            until: s.until.to_string(),
            opening: s.opening.yuan_grouped(),
            inflow: s.inflow.yuan_grouped(),
            outflow: s.outflow.yuan_grouped(),
            closing: s.closing.yuan_grouped(),
            lines: s
                .lines
                .iter()
                .map(|l| {
                    let (inflow, outflow) = split(l.entry.amount);
                    LineView {
                        on_date: l.entry.on_date.to_string(),
                        transfer_id: l.entry.transfer.id,
                        kind: l.kind.label(),
                        description: l.description.clone(),
                        inflow,
                        outflow,
                        balance: l.balance.yuan_grouped(),
                    }
                })
                .collect(),
            xlsx_href: with_query(&format!("/funds/accounts/{id}/statement.xlsx"), &range),
        },
    ))
}

/// Yuan as a number for a spreadsheet cell: exact for two decimals.
fn yuan_number(f: Fen) -> f64 {
    f.0 as f64 / 100.0
}

/// The statement as a workbook: a heading, the opening balance, one row per
/// entry with numeric amounts (yuan, two decimals) and the closing balance.
fn statement_workbook(s: &Statement) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("对账单")?;
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("0.00");
    let bold_money = Format::new().set_bold().set_num_format("0.00");
    ws.write_string_with_format(
        0,
        0,
        format!(
            "{} · {} · {} 对账单",
            s.union_name,
            s.account.source.label(),
            s.account.kind.label()
        ),
        &bold,
    )?;
    ws.write_string(1, 0, format!("期间：{} 至 {}", s.from, s.until))?;
    let headers = [
        "日期",
        "业务编号",
        "业务类型",
        "摘要",
        "收入（元）",
        "支出（元）",
        "余额（元）",
    ];
    for (c, h) in headers.iter().enumerate() {
        let col = u16::try_from(c).unwrap_or(0);
        ws.write_string_with_format(3, col, *h, &bold)?;
        ws.set_column_width(col, if c == 3 { 40 } else { 14 })?;
    }
    ws.write_string(4, 3, "期初余额")?;
    ws.write_number_with_format(4, 6, yuan_number(s.opening), &money)?;
    let mut row: u32 = 5;
    for l in &s.lines {
        ws.write_string(row, 0, l.entry.on_date.to_string())?;
        ws.write_number(row, 1, l.entry.transfer.id as f64)?;
        ws.write_string(row, 2, l.kind.label())?;
        // Text typed by people is written as a string, never a formula.
        ws.write_string(row, 3, &l.description)?;
        if l.entry.amount.0 >= 0 {
            ws.write_number_with_format(row, 4, yuan_number(l.entry.amount), &money)?;
        } else {
            ws.write_number_with_format(row, 5, yuan_number(Fen(-l.entry.amount.0)), &money)?;
        }
        ws.write_number_with_format(row, 6, yuan_number(l.balance), &money)?;
        row += 1;
    }
    ws.write_string_with_format(row, 3, "本期合计", &bold)?;
    ws.write_number_with_format(row, 4, yuan_number(s.inflow), &bold_money)?;
    ws.write_number_with_format(row, 5, yuan_number(s.outflow), &bold_money)?;
    ws.write_string_with_format(row + 1, 3, "期末余额", &bold)?;
    ws.write_number_with_format(row + 1, 6, yuan_number(s.closing), &bold_money)?;
    ws.set_freeze_panes(4, 0)?;
    book.save_to_buffer()
}

async fn statement_xlsx(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Query(q): Query<StatementQuery>,
) -> PageResult {
    let s = state
        .services
        .funds_statement(&actor, AccountId(id), Some(&q.from), Some(&q.until))
        .await?;
    let bytes = statement_workbook(&s)
        .map_err(|e| PageError::Service(ServiceError::Internal(e.to_string())))?;
    Ok(crate::xlsx::download(
        &format!(
            "对账单-{}-{}-{}至{}.xlsx",
            s.union_name,
            s.account.source.label(),
            s.from,
            s.until
        ),
        bytes,
    ))
}
