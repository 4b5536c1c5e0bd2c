//! A household's file: what it records, its identification and leaving
//! evaluations, and revealing a masked ID number with a reason.

use super::*;
use crate::pages::forms::ReasonForm;
use crate::view::{division_name, local_time};
use bangfu_domain::exit::ExitEvaluation;
use bangfu_domain::household::{Health, HouseholdId};
use bangfu_domain::identification::Identification;
use bangfu_service::HouseholdDetail;

pub struct MonthView {
    pub(crate) month: String,
    pub(crate) income: String,
    pub(crate) rigid: String,
    pub(crate) per_capita: String,
    pub(crate) actual: String,
    pub(crate) line: String,
    pub(crate) low_line: String,
    pub(crate) below_line: bool,
}

pub(crate) fn month_views(i: &Identification) -> Vec<MonthView> {
    i.months
        .iter()
        .map(|m| MonthView {
            month: m.month.to_string(),
            income: yuan(m.income),
            rigid: yuan(m.rigid_expenditure),
            per_capita: yuan(m.per_capita_income),
            actual: yuan(m.actual_per_capita),
            line: yuan(m.dibao_line),
            low_line: if m.low_income_line_defaulted {
                format!("{}（1.5 倍）", yuan(m.low_income_line))
            } else {
                yuan(m.low_income_line)
            },
            below_line: m.per_capita_income < m.dibao_line,
        })
        .collect()
}

/// The identification as a page shows it.
pub struct DecisionView {
    pub(crate) headline: String,
    pub(crate) class: &'static str,
    pub(crate) category: String,
    pub(crate) reasons: Vec<String>,
    pub(crate) months: Vec<MonthView>,
    pub(crate) refer: bool,
    pub(crate) window: String,
    pub(crate) params: String,
}

pub(crate) fn decision_view(i: &Identification) -> DecisionView {
    let headline = if i.eligible {
        let c = i.condition.map(i32::from).unwrap_or(0);
        if i.migrant {
            format!("符合建档条件（条件{}，农民工家庭同时适用条件五）", cn(c))
        } else {
            format!("符合建档条件（条件{}）", cn(c))
        }
    } else if i.insufficient_data {
        "收入数据不足，暂不能判断".to_owned()
    } else {
        "不符合建档条件".to_owned()
    };
    DecisionView {
        headline,
        class: if i.eligible {
            "success"
        } else if i.insufficient_data {
            "info"
        } else {
            "error"
        },
        category: i.category.map(|c| c.label().to_owned()).unwrap_or_default(),
        reasons: i.reasons.clone(),
        months: month_views(i),
        refer: i.refer_for_dibao,
        window: match (i.window.first(), i.window.last()) {
            (Some(a), Some(b)) => format!("{a} 至 {b}"),
            _ => String::new(),
        },
        params: format!(
            "连续月数 N = {}，倍数 K = {}",
            i.params.window_months, i.params.multiple_k
        ),
    }
}

/// One month of the exit window as the page shows it.
pub struct ExitMonthView {
    pub(crate) month: String,
    pub(crate) per_capita: String,
    pub(crate) line: String,
    pub(crate) above_line: bool,
}

/// The exit evaluation (脱困评估) as the file's page shows it.
pub struct ExitView {
    pub(crate) headline: String,
    pub(crate) class: &'static str,
    pub(crate) reasons: Vec<String>,
    pub(crate) months: Vec<ExitMonthView>,
    pub(crate) window_months: u32,
}

pub(crate) fn exit_view(e: &ExitEvaluation) -> ExitView {
    let (headline, class) = if e.meets_standard {
        (
            format!(
                "达到脱困收入标准：连续 {} 个月人均收入高于低保标准",
                e.window.len()
            ),
            "success",
        )
    } else if e.insufficient_data {
        ("尚未达到脱困收入标准（收入数据不足）".to_owned(), "info")
    } else {
        ("尚未达到脱困收入标准".to_owned(), "error")
    };
    ExitView {
        headline,
        class,
        reasons: e.reasons.clone(),
        months: e
            .window
            .iter()
            .map(|m| ExitMonthView {
                month: m.month.to_string(),
                per_capita: yuan(m.per_capita_income),
                line: yuan(m.dibao_line),
                above_line: m.above_line,
            })
            .collect(),
        window_months: e.window_months,
    }
}

pub struct MemberView {
    pub(crate) name: String,
    pub(crate) id_masked: String,
    pub(crate) sex: String,
    pub(crate) birth: String,
    pub(crate) relation: &'static str,
    pub(crate) health: String,
    pub(crate) schooling: &'static str,
    pub(crate) employment: &'static str,
    pub(crate) income: String,
}

#[derive(Template)]
#[template(path = "household.html")]
pub(crate) struct DetailPage {
    pub(crate) chrome: Chrome,
    pub(crate) h: Row,
    pub(crate) file: FileView,
    pub(crate) members: Vec<MemberView>,
    pub(crate) decision: DecisionView,
    pub(crate) exit: ExitView,
    pub(crate) notice: Option<Notice>,
    pub(crate) may_reveal: bool,
    pub(crate) may_edit: bool,
    pub(crate) revealed: Option<bangfu_service::Revealed>,
    pub(crate) reveal_error: Option<String>,
    pub(crate) incomes_recorded: usize,
    pub(crate) household_id: i64,
    pub(crate) tab: &'static str,
    /// The "退出与返困" card (issue 5).
    pub(crate) leaving: crate::pages::exits::LeavingCard,
    /// Open 部门核对 findings on the file.
    pub(crate) open_findings: i64,
    /// Reporting up (上报).
    pub(crate) report: ReportLine,
}

/// The file's reporting up as its page shows it.
pub struct ReportLine {
    pub(crate) state: &'static str,
    pub(crate) class: &'static str,
    pub(crate) to_union: String,
    /// Why it was returned, while returned.
    pub(crate) reason: String,
    /// Why it cannot be reported (no union of its level above).
    pub(crate) blocked: String,
    pub(crate) grassroots: bool,
    /// The caller may report it, or accept or return it.
    pub(crate) may_act: bool,
}

/// The worker's fields for the file page and the printed card.
pub struct FileView {
    pub(crate) sex: &'static str,
    pub(crate) birth: String,
    pub(crate) phone_masked: String,
    pub(crate) address: String,
    pub(crate) region: String,
    pub(crate) employer: String,
    pub(crate) employer_kind: &'static str,
    pub(crate) employment: &'static str,
    pub(crate) capacity: &'static str,
    pub(crate) health: String,
    pub(crate) flags: String,
    pub(crate) dibao_since: String,
    pub(crate) other_relief_since: String,
    pub(crate) notes: String,
    pub(crate) created_at: String,
    pub(crate) updated_at: String,
    /// Who made that change (empty when unknown).
    pub(crate) updated_by: String,
    /// The temporary relief file this file was converted from (转正).
    pub(crate) converted_from: Option<i64>,
    /// The file this one was merged into: (id, file number).
    pub(crate) merged_into: Option<(i64, String)>,
    /// The files merged into this one.
    pub(crate) merged_from: Vec<(i64, String)>,
    /// A transfer waiting for its answer: the receiving union's name.
    pub(crate) pending_transfer: Option<String>,
    pub(crate) version: i64,
    pub(crate) cutoff: String,
}

pub(crate) fn health_label(h: Health, grade: Option<i32>) -> String {
    match grade {
        Some(g) => format!("{}（{} 级）", h.label(), g),
        None => h.label().to_owned(),
    }
}

pub(crate) fn file_view(d: &HouseholdDetail) -> FileView {
    let h = &d.household;
    let x = &h.data;
    let mut flags = Vec::new();
    if x.migrant {
        flags.push("农民工");
    }
    if x.zero_employment {
        flags.push("零就业家庭");
    }
    if x.closure_laid_off {
        flags.push("关停并转/化解过剩产能分流");
    }
    if x.trade_friction {
        flags.push("受经贸摩擦影响");
    }
    FileView {
        sex: h.worker_sex.label(),
        birth: h
            .worker_birth_date
            .map(|b| b.to_string())
            .unwrap_or_default(),
        phone_masked: x.phone.clone(),
        address: x.address.clone(),
        region: format!("{} {}", x.division_code, division_name(&x.division_code)),
        employer: x.employer.clone(),
        employer_kind: x.employer_kind.label(),
        employment: x.employment.label(),
        capacity: x.labour_capacity.label(),
        health: health_label(x.health, x.disability_grade),
        flags: if flags.is_empty() {
            "无".into()
        } else {
            flags.join("、")
        },
        dibao_since: x
            .dibao_since
            .map(|m| format!("{m} 起"))
            .unwrap_or_else(|| "未享受".into()),
        other_relief_since: x
            .other_relief_since
            .map(|m| format!("{m} 起"))
            .unwrap_or_else(|| "无".into()),
        notes: x.notes.clone(),
        converted_from: d.converted_from.map(|t| t.0),
        merged_into: d.merges.into.as_ref().map(|(i, n)| (i.0, n.clone())),
        merged_from: d
            .merges
            .from
            .iter()
            .map(|(i, n)| (i.0, n.clone()))
            .collect(),
        pending_transfer: d.pending_transfer.as_ref().map(|t| t.to_union_name.clone()),
        created_at: local_time(&h.created_at),
        updated_at: local_time(&h.updated_at),
        updated_by: d.updated_by_name.clone().unwrap_or_default(),
        version: h.version,
        cutoff: d.params.baseline_cutoff.to_string(),
    }
}

pub(crate) fn member_views(d: &HouseholdDetail) -> Vec<MemberView> {
    d.members
        .iter()
        .map(|m| MemberView {
            name: m.name.clone(),
            id_masked: m
                .id_number
                .as_ref()
                .map_or_else(|| "无".into(), |i| i.text.clone()),
            sex: m
                .id_number
                .as_ref()
                .map(|i| i.sex.label().to_owned())
                .unwrap_or_default(),
            birth: m
                .id_number
                .as_ref()
                .and_then(|i| i.birth_date)
                .map(|b| b.to_string())
                .unwrap_or_default(),
            relation: m.relation.label(),
            health: health_label(m.health, m.disability_grade),
            schooling: m.schooling.label(),
            employment: m.employment.label(),
            income: yuan(m.income),
        })
        .collect()
}

#[derive(Debug, Deserialize, Default)]
pub struct NoticeQ {
    pub(crate) notice: Option<String>,
}

pub(crate) async fn detail_view(
    state: &AppState,
    actor: &Actor,
    id: i64,
    notice: Option<Notice>,
    revealed: Option<bangfu_service::Revealed>,
    reveal_error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let page = state
        .services
        .household_page(actor, HouseholdId(id))
        .await?;
    let d = page.detail;
    let leaving = crate::pages::exits::leaving_card(state, actor, &d.household, page.leaving);
    let card = page.report;
    let report = ReportLine {
        state: card.state.label(),
        class: super::list::report_class(card.state),
        to_union: card.to_union.map(|u| u.1).unwrap_or_default(),
        reason: d.household.report.reason.clone().unwrap_or_default(),
        blocked: card.blocked.unwrap_or_default(),
        grassroots: !d.household.data.tier.reported(),
        may_act: card.may_report || card.may_receive,
    };
    Ok(render_status(
        status,
        &DetailPage {
            chrome: Chrome::new(
                actor,
                format!("档案 {}", d.household.data.worker_name),
                "households",
            ),
            h: Row::from(&d.household),
            file: file_view(&d),
            members: member_views(&d),
            decision: decision_view(&d.identification),
            exit: exit_view(&d.exit),
            notice,
            may_reveal: d.may_reveal,
            may_edit: d.may_edit,
            revealed,
            reveal_error,
            incomes_recorded: d.incomes.len(),
            household_id: d.household.id.0,
            tab: "file",
            leaving,
            open_findings: page.open_findings,
            report,
        },
    ))
}

pub(crate) async fn detail_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQ>,
) -> PageResult {
    let notice = Notice::find_or_done(Notice::HOUSEHOLD, q.notice.as_deref());
    detail_view(&state, &actor, id, notice, None, None, StatusCode::OK).await
}

pub(crate) async fn reveal_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Path(id): Path<i64>,
    Form(f): Form<ReasonForm>,
) -> PageResult {
    match state
        .services
        .household_reveal(&actor, HouseholdId(id), &f.reason)
        .await
    {
        Ok(r) => detail_view(&state, &actor, id, None, Some(r), None, StatusCode::OK).await,
        Err(e) => {
            let (status, msg, _) = form_failure(e)?;
            detail_view(&state, &actor, id, None, None, Some(msg), status).await
        }
    }
}
