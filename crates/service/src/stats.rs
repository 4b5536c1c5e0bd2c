//! The province panel (docs/rules.md §9, source 000) as of any date, and yearly
//! target progress (§8), for any union in the caller's scope.
//!
//! # What the panel counts (as of the end of day D)
//!
//! - **On file**: households whose file was on file at the end of D
//!   (`file_spans`: `from_on <= D < until_on`), and their persons — the
//!   household size, 供养人口 as source 000 counts it — split by tier, by
//!   category for 全国级 files only, and by cohort.
//! - **Filed**: files made on or before D (`filed_on <= D`), not counting
//!   reopened files; of which baseline (存量). "Baseline then and now" is
//!   `baseline_filed` against `baseline_on_file`.
//! - **Decisions**: approved exits (by pathway), reliefs and removals (by
//!   reason) decided on or before D. An approved revocation subtracts the
//!   decision it revokes from that decision's figure at the revocation's own
//!   date, so a panel for a date before it does not change. An exit with no
//!   recognised pathway counts under 其他帮扶脱困, a removal with no
//!   recognised reason under 复核不符合建档标准, so the parts add up.
//! - **Reopened (返困)**: files reopened after an exit (linked to the old
//!   file) made on or before D.
//! - **Funds**: raised = receipts dated on or before D less reversals of
//!   receipts dated on or before D, at the union that received them;
//!   assistance (cash, goods, household-times = acts, person-times = the
//!   persons each act reached) given on or before D, less the acts reversed
//!   on or before D (see `bangfu_storage::stats::given`), at the
//!   household's union.
//!
//! So, at any D: on file = filed − exits − reliefs − removals + reopened
//! (net of revocations), as long as files leave only by decisions (files
//! closed before decisions existed are the exception).
//!
//! # Breakdown
//!
//! Every row is counted at its union and every union above it, as it is
//! written (`bangfu_storage::tallies`). A child's figures are its subtree's
//! tallies; the union's own are its subtree's less its children's, so
//! `total = own + Σ children` exactly, and the panel reads a few hundred
//! rows however many households lie beneath.

use crate::{Actor, ServiceError, Services};
use bangfu_domain::audit::Action;
use bangfu_domain::household::{Cohort, Tier};
use bangfu_domain::identification::Category;
use bangfu_domain::leaving::{Pathway, RemovalReason};
use bangfu_domain::target::{self, DefaultPlan, Share, ShareOrigin};
use bangfu_domain::{Fen, Month, Permission, UnionId, ValidationError};
use bangfu_storage::stats::{self as store, UnionRef};
use bangfu_storage::tallies::{self, DecisionKey, Measure, SpanKey, Tally};
use bangfu_storage::{unions, Conn, Scope};
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde_json::json;
use std::collections::HashMap;
use std::ops::AddAssign;

pub use bangfu_storage::stats::UnionRef as StatsUnion;
pub use bangfu_storage::unions::Union;

/// Months the trend of households on file covers.
pub const TREND_MONTHS: i32 = 36;

/// Households and the persons in them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Count {
    pub households: i64,
    pub persons: i64,
}

impl AddAssign for Count {
    fn add_assign(&mut self, o: Count) {
        self.households += o.households;
        self.persons += o.persons;
    }
}

/// Every figure of the panel for one union (its own rows, a child's
/// subtree, or the total).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    /// 在档困难职工家庭（户）and 供养人口（人）.
    pub on_file: Count,
    /// 全国级.
    pub national: Count,
    /// 地方级: the four local levels together.
    pub local: Count,
    /// By the five levels (建档标准), in [`Tier::ALL`] order: 全国级, 省级,
    /// 地市级, 区县级, 基层 (the last four add up to `local`).
    pub tiers: [Count; 5],
    /// Of those, the files the union of their level accepted (已接收) — by
    /// the report state now, for the files on file at the date.
    pub accepted: [Count; 5],
    /// 全国级 by category, in [`Category::ALL`] order: 低保户, 低保边缘户, 意外致困户.
    pub categories: [Count; 3],
    /// On file of the baseline cohort (存量) and of the incremental pool.
    pub baseline_on_file: Count,
    pub incremental_on_file: Count,
    /// Files made on or before the date (reopenings not counted).
    pub filed: i64,
    /// Of which baseline (存量).
    pub baseline_filed: i64,
    /// 返困: files reopened after an exit.
    pub reopened: i64,
    /// 脱困, net of revocations.
    pub out: i64,
    /// 脱困 by pathway, in [`Pathway::ALL`] order.
    pub pathways: [i64; 5],
    /// 解困, net of revocations.
    pub relief: i64,
    /// 退出, net of revocations.
    pub removal: i64,
    /// 退出 by reason, in [`RemovalReason::ALL`] order.
    pub reasons: [i64; 3],
    /// 筹集资金.
    pub raised: Fen,
    /// 发放现金.
    pub cash: Fen,
    /// 发放物资（折款）.
    pub goods: Fen,
    /// 帮扶户次.
    pub household_times: i64,
    /// 帮扶人次.
    pub person_times: i64,
}

impl AddAssign<&Figures> for Figures {
    fn add_assign(&mut self, o: &Figures) {
        self.on_file += o.on_file;
        self.national += o.national;
        self.local += o.local;
        for (a, b) in self.tiers.iter_mut().zip(o.tiers) {
            *a += b;
        }
        for (a, b) in self.accepted.iter_mut().zip(o.accepted) {
            *a += b;
        }
        for (a, b) in self.categories.iter_mut().zip(o.categories) {
            *a += b;
        }
        self.baseline_on_file += o.baseline_on_file;
        self.incremental_on_file += o.incremental_on_file;
        self.filed += o.filed;
        self.baseline_filed += o.baseline_filed;
        self.reopened += o.reopened;
        self.out += o.out;
        for (a, b) in self.pathways.iter_mut().zip(o.pathways) {
            *a += b;
        }
        self.relief += o.relief;
        self.removal += o.removal;
        for (a, b) in self.reasons.iter_mut().zip(o.reasons) {
            *a += b;
        }
        self.raised = Fen(self.raised.0 + o.raised.0);
        self.cash = Fen(self.cash.0 + o.cash.0);
        self.goods = Fen(self.goods.0 + o.goods.0);
        self.household_times += o.household_times;
        self.person_times += o.person_times;
    }
}

impl Figures {
    fn add_decision(&mut self, kind: &str, pathway: Option<&str>, reason: Option<&str>, n: i64) {
        match kind {
            "out" => {
                self.out += n;
                let p = pathway
                    .and_then(|p| Pathway::parse(p).ok())
                    .unwrap_or(Pathway::Other);
                if let Some(i) = Pathway::ALL.iter().position(|x| *x == p) {
                    self.pathways[i] += n;
                }
            }
            "relief" => self.relief += n,
            "removal" => {
                self.removal += n;
                let r = reason
                    .and_then(|r| RemovalReason::parse(r).ok())
                    .unwrap_or(RemovalReason::Recheck);
                if let Some(i) = RemovalReason::ALL.iter().position(|x| *x == r) {
                    self.reasons[i] += n;
                }
            }
            _ => {}
        }
    }
}

/// A child union's figures (its whole subtree).
#[derive(Debug, Clone)]
pub struct ChildFigures {
    pub union: UnionRef,
    pub figures: Figures,
}

/// One point of the trend: households on file at the end of a month (the
/// last point is the panel's date itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrendPoint {
    pub month: Month,
    pub on: NaiveDate,
    pub households: i64,
}

/// The province panel (统计报表) of one union as of a date.
#[derive(Debug, Clone)]
pub struct Panel {
    pub union: Union,
    /// The union's ancestors inside the caller's scope, root first (for
    /// breadcrumbs; the union itself not included).
    pub ancestors: Vec<Union>,
    pub as_of: NaiveDate,
    pub total: Figures,
    /// Rows recorded at the union itself.
    pub own: Figures,
    pub children: Vec<ChildFigures>,
    /// The last [`TREND_MONTHS`] months, oldest first.
    pub trend: Vec<TrendPoint>,
    /// 核对发现 in the union's subtree now (not as of the panel's date).
    pub findings: bangfu_storage::verification::FindingTotals,
}

/// Parses the panel's date (`YYYY-MM-DD`): today when empty; not after today.
pub fn parse_as_of(raw: Option<&str>, today: NaiveDate) -> Result<NaiveDate, ServiceError> {
    let t = raw.map(str::trim).unwrap_or("");
    if t.is_empty() {
        return Ok(today);
    }
    let d = NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| {
        ValidationError::new(
            "as_of",
            format!("统计日期“{t}”无效，应为 YYYY-MM-DD 格式，如 2020-06-30"),
        )
    })?;
    if d > today {
        return Err(ValidationError::new("as_of", "统计日期不能晚于今天").into());
    }
    if d.year() < 1990 {
        return Err(ValidationError::new("as_of", "统计日期不能早于 1990 年").into());
    }
    Ok(d)
}

/// Parses a target year: this year when empty.
pub fn parse_year(raw: Option<&str>, today: NaiveDate) -> Result<i32, ServiceError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(today.year()),
        Some(s) => Ok(target::parse_year(s)?),
    }
}

/// The union's own figures and each child's (its whole subtree), from the
/// tallies: a child's tallies are its subtree's; the union's own are its
/// subtree's less its children's.
fn panel_figures(
    c: &mut Conn,
    union: UnionId,
    children: &[UnionRef],
    on: NaiveDate,
) -> Result<(Figures, Vec<Figures>), ServiceError> {
    let mut ids = vec![union];
    ids.extend(children.iter().map(|k| k.id));
    let split = Split::new(children);
    let mut own = Figures::default();
    let mut kids = vec![Figures::default(); children.len()];
    let all = tallies::as_of(c, &ids, &Measure::ALL, on)?;
    let mut spread = |m: Measure, apply: &dyn Fn(&mut Figures, &Tally, i64)| {
        for t in all.iter().filter(|t| t.measure == m) {
            split.apply(t, &mut own, &mut kids, |f, sign| apply(f, t, sign));
        }
    };
    let count = |t: &Tally, sign: i64| Count {
        households: sign * t.n,
        persons: sign * t.persons,
    };
    spread(Measure::OnFile, &|f, t, sign| {
        let n = count(t, sign);
        let SpanKey {
            tier,
            category,
            cohort,
        } = SpanKey::parse(&t.key);
        f.on_file += n;
        if let Some(i) = Tier::ALL.iter().position(|x| x.code() == tier) {
            f.tiers[i] += n;
        }
        if tier == Tier::National.code() {
            f.national += n;
            if let Some(i) = Category::ALL.iter().position(|x| x.code() == category) {
                f.categories[i] += n;
            }
        } else {
            f.local += n;
        }
        if cohort == Cohort::Baseline.code() {
            f.baseline_on_file += n;
        } else {
            f.incremental_on_file += n;
        }
    });
    spread(Measure::Accepted, &|f, t, sign| {
        if let Some(i) = Tier::ALL.iter().position(|x| x.code() == t.key) {
            f.accepted[i] += count(t, sign);
        }
    });
    spread(Measure::Filed, &|f, t, sign| {
        f.filed += sign * t.n;
        if t.key == Cohort::Baseline.code() {
            f.baseline_filed += sign * t.n;
        }
    });
    spread(Measure::Reopened, &|f, t, sign| {
        f.reopened += sign * t.n;
    });
    spread(Measure::Decided, &|f, t, sign| {
        let d = DecisionKey::parse(&t.key);
        f.add_decision(d.kind, d.pathway, d.reason, sign * t.n);
    });
    spread(Measure::Raised, &|f, t, sign| {
        f.raised = Fen(f.raised.0 + sign * t.amount);
    });
    spread(Measure::Given, &|f, t, sign| {
        f.cash = Fen(f.cash.0 + sign * t.amount);
        f.goods = Fen(f.goods.0 + sign * t.goods);
        f.household_times += sign * t.n;
        f.person_times += sign * t.persons;
    });
    Ok((own, kids))
}

/// An exit or relief of a baseline household: what targets count.
fn counts_for_target(d: &DecisionKey) -> bool {
    matches!(d.kind, "out" | "relief") && d.cohort == Cohort::Baseline.code()
}

/// The children of a union, to split its tallies: a child's tally counts
/// for that child and is taken from the union's own, so the union's own
/// figures are its subtree's less its children's.
struct Split(HashMap<i64, usize>);

impl Split {
    fn new(children: &[UnionRef]) -> Self {
        Split(
            children
                .iter()
                .enumerate()
                .map(|(i, k)| (k.id.0, i))
                .collect(),
        )
    }

    /// Applies `f` (with the sign to count with) where `t` counts.
    fn apply<T>(&self, t: &Tally, own: &mut T, kids: &mut [T], f: impl Fn(&mut T, i64)) {
        match self.0.get(&t.union_id.0).and_then(|&i| kids.get_mut(i)) {
            Some(kid) => {
                f(kid, 1);
                f(own, -1);
            }
            None => f(own, 1),
        }
    }
}

/// Households on file at the end of each of the last [`TREND_MONTHS`]
/// months up to `on` (the last point at `on` itself), from the union's
/// monthly tallies.
fn trend(c: &mut Conn, union: UnionId, on: NaiveDate) -> Result<Vec<TrendPoint>, ServiceError> {
    let last = Month::of_date(on);
    let first = last.add_months(1 - TREND_MONTHS);
    let mut by_month: Vec<(NaiveDate, i64)> = match last.first_day().pred_opt() {
        Some(before) => {
            tallies::by_month(c, &[union], Measure::OnFile, tallies::beginning(), before)?
                .into_iter()
                .map(|(m, t)| (m, t.n))
                .collect()
        }
        None => Vec::new(),
    };
    by_month.sort_unstable();
    let now: i64 = tallies::as_of(c, &[union], &[Measure::OnFile], on)?
        .iter()
        .map(|t| t.n)
        .sum();
    let (mut i, mut sum) = (0, 0_i64);
    let mut out = Vec::with_capacity(usize::try_from(TREND_MONTHS).unwrap_or(0));
    for k in 0..TREND_MONTHS {
        let m = first.add_months(k);
        if m == last {
            out.push(TrendPoint {
                month: m,
                on,
                households: now,
            });
            continue;
        }
        while i < by_month.len() && by_month[i].0 <= m.first_day() {
            sum += by_month[i].1;
            i += 1;
        }
        out.push(TrendPoint {
            month: m,
            on: m.last_day(),
            households: sum,
        });
    }
    Ok(out)
}

fn find_union(c: &mut Conn, scope: &Scope, id: UnionId) -> Result<Union, ServiceError> {
    unions::find(c, scope, id)?.ok_or(ServiceError::NotFound("工会"))
}

fn ancestors(c: &mut Conn, scope: &Scope, u: &Union) -> Result<Vec<Union>, ServiceError> {
    Ok(unions::ancestors_in_scope(c, scope, u)?
        .into_iter()
        .filter(|a| a.id != u.id)
        .collect())
}

// ---------------------------------------------------------------------------
// Targets
// ---------------------------------------------------------------------------

/// One month of a year's progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthProgress {
    /// 1–12.
    pub month: u32,
    /// Decided in this month (net of revocations in it).
    pub achieved: i64,
    /// Achieved from January to the end of this month.
    pub cumulative: i64,
    /// What the schedule expects by the end of this month.
    pub expected: i64,
}

/// A union's target for a year and how far it got.
#[derive(Debug, Clone)]
pub struct TargetLine {
    pub share: Share,
    /// The union the share is inherited from (its name), when inherited.
    pub share_from: Option<(UnionId, String)>,
    /// Baseline households filed in the subtree by the end of the year.
    pub baseline: i64,
    pub target: i64,
    /// Baseline households out of hardship or relieved in the year, net of
    /// revocations in the year.
    pub achieved: i64,
    /// Achieved by the end of the current month (the whole year for a past
    /// year, nothing for a future one).
    pub achieved_to_date: i64,
    pub expected_to_date: i64,
    pub behind: bool,
    /// Achieved as basis points of the target; `None` without a target.
    pub progress_bp: Option<u32>,
}

/// A child union in the ranking.
#[derive(Debug, Clone)]
pub struct ChildProgress {
    pub union: UnionRef,
    /// 1 = best progress.
    pub rank: usize,
    pub line: TargetLine,
}

/// Target progress (目标任务) of a union for a year, with its children
/// ranked by progress.
#[derive(Debug, Clone)]
pub struct Progress {
    pub union: Union,
    pub ancestors: Vec<Union>,
    pub year: i32,
    /// The default plan of this installation.
    pub plan: DefaultPlan,
    /// Months of the year elapsed today (12 for a past year, 0 for a future one).
    pub elapsed: u32,
    pub line: TargetLine,
    /// The union's own row for the year, if it set one: (basis points, set by, set at).
    pub own_share: Option<(u32, Option<String>, NaiveDateTime)>,
    pub months: Vec<MonthProgress>,
    /// Best first.
    pub children: Vec<ChildProgress>,
}

fn share_bp(v: i32) -> u32 {
    u32::try_from(v.clamp(0, 10_000)).unwrap_or(0)
}

fn line(
    share: Share,
    share_from: Option<(UnionId, String)>,
    baseline: i64,
    monthly: &[i64; 12],
    elapsed: u32,
) -> TargetLine {
    let target = target::target_count(baseline, share.bp);
    let achieved: i64 = monthly.iter().sum();
    let upto = usize::try_from(elapsed.min(12)).unwrap_or(12);
    let achieved_to_date: i64 = monthly[..upto].iter().sum();
    TargetLine {
        share,
        share_from,
        baseline,
        target,
        achieved,
        achieved_to_date,
        expected_to_date: target::expected_by(target, elapsed),
        behind: target::is_behind(achieved_to_date, target, elapsed),
        progress_bp: target::progress_bp(achieved, target),
    }
}

/// The union a share is inherited from, by name (any union: an ancestor's
/// name is no secret to its descendants).
fn inherited_from(
    c: &mut Conn,
    names: &mut HashMap<i64, String>,
    s: &Share,
) -> Result<Option<(UnionId, String)>, ServiceError> {
    let ShareOrigin::Inherited(id) = s.origin else {
        return Ok(None);
    };
    if let Some(n) = names.get(&id) {
        return Ok(Some((UnionId(id), n.clone())));
    }
    let n = unions::find_unscoped(c, UnionId(id))?
        .map(|x| x.name)
        .unwrap_or_else(|| format!("工会 #{id}"));
    names.insert(id, n.clone());
    Ok(Some((UnionId(id), n)))
}

fn month_index(d: NaiveDate) -> usize {
    usize::try_from(d.month0()).unwrap_or(0).min(11)
}

impl Services {
    /// The province panel of `union` (default: the caller's own) as of the
    /// end of `as_of`. Needs `ReadStats`; a union outside the caller's scope
    /// is not found.
    pub async fn stats_panel(
        &self,
        actor: &Actor,
        union: Option<UnionId>,
        as_of: NaiveDate,
    ) -> Result<Panel, ServiceError> {
        actor.require(Permission::ReadStats)?;
        let scope = actor.scope();
        let union_id = union.unwrap_or(actor.user.union_id);
        self.read(move |c| {
            let u = find_union(c, &scope, union_id)?;
            let ancestors = ancestors(c, &scope, &u)?;
            let kids = store::children(c, &scope, u.id)?;
            let (own, figures) = panel_figures(c, u.id, &kids, as_of)?;
            let mut total = own.clone();
            for f in &figures {
                total += f;
            }
            let trend = trend(c, u.id, as_of)?;
            let findings = bangfu_storage::verification::finding_totals(c, &scope, Some(&u.path))?;
            Ok(Panel {
                union: u,
                ancestors,
                as_of,
                total,
                own,
                children: kids
                    .into_iter()
                    .zip(figures)
                    .map(|(union, figures)| ChildFigures { union, figures })
                    .collect(),
                trend,
                findings,
            })
        })
        .await
    }

    /// Target progress of `union` (default: the caller's own) for `year`,
    /// with its children ranked. Needs `ReadStats`.
    ///
    /// The share is the union's own for the year, else its nearest
    /// ancestor's (even above the caller's scope: a county follows its
    /// city), else the default plan's. Baseline = baseline-cohort files made
    /// in the subtree by 31 December; target = ceil(baseline × share);
    /// achieved = approved exits and reliefs of baseline households decided
    /// in the year, less revocations of such decisions decided in the year
    /// (at the revocation's month).
    pub async fn target_progress(
        &self,
        actor: &Actor,
        union: Option<UnionId>,
        year: i32,
    ) -> Result<Progress, ServiceError> {
        actor.require(Permission::ReadStats)?;
        let year = target::check_year(year)?;
        let scope = actor.scope();
        let union_id = union.unwrap_or(actor.user.union_id);
        let plan = self.settings().target_plan;
        let today = crate::today();
        self.read(move |c| {
            let u = find_union(c, &scope, union_id)?;
            let ancestors = ancestors(c, &scope, &u)?;
            let kids = store::children(c, &scope, u.id)?;
            let (from, until) = match (
                NaiveDate::from_ymd_opt(year, 1, 1),
                NaiveDate::from_ymd_opt(year, 12, 31),
            ) {
                (Some(f), Some(t)) => (f, t),
                _ => return Err(ValidationError::new("year", "年份无效").into()),
            };
            let elapsed = target::months_elapsed(year, today);
            // Shares set along the path and by the children: one query.
            let chain: Vec<UnionId> = u.path.ids();
            let mut ids = chain.clone();
            ids.extend(kids.iter().map(|k| k.id));
            let set = store::shares(c, &ids, year)?;
            let nearest_first: Vec<(i64, Option<u32>)> = chain
                .iter()
                .rev()
                .map(|id| (id.0, set.get(id).map(|v| share_bp(*v))))
                .collect();
            let share = Share::resolve(&nearest_first, plan, year);
            let mut names: HashMap<i64, String> = HashMap::new();
            let share_from = inherited_from(c, &mut names, &share)?;

            // Baseline and achieved by bucket (the union's own = its
            // subtree's less its children's), from the tallies.
            let mut ids = vec![u.id];
            ids.extend(kids.iter().map(|k| k.id));
            let split = Split::new(&kids);
            let mut base_own = 0_i64;
            let mut base_kids = vec![0_i64; kids.len()];
            for t in tallies::as_of(c, &ids, &[Measure::Filed], until)? {
                if t.key == Cohort::Baseline.code() {
                    split.apply(&t, &mut base_own, &mut base_kids, |b, sign| {
                        *b += sign * t.n;
                    });
                }
            }
            let mut ach_own = [0_i64; 12];
            let mut ach_kids = vec![[0_i64; 12]; kids.len()];
            for (month, t) in tallies::by_month(c, &ids, Measure::Decided, from, until)? {
                if counts_for_target(&DecisionKey::parse(&t.key)) {
                    let m = month_index(month);
                    split.apply(&t, &mut ach_own, &mut ach_kids, |a, sign| {
                        a[m] += sign * t.n;
                    });
                }
            }
            let mut monthly = ach_own;
            for k in &ach_kids {
                for (a, b) in monthly.iter_mut().zip(k) {
                    *a += b;
                }
            }
            let baseline = base_own + base_kids.iter().sum::<i64>();
            let main = line(share, share_from, baseline, &monthly, elapsed);
            let expected = target::schedule(main.target);
            let mut cumulative = 0;
            let months = (0..12)
                .map(|i| {
                    cumulative += monthly[i];
                    MonthProgress {
                        month: u32::try_from(i + 1).unwrap_or(12),
                        achieved: monthly[i],
                        cumulative,
                        expected: expected[i],
                    }
                })
                .collect();

            let mut children = Vec::with_capacity(kids.len());
            for (i, k) in kids.into_iter().enumerate() {
                let mut chain_k = vec![(k.id.0, set.get(&k.id).map(|v| share_bp(*v)))];
                chain_k.extend(nearest_first.iter().copied());
                let s = Share::resolve(&chain_k, plan, year);
                let from = inherited_from(c, &mut names, &s)?;
                children.push(ChildProgress {
                    union: k,
                    rank: 0,
                    line: line(s, from, base_kids[i], &ach_kids[i], elapsed),
                });
            }
            children.sort_by(|a, b| {
                target::rank_order(
                    (a.line.achieved, a.line.target),
                    (b.line.achieved, b.line.target),
                )
                .then_with(|| a.union.id.cmp(&b.union.id))
            });
            for (i, ch) in children.iter_mut().enumerate() {
                ch.rank = i + 1;
            }
            let own_share = match store::share_of(c, u.id, year)? {
                Some((bp, by, at)) => {
                    let by_name = match by {
                        Some(uid) => {
                            bangfu_storage::users::find_unscoped(c, bangfu_domain::UserId(uid))?
                                .map(|x| x.display_name)
                        }
                        None => None,
                    };
                    Some((share_bp(bp), by_name, at))
                }
                None => None,
            };
            Ok(Progress {
                union: u,
                ancestors,
                year,
                plan,
                elapsed,
                line: main,
                own_share,
                months,
                children,
            })
        })
        .await
    }

    /// Sets a union's own share of its baseline for a year (a percentage,
    /// up to two decimals, 0–100 %). Needs `ManageTargets`; audited.
    pub async fn target_set(
        &self,
        actor: &Actor,
        union: UnionId,
        year: i32,
        share_percent: &str,
    ) -> Result<Progress, ServiceError> {
        actor.require(Permission::ManageTargets)?;
        let year = target::check_year(year)?;
        let bp = target::parse_share_percent(share_percent)?;
        self.target_write(actor, union, year, Some(bp)).await?;
        self.target_progress(actor, Some(union), year).await
    }

    /// Clears a union's own share for a year: it inherits again. Needs
    /// `ManageTargets`; audited when there was one to clear.
    pub async fn target_clear(
        &self,
        actor: &Actor,
        union: UnionId,
        year: i32,
    ) -> Result<Progress, ServiceError> {
        actor.require(Permission::ManageTargets)?;
        let year = target::check_year(year)?;
        self.target_write(actor, union, year, None).await?;
        self.target_progress(actor, Some(union), year).await
    }

    async fn target_write(
        &self,
        actor: &Actor,
        union: UnionId,
        year: i32,
        bp: Option<u32>,
    ) -> Result<(), ServiceError> {
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let u = find_union(c, &scope, union)?;
            let before = store::share_of(c, u.id, year)?;
            let snap = |bp: Option<u32>| {
                bp.map(|b| {
                    json!({
                        "union_id": u.id.0,
                        "year": year,
                        "share_bp": b,
                        "share": target::format_share(b),
                    })
                })
            };
            match bp {
                Some(b) => {
                    let v = i32::try_from(b)
                        .map_err(|_| ValidationError::new("share", "目标比例无效"))?;
                    store::set_share(c, u.id, year, v, Some(a.user.id.0), crate::now())?;
                }
                None => {
                    if before.is_none() || !store::clear_share(c, u.id, year)? {
                        // Nothing of its own to clear: nothing changes.
                        return Ok(());
                    }
                }
            }
            crate::audit::write(
                c,
                crate::audit::Who::Actor(&a),
                crate::audit::Record::change(
                    Action::SetTarget,
                    "target",
                    format!("{}/{year}", u.id.0),
                    (u.id.0, &u.path),
                    snap(before.map(|b| share_bp(b.0))),
                    snap(bp).or_else(|| {
                        Some(json!({ "union_id": u.id.0, "year": year, "cleared": true }))
                    }),
                ),
            )?;
            Ok(())
        })
        .await
    }
}
