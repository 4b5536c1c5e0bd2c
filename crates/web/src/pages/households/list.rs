//! The list of household files with its filters, and its Excel export.

use super::*;
use crate::api::HouseholdQuery;
use crate::pages::{all_pages, with_query, xlsx_response};
use crate::view::division_name;
use bangfu_domain::filing::{ReportState, TierFilter};
use bangfu_domain::household::{Cohort, Decision, HardshipCause, Status};
use bangfu_domain::identification::Category;
use bangfu_domain::{Masked, Permission};
use bangfu_service::{Household, HouseholdSort, PageRequest};

/// One row of the list: identity masked.
pub struct Row {
    pub id: i64,
    pub file_no: String,
    pub name: String,
    pub id_masked: String,
    pub union_id: i64,
    pub union_name: String,
    pub category: &'static str,
    pub tier: &'static str,
    /// 上报状态, blank for a grassroots file never reported.
    pub report: &'static str,
    pub report_class: &'static str,
    pub cohort: &'static str,
    pub size: i32,
    pub decision: &'static str,
    pub decision_class: &'static str,
    pub condition: String,
    pub status: &'static str,
    /// The badge class of the status: on file stands out from those that left.
    pub status_class: &'static str,
    pub filed_on: String,
    pub causes: String,
    pub migrant: bool,
}

pub(crate) fn decision_class(d: Decision) -> &'static str {
    match d {
        Decision::Eligible => "ok",
        Decision::NotEligible => "off",
        Decision::Insufficient => "warn",
    }
}

pub(crate) fn status_class(s: Status) -> &'static str {
    match s {
        Status::OnFile => "",
        Status::Exited | Status::Relieved => "ok",
        Status::Removed | Status::Closed => "off",
    }
}

pub(crate) fn report_class(s: ReportState) -> &'static str {
    match s {
        ReportState::None => "",
        ReportState::Reported => "warn",
        ReportState::Accepted => "ok",
        ReportState::Returned => "off",
    }
}

pub(crate) fn condition_label(d: Decision, c: Option<i32>, migrant: bool) -> String {
    match (d, c) {
        (Decision::Eligible, Some(n)) if migrant => format!("条件{}+五", cn(n)),
        (Decision::Eligible, Some(n)) => format!("条件{}", cn(n)),
        _ => String::new(),
    }
}

/// Conditions are written 一 to 五 wherever a person reads them.
pub(crate) fn cn(n: i32) -> &'static str {
    match n {
        1 => "一",
        2 => "二",
        3 => "三",
        4 => "四",
        5 => "五",
        _ => "",
    }
}

impl From<&Household<Masked>> for Row {
    fn from(h: &Household<Masked>) -> Self {
        let d = &h.data;
        Self {
            id: h.id.0,
            file_no: h.file_no.clone(),
            name: d.worker_name.clone(),
            id_masked: d.worker_id_number.to_string(),
            union_id: h.union_id.0,
            union_name: h.union_name.clone(),
            category: d.category.label(),
            tier: d.tier.label(),
            report: if d.tier.reported() || h.report.state != ReportState::None {
                h.report.state.label()
            } else {
                ""
            },
            report_class: report_class(h.report.state),
            cohort: h.cohort.label(),
            size: h.size,
            decision: h.decision.label(),
            decision_class: decision_class(h.decision),
            condition: condition_label(h.decision, h.decision_condition, d.migrant),
            status: h.status.label(),
            status_class: status_class(h.status),
            filed_on: d.filed_on.to_string(),
            causes: d.causes.labels(),
            migrant: d.migrant,
        }
    }
}

#[derive(Template)]
#[template(path = "households.html")]
pub(crate) struct ListPage {
    pub(crate) chrome: Chrome,
    pub(crate) q: HouseholdQueryView,
    pub(crate) can_manage: bool,
    /// May export a person's copy of their data (个人信息副本).
    pub(crate) can_reveal: bool,
    /// How many match, as shown: 「10000+」 when counting stopped there.
    pub(crate) total: String,
    pub(crate) items: Vec<Row>,
    pub(crate) pager: Pager,
    pub(crate) export_href: String,
    pub(crate) error: Option<String>,
    /// The statuses a person filters by, on file first (全部 is added by the template).
    pub(crate) statuses: Options,
    /// The chosen status, named in the count ("共 24 户（在档）").
    pub(crate) status_label: &'static str,
    pub(crate) categories: Options,
    pub(crate) tiers: Options,
    pub(crate) report_states: Options,
    pub(crate) cohorts: Options,
    pub(crate) causes: Options,
    pub(crate) decisions: Options,
    pub(crate) sorts: Options,
    pub(crate) regions: Vec<(String, String)>,
}

results_partial!(ListPage => HouseholdsResults, "households_partial.html");

/// The query as the form shows it back.
#[derive(Default)]
pub(crate) struct HouseholdQueryView {
    pub(crate) q: String,
    pub(crate) status: String,
    pub(crate) category: String,
    pub(crate) tier: String,
    pub(crate) report_state: String,
    pub(crate) cohort: String,
    pub(crate) cause: String,
    pub(crate) migrant: String,
    pub(crate) decision: String,
    pub(crate) union_id: String,
    pub(crate) region: String,
    pub(crate) filed_from: String,
    pub(crate) filed_until: String,
    pub(crate) sort: String,
}

/// The list's query string as the browser sends it (everything optional text).
#[derive(Debug, Deserialize, Default, Clone)]
pub struct ListQuery {
    #[serde(default)]
    pub(crate) q: String,
    #[serde(default)]
    pub(crate) status: String,
    #[serde(default)]
    pub(crate) category: String,
    #[serde(default)]
    pub(crate) tier: String,
    #[serde(default)]
    pub(crate) report_state: String,
    #[serde(default)]
    pub(crate) cohort: String,
    #[serde(default)]
    pub(crate) cause: String,
    #[serde(default)]
    pub(crate) migrant: String,
    #[serde(default)]
    pub(crate) decision: String,
    #[serde(default)]
    pub(crate) union_id: String,
    #[serde(default)]
    pub(crate) region: String,
    #[serde(default)]
    pub(crate) filed_from: String,
    #[serde(default)]
    pub(crate) filed_until: String,
    #[serde(default)]
    pub(crate) sort: String,
    pub(crate) page: Option<i64>,
    /// Past the counted pages of a long list: where this page begins (the
    /// previous page's last file); `page` then only numbers it.
    #[serde(default)]
    pub(crate) after: String,
}

/// The pager of the list. A count that stopped (「10000+」) has more pages
/// than it shows: past the counted ones, 下一页 follows the last file
/// (`after`), numbering the pages on, and 上一页 is the browser's back.
fn long_pager<T>(
    p: &bangfu_service::Page<T>,
    params: &[(&'static str, String)],
    asked: Option<i64>,
    by_cursor: bool,
) -> Pager {
    let shown = if by_cursor {
        asked.unwrap_or(1).max(1)
    } else {
        p.page
    };
    let mut out = pager("/households", params, shown, p.pages());
    if p.capped {
        out.more = true;
        if by_cursor {
            out.prev = None;
        }
        if by_cursor || shown >= p.pages() {
            out.next = p.next_after.as_ref().map(|after| {
                let mut with = params.to_vec();
                with.push(("after", after.clone()));
                crate::pages::pager::link("/households", &with, shown + 1)
            });
        }
    }
    out
}

pub(crate) fn some(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// The list's "every status" choice. The page (and its export) shows the
/// files on file unless another status, or this, is chosen, so its count
/// agrees with the home page's; the API's default (every status) stays.
pub(crate) const ALL_STATUSES: &str = "all";

/// The status filter the page asks the service for: on file by default,
/// none for [`ALL_STATUSES`].
pub(crate) fn page_status(raw: &str) -> Option<String> {
    match raw.trim() {
        "" => Some(Status::OnFile.code().to_owned()),
        ALL_STATUSES => None,
        s => Some(s.to_owned()),
    }
}

impl ListQuery {
    pub(crate) fn api(&self) -> HouseholdQuery {
        HouseholdQuery {
            q: some(&self.q),
            status: page_status(&self.status),
            category: some(&self.category),
            tier: some(&self.tier),
            report_state: some(&self.report_state),
            inbox: None,
            cohort: some(&self.cohort),
            cause: some(&self.cause),
            migrant: match self.migrant.as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            decision: some(&self.decision),
            union_id: self.union_id.trim().parse().ok(),
            region: some(&self.region),
            filed_from: some(&self.filed_from),
            filed_until: some(&self.filed_until),
            sort: some(&self.sort),
            page: self.page,
            per_page: None,
            after: some(&self.after),
        }
    }

    pub(crate) fn params(&self) -> Vec<(&'static str, String)> {
        vec![
            ("q", self.q.clone()),
            ("status", self.status.clone()),
            ("category", self.category.clone()),
            ("tier", self.tier.clone()),
            ("report_state", self.report_state.clone()),
            ("cohort", self.cohort.clone()),
            ("cause", self.cause.clone()),
            ("migrant", self.migrant.clone()),
            ("decision", self.decision.clone()),
            ("union_id", self.union_id.clone()),
            ("region", self.region.clone()),
            ("filed_from", self.filed_from.clone()),
            ("filed_until", self.filed_until.clone()),
            ("sort", self.sort.clone()),
        ]
    }

    pub(crate) fn view(&self) -> HouseholdQueryView {
        HouseholdQueryView {
            q: self.q.clone(),
            status: page_status(&self.status).unwrap_or_else(|| ALL_STATUSES.to_owned()),
            category: self.category.clone(),
            tier: self.tier.clone(),
            report_state: self.report_state.clone(),
            cohort: self.cohort.clone(),
            cause: self.cause.clone(),
            migrant: self.migrant.clone(),
            decision: self.decision.clone(),
            union_id: self.union_id.clone(),
            region: self.region.clone(),
            filed_from: self.filed_from.clone(),
            filed_until: self.filed_until.clone(),
            sort: self.sort.clone(),
        }
    }
}

pub(crate) async fn own_division(state: &AppState, actor: &Actor) -> Result<String, PageError> {
    Ok(state.services.union_home(actor).await?.union.division_code)
}

pub(crate) async fn list_page(
    State(state): State<AppState>,
    swap: SwapsResults,
    PageActor(actor): PageActor,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let api = q.api();
    let (status, error, page) = match api.filter() {
        Ok(filter) => {
            let page = state
                .services
                .household_list(
                    &actor,
                    filter,
                    api.union_id,
                    PageRequest::new(q.page, Some(30)),
                )
                .await?;
            (StatusCode::OK, None, Some(page))
        }
        Err(e) => (StatusCode::BAD_REQUEST, Some(e.message), None),
    };
    let own = own_division(&state, &actor).await?;
    let params = q.params();
    let view = q.view();
    let status_label = Status::parse(&view.status).map_or("", Status::label);
    let (total, items, pager_html) = match &page {
        Some(p) => (
            if p.capped {
                format!("{}+", p.total)
            } else {
                p.total.to_string()
            },
            p.items.iter().map(Row::from).collect(),
            long_pager(p, &params, q.page, !q.after.trim().is_empty()),
        ),
        None => ("0".to_owned(), Vec::new(), Pager::none()),
    };
    Ok(render_results(
        swap,
        status,
        &ListPage {
            chrome: Chrome::new(&actor, "困难职工档案", "households"),
            q: view,
            can_manage: actor.can(Permission::ManageHouseholds),
            can_reveal: actor.can(Permission::RevealIdentity),
            total,
            items,
            pager: pager_html,
            export_href: with_query("/households/export.xlsx", &params),
            error,
            statuses: [
                Status::OnFile,
                Status::Exited,
                Status::Relieved,
                Status::Removed,
                Status::Closed,
            ]
            .iter()
            .map(|s| (s.code(), s.label()))
            .collect(),
            status_label,
            categories: options!(Category),
            tiers: TierFilter::options(),
            report_states: options!(ReportState),
            cohorts: options!(Cohort),
            causes: options!(HardshipCause),
            decisions: options!(Decision),
            sorts: HouseholdSort::ALL
                .iter()
                .map(|s| (s.code(), s.label()))
                .collect(),
            regions: crate::pages::division_options(&own),
        },
    ))
}

pub(crate) async fn export(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let api = q.api();
    let filter = api.filter().map_err(|e| PageError::BadRequest(e.message))?;
    let union_id = api.union_id;
    let list = all_pages(|p| {
        state
            .services
            .household_list(&actor, filter.clone(), union_id, p)
    })
    .await?;
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|h| {
            let d = &h.data;
            vec![
                h.file_no.clone(),
                d.worker_name.clone(),
                d.worker_id_number.to_string(),
                h.worker_sex.label().to_owned(),
                d.phone.clone(),
                h.union_name.clone(),
                d.division_code.clone(),
                division_name(&d.division_code),
                d.address.clone(),
                d.employer.clone(),
                d.category.label().to_owned(),
                d.tier.label().to_owned(),
                h.report.state.label().to_owned(),
                h.cohort.label().to_owned(),
                h.size.to_string(),
                d.causes.labels(),
                if d.migrant { "是" } else { "否" }.to_owned(),
                d.dibao_since.map(|m| m.to_string()).unwrap_or_default(),
                h.decision.label().to_owned(),
                condition_label(h.decision, h.decision_condition, d.migrant),
                h.status.label().to_owned(),
                d.filed_on.to_string(),
            ]
        })
        .collect();
    xlsx_response(
        "困难职工档案.xlsx",
        "困难职工档案",
        &[
            "档案编号",
            "姓名",
            "身份证号码（脱敏）",
            "性别",
            "联系电话（脱敏）",
            "建档工会",
            "行政区划代码",
            "所在地区",
            "家庭住址",
            "工作单位",
            "困难类别",
            "档案级别",
            "上报状态",
            "档案批次",
            "家庭人口",
            "致困原因",
            "农民工",
            "享受低保起始月",
            "识别结论",
            "符合条件",
            "档案状态",
            "建档日期",
        ],
        &rows,
    )
}
