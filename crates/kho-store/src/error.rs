use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    /// A uniqueness constraint failed (e.g. a name already taken).
    #[error("unique constraint violated: {0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("corrupt row: {0}")]
    Corrupt(String),
    #[error("unsupported database url: {0}")]
    Url(String),
    /// An earlier statement of this transaction failed; it can only be dropped (rolled back).
    #[error("transaction aborted by an earlier error; drop it and start again")]
    Aborted,
}

/// SQLite extended result codes of unique and primary-key violations, and Postgres' SQLSTATE.
const UNIQUE_CODES: [&str; 3] = ["2067", "1555", "23505"];

impl From<sqlx::Error> for StoreError {
    /// Unique-constraint violations become [`StoreError::Conflict`], on both backends.
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            let unique_code = db
                .code()
                .is_some_and(|code| UNIQUE_CODES.contains(&code.as_ref()));
            if unique_code || db.is_unique_violation() {
                return StoreError::Conflict(db.message().to_owned());
            }
        }
        StoreError::Database(e)
    }
}

impl From<StoreError> for kho_core::Error {
    fn from(e: StoreError) -> Self {
        kho_core::Error::Internal(e.to_string())
    }
}
