//! The rows of a dataset as sent, held flat: every cell's text in one
//! string, each cell a column number and where its text ends. A department's
//! list may hold two million rows; a map per row would take over half a
//! gigabyte before a single row is parsed, this takes a tenth of that.

use std::collections::BTreeMap;

/// Rows of cells, each cell a column code and its text. Row `i` is the
/// `first_row + i`-th as the sender counts (see `BatchInput::first_row`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rows {
    /// The column codes met, in the order first met.
    columns: Vec<String>,
    /// Every cell's text, one after another.
    text: String,
    /// Each cell: its column and where its text ends in `text` (it starts
    /// where the cell before it ends).
    cells: Vec<(u32, usize)>,
    /// Where each row's cells end in `cells`.
    ends: Vec<usize>,
}

impl Rows {
    pub fn new() -> Rows {
        Rows::default()
    }

    /// Adds a row of (column code, text) cells; a row may be empty (a blank
    /// line between two rows keeps its number).
    pub fn push<'a>(&mut self, cells: impl IntoIterator<Item = (&'a str, &'a str)>) {
        for (column, text) in cells {
            let c = match self.columns.iter().position(|k| k == column) {
                Some(c) => c,
                None => {
                    self.columns.push(column.to_owned());
                    self.columns.len() - 1
                }
            };
            self.text.push_str(text);
            self.cells
                .push((u32::try_from(c).unwrap_or(u32::MAX), self.text.len()));
        }
        self.ends.push(self.cells.len());
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The cells of row `i` (0-based), in the order given.
    pub fn row(&self, i: usize) -> impl Iterator<Item = (&str, &str)> {
        let from = i.checked_sub(1).and_then(|p| self.ends.get(p)).copied();
        let to = self.ends.get(i).copied().unwrap_or(0);
        let from = from.unwrap_or(0).min(to);
        let mut start = from
            .checked_sub(1)
            .and_then(|p| self.cells.get(p))
            .map_or(0, |c| c.1);
        self.cells
            .get(from..to)
            .unwrap_or(&[])
            .iter()
            .map(move |&(c, end)| {
                let text = self.text.get(start..end).unwrap_or("");
                start = end;
                let column = usize::try_from(c)
                    .ok()
                    .and_then(|c| self.columns.get(c))
                    .map_or("", String::as_str);
                (column, text)
            })
    }

    /// Row `i` as a map of column code → text, as the domain's row parser
    /// takes it (a column given twice keeps its last text).
    pub fn map(&self, i: usize) -> BTreeMap<String, String> {
        self.row(i)
            .map(|(c, t)| (c.to_owned(), t.to_owned()))
            .collect()
    }
}

impl From<Vec<BTreeMap<String, String>>> for Rows {
    fn from(rows: Vec<BTreeMap<String, String>>) -> Rows {
        let mut out = Rows::new();
        for r in &rows {
            out.push(r.iter().map(|(c, t)| (c.as_str(), t.as_str())));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_give_back_their_cells_in_order_blank_rows_included() {
        let mut r = Rows::new();
        r.push([
            ("id_number", "110101198001010010"),
            ("died_on", "2026-10-01"),
        ]);
        r.push([]);
        r.push([("id_hash", "ab"), ("died_on", ""), ("id_number", "x")]);
        assert_eq!(r.len(), 3);
        assert_eq!(
            r.row(0).collect::<Vec<_>>(),
            [
                ("id_number", "110101198001010010"),
                ("died_on", "2026-10-01")
            ]
        );
        assert_eq!(r.row(1).count(), 0);
        assert_eq!(
            r.row(2).collect::<Vec<_>>(),
            [("id_hash", "ab"), ("died_on", ""), ("id_number", "x")]
        );
        assert_eq!(r.map(2).get("id_number").map(String::as_str), Some("x"));
        assert_eq!(r.row(3).count(), 0);
    }

    #[test]
    fn maps_become_rows_and_back() {
        let maps: Vec<BTreeMap<String, String>> = vec![
            [("a".to_owned(), "1".to_owned())].into(),
            BTreeMap::new(),
            [
                ("b".to_owned(), "二".to_owned()),
                ("a".to_owned(), "3".to_owned()),
            ]
            .into(),
        ];
        let rows = Rows::from(maps.clone());
        assert_eq!(
            (0..rows.len()).map(|i| rows.map(i)).collect::<Vec<_>>(),
            maps
        );
    }
}
