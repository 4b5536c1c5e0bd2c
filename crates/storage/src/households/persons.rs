//! `open_persons`: everyone in an open file, by the blind index of their ID
//! number, so the database itself refuses a second open file for the same
//! person. Lookups try the index under every key of the ring, so a person
//! is found while a key rotation re-indexes the table.

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
    let indexes = conn.indexes(id_number)?;
    let row: Option<(i64, String)> = run!(conn, c => open_persons::table
        .inner_join(households::table.inner_join(unions::table))
        .filter(open_persons::person_index.eq_any(&indexes))
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
    let mut rows = Vec::with_capacity(ids.len());
    for i in ids {
        rows.push((
            open_persons::person_index.eq(conn.index(i)?),
            open_persons::household_id.eq(household.0),
        ));
    }
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
    let indexed: std::collections::HashMap<String, &str> =
        conn.indexes_of(id_numbers)?.into_iter().collect();
    let keys: Vec<&String> = indexed.keys().collect();
    let mut out = Vec::new();
    for chunk in keys.chunks(500) {
        let rows: Vec<(String, String)> = run!(conn, c => open_persons::table
            .inner_join(households::table.inner_join(unions::table))
            .filter(open_persons::person_index.eq_any(chunk))
            .select((open_persons::person_index, unions::name))
            .load(c))?;
        out.extend(
            rows.into_iter()
                .filter_map(|(i, n)| indexed.get(&i).map(|id| ((*id).to_owned(), n))),
        );
    }
    Ok(out)
}
