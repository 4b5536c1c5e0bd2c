//! Filing a household as an officer typed it, inside a transaction the
//! caller holds: the plain filing form and the conversion of a temporary
//! relief file (转正) both come here, so a file is filed one way. The
//! pieces every path that files or refiles people shares live here too:
//! the audit snapshot, the one-open-file check, `open_persons`, months.

use crate::audit::{Owned, Record, Who};
use crate::books::Books;
use crate::filed_elsewhere::{self, Asker, Filing};
use crate::{now, Actor, HouseholdInput, ServiceError};
use bangfu_domain::audit::Action;
use bangfu_domain::household::{
    file_no, file_no_prefix, HouseholdData, HouseholdId, Member, MonthlyIncome,
};
use bangfu_domain::{Month, UnionId, ValidationError};
use bangfu_storage::{households, unions, Conn, Scope, StorageError};
use chrono::{Datelike, NaiveDate};
use serde_json::{json, Value};

/// Files a household as an officer typed it, inside the caller's
/// transaction: the filing union in scope, the input parsed, the person
/// checked against other open files. `Ok(Err(refusal))` is a person filed
/// elsewhere: the refusal is audited, so the caller commits and answers it.
pub(crate) fn create_in(
    c: &mut Conn,
    a: &Actor,
    scope: &Scope,
    input: &HouseholdInput,
    incomes: &[MonthlyIncome],
    today: NaiveDate,
    limit: i32,
) -> Result<Result<HouseholdId, ServiceError>, ServiceError> {
    let union = filing_union(c, scope, a, input.union_id)?;
    let (data, members) = input.parse(&union.division_code, None, today)?;
    if data.division_code == bangfu_domain::division::NATIONAL {
        return Err(ValidationError::new("division_code", "请选择职工所在的行政区划").into());
    }
    let filing = Filing {
        context: "create_household",
        union: union.owner(),
    };
    if let Some(refusal) =
        filed_elsewhere::guard(c, Asker::User(a), limit, &filing, None, &data, &members)?
    {
        return Ok(Err(refusal));
    }
    let books = Books::load(c)?;
    let id = file_household(c, Who::Actor(a), &union, &data, &members, incomes, &books)?;
    Ok(Ok(id))
}

pub(crate) fn filing_union(
    c: &mut Conn,
    scope: &Scope,
    actor: &Actor,
    id: Option<i64>,
) -> Result<unions::Union, ServiceError> {
    let id = id.map(UnionId).unwrap_or(actor.user.union_id);
    unions::find(c, scope, id)?.ok_or_else(|| {
        ValidationError::new("union_id", "所选工会不存在或不在您的权限范围内").into()
    })
}

/// The audit snapshot of a file: ID numbers, phone and address masked and
/// the note reduced to its length, so the log (which is never changed,
/// not even by retention) does not become a clear copy of what the file
/// keeps sealed.
pub(crate) fn snapshot(
    h: &HouseholdData,
    members: &[Member],
    file_no: &str,
    union_id: i64,
) -> Value {
    json!({
        "file_no": file_no,
        "union_id": union_id,
        "worker_name": h.worker_name,
        "worker_id_number": h.worker_id_number.masked(),
        "phone": bangfu_domain::id_number::mask_phone(&h.phone),
        "address": bangfu_domain::id_number::mask_address(&h.address),
        "division_code": h.division_code,
        "employer": h.employer,
        "employer_kind": h.employer_kind.code(),
        "employment": h.employment.code(),
        "labour_capacity": h.labour_capacity.code(),
        "health": h.health.code(),
        "disability_grade": h.disability_grade,
        "migrant": h.migrant,
        "zero_employment": h.zero_employment,
        "closure_laid_off": h.closure_laid_off,
        "trade_friction": h.trade_friction,
        "causes": h.causes.iter().map(|c| c.code()).collect::<Vec<_>>(),
        "category": h.category.code(),
        "tier": h.tier.code(),
        "filed_on": h.filed_on.to_string(),
        "dibao_since": h.dibao_since.map(|m| m.to_string()),
        "other_relief_since": h.other_relief_since.map(|m| m.to_string()),
        "notes": bangfu_domain::id_number::note_marker(&h.notes),
        "members": members.iter().map(|m| json!({
            "name": m.name,
            "id_number": m.id_number.as_ref().map(|i| i.masked()),
            "relation": m.relation.code(),
            "health": m.health.code(),
            "income_fen": m.income.0,
        })).collect::<Vec<_>>(),
    })
}

/// Refuses a person who is already in another open file, naming only the
/// union that holds it (never the file, which may be outside the caller's
/// scope). What a person types goes through [`filed_elsewhere::guard`]
/// first, which also audits and limits these refusals; this is the check
/// of the paths that refile people already known (a relapse, a revocation)
/// and the last line against a race.
pub(crate) fn check_open_elsewhere(
    c: &mut Conn,
    this: Option<HouseholdId>,
    data: &HouseholdData,
    members: &[Member],
) -> Result<(), ServiceError> {
    match filed_elsewhere::find(c, this, data, members)? {
        Some(found) => Err(found.conflict()),
        None => Ok(()),
    }
}

pub(crate) fn register_people(
    c: &mut Conn,
    id: HouseholdId,
    data: &HouseholdData,
    members: &[Member],
) -> Result<(), ServiceError> {
    let mut ids: Vec<&str> = vec![data.worker_id_number.as_str()];
    ids.extend(
        members
            .iter()
            .filter_map(|m| m.id_number.as_ref().map(|i| i.as_str())),
    );
    households::set_open_persons(c, id, &ids).map_err(|e| match e {
        // Another process filed the same person a moment ago.
        StorageError::Conflict(_) => ServiceError::Conflict {
            field: "worker_id_number",
            message: "该职工或其家庭成员刚刚被另一个在档家庭登记，请刷新后核对".into(),
        },
        other => other.into(),
    })
}

/// Files a household under `union` (shared by officers, imports and the demo).
pub(crate) fn file_household(
    c: &mut Conn,
    who: Who<'_>,
    union: &unions::Union,
    data: &HouseholdData,
    members: &[Member],
    incomes: &[MonthlyIncome],
    books: &Books,
) -> Result<HouseholdId, ServiceError> {
    let by = match &who {
        Who::Actor(a) => Some(a.user.id.0),
        _ => None,
    };
    if !union.active {
        return Err(ValidationError::new("union_id", "所选工会已停用，不能在其下建档").into());
    }
    check_open_elsewhere(c, None, data, members)?;
    let derived = books.derived(data, members, incomes)?;
    let year = data.filed_on.year();
    let seq = households::next_seq(c, &file_no_prefix(&data.division_code, year))?;
    let number = file_no(&data.division_code, year, seq);
    let at = now();
    let id = households::insert(c, union.id, &union.path, &number, data, &derived, by, at)?;
    households::replace_members(c, id, members)?;
    register_people(c, id, data, members)?;
    if !incomes.is_empty() {
        households::upsert_incomes(c, id, incomes)?;
    }
    let mut after = snapshot(data, members, &number, union.id.0);
    after["months_recorded"] = json!(incomes.len());
    Record::of(Action::CreateHousehold, "household", id, union.owner())
        .after(after)
        .write(c, who)?;
    Ok(id)
}

/// Incomes as typed: each month once, no negative parts, none after
/// `this_month` (the month of today in China).
pub(crate) fn check_months(
    list: &[MonthlyIncome],
    this_month: Month,
) -> Result<(), ValidationError> {
    let mut seen = std::collections::HashSet::new();
    for i in list {
        i.validate()?;
        i.month.not_after("incomes", this_month)?;
        if !seen.insert(i.month) {
            return Err(ValidationError::new(
                "incomes",
                format!("{} 重复填写了两次", i.month),
            ));
        }
    }
    if list.len() > 120 {
        return Err(ValidationError::new("incomes", "一次最多保存 120 个月"));
    }
    Ok(())
}
