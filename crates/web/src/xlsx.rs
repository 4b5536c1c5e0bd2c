//! Excel downloads of what a list page shows, with the same filters, and
//! of typed sheets a use case lays out (a person's copy of their data).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bangfu_service::person_export::{Cell, Sheet};
use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

/// The most rows one download carries; beyond it the person narrows the filter.
pub const MAX_ROWS: usize = 50_000;

/// One worksheet with a bold, frozen header row. Every cell is text, so
/// nothing a user typed is ever evaluated as a formula.
pub fn workbook(sheet: &str, headers: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, String> {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(sheet).map_err(|e| e.to_string())?;
    let bold = Format::new().set_bold();
    for (c, h) in headers.iter().enumerate() {
        let col = u16::try_from(c).map_err(|e| e.to_string())?;
        ws.write_string_with_format(0, col, *h, &bold)
            .map_err(|e| e.to_string())?;
        ws.set_column_width(col, 18).map_err(|e| e.to_string())?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = u32::try_from(r + 1).map_err(|e| e.to_string())?;
        for (c, v) in row.iter().enumerate() {
            let col = u16::try_from(c).map_err(|e| e.to_string())?;
            ws.write_string(r, col, v).map_err(|e| e.to_string())?;
        }
    }
    ws.set_freeze_panes(1, 0).map_err(|e| e.to_string())?;
    book.save_to_buffer().map_err(|e| e.to_string())
}

/// The longest text a cell holds (Excel's limit); longer text is cut.
const MAX_CELL_CHARS: usize = 32_767;

/// A workbook of typed sheets, in their order: each with a bold, frozen
/// header row; text as text (never a formula), dates and times as dates,
/// money as yuan with two decimals, counts as numbers.
pub fn typed_workbook(sheets: &[Sheet]) -> Result<Vec<u8>, String> {
    let e = |e: XlsxError| e.to_string();
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let day = Format::new().set_num_format("yyyy-mm-dd");
    let instant = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    let money = Format::new().set_num_format("0.00");
    let wrap = Format::new().set_text_wrap();
    for (i, sheet) in sheets.iter().enumerate() {
        let ws = book.add_worksheet();
        ws.set_name(sheet.name).map_err(e)?;
        for (c, h) in sheet.headers.iter().enumerate() {
            let col = u16::try_from(c).map_err(|e| e.to_string())?;
            ws.write_string_with_format(0, col, *h, &bold).map_err(e)?;
            ws.set_column_width(col, 16).map_err(e)?;
        }
        for (r, row) in sheet.rows.iter().enumerate() {
            let rr = u32::try_from(r + 1).map_err(|e| e.to_string())?;
            for (c, cell) in row.iter().enumerate() {
                let col = u16::try_from(c).map_err(|e| e.to_string())?;
                match cell {
                    Cell::Text(t) if t.is_empty() => {}
                    Cell::Text(t) if i == 0 => {
                        ws.write_string_with_format(rr, col, cut(t), &wrap)
                            .map_err(e)?;
                    }
                    Cell::Text(t) => {
                        ws.write_string(rr, col, cut(t)).map_err(e)?;
                    }
                    Cell::Date(d) => {
                        ws.write_datetime_with_format(rr, col, excel_date(*d)?, &day)
                            .map_err(e)?;
                    }
                    Cell::Time(t) => {
                        ws.write_datetime_with_format(rr, col, excel_time(t)?, &instant)
                            .map_err(e)?;
                    }
                    // Yuan as a number, shown with two decimals: the fen are
                    // exact below 2^53 fen, far above any amount on file.
                    #[allow(clippy::cast_precision_loss)]
                    Cell::Money(f) => {
                        ws.write_number_with_format(rr, col, f.0 as f64 / 100.0, &money)
                            .map_err(e)?;
                    }
                    #[allow(clippy::cast_precision_loss)]
                    Cell::Int(n) => {
                        ws.write_number(rr, col, *n as f64).map_err(e)?;
                    }
                    Cell::Empty => {}
                }
            }
        }
        if i == 0 {
            // 说明: labels, and long text wrapped in a wide column.
            ws.set_column_width(0, 22).map_err(e)?;
            ws.set_column_width(1, 90).map_err(e)?;
        }
        ws.set_freeze_panes(1, 0).map_err(e)?;
    }
    book.save_to_buffer().map_err(e)
}

fn cut(t: &str) -> String {
    t.chars().take(MAX_CELL_CHARS).collect()
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, String> {
    let year = u16::try_from(d.year()).map_err(|e| e.to_string())?;
    let month = u8::try_from(d.month()).map_err(|e| e.to_string())?;
    let day = u8::try_from(d.day()).map_err(|e| e.to_string())?;
    ExcelDateTime::from_ymd(year, month, day).map_err(|e| e.to_string())
}

fn excel_time(t: &NaiveDateTime) -> Result<ExcelDateTime, String> {
    let hour = u16::try_from(t.hour()).map_err(|e| e.to_string())?;
    let min = u8::try_from(t.minute()).map_err(|e| e.to_string())?;
    excel_date(t.date())?
        .and_hms(hour, min, t.second())
        .map_err(|e| e.to_string())
}

/// The download response; `filename` may be Chinese (RFC 6266 `filename*`).
pub fn download(filename: &str, bytes: Vec<u8>) -> Response {
    attachment(filename, XLSX, bytes)
}

/// Any file as a download under its own (possibly Chinese) name.
pub fn attachment(filename: &str, content_type: &str, bytes: Vec<u8>) -> Response {
    let fallback = if filename.ends_with(".xlsx") {
        "export.xlsx"
    } else {
        "file"
    };
    attachment_as(filename, fallback, content_type, bytes)
}

/// A workbook download under its (possibly Chinese) name, with `fallback`
/// (ASCII letters, digits, `-`, `_` and `.` only) for clients that do not
/// read RFC 6266 `filename*`.
pub fn download_as(filename: &str, fallback: &str, bytes: Vec<u8>) -> Response {
    let fallback: String = fallback
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    attachment_as(filename, &fallback, XLSX, bytes)
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn attachment_as(filename: &str, fallback: &str, content_type: &str, bytes: Vec<u8>) -> Response {
    let encoded: String = form_urlencoded::byte_serialize(filename.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    let disposition = format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}");
    let mut res = (StatusCode::OK, bytes).into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_zip_container() {
        let bytes = workbook(
            "用户",
            &["用户名", "姓名"],
            &[vec!["zhang".into(), "=1+1".into()]],
        );
        let bytes = bytes.expect("xlsx");
        assert_eq!(&bytes[..2], b"PK");
    }

    #[test]
    fn typed_cells_are_written_as_what_they_are_and_long_text_is_cut() {
        use bangfu_domain::Fen;
        use calamine::{Data, Reader, Xlsx};
        let day = NaiveDate::from_ymd_opt(2025, 3, 1).expect("date");
        let at = day.and_hms_opt(9, 30, 5).expect("time");
        let sheets = [
            Sheet {
                name: "说明",
                headers: vec!["项目", "内容"],
                rows: vec![vec![Cell::Text("理由".into()), Cell::Text("=1+1".into())]],
            },
            Sheet {
                name: "数据",
                headers: vec!["文本", "日期", "时间", "金额", "数量", "空"],
                rows: vec![vec![
                    Cell::Text("很".repeat(MAX_CELL_CHARS + 10)),
                    Cell::Date(day),
                    Cell::Time(at),
                    Cell::Money(Fen(300_050)),
                    Cell::Int(3),
                    Cell::Empty,
                ]],
            },
        ];
        let bytes = typed_workbook(&sheets).expect("xlsx");
        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("read back");
        assert_eq!(book.sheet_names(), ["说明", "数据"]);
        let about = book.worksheet_range("说明").expect("说明");
        assert_eq!(about.get((1, 1)), Some(&Data::String("=1+1".into())));
        let data = book.worksheet_range("数据").expect("数据");
        match data.get((1, 0)) {
            Some(Data::String(t)) => assert_eq!(t.chars().count(), MAX_CELL_CHARS),
            other => panic!("text: {other:?}"),
        }
        match data.get((1, 1)) {
            // 2025-03-01 is day 45717 of Excel's calendar.
            Some(Data::DateTime(d)) => assert_eq!(d.as_f64(), 45717.0),
            other => panic!("date: {other:?}"),
        }
        match data.get((1, 2)) {
            Some(Data::DateTime(d)) => {
                let seconds = (d.as_f64() - 45717.0) * 86_400.0;
                assert!((seconds - 34_205.0).abs() < 0.01, "09:30:05 is {seconds} s");
            }
            other => panic!("time: {other:?}"),
        }
        assert_eq!(data.get((1, 3)), Some(&Data::Float(3000.5)));
        assert_eq!(data.get((1, 4)), Some(&Data::Float(3.0)));
    }
}
