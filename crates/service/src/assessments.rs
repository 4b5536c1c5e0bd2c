//! Assessment (考核评价, docs/rules.md §8.3): an administrator of a union
//! defines a scheme for one level beneath it and a year; scoring counts the
//! computed items for every union of that level in the subtree (one grouped
//! query per source, rolled up here by path) and keeps the counts; scores
//! are entered by hand with evidence; the report adds them up per union and
//! ranks each among its siblings.
//!
//! A scheme is read by anyone with `ReadStats` in the subtree of its union
//! or above it; a union below sees its own rows only (the ranks among its
//! siblings are shown as numbers, never the siblings' scores).

use crate::audit::{Owned, Record, Who};
use crate::clock::{now, today};
use crate::uploads::{check_each, Upload};
use crate::{Actor, ServiceError, Services};
use bangfu_domain::assessment::{
    check_items, format_points, parse_level, parse_points, parse_title, ranks, Item, Ratio,
    RawItem, Source,
};
use bangfu_domain::assistance::visit_cutoff;
use bangfu_domain::audit::Action;
use bangfu_domain::household::Cohort;
use bangfu_domain::target::{self, Share};
use bangfu_domain::{Permission, UnionId, UnionLevel, UnionPath, ValidationError};
use bangfu_storage::assessments::{self as store, Assessed, NewEntry, NewScheme, Score, Window};
use bangfu_storage::{stats, unions, Conn, Scope};
use chrono::{Datelike, NaiveDate};
use serde_json::json;
use std::collections::HashMap;

pub use bangfu_storage::assessments::{Entry, Scheme, StoredItem};

/// A scheme as typed in the form or the API.
#[derive(Debug, Clone, Default)]
pub struct SchemeInput {
    /// The assessing union (default: the caller's own).
    pub union_id: Option<i64>,
    /// The level assessed (code or label).
    pub level: String,
    pub year: i32,
    pub title: String,
    pub items: Vec<RawItem>,
}

/// A score typed by hand.
#[derive(Debug, Clone, Default)]
pub struct EntryInput {
    pub item_id: i64,
    pub union_id: i64,
    /// Points, up to two decimals.
    pub points: String,
    pub note: String,
    pub document: Option<Upload>,
}

/// One union's result on one item.
#[derive(Debug, Clone)]
pub struct ItemResult {
    pub item_id: i64,
    /// Hundredths of a point; `None`: not scored or entered yet.
    pub points: Option<i64>,
    /// A computed item's count.
    pub ratio: Option<Ratio>,
    /// An entered score's evidence.
    pub entry: Option<Entry>,
}

/// One assessed union's line of the report.
#[derive(Debug, Clone)]
pub struct UnionResult {
    pub union_id: i64,
    pub name: String,
    pub parent_id: Option<i64>,
    pub parent_name: String,
    /// One per item in the scheme's order.
    pub items: Vec<ItemResult>,
    /// Hundredths of a point.
    pub total: i64,
    /// Among the unions of the same parent.
    pub rank: usize,
    pub siblings: usize,
    /// Among every union assessed.
    pub rank_all: usize,
    /// Items not yet scored or entered.
    pub missing: usize,
}

/// An area's items and their weight.
#[derive(Debug, Clone)]
pub struct Area {
    pub name: String,
    pub weight: u32,
    pub items: usize,
}

/// What the report page shows: the scheme, its areas and one line per
/// assessed union in the caller's scope, best first.
#[derive(Debug, Clone)]
pub struct Report {
    pub scheme: Scheme,
    pub areas: Vec<Area>,
    pub unions: Vec<UnionResult>,
    /// How many unions the scheme assesses (also those outside the scope).
    pub assessed: usize,
    /// The caller may edit, score and enter.
    pub can_manage: bool,
    /// The items may still be changed (nothing scored or entered).
    pub editable: bool,
}

/// A union's result under one scheme: its history is a list of these.
#[derive(Debug, Clone)]
pub struct HistoryLine {
    pub scheme_id: i64,
    pub year: i32,
    pub title: String,
    pub assessing_union: String,
    pub total: i64,
    pub rank: usize,
    pub siblings: usize,
    pub missing: usize,
}

/// A union's history: its name and its results, newest year first.
#[derive(Debug, Clone)]
pub struct History {
    pub union_id: i64,
    pub name: String,
    pub lines: Vec<HistoryLine>,
}

impl Owned for Scheme {
    fn owner(&self) -> (i64, &UnionPath) {
        (self.union_id.0, &self.union_path)
    }
}

/// The year of a scheme: 2000–2100.
fn check_year(year: i32) -> Result<i32, ValidationError> {
    if (2000..=2100).contains(&year) {
        Ok(year)
    } else {
        Err(ValidationError::new(
            "year",
            format!("考核年度“{year}”无效，应为 2000–2100"),
        ))
    }
}

/// A scheme the caller may read, or not found.
fn find(c: &mut Conn, scope: &Scope, id: i64) -> Result<Scheme, ServiceError> {
    store::find(c, scope, id)?.ok_or(ServiceError::NotFound("考核方案"))
}

/// A scheme the caller may manage: its union is in the caller's subtree.
fn find_managed(
    c: &mut Conn,
    actor: &Actor,
    scope: &Scope,
    id: i64,
) -> Result<Scheme, ServiceError> {
    actor.require(Permission::ManageAssessments)?;
    let s = find(c, scope, id)?;
    if !scope.contains(&s.union_path) {
        return Err(ServiceError::Forbidden);
    }
    Ok(s)
}

/// The levels below `level`, in order: a union assesses one of them.
fn below(level: UnionLevel) -> &'static [UnionLevel] {
    use UnionLevel::*;
    match level {
        National => &[Province, City, County, Grassroots],
        Province => &[City, County, Grassroots],
        City => &[County, Grassroots],
        County | Industry => &[Grassroots],
        Grassroots => &[],
    }
}

/// Maps a stored union path to the assessed union it lies under.
struct Buckets {
    index: HashMap<String, usize>,
}

impl Buckets {
    fn new(paths: &[&UnionPath]) -> Self {
        Self {
            index: paths
                .iter()
                .enumerate()
                .map(|(i, p)| (p.as_str().to_owned(), i))
                .collect(),
        }
    }

    /// The assessed union whose subtree holds `path`: the first prefix of
    /// it (at a `/`) that is one of theirs.
    fn of(&self, path: &str) -> Option<usize> {
        path.match_indices('/')
            .map(|(i, _)| &path[..=i])
            .find_map(|p| self.index.get(p).copied())
    }
}

/// The period counted: the year to its end, or to today in the current
/// year; refused before the year begins.
fn window(year: i32, today: NaiveDate, visit_days: u32) -> Result<Window, ServiceError> {
    let (Some(from), Some(to)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) else {
        return Err(ValidationError::new("year", "年份无效").into());
    };
    if today < from {
        return Err(ServiceError::Rule(format!(
            "{year} 年尚未开始，不能计算考核得分"
        )));
    }
    let as_of = today.min(to);
    Ok(Window {
        from,
        to,
        as_of,
        visit_cutoff: visit_cutoff(as_of, visit_days),
        year,
    })
}

/// Each assessed union's target progress for the year: achieved over
/// target, the target from the union's share (its own, its nearest
/// ancestor's, or the default plan's) of its baseline cohort.
fn target_ratios(
    c: &mut Conn,
    scheme: &Scheme,
    assessed: &[Assessed],
    buckets: &Buckets,
    w: &Window,
    plan: target::DefaultPlan,
) -> Result<Vec<Ratio>, ServiceError> {
    let scope = Scope::of(scheme.union_path.clone());
    let mut baseline = vec![0_i64; assessed.len()];
    for (path, cohort, n) in stats::filings(c, &scope, &scheme.union_path, w.to)? {
        if cohort == Cohort::Baseline.code() {
            if let Some(i) = buckets.of(&path) {
                baseline[i] += n;
            }
        }
    }
    let mut achieved = vec![0_i64; assessed.len()];
    for (path, _, n) in stats::achieved(c, &scope, &scheme.union_path, w.from, w.to)? {
        if let Some(i) = buckets.of(&path) {
            achieved[i] += n;
        }
    }
    for (path, _, n) in stats::achieved_revoked(c, &scope, &scheme.union_path, w.from, w.to)? {
        if let Some(i) = buckets.of(&path) {
            achieved[i] -= n;
        }
    }
    let mut ids: Vec<UnionId> = assessed.iter().flat_map(|a| a.path.ids()).collect();
    ids.sort_unstable_by_key(|u| u.0);
    ids.dedup();
    let set = stats::shares(c, &ids, w.year)?;
    Ok(assessed
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let chain: Vec<(i64, Option<u32>)> = a
                .path
                .ids()
                .iter()
                .rev()
                .map(|id| {
                    (
                        id.0,
                        set.get(id)
                            .map(|v| u32::try_from((*v).clamp(0, 10_000)).unwrap_or(0)),
                    )
                })
                .collect();
            let share = Share::resolve(&chain, plan, w.year);
            Ratio {
                numerator: achieved[i],
                denominator: target::target_count(baseline[i], share.bp),
            }
        })
        .collect())
}

/// The report of a scheme as the scope sees it.
fn report(
    c: &mut Conn,
    actor: &Actor,
    scope: &Scope,
    scheme: Scheme,
) -> Result<Report, ServiceError> {
    let assessed = store::assessed_unions(c, &scheme.union_path, scheme.level)?;
    let scores = store::scores(c, scheme.id)?;
    let entries = store::entries(c, scheme.id)?;
    let computed: HashMap<(i64, i64), Score> = scores
        .into_iter()
        .map(|s| ((s.item_id, s.union_id.0), s))
        .collect();
    let mut entered: HashMap<(i64, i64), Entry> = entries
        .into_iter()
        .map(|e| ((e.item_id, e.union_id.0), e))
        .collect();
    let mut lines: Vec<UnionResult> = assessed
        .iter()
        .map(
            |Assessed {
                 id,
                 parent_id: parent,
                 name,
                 parent_name,
                 ..
             }| {
                let items: Vec<ItemResult> = scheme
                    .items
                    .iter()
                    .map(|it| {
                        let key = (it.id, id.0);
                        if it.item.source.computed() {
                            let s = computed.get(&key);
                            ItemResult {
                                item_id: it.id,
                                points: s.map(|s| s.points),
                                ratio: s.map(|s| Ratio {
                                    numerator: s.numerator,
                                    denominator: s.denominator,
                                }),
                                entry: None,
                            }
                        } else {
                            let e = entered.remove(&key);
                            ItemResult {
                                item_id: it.id,
                                points: e.as_ref().map(|e| e.points),
                                ratio: None,
                                entry: e,
                            }
                        }
                    })
                    .collect();
                UnionResult {
                    union_id: id.0,
                    name: name.clone(),
                    parent_id: parent.map(|p| p.0),
                    parent_name: parent_name.clone(),
                    total: items.iter().filter_map(|i| i.points).sum(),
                    missing: items.iter().filter(|i| i.points.is_none()).count(),
                    items,
                    rank: 0,
                    siblings: 0,
                    rank_all: 0,
                }
            },
        )
        .collect();
    let totals: Vec<i64> = lines.iter().map(|l| l.total).collect();
    let all = ranks(&totals);
    let mut by_parent: HashMap<Option<i64>, Vec<usize>> = HashMap::new();
    for (i, l) in lines.iter().enumerate() {
        by_parent.entry(l.parent_id).or_default().push(i);
    }
    for group in by_parent.values() {
        let t: Vec<i64> = group.iter().map(|i| totals[*i]).collect();
        for (i, r) in group.iter().zip(ranks(&t)) {
            lines[*i].rank = r;
            lines[*i].siblings = group.len();
        }
    }
    for (l, r) in lines.iter_mut().zip(all) {
        l.rank_all = r;
    }
    let assessed_count = lines.len();
    let paths: HashMap<i64, &UnionPath> = assessed.iter().map(|a| (a.id.0, &a.path)).collect();
    lines.retain(|l| paths.get(&l.union_id).is_some_and(|p| scope.contains(p)));
    lines.sort_by(|a, b| {
        a.rank_all
            .cmp(&b.rank_all)
            .then(a.union_id.cmp(&b.union_id))
    });
    let mut areas: Vec<Area> = Vec::new();
    for it in &scheme.items {
        match areas.iter_mut().find(|a| a.name == it.item.area) {
            Some(a) => {
                a.weight += it.item.weight;
                a.items += 1;
            }
            None => areas.push(Area {
                name: it.item.area.clone(),
                weight: it.item.weight,
                items: 1,
            }),
        }
    }
    let can_manage = actor.can(Permission::ManageAssessments) && scope.contains(&scheme.union_path);
    Ok(Report {
        editable: !store::has_results(c, scheme.id)?,
        scheme,
        areas,
        unions: lines,
        assessed: assessed_count,
        can_manage,
    })
}

/// The computed items' counts of every union a scheme assesses: how many
/// unions, and one score per computed item and union.
fn count_scheme(
    c: &mut Conn,
    scheme: &Scheme,
    w: &Window,
    plan: target::DefaultPlan,
) -> Result<(usize, Vec<Score>), ServiceError> {
    let assessed = store::assessed_unions(c, &scheme.union_path, scheme.level)?;
    let paths: Vec<&UnionPath> = assessed.iter().map(|a| &a.path).collect();
    let buckets = Buckets::new(&paths);
    let mut by_source: HashMap<Source, Vec<Ratio>> = HashMap::new();
    let on_file_sources = [Source::PlanShare, Source::Paired, Source::Visited];
    if scheme
        .items
        .iter()
        .any(|i| on_file_sources.contains(&i.item.source))
    {
        let mut r = [
            vec![Ratio::default(); assessed.len()],
            vec![Ratio::default(); assessed.len()],
            vec![Ratio::default(); assessed.len()],
        ];
        for row in store::on_file_counts(c, &scheme.union_path, w)? {
            if let Some(i) = buckets.of(&row.path) {
                for (ratios, n) in r.iter_mut().zip([row.planned, row.paired, row.visited]) {
                    ratios[i].numerator += n;
                    ratios[i].denominator += row.on_file;
                }
            }
        }
        for (s, ratios) in on_file_sources.into_iter().zip(r) {
            by_source.insert(s, ratios);
        }
    }
    for it in &scheme.items {
        let s = it.item.source;
        if !s.computed() || by_source.contains_key(&s) {
            continue;
        }
        let ratios = if s == Source::TargetProgress {
            target_ratios(c, scheme, &assessed, &buckets, w, plan)?
        } else {
            let mut r = vec![Ratio::default(); assessed.len()];
            for (path, n, d) in store::counts(c, &scheme.union_path, s, w)? {
                if let Some(i) = buckets.of(&path) {
                    r[i].numerator += n;
                    r[i].denominator += d;
                }
            }
            r
        };
        by_source.insert(s, ratios);
    }
    let mut scores = Vec::new();
    for it in scheme.items.iter().filter(|i| i.item.source.computed()) {
        let Some(ratios) = by_source.get(&it.item.source) else {
            continue;
        };
        for (u, r) in assessed.iter().zip(ratios) {
            scores.push(Score {
                item_id: it.id,
                union_id: u.id,
                numerator: r.numerator,
                denominator: r.denominator,
                points: r.points(it.item.weight),
            });
        }
    }
    Ok((assessed.len(), scores))
}

fn audit_items(items: &[Item]) -> serde_json::Value {
    json!(items
        .iter()
        .map(|i| json!({"area": i.area, "name": i.name, "weight": i.weight, "source": i.source.code()}))
        .collect::<Vec<_>>())
}

impl Services {
    /// Defines a scheme: the assessing union (in the caller's subtree), a
    /// level below it, a year, a title and items whose weights add up.
    /// Needs `ManageAssessments`; one scheme per union, level and year.
    pub async fn assessment_create(
        &self,
        actor: &Actor,
        input: SchemeInput,
    ) -> Result<Report, ServiceError> {
        actor.require(Permission::ManageAssessments)?;
        let mut r = bangfu_domain::Refusals::new();
        let title = r.take(parse_title(&input.title));
        let level = r.take(parse_level(&input.level));
        let year = r.take(check_year(input.year));
        let items = match check_items(&input.items) {
            Ok(items) => Some(items),
            Err(e) => {
                r.extend(e.into_vec());
                None
            }
        };
        r.check()?;
        let (Some(title), Some(level), Some(year), Some(items)) = (title, level, year, items)
        else {
            return Err(ServiceError::Internal("refusals checked".into()));
        };
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let u = unions::find(c, &scope, input.union_id.map_or(a.user.union_id, UnionId))?
                .ok_or(ServiceError::NotFound("工会"))?;
            if !below(u.level).contains(&level) {
                return Err(ServiceError::Rule(format!(
                    "{}（{}）不能考核{}：只能考核下级工会",
                    u.name,
                    u.level.label(),
                    level.label()
                )));
            }
            let taken = store::list(c, &Scope::of(u.path.clone()), Some(year))?
                .into_iter()
                .any(|s| s.union_id == u.id && s.level == level);
            if taken {
                return Err(ServiceError::Conflict {
                    field: "year",
                    message: format!("{} 已有 {year} 年考核{}的方案，请修改原方案", u.name, level.label()),
                });
            }
            let id = store::insert(
                c,
                &NewScheme {
                    union_id: u.id,
                    union_path: &u.path,
                    level,
                    year,
                    title: &title,
                    created_by: a.user.id.0,
                },
                &items,
                now(),
            )?;
            let scheme = find(c, &scope, id)?;
            Record::of(Action::EditAssessment, "assessment", id, scheme.owner())
                .after(json!({"title": title, "level": level.code(), "year": year, "items": audit_items(&items)}))
                .write(c, Who::Actor(&a))?;
            report(c, &a, &scope, scheme)
        })
        .await
    }

    /// Replaces a scheme's title and items (at `version`), while nothing
    /// has been scored or entered under it.
    pub async fn assessment_update(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        title: &str,
        items: &[RawItem],
    ) -> Result<Report, ServiceError> {
        let mut r = bangfu_domain::Refusals::new();
        let title = r.take(parse_title(title));
        let items = match check_items(items) {
            Ok(items) => Some(items),
            Err(e) => {
                r.extend(e.into_vec());
                None
            }
        };
        r.check()?;
        let (Some(title), Some(items)) = (title, items) else {
            return Err(ServiceError::Internal("refusals checked".into()));
        };
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let before = find_managed(c, &a, &scope, id)?;
            if store::has_results(c, id)? {
                return Err(ServiceError::Rule(
                    "该方案已计算或录入评分，指标不能再修改".into(),
                ));
            }
            if !store::replace(c, id, version, &title, &items, now())? {
                return Err(ServiceError::Conflict {
                    field: "version",
                    message: "方案已被他人修改，请刷新后重试".into(),
                });
            }
            let old: Vec<Item> = before.items.iter().map(|i| i.item.clone()).collect();
            Record::of(Action::EditAssessment, "assessment", id, before.owner())
                .before(json!({"title": before.title, "items": audit_items(&old)}))
                .after(json!({"title": title, "items": audit_items(&items)}))
                .write(c, Who::Actor(&a))?;
            let scheme = find(c, &scope, id)?;
            report(c, &a, &scope, scheme)
        })
        .await
    }

    /// The schemes the caller may read, newest first (optionally of one year).
    pub async fn assessment_list(
        &self,
        actor: &Actor,
        year: Option<i32>,
    ) -> Result<Vec<Scheme>, ServiceError> {
        actor.require(Permission::ReadStats)?;
        let scope = actor.scope();
        self.read(move |c| Ok(store::list(c, &scope, year)?)).await
    }

    /// A scheme's report: every assessed union in the caller's scope with
    /// its score per item, total and ranks.
    pub async fn assessment_report(&self, actor: &Actor, id: i64) -> Result<Report, ServiceError> {
        actor.require(Permission::ReadStats)?;
        let scope = actor.scope();
        let a = actor.clone();
        self.read(move |c| {
            let scheme = find(c, &scope, id)?;
            report(c, &a, &scope, scheme)
        })
        .await
    }

    /// Counts the computed items for every union assessed and keeps the
    /// counts (the earlier ones are replaced). A past year once scored
    /// after its end stays as it was: history does not change.
    pub async fn assessment_score(&self, actor: &Actor, id: i64) -> Result<Report, ServiceError> {
        let scope = actor.scope();
        let a = actor.clone();
        let visit_days = self.settings().visit_interval_days;
        let plan = self.settings().target_plan;
        let today = today();
        // Counted in a read transaction (one consistent snapshot), so that
        // a national scoring holds no write lock while it counts; written
        // in a short one, if the items did not change in between.
        let (r_scope, r_actor) = (scope.clone(), a.clone());
        let (version, as_of, unions, scores) = self
            .read(move |c| {
                let scheme = find_managed(c, &r_actor, &r_scope, id)?;
                let w = window(scheme.year, today, visit_days)?;
                if scheme.scored_as_of == Some(w.to) {
                    return Err(ServiceError::Rule(format!(
                        "{} 年考核已按年末数据计算，结果不再变动",
                        scheme.year
                    )));
                }
                let (unions, scores) = count_scheme(c, &scheme, &w, plan)?;
                Ok((scheme.version, w.as_of, unions, scores))
            })
            .await?;
        self.write(move |c| {
            let scheme = find_managed(c, &a, &scope, id)?;
            if scheme.version != version {
                return Err(ServiceError::Conflict {
                    field: "version",
                    message: "计算期间考核指标被修改，请重新计算".into(),
                });
            }
            store::replace_scores(c, id, &scores, as_of, now())?;
            Record::of(Action::ScoreAssessment, "assessment", id, scheme.owner())
                .after(
                    json!({"as_of": as_of.to_string(), "unions": unions, "scores": scores.len()}),
                )
                .write(c, Who::Actor(&a))?;
            let scheme = find(c, &scope, id)?;
            report(c, &a, &scope, scheme)
        })
        .await
    }

    /// Enters (or corrects) a score by hand for one union on one item
    /// entered by hand, with a note of its evidence; a third-party
    /// evaluation needs its document (kept from before when not sent again).
    pub async fn assessment_enter(
        &self,
        actor: &Actor,
        id: i64,
        input: EntryInput,
    ) -> Result<Report, ServiceError> {
        let scope = actor.scope();
        let a = actor.clone();
        let checked = match &input.document {
            Some(doc) if !doc.bytes.is_empty() => {
                let (ok, refusals) = check_each(std::slice::from_ref(doc), 0);
                refusals.check()?;
                ok.into_iter().next()
            }
            _ => None,
        };
        self.write(move |c| {
            let scheme = find_managed(c, &a, &scope, id)?;
            let item = scheme
                .items
                .iter()
                .find(|i| i.id == input.item_id)
                .ok_or(ServiceError::NotFound("考核指标"))?;
            if item.item.source.computed() {
                return Err(ServiceError::Rule(format!(
                    "“{}”由系统计算（{}），不能人工录入",
                    item.item.name,
                    item.item.source.label()
                )));
            }
            let assessed = store::assessed_unions(c, &scheme.union_path, scheme.level)?;
            let union = assessed
                .iter()
                .find(|u| u.id.0 == input.union_id)
                .ok_or(ServiceError::NotFound("被考核工会"))?;
            let points = parse_points(&input.points, item.item.weight)?;
            let note = input.note.trim();
            if note.is_empty() {
                return Err(ValidationError::new("note", "请写明评分依据（佐证材料）").into());
            }
            if note.chars().count() > 500 {
                return Err(ValidationError::new("note", "评分依据最多 500 字").into());
            }
            let had_document = store::document(c, id, item.id, union.id)?.is_some();
            if item.item.source.needs_document() && checked.is_none() && !had_document {
                return Err(ValidationError::new("document", "第三方评估须上传评估报告").into());
            }
            store::upsert_entry(
                c,
                &NewEntry {
                    scheme_id: id,
                    item_id: item.id,
                    union_id: union.id,
                    points,
                    note,
                    document: checked
                        .as_ref()
                        .map(|(n, t, b)| (n.as_str(), t.as_str(), b.as_slice())),
                    entered_by: a.user.id.0,
                },
                now(),
            )?;
            Record::of(
                Action::EnterAssessmentScore,
                "assessment",
                id,
                (union.id.0, &union.path),
            )
            .after(json!({
                "item": item.item.name,
                "union_id": union.id.0,
                "points": format_points(points),
                "note": note,
                "document": checked.as_ref().map(|d| d.0.clone()),
            }))
            .write(c, Who::Actor(&a))?;
            report(c, &a, &scope, scheme)
        })
        .await
    }

    /// The evidence document of an entered score: (name, type, bytes).
    pub async fn assessment_document(
        &self,
        actor: &Actor,
        id: i64,
        item_id: i64,
        union_id: i64,
    ) -> Result<(String, String, Vec<u8>), ServiceError> {
        actor.require(Permission::ReadStats)?;
        let scope = actor.scope();
        self.read(move |c| {
            find(c, &scope, id)?;
            let u = unions::find(c, &scope, UnionId(union_id))?
                .ok_or(ServiceError::NotFound("工会"))?;
            store::document(c, id, item_id, u.id)?.ok_or(ServiceError::NotFound("佐证材料"))
        })
        .await
    }

    /// A union's results under every scheme that assessed it, newest first.
    pub async fn assessment_history(
        &self,
        actor: &Actor,
        union_id: i64,
    ) -> Result<History, ServiceError> {
        actor.require(Permission::ReadStats)?;
        let scope = actor.scope();
        let a = actor.clone();
        self.read(move |c| {
            let u = unions::find(c, &scope, UnionId(union_id))?
                .ok_or(ServiceError::NotFound("工会"))?;
            let mut lines = Vec::new();
            for s in store::list(c, &scope, None)? {
                if s.level != u.level
                    || !Scope::of(s.union_path.clone()).contains(&u.path)
                    || s.union_id == u.id
                {
                    continue;
                }
                let scheme = find(c, &scope, s.id)?;
                let r = report(c, &a, &scope, scheme)?;
                if let Some(l) = r.unions.iter().find(|l| l.union_id == u.id.0) {
                    lines.push(HistoryLine {
                        scheme_id: s.id,
                        year: s.year,
                        title: s.title.clone(),
                        assessing_union: s.union_name.clone(),
                        total: l.total,
                        rank: l.rank,
                        siblings: l.siblings,
                        missing: l.missing,
                    });
                }
            }
            Ok(History {
                union_id: u.id.0,
                name: u.name,
                lines,
            })
        })
        .await
    }
}

/// The year a scheme form starts with: this year.
pub fn this_year() -> i32 {
    today().year()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_falls_in_the_assessed_union_above_it() {
        let a = UnionPath::from_stored("/1/5/".into());
        let b = UnionPath::from_stored("/1/6/".into());
        let buckets = Buckets::new(&[&a, &b]);
        assert_eq!(buckets.of("/1/5/"), Some(0));
        assert_eq!(buckets.of("/1/5/23/77/"), Some(0));
        assert_eq!(buckets.of("/1/6/9/"), Some(1));
        assert_eq!(buckets.of("/1/"), None);
        assert_eq!(buckets.of("/1/55/"), None);
    }

    #[test]
    fn a_union_assesses_the_levels_below_it() {
        assert_eq!(below(UnionLevel::County), &[UnionLevel::Grassroots]);
        assert!(below(UnionLevel::Grassroots).is_empty());
        assert!(below(UnionLevel::Province).contains(&UnionLevel::County));
    }

    #[test]
    fn the_window_ends_today_in_the_current_year() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
        let w = window(2026, d(2026, 12, 6), 90).expect("window");
        assert_eq!((w.as_of, w.to), (d(2026, 12, 6), d(2026, 12, 31)));
        let w = window(2025, d(2026, 12, 6), 90).expect("window");
        assert_eq!(w.as_of, d(2025, 12, 31));
        assert!(window(2027, d(2026, 12, 6), 90).is_err());
    }
}
