//! One household as the monthly run judges it: what is recorded about it is
//! loaded, the programme's readiness rule (`bangfu_domain::readiness`)
//! judges it, and what the rule says is stored — readiness flags, a relapse,
//! a changed identification and to-do items.

use crate::books::Books;
use crate::clock::now;
use crate::ServiceError;
use bangfu_domain::household::{HouseholdId, MonthlyIncome, Status};
use bangfu_domain::readiness::{
    self, Exited, Facts, OnFile, Readiness, Standing, StoredDecision, TodoKind,
};
use bangfu_domain::Month;
use bangfu_storage::households::{self, Household};
use bangfu_storage::todos::{self, NewTodo};
use bangfu_storage::{Conn, Scope};
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Files judged and written per transaction.
const BATCH: i64 = 1000;

/// What is recorded about one household beside the file itself.
struct Loaded<'a> {
    household: &'a Household,
    /// Worker plus members.
    size: usize,
    /// Oldest first.
    incomes: &'a [MonthlyIncome],
    /// Catalogue codes of completed measures and assistance given, newest first.
    pathway_codes: &'a [String],
    /// Open measures past their due date.
    overdue_measures: i64,
    /// A regular subsidy (常态化帮扶) runs this month.
    subsidised: bool,
    /// An exit, relief or removal decision is under way.
    open_decision: bool,
}

/// Judges one household by the readiness rule, with the lines and the
/// evaluations of its months the rule reads.
fn assess(f: &Loaded<'_>, books: &Books, today: NaiveDate) -> Result<Readiness, ServiceError> {
    let h = f.household;
    let data = &h.data;
    let region = books.params.for_region(&data.division_code);
    let months = books.figures(data, f.incomes);
    let (exit, identification);
    let standing = match h.status {
        Status::OnFile => {
            exit = books.evaluate_exit(data, f.size, f.incomes)?;
            identification = books.identify(data, f.size, f.incomes)?;
            Standing::OnFile(OnFile {
                filed_on: data.filed_on,
                dibao_since: data.dibao_since,
                other_relief_since: data.other_relief_since,
                labour_capacity: data.labour_capacity,
                health: data.health,
                baseline_cutoff: region.baseline_cutoff,
                stored: StoredDecision {
                    decision: h.decision,
                    condition: h.decision_condition,
                    cohort: h.cohort,
                },
                exit: &exit,
                identification: &identification,
                pathway_codes: f.pathway_codes,
                subsidised: f.subsidised,
                open_decision: f.open_decision,
            })
        }
        Status::Exited => Standing::Exited(Exited {
            left_on: h.leaving.left_on,
            follow_until: h.leaving.follow_until,
            reopened: h.leaving.reopened_id.is_some(),
            flagged: h
                .leaving
                .relapse_on
                .map(|on| (on, h.leaving.relapse_reason.as_deref().unwrap_or_default())),
        }),
        other => Standing::Other(other),
    };
    Ok(readiness::judge(&Facts {
        today,
        size: u32::try_from(f.size.max(1)).unwrap_or(u32::MAX),
        window_months: region.params.window_months,
        months: &months,
        overdue_measures: f.overdue_measures,
        standing,
    })?)
}

/// Writes what a judgement changes on the file (not the to-do items).
fn apply(
    c: &mut Conn,
    h: &Household,
    a: &Readiness,
    today: NaiveDate,
    with_decision: bool,
) -> Result<(), ServiceError> {
    if h.status == Status::OnFile {
        let pathway = a.ready_pathway.map(|p| p.code());
        if pathway != h.leaving.ready_pathway.as_deref() || a.relief_ready != h.leaving.relief_ready
        {
            households::set_readiness(c, h.id, pathway, a.relief_ready)?;
        }
    }
    if let Some(reason) = &a.relapse {
        households::set_relapse(c, h.id, Some((today, reason)))?;
    }
    if with_decision {
        if let Some(d) = a.decision {
            households::set_decision(c, h.id, d.decision, d.condition, d.cohort, now())?;
        }
    }
    Ok(())
}

fn new_todos(
    h: &Household,
    responsible: Option<i64>,
    a: &Readiness,
    only: Option<TodoKind>,
) -> Vec<NewTodo> {
    a.findings
        .iter()
        .filter(|f| only.is_none_or(|k| f.kind() == k))
        .map(|f| NewTodo {
            household_id: h.id,
            union_id: h.union_id,
            union_path: h.union_path.clone(),
            responsible_id: responsible,
            kind: f.kind().code(),
            detail: f.message(),
        })
        .collect()
}

/// Recomputes one file's readiness flags (and a relapse) after its incomes
/// were saved, in the caller's transaction. A relapse found now is also a
/// to-do item at once; the rest wait for the monthly run.
pub(crate) fn refresh_household(
    c: &mut Conn,
    scope: &Scope,
    books: &Books,
    id: HouseholdId,
    today: NaiveDate,
) -> Result<(), ServiceError> {
    let Some(h) = households::find(c, scope, id)? else {
        return Ok(());
    };
    let ids = [id];
    let size = households::members_of(c, scope, id)?.len() + 1;
    let incomes = households::incomes_of(c, scope, id)?;
    let codes = todos::pathway_codes_of_many(c, &ids)?
        .remove(&id)
        .unwrap_or_default();
    let overdue = todos::overdue_measures_of_many(c, &ids, today)?
        .get(&id)
        .copied()
        .unwrap_or(0);
    let subsidised = todos::subsidised_in(c, &ids, Month::of_date(today))?.contains(&id);
    let open_decision = todos::with_open_decision(c, &ids)?.contains(&id);
    let a = assess(
        &Loaded {
            household: &h,
            size,
            incomes: &incomes,
            pathway_codes: &codes,
            overdue_measures: overdue,
            subsidised,
            open_decision,
        },
        books,
        today,
    )?;
    apply(c, &h, &a, today, false)?;
    if a.relapse.is_some() {
        let responsible = todos::responsible_of_many(c, &ids)?.get(&id).copied();
        todos::insert_many(
            c,
            Month::of_date(today),
            &new_todos(&h, responsible, &a, Some(TodoKind::Relapse)),
            now(),
        )?;
    }
    Ok(())
}

/// What one batch did.
#[derive(Default)]
pub(super) struct BatchOutcome {
    pub(super) last: Option<i64>,
    pub(super) evaluated: i64,
    pub(super) skipped: i64,
    pub(super) found: BTreeMap<TodoKind, i64>,
    pub(super) added: i64,
    pub(super) decisions_changed: i64,
}

/// Judges and writes the next batch of files after `after`, in one transaction.
pub(super) fn run_batch(
    c: &mut Conn,
    scope: &Scope,
    books: &Books,
    today: NaiveDate,
    after: i64,
) -> Result<BatchOutcome, ServiceError> {
    let mut out = BatchOutcome::default();
    let ids = todos::ids_to_assess_after(c, scope, today, after, BATCH)?;
    let Some(last) = ids.last() else {
        return Ok(out);
    };
    out.last = Some(last.0);
    let files = households::find_many(c, scope, &ids)?;
    let members = households::members_of_many(c, scope, &ids)?;
    let incomes = households::incomes_of_many(c, scope, &ids)?;
    let codes = todos::pathway_codes_of_many(c, &ids)?;
    let overdue = todos::overdue_measures_of_many(c, &ids, today)?;
    let subsidised: HashSet<HouseholdId> = todos::subsidised_in(c, &ids, Month::of_date(today))?;
    let responsible: HashMap<HouseholdId, i64> = todos::responsible_of_many(c, &ids)?;
    let deciding = todos::with_open_decision(c, &ids)?;
    let mut list = Vec::new();
    for h in &files {
        let facts = Loaded {
            household: h,
            size: members.get(&h.id).map_or(0, Vec::len) + 1,
            incomes: incomes.get(&h.id).map(Vec::as_slice).unwrap_or(&[]),
            pathway_codes: codes.get(&h.id).map(Vec::as_slice).unwrap_or(&[]),
            overdue_measures: overdue.get(&h.id).copied().unwrap_or(0),
            subsidised: subsidised.contains(&h.id),
            open_decision: deciding.contains(&h.id),
        };
        let a = match assess(&facts, books, today) {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(household = h.id.0, error = %e, "monthly run: cannot judge");
                out.skipped += 1;
                continue;
            }
        };
        out.evaluated += 1;
        apply(c, h, &a, today, true)?;
        if a.decision.is_some() {
            out.decisions_changed += 1;
        }
        for f in &a.findings {
            *out.found.entry(f.kind()).or_default() += 1;
        }
        list.extend(new_todos(h, responsible.get(&h.id).copied(), &a, None));
    }
    let added = todos::insert_many(c, Month::of_date(today), &list, now())?;
    out.added = i64::try_from(added).unwrap_or(i64::MAX);
    Ok(out)
}
