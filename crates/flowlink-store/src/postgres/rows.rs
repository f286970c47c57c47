//! How PostgreSQL rows hold UUIDs, booleans and scopes (native `uuid`, `boolean`, `text[]`;
//! every other column is decoded by the backend-neutral `crate::rows`), and how database
//! errors become [`StoreError`]s or retries.

use sqlx::postgres::PgRow;
use sqlx::Row;
use uuid::Uuid;

use crate::error::StoreError;
use crate::rows::DbRow;

impl DbRow for PgRow {
    fn opt_uuid(&self, col: &str) -> Result<Option<Uuid>, StoreError> {
        Ok(self.try_get(col)?)
    }
    fn flag(&self, col: &str) -> Result<bool, StoreError> {
        Ok(self.try_get(col)?)
    }
    fn scopes(&self, col: &str) -> Result<Vec<String>, StoreError> {
        Ok(self.try_get(col)?)
    }
}

/// SQLSTATEs after which the whole transaction may simply be run again: `serialization_failure`
/// (a server configured for SERIALIZABLE, or a distributed PostgreSQL-compatible database) and
/// `deadlock_detected`.
const RETRYABLE: [&str; 2] = ["40001", "40P01"];

/// SQLSTATEs for text PostgreSQL cannot store (a NUL character, invalid encoding).
const UNSTORABLE_TEXT: [&str; 2] = ["22021", "22P05"];

/// An error inside a transaction: either final, or a transient clash worth a retry.
#[derive(Debug)]
pub enum TxError {
    Store(StoreError),
    Retry(sqlx::Error),
}

impl From<StoreError> for TxError {
    fn from(e: StoreError) -> Self {
        TxError::Store(e)
    }
}

impl From<sqlx::Error> for TxError {
    fn from(e: sqlx::Error) -> Self {
        if sqlstate(&e).is_some_and(|c| RETRYABLE.contains(&c.as_str())) {
            TxError::Retry(e)
        } else {
            TxError::Store(store_error(e))
        }
    }
}

impl From<TxError> for StoreError {
    fn from(e: TxError) -> Self {
        match e {
            TxError::Store(e) => e,
            TxError::Retry(e) => StoreError::Backend(e.to_string()),
        }
    }
}

/// The SQLSTATE of a database error.
pub fn sqlstate(e: &sqlx::Error) -> Option<String> {
    match e {
        sqlx::Error::Database(db) => db.code().map(|c| c.into_owned()),
        _ => None,
    }
}

/// The general mapping; statements that can hit a constraint map those cases themselves first.
pub fn store_error(e: sqlx::Error) -> StoreError {
    if sqlstate(&e).is_some_and(|c| UNSTORABLE_TEXT.contains(&c.as_str())) {
        // SQLite would store it; PostgreSQL text cannot hold NUL. A bad input, not a 500.
        return StoreError::invalid(crate::error::InvalidDetail {
            code: "invalid.text".into(),
            message: "text contains a character that cannot be stored (NUL or invalid UTF-8)"
                .into(),
            ..Default::default()
        });
    }
    e.into()
}
