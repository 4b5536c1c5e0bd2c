//! Excel downloads of what a list page shows, with the same filters.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::{Format, Workbook};

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

/// The download response; `filename` may be Chinese (RFC 6266 `filename*`).
pub fn download(filename: &str, bytes: Vec<u8>) -> Response {
    attachment(
        filename,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        bytes,
    )
}

/// Any file as a download under its own (possibly Chinese) name.
pub fn attachment(filename: &str, content_type: &str, bytes: Vec<u8>) -> Response {
    let encoded: String = form_urlencoded::byte_serialize(filename.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    let fallback = if filename.ends_with(".xlsx") {
        "export.xlsx"
    } else {
        "file"
    };
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
}
