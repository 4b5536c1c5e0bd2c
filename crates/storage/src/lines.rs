//! Lines and identification parameters per region. Small tables: callers
//! read them whole and resolve inheritance in the domain (`LineBook`).

use crate::db::{run, Conn};
use crate::schema::{identification_params, poverty_lines};
use crate::StorageError;
use bangfu_domain::identification::Params;
use bangfu_domain::lines::{Line, LineBook, ParamBook, RegionParams};
use bangfu_domain::{Fen, Month};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::upsert::excluded;

/// A stored line with who set it last.
#[derive(Debug, Clone)]
pub struct StoredLine {
    pub line: Line,
    pub updated_by: Option<i64>,
    pub updated_at: NaiveDateTime,
}

type LineRow = (String, String, i64, Option<i64>, Option<i64>, NaiveDateTime);

fn to_line(r: LineRow) -> Result<StoredLine, StorageError> {
    let (code, month, dibao, low, by, at) = r;
    Ok(StoredLine {
        line: line_of(code, &month, dibao, low)?,
        updated_by: by,
        updated_at: at,
    })
}

fn line_of(code: String, month: &str, dibao: i64, low: Option<i64>) -> Result<Line, StorageError> {
    let effective = Month::parse("effective_month", month)
        .map_err(|_| StorageError::Corrupt(format!("line {code} month {month}")))?;
    Ok(Line {
        division_code: code,
        effective,
        dibao_line: Fen(dibao),
        low_income_line: low.map(Fen),
    })
}

/// Every line, ordered by region then month. `prefix` narrows to the regions
/// whose code starts with it (a province's `44`).
pub fn all(conn: &mut Conn, prefix: Option<&str>) -> Result<Vec<StoredLine>, StorageError> {
    let rows: Vec<LineRow> = run!(conn, c => {
        let mut q = poverty_lines::table.into_boxed();
        if let Some(p) = prefix.filter(|p| !p.is_empty()) {
            q = q.filter(poverty_lines::division_code.like(format!("{p}%")));
        }
        q.order((poverty_lines::division_code.asc(), poverty_lines::effective_month.asc()))
            .select((
                poverty_lines::division_code,
                poverty_lines::effective_month,
                poverty_lines::dibao_line_fen,
                poverty_lines::low_income_line_fen,
                poverty_lines::updated_by,
                poverty_lines::updated_at,
            ))
            .load(c)
    })?;
    rows.into_iter().map(to_line).collect()
}

/// All lines as a lookup book. Every file's page and every decision reads
/// it, so it is one fixed statement (prepared once per connection) with only
/// the columns the book needs.
pub fn book(conn: &mut Conn) -> Result<LineBook, StorageError> {
    let rows: Vec<(String, String, i64, Option<i64>)> = run!(conn, c => poverty_lines::table
        .order((poverty_lines::division_code.asc(), poverty_lines::effective_month.asc()))
        .select((
            poverty_lines::division_code,
            poverty_lines::effective_month,
            poverty_lines::dibao_line_fen,
            poverty_lines::low_income_line_fen,
        ))
        .load(c))?;
    let lines = rows
        .into_iter()
        .map(|(code, month, dibao, low)| line_of(code, &month, dibao, low))
        .collect::<Result<Vec<_>, StorageError>>()?;
    Ok(LineBook::new(lines))
}

pub fn find(conn: &mut Conn, code: &str, month: Month) -> Result<Option<StoredLine>, StorageError> {
    let m = month.to_string();
    let row: Option<LineRow> = run!(conn, c => poverty_lines::table
        .filter(poverty_lines::division_code.eq(code))
        .filter(poverty_lines::effective_month.eq(&m))
        .select((
            poverty_lines::division_code,
            poverty_lines::effective_month,
            poverty_lines::dibao_line_fen,
            poverty_lines::low_income_line_fen,
            poverty_lines::updated_by,
            poverty_lines::updated_at,
        ))
        .first(c)
        .optional())?;
    row.map(to_line).transpose()
}

/// Sets (or replaces) the line of a region from a month on.
pub fn upsert(
    conn: &mut Conn,
    line: &Line,
    by: Option<i64>,
    now: NaiveDateTime,
) -> Result<(), StorageError> {
    let values = (
        poverty_lines::division_code.eq(&line.division_code),
        poverty_lines::effective_month.eq(line.effective.to_string()),
        poverty_lines::dibao_line_fen.eq(line.dibao_line.0),
        poverty_lines::low_income_line_fen.eq(line.low_income_line.map(|f| f.0)),
        poverty_lines::updated_by.eq(by),
        poverty_lines::updated_at.eq(now),
    );
    run!(conn, c => diesel::insert_into(poverty_lines::table)
        .values(values)
        .on_conflict((poverty_lines::division_code, poverty_lines::effective_month))
        .do_update()
        .set((
            poverty_lines::dibao_line_fen.eq(excluded(poverty_lines::dibao_line_fen)),
            poverty_lines::low_income_line_fen.eq(excluded(poverty_lines::low_income_line_fen)),
            poverty_lines::updated_by.eq(excluded(poverty_lines::updated_by)),
            poverty_lines::updated_at.eq(excluded(poverty_lines::updated_at)),
        ))
        .execute(c))?;
    Ok(())
}

/// Removes a line entered by mistake; returns whether there was one.
pub fn delete(conn: &mut Conn, code: &str, month: Month) -> Result<bool, StorageError> {
    let m = month.to_string();
    let n = run!(conn, c => diesel::delete(
        poverty_lines::table
            .filter(poverty_lines::division_code.eq(code))
            .filter(poverty_lines::effective_month.eq(&m)),
    )
    .execute(c))?;
    Ok(n > 0)
}

type ParamRow = (String, i32, i32, NaiveDate);

fn to_params(r: ParamRow) -> Result<(String, RegionParams), StorageError> {
    let (code, w, k, cutoff) = r;
    let conv =
        |v: i32| u32::try_from(v).map_err(|_| StorageError::Corrupt(format!("params {code}")));
    Ok((
        code.clone(),
        RegionParams {
            params: Params {
                window_months: conv(w)?,
                multiple_k: conv(k)?,
            },
            baseline_cutoff: cutoff,
        },
    ))
}

/// Every region's own parameters.
pub fn all_params(conn: &mut Conn) -> Result<Vec<(String, RegionParams)>, StorageError> {
    let rows: Vec<ParamRow> = run!(conn, c => identification_params::table
        .order(identification_params::division_code.asc())
        .select((
            identification_params::division_code,
            identification_params::window_months,
            identification_params::multiple_k,
            identification_params::baseline_cutoff,
        ))
        .load(c))?;
    rows.into_iter().map(to_params).collect()
}

pub fn param_book(conn: &mut Conn) -> Result<ParamBook, StorageError> {
    Ok(ParamBook::new(all_params(conn)?))
}

pub fn upsert_params(
    conn: &mut Conn,
    code: &str,
    p: &RegionParams,
    by: Option<i64>,
    now: NaiveDateTime,
) -> Result<(), StorageError> {
    let w =
        i32::try_from(p.params.window_months).map_err(|e| StorageError::Corrupt(e.to_string()))?;
    let k = i32::try_from(p.params.multiple_k).map_err(|e| StorageError::Corrupt(e.to_string()))?;
    let values = (
        identification_params::division_code.eq(code),
        identification_params::window_months.eq(w),
        identification_params::multiple_k.eq(k),
        identification_params::baseline_cutoff.eq(p.baseline_cutoff),
        identification_params::updated_by.eq(by),
        identification_params::updated_at.eq(now),
    );
    run!(conn, c => diesel::insert_into(identification_params::table)
        .values(values)
        .on_conflict(identification_params::division_code)
        .do_update()
        .set((
            identification_params::window_months.eq(excluded(identification_params::window_months)),
            identification_params::multiple_k.eq(excluded(identification_params::multiple_k)),
            identification_params::baseline_cutoff.eq(excluded(identification_params::baseline_cutoff)),
            identification_params::updated_by.eq(excluded(identification_params::updated_by)),
            identification_params::updated_at.eq(excluded(identification_params::updated_at)),
        ))
        .execute(c))?;
    Ok(())
}

/// Removes a region's own parameters so it inherits again.
pub fn delete_params(conn: &mut Conn, code: &str) -> Result<bool, StorageError> {
    let n = run!(conn, c => diesel::delete(
        identification_params::table.filter(identification_params::division_code.eq(code)),
    )
    .execute(c))?;
    Ok(n > 0)
}
