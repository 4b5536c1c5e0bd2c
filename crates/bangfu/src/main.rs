//! `bangfu`: the server and the operator's command line.

mod audit_cmd;

use bangfu::{AppError, Config};
use bangfu_demo as demo;
use bangfu_service::{FirstLogin, Operator, Services};
use clap::{Args, Parser, Subcommand};
use serde::Deserialize;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

mod backup_cli;
mod tallies_cmd;

const DEFAULT_DATABASE: &str = "sqlite://data/bangfu.db";
const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

#[derive(Parser)]
#[command(name = "bangfu", version, about = "帮扶：困难职工帮扶系统")]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct Global {
    /// Database URL: sqlite://path/to/file.db or postgres://user@host/db
    #[arg(long, global = true, env = "BANGFU_DATABASE_URL")]
    database: Option<String>,
    /// A PostgreSQL streaming replica of that database for read-only work
    /// (lists, the panel, exports, reports); a person's reads right after
    /// their own write still go to the primary
    #[arg(long, global = true, env = "BANGFU_READ_DATABASE_URL")]
    read_database: Option<String>,
    /// Optional TOML file with the same settings (flags and environment win)
    #[arg(long, global = true, env = "BANGFU_CONFIG")]
    config: Option<PathBuf>,
    /// The data key file (backups are encrypted with its last key). Default:
    /// `BANGFU_KEY` (one key line), the config file's `key_file`, or
    /// `bangfu.key` beside a SQLite database
    #[arg(long, global = true, env = "BANGFU_KEY_FILE")]
    key_file: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Start the server (migrates the database first)
    Serve(ServeArgs),
    /// Apply database migrations and exit
    Migrate,
    /// Load the demo dataset (union tree and one account per role)
    Demo(DemoArgs),
    /// Manage accounts
    #[command(subcommand)]
    User(UserCommand),
    /// Check the audit log's hash chain
    #[command(subcommand)]
    Audit(audit_cmd::AuditCommand),
    /// Check or rebuild the panel's tallies
    #[command(subcommand)]
    Tallies(tallies_cmd::TalliesCommand),
    /// Receive a department's dataset for verification (部门核对) from an
    /// .xlsx or .csv file, as the upload page would, acting as an existing
    /// account: for lists that arrive by secure file transfer, and for
    /// benchmarks
    Verify(VerifyArgs),
    /// Write an encrypted, compressed backup of the whole database (online:
    /// the server may keep running) to a new file
    Backup(backup_cli::BackupArgs),
    /// Restore a backup into an empty database of either backend (or
    /// replace everything in it with --force); stop the server first
    Restore(backup_cli::RestoreArgs),
    /// Data key files
    #[command(subcommand)]
    Keys(backup_cli::KeysCommand),
}

#[derive(Args)]
struct VerifyArgs {
    /// The account it is received as (a department user or an administrator);
    /// its permissions and union decide who is matched, and the audit log names it
    #[arg(long)]
    user: String,
    /// Dataset code or label of the catalogue (death, dibao, vehicle, medical,
    /// or one an administrator added, e.g. provident_fund)
    #[arg(long)]
    dataset: String,
    /// Who sent it, e.g. 民政局
    #[arg(long)]
    source: String,
    /// The date the data is as of (YYYY-MM-DD)
    #[arg(long)]
    as_of: String,
    /// The matching key the hashes were made with (default: the current key)
    #[arg(long)]
    key_id: Option<i64>,
    /// The .xlsx or .csv file (headers: id_number or id_hash, then the dataset's fields; money in yuan)
    file: PathBuf,
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on
    #[arg(long, env = "BANGFU_LISTEN")]
    listen: Option<String>,
    /// Load the demo dataset first if the database does not have it yet
    #[arg(long)]
    demo: bool,
    /// Minutes of inactivity after which a session ends (default 30)
    #[arg(long, env = "BANGFU_SESSION_IDLE_MINUTES")]
    session_idle_minutes: Option<u64>,
    /// Always mark cookies Secure (set this when users reach Bangfu over HTTPS)
    #[arg(long, env = "BANGFU_SECURE_COOKIES")]
    secure_cookies: Option<bool>,
    /// Believe X-Forwarded-For/-Proto (set only behind a proxy that sets them)
    #[arg(long, env = "BANGFU_TRUST_PROXY")]
    trust_proxy: Option<bool>,
    /// Database connections per process
    #[arg(long, env = "BANGFU_MAX_CONNECTIONS")]
    max_connections: Option<u32>,
    /// Days an application stays on public notice (公示) before approval (default 7)
    #[arg(long, env = "BANGFU_NOTICE_DAYS")]
    notice_days: Option<u32>,
    /// Level whose reviewers approve applications: county (default), city, province or national
    #[arg(long, env = "BANGFU_APPROVAL_LEVEL")]
    approval_level: Option<String>,
    /// Cash in one act of assistance above this many yuan needs a reviewer's approval (default 2000)
    #[arg(long, env = "BANGFU_APPROVAL_THRESHOLD_YUAN")]
    approval_threshold_yuan: Option<String>,
    /// Days after which a household not visited is listed as overdue, counted from the latest of its filing, its current pairing and its last visit (default 90)
    #[arg(long, env = "BANGFU_VISIT_INTERVAL_DAYS")]
    visit_interval_days: Option<u32>,
    /// Days after which money allocated to a child union and not used is an audit finding (default 90)
    #[arg(long, env = "BANGFU_PASS_ON_DAYS")]
    pass_on_days: Option<u32>,
    /// Days a temporary relief file stays open after its help was given before it closes by itself (default 180)
    #[arg(long, env = "BANGFU_TEMPORARY_FILE_DAYS")]
    temporary_file_days: Option<u32>,
    /// Years after a file left the programme (exited and past its follow-up, removed or closed) before the monthly run anonymises its personal data; 0 keeps it forever (default 5)
    #[arg(long, env = "BANGFU_RETENTION_YEARS")]
    retention_years: Option<u32>,
    /// Lists of files count matches up to this many, then show N+ (default 10000)
    #[arg(long, env = "BANGFU_LIST_COUNT_CAP")]
    list_count_cap: Option<i64>,
    /// Kinds of exit decision that go through public notice, comma-separated: out, relief, removal, revoke (default out,relief,removal)
    #[arg(long, env = "BANGFU_EXIT_NOTICE")]
    exit_notice: Option<String>,
    /// Months an exited household is followed for relapse (default 12)
    #[arg(long, env = "BANGFU_FOLLOW_MONTHS")]
    follow_months: Option<u32>,
    /// Default yearly targets: wuzhou (30/25/25/20 % for 2017–2020, default) or guangdong (20 % a year)
    #[arg(long, env = "BANGFU_TARGET_PLAN")]
    target_plan: Option<String>,
    /// Start the monthly run when a month's run is due (default true)
    #[arg(long, env = "BANGFU_MONTHLY_SCHEDULE")]
    monthly_schedule: Option<bool>,
    /// Failed logins from one client address, whatever the names, before it is refused until the window ends (default 30)
    #[arg(long, env = "BANGFU_LOGIN_ADDRESS_FAILURES")]
    login_address_failures: Option<u32>,
    /// The window of --login-address-failures, minutes (default 15)
    #[arg(long, env = "BANGFU_LOGIN_ADDRESS_WINDOW_MINUTES")]
    login_address_window_minutes: Option<u64>,
    /// Times in an hour one user may be told someone is on another union's file before filings are refused for the rest of the hour (default 20)
    #[arg(long, env = "BANGFU_FILED_ELSEWHERE_PER_HOUR")]
    filed_elsewhere_per_hour: Option<u32>,
    /// Uploaded verification lists with more rows than this are received as a background job with a progress page (default 20000)
    #[arg(long, env = "BANGFU_VERIFICATION_BACKGROUND_ABOVE")]
    verification_background_above: Option<usize>,
    /// Roles that must sign in with two factors (TOTP), comma-separated role codes, or `none` (default admin,auditor,reviewer,fund_officer; with --demo, none unless set)
    #[arg(long, env = "BANGFU_TWO_FACTOR_ROLES")]
    two_factor_roles: Option<String>,
}

#[derive(Args)]
struct DemoArgs {
    /// Also build the whole national tree (every province, city and county
    /// union from GB/T 2260) with this many grassroots unions spread over
    /// the counties and one officer per county: data for benchmarks
    #[arg(long, default_value_t = 0)]
    grassroots: usize,
    /// Also file this many generated households (members, monthly incomes,
    /// three years of exits, reliefs, removals and relapses, and three years
    /// of plans, assistance and the ledger entries of its cash) over the
    /// grassroots unions: data for load and scale work
    #[arg(long, default_value_t = 0)]
    households: usize,
    /// Months of incomes recorded for each generated household, ending last
    /// month (36 for the benchmark of the monthly run and the panel)
    #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u16).range(1..=120))]
    months: u16,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account; the password is read from standard input
    Create {
        #[arg(long)]
        username: String,
        /// Role code (admin, officer, reviewer, fund_officer, auditor, department); repeat or separate with commas
        #[arg(long = "role", required = true, value_delimiter = ',')]
        roles: Vec<String>,
        /// The union: its id (#12), division code (440100) or exact name; default the root union
        #[arg(long)]
        union: Option<String>,
        /// The name shown in the interface (default: the user name)
        #[arg(long)]
        display_name: Option<String>,
        /// For the role `department`: the department's code (civil_affairs, hrss, education, health, medical_security, housing, disabled, other)
        #[arg(long)]
        department: Option<String>,
        /// Let the user keep this password instead of choosing a new one at
        /// first login: only for the operator's own account, e.g. the first
        /// administrator of a fresh installation
        #[arg(long)]
        keep_password: bool,
    },
    /// Set a new password (read from standard input) that must be changed at next login
    ResetPassword {
        #[arg(long)]
        username: String,
    },
    /// Reset a user's two-factor sign-in (lost phone and recovery codes): they must enrol again at next login
    ResetTwoFactor {
        #[arg(long)]
        username: String,
    },
}

#[derive(Debug, Default, Deserialize)]
struct FileConfig {
    database_url: Option<String>,
    read_database_url: Option<String>,
    listen: Option<String>,
    session_idle_minutes: Option<u64>,
    secure_cookies: Option<bool>,
    trust_proxy: Option<bool>,
    max_connections: Option<u32>,
    notice_days: Option<u32>,
    approval_level: Option<String>,
    approval_threshold_yuan: Option<String>,
    visit_interval_days: Option<u32>,
    pass_on_days: Option<u32>,
    temporary_file_days: Option<u32>,
    retention_years: Option<u32>,
    list_count_cap: Option<i64>,
    exit_notice: Option<String>,
    follow_months: Option<u32>,
    target_plan: Option<String>,
    monthly_schedule: Option<bool>,
    verification_background_above: Option<usize>,
    login_address_failures: Option<u32>,
    login_address_window_minutes: Option<u64>,
    filed_elsewhere_per_hour: Option<u32>,
    two_factor_roles: Option<String>,
    key_file: Option<PathBuf>,
}

fn load_file(path: Option<&PathBuf>) -> Result<FileConfig, String> {
    let Some(path) = path else {
        return Ok(FileConfig::default());
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("无法读取配置文件 {}：{e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("配置文件 {} 有误：{e}", path.display()))
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("无法启动运行时：{e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("错误：{message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let file = load_file(cli.global.config.as_ref())?;
    let database = cli
        .global
        .database
        .clone()
        .or(file.database_url.clone())
        .unwrap_or_else(|| DEFAULT_DATABASE.to_owned());
    let mut config = Config::new(
        database,
        file.listen
            .clone()
            .unwrap_or_else(|| DEFAULT_LISTEN.to_owned()),
    );
    config.db.read_url = cli
        .global
        .read_database
        .clone()
        .or(file.read_database_url.clone());
    if let Some(m) = file.session_idle_minutes {
        config.settings.session_idle = Duration::from_secs(m * 60);
    }
    config.web.secure_cookies = file.secure_cookies.unwrap_or(false);
    config.web.trust_proxy = file.trust_proxy.unwrap_or(false);
    if let Some(n) = file.max_connections {
        config.db.max_connections = n;
    }
    if let Some(d) = file.notice_days {
        config.settings.notice_days = d;
    }
    if let Some(l) = file.approval_level.as_deref() {
        config.settings.approval_level = approval_level(l)?;
    }
    if let Some(y) = file.approval_threshold_yuan.as_deref() {
        config.settings.approval_threshold = threshold(y)?;
    }
    if let Some(d) = file.visit_interval_days {
        config.settings.visit_interval_days = d;
    }
    if let Some(d) = file.pass_on_days {
        config.settings.pass_on_days = d;
    }
    if let Some(d) = file.temporary_file_days {
        config.settings.temporary_file_days = d;
    }
    if let Some(y) = file.retention_years {
        config.settings.retention_years = y;
    }
    if let Some(n) = file.list_count_cap {
        config.settings.list_count_cap = n.max(1);
    }
    if let Some(k) = file.exit_notice.as_deref() {
        config.settings.exit_flow = exit_flow(k)?;
    }
    if let Some(m) = file.follow_months {
        config.settings.follow_months = m;
    }
    if let Some(n) = file.verification_background_above {
        config.settings.verification_background_above = n;
    }
    if let Some(p) = file.target_plan.as_deref() {
        config.settings.target_plan = target_plan(p)?;
    }
    if let Some(b) = file.monthly_schedule {
        config.settings.monthly_schedule = b;
    }
    if let Some(r) = file.two_factor_roles.as_deref() {
        config.settings.two_factor_roles = two_factor_roles(r)?;
    }
    limits(
        &mut config.settings,
        file.login_address_failures,
        file.login_address_window_minutes,
        file.filed_elsewhere_per_hour,
    );
    let fail = |e: AppError| e.to_string();
    let keys = backup_cli::KeySources::new(cli.global.key_file.clone(), file.key_file.clone());
    // Every command that opens the database needs the data key: it seals
    // ID numbers, phones, addresses, health and notes there.
    if !matches!(
        cli.command,
        Command::Backup(_) | Command::Restore(_) | Command::Keys(_)
    ) {
        config.keyring = Some(keys.keyring(&config.database_url, true)?);
    }
    match cli.command {
        Command::Serve(args) => {
            if let Some(l) = args.listen {
                config.listen = l;
            }
            if let Some(m) = args.session_idle_minutes {
                config.settings.session_idle = Duration::from_secs(m.max(1) * 60);
            }
            if let Some(s) = args.secure_cookies {
                config.web.secure_cookies = s;
            }
            if let Some(t) = args.trust_proxy {
                config.web.trust_proxy = t;
            }
            if let Some(n) = args.max_connections {
                config.db.max_connections = n;
            }
            if let Some(d) = args.notice_days {
                config.settings.notice_days = d;
            }
            if let Some(l) = args.approval_level.as_deref() {
                config.settings.approval_level = approval_level(l)?;
            }
            if let Some(y) = args.approval_threshold_yuan.as_deref() {
                config.settings.approval_threshold = threshold(y)?;
            }
            if let Some(d) = args.visit_interval_days {
                config.settings.visit_interval_days = d;
            }
            if let Some(d) = args.pass_on_days {
                config.settings.pass_on_days = d;
            }
            if let Some(d) = args.temporary_file_days {
                config.settings.temporary_file_days = d;
            }
            if let Some(y) = args.retention_years {
                config.settings.retention_years = y;
            }
            if let Some(n) = args.list_count_cap {
                config.settings.list_count_cap = n.max(1);
            }
            if let Some(k) = args.exit_notice.as_deref() {
                config.settings.exit_flow = exit_flow(k)?;
            }
            if let Some(m) = args.follow_months {
                config.settings.follow_months = m;
            }
            if let Some(n) = args.verification_background_above {
                config.settings.verification_background_above = n;
            }
            if let Some(p) = args.target_plan.as_deref() {
                config.settings.target_plan = target_plan(p)?;
            }
            if let Some(b) = args.monthly_schedule {
                config.settings.monthly_schedule = b;
            }
            limits(
                &mut config.settings,
                args.login_address_failures,
                args.login_address_window_minutes,
                args.filed_elsewhere_per_hour,
            );
            let roles_set = match args.two_factor_roles.as_deref() {
                Some(r) => {
                    config.settings.two_factor_roles = two_factor_roles(r)?;
                    true
                }
                None => file.two_factor_roles.is_some(),
            };
            // Someone trying the demo on a laptop gets in at once: two-factor
            // is optional there unless set explicitly.
            let demo_optional = args.demo && !roles_set;
            if demo_optional {
                config.settings.two_factor_roles.clear();
            }
            serve(config, args.demo, demo_optional).await
        }
        Command::Migrate => {
            bangfu::open(&config).await.map_err(fail)?;
            println!("数据库已迁移到最新版本。");
            Ok(())
        }
        Command::Demo(args) => {
            let services = bangfu::open(&config).await.map_err(fail)?;
            if let Err(msg) = load_demo(&services).await {
                if args.grassroots == 0 && args.households == 0 {
                    return Err(msg);
                }
                println!("{msg}");
            }
            if args.grassroots > 0 {
                let started = std::time::Instant::now();
                let summary =
                    demo::load_national(&services, args.grassroots, &|line| println!("  {line}"))
                        .await
                        .map_err(|e| e.to_string())?;
                println!(
                    "已生成全国工会组织树：{} 个工会（其中基层工会 {} 个）、{} 个县级帮扶干部账号（用户名 officer-<县级区划代码>，共用密码：{}），用时 {:.1} 秒。",
                    summary.unions,
                    summary.grassroots,
                    summary.users,
                    summary.password,
                    started.elapsed().as_secs_f64()
                );
            }
            if args.households > 0 {
                let started = std::time::Instant::now();
                let summary = demo::load_households_months(
                    &services,
                    args.households,
                    usize::from(args.months),
                    &|line| println!("  {line}"),
                )
                .await
                .map_err(cli_error)?;
                println!(
                    "已生成 {} 户困难职工家庭（{} 人，{} 个月收入记录），用时 {:.1} 秒。",
                    summary.households,
                    summary.people,
                    summary.months,
                    started.elapsed().as_secs_f64()
                );
                let started = std::time::Instant::now();
                let e = demo::load_exits(&services, &|line| println!("  {line}"))
                    .await
                    .map_err(cli_error)?;
                println!(
                    "已生成近三年退出决定：{}，用时 {:.1} 秒。",
                    exit_line(&e),
                    started.elapsed().as_secs_f64()
                );
                let started = std::time::Instant::now();
                let a = demo::load_assistance(&services, 3, false, &|line| println!("  {line}"))
                    .await
                    .map_err(cli_error)?;
                println!(
                    "已生成近三年帮扶：{} 户、{} 份计划、{} 项措施、{} 条帮扶记录（其中现金 {} 条）、{} 笔资金业务，用时 {:.1} 秒。",
                    a.households,
                    a.plans,
                    a.measures,
                    a.records,
                    a.with_cash,
                    a.transfers,
                    started.elapsed().as_secs_f64()
                );
            }
            Ok(())
        }
        Command::User(cmd) => {
            let services = bangfu::open(&config).await.map_err(fail)?;
            user(&services, cmd).await
        }
        Command::Verify(args) => {
            let services = bangfu::open(&config).await.map_err(fail)?;
            verify(&services, args).await
        }
        Command::Audit(cmd) => {
            let services = bangfu::open(&config).await.map_err(fail)?;
            audit_cmd::run(&services, cmd).await
        }
        Command::Tallies(cmd) => {
            let services = bangfu::open(&config).await.map_err(fail)?;
            tallies_cmd::run(&services, cmd).await
        }
        Command::Backup(args) => backup_cli::backup(&config, &keys, args).await,
        Command::Restore(args) => backup_cli::restore(&config, &keys, args).await,
        Command::Keys(backup_cli::KeysCommand::Rotate { algorithm }) => {
            backup_cli::rotate(config, &keys, &algorithm).await
        }
        Command::Keys(cmd) => backup_cli::keys(cmd),
    }
}

async fn serve(config: Config, demo: bool, demo_optional: bool) -> Result<(), String> {
    if demo {
        let services = bangfu::open(&config).await.map_err(|e| e.to_string())?;
        match load_demo(&services).await {
            Ok(()) => {}
            Err(msg) => println!("{msg}"),
        }
    }
    let running = bangfu::start(config).await.map_err(|e| e.to_string())?;
    println!();
    println!("帮扶系统已启动：http://{}", running.addr);
    if demo_optional {
        println!("演示模式：两步验证对所有角色均为可选（正式使用时默认要求管理员、审计/督查、审核人、资金管理员启用；可用 --two-factor-roles 设定）。");
    } else if config_roles_empty(&running) {
        println!("两步验证：对所有角色均为可选（--two-factor-roles none）。");
    } else {
        println!(
            "两步验证：以下角色须启用：{}。",
            running
                .services
                .settings()
                .two_factor_roles
                .iter()
                .map(|r| r.label())
                .collect::<Vec<_>>()
                .join("、")
        );
    }
    println!("按 Ctrl+C 停止。");
    // A copy of the audit chain's head outside the database, once a day:
    // `bangfu audit verify --expect SEQ:HASH` proves the log against it.
    let services = running.services.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(24 * 3600));
        loop {
            tick.tick().await;
            match services.audit_head().await {
                Ok(h) => tracing::info!(seq = h.seq, hash = %h.hash, "audit chain head"),
                Err(e) => tracing::warn!(error = %e, "reading the audit chain head"),
            }
        }
    });
    let services = running.services.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            if let Err(e) = services.purge_expired().await {
                tracing::warn!(error = %e, "purging idle sessions");
            }
        }
    });
    running.task.await.map_err(|e| e.to_string())
}

fn config_roles_empty(running: &bangfu::Running) -> bool {
    running.services.settings().two_factor_roles.is_empty()
}

/// The roles two-factor is required of: role codes separated by commas,
/// or `none` (or nothing) for none.
fn two_factor_roles(raw: &str) -> Result<Vec<bangfu_domain::Role>, String> {
    let raw = raw.trim();
    if raw.is_empty() || raw.eq_ignore_ascii_case("none") {
        return Ok(Vec::new());
    }
    let mut roles = Vec::new();
    for code in raw.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        let role = bangfu_domain::Role::parse(code)
            .map_err(|e| format!("两步验证角色设置有误：{}", e.message))?;
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    Ok(roles)
}

/// The rate limits, where given (at least 1 of each).
fn limits(
    settings: &mut bangfu_service::Settings,
    login_address_failures: Option<u32>,
    login_address_window_minutes: Option<u64>,
    filed_elsewhere_per_hour: Option<u32>,
) {
    let count = |n: u32| i32::try_from(n.max(1)).unwrap_or(i32::MAX);
    if let Some(n) = login_address_failures {
        settings.login_address_failures = count(n);
    }
    if let Some(m) = login_address_window_minutes {
        settings.login_address_window = Duration::from_secs(m.max(1) * 60);
    }
    if let Some(n) = filed_elsewhere_per_hour {
        settings.filed_elsewhere_per_hour = count(n);
    }
}

/// The approval threshold, typed in yuan like every amount a person types.
fn threshold(raw: &str) -> Result<bangfu_domain::Fen, String> {
    bangfu_domain::Fen::parse_yuan("approval_threshold_yuan", raw)
        .map_err(|e| format!("审批限额有误：{}", e.message))
}

/// The approving level of applications, as named in settings.
fn approval_level(raw: &str) -> Result<bangfu_domain::UnionLevel, String> {
    use bangfu_domain::UnionLevel;
    match UnionLevel::parse(raw) {
        Ok(
            l @ (UnionLevel::National
            | UnionLevel::Province
            | UnionLevel::City
            | UnionLevel::County),
        ) => Ok(l),
        _ => Err(format!(
            "审批层级“{raw}”无效，应为 county、city、province 或 national"
        )),
    }
}

/// The operator at the command line may see what went wrong inside.
/// `bangfu verify`: reads the file with the upload page's reader and sends
/// it through the same use case.
async fn verify(services: &Services, args: VerifyArgs) -> Result<(), String> {
    use bangfu_service::verification::BatchInput;
    use bangfu_web::verification_file::{read, Refusal};
    let actor = services
        .operator_act_as(Operator, &args.user)
        .await
        .map_err(cli_error)?;
    // A dataset of the catalogue (active); its kind says how rows read.
    let dataset = services
        .verification_dataset_resolve(&actor, &args.dataset)
        .await
        .map_err(cli_error)?;
    let name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let bytes = std::fs::read(&args.file).map_err(|e| format!("读取 {name} 失败：{e}"))?;
    let started = std::time::Instant::now();
    let rows = read(dataset.kind, &dataset.label, &name, bytes).map_err(|r| match r {
        Refusal::File(m) => m,
        Refusal::Rows(list) => list
            .iter()
            .map(|p| format!("第 {} 行“{}”：{}", p.row, p.column, p.message))
            .collect::<Vec<_>>()
            .join("\n"),
    })?;
    let read_ms = started.elapsed().as_millis();
    let batch = services
        .verification_batch_create(
            &actor,
            BatchInput {
                dataset: dataset.code.clone(),
                source: args.source,
                as_of: args.as_of,
                key_id: args.key_id,
                file_name: Some(name),
                rows: rows.rows,
                first_row: rows.first_row,
            },
        )
        .await
        .map_err(|e| match e {
            bangfu_service::ServiceError::InvalidRows { total, problems } => {
                let mut out = format!("发现 {total} 处错误，未写入任何数据：");
                for p in problems.iter().take(50) {
                    out.push_str(&format!("\n第 {} 行“{}”：{}", p.row, p.column, p.message));
                }
                out
            }
            other => cli_error(other),
        })?;
    println!(
        "已接收第 {} 批：{} 行（散列 {}，重复 {}），匹配 {} 人，发现 {} 条；读取 {} ms，共 {} ms。",
        batch.id,
        batch.rows,
        batch.hashed_rows,
        batch.duplicate_rows,
        batch.matched_people,
        batch.findings,
        read_ms,
        started.elapsed().as_millis()
    );
    Ok(())
}

fn cli_error(e: bangfu_service::ServiceError) -> String {
    match e {
        bangfu_service::ServiceError::Internal(detail) => format!("内部错误：{detail}"),
        other => other.to_string(),
    }
}

/// Households in the demo dataset: enough for every list and page to show something real.
const DEMO_HOUSEHOLDS: usize = 600;

/// The decisions generated, in one line.
fn exit_line(e: &demo::ExitSummary) -> String {
    let pathways = bangfu_domain::leaving::Pathway::ALL
        .iter()
        .filter_map(|p| e.out.get(p.code()).map(|n| format!("{} {n}", p.label())))
        .collect::<Vec<_>>()
        .join("、");
    format!(
        "在 {} 户中脱困 {} 户（{}）、解困 {} 户、退出 {} 户、撤销 {} 个决定；返困 {} 户（已重新建档 {} 户），另有 {} 户脱困后收入回落待发现，{} 户在档户已连续多月高于低保标准待脱困；设定目标任务 {} 项",
        e.households,
        e.exits(),
        if pathways.is_empty() { "无".to_owned() } else { pathways },
        e.relieved,
        e.removed,
        e.revoked,
        e.relapses,
        e.reopened,
        e.falling_back,
        e.ready,
        e.targets
    )
}

async fn load_demo(services: &Services) -> Result<(), String> {
    let accounts = demo::load(services).await.map_err(cli_error)?;
    let households = demo::load_households(services, DEMO_HOUSEHOLDS, &|_| {})
        .await
        .map_err(cli_error)?;
    let exits = demo::load_exits(services, &|_| {})
        .await
        .map_err(cli_error)?;
    let assistance = demo::load_assistance(services, 2, true, &|_| {})
        .await
        .map_err(cli_error)?;
    let subsidies = demo::load_subsidies(services).await.map_err(cli_error)?;
    let applications = demo::load_applications(services, &accounts)
        .await
        .map_err(cli_error)?;
    let findings = demo::load_fund_audit(services).await.map_err(cli_error)?;
    let verification = demo::load_verification(services, &accounts)
        .await
        .map_err(cli_error)?;
    let assessment = demo::load_assessment(services, &accounts)
        .await
        .map_err(cli_error)?;
    let resources = demo::load_resources(services, &accounts)
        .await
        .map_err(cli_error)?;
    println!(
        "已载入演示数据：广东省（广州、深圳、佛山）与广西梧州的工会组织树，每个角色一个演示账号，"
    );
    println!(
        "以及 {} 户困难职工家庭（含家庭成员和近 12 个月收入）和各地低保标准。",
        households.households
    );
    println!(
        "以及近三年的脱困、解困、退出和返困（可在“脱困解困”“统计报表”“目标任务”中查看）：{}。",
        exit_line(&exits)
    );
    println!(
        "以及近两年的帮扶：结对、计划和措施、入户走访、{} 条帮扶记录及其资金收支、{} 户常态化生活补助（资金管理员可在“常态化补助”生成应发名单并批量发放），并预置了几个资金审计问题（重复发放、超标准发放、下拨未使用），已运行一次资金审计，发现 {} 个问题（审计/督查账号可在“资金审计”中查看）。",
        assistance.records, subsidies, findings
    );
    println!(
        "以及 {} 份建档申请，各在一个环节：待审核 {}、已审核 {}、公示中 {}（其中一份公示今天期满，审核人可以直接审批）、已批准 {}、未通过 {}。",
        applications.submitted
            + applications.reviewed
            + applications.notice
            + applications.approved
            + applications.rejected,
        applications.submitted,
        applications.reviewed,
        applications.notice,
        applications.approved,
        applications.rejected
    );
    println!(
        "以及部门核对：荔湾区民政局和医保局的部门用户（demo-civil、demo-medical）各报送了一批数据（死亡登记、大额医疗自付费用，共 {} 行，部分按核对密钥散列），发现 {} 个问题，{} 个已由帮扶干部核实排除；其余在 demo-officer 的月度待办中为“核对预警”，并在“部门核对 → 核对发现”中待处置。",
        verification.rows, verification.findings, verification.dismissed
    );
    println!(
        "以及考核评价：广东省总工会按云南“6 个方面 25 项指标”样例考核 {} 个县级工会，系统计算指标已计算，{}的人工评分（含第三方评估）已录入（演示管理员可在“考核评价”中查看和录入）。",
        assessment.unions, assessment.county
    );
    println!(
        "以及社会资源：荔湾区登记了 {} 个资源提供方（企业、慈善会、医院、志愿服务队）的 {} 项资源（岗位、助学礼包、康复护理、志愿服务），已对接 {} 户，其中 {} 户已完成并计入帮扶记录（在“社会资源”中查看推荐和对接）。",
        resources.providers, resources.resources, resources.matches, resources.delivered
    );
    println!("演示账号（密码为本次随机生成，只显示这一次）：");
    for a in accounts {
        println!(
            "  {:<16} {:<24} {:<14} 密码：{}",
            a.username, a.union_name, a.role, a.password
        );
    }
    Ok(())
}

fn read_password() -> Result<String, String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("请输入密码（至少 8 位，含大小写字母、数字、符号中的三类）：");
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("读取密码失败：{e}"))?;
    let p = line.trim_end_matches(['\r', '\n']).to_owned();
    if p.is_empty() {
        return Err("没有从标准输入读到密码".into());
    }
    Ok(p)
}

async fn user(services: &Services, cmd: UserCommand) -> Result<(), String> {
    match cmd {
        UserCommand::Create {
            username,
            roles,
            union,
            display_name,
            department,
            keep_password,
        } => {
            let password = read_password()?;
            let first = if keep_password {
                FirstLogin::KeepPassword
            } else {
                FirstLogin::ChangePassword
            };
            let u = services
                .operator_create_user_in(
                    Operator,
                    &username,
                    display_name.as_deref(),
                    &roles,
                    union.as_deref(),
                    &password,
                    department.as_deref(),
                    first,
                )
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "已创建用户 {}（{}），所属工会：{}；{}",
                u.username,
                u.roles.labels(),
                u.union_name,
                if u.must_change_password {
                    "首次登录须修改密码。"
                } else {
                    "保留此密码（--keep-password），首次登录无须修改。"
                }
            );
            Ok(())
        }
        UserCommand::ResetPassword { username } => {
            let password = read_password()?;
            let u = services
                .operator_reset_password(Operator, &username, &password)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "已重置 {} 的密码；其登录已全部失效，下次登录须修改密码。",
                u.username
            );
            Ok(())
        }
        UserCommand::ResetTwoFactor { username } => {
            let (u, ended) = services
                .operator_reset_two_factor(Operator, &username)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "已重置 {} 的两步验证；结束了 {ended} 个登录，下次登录须重新启用两步验证。",
                u.username
            );
            Ok(())
        }
    }
}

fn exit_flow(raw: &str) -> Result<bangfu_domain::leaving::ExitFlow, String> {
    bangfu_domain::leaving::ExitFlow::parse(raw).map_err(|e| format!("公示设置有误：{}", e.message))
}

fn target_plan(raw: &str) -> Result<bangfu_domain::target::DefaultPlan, String> {
    bangfu_domain::target::DefaultPlan::parse(raw)
        .map_err(|e| format!("目标方案有误：{}", e.message))
}
