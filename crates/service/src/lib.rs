//! Bangfu's use cases. Every public function here is one thing a person (or
//! the operator's command line) does: it checks who may do it, runs in one
//! transaction, and writes the audit log in that same transaction, so an
//! action and its record are never separated.

mod actor;
mod applications;
pub mod assessments;
pub mod assistance;
mod audit;
mod auth;
mod books;
pub mod campaigns;
mod clock;
mod crypto;
pub mod dictionary;
pub mod exits;
pub use crypto::random_token;
pub mod backup;
mod error;
pub mod field_keys;
mod filed_elsewhere;
mod filing;
pub mod fund_audit;
pub mod funds;
mod households;
pub mod import;
mod jobs;
pub mod keys;
mod lines;
pub mod monthly;
mod operator;
pub mod person_export;
pub mod plans;
pub mod quality;
pub mod queue;
pub mod referrals;
pub mod reidentify;
pub mod reporting;
pub mod resources;
mod retention;
#[cfg(feature = "seeding")]
pub mod seeding;
pub mod sessions;
pub mod stats;
pub mod subsidies;
pub mod temporary_files;
pub mod transfers;
pub mod two_factor;
mod unions;
mod uploads;
mod users;
pub mod verification;
pub mod visits;

pub use actor::{Actor, Origin};
pub use applications::{Act, ApplicationDetail, ApplicationInput, ApplicationStatusView, Consent};
pub use audit::{AuditQuery, AuditRow};
pub use auth::{LoginOutcome, LoginStep};
pub(crate) use clock::now;
pub use clock::today;
pub use error::ServiceError;
pub use households::{HouseholdDetail, HouseholdInput, HouseholdSummary, MemberInput, Revealed};
pub use jobs::JobStatus;
pub use lines::{check_line, LineInput, ParamsView};
pub use operator::{FirstLogin, Operator};
pub use unions::{CreateUnion, MoveUnion, UnionDetail, UpdateUnion};
pub use uploads::{Held, HeldInfo, Upload, HELD_FOR_HOURS};
pub use users::{CreateUser, CreatedUser, UpdateUser};

pub use bangfu_storage::applications::{Application, ApplicationFilter, FileInfo, StepRecord};
pub use bangfu_storage::audit::AuditEntry;
pub use bangfu_storage::households::{
    After as HouseholdAfter, Household, HouseholdFilter, Sort as HouseholdSort,
    COUNT_CAP as HOUSEHOLD_COUNT_CAP,
};
pub use bangfu_storage::lines::StoredLine;
pub use bangfu_storage::unions::{Union, UnionFilter};
pub use bangfu_storage::users::{User, UserFilter};
pub use bangfu_storage::{with_seen, Backend, Db, DbOptions, Page, PageRequest, WalPosition};

use std::time::Duration;

/// Settings that shape behaviour; all have defaults and can be changed by the operator.
#[derive(Debug, Clone)]
pub struct Settings {
    /// A session unused this long is ended (default 30 minutes).
    pub session_idle: Duration,
    /// Failed logins in a row before a name is locked (default 5).
    pub lockout_failures: i32,
    /// How long a locked name stays locked (default 15 minutes).
    pub lockout_duration: Duration,
    /// Failed logins from one client address (whatever the names) within
    /// [`Settings::login_address_window`] before that address is refused
    /// with 429 until the window ends (default 30).
    pub login_address_failures: i32,
    /// The window of [`Settings::login_address_failures`] (default 15 minutes).
    pub login_address_window: Duration,
    /// How many times in an hour one user (or, on the public application
    /// form, one address) may be told that someone is already on another
    /// union's file; beyond that, filings are refused with 429 for the rest
    /// of the hour (default 20).
    pub filed_elsewhere_per_hour: i32,
    /// Days an application is on public notice (公示) before it may be approved (default 7).
    pub notice_days: u32,
    /// The level whose reviewers approve applications (default the county union).
    pub approval_level: bangfu_domain::UnionLevel,
    /// Cash above this in one act of assistance needs a reviewer's approval
    /// before it is paid (default 2 000 yuan).
    pub approval_threshold: bangfu_domain::Fen,
    /// A household not visited for this many days since it was filed or
    /// paired (whichever is later) is listed as overdue (default 90).
    pub visit_interval_days: u32,
    /// Money allocated to a child union and still unspent after this many
    /// days is a fund-audit finding (default 90).
    pub pass_on_days: u32,
    /// Which kinds of exit decision go through public notice (公示).
    pub exit_flow: bangfu_domain::leaving::ExitFlow,
    /// Months an exited household is followed for relapse (default 12).
    pub follow_months: u32,
    /// Yearly target shares for unions that set none (default 梧州).
    pub target_plan: bangfu_domain::target::DefaultPlan,
    /// Whether this process starts the monthly run when a month's run is
    /// due (any number may: the first to claim the month runs it).
    pub monthly_schedule: bool,
    /// A verification batch uploaded on the page with more rows than this
    /// is matched as a background job with a progress page (default
    /// [`verification::BACKGROUND_ABOVE`]).
    pub verification_background_above: usize,
    /// Days a temporary relief file (临时救助档案) stays open after its
    /// help was given before it closes by itself (default 180).
    pub temporary_file_days: u32,
    /// Years after a file left the programme (exited and past its
    /// follow-up, removed, or closed) before the monthly run anonymises its
    /// personal data; 0 keeps it forever (default 5).
    pub retention_years: u32,
    /// Lists of files count their matches up to this many and then show
    /// 「N+」 (default 10 000): counting every match of a national list
    /// would cost more than reading its page.
    pub list_count_cap: i64,
    /// Roles whose users must sign in with two factors (TOTP); anyone else
    /// may enrol. Default: administrators, auditors, reviewers and fund
    /// officers. Empty: two-factor is optional for everyone.
    pub two_factor_roles: Vec<bangfu_domain::Role>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            session_idle: Duration::from_secs(30 * 60),
            lockout_failures: 5,
            lockout_duration: Duration::from_secs(15 * 60),
            login_address_failures: 30,
            login_address_window: Duration::from_secs(15 * 60),
            filed_elsewhere_per_hour: 20,
            notice_days: 7,
            approval_level: bangfu_domain::UnionLevel::County,
            approval_threshold: bangfu_domain::Fen(200_000),
            visit_interval_days: 90,
            pass_on_days: 90,
            exit_flow: bangfu_domain::leaving::ExitFlow::default(),
            follow_months: bangfu_domain::leaving::DEFAULT_FOLLOW_MONTHS,
            target_plan: bangfu_domain::target::DefaultPlan::Wuzhou,
            monthly_schedule: true,
            verification_background_above: verification::BACKGROUND_ABOVE,
            temporary_file_days: 180,
            retention_years: 5,
            list_count_cap: HOUSEHOLD_COUNT_CAP,
            two_factor_roles: vec![
                bangfu_domain::Role::Admin,
                bangfu_domain::Role::Auditor,
                bangfu_domain::Role::Reviewer,
                bangfu_domain::Role::FundOfficer,
            ],
        }
    }
}

/// The services over one database. Holds no state of its own beyond
/// configuration, so any number of processes can serve the same database.
#[derive(Clone)]
pub struct Services {
    db: Db,
    settings: Settings,
}

impl Services {
    pub fn new(db: Db, settings: Settings) -> Self {
        Self { db, settings }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The same services with two-factor optional for everyone: for the
    /// demo loader, which signs in as its fresh accounts.
    #[cfg(feature = "seeding")]
    pub fn without_two_factor(&self) -> Self {
        let mut settings = self.settings.clone();
        settings.two_factor_roles.clear();
        Self {
            db: self.db.clone(),
            settings,
        }
    }

    pub fn backend(&self) -> Backend {
        self.db.backend()
    }

    /// Whether read-only work may go to a streaming replica (then the web
    /// layer carries each person's position between requests: see
    /// [`with_seen`]).
    pub fn has_replica(&self) -> bool {
        self.db.has_replica()
    }

    /// Whether the primary answers (for `/healthz`). A replica that does not
    /// answer is no failure: reads then go to the primary.
    pub async fn health(&self) -> Result<(), ServiceError> {
        self.read_primary(|c| c.ping().map_err(ServiceError::from))
            .await
    }
}

impl Services {
    /// Read-only work on a pooled connection.
    pub(crate) async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut bangfu_storage::Conn) -> Result<T, ServiceError> + Send + 'static,
    ) -> Result<T, ServiceError> {
        self.db.read(f).await
    }

    /// Work on the primary even when reads have a replica: for what must
    /// see everyone's latest commit at once (sessions and sign-in).
    pub(crate) async fn read_primary<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut bangfu_storage::Conn) -> Result<T, ServiceError> + Send + 'static,
    ) -> Result<T, ServiceError> {
        self.db.read_primary(f).await
    }

    /// One transaction: everything `f` writes, including its audit entries, or nothing.
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut bangfu_storage::Conn) -> Result<T, ServiceError> + Send + 'static,
    ) -> Result<T, ServiceError> {
        self.db.write(f).await
    }
}
