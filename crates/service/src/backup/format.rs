//! The content of a backup, inside the sealed and gzipped stream: JSON
//! lines. First `{"manifest": …}`; then for each table `{"table": {"name",
//! "rows"}}`, its rows as JSON arrays in the manifest's column order, and
//! `{"table_end": {"name", "rows", "sha256"}}`; last `{"end": {"tables",
//! "rows"}}`. A value is `null`, an integer, `true`/`false`, a string (text;
//! a timestamp `2026-12-07T01:02:03.123456`; a date `2026-12-07`) or, for
//! bytes, base64 text: the column's type in the manifest says which.
//!
//! A table's SHA-256 is over its rows in key order, each encoded as above
//! with timestamps cut to microseconds (the finest PostgreSQL keeps) and
//! ended by a newline; the restore computes it again over what it loaded.

use super::stream::{refused, SealedReader};
use crate::keys::Keyring;
use crate::ServiceError;
use bangfu_storage::backup::{Kind, Value};
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The content format (the header's format version).
    pub format: u8,
    /// The Bangfu version that made it.
    pub bangfu: String,
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// When the snapshot was taken (UTC, RFC 3339).
    pub created_at: String,
    /// The migrations applied to the database, oldest first.
    pub migrations: Vec<String>,
    pub tables: Vec<TableEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableEntry {
    pub name: String,
    pub columns: Vec<ColumnEntry>,
    pub rows: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnEntry {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
}

impl TableEntry {
    /// The columns' types, refusing one this version does not know.
    pub fn kinds(&self) -> Result<Vec<Kind>, ServiceError> {
        self.columns
            .iter()
            .map(|c| {
                Kind::parse(&c.kind).ok_or_else(|| {
                    refused(&format!(
                        "表 {} 的列 {} 的类型 {} 不认识",
                        self.name, c.name, c.kind
                    ))
                })
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Record {
    Manifest(Manifest),
    Table {
        name: String,
        rows: i64,
    },
    TableEnd {
        name: String,
        rows: i64,
        sha256: String,
    },
    End {
        tables: usize,
        rows: i64,
    },
}

/// A line of the content: a record or a row (its JSON text).
pub(crate) enum Line {
    Record(Record),
    Row(String),
}

pub(crate) fn write_record(out: &mut impl Write, record: &Record) -> Result<(), ServiceError> {
    let mut text = serde_json::to_string(record)
        .map_err(|e| ServiceError::Internal(format!("backup record: {e}")))?;
    text.push('\n');
    out.write_all(text.as_bytes()).map_err(write_failed)
}

pub(crate) fn write_failed(e: std::io::Error) -> ServiceError {
    ServiceError::Rule(format!("写入备份文件失败：{e}"))
}

/// A row as a JSON array; `exact` keeps timestamps to the nanosecond (the
/// file), otherwise they are cut to microseconds (the checksum).
pub(crate) fn encode_row(values: &[Value], exact: bool) -> String {
    let mut out = String::with_capacity(64 + values.len() * 12);
    out.push('[');
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match v {
            Value::Null => out.push_str("null"),
            Value::Int(n) => out.push_str(&n.to_string()),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Text(s) => out.push_str(&serde_json::Value::from(s.as_str()).to_string()),
            Value::Timestamp(t) => {
                let format = if exact {
                    "\"%Y-%m-%dT%H:%M:%S%.f\""
                } else {
                    "\"%Y-%m-%dT%H:%M:%S%.6f\""
                };
                out.push_str(&t.format(format).to_string());
            }
            Value::Date(d) => out.push_str(&d.format("\"%Y-%m-%d\"").to_string()),
            Value::Bytes(b) => {
                out.push('"');
                out.push_str(&base64::engine::general_purpose::STANDARD.encode(b));
                out.push('"');
            }
        }
    }
    out.push(']');
    out
}

/// A row of the file, typed by the manifest's columns.
pub(crate) fn decode_row(line: &str, kinds: &[Kind]) -> Result<Vec<Value>, String> {
    use serde_json::Value as J;
    let J::Array(items) = serde_json::from_str(line).map_err(|e| e.to_string())? else {
        return Err("不是 JSON 数组".into());
    };
    if items.len() != kinds.len() {
        return Err(format!("{} 个值，应为 {} 个", items.len(), kinds.len()));
    }
    items
        .into_iter()
        .zip(kinds)
        .map(|(v, kind)| {
            Ok(match (kind, v) {
                (_, J::Null) => Value::Null,
                (Kind::BigInt | Kind::Integer, J::Number(n)) => {
                    Value::Int(n.as_i64().ok_or_else(|| format!("{n} 不是整数"))?)
                }
                (Kind::Bool, J::Bool(b)) => Value::Bool(b),
                (Kind::Text, J::String(s)) => Value::Text(s),
                (Kind::Timestamp, J::String(s)) => {
                    Value::Timestamp(bangfu_storage::backup::parse_timestamp(&s)?)
                }
                (Kind::Date, J::String(s)) => Value::Date(
                    chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                        .map_err(|e| format!("日期 {s:?}：{e}"))?,
                ),
                (Kind::Bytes, J::String(s)) => Value::Bytes(
                    base64::engine::general_purpose::STANDARD
                        .decode(s)
                        .map_err(|e| format!("base64：{e}"))?,
                ),
                (k, other) => return Err(format!("{other} 不是 {}", k.code())),
            })
        })
        .collect()
}

/// The SHA-256 of a table's rows (see the module's documentation).
pub(crate) struct TableHash {
    sha: Sha256,
    pub rows: i64,
}

impl TableHash {
    pub fn new() -> Self {
        Self {
            sha: Sha256::new(),
            rows: 0,
        }
    }

    /// Adds a row; `exact_line` is its line in the file when already made.
    pub fn add(&mut self, values: &[Value], exact_line: Option<&str>) {
        // The file's line is the checksum's form when no timestamp is in
        // it (timestamps are written there to the nanosecond).
        let timestamps = values.iter().any(|v| matches!(v, Value::Timestamp(_)));
        match exact_line {
            Some(line) if !timestamps => self.sha.update(line.as_bytes()),
            _ => self.sha.update(encode_row(values, false).as_bytes()),
        }
        self.sha.update(b"\n");
        self.rows += 1;
    }

    pub fn hex(self) -> String {
        self.sha
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// Reads the content of a backup file: decrypts, gunzips, splits lines.
pub(crate) struct Content {
    lines: BufReader<flate2::read::GzDecoder<SealedReader<BufReader<File>>>>,
    buf: String,
}

impl Content {
    /// Opens `path` with `keyring` and reads its manifest.
    pub fn open(path: &Path, keyring: &Keyring) -> Result<(Self, Manifest), ServiceError> {
        let file = File::open(path)
            .map_err(|e| ServiceError::Rule(format!("无法打开备份文件 {}：{e}", path.display())))?;
        let (sealed, _header) =
            SealedReader::open(BufReader::with_capacity(256 * 1024, file), keyring)?;
        let mut content = Self {
            lines: BufReader::with_capacity(256 * 1024, flate2::read::GzDecoder::new(sealed)),
            buf: String::new(),
        };
        match content.next()? {
            Some(Line::Record(Record::Manifest(m))) => {
                if m.format != super::stream::FORMAT {
                    return Err(refused(&format!("内容格式版本 {} 不认识", m.format)));
                }
                Ok((content, m))
            }
            _ => Err(refused("开头没有清单（manifest）")),
        }
    }

    /// The next line, or `None` at the end of the stream.
    pub fn next(&mut self) -> Result<Option<Line>, ServiceError> {
        self.buf.clear();
        let n = self.lines.read_line(&mut self.buf).map_err(|e| {
            if e.kind() == std::io::ErrorKind::InvalidData {
                refused(&e.to_string())
            } else {
                refused(&format!("读取失败：{e}"))
            }
        })?;
        if n == 0 {
            return Ok(None);
        }
        let line = self.buf.trim_end_matches('\n');
        if line.starts_with('[') {
            return Ok(Some(Line::Row(line.to_owned())));
        }
        serde_json::from_str::<Record>(line)
            .map(|r| Some(Line::Record(r)))
            .map_err(|e| refused(&format!("无法读懂的记录：{e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn rows_round_trip_through_their_lines() {
        let t = NaiveDate::from_ymd_opt(2026, 12, 7)
            .unwrap()
            .and_hms_nano_opt(1, 2, 3, 123_456_789)
            .unwrap();
        let values = vec![
            Value::Int(i64::MAX),
            Value::Text("张三 \"引号\"\n第二行".into()),
            Value::Bool(true),
            Value::Null,
            Value::Timestamp(t),
            Value::Date(t.date()),
            Value::Bytes(vec![0, 1, 255]),
        ];
        let kinds = [
            Kind::BigInt,
            Kind::Text,
            Kind::Bool,
            Kind::Integer,
            Kind::Timestamp,
            Kind::Date,
            Kind::Bytes,
        ];
        let line = encode_row(&values, true);
        assert!(!line.contains('\n'));
        assert_eq!(decode_row(&line, &kinds).unwrap(), values);
        assert!(encode_row(&values, false).contains("01:02:03.123456\""));
    }
}
