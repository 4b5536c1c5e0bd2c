//! Assessment (考核评价, docs/rules.md §8.3): schemes and their items, the
//! scores entered by hand with their evidence, the computed items' counts
//! of the last scoring, and the counts themselves — each computed source
//! one grouped query by union path over the scheme union's subtree, which
//! the service rolls up to the unions assessed.
//!
//! A scheme is seen by the users of its union's subtree and of its
//! ancestors (like a campaign): a county officer reads the province's
//! scheme that assesses their county.

use crate::db::{run, Conn};
use crate::query::{insert_returning_id, name_of, union_names, user_names};
use crate::schema::{
    application_steps, applications, assessment_entries, assessment_items, assessment_schemes,
    assessment_scores, campaign_tasks, campaigns, fund_findings, households, measures, plans,
    verification_findings,
};
use crate::{Scope, StorageError};
use bangfu_domain::application::Step;
use bangfu_domain::assessment::{Item, Source};
use bangfu_domain::assistance::{MeasureStatus, PlanStatus};
use bangfu_domain::household::Status;
use bangfu_domain::{UnionId, UnionLevel, UnionPath};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{count_star, exists};
use diesel::prelude::*;
use diesel::sql_types::Integer;

/// A scheme as stored, with its items in order.
#[derive(Debug, Clone)]
pub struct Scheme {
    pub id: i64,
    pub union_id: UnionId,
    pub union_name: String,
    pub union_path: UnionPath,
    pub level: UnionLevel,
    pub year: i32,
    pub title: String,
    pub items: Vec<StoredItem>,
    pub created_by_name: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub scored_at: Option<NaiveDateTime>,
    pub scored_as_of: Option<NaiveDate>,
    pub version: i64,
}

/// An item with its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredItem {
    pub id: i64,
    pub item: Item,
}

/// A scheme to write.
#[derive(Debug, Clone)]
pub struct NewScheme<'a> {
    pub union_id: UnionId,
    pub union_path: &'a UnionPath,
    pub level: UnionLevel,
    pub year: i32,
    pub title: &'a str,
    pub created_by: i64,
}

/// A score entered by hand (without the document's bytes).
#[derive(Debug, Clone)]
pub struct Entry {
    pub item_id: i64,
    pub union_id: UnionId,
    /// Hundredths of a point.
    pub points: i64,
    pub note: String,
    /// The evidence document: (name, type, size).
    pub document: Option<(String, String, i64)>,
    pub entered_by_name: String,
    pub entered_at: NaiveDateTime,
}

/// A score to enter.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub scheme_id: i64,
    pub item_id: i64,
    pub union_id: UnionId,
    pub points: i64,
    pub note: &'a str,
    /// (name, type, bytes); `None` keeps the document entered before.
    pub document: Option<(&'a str, &'a str, &'a [u8])>,
    pub entered_by: i64,
}

/// A computed item's count for one union (hundredths of a point).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Score {
    pub item_id: i64,
    pub union_id: UnionId,
    pub numerator: i64,
    pub denominator: i64,
    pub points: i64,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = assessment_schemes)]
struct Row {
    id: i64,
    union_id: i64,
    union_path: String,
    level: String,
    year: i32,
    title: String,
    created_by: Option<i64>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    scored_at: Option<NaiveDateTime>,
    scored_as_of: Option<NaiveDate>,
    version: i64,
}

fn corrupt(what: &str, id: i64, v: &str) -> StorageError {
    StorageError::Corrupt(format!("{what} {id}: {v}"))
}

fn items_of(conn: &mut Conn, scheme_ids: &[i64]) -> Result<Vec<(i64, StoredItem)>, StorageError> {
    let rows: Vec<(i64, i64, String, String, i32, String)> = run!(conn, c => assessment_items::table
        .filter(assessment_items::scheme_id.eq_any(scheme_ids))
        .order((assessment_items::scheme_id, assessment_items::position))
        .select((
            assessment_items::scheme_id,
            assessment_items::id,
            assessment_items::area,
            assessment_items::name,
            assessment_items::weight,
            assessment_items::source,
        ))
        .load(c))?;
    rows.into_iter()
        .map(|(scheme, id, area, name, weight, source)| {
            Ok((
                scheme,
                StoredItem {
                    id,
                    item: Item {
                        source: Source::parse(&source)
                            .map_err(|_| corrupt("assessment item", id, &source))?,
                        weight: u32::try_from(weight)
                            .map_err(|_| corrupt("assessment item", id, "weight"))?,
                        area,
                        name,
                    },
                },
            ))
        })
        .collect()
}

fn assemble(
    conn: &mut Conn,
    rows: Vec<Row>,
    with_items: bool,
) -> Result<Vec<Scheme>, StorageError> {
    let unions = union_names(conn, rows.iter().map(|r| r.union_id))?;
    let people = user_names(conn, rows.iter().filter_map(|r| r.created_by))?;
    let mut items = if with_items {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        items_of(conn, &ids)?
    } else {
        Vec::new()
    };
    rows.into_iter()
        .map(|r| {
            let mine: Vec<StoredItem> = items
                .iter()
                .filter(|(s, _)| *s == r.id)
                .map(|(_, i)| i.clone())
                .collect();
            items.retain(|(s, _)| *s != r.id);
            Ok(Scheme {
                level: UnionLevel::parse(&r.level)
                    .map_err(|_| corrupt("assessment scheme", r.id, &r.level))?,
                id: r.id,
                union_name: name_of(&unions, r.union_id),
                union_id: UnionId(r.union_id),
                union_path: UnionPath::from_stored(r.union_path),
                year: r.year,
                title: r.title,
                items: mine,
                created_by_name: r
                    .created_by
                    .map(|u| name_of(&people, u))
                    .unwrap_or_default(),
                created_at: r.created_at,
                updated_at: r.updated_at,
                scored_at: r.scored_at,
                scored_as_of: r.scored_as_of,
                version: r.version,
            })
        })
        .collect()
}

/// Writes a scheme and its items; returns its id. A scheme of the same
/// union, level and year already there is a conflict (the unique key).
pub fn insert(
    conn: &mut Conn,
    s: &NewScheme<'_>,
    items: &[Item],
    now: NaiveDateTime,
) -> Result<i64, StorageError> {
    let id = insert_returning_id!(
        conn,
        assessment_schemes,
        (
            assessment_schemes::union_id.eq(s.union_id.0),
            assessment_schemes::union_path.eq(s.union_path.as_str()),
            assessment_schemes::level.eq(s.level.code()),
            assessment_schemes::year.eq(s.year),
            assessment_schemes::title.eq(s.title),
            assessment_schemes::created_by.eq(Some(s.created_by)),
            assessment_schemes::created_at.eq(now),
            assessment_schemes::updated_at.eq(now),
            assessment_schemes::version.eq(0_i64),
        )
    )?;
    insert_items(conn, id, items)?;
    Ok(id)
}

fn insert_items(conn: &mut Conn, scheme_id: i64, items: &[Item]) -> Result<(), StorageError> {
    let rows: Vec<_> = items
        .iter()
        .enumerate()
        .map(|(i, it)| {
            (
                assessment_items::scheme_id.eq(scheme_id),
                assessment_items::position.eq(i32::try_from(i).unwrap_or(i32::MAX)),
                assessment_items::area.eq(it.area.as_str()),
                assessment_items::name.eq(it.name.as_str()),
                assessment_items::weight.eq(i32::try_from(it.weight).unwrap_or(i32::MAX)),
                assessment_items::source.eq(it.source.code()),
            )
        })
        .collect();
    run!(conn, c => diesel::insert_into(assessment_items::table).values(&rows).execute(c))?;
    Ok(())
}

/// Replaces a scheme's title and items at `version` (false: someone else
/// wrote first, nothing written). Only for a scheme with nothing scored
/// or entered yet (the service checks): its items have no rows hanging
/// off them.
pub fn replace(
    conn: &mut Conn,
    id: i64,
    version: i64,
    title: &str,
    items: &[Item],
    now: NaiveDateTime,
) -> Result<bool, StorageError> {
    let n = run!(conn, c => diesel::update(
        assessment_schemes::table
            .filter(assessment_schemes::id.eq(id))
            .filter(assessment_schemes::version.eq(version)),
    )
    .set((
        assessment_schemes::title.eq(title),
        assessment_schemes::updated_at.eq(now),
        assessment_schemes::version.eq(version + 1),
    ))
    .execute(c))?;
    if n != 1 {
        return Ok(false);
    }
    run!(conn, c => diesel::delete(assessment_items::table.filter(assessment_items::scheme_id.eq(id))).execute(c))?;
    insert_items(conn, id, items)?;
    Ok(true)
}

/// A scheme seen from the scope (its union is in the scope or above it).
pub fn find(conn: &mut Conn, scope: &Scope, id: i64) -> Result<Option<Scheme>, StorageError> {
    let paths = scope.ancestor_paths();
    let rows: Vec<Row> = run!(conn, c => assessment_schemes::table
        .filter(assessment_schemes::id.eq(id))
        .filter(
            scope
                .covers(assessment_schemes::union_path)
                .or(assessment_schemes::union_path.eq_any(&paths)),
        )
        .select(Row::as_select())
        .load(c))?;
    Ok(assemble(conn, rows, true)?.into_iter().next())
}

/// The schemes seen from the scope, newest year first, optionally of one
/// year (without their items).
pub fn list(
    conn: &mut Conn,
    scope: &Scope,
    year: Option<i32>,
) -> Result<Vec<Scheme>, StorageError> {
    let paths = scope.ancestor_paths();
    let rows: Vec<Row> = run!(conn, c => {
        let mut q = assessment_schemes::table
            .filter(
                scope
                    .covers(assessment_schemes::union_path)
                    .or(assessment_schemes::union_path.eq_any(&paths)),
            )
            .into_boxed();
        if let Some(y) = year {
            q = q.filter(assessment_schemes::year.eq(y));
        }
        q.order((assessment_schemes::year.desc(), assessment_schemes::id.desc()))
            .limit(500)
            .select(Row::as_select())
            .load(c)
    })?;
    assemble(conn, rows, false)
}

/// Whether anything was scored or entered under a scheme.
pub fn has_results(conn: &mut Conn, id: i64) -> Result<bool, StorageError> {
    let (a, b): (bool, bool) = run!(conn, c => {
        let a = diesel::select(exists(assessment_scores::table.filter(assessment_scores::scheme_id.eq(id)))).get_result(c)?;
        let b = diesel::select(exists(assessment_entries::table.filter(assessment_entries::scheme_id.eq(id)))).get_result(c)?;
        Ok::<_, diesel::result::Error>((a, b))
    })?;
    Ok(a || b)
}

/// Writes (or overwrites) a score entered by hand.
pub fn upsert_entry(
    conn: &mut Conn,
    e: &NewEntry<'_>,
    now: NaiveDateTime,
) -> Result<(), StorageError> {
    let key = assessment_entries::table
        .filter(assessment_entries::item_id.eq(e.item_id))
        .filter(assessment_entries::union_id.eq(e.union_id.0));
    let existed: bool = run!(conn, c => diesel::select(exists(key)).get_result(c))?;
    if existed {
        run!(conn, c => diesel::update(key)
            .set((
                assessment_entries::points.eq(e.points),
                assessment_entries::note.eq(e.note),
                assessment_entries::entered_by.eq(e.entered_by),
                assessment_entries::entered_at.eq(now),
            ))
            .execute(c))?;
        if let Some((name, ty, bytes)) = e.document {
            let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
            let bytes = conn.seal_bytes(crate::at_rest::files::ASSESSMENT, bytes)?;
            run!(conn, c => diesel::update(key)
                .set((
                    assessment_entries::document_name.eq(Some(name)),
                    assessment_entries::document_type.eq(Some(ty)),
                    assessment_entries::document_size.eq(Some(size)),
                    assessment_entries::document.eq(Some(&bytes)),
                ))
                .execute(c))?;
        }
        return Ok(());
    }
    let (name, ty, size, bytes) = match e.document {
        Some((n, t, b)) => (
            Some(n),
            Some(t),
            Some(i64::try_from(b.len()).unwrap_or(i64::MAX)),
            Some(conn.seal_bytes(crate::at_rest::files::ASSESSMENT, b)?),
        ),
        None => (None, None, None, None),
    };
    run!(conn, c => diesel::insert_into(assessment_entries::table)
        .values((
            assessment_entries::item_id.eq(e.item_id),
            assessment_entries::union_id.eq(e.union_id.0),
            assessment_entries::scheme_id.eq(e.scheme_id),
            assessment_entries::points.eq(e.points),
            assessment_entries::note.eq(e.note),
            assessment_entries::document_name.eq(name),
            assessment_entries::document_type.eq(ty),
            assessment_entries::document_size.eq(size),
            assessment_entries::document.eq(bytes),
            assessment_entries::entered_by.eq(e.entered_by),
            assessment_entries::entered_at.eq(now),
        ))
        .execute(c))?;
    Ok(())
}

type EntryRow = (
    i64,
    i64,
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
    i64,
    NaiveDateTime,
);

/// The scores entered under a scheme.
pub fn entries(conn: &mut Conn, scheme_id: i64) -> Result<Vec<Entry>, StorageError> {
    let rows: Vec<EntryRow> = run!(conn, c => assessment_entries::table
        .filter(assessment_entries::scheme_id.eq(scheme_id))
        .select((
            assessment_entries::item_id,
            assessment_entries::union_id,
            assessment_entries::points,
            assessment_entries::note,
            assessment_entries::document_name,
            assessment_entries::document_type,
            assessment_entries::document_size,
            assessment_entries::entered_by,
            assessment_entries::entered_at,
        ))
        .load(c))?;
    let people = user_names(conn, rows.iter().map(|r| r.7))?;
    Ok(rows
        .into_iter()
        .map(|r| Entry {
            item_id: r.0,
            union_id: UnionId(r.1),
            points: r.2,
            note: r.3,
            document: match (r.4, r.5, r.6) {
                (Some(n), Some(t), Some(s)) => Some((n, t, s)),
                _ => None,
            },
            entered_by_name: name_of(&people, r.7),
            entered_at: r.8,
        })
        .collect())
}

/// The evidence document of one entry: (name, type, bytes).
pub fn document(
    conn: &mut Conn,
    scheme_id: i64,
    item_id: i64,
    union_id: UnionId,
) -> Result<Option<(String, String, Vec<u8>)>, StorageError> {
    type Doc = (Option<String>, Option<String>, Option<Vec<u8>>);
    let row: Option<Doc> = run!(conn, c => assessment_entries::table
        .filter(assessment_entries::scheme_id.eq(scheme_id))
        .filter(assessment_entries::item_id.eq(item_id))
        .filter(assessment_entries::union_id.eq(union_id.0))
        .select((
            assessment_entries::document_name,
            assessment_entries::document_type,
            assessment_entries::document,
        ))
        .first(c)
        .optional())?;
    Ok(match row {
        Some((Some(n), Some(t), Some(b))) => Some((
            n,
            t,
            conn.open_bytes(crate::at_rest::files::ASSESSMENT, &b)?,
        )),
        _ => None,
    })
}

/// Replaces the computed counts of a scheme with those of a new scoring
/// and stamps it (one transaction, the caller's).
pub fn replace_scores(
    conn: &mut Conn,
    scheme_id: i64,
    scores: &[Score],
    as_of: NaiveDate,
    now: NaiveDateTime,
) -> Result<(), StorageError> {
    run!(conn, c => diesel::delete(assessment_scores::table.filter(assessment_scores::scheme_id.eq(scheme_id))).execute(c))?;
    for chunk in scores.chunks(1000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|s| {
                (
                    assessment_scores::item_id.eq(s.item_id),
                    assessment_scores::union_id.eq(s.union_id.0),
                    assessment_scores::scheme_id.eq(scheme_id),
                    assessment_scores::numerator.eq(s.numerator),
                    assessment_scores::denominator.eq(s.denominator),
                    assessment_scores::points.eq(s.points),
                )
            })
            .collect();
        run!(conn, c => diesel::insert_into(assessment_scores::table).values(&rows).execute(c))?;
    }
    run!(conn, c => diesel::update(assessment_schemes::table.filter(assessment_schemes::id.eq(scheme_id)))
        .set((
            assessment_schemes::scored_at.eq(Some(now)),
            assessment_schemes::scored_as_of.eq(Some(as_of)),
        ))
        .execute(c))?;
    Ok(())
}

/// The computed counts of a scheme's last scoring.
pub fn scores(conn: &mut Conn, scheme_id: i64) -> Result<Vec<Score>, StorageError> {
    let rows: Vec<(i64, i64, i64, i64, i64)> = run!(conn, c => assessment_scores::table
        .filter(assessment_scores::scheme_id.eq(scheme_id))
        .select((
            assessment_scores::item_id,
            assessment_scores::union_id,
            assessment_scores::numerator,
            assessment_scores::denominator,
            assessment_scores::points,
        ))
        .load(c))?;
    Ok(rows
        .into_iter()
        .map(|r| Score {
            item_id: r.0,
            union_id: UnionId(r.1),
            numerator: r.2,
            denominator: r.3,
            points: r.4,
        })
        .collect())
}

/// The period a scoring counts over.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// 1 January of the year.
    pub from: NaiveDate,
    /// 31 December of the year.
    pub to: NaiveDate,
    /// The day counted to: 31 December, or today in the current year.
    pub as_of: NaiveDate,
    /// Files whose visit clock started before this day are due a visit.
    pub visit_cutoff: NaiveDate,
    pub year: i32,
}

/// `SUM(CASE WHEN $cond THEN 1 ELSE 0 END)`: how many rows of a group meet
/// a condition, counted in the same pass as the group's size (an INTEGER
/// sum, which is BIGINT on both backends).
macro_rules! count_if {
    ($cond:expr) => {
        diesel::dsl::sum(
            diesel::dsl::case_when($cond, 1_i32.into_sql::<Integer>())
                .otherwise(0_i32.into_sql::<Integer>()),
        )
    };
}

/// The files on file of a subtree by union path, with how many of them
/// have an approved plan for the year, a pairing, and no visit due: the
/// three shares of the files on file, counted in one pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnFile {
    pub path: String,
    pub on_file: i64,
    pub planned: i64,
    pub paired: i64,
    pub visited: i64,
}

/// [`OnFile`] for every union path of the subtree.
pub fn on_file_counts(
    conn: &mut Conn,
    subtree: &UnionPath,
    w: &Window,
) -> Result<Vec<OnFile>, StorageError> {
    let scope = Scope::of(subtree.clone());
    let range = scope.range().clone();
    let cutoff = w.visit_cutoff;
    type Row = (String, i64, Option<i64>, Option<i64>, Option<i64>);
    let rows: Vec<Row> = run!(conn, c => households::table
        .filter(range.covers(households::union_path))
        .filter(households::status.eq(Status::OnFile.code()))
        .group_by(households::union_path)
        .select((
            households::union_path,
            count_star(),
            count_if!(exists(
                plans::table
                    .filter(plans::household_id.eq(households::id))
                    .filter(plans::year.eq(w.year))
                    .filter(plans::status.eq(PlanStatus::Approved.code())),
            )),
            count_if!(households::pairing_union_id.is_not_null()),
            count_if!(diesel::dsl::not(crate::plans::visit_due_before!(cutoff))),
        ))
        .load(c))?;
    Ok(rows
        .into_iter()
        .map(|(path, on_file, planned, paired, visited)| OnFile {
            path,
            on_file,
            planned: planned.unwrap_or(0),
            paired: paired.unwrap_or(0),
            visited: visited.unwrap_or(0),
        })
        .collect())
}

fn filled(rows: Vec<(String, i64, Option<i64>)>) -> Vec<(String, i64, i64)> {
    rows.into_iter()
        .map(|(p, d, n)| (p, n.unwrap_or(0), d))
        .collect()
}

/// What a computed source counts for the year, by union path: (path,
/// numerator, denominator), over the subtree, one pass each. The shares of
/// the files on file ([`Source::PlanShare`], [`Source::Paired`],
/// [`Source::Visited`]) come from [`on_file_counts`], and
/// [`Source::TargetProgress`] from the targets' own counts (the service's);
/// those and the sources entered by hand give nothing here.
pub fn counts(
    conn: &mut Conn,
    subtree: &UnionPath,
    source: Source,
    w: &Window,
) -> Result<Vec<(String, i64, i64)>, StorageError> {
    let scope = Scope::of(subtree.clone());
    let range = scope.range().clone();
    let from_at = w.from.and_hms_opt(0, 0, 0).unwrap_or_default();
    let until_at = w
        .as_of
        .succ_opt()
        .unwrap_or(w.as_of)
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default();
    let out = match source {
        Source::MeasuresOnTime => filled(run!(conn, c => measures::table
            .filter(range.covers(measures::union_path))
            .filter(measures::due_on.ge(w.from))
            .filter(measures::due_on.le(w.as_of))
            .filter(measures::status.ne(MeasureStatus::Cancelled.code()))
            .group_by(measures::union_path)
            .select((
                measures::union_path,
                count_star(),
                count_if!(measures::status
                    .eq(MeasureStatus::Done.code())
                    .and(measures::done_on.le(measures::due_on.nullable()))),
            ))
            .load(c))?),
        Source::AuditResolved => filled(run!(conn, c => fund_findings::table
            .filter(range.covers(fund_findings::union_path))
            .filter(fund_findings::found_at.ge(from_at))
            .filter(fund_findings::found_at.lt(until_at))
            .group_by(fund_findings::union_path)
            .select((
                fund_findings::union_path,
                count_star(),
                count_if!(fund_findings::status.ne("open")),
            ))
            .load(c))?),
        Source::FindingsHandled => filled(run!(conn, c => verification_findings::table
            .filter(range.covers(verification_findings::union_path))
            .filter(verification_findings::created_at.ge(from_at))
            .filter(verification_findings::created_at.lt(until_at))
            .group_by(verification_findings::union_path)
            .select((
                verification_findings::union_path,
                count_star(),
                count_if!(verification_findings::status.ne("open")),
            ))
            .load(c))?),
        Source::CampaignCompletion => filled(run!(conn, c => campaign_tasks::table
            .inner_join(campaigns::table)
            .filter(range.covers(campaign_tasks::union_path))
            .filter(campaigns::deadline.ge(w.from))
            .filter(campaigns::deadline.le(w.to))
            .group_by(campaign_tasks::union_path)
            .select((
                campaign_tasks::union_path,
                count_star(),
                count_if!(campaign_tasks::outcome.is_not_null()),
            ))
            .load(c))?),
        Source::ApplicationTurnaround => {
            let rows: Vec<(String, NaiveDateTime, NaiveDateTime)> = run!(conn, c => applications::table
                .inner_join(application_steps::table.on(application_steps::application_id.eq(applications::id)))
                .filter(range.covers(applications::union_path))
                .filter(application_steps::step.eq_any([Step::Approve.code(), Step::Reject.code()]))
                .filter(application_steps::at.ge(from_at))
                .filter(application_steps::at.lt(until_at))
                .select((applications::union_path, applications::created_at, application_steps::at))
                .load(c))?;
            let limit = chrono::Duration::days(bangfu_domain::assessment::TURNAROUND_DAYS);
            let mut by_path: std::collections::BTreeMap<String, (i64, i64)> =
                std::collections::BTreeMap::new();
            for (p, start, end) in rows {
                let e = by_path.entry(p).or_default();
                e.1 += 1;
                if end - start <= limit {
                    e.0 += 1;
                }
            }
            by_path.into_iter().map(|(p, (n, d))| (p, n, d)).collect()
        }
        Source::PlanShare
        | Source::Paired
        | Source::Visited
        | Source::TargetProgress
        | Source::Manual
        | Source::ThirdParty => Vec::new(),
    };
    Ok(out)
}

/// A union a scheme assesses.
#[derive(Debug, Clone)]
pub struct Assessed {
    pub id: UnionId,
    pub parent_id: Option<UnionId>,
    pub name: String,
    /// The parent's name (its siblings are ranked under it).
    pub parent_name: String,
    pub path: UnionPath,
}

/// The active unions of `level` in the subtree (not the subtree's own
/// union), by path.
pub fn assessed_unions(
    conn: &mut Conn,
    subtree: &UnionPath,
    level: UnionLevel,
) -> Result<Vec<Assessed>, StorageError> {
    let scope = Scope::of(subtree.clone());
    let rows: Vec<(i64, Option<i64>, String, String)> = run!(conn, c => crate::schema::unions::table
        .filter(scope.covers(crate::schema::unions::path))
        .filter(crate::schema::unions::path.ne(subtree.as_str()))
        .filter(crate::schema::unions::level.eq(level.code()))
        .filter(crate::schema::unions::active.eq(true))
        .order(crate::schema::unions::path)
        .select((
            crate::schema::unions::id,
            crate::schema::unions::parent_id,
            crate::schema::unions::name,
            crate::schema::unions::path,
        ))
        .load(c))?;
    let parents = union_names(conn, rows.iter().filter_map(|r| r.1))?;
    Ok(rows
        .into_iter()
        .map(|(id, parent, name, path)| Assessed {
            id: UnionId(id),
            parent_id: parent.map(UnionId),
            parent_name: parent.map(|p| name_of(&parents, p)).unwrap_or_default(),
            name,
            path: UnionPath::from_stored(path),
        })
        .collect())
}
