//! `name_grams`: each file's worker name cut into its single characters and
//! its pairs of neighbouring characters, so a search for part of a name
//! reads the files holding those pairs (an index lookup) rather than
//! comparing every name in scope.
//!
//! Pairs, not the trigrams of SQLite's FTS5 or PostgreSQL's pg_trgm:
//! Chinese names are two to four characters, and people search by two
//! (`建国`) or by a full two-character name (`王芳`), which a trigram index
//! cannot match. The grams only narrow the search; the `LIKE` on the name
//! still decides, so a gram set that over-matches costs time, never a
//! wrong answer.

use crate::db::{run, Conn};
use crate::schema::name_grams;
use crate::StorageError;
use bangfu_domain::household::HouseholdId;
use diesel::prelude::*;

/// A name as its grams are cut from: ASCII letters lower-cased (SQLite's
/// `lower()` and the migration that indexed the names already on file do
/// the same; other letters are left as they are).
fn folded(text: &str) -> Vec<char> {
    text.chars().map(|c| c.to_ascii_lowercase()).collect()
}

/// Every character and every pair of neighbouring characters of `name`,
/// each once.
pub(crate) fn grams(name: &str) -> Vec<String> {
    let chars = folded(name);
    let mut out: Vec<String> = chars.iter().map(|c| c.to_string()).collect();
    out.extend(chars.windows(2).map(|w| w.iter().collect::<String>()));
    out.sort();
    out.dedup();
    out
}

/// The grams a name containing `text` must have: its one character, or
/// its pairs (at most [`QUERY_GRAMS`], from the start — the `LIKE` checks
/// the rest), each once. Empty for an empty text.
pub(crate) fn query_grams(text: &str) -> Vec<String> {
    let chars = folded(text);
    let mut out: Vec<String> = match chars.len() {
        0 => Vec::new(),
        1 => vec![chars[0].to_string()],
        _ => chars.windows(2).map(|w| w.iter().collect()).collect(),
    };
    let mut seen = std::collections::HashSet::new();
    out.retain(|g| seen.insert(g.clone()));
    out.truncate(QUERY_GRAMS);
    out
}

/// Pairs of a searched text used to narrow the search: each is one more
/// index lookup, and three pairs already single out a name.
const QUERY_GRAMS: usize = 3;

/// Makes `name` the indexed name of `household`.
pub fn set_name_grams(
    conn: &mut Conn,
    household: HouseholdId,
    name: &str,
) -> Result<(), StorageError> {
    run!(conn, c => diesel::delete(
        name_grams::table.filter(name_grams::household_id.eq(household.0)),
    )
    .execute(c))?;
    let rows: Vec<_> = grams(name)
        .into_iter()
        .map(|g| {
            (
                name_grams::gram.eq(g),
                name_grams::household_id.eq(household.0),
            )
        })
        .collect();
    if !rows.is_empty() {
        run!(conn, c => diesel::insert_into(name_grams::table).values(&rows).execute(c))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_cut_into_its_characters_and_pairs_each_once() {
        let table: &[(&str, &[&str])] = &[
            ("王芳", &["王", "王芳", "芳"]),
            ("王建国", &["国", "建", "建国", "王", "王建"]),
            ("林林", &["林", "林林"]),
            ("Ann", &["a", "an", "n", "nn"]),
            ("", &[]),
        ];
        for (name, want) in table {
            assert_eq!(grams(name), want.to_vec(), "{name}");
        }
    }

    #[test]
    fn a_search_needs_its_one_character_or_its_first_pairs() {
        let table: &[(&str, &[&str])] = &[
            ("王", &["王"]),
            ("建国", &["建国"]),
            ("阿依古丽", &["阿依", "依古", "古丽"]),
            ("阿依古丽·买买提", &["阿依", "依古", "古丽"]),
            ("AN", &["an"]),
            ("", &[]),
        ];
        for (text, want) in table {
            assert_eq!(query_grams(text), want.to_vec(), "{text}");
        }
    }

    proptest::proptest! {
        /// Whatever a name contains, its grams include every gram a search
        /// for that part needs: the index never hides a match.
        #[test]
        fn a_part_of_a_name_needs_only_grams_the_name_has(
            name in "[王李张刘陈建国芳秀英a-zA-Z·]{0,8}",
            from in 0usize..8,
            len in 1usize..8,
        ) {
            let chars: Vec<char> = name.chars().collect();
            let from = from.min(chars.len());
            let to = (from + len).min(chars.len());
            let part: String = chars[from..to].iter().collect();
            let have = grams(&name);
            for g in query_grams(&part) {
                proptest::prop_assert!(have.contains(&g), "{name} / {part}: {g}");
            }
        }
    }
}
