//! The Bangfu server as a library: what `bangfu serve` runs, and what the
//! integration tests start on port 0.

use bangfu_service::field_keys::FieldKeys;
use bangfu_service::keys::Keyring;
use bangfu_service::{Db, DbOptions, Services, Settings};
use std::net::SocketAddr;
use tokio::net::TcpListener;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("数据库：{0}")]
    Database(String),
    #[error("无法监听 {addr}：{reason}")]
    Listen { addr: String, reason: String },
    #[error("{0}")]
    Service(#[from] bangfu_service::ServiceError),
}

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub listen: String,
    pub settings: Settings,
    pub db: DbOptions,
    pub web: bangfu_web::WebOptions,
    /// The data key: it seals ID numbers, phones, addresses, health and
    /// notes in the database (and encrypts backups). Required: without it
    /// nothing is opened.
    pub keyring: Option<Keyring>,
}

impl Config {
    pub fn new(database_url: impl Into<String>, listen: impl Into<String>) -> Self {
        Self {
            database_url: database_url.into(),
            listen: listen.into(),
            settings: Settings::default(),
            db: DbOptions::default(),
            web: bangfu_web::WebOptions::default(),
            keyring: None,
        }
    }
}

/// Opens the database, applies migrations, makes sure the tree has a root
/// and re-identifies the files whose stored decision a migration made stale.
pub async fn open(config: &Config) -> Result<Services, AppError> {
    let db = Db::open(&config.database_url, &config.db).map_err(|e| match e {
        bangfu_storage::StorageError::UnsupportedUrl(url) => AppError::Database(format!(
            "不支持的数据库地址 {url}：应为 sqlite://文件路径 或 postgres://用户@主机/数据库"
        )),
        bangfu_storage::StorageError::ReplicaUnsupported(url) => AppError::Database(format!(
            "只读数据库 {url} 无法使用：流复制只读库要求主库和只读库都是 PostgreSQL（postgres://…）"
        )),
        other => AppError::Database(other.to_string()),
    })?;
    let keyring = config.keyring.as_ref().ok_or_else(|| {
        AppError::Database(
            "没有配置数据密钥：用 --key-file 文件、环境变量 BANGFU_KEY_FILE 或 BANGFU_KEY 指定（bangfu keys generate --to 文件 可生成一个）".into(),
        )
    })?;
    let db = db.with_cipher(std::sync::Arc::new(FieldKeys::new(keyring)?));
    let services = Services::new(db, config.settings.clone());
    services.prepare().await?;
    // Decisions a migration marked stale (the rule changed) are refreshed
    // before anything is served, so lists and counts agree with the rule.
    services.decisions_refresh_stale().await?;
    Ok(services)
}

/// A running server.
pub struct Running {
    pub addr: SocketAddr,
    pub services: Services,
    pub task: tokio::task::JoinHandle<()>,
}

/// Binds the listener and serves in a background task.
pub async fn start(config: Config) -> Result<Running, AppError> {
    let services = open(&config).await?;
    let listener = TcpListener::bind(&config.listen)
        .await
        .map_err(|e| AppError::Listen {
            addr: config.listen.clone(),
            reason: e.to_string(),
        })?;
    let addr = listener.local_addr().map_err(|e| AppError::Listen {
        addr: config.listen.clone(),
        reason: e.to_string(),
    })?;
    let app = bangfu_web::router(bangfu_web::AppState::new(services.clone(), config.web));
    let task = tokio::spawn(async move {
        let svc = app.into_make_service_with_connect_info::<SocketAddr>();
        if let Err(e) = axum::serve(listener, svc)
            .with_graceful_shutdown(shutdown())
            .await
        {
            tracing::error!(error = %e, "server stopped");
        }
    });
    // A re-identification whose process stopped is taken over by whichever
    // process checks first: now, and every few minutes.
    if let Err(e) = services.reidentify_resume_due().await {
        tracing::error!(error = %e, "re-identification could not be resumed");
    }
    tokio::spawn(services.clone().reidentify_watch());
    if config.settings.monthly_schedule {
        // The monthly run (月度评估): checked now (before serving, so a fresh
        // database is seen empty) and then every hour; of all the processes
        // serving the database, the first to claim a month runs it.
        if let Err(e) = services.monthly_run_due().await {
            tracing::error!(error = %e, "monthly run could not start");
        }
        tokio::spawn(services.clone().monthly_schedule());
    }
    Ok(Running {
        addr,
        services,
        task,
    })
}

/// Stops on Ctrl+C or SIGTERM (systemd, container runtimes), finishing the
/// requests in flight.
async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
