//! Pages: the province panel (统计报表) and yearly targets (目标任务).
//!
//! Every table on these pages is built once as a [`Table`] and used twice:
//! rendered to HTML and written to the `.xlsx` export, so the download
//! carries exactly the numbers on the screen (counts as numbers, money as
//! yuan with two decimals). The charts (Apache ECharts, vendored) are drawn
//! by `/assets/stats.js` from `data-*` attributes: no inline script.

use crate::pages::prelude::*;
use axum::routing::get;
use axum::Router;
use bangfu_domain::filing::LOCAL_LABEL;
use bangfu_domain::household::Tier;
use bangfu_domain::identification::Category;
use bangfu_domain::leaving::{Pathway, RemovalReason};
use bangfu_domain::target::{format_share, ShareOrigin};
use bangfu_domain::{Fen, Permission, UnionId, ValidationError};
use bangfu_service::stats::{parse_as_of, parse_year, Figures, Panel, Progress, TargetLine};
use bangfu_service::ServiceError;
use chrono::Datelike;
use rust_xlsxwriter::{Format, Workbook};
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/stats", get(panel_page))
        .route("/stats/export.xlsx", get(panel_export))
        .route("/targets", get(targets_page).post(targets_submit))
        .route("/targets/export.xlsx", get(targets_export))
}

// ---------- tables: one definition for the page and the workbook ----------

/// What a cell holds, for the workbook.
#[derive(Debug, Clone)]
enum Value {
    Text(String),
    Int(i64),
    /// Fen, written as yuan.
    Money(i64),
    /// Basis points, written as a percentage.
    Share(Option<u32>),
}

pub struct Cell {
    value: Value,
    href: Option<String>,
}

impl Cell {
    fn text(s: impl Into<String>) -> Self {
        Self {
            value: Value::Text(s.into()),
            href: None,
        }
    }
    fn int(n: i64) -> Self {
        Self {
            value: Value::Int(n),
            href: None,
        }
    }
    fn money(f: Fen) -> Self {
        Self {
            value: Value::Money(f.0),
            href: None,
        }
    }
    fn share(bp: Option<u32>) -> Self {
        Self {
            value: Value::Share(bp),
            href: None,
        }
    }
    fn link(mut self, href: String) -> Self {
        self.href = Some(href);
        self
    }

    pub fn shown(&self) -> String {
        match &self.value {
            Value::Text(s) => s.clone(),
            Value::Int(n) => n.to_string(),
            Value::Money(f) => Fen(*f).yuan_grouped(),
            Value::Share(Some(bp)) => format_share(*bp),
            Value::Share(None) => "—".into(),
        }
    }

    pub fn is_num(&self) -> bool {
        !matches!(self.value, Value::Text(_))
    }

    pub fn href(&self) -> &str {
        self.href.as_deref().unwrap_or("")
    }
}

pub struct Row {
    pub cells: Vec<Cell>,
    /// CSS class of the row: `sub` (a part of the row above), `total`,
    /// `behind` (behind schedule).
    pub class: &'static str,
}

impl Row {
    fn new(cells: Vec<Cell>) -> Self {
        Self { cells, class: "" }
    }
    fn class(mut self, c: &'static str) -> Self {
        self.class = c;
        self
    }
}

pub struct Table {
    pub id: &'static str,
    pub title: String,
    /// The workbook's sheet name (≤ 31 characters).
    pub sheet: &'static str,
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
    pub note: String,
}

impl Table {
    /// Whether column `i` holds numbers (its header is right-aligned).
    pub fn numeric(&self, i: &usize) -> bool {
        self.rows
            .first()
            .and_then(|r| r.cells.get(*i))
            .is_some_and(Cell::is_num)
    }
}

fn headers(h: &[&str]) -> Vec<String> {
    h.iter().map(|s| (*s).to_owned()).collect()
}

/// One sheet per table, header row bold and frozen; numbers as numbers.
fn workbook(tables: &[&Table], info: &[(&str, String)]) -> Result<Vec<u8>, String> {
    let e = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    let pct = Format::new().set_num_format("0.00%");
    for t in tables {
        let ws = book.add_worksheet();
        ws.set_name(t.sheet).map_err(e)?;
        for (c, h) in t.headers.iter().enumerate() {
            let col = u16::try_from(c).map_err(|e| e.to_string())?;
            ws.write_string_with_format(0, col, h, &bold).map_err(e)?;
            ws.set_column_width(col, if c == 0 { 24 } else { 14 })
                .map_err(e)?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            let rr = u32::try_from(r + 1).map_err(|e| e.to_string())?;
            for (c, cell) in row.cells.iter().enumerate() {
                let col = u16::try_from(c).map_err(|e| e.to_string())?;
                match &cell.value {
                    Value::Text(s) => {
                        ws.write_string(rr, col, s).map_err(e)?;
                    }
                    // Counts are far below 2^53: exact as f64.
                    #[allow(clippy::cast_precision_loss)]
                    Value::Int(n) => {
                        ws.write_number(rr, col, *n as f64).map_err(e)?;
                    }
                    #[allow(clippy::cast_precision_loss)]
                    Value::Money(f) => {
                        ws.write_number_with_format(rr, col, *f as f64 / 100.0, &money)
                            .map_err(e)?;
                    }
                    Value::Share(Some(bp)) => {
                        ws.write_number_with_format(rr, col, f64::from(*bp) / 10_000.0, &pct)
                            .map_err(e)?;
                    }
                    Value::Share(None) => {
                        ws.write_string(rr, col, "—").map_err(e)?;
                    }
                }
            }
        }
        ws.set_freeze_panes(1, 0).map_err(e)?;
    }
    let ws = book.add_worksheet();
    ws.set_name("说明").map_err(e)?;
    for (r, (k, v)) in info.iter().enumerate() {
        let rr = u32::try_from(r).map_err(|e| e.to_string())?;
        ws.write_string_with_format(rr, 0, *k, &bold).map_err(e)?;
        ws.write_string(rr, 1, v).map_err(e)?;
    }
    ws.set_column_width(0, 16).map_err(e)?;
    ws.set_column_width(1, 60).map_err(e)?;
    book.save_to_buffer().map_err(e)
}

fn download(filename: &str, tables: &[&Table], info: &[(&str, String)]) -> PageResult {
    workbook(tables, info)
        .map(|bytes| crate::xlsx::download(filename, bytes))
        .map_err(|e| PageError::Service(ServiceError::Internal(e)))
}

// ---------- the panel ----------

#[derive(Debug, Deserialize, Default)]
struct PanelQuery {
    #[serde(default)]
    union: String,
    #[serde(default)]
    as_of: String,
}

fn parse_union(raw: &str) -> Result<Option<UnionId>, ServiceError> {
    let t = raw.trim().trim_start_matches('#');
    if t.is_empty() {
        return Ok(None);
    }
    t.parse()
        .map(|v| Some(UnionId(v)))
        .map_err(|_| ValidationError::new("union", format!("工会编号“{t}”无效，应为数字")).into())
}

fn panel_href(union: i64, as_of: &str) -> String {
    format!("/stats?union={union}&as_of={as_of}")
}

/// 在档情况: households and persons on file by tier, category and cohort.
fn on_file_table(f: &Figures) -> Table {
    let row = |label: &str, c: bangfu_service::stats::Count| {
        Row::new(vec![
            Cell::text(label),
            Cell::int(c.households),
            Cell::int(c.persons),
        ])
    };
    let mut rows = vec![
        row("在档困难职工家庭合计", f.on_file).class("total"),
        row("全国级", f.national),
    ];
    for (i, c) in Category::ALL.iter().enumerate() {
        rows.push(row(&format!("　其中：{}", c.label()), f.categories[i]).class("sub"));
    }
    rows.push(row(LOCAL_LABEL, f.local));
    for (i, t) in Tier::ALL
        .iter()
        .enumerate()
        .filter(|(_, t)| !t.is_national())
    {
        rows.push(row(&format!("　其中：{}", t.label()), f.tiers[i]).class("sub"));
    }
    rows.push(row("存量户", f.baseline_on_file));
    rows.push(row("增量户", f.incremental_on_file));
    Table {
        id: "on-file",
        title: "在档情况".into(),
        sheet: "在档情况",
        headers: headers(&["项目", "户数", "供养人口（人）"]),
        rows,
        note: "统计日当天日终仍在档的家庭；供养人口为家庭人口之和。低保户、低保边缘户、意外致困户仅统计全国级档案；存量户为基准日前建档的家庭，增量户为其后建档的家庭。".into(),
    }
}

/// 分级建档与上报: on file by the five levels, and of those the files the
/// union of their level accepted (docs/rules.md §2).
fn levels_table(f: &Figures) -> Table {
    let row = |label: &str, c: bangfu_service::stats::Count, a: bangfu_service::stats::Count| {
        Row::new(vec![
            Cell::text(label),
            Cell::int(c.households),
            Cell::int(c.persons),
            Cell::int(a.households),
            Cell::int(a.persons),
        ])
    };
    let sum = |v: &[bangfu_service::stats::Count]| {
        let mut t = bangfu_service::stats::Count::default();
        for c in v {
            t += *c;
        }
        t
    };
    let mut rows: Vec<Row> = Tier::ALL
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let r = row(t.label(), f.tiers[i], f.accepted[i]);
            if t.is_national() {
                r
            } else {
                r.class("sub")
            }
        })
        .collect();
    rows.insert(1, row(LOCAL_LABEL, f.local, sum(&f.accepted[1..])));
    rows.push(row("合计", f.on_file, sum(&f.accepted)).class("total"));
    Table {
        id: "levels",
        title: "分级建档与上报".into(),
        sheet: "分级建档",
        headers: headers(&["建档标准", "在档户数", "供养人口（人）", "已接收户数", "已接收人口（人）"]),
        rows,
        note: "地方级为省级、地市级、区县级和基层之和。已接收：上报后已由该级工会接收的档案（按当前上报状态）；基层档案无需上报。".into(),
    }
}

/// 建档、脱困与退出.
fn decisions_table(f: &Figures) -> Table {
    let row = |label: String, n: i64| Row::new(vec![Cell::text(label), Cell::int(n)]);
    let mut rows = vec![
        row("累计建档".into(), f.filed),
        row("　其中：存量建档".into(), f.baseline_filed).class("sub"),
        row("存量在档（现有）".into(), f.baseline_on_file.households),
        row("脱困".into(), f.out).class("total"),
    ];
    for (i, p) in Pathway::ALL.iter().enumerate() {
        rows.push(row(format!("　{}", p.label()), f.pathways[i]).class("sub"));
    }
    rows.push(row("解困".into(), f.relief).class("total"));
    rows.push(row("退出".into(), f.removal).class("total"));
    for (i, r) in RemovalReason::ALL.iter().enumerate() {
        rows.push(row(format!("　{}", r.label()), f.reasons[i]).class("sub"));
    }
    rows.push(row("返困重新建档".into(), f.reopened));
    Table {
        id: "decisions",
        title: "建档、脱困与退出".into(),
        sheet: "建档脱困退出",
        headers: headers(&["项目", "户数"]),
        rows,
        note: "截至统计日已批准的决定；撤销的决定自撤销之日起不再计入。在档户数 = 累计建档 − 脱困 − 解困 − 退出 + 返困重新建档。".into(),
    }
}

/// 资金与帮扶.
fn funds_table(f: &Figures) -> Table {
    let rows = vec![
        Row::new(vec![Cell::text("筹集资金（元）"), Cell::money(f.raised)]),
        Row::new(vec![Cell::text("发放现金（元）"), Cell::money(f.cash)]),
        Row::new(vec![Cell::text("发放物资折款（元）"), Cell::money(f.goods)]),
        Row::new(vec![Cell::text("帮扶户次"), Cell::int(f.household_times)]),
        Row::new(vec![Cell::text("帮扶人次"), Cell::int(f.person_times)]),
    ];
    Table {
        id: "funds",
        title: "资金与帮扶（自开展以来）".into(),
        sheet: "资金与帮扶",
        headers: headers(&["项目", "数值"]),
        rows,
        note: "截至统计日的累计数；冲销的收入和帮扶记录自冲销之日起扣除。".into(),
    }
}

fn child_cells(label: Cell, f: &Figures) -> Vec<Cell> {
    vec![
        label,
        Cell::int(f.on_file.households),
        Cell::int(f.on_file.persons),
        Cell::int(f.national.households),
        Cell::int(f.categories[0].households),
        Cell::int(f.categories[1].households),
        Cell::int(f.categories[2].households),
        Cell::int(f.local.households),
        Cell::int(f.filed),
        Cell::int(f.baseline_filed),
        Cell::int(f.baseline_on_file.households),
        Cell::int(f.out),
        Cell::int(f.relief),
        Cell::int(f.removal),
        Cell::int(f.reopened),
        Cell::money(f.raised),
        Cell::money(f.cash),
        Cell::money(f.goods),
        Cell::int(f.household_times),
        Cell::int(f.person_times),
    ]
}

/// 分地区: every figure per child union, the union's own rows and the total.
fn children_table(p: &Panel) -> Table {
    let as_of = p.as_of.to_string();
    let mut rows: Vec<Row> = p
        .children
        .iter()
        .map(|c| {
            Row::new(child_cells(
                Cell::text(&c.union.name).link(panel_href(c.union.id.0, &as_of)),
                &c.figures,
            ))
        })
        .collect();
    rows.push(
        Row::new(child_cells(
            Cell::text(format!("{}（本级）", p.union.name)),
            &p.own,
        ))
        .class("sub"),
    );
    rows.push(Row::new(child_cells(Cell::text("合计"), &p.total)).class("total"));
    Table {
        id: "children",
        title: "分地区（下级工会）".into(),
        sheet: "分地区",
        headers: headers(&[
            "工会",
            "在档户数",
            "供养人口",
            "全国级",
            "低保户",
            "低保边缘户",
            "意外致困户",
            "地方级",
            "累计建档",
            "存量建档",
            "存量在档",
            "脱困",
            "解困",
            "退出",
            "返困",
            "筹集资金（元）",
            "发放现金（元）",
            "发放物资（元）",
            "帮扶户次",
            "帮扶人次",
        ]),
        rows,
        note: "每个下级工会含其全部下级；“本级”为直接记在本工会的数据；合计 = 本级 + 各下级。点击工会名称查看其报表。".into(),
    }
}

fn trend_table(p: &Panel) -> Table {
    Table {
        id: "trend",
        title: "在档户数月度趋势".into(),
        sheet: "月度趋势",
        headers: headers(&["月份", "统计日", "在档户数"]),
        rows: p
            .trend
            .iter()
            .map(|t| {
                Row::new(vec![
                    Cell::text(t.month.to_string()),
                    Cell::text(t.on.to_string()),
                    Cell::int(t.households),
                ])
            })
            .collect(),
        note: "每月末日终在档户数；本月为统计日当天。".into(),
    }
}

struct Chart {
    id: &'static str,
    title: String,
    /// line, pie or bars.
    kind: &'static str,
    labels: String,
    series: String,
    empty: bool,
}

#[derive(Template)]
#[template(path = "stats.html")]
struct PanelPage {
    chrome: Chrome,
    union_id: i64,
    union_name: String,
    level_label: &'static str,
    crumbs: Vec<(String, String)>,
    as_of: String,
    today: String,
    empty: bool,
    kpis: Vec<(&'static str, String)>,
    tables: Vec<Table>,
    charts: Vec<Chart>,
    xlsx_href: String,
    targets_href: String,
}

async fn load_panel(
    state: &AppState,
    actor: &Actor,
    q: &PanelQuery,
) -> Result<(Panel, Progress), PageError> {
    let union = parse_union(&q.union)?;
    let as_of = parse_as_of(Some(&q.as_of), bangfu_service::today())?;
    let p = state.services.stats_panel(actor, union, as_of).await?;
    let progress = state
        .services
        .target_progress(actor, Some(p.union.id), as_of.year())
        .await?;
    Ok((p, progress))
}

fn panel_tables(p: &Panel) -> Vec<Table> {
    vec![
        on_file_table(&p.total),
        levels_table(&p.total),
        decisions_table(&p.total),
        funds_table(&p.total),
        children_table(p),
        trend_table(p),
    ]
}

async fn panel_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<PanelQuery>,
) -> PageResult {
    let (p, progress) = load_panel(&state, &actor, &q).await?;
    let as_of = p.as_of.to_string();
    let t = &p.total;
    let kpis = vec![
        ("在档家庭（户）", t.on_file.households.to_string()),
        ("供养人口（人）", t.on_file.persons.to_string()),
        ("累计脱困（户）", t.out.to_string()),
        ("累计解困（户）", t.relief.to_string()),
        ("筹集资金（元）", t.raised.yuan_grouped()),
        ("帮扶人次", t.person_times.to_string()),
        ("核对预警（待处置）", p.findings.open.to_string()),
        ("核对发现已处置", p.findings.resolved.to_string()),
    ];
    let trend_labels: Vec<String> = p.trend.iter().map(|x| x.month.to_string()).collect();
    let trend_values: Vec<i64> = p.trend.iter().map(|x| x.households).collect();
    let pathway_labels: Vec<&str> = Pathway::ALL.iter().map(|x| x.label()).collect();
    let child_names: Vec<&str> = progress
        .children
        .iter()
        .map(|c| c.union.name.as_str())
        .collect();
    let charts = vec![
        Chart {
            id: "chart-trend",
            title: "在档户数（近 36 个月）".into(),
            kind: "line",
            labels: json!(trend_labels).to_string(),
            series: json!([{ "name": "在档户数", "data": trend_values }]).to_string(),
            empty: trend_values.iter().all(|v| *v == 0),
        },
        Chart {
            id: "chart-pathways",
            title: "脱困路径".into(),
            kind: "pie",
            labels: json!(pathway_labels).to_string(),
            series: json!([{ "name": "脱困户数", "data": t.pathways }]).to_string(),
            empty: t.pathways.iter().all(|v| *v == 0),
        },
        Chart {
            id: "chart-targets",
            title: format!("{} 年目标任务进度（分地区）", progress.year),
            kind: "bars",
            labels: json!(child_names).to_string(),
            series: json!([
                { "name": "目标户数", "data": progress.children.iter().map(|c| c.line.target).collect::<Vec<_>>() },
                { "name": "已完成", "data": progress.children.iter().map(|c| c.line.achieved).collect::<Vec<_>>() },
            ])
            .to_string(),
            empty: progress
                .children
                .iter()
                .all(|c| c.line.target == 0 && c.line.achieved == 0),
        },
    ];
    let crumbs = p
        .ancestors
        .iter()
        .map(|a| (panel_href(a.id.0, &as_of), a.name.clone()))
        .collect();
    let empty = t.filed == 0 && t.reopened == 0 && t.household_times == 0 && t.raised.0 == 0;
    Ok(render(&PanelPage {
        chrome: Chrome::new(&actor, format!("统计报表 · {}", p.union.name), "stats"),
        union_id: p.union.id.0,
        union_name: p.union.name.clone(),
        level_label: p.union.level.label(),
        crumbs,
        today: bangfu_service::today().to_string(),
        empty,
        kpis,
        tables: panel_tables(&p),
        charts,
        xlsx_href: format!("/stats/export.xlsx?union={}&as_of={as_of}", p.union.id.0),
        targets_href: format!("/targets?union={}&year={}", p.union.id.0, p.as_of.year()),
        as_of,
    }))
}

async fn panel_export(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<PanelQuery>,
) -> PageResult {
    let union = parse_union(&q.union)?;
    let as_of = parse_as_of(Some(&q.as_of), bangfu_service::today())?;
    let p = state.services.stats_panel(&actor, union, as_of).await?;
    let tables = panel_tables(&p);
    let refs: Vec<&Table> = tables.iter().collect();
    let info = vec![
        ("工会", p.union.name.clone()),
        ("统计日期", format!("{} 日终", p.as_of)),
        ("导出人", actor.user.display_name.clone()),
        (
            "口径",
            "在档：统计日日终仍在档；决定与资金：截至统计日，撤销与冲销自其日期起扣除；金额单位：元。".into(),
        ),
    ];
    download(
        &format!("统计报表-{}-{}.xlsx", p.union.name, p.as_of),
        &refs,
        &info,
    )
}

// ---------- targets ----------

#[derive(Debug, Deserialize, Default)]
struct TargetsQuery {
    #[serde(default)]
    union: String,
    #[serde(default)]
    year: String,
    notice: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
struct TargetForm {
    #[serde(default)]
    union: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    share: String,
    /// `set` or `clear`.
    #[serde(default)]
    op: String,
}

fn targets_href(union: i64, year: i32) -> String {
    format!("/targets?union={union}&year={year}")
}

fn origin_text(l: &TargetLine, plan_label: &str) -> String {
    match l.share.origin {
        ShareOrigin::Own => "本级设定".into(),
        ShareOrigin::Inherited(_) => format!(
            "沿用{}",
            l.share_from
                .as_ref()
                .map(|(_, n)| n.clone())
                .unwrap_or_else(|| "上级".into())
        ),
        ShareOrigin::Plan => format!("默认方案：{plan_label}"),
        ShareOrigin::None => "未设定（默认方案本年度无目标）".into(),
    }
}

fn status_text(l: &TargetLine, elapsed: u32) -> &'static str {
    if l.target == 0 {
        "无目标"
    } else if l.achieved >= l.target {
        "已完成"
    } else if elapsed == 0 {
        "未开始"
    } else if l.behind {
        "进度滞后"
    } else {
        "按进度"
    }
}

fn ranking_table(p: &Progress) -> Table {
    let plan = p.plan.label();
    let rows = p
        .children
        .iter()
        .map(|c| {
            let l = &c.line;
            Row::new(vec![
                Cell::int(i64::try_from(c.rank).unwrap_or(0)),
                Cell::text(&c.union.name).link(targets_href(c.union.id.0, p.year)),
                Cell::share(Some(l.share.bp)),
                Cell::text(origin_text(l, plan)),
                Cell::int(l.baseline),
                Cell::int(l.target),
                Cell::int(l.achieved),
                Cell::share(l.progress_bp),
                Cell::int(l.expected_to_date),
                Cell::text(status_text(l, p.elapsed)),
            ])
            .class(if l.behind { "behind" } else { "" })
        })
        .collect();
    Table {
        id: "ranking",
        title: "下级工会排名".into(),
        sheet: "下级排名",
        headers: headers(&[
            "排名",
            "工会",
            "目标比例",
            "比例来源",
            "存量户数",
            "目标户数",
            "已完成",
            "完成进度",
            "到本月应完成",
            "状态",
        ]),
        rows,
        note: "按完成进度（已完成 ÷ 目标户数）排名；无目标的排在最后。到本月应完成 = 目标户数 × 已过月数 ÷ 12，向上取整；已完成少于应完成即为进度滞后。".into(),
    }
}

fn months_table(p: &Progress) -> Table {
    let rows = p
        .months
        .iter()
        .map(|m| {
            let due = m.month <= p.elapsed;
            let behind = due && m.cumulative < m.expected;
            Row::new(vec![
                Cell::text(format!("{} 年 {} 月", p.year, m.month)),
                Cell::int(m.achieved),
                Cell::int(m.cumulative),
                Cell::int(m.expected),
                Cell::text(if !due {
                    "未到"
                } else if behind {
                    "滞后"
                } else {
                    "达标"
                }),
            ])
            .class(if behind { "behind" } else { "" })
        })
        .collect();
    Table {
        id: "months",
        title: "逐月进度".into(),
        sheet: "逐月进度",
        headers: headers(&["月份", "当月完成", "累计完成", "计划累计", "状态"]),
        rows,
        note: "完成数为当月批准脱困、解困的存量家庭，扣除当月撤销的决定。".into(),
    }
}

fn summary_table(p: &Progress) -> Table {
    let l = &p.line;
    let rows = vec![
        Row::new(vec![Cell::text("目标比例"), Cell::share(Some(l.share.bp))]),
        Row::new(vec![
            Cell::text("比例来源"),
            Cell::text(origin_text(l, p.plan.label())),
        ]),
        Row::new(vec![Cell::text("存量户数"), Cell::int(l.baseline)]),
        Row::new(vec![Cell::text("目标户数"), Cell::int(l.target)]),
        Row::new(vec![Cell::text("已完成"), Cell::int(l.achieved)]),
        Row::new(vec![Cell::text("完成进度"), Cell::share(l.progress_bp)]),
        Row::new(vec![
            Cell::text("到本月应完成"),
            Cell::int(l.expected_to_date),
        ]),
        Row::new(vec![
            Cell::text("状态"),
            Cell::text(status_text(l, p.elapsed)),
        ])
        .class(if l.behind { "behind" } else { "" }),
    ];
    Table {
        id: "summary",
        title: format!("{} 年目标任务", p.year),
        sheet: "目标汇总",
        headers: headers(&["项目", "数值"]),
        rows,
        note: "存量户数为截至当年年底本级及下级建档的存量家庭；目标户数 = 存量户数 × 目标比例，向上取整。".into(),
    }
}

#[derive(Template)]
#[template(path = "targets.html")]
struct TargetsPage {
    chrome: Chrome,
    union_id: i64,
    union_name: String,
    crumbs: Vec<(String, String)>,
    year: i32,
    years: Vec<i32>,
    summary: Table,
    ranking: Table,
    months: Table,
    behind: bool,
    no_baseline: bool,
    can_edit: bool,
    own_share: String,
    own_set: String,
    has_own: bool,
    inherited_text: String,
    form_share: String,
    notice: Option<String>,
    error: Option<String>,
    xlsx_href: String,
    panel_href: String,
    plan_label: &'static str,
}

fn targets_view(
    actor: &Actor,
    p: &Progress,
    notice: Option<String>,
    error: Option<String>,
    form_share: String,
) -> TargetsPage {
    let this_year = bangfu_service::today().year();
    let mut years: Vec<i32> = (2017..=this_year + 1).collect();
    if !years.contains(&p.year) {
        years.push(p.year);
        years.sort_unstable();
    }
    years.reverse();
    let (own_share, own_set) = match &p.own_share {
        Some((bp, by, at)) => (
            format_share(*bp),
            format!(
                "{}{}",
                by.clone().map(|n| format!("{n} · ")).unwrap_or_default(),
                crate::view::local_time(at)
            ),
        ),
        None => (String::new(), String::new()),
    };
    let inherited_text = if p.own_share.is_some() {
        String::new()
    } else {
        origin_text(&p.line, p.plan.label())
    };
    TargetsPage {
        chrome: Chrome::new(actor, format!("目标任务 · {}", p.union.name), "targets"),
        union_id: p.union.id.0,
        union_name: p.union.name.clone(),
        crumbs: p
            .ancestors
            .iter()
            .map(|a| (targets_href(a.id.0, p.year), a.name.clone()))
            .collect(),
        year: p.year,
        years,
        summary: summary_table(p),
        ranking: ranking_table(p),
        months: months_table(p),
        behind: p.line.behind,
        no_baseline: p.line.baseline == 0,
        can_edit: actor.can(Permission::ManageTargets),
        has_own: p.own_share.is_some(),
        form_share: if form_share.is_empty() {
            own_share.trim_end_matches('%').to_owned()
        } else {
            form_share
        },
        own_share,
        own_set,
        inherited_text,
        notice,
        error,
        xlsx_href: format!(
            "/targets/export.xlsx?union={}&year={}",
            p.union.id.0, p.year
        ),
        panel_href: format!("/stats?union={}", p.union.id.0),
        plan_label: p.plan.label(),
    }
}

async fn load_progress(
    state: &AppState,
    actor: &Actor,
    union: &str,
    year: &str,
) -> Result<Progress, PageError> {
    let union = parse_union(union)?;
    let year = parse_year(Some(year), bangfu_service::today())?;
    Ok(state.services.target_progress(actor, union, year).await?)
}

async fn targets_page(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<TargetsQuery>,
) -> PageResult {
    let p = load_progress(&state, &actor, &q.union, &q.year).await?;
    let notice = Notice::find(Notice::TARGETS, q.notice.as_deref()).map(Notice::text);
    Ok(render(&targets_view(
        &actor,
        &p,
        notice,
        None,
        String::new(),
    )))
}

async fn targets_submit(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Form(form): Form<TargetForm>,
) -> PageResult {
    let result = async {
        let union =
            parse_union(&form.union)?.ok_or_else(|| ValidationError::new("union", "请指定工会"))?;
        let year = bangfu_domain::target::parse_year(&form.year)?;
        if form.op == "clear" {
            state.services.target_clear(&actor, union, year).await
        } else {
            state
                .services
                .target_set(&actor, union, year, &form.share)
                .await
        }
    }
    .await;
    match result {
        Ok(p) => {
            let done = if form.op == "clear" {
                Notice::TargetCleared
            } else {
                Notice::TargetSet
            };
            Ok(Redirect::to(&format!(
                "{}&{}",
                targets_href(p.union.id.0, p.year),
                done.query()
            ))
            .into_response())
        }
        Err(e) => {
            let (status, msg, _) = super::form_failure(e)?;
            let p = load_progress(&state, &actor, &form.union, &form.year).await?;
            Ok(render_status(
                status,
                &targets_view(&actor, &p, None, Some(msg), form.share.clone()),
            ))
        }
    }
}

async fn targets_export(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    Query(q): Query<TargetsQuery>,
) -> PageResult {
    let p = load_progress(&state, &actor, &q.union, &q.year).await?;
    let (s, r, m) = (summary_table(&p), ranking_table(&p), months_table(&p));
    let info = vec![
        ("工会", p.union.name.clone()),
        ("年度", p.year.to_string()),
        ("默认方案", p.plan.label().to_owned()),
        ("导出人", actor.user.display_name.clone()),
    ];
    download(
        &format!("目标任务-{}-{}.xlsx", p.union.name, p.year),
        &[&s, &r, &m],
        &info,
    )
}
