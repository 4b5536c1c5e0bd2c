use diesel::result::{DatabaseErrorKind, Error as DieselError};

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// A unique constraint refused the write; the string names the constraint
    /// or column when the backend tells us.
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("database: {0}")]
    Database(DieselError),
    #[error("connection pool: {0}")]
    Pool(String),
    #[error("migration: {0}")]
    Migration(String),
    #[error("unsupported database url: {0}")]
    UnsupportedUrl(String),
    /// A read database was named for a database that is not PostgreSQL, or
    /// is not itself a PostgreSQL URL.
    #[error("a read database (streaming replica) needs PostgreSQL for both: {0}")]
    ReplicaUnsupported(String),
    #[error("stored value is invalid: {0}")]
    Corrupt(String),
    /// Sealing or opening a value kept encrypted at rest failed: no key, a
    /// wrong key, or a value changed in the database.
    #[error("encryption at rest: {0}")]
    Sealing(String),
    #[error("background task failed: {0}")]
    Task(String),
}

impl From<DieselError> for StorageError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                StorageError::Conflict(
                    info.constraint_name()
                        .or(info.column_name())
                        .unwrap_or(info.message())
                        .to_owned(),
                )
            }
            other => StorageError::Database(other),
        }
    }
}

impl From<diesel::r2d2::PoolError> for StorageError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        StorageError::Pool(e.to_string())
    }
}
