//! Backup and restore of the whole database (issue 15, item 4): `bangfu
//! backup --to FILE` and `bangfu restore --from FILE [--force]`.
//!
//! A backup is one file, the same whichever backend it came from: a
//! plaintext header naming the data key ([`stream`]), then a stream sealed
//! in chunks with that key, holding gzipped JSON lines ([`format`]): a
//! manifest (versions, migrations, source backend, each table's columns and
//! row count), then every table's rows with a SHA-256 each. It is written
//! in one pass from one read transaction (all tables of one instant, while
//! the server keeps running) and never held in memory.
//!
//! A restore checks the whole file first (key, every chunk, every table's
//! count and checksum), so a truncated, altered or foreign file is refused
//! before the database is touched. It then brings the database to the
//! backup's migrations, replaces every table's rows in one transaction,
//! computes each table's checksum again over what it loaded, and commits
//! only if all agree; later migrations of this binary run after.

mod format;
mod stream;

pub use format::{ColumnEntry, Manifest, TableEntry};
pub use stream::{Header, FORMAT};

use crate::keys::{Algorithm, Keyring};
use crate::ServiceError;
use bangfu_storage::backup::{self as store, Column, Table, Value};
use bangfu_storage::{Backend, Conn, Db, StorageError};
use format::{encode_row, write_failed, write_record, Content, Line, Record, TableHash};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use stream::{refused, SealedWriter};

/// Where progress lines go (the command line prints them on stderr).
pub type Progress = Arc<dyn Fn(&str) + Send + Sync>;

/// Rows between two progress lines within a table.
const PROGRESS_EVERY: i64 = 200_000;
/// Rows read from the file before they are inserted.
const LOAD_BATCH: usize = 5_000;

#[derive(Debug, Clone)]
pub struct BackupSummary {
    pub tables: usize,
    pub rows: i64,
    pub bytes: u64,
    pub key_id: String,
    pub algorithm: Algorithm,
    pub backend: &'static str,
}

#[derive(Debug, Clone)]
pub struct RestoreSummary {
    pub tables: usize,
    pub rows: i64,
    pub manifest: Manifest,
    /// Tables that held data and were replaced (`--force`), with their rows.
    pub replaced: Vec<(String, i64)>,
}

fn backend_code(b: Backend) -> &'static str {
    match b {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

/// A storage failure during a backup or restore. What the backup or the
/// database says about itself is the operator's to read, so it is a
/// refusal with its detail, not a hidden internal error.
fn storage(e: StorageError) -> ServiceError {
    match e {
        StorageError::Migration(m) => ServiceError::Rule(format!("数据库结构：{m}")),
        StorageError::Corrupt(m) => ServiceError::Rule(format!("数据不符：{m}")),
        other => ServiceError::Internal(other.to_string()),
    }
}

/// Writes a backup of the whole database to `path` (which must not exist),
/// sealed with the keyring's current key. It is written to `path.partial`
/// and renamed when complete, so `path` never holds half a backup.
pub async fn backup(
    db: &Db,
    keyring: &Keyring,
    path: &Path,
    progress: Progress,
) -> Result<BackupSummary, ServiceError> {
    if path.exists() {
        return Err(ServiceError::Rule(format!(
            "{} 已存在，不会覆盖：请换一个文件名（例如带上日期）",
            path.display()
        )));
    }
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| ServiceError::Rule(format!("无法创建目录 {}：{e}", dir.display())))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options
        .open(&partial)
        .map_err(|e| ServiceError::Rule(format!("无法创建 {}：{e}", partial.display())))?;
    let key = keyring.current().clone();
    let backend = backend_code(db.backend());
    let done = db
        .read(move |conn| store::snapshot(conn, |conn| dump(conn, file, &key, backend, &progress)))
        .await;
    let (tables, rows) = match done {
        Ok(v) => v,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::rename(&partial, path).map_err(|e| {
        ServiceError::Rule(format!(
            "无法把 {} 改名为 {}：{e}",
            partial.display(),
            path.display()
        ))
    })?;
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    Ok(BackupSummary {
        tables,
        rows,
        bytes,
        key_id: keyring.current().id().to_owned(),
        algorithm: keyring.current().algorithm(),
        backend,
    })
}

/// Inside the snapshot: the manifest, then every table.
fn dump(
    conn: &mut Conn,
    file: std::fs::File,
    key: &crate::keys::Key,
    backend: &'static str,
    progress: &Progress,
) -> Result<(usize, i64), ServiceError> {
    let tables = store::tables(conn).map_err(storage)?;
    let migrations = store::applied_migrations(conn).map_err(storage)?;
    let mut entries = Vec::with_capacity(tables.len());
    for t in &tables {
        entries.push(TableEntry {
            name: t.name.clone(),
            columns: t
                .columns
                .iter()
                .map(|c| ColumnEntry {
                    name: c.name.clone(),
                    kind: c.kind.code().to_owned(),
                })
                .collect(),
            rows: store::count(conn, &t.name).map_err(storage)?,
        });
    }
    let manifest = Manifest {
        format: FORMAT,
        bangfu: env!("CARGO_PKG_VERSION").to_owned(),
        backend: backend.to_owned(),
        created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        migrations,
        tables: entries.clone(),
    };
    let sealed = SealedWriter::new(BufWriter::with_capacity(256 * 1024, file), key)?;
    let mut out = flate2::write::GzEncoder::new(sealed, flate2::Compression::new(6));
    write_record(&mut out, &Record::Manifest(manifest))?;
    let mut total = 0;
    for (t, entry) in tables.iter().zip(&entries) {
        write_record(
            &mut out,
            &Record::Table {
                name: t.name.clone(),
                rows: entry.rows,
            },
        )?;
        let mut hash = TableHash::new();
        store::rows(conn, t, &t.columns, |values: Vec<Value>| {
            let mut line = encode_row(&values, true);
            hash.add(&values, Some(&line));
            line.push('\n');
            out.write_all(line.as_bytes()).map_err(write_failed)?;
            if hash.rows % PROGRESS_EVERY == 0 {
                progress(&format!("  {}：{} / {} 行", t.name, hash.rows, entry.rows));
            }
            Ok::<(), ServiceError>(())
        })?;
        let rows = hash.rows;
        if rows != entry.rows {
            return Err(ServiceError::Internal(format!(
                "{} counted {} rows and read {rows} in one snapshot",
                t.name, entry.rows
            )));
        }
        write_record(
            &mut out,
            &Record::TableEnd {
                name: t.name.clone(),
                rows,
                sha256: hash.hex(),
            },
        )?;
        if rows > 0 {
            progress(&format!("{}：{rows} 行", t.name));
        }
        total += rows;
    }
    write_record(
        &mut out,
        &Record::End {
            tables: tables.len(),
            rows: total,
        },
    )?;
    let sealed = out.finish().map_err(write_failed)?;
    let buffered = sealed.finish().map_err(write_failed)?;
    let file = buffered
        .into_inner()
        .map_err(|e| write_failed(e.into_error()))?;
    file.sync_all().map_err(write_failed)?;
    Ok((tables.len(), total))
}

/// Reads a whole backup file and checks it (key, chunks, every table's rows
/// against its count and checksum), touching no database. Returns its
/// manifest.
pub fn verify(
    path: &Path,
    keyring: &Keyring,
    progress: &Progress,
) -> Result<Manifest, ServiceError> {
    let (mut content, manifest) = Content::open(path, keyring)?;
    read_tables(
        &mut content,
        &manifest,
        progress,
        |_, _, _| Ok(()),
        |_, _| Ok(()),
    )?;
    Ok(manifest)
}

/// Walks the tables of the content in the manifest's order, checking each
/// table's rows against its end record, handing rows (in batches) to
/// `rows` and each finished table (name, its end record's checksum) to
/// `end`.
fn read_tables(
    content: &mut Content,
    manifest: &Manifest,
    progress: &Progress,
    mut rows: impl FnMut(&TableEntry, Vec<Vec<Value>>, bool) -> Result<(), ServiceError>,
    mut end: impl FnMut(&TableEntry, &str) -> Result<(), ServiceError>,
) -> Result<i64, ServiceError> {
    let mut total = 0;
    for entry in &manifest.tables {
        let kinds = entry.kinds()?;
        match content.next()? {
            Some(Line::Record(Record::Table { name, .. })) if name == entry.name => {}
            _ => return Err(refused(&format!("表 {} 的数据不在应在的位置", entry.name))),
        }
        let mut hash = TableHash::new();
        let mut batch = Vec::new();
        let sha = loop {
            match content.next()? {
                Some(Line::Row(line)) => {
                    let values = format::decode_row(&line, &kinds).map_err(|e| {
                        refused(&format!("表 {} 第 {} 行：{e}", entry.name, hash.rows + 1))
                    })?;
                    hash.add(&values, Some(&line));
                    batch.push(values);
                    if batch.len() == LOAD_BATCH {
                        rows(entry, std::mem::take(&mut batch), false)?;
                    }
                    if hash.rows % PROGRESS_EVERY == 0 {
                        progress(&format!(
                            "  {}：{} / {} 行",
                            entry.name, hash.rows, entry.rows
                        ));
                    }
                }
                Some(Line::Record(Record::TableEnd {
                    name,
                    rows: n,
                    sha256,
                })) if name == entry.name => {
                    if n != hash.rows || n != entry.rows {
                        return Err(refused(&format!(
                            "表 {} 应有 {} 行，读到 {} 行",
                            entry.name, entry.rows, hash.rows
                        )));
                    }
                    if sha256 != hash.hex() {
                        return Err(refused(&format!("表 {} 的校验和不符", entry.name)));
                    }
                    break sha256;
                }
                Some(_) => return Err(refused(&format!("表 {} 的数据中有多余的记录", entry.name))),
                None => return Err(refused(&format!("表 {} 的数据不完整", entry.name))),
            }
        };
        rows(entry, batch, true)?;
        end(entry, &sha)?;
        total += entry.rows;
    }
    match content.next()? {
        Some(Line::Record(Record::End { tables, rows })) => {
            if tables != manifest.tables.len() || rows != total {
                return Err(refused("结尾记录与清单不符"));
            }
        }
        _ => return Err(refused("缺少结尾记录（文件不完整？）")),
    }
    if content.next()?.is_some() {
        return Err(refused("结尾记录之后还有数据"));
    }
    Ok(total)
}

/// Restores the backup at `path` into `db`: refused when the database holds
/// data, unless `force` (then its data is replaced).
pub async fn restore(
    db: &Db,
    keyring: &Keyring,
    path: &Path,
    force: bool,
    progress: Progress,
) -> Result<RestoreSummary, ServiceError> {
    // 1. The whole file, before anything is touched.
    progress("检查备份文件……");
    let manifest = {
        let (path, keyring, progress) = (path.to_owned(), keyring.clone(), progress.clone());
        tokio::task::spawn_blocking(move || verify(&path, &keyring, &progress))
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))??
    };
    let known = store::known_migrations(db.backend()).map_err(storage)?;
    if let Some(unknown) = manifest.migrations.iter().find(|m| !known.contains(m)) {
        return Err(ServiceError::Rule(format!(
            "备份来自更新的帮扶（{}，数据库结构迁移 {unknown} 本程序不认识）：请用至少同样新的帮扶恢复",
            manifest.bangfu
        )));
    }
    // 2. Data already there is not replaced without --force.
    let holding = db.read(|c| store::holding_data(c).map_err(storage)).await?;
    if !holding.is_empty() && !force {
        return Err(not_empty(&holding));
    }
    // 3. The backup's schema.
    let versions = manifest.migrations.clone();
    db.read(move |c| store::migrate_to(c, &versions, true).map_err(storage))
        .await?;
    // 4. The rows, in one transaction.
    progress("恢复数据……");
    let (path2, keyring2, manifest2, progress2) = (
        path.to_owned(),
        keyring.clone(),
        manifest.clone(),
        progress.clone(),
    );
    let rows = db
        .write(move |c| load(c, &path2, &keyring2, &manifest2, force, &progress2))
        .await?;
    // 5. This binary's later migrations.
    let db2 = db.clone();
    tokio::task::spawn_blocking(move || db2.migrate())
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))?
        .map_err(|e| {
            ServiceError::Rule(format!(
                "数据已恢复，但之后的数据库迁移失败（可再运行 bangfu migrate）：{e}"
            ))
        })?;
    Ok(RestoreSummary {
        tables: manifest.tables.len(),
        rows,
        manifest,
        replaced: holding,
    })
}

fn not_empty(holding: &[(String, i64)]) -> ServiceError {
    let list: Vec<String> = holding
        .iter()
        .take(8)
        .map(|(t, n)| format!("{t}（{n} 行）"))
        .collect();
    ServiceError::Rule(format!(
        "目标数据库不是空的：{}{}。恢复会替换其中的全部数据；确要替换请加 --force",
        list.join("、"),
        if holding.len() > 8 { "……" } else { "" }
    ))
}

/// Inside the restore's transaction.
fn load(
    conn: &mut Conn,
    path: &Path,
    keyring: &Keyring,
    checked: &Manifest,
    force: bool,
    progress: &Progress,
) -> Result<i64, ServiceError> {
    let (mut content, manifest) = Content::open(path, keyring)?;
    if &manifest != checked {
        return Err(refused("文件在检查之后被换过了"));
    }
    if !force {
        let holding = store::holding_data(conn).map_err(storage)?;
        if !holding.is_empty() {
            return Err(not_empty(&holding));
        }
    }
    let targets = store::tables(conn).map_err(storage)?;
    // Each backup table's columns, in the backup's order, typed as the
    // target has them.
    let mut columns: Vec<(Table, Vec<Column>)> = Vec::new();
    for entry in &manifest.tables {
        let target = targets
            .iter()
            .find(|t| t.name == entry.name)
            .ok_or_else(|| {
                ServiceError::Rule(format!("目标数据库中没有表 {}：结构与备份不同", entry.name))
            })?;
        let mut cols = Vec::with_capacity(entry.columns.len());
        for c in &entry.columns {
            cols.push(target.column(&c.name).cloned().ok_or_else(|| {
                ServiceError::Rule(format!(
                    "目标数据库的表 {} 中没有列 {}：结构与备份不同",
                    entry.name, c.name
                ))
            })?);
        }
        if let Some(extra) = target
            .columns
            .iter()
            .find(|c| !entry.columns.iter().any(|e| e.name == c.name))
        {
            return Err(ServiceError::Rule(format!(
                "目标数据库的表 {} 有备份中没有的列 {}：结构与备份不同",
                entry.name, extra.name
            )));
        }
        columns.push((target.clone(), cols));
    }
    if let Some(extra) = targets
        .iter()
        .find(|t| !manifest.tables.iter().any(|e| e.name == t.name))
    {
        return Err(ServiceError::Rule(format!(
            "备份中没有表 {}：结构与目标数据库不同",
            extra.name
        )));
    }
    let loading = store::start_load(conn).map_err(storage)?;
    store::clear(conn, &targets).map_err(storage)?;
    let find = |name: &str| columns.iter().find(|(t, _)| t.name == name);
    // The closures below share the connection: one at a time.
    let conn = std::cell::RefCell::new(conn);
    let total = read_tables(
        &mut content,
        &manifest,
        progress,
        |entry, batch, _| {
            let Some((_, cols)) = find(&entry.name) else {
                return Ok(());
            };
            let mut c = conn.borrow_mut();
            store::insert(&mut c, &entry.name, cols, batch).map_err(storage)
        },
        |entry, sha| {
            let Some((table, cols)) = find(&entry.name) else {
                return Ok(());
            };
            let mut c = conn.borrow_mut();
            let mut hash = TableHash::new();
            store::rows(&mut c, table, cols, |values: Vec<Value>| {
                hash.add(&values, None);
                Ok::<(), ServiceError>(())
            })?;
            let rows = hash.rows;
            if rows != entry.rows || hash.hex() != sha {
                return Err(ServiceError::Rule(format!(
                    "表 {} 载入后与备份不符（{rows} 行，应为 {} 行，或内容不同）：已全部撤销",
                    entry.name, entry.rows
                )));
            }
            if rows > 0 {
                progress(&format!("{}：{rows} 行", entry.name));
            }
            Ok(())
        },
    )?;
    let conn = conn.into_inner();
    store::finish_load(conn, loading).map_err(storage)?;
    Ok(total)
}
