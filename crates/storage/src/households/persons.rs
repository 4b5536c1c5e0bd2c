//! `open_persons`: everyone in an open file, so the database itself refuses
//! a second open file for the same ID number.

use crate::db::{run, Conn};
use crate::schema::{households, open_persons, unions};
use crate::StorageError;
use bangfu_domain::household::HouseholdId;
use diesel::prelude::*;

/// The union holding the open file a person is in, if any (unscoped: the
/// caller only learns the union's name, never the file).
pub fn open_holder(
    conn: &mut Conn,
    id_number: &str,
) -> Result<Option<(HouseholdId, String)>, StorageError> {
    let row: Option<(i64, String)> = run!(conn, c => open_persons::table
        .inner_join(households::table.inner_join(unions::table))
        .filter(open_persons::id_number.eq(id_number))
        .select((households::id, unions::name))
        .first(c)
        .optional())?;
    Ok(row.map(|(id, n)| (HouseholdId(id), n)))
}

/// Makes `ids` the people of the open file `household`.
pub fn set_open_persons(
    conn: &mut Conn,
    household: HouseholdId,
    ids: &[&str],
) -> Result<(), StorageError> {
    run!(conn, c => diesel::delete(
        open_persons::table.filter(open_persons::household_id.eq(household.0)),
    )
    .execute(c))?;
    let rows: Vec<_> = ids
        .iter()
        .map(|i| {
            (
                open_persons::id_number.eq(*i),
                open_persons::household_id.eq(household.0),
            )
        })
        .collect();
    if !rows.is_empty() {
        run!(conn, c => diesel::insert_into(open_persons::table).values(&rows).execute(c))?;
    }
    Ok(())
}

/// Which of `id_numbers` are in an open file, with the name of the union
/// holding it (unscoped, like [`open_holder`]: the caller learns only the
/// union's name). For checking a whole import at once.
pub fn open_holders(
    conn: &mut Conn,
    id_numbers: &[&str],
) -> Result<Vec<(String, String)>, StorageError> {
    let mut out = Vec::new();
    for chunk in id_numbers.chunks(500) {
        let rows: Vec<(String, String)> = run!(conn, c => open_persons::table
            .inner_join(households::table.inner_join(unions::table))
            .filter(open_persons::id_number.eq_any(chunk))
            .select((open_persons::id_number, unions::name))
            .load(c))?;
        out.extend(rows);
    }
    Ok(out)
}
