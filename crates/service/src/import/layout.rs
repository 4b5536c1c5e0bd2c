//! The shape of the file: its sheets, headers and data rows.

use super::template::{HH, SHEETS, SHEET_HOUSEHOLDS, SHEET_MEMBERS};
use super::workbook::{Cell, ImportFile, Row};
use super::{MAX_HOUSEHOLD_ROWS, MAX_INCOME_ROWS, MAX_MEMBER_ROWS};

/// Headers compare without spaces, with full-width brackets, and without a
/// trailing `*` or (必填)/(选填); `农民工` matches `农民工（是/否）`.
pub(super) fn header_key(s: &str) -> String {
    let mut t: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '(' => '（',
            ')' => '）',
            other => other,
        })
        .collect();
    for suffix in ["*", "＊", "（必填）", "（选填）", "*"] {
        if let Some(x) = t.strip_suffix(suffix) {
            t = x.to_owned();
        }
    }
    t.trim_start_matches(['*', '＊']).to_owned()
}

pub(super) fn header_base(key: &str) -> &str {
    match key.find('（') {
        Some(i) if key.ends_with('）') && i > 0 => &key[..i],
        _ => key,
    }
}

#[derive(Debug, Clone)]
pub(super) struct SheetLayout {
    /// Index into `ImportFile::sheets`.
    pub(super) index: usize,
    /// For each column of the definition, the column of the file holding it.
    pub(super) map: Vec<Option<usize>>,
    /// Positions (in the sheet's rows) of the data rows that are not blank.
    pub(super) data: Vec<usize>,
}

#[derive(Debug, Clone)]
pub(super) struct Layout {
    pub(super) sheets: Vec<SheetLayout>,
}

impl Layout {
    pub(super) fn households(&self) -> usize {
        self.sheets.get(HH).map_or(0, |s| s.data.len())
    }

    pub(super) fn rows(&self) -> usize {
        self.sheets.iter().map(|s| s.data.len()).sum()
    }
}

pub(super) fn row_is_blank(r: &Row) -> bool {
    r.cells.iter().all(Cell::is_blank)
}

/// Checks the workbook's sheets and headers; every problem of the file as a
/// whole (no row to point at) is returned at once.
pub(super) fn layout(file: &ImportFile) -> Result<Layout, Vec<String>> {
    let mut problems = Vec::new();
    let mut sheets = Vec::new();
    let found = || {
        if file.sheet_names.is_empty() {
            "（没有工作表）".to_owned()
        } else {
            file.sheet_names
                .iter()
                .map(|n| format!("“{n}”"))
                .collect::<Vec<_>>()
                .join("、")
        }
    };
    for def in &SHEETS {
        let Some(index) = file.sheets.iter().position(|s| s.name.trim() == def.name) else {
            problems.push(format!(
                "工作簿中没有名为“{}”的工作表（现有：{}）。请使用导入模板，保留“家庭”“成员”“收入”三个工作表；没有成员或收入记录的，该表只保留表头即可",
                def.name,
                found()
            ));
            continue;
        };
        let sheet = &file.sheets[index];
        let Some(header_pos) = sheet.rows.iter().position(|r| !row_is_blank(r)) else {
            problems.push(format!(
                "工作表“{}”是空的：第 1 行应为表头（可从导入模板复制）",
                def.name
            ));
            continue;
        };
        let header = &sheet.rows[header_pos];
        let keys: Vec<String> = header
            .cells
            .iter()
            .map(|c| header_key(&c.display()))
            .collect();
        let mut map = Vec::with_capacity(def.columns.len());
        for column in def.columns {
            let want = header_key(column.header);
            let exact: Vec<usize> = (0..keys.len()).filter(|&k| keys[k] == want).collect();
            let hits = if exact.is_empty() {
                (0..keys.len())
                    .filter(|&k| !keys[k].is_empty() && header_base(&keys[k]) == header_base(&want))
                    .collect()
            } else {
                exact
            };
            match hits.as_slice() {
                [] => {
                    if column.required {
                        problems.push(format!(
                            "工作表“{}”缺少必填列“{}”（表头在第 {} 行）",
                            def.name, column.header, header.number
                        ));
                    }
                    map.push(None);
                }
                [one] => map.push(Some(*one)),
                _ => {
                    problems.push(format!(
                        "工作表“{}”的表头中“{}”出现了不止一次",
                        def.name, column.header
                    ));
                    map.push(None);
                }
            }
        }
        let data: Vec<usize> = (header_pos + 1..sheet.rows.len())
            .filter(|&p| !row_is_blank(&sheet.rows[p]))
            .collect();
        let max = match def.name {
            SHEET_HOUSEHOLDS => MAX_HOUSEHOLD_ROWS,
            SHEET_MEMBERS => MAX_MEMBER_ROWS,
            _ => MAX_INCOME_ROWS,
        };
        if sheet.truncated || data.len() > max {
            problems.push(format!(
                "工作表“{}”的数据超过单次导入上限 {} 行，请分成几个文件导入",
                def.name, max
            ));
        }
        if def.name == SHEET_HOUSEHOLDS && data.is_empty() && !sheet.truncated {
            problems.push("工作表“家庭”没有数据行：表头下面至少要有一户".into());
        }
        sheets.push(SheetLayout { index, map, data });
    }
    if problems.is_empty() {
        Ok(Layout { sheets })
    } else {
        Err(problems)
    }
}
