//! The members of a file.

use super::corrupt;
use crate::db::{run, Conn};
use crate::schema::{households, members};
use crate::{Scope, StorageError};
use bangfu_domain::household::{Employment, Health, HouseholdId, Member, Relation, Schooling};
use bangfu_domain::{Fen, IdNumber};
use diesel::prelude::*;
use std::collections::HashMap;

type MemberRow = (
    i64,
    String,
    Option<String>,
    String,
    String,
    Option<i32>,
    String,
    String,
    i64,
);

use super::sealed::{MEMBER_HEALTH as HEALTH, MEMBER_ID_NUMBER as ID_NUMBER};

fn member_from(conn: &Conn, household: i64, r: MemberRow) -> Result<Member, StorageError> {
    let (_, name, id_number, relation, health, grade, schooling, employment, income) = r;
    let id_number = conn.open_opt(ID_NUMBER, id_number.as_deref())?;
    let (health, grade) = super::sealed::health_parts(conn, HEALTH, &health, grade)?;
    macro_rules! code {
        ($t:ty, $v:expr) => {
            <$t>::parse(&$v).map_err(|_| corrupt(household, stringify!($t), &$v))?
        };
    }
    Ok(Member {
        name,
        id_number: id_number.map(IdNumber::from_stored),
        relation: code!(Relation, relation),
        health: code!(Health, health),
        disability_grade: grade,
        schooling: code!(Schooling, schooling),
        employment: code!(Employment, employment),
        income: Fen(income),
    })
}

macro_rules! member_columns {
    () => {
        (
            members::id,
            members::name,
            members::id_number,
            members::relation,
            members::health,
            members::disability_grade,
            members::schooling,
            members::employment,
            members::income_fen,
        )
    };
}

/// The members of a file in the scope, in the order they were entered
/// (none for a file outside it).
pub fn members_of(
    conn: &mut Conn,
    scope: &Scope,
    id: HouseholdId,
) -> Result<Vec<Member>, StorageError> {
    let rows: Vec<MemberRow> = run!(conn, c => members::table
        .inner_join(households::table)
        .filter(scope.covers(households::union_path))
        .filter(members::household_id.eq(id.0))
        .order(members::id.asc())
        .select(member_columns!())
        .load(c))?;
    rows.into_iter()
        .map(|r| member_from(conn, id.0, r))
        .collect()
}

/// The members of many files in the scope at once.
pub fn members_of_many(
    conn: &mut Conn,
    scope: &Scope,
    ids: &[HouseholdId],
) -> Result<HashMap<HouseholdId, Vec<Member>>, StorageError> {
    let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
    let rows: Vec<(i64, MemberRow)> = run!(conn, c => members::table
        .inner_join(households::table)
        .filter(scope.covers(households::union_path))
        .filter(members::household_id.eq_any(&raw))
        .order(members::id.asc())
        .select((members::household_id, member_columns!()))
        .load(c))?;
    let mut out: HashMap<HouseholdId, Vec<Member>> = HashMap::new();
    for (h, r) in rows {
        out.entry(HouseholdId(h))
            .or_default()
            .push(member_from(conn, h, r)?);
    }
    Ok(out)
}

/// Replaces the members of a file with `list`.
pub fn replace_members(
    conn: &mut Conn,
    id: HouseholdId,
    list: &[Member],
) -> Result<(), StorageError> {
    run!(conn, c => diesel::delete(members::table.filter(members::household_id.eq(id.0))).execute(c))?;
    if list.is_empty() {
        return Ok(());
    }
    let mut rows = Vec::with_capacity(list.len());
    for m in list {
        let id_number = m.id_number.as_ref().map(|i| i.as_str());
        let sealed = conn.seal_opt(ID_NUMBER, id_number)?;
        let index = id_number.map(|i| conn.index(i)).transpose()?;
        let health = conn.seal(
            HEALTH,
            &super::sealed::health_text(m.health.code(), m.disability_grade),
        )?;
        rows.push((
            (
                members::household_id.eq(id.0),
                members::name.eq(m.name.clone()),
                members::id_number.eq(sealed),
                members::id_index.eq(index),
                members::sex.eq(m.id_number.as_ref().map(|i| i.sex().code())),
                members::birth_date.eq(m.id_number.as_ref().and_then(|i| i.birth_date())),
                members::relation.eq(m.relation.code()),
            ),
            (
                members::health.eq(health),
                members::disability_grade.eq(None::<i32>),
                members::schooling.eq(m.schooling.code()),
                members::employment.eq(m.employment.code()),
                members::income_fen.eq(m.income.0),
            ),
        ));
    }
    run!(conn, c => diesel::insert_into(members::table).values(&rows).execute(c))?;
    Ok(())
}
