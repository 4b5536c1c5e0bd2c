//! The /exits tabs: candidates, open and decided decisions, relapsed files,
//! with filters, pages and the Excel export of a tab.

use super::*;
use crate::pages::households::filing_unions;
use crate::pages::{all_pages, with_query, xlsx_response};
use bangfu_domain::leaving::{ExitKind, ExitStatus, Pathway};
use bangfu_domain::Permission;
use bangfu_service::exits::{CandidateQuery, ExitQuery};
use bangfu_service::PageRequest;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Ready,
    Relief,
    Open,
    Decided,
    Relapse,
}

impl Tab {
    const ALL: [Tab; 5] = [
        Tab::Ready,
        Tab::Relief,
        Tab::Open,
        Tab::Decided,
        Tab::Relapse,
    ];

    pub(crate) fn code(self) -> &'static str {
        match self {
            Tab::Ready => "ready",
            Tab::Relief => "relief",
            Tab::Open => "open",
            Tab::Decided => "decided",
            Tab::Relapse => "relapse",
        }
    }

    pub(crate) fn label(self) -> &'static str {
        match self {
            Tab::Ready => "待脱困",
            Tab::Relief => "可解困",
            Tab::Open => "办理中",
            Tab::Decided => "已决定",
            Tab::Relapse => "返困",
        }
    }

    pub(crate) fn parse(raw: Option<&str>) -> Tab {
        Tab::ALL
            .into_iter()
            .find(|t| Some(t.code()) == raw)
            .unwrap_or(Tab::Ready)
    }

    pub(crate) fn candidates(self) -> bool {
        matches!(self, Tab::Ready | Tab::Relief | Tab::Relapse)
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct ListQ {
    pub(crate) tab: Option<String>,
    pub(crate) union_id: Option<String>,
    pub(crate) pathway: Option<String>,
    pub(crate) kind: Option<String>,
    pub(crate) status: Option<String>,
    pub(crate) page: Option<i64>,
    pub(crate) notice: Option<String>,
}

impl ListQ {
    pub(crate) fn tab(&self) -> Tab {
        Tab::parse(self.tab.as_deref())
    }

    /// The tab asked for; without one, a reviewer (who decides rather than
    /// proposes) starts on the open decisions, everyone else on the ready list.
    pub(crate) fn with_default_tab(mut self, actor: &Actor) -> Self {
        if self.tab.as_deref().is_none_or(str::is_empty)
            && actor.can(Permission::ApproveExits)
            && !actor.can(Permission::ManageHouseholds)
        {
            self.tab = Some(Tab::Open.code().to_owned());
        }
        self
    }

    pub(crate) fn params(&self) -> Vec<(&'static str, String)> {
        let tab = self.tab();
        let mut p = vec![
            ("tab", tab.code().to_owned()),
            ("union_id", self.union_id.clone().unwrap_or_default()),
        ];
        if matches!(tab, Tab::Ready | Tab::Open | Tab::Decided) {
            p.push(("pathway", self.pathway.clone().unwrap_or_default()));
        }
        if matches!(tab, Tab::Open | Tab::Decided) {
            p.push(("kind", self.kind.clone().unwrap_or_default()));
        }
        if tab == Tab::Decided {
            p.push(("status", self.status.clone().unwrap_or_default()));
        }
        p
    }

    pub(crate) fn candidate_query(&self) -> CandidateQuery {
        CandidateQuery {
            union_id: id_param(self.union_id.as_deref()),
            pathway: self.pathway.clone(),
        }
    }

    pub(crate) fn exit_query(&self) -> ExitQuery {
        let tab = self.tab();
        ExitQuery {
            kind: self.kind.clone(),
            status: if tab == Tab::Decided {
                self.status.clone()
            } else {
                None
            },
            pathway: self.pathway.clone(),
            union_id: id_param(self.union_id.as_deref()),
            household_id: None,
            open: Some(tab == Tab::Open),
        }
    }
}

pub struct TabLink {
    pub label: &'static str,
    pub href: String,
    pub active: bool,
}

pub struct FilterView {
    pub tab: &'static str,
    pub union_id: String,
    pub pathway: String,
    pub kind: String,
    pub status: String,
}

#[derive(Template)]
#[template(path = "exits.html")]
pub(crate) struct ListPage {
    pub(crate) chrome: Chrome,
    pub(crate) tabs: Vec<TabLink>,
    pub(crate) tab: &'static str,
    pub(crate) tab_label: &'static str,
    pub(crate) f: FilterView,
    pub(crate) unions: Vec<(i64, String)>,
    pub(crate) pathways: Opts,
    pub(crate) kinds: Opts,
    pub(crate) statuses: Opts,
    pub(crate) candidates: Vec<CandidateRow>,
    pub(crate) decisions: Vec<DecisionRow>,
    pub(crate) is_candidates: bool,
    pub(crate) total: i64,
    pub(crate) pager: Pager,
    pub(crate) export: String,
    pub(crate) can_propose: bool,
    pub(crate) notice: Option<Notice>,
}

results_partial!(ListPage => ExitsResults, "exits_partial.html");

pub(crate) async fn list_page(
    State(state): State<AppState>,
    swap: SwapsResults,
    PageActor(actor): PageActor,
    Query(q): Query<ListQ>,
) -> PageResult {
    let q = q.with_default_tab(&actor);
    let tab = q.tab();
    let page = PageRequest::new(q.page, Some(20));
    let mut candidates = Vec::new();
    let mut decisions = Vec::new();
    let (total, pages, at) = match tab {
        Tab::Ready | Tab::Relief | Tab::Relapse => {
            let query = q.candidate_query();
            let p = match tab {
                Tab::Ready => state.services.exit_ready_list(&actor, query, page).await?,
                Tab::Relief => state.services.relief_list(&actor, query, page).await?,
                _ => state.services.relapse_list(&actor, query, page).await?,
            };
            candidates = p.items.iter().map(CandidateRow::from).collect();
            (p.total, p.pages(), p.page)
        }
        Tab::Open | Tab::Decided => {
            let p = state
                .services
                .exit_list(&actor, q.exit_query(), page)
                .await?;
            let flow = state.services.settings().exit_flow;
            decisions = p
                .items
                .iter()
                .map(|e| DecisionRow::of(e, flow.notice(e.kind)))
                .collect();
            (p.total, p.pages(), p.page)
        }
    };
    let params = q.params();
    let unions = filing_unions(&state, &actor).await.unwrap_or_default();
    let base: Vec<(&str, String)> = params
        .iter()
        .filter(|(k, _)| *k == "union_id")
        .cloned()
        .collect();
    let tabs = Tab::ALL
        .into_iter()
        .map(|t| {
            let mut p = base.clone();
            p.insert(0, ("tab", t.code().to_owned()));
            TabLink {
                label: t.label(),
                href: with_query("/exits", &p),
                active: t == tab,
            }
        })
        .collect();
    Ok(render_results(
        swap,
        StatusCode::OK,
        &ListPage {
            chrome: Chrome::new(&actor, format!("脱困解困 · {}", tab.label()), "exits"),
            tabs,
            tab: tab.code(),
            tab_label: tab.label(),
            f: FilterView {
                tab: tab.code(),
                union_id: q.union_id.clone().unwrap_or_default(),
                pathway: q.pathway.clone().unwrap_or_default(),
                kind: q.kind.clone().unwrap_or_default(),
                status: q.status.clone().unwrap_or_default(),
            },
            unions,
            pathways: options!(Pathway),
            kinds: options!(ExitKind),
            statuses: vec![
                (ExitStatus::Approved.code(), ExitStatus::Approved.label()),
                (ExitStatus::Rejected.code(), ExitStatus::Rejected.label()),
            ],
            candidates,
            decisions,
            is_candidates: tab.candidates(),
            total,
            pager: pager("/exits", &params, at, pages),
            export: with_query("/exits/export.xlsx", &params),
            can_propose: actor.can(Permission::ManageHouseholds),
            notice: Notice::find(Notice::EXITS, q.notice.as_deref()),
        },
    ))
}

pub(crate) async fn export(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<ListQ>,
) -> PageResult {
    let q = q.with_default_tab(&actor);
    let tab = q.tab();
    let filename = format!("脱困解困-{}.xlsx", tab.label());
    if tab.candidates() {
        let query = q.candidate_query();
        let items = all_pages(|p| {
            let s = state.services.clone();
            let a = actor.clone();
            let query = query.clone();
            async move {
                match tab {
                    Tab::Ready => s.exit_ready_list(&a, query, p).await,
                    Tab::Relief => s.relief_list(&a, query, p).await,
                    _ => s.relapse_list(&a, query, p).await,
                }
            }
        })
        .await?;
        let mut headers = vec![
            "档案编号",
            "姓名",
            "身份证号码",
            "建档工会",
            "困难类别",
            "批次",
        ];
        if tab == Tab::Ready {
            headers.push("建议脱困路径");
        }
        headers.push(if tab == Tab::Relapse {
            "返困情况"
        } else {
            "达标情况"
        });
        let rows: Vec<Vec<String>> = items
            .iter()
            .map(|c| CandidateRow::from(c).row(tab))
            .collect();
        xlsx_response(&filename, tab.label(), &headers, &rows)
    } else {
        let query = q.exit_query();
        let items = all_pages(|p| state.services.exit_list(&actor, query.clone(), p)).await?;
        let flow = state.services.settings().exit_flow;
        let rows: Vec<Vec<String>> = items
            .iter()
            .map(|e| DecisionRow::of(e, flow.notice(e.kind)).row())
            .collect();
        xlsx_response(&filename, tab.label(), &DECISION_HEADERS, &rows)
    }
}
