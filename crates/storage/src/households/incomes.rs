//! A file's monthly incomes.

use super::corrupt;
use crate::db::{run, Conn};
use crate::schema::{households, incomes};
use crate::{Scope, StorageError};
use bangfu_domain::household::{HouseholdId, MonthlyIncome};
use bangfu_domain::{Fen, Month};
use diesel::prelude::*;
use diesel::upsert::excluded;
use std::collections::HashMap;

type IncomeRow = (i64, String, i64, i64, i64, i64, i64, i64, i64);

fn income_from(r: IncomeRow) -> Result<(HouseholdId, MonthlyIncome), StorageError> {
    let (h, month, wages, business, property, transfer, medical, schooling, emergency) = r;
    let month = Month::parse("month", &month).map_err(|_| corrupt(h, "income month", &month))?;
    Ok((
        HouseholdId(h),
        MonthlyIncome {
            month,
            wages: Fen(wages),
            business: Fen(business),
            property: Fen(property),
            transfer: Fen(transfer),
            medical: Fen(medical),
            schooling: Fen(schooling),
            emergency: Fen(emergency),
        },
    ))
}

macro_rules! income_columns {
    () => {
        (
            incomes::household_id,
            incomes::month,
            incomes::wages_fen,
            incomes::business_fen,
            incomes::property_fen,
            incomes::transfer_fen,
            incomes::medical_fen,
            incomes::schooling_fen,
            incomes::emergency_fen,
        )
    };
}

/// The months of a file in the scope, oldest first (none for a file
/// outside it).
pub fn incomes_of(
    conn: &mut Conn,
    scope: &Scope,
    id: HouseholdId,
) -> Result<Vec<MonthlyIncome>, StorageError> {
    let rows: Vec<IncomeRow> = run!(conn, c => incomes::table
        .inner_join(households::table)
        .filter(scope.covers(households::union_path))
        .filter(incomes::household_id.eq(id.0))
        .order(incomes::month.asc())
        .select(income_columns!())
        .load(c))?;
    rows.into_iter()
        .map(|r| income_from(r).map(|(_, i)| i))
        .collect()
}

/// The months of many files in the scope at once, each oldest first.
pub fn incomes_of_many(
    conn: &mut Conn,
    scope: &Scope,
    ids: &[HouseholdId],
) -> Result<HashMap<HouseholdId, Vec<MonthlyIncome>>, StorageError> {
    let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
    let rows: Vec<IncomeRow> = run!(conn, c => incomes::table
        .inner_join(households::table)
        .filter(scope.covers(households::union_path))
        .filter(incomes::household_id.eq_any(&raw))
        .order((incomes::household_id.asc(), incomes::month.asc()))
        .select(income_columns!())
        .load(c))?;
    let mut out: HashMap<HouseholdId, Vec<MonthlyIncome>> = HashMap::new();
    for r in rows {
        let (h, i) = income_from(r)?;
        out.entry(h).or_default().push(i);
    }
    Ok(out)
}

/// Writes the given months (replacing those already recorded).
pub fn upsert_incomes(
    conn: &mut Conn,
    id: HouseholdId,
    list: &[MonthlyIncome],
) -> Result<(), StorageError> {
    for chunk in list.chunks(100) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|i| {
                (
                    incomes::household_id.eq(id.0),
                    incomes::month.eq(i.month.to_string()),
                    incomes::wages_fen.eq(i.wages.0),
                    incomes::business_fen.eq(i.business.0),
                    incomes::property_fen.eq(i.property.0),
                    incomes::transfer_fen.eq(i.transfer.0),
                    incomes::medical_fen.eq(i.medical.0),
                    incomes::schooling_fen.eq(i.schooling.0),
                    incomes::emergency_fen.eq(i.emergency.0),
                )
            })
            .collect();
        run!(conn, c => diesel::insert_into(incomes::table)
            .values(&rows)
            .on_conflict((incomes::household_id, incomes::month))
            .do_update()
            .set((
                incomes::wages_fen.eq(excluded(incomes::wages_fen)),
                incomes::business_fen.eq(excluded(incomes::business_fen)),
                incomes::property_fen.eq(excluded(incomes::property_fen)),
                incomes::transfer_fen.eq(excluded(incomes::transfer_fen)),
                incomes::medical_fen.eq(excluded(incomes::medical_fen)),
                incomes::schooling_fen.eq(excluded(incomes::schooling_fen)),
                incomes::emergency_fen.eq(excluded(incomes::emergency_fen)),
            ))
            .execute(c))?;
    }
    Ok(())
}

/// Removes recorded months (a month entered by mistake).
pub fn delete_incomes(
    conn: &mut Conn,
    id: HouseholdId,
    months: &[Month],
) -> Result<usize, StorageError> {
    let ms: Vec<String> = months.iter().map(|m| m.to_string()).collect();
    Ok(run!(conn, c => diesel::delete(
        incomes::table
            .filter(incomes::household_id.eq(id.0))
            .filter(incomes::month.eq_any(&ms)),
    )
    .execute(c))?)
}
