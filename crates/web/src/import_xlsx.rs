//! The workbooks of the household import: reading an uploaded `.xlsx` with
//! calamine into cells for the service, and writing the template and the
//! error workbook with rust_xlsxwriter. The columns come from
//! `bangfu_service::import::SHEETS`, the one definition the rules use too.

use bangfu_service::import::{
    Cell, ImportFile, ImportReport, Row, SheetRows, EXAMPLE_WORKER_ID, MAX_COLUMNS, MAX_FILE_BYTES,
    SHEETS, SHEET_NOTES,
};
use calamine::{DataRef, Reader, Xlsx};
use chrono::{NaiveDate, NaiveDateTime};
use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, Format, FormatBorder, Workbook, Worksheet,
    XlsxError,
};
use std::collections::{HashMap, HashSet};
use std::io::Cursor;

/// The most the parts of a workbook may hold once unpacked: a 30 MB file
/// that unpacks to gigabytes is an attack, not a spreadsheet.
const MAX_UNPACKED_BYTES: u64 = 1024 * 1024 * 1024;
const MAX_ZIP_ENTRIES: usize = 10_000;

/// Checks that the bytes are an `.xlsx` workbook, before anything parses
/// them: size, the zip signature (and what else it might be), the zip's
/// declared unpacked size.
pub fn check_container(bytes: &[u8]) -> Result<(), String> {
    if bytes.is_empty() {
        return Err("上传的文件是空的，请选择要导入的 .xlsx 文件".into());
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(format!(
            "文件过大（{:.1} MB），单个导入文件不超过 {} MB；请分成几个文件导入",
            bytes.len() as f64 / 1024.0 / 1024.0,
            MAX_FILE_BYTES / 1024 / 1024
        ));
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err("这是旧版 Excel 97-2003（.xls）文件或设置了打开密码的工作簿，无法导入。请在 Excel 中“另存为” Excel 工作簿（.xlsx），并取消密码后再导入".into());
    }
    if !bytes.starts_with(b"PK\x03\x04") {
        let texty = std::str::from_utf8(&bytes[..bytes.len().min(4096)]).is_ok()
            || bytes.starts_with(&[0xEF, 0xBB, 0xBF]);
        return Err(if texty {
            "文件不是 Excel 工作簿（.xlsx），看起来是文本或 CSV 文件。请用导入模板填写，或在 Excel 中打开后“另存为” Excel 工作簿（.xlsx）".into()
        } else {
            "文件不是 Excel 工作簿（.xlsx）。请下载导入模板，填写后保存为 .xlsx 再导入".into()
        });
    }
    let bad_zip = || {
        "文件已损坏，或不是 Excel 工作簿（.xlsx）。请在 Excel 中重新保存为 .xlsx 后再导入"
            .to_owned()
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| bad_zip())?;
    if zip.len() > MAX_ZIP_ENTRIES {
        return Err(bad_zip());
    }
    let mut unpacked: u64 = 0;
    for n in 0..zip.len() {
        let entry = zip.by_index_raw(n).map_err(|_| bad_zip())?;
        unpacked = unpacked.saturating_add(entry.size());
    }
    if unpacked > MAX_UNPACKED_BYTES {
        return Err("文件解压后过大，无法导入；请分成几个文件导入".into());
    }
    Ok(())
}

/// Reads the data sheets (`家庭`, `成员`, `收入`) of an `.xlsx` into cells.
/// Formula cells are marked as such (the service refuses them); rows past
/// the service's limits are not kept. Runs on a blocking thread.
pub fn read(bytes: Vec<u8>, file_name: &str) -> Result<ImportFile, String> {
    check_container(&bytes)?;
    let unreadable = |e: calamine::XlsxError| {
        tracing::info!(error = %e, "unreadable xlsx upload");
        "无法读取该文件：它不是有效的 Excel 工作簿（.xlsx），或已损坏。请在 Excel 中重新保存为 .xlsx 后再导入".to_owned()
    };
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let sheet_names = book.sheet_names();
    let mut sheets = Vec::new();
    for def in &SHEETS {
        let Some(name) = sheet_names.iter().find(|n| n.trim() == def.name).cloned() else {
            continue;
        };
        let limit = ImportFile::row_limit(def.name).unwrap_or(usize::MAX);
        let (mut rows, truncated) = read_cells(&mut book, &name, limit).map_err(unreadable)?;
        let last_row = rows.last().map_or(0, |r| r.number);
        mark_formulas(&mut book, &name, last_row, &mut rows).map_err(unreadable)?;
        sheets.push(SheetRows {
            name: def.name.to_owned(),
            rows,
            truncated,
        });
    }
    Ok(ImportFile {
        file_name: file_name.to_owned(),
        sheet_names,
        sheets,
    })
}

pub(crate) fn read_cells(
    book: &mut Xlsx<Cursor<Vec<u8>>>,
    name: &str,
    limit: usize,
) -> Result<(Vec<Row>, bool), calamine::XlsxError> {
    let mut reader = book.worksheet_cells_reader(name)?;
    let mut rows: Vec<Row> = Vec::new();
    while let Some(cell) = reader.next_cell()? {
        let (r, c) = cell.get_position();
        let Ok(c) = usize::try_from(c) else { continue };
        if c >= MAX_COLUMNS {
            continue;
        }
        let value = convert(cell.get_value());
        if value == Cell::Empty {
            continue;
        }
        let number = r.saturating_add(1);
        if rows.last().is_none_or(|last| last.number != number) {
            if rows.len() >= limit {
                return Ok((rows, true));
            }
            rows.push(Row {
                number,
                cells: Vec::new(),
            });
        }
        if let Some(row) = rows.last_mut() {
            if row.cells.len() <= c {
                row.cells.resize(c + 1, Cell::Empty);
            }
            row.cells[c] = value;
        }
    }
    Ok((rows, false))
}

/// Replaces the cells that hold a formula (up to `last_row`) by the formula.
pub(crate) fn mark_formulas(
    book: &mut Xlsx<Cursor<Vec<u8>>>,
    name: &str,
    last_row: u32,
    rows: &mut [Row],
) -> Result<(), calamine::XlsxError> {
    let mut reader = book.worksheet_cells_reader(name)?;
    let mut formulas: HashMap<(u32, usize), String> = HashMap::new();
    while let Some(f) = reader.next_formula()? {
        let (r, c) = f.get_position();
        if r.saturating_add(1) > last_row {
            break;
        }
        let Ok(c) = usize::try_from(c) else { continue };
        if c < MAX_COLUMNS && !f.get_value().is_empty() {
            formulas.insert((r.saturating_add(1), c), f.get_value().clone());
        }
    }
    if formulas.is_empty() {
        return Ok(());
    }
    for row in rows.iter_mut() {
        for (c, cell) in row.cells.iter_mut().enumerate() {
            if let Some(f) = formulas.remove(&(row.number, c)) {
                *cell = Cell::Formula(f);
            }
        }
    }
    // A formula whose cached result is empty has no cell yet.
    for ((number, c), f) in formulas {
        let at = rows.binary_search_by_key(&number, |r| r.number);
        if let Some(row) = at.ok().and_then(|i| rows.get_mut(i)) {
            if row.cells.len() <= c {
                row.cells.resize(c + 1, Cell::Empty);
            }
            row.cells[c] = Cell::Formula(f);
        }
    }
    Ok(())
}

fn convert(v: &DataRef<'_>) -> Cell {
    match v {
        DataRef::Empty => Cell::Empty,
        DataRef::String(s) => Cell::Text(s.clone()),
        DataRef::SharedString(s) => Cell::Text((*s).to_owned()),
        #[allow(clippy::cast_precision_loss)]
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(d) if d.is_datetime() => {
            let (y, mo, da, h, mi, s, _) = d.to_ymd_hms_milli();
            NaiveDate::from_ymd_opt(i32::from(y), u32::from(mo), u32::from(da))
                .and_then(|date| date.and_hms_opt(u32::from(h), u32::from(mi), u32::from(s)))
                .map_or(Cell::Number(d.as_f64()), Cell::Date)
        }
        DataRef::DateTime(d) => Cell::Number(d.as_f64()),
        DataRef::DateTimeIso(s) => NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
            .ok()
            .or_else(|| {
                NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .ok()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
            })
            .map_or_else(|| Cell::Text(s.clone()), Cell::Date),
        DataRef::DurationIso(s) => Cell::Text(s.clone()),
        DataRef::Error(e) => Cell::Error(e.to_string()),
    }
}

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

pub(crate) fn col(c: usize) -> Result<u16, XlsxError> {
    u16::try_from(c).map_err(|_| XlsxError::ParameterError("column".into()))
}

pub(crate) fn row(r: usize) -> Result<u32, XlsxError> {
    u32::try_from(r).map_err(|_| XlsxError::ParameterError("row".into()))
}

pub(crate) fn header_format() -> Format {
    Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border(FormatBorder::Thin)
}

/// The import template: the three data sheets with their headers (bold,
/// frozen), one example row each, text format where Excel would otherwise
/// mangle what is typed, drop-down lists for coded columns, and a 说明 sheet
/// listing every column and every allowed value.
pub fn template() -> Result<Vec<u8>, String> {
    build_template().map_err(|e| e.to_string())
}

fn build_template() -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = header_format();
    let required = header_format().set_font_color(Color::RGB(0xC00000));
    let text = Format::new().set_num_format("@");
    let example = Format::new()
        .set_num_format("@")
        .set_italic()
        .set_font_color(Color::RGB(0x7F7F7F));
    for def in &SHEETS {
        let ws = book.add_worksheet();
        ws.set_name(def.name)?;
        for (c, column) in def.columns.iter().enumerate() {
            let c = col(c)?;
            let width = (column.header.chars().count() * 2 + 4).clamp(10, 36);
            ws.set_column_width(c, u32::try_from(width).unwrap_or(12))?;
            if column.kind.is_text() {
                ws.set_column_format(c, &text)?;
            }
            let f = if column.required { &required } else { &bold };
            ws.write_string_with_format(0, c, column.header, f)?;
            ws.write_string_with_format(1, c, column.example, &example)?;
            let options = column.options();
            if !options.is_empty() && column.header != "致困原因" {
                let dv = DataValidation::new()
                    .allow_list_strings(&options)?
                    .set_error_style(DataValidationErrorStyle::Warning);
                ws.add_data_validation(1, c, 100_000, c, &dv)?;
            }
        }
        ws.set_freeze_panes(1, 0)?;
    }
    notes_sheet(book.add_worksheet(), &bold)?;
    book.save_to_buffer()
}

fn notes_sheet(ws: &mut Worksheet, bold: &Format) -> Result<(), XlsxError> {
    ws.set_name(SHEET_NOTES)?;
    let wrap = Format::new().set_text_wrap();
    let title = Format::new().set_bold().set_font_size(14);
    ws.write_string_with_format(0, 0, "困难职工档案导入模板 · 填写说明", &title)?;
    let general = [
        "1. 本模板有“家庭”“成员”“收入”三个工作表，导入时三个都要保留（没有成员或收入记录的表只留表头）；请勿改动表头文字。红色表头为必填列。".to_owned(),
        "2. 每个工作表的第 2 行是示例（灰色斜体），导入前请删除或改为真实数据；示例行会被拒绝，不会被导入。".to_owned(),
        "3. “成员”和“收入”用“职工身份证号码”对应到“家庭”表中的一户。".to_owned(),
        "4. 身份证号码、电话、行政区划代码、日期、月份请以文本格式填写（模板中这些列已设为文本），否则 Excel 会丢失身份证号码的末几位，或把月份变成日期。".to_owned(),
        "5. 不计算公式：含公式的单元格会被拒绝，请“选择性粘贴—数值”后再导入。金额单位为元，最多两位小数。".to_owned(),
        format!(
            "6. 导入是“全部或全不”：任一行有错误，整个文件都不会写入，并列出每个错误所在的工作表、行号、列和原因，可下载错误清单改正后重新导入。单个文件不超过 {} MB、{} 户；超过 2000 户的文件在后台导入并显示进度。",
            MAX_FILE_BYTES / 1024 / 1024,
            bangfu_service::import::MAX_HOUSEHOLD_ROWS
        ),
        format!("7. 示例中的身份证号码 {EXAMPLE_WORKER_ID} 等仅为格式示范。"),
    ];
    for (n, line) in general.iter().enumerate() {
        ws.write_string(row(n + 1)?, 0, line)?;
    }
    let start = general.len() + 2;
    let headers = ["工作表", "列", "是否必填", "填写说明", "可选值"];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(row(start)?, col(c)?, *h, bold)?;
    }
    let mut r = start + 1;
    for def in &SHEETS {
        ws.write_string(row(r)?, 0, def.name)?;
        ws.write_string_with_format(row(r)?, 3, def.note, &wrap)?;
        r += 1;
        for column in def.columns {
            ws.write_string(row(r)?, 0, def.name)?;
            ws.write_string(row(r)?, 1, column.header)?;
            ws.write_string(row(r)?, 2, if column.required { "必填" } else { "选填" })?;
            ws.write_string_with_format(row(r)?, 3, column.note, &wrap)?;
            ws.write_string_with_format(row(r)?, 4, column.options().join("、"), &wrap)?;
            r += 1;
        }
    }
    ws.set_column_width(0, 10)?;
    ws.set_column_width(1, 20)?;
    ws.set_column_width(2, 10)?;
    ws.set_column_width(3, 60)?;
    ws.set_column_width(4, 60)?;
    Ok(())
}

/// The errors of a refused import as a workbook: a 错误清单 sheet (sheet,
/// row, column, reason) and, per data sheet, the uploaded rows that have
/// errors with the bad cells highlighted and an added 错误 column.
pub fn error_workbook(report: &ImportReport) -> Result<Vec<u8>, String> {
    build_errors(report).map_err(|e| e.to_string())
}

fn build_errors(report: &ImportReport) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = header_format();
    let bad = Format::new()
        .set_background_color(Color::RGB(0xFFC7CE))
        .set_font_color(Color::RGB(0x9C0006));
    let wrap = Format::new().set_text_wrap();
    {
        let ws = book.add_worksheet();
        ws.set_name("错误清单")?;
        let headers = ["工作表", "行号", "列", "错误原因"];
        for (c, h) in headers.iter().enumerate() {
            ws.write_string_with_format(0, col(c)?, *h, &bold)?;
        }
        for (n, e) in report.errors.iter().enumerate() {
            let r = row(n + 1)?;
            ws.write_string(r, 0, e.sheet.as_deref().unwrap_or("（整个文件）"))?;
            match e.row {
                Some(x) => ws.write_number(r, 1, x)?,
                None => ws.write_string(r, 1, "")?,
            };
            ws.write_string(r, 2, e.column.as_deref().unwrap_or(""))?;
            ws.write_string_with_format(r, 3, &e.message, &wrap)?;
        }
        let after = report.errors.len() + 2;
        if report.error_total > report.errors.len() {
            ws.write_string(
                row(after)?,
                0,
                format!(
                    "共 {} 处错误，此处列出前 {} 处；请先改正这些，再重新导入查看其余错误。",
                    report.error_total,
                    report.errors.len()
                ),
            )?;
        }
        ws.write_string(
            row(after + 1)?,
            0,
            "整个文件未写入任何数据。请在原文件中按行号改正后重新导入。",
        )?;
        ws.set_column_width(0, 12)?;
        ws.set_column_width(1, 8)?;
        ws.set_column_width(2, 18)?;
        ws.set_column_width(3, 90)?;
        ws.set_freeze_panes(1, 0)?;
    }
    for def in &SHEETS {
        let rows: Vec<_> = report.rows.iter().filter(|r| r.sheet == def.name).collect();
        if rows.is_empty() {
            continue;
        }
        let mut messages: HashMap<u32, Vec<String>> = HashMap::new();
        let mut cells: HashSet<(u32, String)> = HashSet::new();
        for e in report
            .errors
            .iter()
            .filter(|e| e.sheet.as_deref() == Some(def.name))
        {
            let Some(r) = e.row else { continue };
            let what = match &e.column {
                Some(c) => {
                    cells.insert((r, c.clone()));
                    format!("{}：{}", c, e.message)
                }
                None => e.message.clone(),
            };
            messages.entry(r).or_default().push(what);
        }
        let ws = book.add_worksheet();
        ws.set_name(format!("{}-有错误的行", def.name))?;
        ws.write_string_with_format(0, 0, "原行号", &bold)?;
        for (c, column) in def.columns.iter().enumerate() {
            ws.write_string_with_format(0, col(c + 1)?, column.header, &bold)?;
            ws.set_column_width(col(c + 1)?, 16)?;
        }
        let err_col = col(def.columns.len() + 1)?;
        ws.write_string_with_format(0, err_col, "错误", &bold)?;
        ws.set_column_width(err_col, 80)?;
        for (n, er) in rows.iter().enumerate() {
            let r = row(n + 1)?;
            ws.write_number(r, 0, er.row)?;
            for (c, column) in def.columns.iter().enumerate() {
                let v = er.cells.get(c).map(String::as_str).unwrap_or("");
                if cells.contains(&(er.row, column.header.to_owned())) {
                    ws.write_string_with_format(r, col(c + 1)?, v, &bad)?;
                } else {
                    ws.write_string(r, col(c + 1)?, v)?;
                }
            }
            let text = messages
                .get(&er.row)
                .map(|m| m.join("；"))
                .unwrap_or_default();
            ws.write_string_with_format(r, err_col, text, &bad)?;
        }
        ws.set_freeze_panes(1, 1)?;
    }
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_reads_back_with_its_sheets() {
        let bytes = template().expect("template");
        let file = read(bytes, "t.xlsx").expect("readable");
        let names: Vec<&str> = file.sheets.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["家庭", "成员", "收入"]);
        assert!(file.sheet_names.iter().any(|n| n == "说明"));
        let hh = &file.sheets[0];
        assert_eq!(hh.rows[0].cells[0], Cell::Text("姓名".into()));
        assert_eq!(hh.rows[1].cells[1], Cell::Text(EXAMPLE_WORKER_ID.into()));
    }

    #[test]
    fn refuses_what_is_not_xlsx() {
        assert!(check_container(b"").is_err());
        assert!(check_container(b"name,id\nzhang,1\n")
            .unwrap_err()
            .contains("CSV"));
        assert!(check_container(&[0xD0, 0xCF, 0x11, 0xE0, 0, 0])
            .unwrap_err()
            .contains(".xls"));
        assert!(check_container(b"PK\x03\x04garbage").is_err());
    }
}
