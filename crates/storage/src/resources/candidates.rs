//! The households a resource may suit, read a batch at a time for the
//! domain's rule (`bangfu_domain::resources::suggest`) to judge.
//!
//! Health is sealed at rest, so no query can pick the ill; the rule reads
//! each candidate's persons opened. What the database can judge in the
//! clear (employment, schooling, causes) narrows the batch first.

use crate::db::{run, Conn};
use crate::households::sealed;
use crate::schema::{dictionary, households, matches, measures, members};
use crate::{Scope, StorageError};
use bangfu_domain::assistance::MeasureStatus;
use bangfu_domain::household::{
    Causes, Employment, HardshipCause, Health, HouseholdId, LabourCapacity, Relation, Schooling,
    Status,
};
use bangfu_domain::resources::{Candidate, OpenMeasure, Person, ResourceId};
use bangfu_domain::UnionPath;
use chrono::NaiveDate;
use diesel::dsl::exists;
use diesel::prelude::*;
use std::collections::HashMap;

/// What the database may judge before the rule: a household with a person
/// looking for work, a person in school, a given cause, or (always) an open
/// measure; `Any` reads every household.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefilter {
    Work { training: bool },
    School,
    Cause(HardshipCause),
    Any,
}

/// One household read for the rule.
#[derive(Debug, Clone)]
pub struct Found {
    pub household_id: HouseholdId,
    pub file_no: String,
    pub worker_name: String,
    pub union_path: UnionPath,
    pub candidate: Candidate,
}

#[derive(Queryable)]
struct Row {
    id: i64,
    file_no: String,
    worker_name: String,
    union_path: String,
    birth_date: Option<NaiveDate>,
    labour_capacity: String,
    employment: String,
    health: String,
    disability_grade: Option<i32>,
    causes: String,
}

#[derive(Queryable)]
struct MemberRow {
    household_id: i64,
    name: String,
    relation: String,
    birth_date: Option<NaiveDate>,
    health: String,
    disability_grade: Option<i32>,
    schooling: String,
    employment: String,
}

/// Up to `batch` households after `after` (by id) in `scope` narrowed to
/// the resource's region, under assistance and not yet matched to `resource`
/// (a dismissed suggestion counts), that pass `prefilter`.
pub fn candidates(
    conn: &mut Conn,
    scope: &Scope,
    region: &UnionPath,
    resource: ResourceId,
    prefilter: Prefilter,
    after: i64,
    batch: i64,
) -> Result<Vec<Found>, StorageError> {
    let range = scope.range_within(Some(region));
    let statuses = [Status::OnFile.code(), Status::Relieved.code()];
    let looking: Vec<&str> = match prefilter {
        Prefilter::Work { training } => {
            let mut v = vec![Employment::Unemployed.code(), Employment::LaidOff.code()];
            if training {
                v.push(Employment::Flexible.code());
            }
            v
        }
        _ => Vec::new(),
    };
    let not_in_school = [Schooling::NotInSchool.code(), Schooling::Preschool.code()];
    let open = [
        MeasureStatus::Planned.code(),
        MeasureStatus::InProgress.code(),
    ];
    let rows: Vec<Row> = run!(conn, c => {
        let has_measure = exists(
            measures::table
                .filter(measures::household_id.eq(households::id))
                .filter(measures::status.eq_any(open)),
        );
        let mut q = households::table
            .filter(range.covers(households::union_path))
            .filter(households::status.eq_any(statuses))
            .filter(households::id.gt(after))
            .filter(diesel::dsl::not(exists(
                matches::table
                    .filter(matches::resource_id.eq(resource.0))
                    .filter(matches::household_id.eq(households::id)),
            )))
            .into_boxed();
        q = match prefilter {
            Prefilter::Any => q,
            Prefilter::Work { .. } => q.filter(
                households::employment
                    .eq_any(&looking)
                    .or(exists(
                        members::table
                            .filter(members::household_id.eq(households::id))
                            .filter(members::employment.eq_any(&looking)),
                    ))
                    .or(has_measure),
            ),
            Prefilter::School => q.filter(
                exists(
                    members::table
                        .filter(members::household_id.eq(households::id))
                        .filter(members::schooling.ne_all(not_in_school)),
                )
                .or(has_measure),
            ),
            Prefilter::Cause(cause) => q.filter(
                households::causes
                    .like(Causes::like_one(cause))
                    .or(has_measure),
            ),
        };
        q.order(households::id.asc())
            .limit(batch)
            .select((
                households::id,
                households::file_no,
                households::worker_name,
                households::union_path,
                households::worker_birth_date,
                households::labour_capacity,
                households::employment,
                households::health,
                households::disability_grade,
                households::causes,
            ))
            .load(c)
    })?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let member_rows: Vec<MemberRow> = run!(conn, c => members::table
        .filter(members::household_id.eq_any(&ids))
        .order((members::household_id, members::id))
        .select((
            members::household_id,
            members::name,
            members::relation,
            members::birth_date,
            members::health,
            members::disability_grade,
            members::schooling,
            members::employment,
        ))
        .load(c))?;
    let measure_rows: Vec<(i64, String, Option<String>, Option<String>)> = run!(conn, c => measures::table
        .left_join(dictionary::table.on(
            dictionary::kind.eq("track").and(dictionary::code.eq(measures::track)),
        ))
        .filter(measures::household_id.eq_any(&ids))
        .filter(measures::status.eq_any(open))
        .order((measures::household_id, measures::due_on, measures::id))
        .select((
            measures::household_id,
            measures::track,
            measures::programme,
            dictionary::label.nullable(),
        ))
        .load(c))?;
    let corrupt = |id: i64, what: &str| StorageError::Corrupt(format!("household {id} {what}"));
    let mut persons: HashMap<i64, Vec<Person>> = HashMap::new();
    for m in member_rows {
        let (health, grade) =
            sealed::health_parts(conn, sealed::MEMBER_HEALTH, &m.health, m.disability_grade)?;
        persons.entry(m.household_id).or_default().push(Person {
            name: m.name,
            relation: Relation::parse(&m.relation)
                .map(|r| r.label().to_owned())
                .unwrap_or(m.relation),
            birth_date: m.birth_date,
            health: Health::parse(&health).map_err(|_| corrupt(m.household_id, "member health"))?,
            disability_grade: grade,
            labour_capacity: None,
            employment: Employment::parse(&m.employment)
                .map_err(|_| corrupt(m.household_id, "member employment"))?,
            schooling: Schooling::parse(&m.schooling)
                .map_err(|_| corrupt(m.household_id, "member schooling"))?,
        });
    }
    let mut open_measures: HashMap<i64, Vec<OpenMeasure>> = HashMap::new();
    for (h, track, programme, label) in measure_rows {
        open_measures.entry(h).or_default().push(OpenMeasure {
            track_name: label.unwrap_or_else(|| track.clone()),
            track,
            programme,
        });
    }
    rows.into_iter()
        .map(|r| {
            let (health, grade) =
                sealed::health_parts(conn, sealed::HEALTH, &r.health, r.disability_grade)?;
            let worker = Person {
                name: r.worker_name.clone(),
                relation: "职工本人".to_owned(),
                birth_date: r.birth_date,
                health: Health::parse(&health).map_err(|_| corrupt(r.id, "health"))?,
                disability_grade: grade,
                labour_capacity: Some(
                    LabourCapacity::parse(&r.labour_capacity)
                        .map_err(|_| corrupt(r.id, "labour capacity"))?,
                ),
                employment: Employment::parse(&r.employment)
                    .map_err(|_| corrupt(r.id, "employment"))?,
                schooling: Schooling::NotInSchool,
            };
            let mut all = vec![worker];
            all.extend(persons.remove(&r.id).unwrap_or_default());
            Ok(Found {
                household_id: HouseholdId(r.id),
                file_no: r.file_no,
                worker_name: r.worker_name,
                union_path: UnionPath::from_stored(r.union_path),
                candidate: Candidate {
                    persons: all,
                    causes: Causes::from_stored(&r.causes),
                    measures: open_measures.remove(&r.id).unwrap_or_default(),
                },
            })
        })
        .collect()
}
