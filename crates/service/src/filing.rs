//! Filing a household as an officer typed it, inside a transaction the
//! caller holds: the plain filing form and the conversion of a temporary
//! relief file (转正) both come here, so a file is filed one way.

use crate::audit::{Owned, Who};
use crate::books::Books;
use crate::filed_elsewhere::{self, Asker, Filing};
use crate::households::file_household;
use crate::{Actor, HouseholdInput, ServiceError};
use bangfu_domain::household::HouseholdId;
use bangfu_domain::household::MonthlyIncome;
use bangfu_domain::{UnionId, ValidationError};
use bangfu_storage::{unions, Conn, Scope};
use chrono::NaiveDate;

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
