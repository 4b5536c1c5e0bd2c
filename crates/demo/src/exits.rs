//! Three years of decisions over the generated files: exits, reliefs and
//! removals, revocations, relapses (most reopened as new files), the files
//! ready to exit, and a few yearly targets.

use crate::decisions::{Decision, Decisions, StepActors};
use crate::fate::{add_months, fate, Relapse};
use crate::random::Gen;
use crate::{at, chunks, now};
use bangfu_domain::household::{HouseholdId, Status};
use bangfu_domain::identification::Category;
use bangfu_domain::leaving::{ExitKind, Pathway};
use bangfu_domain::{UnionId, UnionLevel};
use bangfu_service::seeding::{self, Books};
use bangfu_service::today;
use bangfu_service::{ServiceError, Services};
use bangfu_storage::seed::{self, LeavingSeed};
use bangfu_storage::{households as hs, unions, users, Conn, Scope};
use chrono::NaiveDate;

/// What the decision generator made.
#[derive(Debug, Clone, Default)]
pub struct ExitSummary {
    /// Files looked at.
    pub households: usize,
    /// Approved exits (脱困), by pathway code.
    pub out: std::collections::BTreeMap<&'static str, usize>,
    pub relieved: usize,
    pub removed: usize,
    /// Approved revocations (the file is back on file).
    pub revoked: usize,
    /// Relapses flagged (by hand, after an event).
    pub relapses: usize,
    /// Of those, reopened as a new file.
    pub reopened: usize,
    /// Exited households within follow-up below the line for six months, not flagged yet.
    pub falling_back: usize,
    /// Files left on file above the line for the last months (ready to exit).
    pub ready: usize,
    /// Target rows set.
    pub targets: usize,
}

impl ExitSummary {
    pub fn exits(&self) -> usize {
        self.out.values().sum()
    }
}

/// Records the decisions [`crate::fate`] gives every file on file filed after the
/// last one that has any (and is not itself a reopened file): an approved
/// `exits` row with its steps (propose, review, notice when the kind has
/// one, approve) on plausible dates, the file's status, leaving date and
/// follow-up, its span closed on the decision day; revocations that put a
/// file back on file (a new span from then); relapses flagged, most of them
/// reopened as a new incremental file linked both ways (filed through the
/// same path as any file, audited). Files left on file that are ready to
/// exit are flagged so (`ready_pathway`), as saving their incomes would
/// have done. Then a few yearly targets: 20 % a year
/// for the last three years at the root, the Guangdong province 25 % this
/// year, Guangzhou 30 % last year.
///
/// On file at any day D stays filings − decisions + revocations +
/// reopenings as of D (`bangfu_storage::test_support::on_file_ledger` counts it).
pub async fn load_exits(
    services: &Services,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<ExitSummary, ServiceError> {
    let today = today();
    let flow = services.settings().exit_flow;
    let follow_months = services.settings().follow_months;
    let notice_days = u64::from(services.settings().notice_days);
    let (unions_list, actors, after) = services
        .seed_write(move |c| {
            let after = seed::last_decided_household(c)?;
            let mut demo = Vec::new();
            if let (Some((o, _)), Some((v, _))) = (
                users::credentials(c, "demo-officer")?,
                users::credentials(c, "demo-reviewer")?,
            ) {
                demo.push((
                    o.union_path.as_str().to_owned(),
                    (o.id.0, o.display_name.clone()),
                    (v.id.0, v.display_name.clone()),
                ));
            }
            Ok((
                seed::household_unions(c, after)?,
                StepActors { demo },
                after,
            ))
        })
        .await?;
    let total: i64 = unions_list.iter().map(|u| u.2).sum();
    let mut summary = ExitSummary::default();
    let mut seen = 0i64;
    let batches = chunks(&unions_list);
    for (k, batch) in batches.iter().enumerate() {
        let union_ids: Vec<i64> = batch.iter().map(|u| u.0).collect();
        seen += batch.iter().map(|u| u.2).sum::<i64>();
        let actors = actors.clone();
        let s = services
            .seed_write(move |c| {
                let mut s = ExitSummary::default();
                let households = seed::on_file_of(c, &union_ids, after)?;
                let mut book = Decisions::new(seed::next_exit_id(c)?, flow, notice_days);
                let mut left = Vec::new();
                let mut back = Vec::new();
                let mut relapses = Vec::new();
                let mut ready = Vec::new();
                for h in &households {
                    s.households += 1;
                    let category = Category::parse(&h.category).unwrap_or(Category::Sudden);
                    let f = fate(
                        &h.worker_id_number,
                        h.union_id,
                        h.filed_on,
                        h.health != "healthy",
                        category,
                        today,
                    );
                    let mut r = Gen::of(&h.worker_id_number, 0xD0C5);
                    let Some(d) = f.decided else {
                        if f.ready {
                            // What saving its incomes would have recorded (and
                            // the monthly run will confirm): ready, with the
                            // pathway its measures suggest.
                            let p = r
                                .weighted(&[
                                    (Pathway::Employment, 50),
                                    (Pathway::Medical, 15),
                                    (Pathway::Entitlements, 15),
                                    (Pathway::Other, 20),
                                ])
                                .unwrap_or(Pathway::Other);
                            ready.push((HouseholdId(h.id), p.code()));
                            s.ready += 1;
                        }
                        continue;
                    };
                    let (officer, reviewer) = actors.for_path(&h.union_path);
                    let who = (&officer, &reviewer);
                    let decision = Decision {
                        kind: d.kind,
                        pathway: d.pathway,
                        reason: d.reason,
                        approved: d.decided_on,
                        revokes: None,
                    };
                    let id = book.record(&mut r, h, who, decision);
                    match d.kind {
                        ExitKind::OutOfHardship => {
                            *s.out
                                .entry(d.pathway.map_or("other", |p| p.code()))
                                .or_default() += 1
                        }
                        ExitKind::Relieved => s.relieved += 1,
                        _ => s.removed += 1,
                    }
                    if let Some(on) = d.revoked_on {
                        let revocation = Decision {
                            kind: ExitKind::Revoke,
                            pathway: None,
                            reason: None,
                            approved: on,
                            revokes: Some(id),
                        };
                        book.record(&mut r, h, who, revocation);
                        back.push((h, d.decided_on, on));
                        s.revoked += 1;
                        continue;
                    }
                    let status = match d.kind {
                        ExitKind::OutOfHardship => Status::Exited,
                        ExitKind::Relieved => Status::Relieved,
                        _ => Status::Removed,
                    };
                    left.push(seed::Left {
                        household_id: h.id,
                        status: status.code(),
                        left_on: d.decided_on,
                        follow_until: (status == Status::Exited)
                            .then(|| add_months(d.decided_on, follow_months)),
                        at: at(d.decided_on, 16),
                    });
                    if let Some(rel) = d.relapse {
                        match rel.flagged_on {
                            Some(on) => {
                                relapses.push((h.id, h.union_id, on, rel));
                                s.relapses += 1;
                                s.reopened += usize::from(rel.reopened_on.is_some());
                            }
                            None => s.falling_back += 1,
                        }
                    }
                }
                for (id, pathway) in ready {
                    hs::set_readiness(c, id, Some(pathway), false)?;
                }
                book.insert(c)?;
                seed::mark_left(c, &left)?;
                back_on_file(c, &back)?;
                seed::sync_exit_sequence(c)?;
                relapse(c, relapses)?;
                Ok(s)
            })
            .await?;
        summary.add(s);
        if seen % 20_000 < 2_100 || k + 1 == batches.len() {
            progress(&format!("已为 {seen} / {total} 户生成退出决定"));
        }
    }
    summary.targets = services
        .seed_write(move |c| {
            let rows = targets(c, today)?;
            Ok(seed::insert_targets(c, &rows)?)
        })
        .await?;
    services.seed_analyze().await?;
    Ok(summary)
}

impl ExitSummary {
    fn add(&mut self, s: ExitSummary) {
        self.households += s.households;
        for (k, v) in s.out {
            *self.out.entry(k).or_default() += v;
        }
        self.relieved += s.relieved;
        self.removed += s.removed;
        self.revoked += s.revoked;
        self.relapses += s.relapses;
        self.reopened += s.reopened;
        self.falling_back += s.falling_back;
        self.ready += s.ready;
    }
}

/// Revoked decisions: out from the decision to the revocation, then on
/// file again (a new span).
fn back_on_file(
    c: &mut Conn,
    back: &[(&LeavingSeed, NaiveDate, NaiveDate)],
) -> Result<(), ServiceError> {
    let mut spans = Vec::new();
    for (h, out_on, back_on) in back {
        seed::close_span(c, h.id, *out_on)?;
        seed::bump_version(c, h.id, 2)?;
        spans.push(seed::SpanRow {
            household_id: h.id,
            union_id: h.union_id,
            union_path: h.union_path.clone(),
            tier: h.tier.clone(),
            category: h.category.clone(),
            cohort: h.cohort.clone(),
            persons: h.size,
            from_on: *back_on,
            until_on: None,
        });
    }
    Ok(seed::insert_spans(c, &spans)?)
}

/// Relapses: flagged, and most reopened as a new file with the same people
/// and data, filed the day it was reopened (through the filing rule).
fn relapse(
    c: &mut Conn,
    relapses: Vec<(i64, i64, NaiveDate, Relapse)>,
) -> Result<(), ServiceError> {
    let mut books = None;
    let root = unions::by_level_unscoped(c, UnionLevel::National)?;
    for (hid, union_id, on, rel) in relapses {
        let id = HouseholdId(hid);
        hs::set_relapse(c, id, Some((on, rel.reason)))?;
        let Some(reopen_on) = rel.reopened_on else {
            continue;
        };
        let Some(union) = unions::find_unscoped(c, UnionId(union_id))? else {
            continue;
        };
        let scope = Scope::of(
            root.first()
                .map(|u| u.path.clone())
                .unwrap_or_else(|| union.path.clone()),
        );
        let Some(old) = hs::find(c, &scope, id)? else {
            continue;
        };
        if books.is_none() {
            books = Some(Books::load(c)?);
        }
        let Some(b) = books.as_ref() else { continue };
        seeding::reopen_household(c, &union, &old, (on, rel.reason), reopen_on, b)?;
    }
    Ok(())
}

/// Yearly targets: 20 % a year for the last three years at the root, the
/// Guangdong province 25 % this year, Guangzhou 30 % last year.
fn targets(c: &mut Conn, today: NaiveDate) -> Result<Vec<seed::TargetRow>, ServiceError> {
    let year = chrono::Datelike::year(&today);
    let set_at = now();
    let mut rows = Vec::new();
    let mut push = |union_id: UnionId, year: i32, share_bp: i32| {
        rows.push(seed::TargetRow {
            union_id: union_id.0,
            year,
            share_bp,
            set_by: None,
            set_at,
        });
    };
    for root in unions::by_level_unscoped(c, UnionLevel::National)? {
        for y in year - 2..=year {
            push(root.id, y, 2000);
        }
    }
    for p in unions::by_level_unscoped(c, UnionLevel::Province)? {
        if p.division_code == "440000" {
            push(p.id, year, 2500);
        }
    }
    for city in unions::by_level_unscoped(c, UnionLevel::City)? {
        if city.division_code == "440100" {
            push(city.id, year - 1, 3000);
        }
    }
    Ok(rows)
}
