//! `bangfu backup`, `bangfu restore` and `bangfu keys`: where the data key
//! comes from (the edge's business: files and the environment), and the
//! lines printed around the service's backup and restore.

use bangfu::Config;
use bangfu_service::backup::{self, Progress};
use bangfu_service::keys::{self, Algorithm, Keyring};
use bangfu_service::{Backend, Db};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// The key file beside a SQLite database when none is configured.
const DEFAULT_KEY_FILE: &str = "bangfu.key";

#[derive(Args)]
pub struct BackupArgs {
    /// The backup file to write (must not exist), e.g. backups/bangfu-2026-12-07.bfbak
    #[arg(long)]
    to: PathBuf,
}

#[derive(Args)]
pub struct RestoreArgs {
    /// The backup file to restore
    #[arg(long)]
    from: PathBuf,
    /// Replace the data of a database that is not empty (all of it)
    #[arg(long)]
    force: bool,
}

#[derive(Subcommand)]
pub enum KeysCommand {
    /// Write a new key file with one new key (readable by its owner only);
    /// refuses to overwrite a file
    Generate {
        /// sm4-gcm (default, 商用密码) or aes-256-gcm
        #[arg(long, default_value = "sm4-gcm")]
        algorithm: String,
        #[arg(long)]
        to: PathBuf,
    },
    /// Append a new current key to the data key file (--key-file, the
    /// config file's key_file, or bangfu.key beside a SQLite database) and
    /// re-encrypt every sealed column with it. Stop the servers first, and
    /// give them the new key file before starting them again
    Rotate {
        /// sm4-gcm (default, 商用密码) or aes-256-gcm
        #[arg(long, default_value = "sm4-gcm")]
        algorithm: String,
    },
    /// Append a new current key to a key file; the keys before it stay to
    /// decrypt what they encrypted
    Add {
        /// sm4-gcm (default, 商用密码) or aes-256-gcm
        #[arg(long, default_value = "sm4-gcm")]
        algorithm: String,
        #[arg(long)]
        to: PathBuf,
    },
}

/// Where the key may come from, strongest first: `--key-file` or
/// `BANGFU_KEY_FILE`, then `BANGFU_KEY` (one key line), then the config
/// file's `key_file`, then `bangfu.key` beside a SQLite database.
pub struct KeySources {
    flag: Option<PathBuf>,
    config: Option<PathBuf>,
    line: Option<String>,
}

impl KeySources {
    pub fn new(flag: Option<PathBuf>, config: Option<PathBuf>) -> Self {
        Self {
            flag,
            config,
            line: std::env::var("BANGFU_KEY")
                .ok()
                .filter(|v| !v.trim().is_empty()),
        }
    }

    /// The key file a rotation appends to: the one configured, or the
    /// default beside a SQLite database (never `BANGFU_KEY`, which is not a
    /// file).
    fn file(&self, database_url: &str) -> Result<PathBuf, String> {
        if let Some(path) = self.flag.as_ref().or(self.config.as_ref()) {
            return Ok(path.clone());
        }
        if self.line.is_some() {
            return Err(
                "密钥来自环境变量 BANGFU_KEY，无法轮换：请改用密钥文件（--key-file）".into(),
            );
        }
        default_file(database_url)
            .ok_or_else(|| "PostgreSQL 数据库须用 --key-file 指定数据密钥文件".to_owned())
    }

    /// The keyring; `create` makes the default key file beside a SQLite
    /// database when there is none yet (a start or a backup may; a restore
    /// may not).
    pub fn keyring(&self, database_url: &str, create: bool) -> Result<Keyring, String> {
        if let Some(path) = self.flag.as_ref() {
            return load(path);
        }
        if let Some(line) = &self.line {
            return Keyring::parse(line, "BANGFU_KEY").map_err(|e| e.to_string());
        }
        if let Some(path) = self.config.as_ref() {
            return load(path);
        }
        let Some(path) = default_file(database_url) else {
            return Err("PostgreSQL 数据库须配置数据密钥（它加密库中的身份证号、电话、住址等，也加密备份）：--key-file 文件、环境变量 BANGFU_KEY_FILE 或 BANGFU_KEY、或配置文件中的 key_file。可用 bangfu keys generate --to 文件 生成一个，并另行妥善保管。".into());
        };
        if path.exists() {
            return load(&path);
        }
        if !create {
            return Err(format!(
                "没有配置数据密钥，数据库旁也没有 {}：请用 --key-file 指定加密该备份的密钥文件",
                path.display()
            ));
        }
        let key = keys::generate_key_file(&path, Algorithm::Sm4Gcm).map_err(|e| e.to_string())?;
        eprintln!(
            "警告：没有配置数据密钥，已生成 {}（{}，密钥 {}）。它加密数据库中的身份证号、电话、住址等和备份：请把它另行备份到安全的地方（不要和数据库备份放在一起）；丢失密钥就丢失这些数据。",
            path.display(),
            key.algorithm().code(),
            key.id()
        );
        Keyring::load_file(&path).map_err(|e| e.to_string())
    }
}

/// `bangfu.key` beside a SQLite database; none for PostgreSQL.
fn default_file(database_url: &str) -> Option<PathBuf> {
    let db_path = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))?;
    let dir = Path::new(db_path)
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    Some(dir.join(DEFAULT_KEY_FILE))
}

/// `bangfu keys rotate`: a new current key in the key file, then the
/// start's sealing pass, which re-encrypts every sealed value and blind
/// index with it.
pub async fn rotate(mut config: Config, keys: &KeySources, algorithm: &str) -> Result<(), String> {
    let path = keys.file(&config.database_url)?;
    let algorithm = Algorithm::parse(algorithm).map_err(|e| e.to_string())?;
    // The old key must open the data before a new one is added.
    let old = load(&path)?;
    config.keyring = Some(old);
    drop(bangfu::open(&config).await.map_err(|e| e.to_string())?);
    let key = keys::add_key(&path, algorithm).map_err(|e| e.to_string())?;
    config.keyring = Some(load(&path)?);
    let started = Instant::now();
    bangfu::open(&config).await.map_err(|e| e.to_string())?;
    println!(
        "已在 {} 中加入新的当前密钥 {}（{}），并用它重新加密了数据库中所有加密保存的值和索引（用时 {:.1} 秒）。原有密钥仍留在文件中，用来打开它加密的旧备份；请重新备份密钥文件，并把它发给每个服务进程后再启动。",
        path.display(),
        key.id(),
        key.algorithm().code(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn load(path: &Path) -> Result<Keyring, String> {
    let ring = Keyring::load_file(path).map_err(|e| e.to_string())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.permissions().mode() & 0o077 != 0 {
                eprintln!(
                    "警告：密钥文件 {} 其他用户也能读取；建议 chmod 600 {}",
                    path.display(),
                    path.display()
                );
            }
        }
    }
    Ok(ring)
}

fn progress() -> Progress {
    Arc::new(|line: &str| eprintln!("{line}"))
}

fn open_db(config: &Config) -> Result<Db, String> {
    Db::open(&config.database_url, &config.db).map_err(|e| format!("数据库：{e}"))
}

pub async fn backup(config: &Config, keys: &KeySources, args: BackupArgs) -> Result<(), String> {
    let db = open_db(config)?;
    let keyring = keys.keyring(
        &config.database_url,
        matches!(db.backend(), Backend::Sqlite),
    )?;
    let started = Instant::now();
    let summary = backup::backup(&db, &keyring, &args.to, progress())
        .await
        .map_err(cli_error)?;
    println!(
        "已备份 {} 张表、{} 行到 {}（{:.1} MB，用时 {:.1} 秒；来源 {}；{} 加密，密钥 {}）。",
        summary.tables,
        summary.rows,
        args.to.display(),
        summary.bytes as f64 / 1_048_576.0,
        started.elapsed().as_secs_f64(),
        summary.backend,
        summary.algorithm.code(),
        summary.key_id
    );
    println!("恢复它需要这把密钥：请确认密钥文件已另行备份。");
    Ok(())
}

pub async fn restore(config: &Config, keys: &KeySources, args: RestoreArgs) -> Result<(), String> {
    let db = open_db(config)?;
    let keyring = keys.keyring(&config.database_url, false)?;
    let started = Instant::now();
    let summary = backup::restore(&db, &keyring, &args.from, args.force, progress())
        .await
        .map_err(cli_error)?;
    if !summary.replaced.is_empty() {
        println!(
            "已替换目标数据库原有的数据（--force）：{}。",
            summary
                .replaced
                .iter()
                .map(|(t, n)| format!("{t} {n} 行"))
                .collect::<Vec<_>>()
                .join("、")
        );
    }
    println!(
        "已从 {} 恢复 {} 张表、{} 行，各表行数与校验和均与备份一致（备份来源 {}，生成于 {}，帮扶 {}；用时 {:.1} 秒）。",
        args.from.display(),
        summary.tables,
        summary.rows,
        summary.manifest.backend,
        summary.manifest.created_at,
        summary.manifest.bangfu,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

pub fn keys(cmd: KeysCommand) -> Result<(), String> {
    match cmd {
        KeysCommand::Generate { algorithm, to } => {
            let algorithm = Algorithm::parse(&algorithm).map_err(|e| e.to_string())?;
            let key = keys::generate_key_file(&to, algorithm).map_err(|e| e.to_string())?;
            println!(
                "已生成密钥文件 {}（{}，密钥 {}，仅所有者可读）。请另行备份它：丢失密钥就丢失用它加密的数据。",
                to.display(),
                key.algorithm().code(),
                key.id()
            );
        }
        KeysCommand::Rotate { .. } => {
            return Err("bangfu keys rotate 需要数据库：请在 main 中处理".into());
        }
        KeysCommand::Add { algorithm, to } => {
            let algorithm = Algorithm::parse(&algorithm).map_err(|e| e.to_string())?;
            let key = keys::add_key(&to, algorithm).map_err(|e| e.to_string())?;
            println!(
                "已在 {} 中加入新的当前密钥 {}（{}）；原有密钥仍可解密它们加密的数据。请重新备份密钥文件。",
                to.display(),
                key.id(),
                key.algorithm().code()
            );
        }
    }
    Ok(())
}

fn cli_error(e: bangfu_service::ServiceError) -> String {
    match e {
        bangfu_service::ServiceError::Internal(detail) => format!("内部错误：{detail}"),
        other => other.to_string(),
    }
}
