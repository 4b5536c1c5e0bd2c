//! Connections, pools, transactions and migrations for both backends.

use crate::at_rest::{FieldCipher, Unkeyed};
use crate::replica::{self, WalPosition};
use crate::StorageError;
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

pub(crate) const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub(crate) const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
/// The version of the migration that makes `tallies` (see [`Db::migrate`]).
const TALLIES_MIGRATION: &str = "20261216000001";

/// Runs the same Diesel code against whichever backend `$conn` holds. The
/// body is compiled once per backend, so both are type-checked.
macro_rules! run {
    ($conn:expr, $c:ident => $body:expr) => {
        match &mut $conn.raw {
            $crate::db::Raw::Sqlite(pooled) => {
                let $c: &mut ::diesel::sqlite::SqliteConnection = &mut **pooled;
                $body
            }
            $crate::db::Raw::Pg(pooled) => {
                let $c: &mut ::diesel::pg::PgConnection = &mut **pooled;
                $body
            }
        }
    };
}
pub(crate) use run;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection borrowed from the pool for one unit of work, with the
/// cipher that seals and opens the columns kept encrypted at rest (see
/// [`crate::at_rest`]).
pub struct Conn {
    pub(crate) raw: Raw,
    cipher: Arc<dyn FieldCipher>,
}

/// The backend's own connection.
pub(crate) enum Raw {
    Sqlite(PooledConnection<ConnectionManager<SqliteConnection>>),
    Pg(PooledConnection<ConnectionManager<PgConnection>>),
}

impl Conn {
    /// The cipher of the columns kept encrypted.
    pub(crate) fn cipher(&self) -> &dyn FieldCipher {
        &*self.cipher
    }

    /// Runs `f` in one transaction: all of it is written, or none.
    /// On SQLite the transaction starts `IMMEDIATE`, taking the write lock up
    /// front so two writers never deadlock upgrading a read lock.
    pub fn transaction<T, E>(&mut self, f: impl FnOnce(&mut Conn) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StorageError>,
    {
        match &mut self.raw {
            Raw::Sqlite(c) => {
                AnsiTransactionManager::begin_transaction_sql(&mut **c, "BEGIN IMMEDIATE")
                    .map_err(StorageError::from)?;
            }
            Raw::Pg(c) => {
                <AnsiTransactionManager as TransactionManager<PgConnection>>::begin_transaction(
                    &mut **c,
                )
                .map_err(StorageError::from)?;
            }
        }
        // The audit entries the work wrote take their place in the hash
        // chain last, just before the commit (see `audit_chain`).
        let result = f(self).and_then(|v| {
            crate::audit_chain::seal(self)?;
            Ok(v)
        });
        let end =
            match (&result, &mut self.raw) {
                (Ok(_), Raw::Sqlite(c)) => <AnsiTransactionManager as TransactionManager<
                    SqliteConnection,
                >>::commit_transaction(&mut **c),
                (Ok(_), Raw::Pg(c)) => <AnsiTransactionManager as TransactionManager<
                    PgConnection,
                >>::commit_transaction(&mut **c),
                (Err(_), Raw::Sqlite(c)) => <AnsiTransactionManager as TransactionManager<
                    SqliteConnection,
                >>::rollback_transaction(&mut **c),
                (Err(_), Raw::Pg(c)) => <AnsiTransactionManager as TransactionManager<
                    PgConnection,
                >>::rollback_transaction(&mut **c),
            };
        match (result, end) {
            (Ok(v), Ok(())) => Ok(v),
            (Ok(_), Err(e)) => {
                self.rollback_quietly();
                Err(StorageError::from(e).into())
            }
            (Err(e), _) => Err(e),
        }
    }

    fn rollback_quietly(&mut self) {
        let _ = match &mut self.raw {
            Raw::Sqlite(c) => {
                <AnsiTransactionManager as TransactionManager<SqliteConnection>>::rollback_transaction(&mut **c)
            }
            Raw::Pg(c) => {
                <AnsiTransactionManager as TransactionManager<PgConnection>>::rollback_transaction(&mut **c)
            }
        };
    }

    pub fn backend(&self) -> Backend {
        match self.raw {
            Raw::Sqlite(_) => Backend::Sqlite,
            Raw::Pg(_) => Backend::Postgres,
        }
    }

    /// Refreshes the planner's statistics; worth doing after bulk loads, or
    /// the planner guesses until autovacuum (PostgreSQL) or never (SQLite).
    pub fn analyze(&mut self) -> Result<(), StorageError> {
        run!(self, c => c.batch_execute("ANALYZE")).map_err(StorageError::from)
    }

    /// Runs `f` with PostgreSQL planning each statement with its values.
    /// Diesel keeps statements prepared, and after five runs PostgreSQL may
    /// switch one to a generic plan made without its values. For the list
    /// of files that is a trap: the data is skewed (a name shared by 2.5 %
    /// of files or by 89), and a generic plan made for one name scanned for
    /// another (4 ms became 67 ms). Only the lists pay the planning; a
    /// file's page keeps its cached plans. Nothing to do on SQLite.
    pub fn with_custom_plans<T>(
        &mut self,
        f: impl FnOnce(&mut Conn) -> Result<T, StorageError>,
    ) -> Result<T, StorageError> {
        let pg = matches!(self.raw, Raw::Pg(_));
        if pg {
            run!(self, c => c.batch_execute("SET plan_cache_mode = force_custom_plan"))?;
        }
        let out = f(self);
        if pg {
            run!(self, c => c.batch_execute("RESET plan_cache_mode"))?;
        }
        out
    }

    /// A trivial round trip, for health checks.
    pub fn ping(&mut self) -> Result<(), StorageError> {
        run!(self, c => c.batch_execute("SELECT 1")).map_err(StorageError::from)
    }
}

#[derive(Debug, Clone)]
pub struct DbOptions {
    /// Connections per process. SQLite serialises writers anyway; readers run in parallel.
    pub max_connections: u32,
    pub busy_timeout: Duration,
    /// A PostgreSQL streaming replica for read-only work (`--read-database`;
    /// see [`crate::replica`]).
    pub read_url: Option<String>,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            busy_timeout: Duration::from_secs(5),
            read_url: None,
        }
    }
}

#[derive(Debug)]
struct SqlitePragmas {
    busy_timeout_ms: u128,
}

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        // WAL lets readers run beside the one writer; foreign keys are off by
        // default in SQLite; NORMAL sync is safe with WAL.
        conn.batch_execute(&format!(
            "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; \
             PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
            self.busy_timeout_ms
        ))
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

enum Pools {
    Sqlite(Pool<ConnectionManager<SqliteConnection>>),
    Pg(Pool<ConnectionManager<PgConnection>>),
}

struct Inner {
    pools: Pools,
    /// The streaming replica that takes read-only work, if any.
    replica: Option<Replica>,
    /// The furthest primary position this process committed (with a replica
    /// only): its own reads never go back before it.
    written: AtomicU64,
    /// SQLite allows one writer at a time: writers queue here (cheaply, in
    /// async land) instead of spinning on the busy timeout in blocking threads.
    write_gate: Option<Semaphore>,
    /// Blocking database work in flight, at most one per pooled connection.
    /// Work beyond that waits here, as a cheap future, rather than as a
    /// blocking thread parked on the pool: under load (64 clients on 8
    /// connections) the parked threads cost more in context switches than
    /// the queries themselves.
    work_gate: Semaphore,
}

/// The database: a pool for either backend. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
    cipher: Arc<dyn FieldCipher>,
}

impl Db {
    /// Opens `sqlite://path/to/file.db` (the file and its folder are created)
    /// or `postgres://…` / `postgresql://…`.
    pub fn open(url: &str, opts: &DbOptions) -> Result<Self, StorageError> {
        let pools = if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if let Some(dir) = std::path::Path::new(path).parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir).map_err(|e| StorageError::Pool(e.to_string()))?;
                }
            }
            let pool = Pool::builder()
                .max_size(opts.max_connections)
                .connection_timeout(Duration::from_secs(10))
                .connection_customizer(Box::new(SqlitePragmas {
                    busy_timeout_ms: opts.busy_timeout.as_millis(),
                }))
                .build(ConnectionManager::<SqliteConnection>::new(path))
                .map_err(|e| StorageError::Pool(e.to_string()))?;
            Pools::Sqlite(pool)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = Pool::builder()
                .max_size(opts.max_connections)
                .connection_timeout(Duration::from_secs(10))
                .build(ConnectionManager::<PgConnection>::new(url))
                .map_err(|e| StorageError::Pool(e.to_string()))?;
            Pools::Pg(pool)
        } else {
            return Err(StorageError::UnsupportedUrl(redact(url)));
        };
        let write_gate = matches!(pools, Pools::Sqlite(_)).then(|| Semaphore::new(1));
        let replica = match (&opts.read_url, &pools) {
            (None, _) => None,
            (Some(read), Pools::Pg(_))
                if read.starts_with("postgres://") || read.starts_with("postgresql://") =>
            {
                Some(Replica {
                    pool: Pool::builder()
                        .max_size(opts.max_connections)
                        // A replica that does not answer sends reads to the
                        // primary soon, rather than holding them.
                        .connection_timeout(Duration::from_secs(2))
                        .build(ConnectionManager::<PgConnection>::new(read))
                        .map_err(|e| StorageError::Pool(e.to_string()))?,
                    replayed: AtomicU64::new(0),
                    resting_until: Mutex::new(None),
                })
            }
            (Some(read), _) => return Err(StorageError::ReplicaUnsupported(redact(read))),
        };
        // A replica brings a pool of its own.
        let work_slots = opts.max_connections.max(1) * if replica.is_some() { 2 } else { 1 };
        Ok(Self {
            inner: Arc::new(Inner {
                pools,
                replica,
                written: AtomicU64::new(0),
                write_gate,
                work_gate: Semaphore::new(usize::try_from(work_slots).unwrap_or(8)),
            }),
            cipher: Arc::new(Unkeyed),
        })
    }

    /// The same database with the cipher of the columns kept encrypted at
    /// rest. Without one, sealing refuses: nothing is written in the clear
    /// by mistake.
    pub fn with_cipher(mut self, cipher: Arc<dyn FieldCipher>) -> Self {
        self.cipher = cipher;
        self
    }

    pub fn backend(&self) -> Backend {
        match self.inner.pools {
            Pools::Sqlite(_) => Backend::Sqlite,
            Pools::Pg(_) => Backend::Postgres,
        }
    }

    fn get(&self) -> Result<Conn, StorageError> {
        let raw = match &self.inner.pools {
            Pools::Sqlite(p) => Raw::Sqlite(p.get()?),
            Pools::Pg(p) => Raw::Pg(p.get()?),
        };
        Ok(Conn {
            raw,
            cipher: self.cipher.clone(),
        })
    }

    /// Applies the migrations embedded in the binary. On PostgreSQL an
    /// advisory lock keeps many processes starting at once from racing.
    pub fn migrate(&self) -> Result<(), StorageError> {
        let mut conn = self.get()?;
        let m =
            |e: Box<dyn std::error::Error + Send + Sync>| StorageError::Migration(e.to_string());
        // The tallies are made from the rows once, when their migration
        // runs on a database that already holds rows (the migration makes
        // the triggers that keep them from then on).
        let tallies_made = |applied: &[diesel::migration::MigrationVersion<'_>]| {
            applied
                .iter()
                .any(|v| v.to_string().replace('-', "") == TALLIES_MIGRATION)
        };
        match &mut conn.raw {
            Raw::Sqlite(c) => {
                let applied = c.run_pending_migrations(SQLITE_MIGRATIONS).map_err(m)?;
                if tallies_made(&applied) {
                    crate::tallies::rebuild(&mut conn)?;
                }
            }
            Raw::Pg(c) => {
                c.batch_execute("SELECT pg_advisory_lock(727217)")?;
                let r = c.run_pending_migrations(PG_MIGRATIONS).map_err(m);
                let r = match r {
                    Ok(applied) if tallies_made(&applied) => {
                        crate::tallies::rebuild(&mut conn).map(|_| ())
                    }
                    Ok(_) => Ok(()),
                    Err(e) => Err(e),
                };
                if let Raw::Pg(c) = &mut conn.raw {
                    c.batch_execute("SELECT pg_advisory_unlock(727217)")?;
                }
                r?;
            }
        }
        Ok(())
    }

    /// Whether read-only work may go to a streaming replica.
    pub fn has_replica(&self) -> bool {
        self.inner.replica.is_some()
    }

    /// Runs read-only work on a pooled connection off the async threads: on
    /// the replica when there is one that has replayed everything the caller
    /// and this process have written (see [`crate::replica`]), else on the
    /// primary. `f` must not write: a replica refuses writes.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut Conn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StorageError> + Send + 'static,
    {
        let need = replica::seen_now().max(WalPosition(self.inner.written.load(Ordering::Acquire)));
        let _slot = self.slot().await?;
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = match db.replica_conn(need) {
                Some(c) => c,
                None => db.get()?,
            };
            f(&mut conn)
        })
        .await
        .map_err(|e| StorageError::Task(e.to_string()))?
    }

    /// Runs work on the primary outside a transaction: reads that must see
    /// the latest commit of anyone (sessions, sign-in), and the start-up
    /// work that writes step by step.
    pub async fn read_primary<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut Conn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StorageError> + Send + 'static,
    {
        let _slot = self.slot().await?;
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = db.get()?;
            f(&mut conn)
        })
        .await
        .map_err(|e| StorageError::Task(e.to_string()))?
    }

    /// A turn to run blocking database work (see `Inner::work_gate`).
    async fn slot(&self) -> Result<tokio::sync::SemaphorePermit<'_>, StorageError> {
        self.inner
            .work_gate
            .acquire()
            .await
            .map_err(|e| StorageError::Task(e.to_string()))
    }

    /// A replica connection that has replayed at least `need`, if there is a
    /// replica and it has.
    fn replica_conn(&self, need: WalPosition) -> Option<Conn> {
        let replica = self.inner.replica.as_ref().filter(|r| !r.resting())?;
        let mut pooled = match replica.pool.get() {
            Ok(c) => c,
            Err(e) => {
                replica.rest();
                tracing::warn!(error = %e, "the read replica does not answer: reading the primary for {} s", REPLICA_REST.as_secs());
                return None;
            }
        };
        if WalPosition(replica.replayed.load(Ordering::Acquire)) < need {
            let at = match replay_position(&mut pooled) {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(error = %e, "the read replica's position is unknown: reading the primary");
                    return None;
                }
            };
            replica.replayed.fetch_max(at.0, Ordering::AcqRel);
            if at < need {
                return None;
            }
        }
        Some(Conn {
            raw: Raw::Pg(pooled),
            cipher: self.cipher.clone(),
        })
    }

    /// Runs `f` in one transaction on a pooled connection: all or nothing.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut Conn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StorageError> + Send + 'static,
    {
        let _permit = match &self.inner.write_gate {
            Some(gate) => Some(
                gate.acquire()
                    .await
                    .map_err(|e| StorageError::Task(e.to_string()))?,
            ),
            None => None,
        };
        let _slot = self.slot().await?;
        let db = self.clone();
        let (out, wrote) = tokio::task::spawn_blocking(move || {
            let mut conn = db.get()?;
            let out = conn.transaction(f)?;
            // With a replica, note how far the primary is now: this caller's
            // next reads wait for the replica to get there.
            let wrote = match (&db.inner.replica, &mut conn.raw) {
                (Some(_), Raw::Pg(c)) => Some(primary_position(c)?),
                _ => None,
            };
            Ok::<_, E>((out, wrote))
        })
        .await
        .map_err(|e| StorageError::Task(e.to_string()))??;
        if let Some(p) = wrote {
            self.inner.written.fetch_max(p.0, Ordering::AcqRel);
            replica::saw(p);
        }
        Ok(out)
    }
}

/// A streaming replica's pool and how far it is known to have replayed.
struct Replica {
    pool: Pool<ConnectionManager<PgConnection>>,
    /// The furthest replay position seen; it only grows, so a read that
    /// needs less than it asks nothing.
    replayed: AtomicU64,
    /// After the replica failed to answer, reads go to the primary until
    /// then, rather than each waiting out the pool's timeout.
    resting_until: Mutex<Option<Instant>>,
}

/// How long reads leave a replica alone after it failed to answer.
const REPLICA_REST: Duration = Duration::from_secs(10);

impl Replica {
    fn resting(&self) -> bool {
        self.resting_until
            .lock()
            .map(|until| until.is_some_and(|t| Instant::now() < t))
            .unwrap_or(false)
    }

    fn rest(&self) {
        if let Ok(mut until) = self.resting_until.lock() {
            *until = Some(Instant::now() + REPLICA_REST);
        }
    }
}

#[derive(diesel::QueryableByName)]
struct Position {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    at: Option<String>,
}

fn position_of(c: &mut PgConnection, sql: &str) -> Result<Option<WalPosition>, StorageError> {
    use diesel::RunQueryDsl;
    let row: Position = diesel::sql_query(sql).get_result(c)?;
    match row.at {
        None => Ok(None),
        Some(t) => WalPosition::parse(&t)
            .map(Some)
            .ok_or_else(|| StorageError::Corrupt(format!("WAL position {t}"))),
    }
}

/// Where the primary's write-ahead log is (after a commit: at least that commit).
fn primary_position(c: &mut PgConnection) -> Result<WalPosition, StorageError> {
    Ok(position_of(c, "SELECT pg_current_wal_lsn()::text AS at")?.unwrap_or_default())
}

/// How far a replica has replayed. A server that is not in recovery (a
/// "replica" that was promoted, or the primary itself) has everything.
fn replay_position(c: &mut PgConnection) -> Result<WalPosition, StorageError> {
    Ok(
        position_of(c, "SELECT pg_last_wal_replay_lsn()::text AS at")?
            .unwrap_or(WalPosition(u64::MAX)),
    )
}

/// A database URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***@{}", &url[..s], &url[at + 1..]),
        _ => url.to_owned(),
    }
}
