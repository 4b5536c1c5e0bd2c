//! Receiving a department's dataset: parse every row (all problems at
//! once, nothing written if any), match the people, set each match beside
//! its file, and write the batch's counts, its findings and their warnings
//! in one transaction.

use super::datasets::filter_code;
use super::keys::{id_digest, key_bytes};
use super::rows::Rows;
use crate::audit::{Record, Who};
use crate::clock::{now, today};
use crate::{Actor, ServiceError, Services};
use bangfu_domain::audit::Action;
use bangfu_domain::household::parse_text;
use bangfu_domain::verification::{
    check, month_of, parse_row, resolve_dataset, warns, Dataset, DatasetEntry, Facts, Packed,
    PersonKey, RowProblem, Thresholds,
};
use bangfu_domain::{Month, Permission, ValidationError};
use bangfu_storage::todos::{self, NewTodo};
use bangfu_storage::verification::{
    self as store, Batch, BatchFilter, NewBatch, NewFinding, Person,
};
use bangfu_storage::{Conn, Page, PageRequest, Scope};
use chrono::NaiveDate;
use serde_json::json;
use std::collections::hash_map::Entry;
use std::collections::HashMap;

/// Rows one batch may carry.
pub const MAX_ROWS: usize = 2_000_000;
/// Row problems listed in a refusal (all are counted).
const MAX_LISTED: usize = 1_000;
/// Files read per step when matching hashes (which no index finds).
pub(super) const SCAN_STEP: i64 = 20_000;
/// Batches with more rows than this, uploaded on the page, are matched as a
/// background job (the default of `Settings::verification_background_above`).
pub const BACKGROUND_ABOVE: usize = 20_000;

/// A dataset as sent: JSON, or a workbook or CSV read by the web layer.
#[derive(Debug, Clone, Default)]
pub struct BatchInput {
    /// A code or label of an active dataset of the catalogue.
    pub dataset: String,
    /// Who sent it (a department's name).
    pub source: String,
    /// `YYYY-MM-DD`: the date the data is as of.
    pub as_of: String,
    /// The key the hashes were made with (default: the current key).
    pub key_id: Option<i64>,
    pub file_name: Option<String>,
    /// Each row: column code → text.
    pub rows: Rows,
    /// The number of the first row as the sender counts (1 for a JSON list,
    /// 2 for a sheet under its header row).
    pub first_row: usize,
}

/// Filters of the batch list.
#[derive(Debug, Clone, Default)]
pub struct BatchQuery {
    pub dataset: Option<String>,
}

/// A batch parsed and checked, ready to match.
pub(super) struct Parsed {
    /// The catalogue's entry; its kind's rule reads the rows.
    pub(super) dataset: DatasetEntry,
    pub(super) source: String,
    pub(super) as_of: NaiveDate,
    pub(super) key_id: Option<i64>,
    pub(super) file_name: Option<String>,
    pub(super) rows: usize,
    pub(super) duplicates: usize,
    /// Each person named by ID number (its 18 characters), with their row.
    pub(super) plain: HashMap<[u8; 18], Packed>,
    /// Each person named by keyed hash (its 32 bytes), with their row.
    pub(super) hashed: HashMap<[u8; 32], Packed>,
}

impl Parsed {
    /// The plain ID numbers, for an indexed lookup.
    pub(super) fn numbers(&self) -> Vec<&str> {
        self.plain
            .keys()
            .filter_map(|k| std::str::from_utf8(k).ok())
            .collect()
    }

    fn facts(&self, row: &Packed) -> Facts {
        row.facts(self.dataset.kind)
    }
}

/// The 32 bytes of 64 hex digits (an [`bangfu_domain::verification::IdHash`]).
fn digest_of(hex: &str) -> Option<[u8; 32]> {
    let mut out = [0_u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// `datasets` is the catalogue: the code sent must name an active entry.
pub(super) fn parse(
    input: BatchInput,
    datasets: &[DatasetEntry],
    today: NaiveDate,
) -> Result<Parsed, ServiceError> {
    let entry = resolve_dataset(datasets, &input.dataset)?.clone();
    // The kind: its fields read the rows.
    let dataset = entry.kind;
    let source = parse_text("source", "数据来源", &input.source, true, 50)?;
    let as_of = NaiveDate::parse_from_str(input.as_of.trim(), "%Y-%m-%d")
        .map_err(|_| ValidationError::new("as_of", "数据截止日期应为 YYYY-MM-DD"))?;
    if as_of > today {
        return Err(ValidationError::new("as_of", "数据截止日期不能晚于今天").into());
    }
    if input.rows.is_empty() {
        return Err(ValidationError::new("rows", "没有数据行：请至少提供一行").into());
    }
    if input.rows.len() > MAX_ROWS {
        return Err(
            ValidationError::new("rows", format!("一批至多 {MAX_ROWS} 行，请分批报送")).into(),
        );
    }
    let mut problems: Vec<RowProblem> = Vec::new();
    let mut total_problems = 0;
    let mut plain = HashMap::new();
    let mut hashed = HashMap::new();
    let mut duplicates = 0;
    let first = input.first_row.max(1);
    for i in 0..input.rows.len() {
        match parse_row(dataset, first + i, &input.rows.map(i), today) {
            Ok(row) => {
                // The first row naming a person is the one kept.
                let fresh = match row.person {
                    PersonKey::Plain(n) => {
                        let key = n.as_str().as_bytes().try_into().map_err(|_| {
                            ServiceError::Internal("an ID number of 18 characters".into())
                        })?;
                        keep(&mut plain, key, dataset, row.facts)
                    }
                    PersonKey::Hash(h) => {
                        let key = digest_of(h.as_str()).ok_or_else(|| {
                            ServiceError::Internal("a hash of 64 hex digits".into())
                        })?;
                        keep(&mut hashed, key, dataset, row.facts)
                    }
                };
                if !fresh {
                    duplicates += 1;
                }
            }
            Err(p) => {
                total_problems += p.len();
                let room = MAX_LISTED.saturating_sub(problems.len());
                problems.extend(p.into_iter().take(room));
            }
        }
    }
    if total_problems > 0 {
        return Err(ServiceError::InvalidRows {
            total: total_problems,
            problems,
        });
    }
    Ok(Parsed {
        dataset: entry,
        source,
        as_of,
        key_id: input.key_id,
        file_name: input.file_name.filter(|f| !f.trim().is_empty()),
        rows: input.rows.len(),
        duplicates,
        plain,
        hashed,
    })
}

/// Keeps the first row naming a person; false for a later one.
fn keep<K: std::hash::Hash + Eq>(
    map: &mut HashMap<K, Packed>,
    key: K,
    dataset: Dataset,
    facts: Facts,
) -> bool {
    match map.entry(key) {
        Entry::Occupied(_) => false,
        Entry::Vacant(v) => {
            v.insert(Packed::of(dataset, facts));
            true
        }
    }
}

/// The thresholds for a division: the longest code prefix that set any,
/// else the defaults.
fn thresholds_for(all: &[store::StoredThresholds], division: &str) -> Thresholds {
    all.iter()
        .filter(|t| division.starts_with(&t.division_code))
        .max_by_key(|t| t.division_code.len())
        .map(|t| t.thresholds)
        .unwrap_or_default()
}

/// Who each row is: the person on file it names, first row wins.
pub(super) type Matched = HashMap<Person, Facts>;

/// Matches plain ID numbers (indexed) into `matched`.
pub(super) fn match_numbers(
    c: &mut Conn,
    scope: &Scope,
    p: &Parsed,
    numbers: &[&str],
    today: NaiveDate,
    matched: &mut Matched,
) -> Result<(), ServiceError> {
    for s in store::match_plain(c, scope, numbers, today)? {
        let Ok(key) = <[u8; 18]>::try_from(s.id_number.as_bytes()) else {
            continue;
        };
        if let Some(f) = p.plain.get(&key) {
            matched.entry(s.person).or_insert_with(|| p.facts(f));
        }
    }
    Ok(())
}

/// The key the batch's hashes were made with (none: no hashed rows).
pub(super) fn hash_key(c: &mut Conn, p: &Parsed) -> Result<Option<(i64, Vec<u8>)>, ServiceError> {
    if p.hashed.is_empty() {
        return Ok(None);
    }
    let key = match p.key_id {
        Some(id) => store::key_by_id(c, id)?
            .ok_or_else(|| ValidationError::new("key_id", format!("没有编号为 {id} 的核对密钥")))?,
        None => store::current_key(c)?.ok_or_else(|| {
            ServiceError::Rule(
                "尚未生成核对密钥：请管理员先在“部门核对”页面生成密钥并交给部门".into(),
            )
        })?,
    };
    Ok(Some((key.id, key_bytes(&key.key_hex)?)))
}

/// Matches hashes against the next [`SCAN_STEP`] files in scope after
/// household id `after`. Returns how many files it read and the last one's
/// id (none: the end).
pub(super) fn scan_step(
    c: &mut Conn,
    scope: &Scope,
    p: &Parsed,
    key: &[u8],
    after: i64,
    today: NaiveDate,
    matched: &mut Matched,
) -> Result<(i64, Option<i64>), ServiceError> {
    let (people, last) = store::scan_people(c, scope, after, SCAN_STEP, today)?;
    let mut files = 0;
    for s in people {
        if s.person.member_id.is_none() {
            files += 1;
        }
        if let Some(f) = p.hashed.get(&id_digest(key, &s.id_number)) {
            matched.entry(s.person).or_insert_with(|| p.facts(f));
        }
    }
    Ok((files, last))
}

/// Matches the batch against every file of the tree (a person is matched
/// wherever they are filed) and writes it (the caller's transaction).
fn receive(c: &mut Conn, actor: &Actor, p: &Parsed) -> Result<i64, ServiceError> {
    let today = today();
    let scope = &Scope::whole_tree();
    let mut matched = Matched::new();
    match_numbers(c, scope, p, &p.numbers(), today, &mut matched)?;
    let key = hash_key(c, p)?;
    if let Some((_, bytes)) = &key {
        let mut after = 0;
        while let (_, Some(last)) = scan_step(c, scope, p, bytes, after, today, &mut matched)? {
            after = last;
        }
    }
    record(c, actor, p, &matched, key.map(|k| k.0))
}

/// Writes a matched batch: its counts, findings and warnings (the caller's
/// transaction). The files are read again here, so what they say is what
/// they say as the batch is written.
pub(super) fn record(
    c: &mut Conn,
    actor: &Actor,
    p: &Parsed,
    matched: &Matched,
    key_id: Option<i64>,
) -> Result<i64, ServiceError> {
    let today = today();
    // Deactivated since the rows were read: nothing is written.
    resolve_dataset(&store::catalogue(c)?, &p.dataset.code)?;
    let mut people: Vec<Person> = matched.keys().copied().collect();
    people.sort();
    let months: HashMap<Person, Month> = matched
        .iter()
        .filter_map(|(person, f)| month_of(f).map(|m| (*person, m)))
        .collect();
    let files = store::files_of(c, &people, &months, today)?;
    let households: Vec<i64> = files.iter().map(|f| f.person.household_id.0).collect();
    let open = store::open_keys_of(c, &households)?;
    let all_thresholds = store::all_thresholds(c)?;
    let mut findings = Vec::new();
    let mut warnings = Vec::new();
    for f in &files {
        let Some(facts) = matched.get(&f.person) else {
            continue;
        };
        let t = thresholds_for(&all_thresholds, &f.division_code);
        let Some(m) = check(p.dataset.kind, facts, &f.side, &t) else {
            continue;
        };
        let key = (
            f.person.household_id.0,
            f.person.member_id,
            p.dataset.code.clone(),
        );
        if open.contains(&key) {
            continue;
        }
        if warns(&f.side) {
            warnings.push(NewTodo {
                household_id: f.person.household_id,
                union_id: f.union_id,
                union_path: f.union_path.clone(),
                responsible_id: f.responsible_id,
                kind: store::WARNING_KIND,
                detail: format!(
                    "{}：{}（{}）",
                    p.dataset.label,
                    m.concern.label(),
                    f.person_name
                ),
            });
        }
        findings.push(NewFinding {
            batch_id: 0,
            dataset: p.dataset.code.clone(),
            household_id: f.person.household_id,
            union_id: f.union_id,
            union_path: f.union_path.clone(),
            member_id: f.person.member_id,
            person_name: f.person_name.clone(),
            concern: m.concern,
            facts: serde_json::to_string(facts)
                .map_err(|e| ServiceError::Internal(e.to_string()))?,
            dataset_says: m.dataset_says,
            file_says: m.file_says,
            as_of: p.as_of,
        });
    }

    let at = now();
    let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    let id = store::insert_batch(
        c,
        &NewBatch {
            dataset: &p.dataset.code,
            source: &p.source,
            as_of: p.as_of,
            union_id: actor.user.union_id,
            union_path: &actor.user.union_path,
            key_id,
            file_name: p.file_name.as_deref(),
            rows: count(p.rows),
            hashed_rows: count(p.hashed.len()),
            duplicate_rows: count(p.duplicates),
            matched_people: count(matched.len()),
            findings: count(findings.len()),
            created_by: actor.user.id.0,
        },
        at,
    )?;
    for f in findings.iter_mut() {
        f.batch_id = id;
    }
    store::insert_findings(c, &findings, at)?;
    let month = Month::of_date(today);
    todos::insert_many(c, month, &warnings, at)?;
    let warned: Vec<i64> = warnings.iter().map(|w| w.household_id.0).collect();
    store::reopen_warnings(c, month, &warned)?;
    Record::of(
        Action::ReceiveDataset,
        "batch",
        id,
        (actor.user.union_id.0, &actor.user.union_path),
    )
    .after(json!({
        "dataset": p.dataset.code,
        "kind": p.dataset.kind.code(),
        "source": p.source,
        "as_of": p.as_of.to_string(),
        "file_name": p.file_name,
        "rows": p.rows,
        "hashed_rows": p.hashed.len(),
        "duplicate_rows": p.duplicates,
        "matched_people": matched.len(),
        "findings": findings.len(),
        "warnings": warnings.len(),
    }))
    .write(c, Who::Actor(actor))?;
    Ok(id)
}

/// A caller without sight of households (a department's user) sees only
/// the batches they sent.
pub(super) fn own_only(actor: &Actor) -> Option<i64> {
    let sees_all =
        actor.can(Permission::ReadHouseholds) || actor.can(Permission::ManageVerification);
    (!sees_all).then_some(actor.user.id.0)
}

pub(super) fn require_batches(actor: &Actor) -> Result<(), ServiceError> {
    if actor.can(Permission::ReadHouseholds) {
        actor.require(Permission::ReadHouseholds)
    } else {
        actor.require(Permission::SendDatasets)
    }
}

impl Services {
    /// Receives a department's dataset: all rows or none.
    pub async fn verification_batch_create(
        &self,
        actor: &Actor,
        input: BatchInput,
    ) -> Result<Batch, ServiceError> {
        actor.require(Permission::SendDatasets)?;
        let datasets = self.read(|c| Ok(store::catalogue(c)?)).await?;
        let parsed = parse(input, &datasets, today())?;
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let id = receive(c, &a, &parsed)?;
            store::find_batch(c, &scope, id, None)?.ok_or(ServiceError::NotFound("核对数据批次"))
        })
        .await
    }

    pub async fn verification_batch_list(
        &self,
        actor: &Actor,
        q: BatchQuery,
        page: PageRequest,
    ) -> Result<Page<Batch>, ServiceError> {
        require_batches(actor)?;
        let mut filter = BatchFilter {
            created_by: own_only(actor),
            dataset: None,
        };
        let scope = actor.scope();
        self.read(move |c| {
            filter.dataset = filter_code(c, q.dataset.as_deref())?;
            Ok(store::list_batches(c, &scope, &filter, page)?)
        })
        .await
    }

    pub async fn verification_batch_get(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<Batch, ServiceError> {
        require_batches(actor)?;
        let own = own_only(actor);
        let scope = actor.scope();
        self.read(move |c| {
            store::find_batch(c, &scope, id, own)?.ok_or(ServiceError::NotFound("核对数据批次"))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn row(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect()
    }

    fn input(rows: Vec<BTreeMap<String, String>>) -> BatchInput {
        BatchInput {
            dataset: "death".into(),
            source: "民政局".into(),
            as_of: "2026-11-30".into(),
            rows: rows.into(),
            first_row: 1,
            ..BatchInput::default()
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()
    }

    fn parse(input: BatchInput, today: NaiveDate) -> Result<Parsed, ServiceError> {
        let mut datasets: Vec<DatasetEntry> = bangfu_domain::verification::Dataset::ALL
            .iter()
            .map(|d| DatasetEntry::builtin(*d))
            .collect();
        datasets[7].active = !input.dataset.starts_with("inactive:");
        let mut input = input;
        input.dataset = input.dataset.trim_start_matches("inactive:").to_owned();
        super::parse(input, &datasets, today)
    }

    #[test]
    fn duplicates_within_a_batch_are_matched_once() {
        let id = "110101198001010010";
        let p = parse(
            input(vec![row(&[("id_number", id)]), row(&[("id_number", id)])]),
            today(),
        )
        .unwrap();
        assert_eq!((p.rows, p.duplicates, p.plain.len()), (2, 1, 1));
    }

    #[test]
    fn every_bad_row_is_listed_and_nothing_passes() {
        let err = parse(
            input(vec![
                row(&[("id_number", "110101198001010010")]),
                row(&[("id_number", "123")]),
                row(&[("id_hash", "abc")]),
            ]),
            today(),
        )
        .err()
        .unwrap();
        match err {
            ServiceError::InvalidRows { total, problems } => {
                assert_eq!(total, 2);
                assert_eq!(
                    problems.iter().map(|p| p.row).collect::<Vec<_>>(),
                    vec![2, 3]
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_unknown_dataset_an_empty_list_and_a_future_date_are_refused() {
        let mut i = input(vec![row(&[("id_number", "110101198001010010")])]);
        i.dataset = "weather".into();
        assert!(matches!(parse(i, today()), Err(ServiceError::Invalid(e)) if e.field == "dataset"));
        let mut i = input(vec![row(&[("id_number", "110101198001010010")])]);
        i.dataset = "inactive:death".into();
        assert!(matches!(parse(i, today()), Err(ServiceError::Invalid(e)) if e.field == "dataset"));
        assert!(
            matches!(parse(input(vec![]), today()), Err(ServiceError::Invalid(e)) if e.field == "rows")
        );
        let mut i = input(vec![row(&[("id_number", "110101198001010010")])]);
        i.as_of = "2026-12-07".into();
        assert!(matches!(parse(i, today()), Err(ServiceError::Invalid(e)) if e.field == "as_of"));
    }

    #[test]
    fn the_longest_region_prefix_sets_the_thresholds() {
        let at = chrono::NaiveDateTime::default();
        let t = |code: &str, v: i64| store::StoredThresholds {
            division_code: code.into(),
            thresholds: Thresholds {
                vehicle_value: bangfu_domain::Fen(v),
                ..Thresholds::default()
            },
            updated_by: None,
            updated_at: at,
        };
        let all = vec![t("", 1), t("45", 2), t("4504", 3)];
        assert_eq!(thresholds_for(&all, "450403").vehicle_value.0, 3);
        assert_eq!(thresholds_for(&all, "450100").vehicle_value.0, 2);
        assert_eq!(thresholds_for(&all, "110101").vehicle_value.0, 1);
        assert_eq!(thresholds_for(&[], "110101"), Thresholds::default());
    }
}
