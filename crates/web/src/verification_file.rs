//! The files of 部门核对 (cross-department verification): reading an
//! uploaded `.xlsx` (its first sheet) or `.csv` into the rows the service
//! parses, and writing a dataset's template. The columns are the domain's
//! ([`Dataset::fields`]); a header may be the column's code or its Chinese
//! label. Money is in yuan in a file and handed to the service in fen.
//! Workbooks are opened with the household import's checks and reader
//! (`crate::import_xlsx`).

use crate::import_xlsx::{check_container, col, header_format, mark_formulas, read_cells, row};
use bangfu_domain::verification::{Dataset, FieldKind, RowProblem};
use bangfu_domain::Fen;
use bangfu_service::import::{Cell, Row};
use bangfu_service::verification::{Rows, MAX_ROWS};
use calamine::{Reader, Xlsx};
use rust_xlsxwriter::{Color, Format, Note, Workbook, XlsxError};
use std::io::Cursor;
use std::iter::Peekable;
use std::str::Chars;

/// The rows of a file, for `BatchInput`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileRows {
    /// Each data row: column code → text (money already in fen).
    pub rows: Rows,
    /// The number of the first data row as the sender's program shows it.
    pub first_row: usize,
}

/// Why a file was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The file as a whole (empty, wrong kind, damaged).
    File(String),
    /// Problems of single rows or columns, every one listed.
    Rows(Vec<RowProblem>),
}

/// The column codes a person is asked for: the person, then the fields.
fn codes(dataset: Dataset) -> Vec<&'static str> {
    let mut v = vec!["id_number", "id_hash"];
    v.extend(dataset.fields().iter().map(|f| f.code));
    v
}

/// The column code a header names (code or Chinese label, with or without
/// a unit or required mark), if any.
fn column_of(dataset: Dataset, header: &str) -> Option<&'static str> {
    let h = header
        .trim()
        .trim_start_matches('*')
        .trim_end_matches('*')
        .trim_end_matches("（元）")
        .trim_end_matches("(元)")
        .trim();
    let lower = h.to_ascii_lowercase();
    match lower.as_str() {
        "id_number" | "身份证号码" | "身份证号" | "公民身份号码" => {
            return Some("id_number")
        }
        "id_hash" | "身份证号散列" | "身份证号码散列" => return Some("id_hash"),
        _ => {}
    }
    dataset
        .fields()
        .iter()
        .find(|f| f.code == lower || f.label == h)
        .map(|f| f.code)
}

/// What a column holds, for reading its cells.
fn kind_of(dataset: Dataset, code: &str) -> Option<FieldKind> {
    dataset
        .fields()
        .iter()
        .find(|f| f.code == code)
        .map(|f| f.kind)
}

/// Reads an upload by its name's extension: `.xlsx` or `.csv`. Runs on a
/// blocking thread.
/// `label` names the dataset in a refusal (a dataset of the catalogue may
/// follow another's rule, so it is not always `dataset`'s own label).
pub fn read(
    dataset: Dataset,
    label: &str,
    file_name: &str,
    bytes: Vec<u8>,
) -> Result<FileRows, Refusal> {
    let lower = file_name.trim().to_lowercase();
    if bytes.is_empty() {
        return Err(Refusal::File(
            "上传的文件是空的：请选择填好数据的 .xlsx 或 .csv 文件".into(),
        ));
    }
    if lower.ends_with(".xlsx") {
        rows_of(dataset, label, xlsx_grid(bytes)?.into_iter().map(Ok))
    } else if lower.ends_with(".csv") {
        rows_of(dataset, label, csv_rows(csv_text(&bytes)?))
    } else {
        Err(Refusal::File(format!(
            "不支持“{}”这种文件：请上传 Excel 工作簿（.xlsx）或 CSV 文件（.csv，UTF-8 编码）",
            file_name.trim()
        )))
    }
}

fn xlsx_grid(bytes: Vec<u8>) -> Result<Vec<Row>, Refusal> {
    check_container(&bytes).map_err(Refusal::File)?;
    let unreadable = |e: calamine::XlsxError| {
        tracing::info!(error = %e, "unreadable verification xlsx");
        Refusal::File(
            "无法读取该文件：它不是有效的 Excel 工作簿（.xlsx），或已损坏。请在 Excel 中重新保存为 .xlsx 后再上传"
                .into(),
        )
    };
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let Some(first) = book.sheet_names().first().cloned() else {
        return Err(Refusal::File("工作簿中没有工作表".into()));
    };
    // The header and at most one row past the limit (the service refuses it).
    let (mut rows, _) = read_cells(&mut book, &first, MAX_ROWS + 2).map_err(unreadable)?;
    let last = rows.last().map_or(0, |r| r.number);
    mark_formulas(&mut book, &first, last, &mut rows).map_err(unreadable)?;
    Ok(rows)
}

/// The text of a CSV file in UTF-8, with or without a byte-order mark.
fn csv_text(bytes: &[u8]) -> Result<&str, Refusal> {
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|_| {
        Refusal::File(
            "CSV 文件不是 UTF-8 编码：请在 Excel 中“另存为”“CSV UTF-8（逗号分隔）”，或改传 .xlsx 文件"
                .into(),
        )
    })
}

/// The rows of a CSV file (RFC 4180: commas, double quotes, CRLF or LF),
/// read one record at a time so a million-row list is never held twice.
/// Each record is a row numbered from 1; blank records are skipped. The size
/// of an upload is bounded where it is received (the page's limit); a file
/// given at the command line is the operator's own.
fn csv_rows(text: &str) -> impl Iterator<Item = Result<Row, Refusal>> + '_ {
    Records {
        chars: text.chars().peekable(),
        done: false,
    }
    .enumerate()
    .filter(|(_, r)| !matches!(r, Ok(rec) if rec.iter().all(|c| c.trim().is_empty())))
    // The header and at most one row past the limit (the service refuses it).
    .take(MAX_ROWS + 2)
    .map(|(i, r)| {
        r.map(|record| Row {
            number: u32::try_from(i + 1).unwrap_or(u32::MAX),
            cells: record.into_iter().map(Cell::Text).collect(),
        })
    })
}

/// The records of a CSV text, one by one; an unclosed quote ends them with
/// a refusal.
struct Records<'a> {
    chars: Peekable<Chars<'a>>,
    done: bool,
}

impl Iterator for Records<'_> {
    type Item = Result<Vec<String>, Refusal>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut record = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        while let Some(ch) = self.chars.next() {
            if quoted {
                match ch {
                    '"' if self.chars.peek() == Some(&'"') => {
                        self.chars.next();
                        field.push('"');
                    }
                    '"' => quoted = false,
                    _ => field.push(ch),
                }
                continue;
            }
            match ch {
                '"' if field.is_empty() => quoted = true,
                ',' => record.push(std::mem::take(&mut field)),
                '\r' if self.chars.peek() == Some(&'\n') => {}
                '\n' | '\r' => {
                    record.push(field);
                    return Some(Ok(record));
                }
                _ => field.push(ch),
            }
        }
        self.done = true;
        if quoted {
            return Some(Err(Refusal::File(
                "CSV 文件格式有误：有一个双引号没有闭合".into(),
            )));
        }
        if !field.is_empty() || !record.is_empty() {
            record.push(field);
            return Some(Ok(record));
        }
        None
    }
}

/// The text of a cell of a column, or why it cannot be read.
fn text_of(cell: &Cell, code: &str, kind: Option<FieldKind>) -> Result<String, String> {
    let text = match (cell, kind) {
        (Cell::Formula(_), _) => {
            return Err("含公式的单元格不能读取，请“选择性粘贴—数值”后再上传".into())
        }
        (Cell::Error(e), _) => return Err(format!("单元格是错误值 {e}")),
        (Cell::Number(_), None) if code == "id_number" => {
            return Err(
                "身份证号码被 Excel 存成了数字（末几位会丢失）：请把该列设为文本格式后重新填写"
                    .into(),
            )
        }
        (Cell::Date(d), Some(FieldKind::Month)) => d.format("%Y-%m").to_string(),
        (Cell::Date(d), _) => d.format("%Y-%m-%d").to_string(),
        (c, _) => c.display(),
    };
    match kind {
        Some(FieldKind::Money) if !text.trim().is_empty() => Fen::parse_yuan("amount", &text)
            .map(|f| f.0.to_string())
            .map_err(|e| format!("“{}”不是有效金额（元）：{}", text.trim(), e.message)),
        _ => Ok(text),
    }
}

/// The header row (the first row with anything in it) names the columns;
/// every later row is a data row, numbered as the file numbers it (a blank
/// row between two is kept, so the service names it).
fn rows_of(
    dataset: Dataset,
    label: &str,
    mut grid: impl Iterator<Item = Result<Row, Refusal>>,
) -> Result<FileRows, Refusal> {
    let Some(header) = grid.next().transpose()? else {
        return Err(Refusal::File(
            "文件中没有内容：第 1 行应为表头，从第 2 行起每行一人".into(),
        ));
    };
    let header_no = usize::try_from(header.number).unwrap_or(usize::MAX);
    let mut problems = Vec::new();
    let mut columns: Vec<Option<&'static str>> = Vec::new();
    for cell in &header.cells {
        let text = cell.display();
        if text.trim().is_empty() {
            columns.push(None);
            continue;
        }
        match column_of(dataset, &text) {
            Some(code) if columns.contains(&Some(code)) => {
                problems.push(RowProblem {
                    row: header_no,
                    column: text.trim().to_owned(),
                    message: format!("表头中“{code}”列出现了两次"),
                });
                columns.push(None);
            }
            Some(code) => columns.push(Some(code)),
            None => {
                problems.push(RowProblem {
                    row: header_no,
                    column: text.trim().to_owned(),
                    message: format!(
                        "“{}”没有“{}”这一列，可用的列：{}（也可用中文列名，见模板的“说明”）",
                        label,
                        text.trim(),
                        codes(dataset).join("、")
                    ),
                });
                columns.push(None);
            }
        }
    }
    let mut rows = Rows::new();
    let mut next_no = header_no + 1;
    for r in grid {
        let r = r?;
        let number = usize::try_from(r.number).unwrap_or(usize::MAX);
        while next_no < number {
            rows.push(std::iter::empty());
            next_no += 1;
        }
        next_no = number + 1;
        let mut cells: Vec<(&str, String)> = Vec::new();
        for (c, cell) in r.cells.iter().enumerate() {
            if matches!(cell, Cell::Empty) {
                continue;
            }
            let Some(code) = columns.get(c).copied().flatten() else {
                if !cell.display().trim().is_empty()
                    && header
                        .cells
                        .get(c)
                        .is_none_or(|h| h.display().trim().is_empty())
                {
                    problems.push(RowProblem {
                        row: number,
                        column: format!("第 {} 列", c + 1),
                        message: "该列有数据但没有表头：请在第 1 行写明列名，或删除该列".into(),
                    });
                }
                continue;
            };
            match text_of(cell, code, kind_of(dataset, code)) {
                Ok(t) => cells.push((code, t)),
                Err(message) => problems.push(RowProblem {
                    row: number,
                    column: code.to_owned(),
                    message,
                }),
            }
        }
        rows.push(cells.iter().map(|(c, t)| (*c, t.as_str())));
    }
    if !problems.is_empty() {
        return Err(Refusal::Rows(problems));
    }
    if rows.is_empty() {
        return Err(Refusal::File(
            "文件只有表头，没有数据行：请从第 2 行起每行填写一人".into(),
        ));
    }
    Ok(FileRows {
        rows,
        first_row: header_no + 1,
    })
}

/// A dataset's template: a 数据 sheet whose header row is the column codes
/// (each with a note giving its Chinese name), and a 说明 sheet titled
/// with the catalogue's `name` of the dataset (label and department).
pub fn template(dataset: Dataset, name: &str) -> Result<Vec<u8>, String> {
    build_template(dataset, name).map_err(|e| e.to_string())
}

fn label_of(dataset: Dataset, code: &str) -> String {
    match code {
        "id_number" => "身份证号码".into(),
        "id_hash" => "身份证号散列".into(),
        _ => dataset
            .fields()
            .iter()
            .find(|f| f.code == code)
            .map(|f| {
                if f.kind == FieldKind::Money {
                    format!("{}（元）", f.label)
                } else {
                    f.label.to_owned()
                }
            })
            .unwrap_or_default(),
    }
}

fn note_of(dataset: Dataset, code: &str) -> (bool, String) {
    match code {
        "id_number" => (
            false,
            "18 位身份证号码（末位 X 大写），以文本格式填写。与 id_hash 二选一。".into(),
        ),
        "id_hash" => (
            false,
            "身份证号码的密钥散列：64 位小写十六进制的 HMAC-SHA256（密钥向工会管理员索取）。与 id_number 二选一。".into(),
        ),
        _ => dataset
            .fields()
            .iter()
            .find(|f| f.code == code)
            .map(|f| {
                let how = match f.kind {
                    FieldKind::Money => "金额，单位元，最多两位小数",
                    FieldKind::Count => "不小于 0 的整数",
                    FieldKind::Month => "月份，YYYY-MM，如 2024-03",
                    FieldKind::Date => "日期，YYYY-MM-DD，如 2024-03-15",
                    FieldKind::Grade => "残疾等级，1 至 4",
                    FieldKind::Text => "文字，至多 100 字",
                };
                (f.required, how.to_owned())
            })
            .unwrap_or_default(),
    }
}

fn build_template(dataset: Dataset, name: &str) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = header_format();
    let required = header_format().set_font_color(Color::RGB(0xC00000));
    let text = Format::new().set_num_format("@");
    let ws = book.add_worksheet();
    ws.set_name("数据")?;
    for (c, code) in codes(dataset).into_iter().enumerate() {
        let c = col(c)?;
        let (must, how) = note_of(dataset, code);
        ws.set_column_width(c, if code == "id_hash" { 40 } else { 22 })?;
        ws.set_column_format(c, &text)?;
        ws.write_string_with_format(0, c, code, if must { &required } else { &bold })?;
        let note = Note::new(format!(
            "{}{}：{how}",
            label_of(dataset, code),
            if must { "（必填）" } else { "" }
        ))
        .add_author_prefix(false);
        ws.insert_note(0, c, &note)?;
    }
    ws.set_freeze_panes(1, 0)?;

    let ws = book.add_worksheet();
    ws.set_name("说明")?;
    let title = Format::new().set_bold().set_font_size(14);
    let wrap = Format::new().set_text_wrap();
    ws.write_string_with_format(0, 0, format!("{name}报送模板 · 填写说明"), &title)?;
    let general = [
        "1. 在“数据”工作表中，第 1 行是表头（列名），请勿改动；从第 2 行起每行填写一人。表头也可以用下表中的中文列名。红色表头为必填列。",
        "2. 每行填写 id_number（身份证号码）或 id_hash（身份证号散列）之一。身份证号码请以文本格式填写（模板中各列已设为文本），否则 Excel 会丢失末几位。",
        "3. id_hash = 小写十六进制的 HMAC-SHA256（密钥，身份证号码）：密钥是工会管理员提供的 64 位十六进制串，按十六进制解码为 32 个字节后使用；身份证号码为 18 位，末位 X 大写。",
        "4. 金额单位为元，最多两位小数；日期写作 YYYY-MM-DD，月份写作 YYYY-MM。不计算公式。",
        "5. 也可以上传 UTF-8 编码的 CSV 文件，第 1 行为表头，其余同上。整批“全部或全不”：任一行有错误，整批都不接收，并列出每个错误的行号、列和原因。",
    ];
    for (n, line) in general.iter().enumerate() {
        ws.write_string_with_format(row(n + 1)?, 0, *line, &wrap)?;
    }
    let start = general.len() + 2;
    for (c, h) in ["列名", "中文列名", "是否必填", "填写说明"]
        .iter()
        .enumerate()
    {
        ws.write_string_with_format(row(start)?, col(c)?, *h, &bold)?;
    }
    for (i, code) in codes(dataset).into_iter().enumerate() {
        let r = row(start + 1 + i)?;
        let (must, how) = note_of(dataset, code);
        ws.write_string(r, 0, code)?;
        ws.write_string(r, 1, label_of(dataset, code))?;
        ws.write_string(
            r,
            2,
            match code {
                "id_number" | "id_hash" => "二选一",
                _ if must => "必填",
                _ => "选填",
            },
        )?;
        ws.write_string_with_format(r, 3, how, &wrap)?;
    }
    ws.set_column_width(0, 24)?;
    ws.set_column_width(1, 24)?;
    ws.set_column_width(2, 10)?;
    ws.set_column_width(3, 70)?;
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(dataset: Dataset, text: &str) -> Result<FileRows, Refusal> {
        read(dataset, dataset.label(), "a.csv", text.as_bytes().to_vec())
    }

    #[test]
    fn csv_with_bom_labels_and_yuan() {
        let text =
            "\u{feff}身份证号码,车辆价值,号牌\r\n110101199003074514,12345.6,\"粤A \"\"1\"\"\"\r\n";
        let r = csv(Dataset::Vehicle, text).unwrap();
        assert_eq!(r.first_row, 2);
        let row = r.rows.map(0);
        assert_eq!(row["value_fen"], "1234560");
        assert_eq!(row["plate"], "粤A \"1\"");
        assert_eq!(row["id_number"], "110101199003074514");
    }

    #[test]
    fn unknown_headers_and_bad_money_are_listed() {
        let Err(Refusal::Rows(p)) =
            csv(Dataset::Vehicle, "id_number,value_fen,colour\n1,abc,red\n")
        else {
            panic!("refused")
        };
        assert!(
            p.iter().any(|p| p.row == 1 && p.column == "colour"),
            "{p:?}"
        );
        assert!(
            p.iter().any(|p| p.row == 2 && p.column == "value_fen"),
            "{p:?}"
        );
    }

    #[test]
    fn empty_and_wrong_files_say_why() {
        assert!(
            matches!(read(Dataset::Death, "死亡登记", "a.csv", vec![]), Err(Refusal::File(m)) if m.contains("空"))
        );
        assert!(
            matches!(read(Dataset::Death, "死亡登记", "a.pdf", b"x".to_vec()), Err(Refusal::File(m)) if m.contains(".xlsx"))
        );
        assert!(
            matches!(csv(Dataset::Death, "id_number\n"), Err(Refusal::File(m)) if m.contains("没有数据行"))
        );
    }

    #[test]
    fn the_template_opens() {
        let bytes = template(Dataset::Medical, "大额医疗自付费用（医疗保障部门）").unwrap();
        assert_eq!(&bytes[..2], b"PK");
    }
}
