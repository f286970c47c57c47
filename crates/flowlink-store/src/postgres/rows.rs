//! Decoding PostgreSQL rows into records, and how database errors become [`StoreError`]s.

use std::time::{SystemTime, UNIX_EPOCH};

use flowlink_api::FlowType;
use sqlx::postgres::PgRow;
use sqlx::Row;

use crate::error::StoreError;
use crate::records::*;

/// The columns of `flows` in the order [`flow_from_row`] reads them by name.
pub const FLOW_COLUMNS: &str = "id, org_id, flow_type, name, description, version, dialect, \
     active, deleted, locked_client_id, published_version, saved_version, checked_in_version, \
     latest_version, published_ms, error_handling, created_ms, modified_ms";

/// Wall-clock time in epoch milliseconds (the application's clock, as on SQLite, so both
/// backends stamp rows the same way).
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
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

/// Whether a database error is a UNIQUE violation (SQLSTATE 23505).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// Whether a database error is a FOREIGN KEY violation (SQLSTATE 23503).
pub fn is_foreign_key_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_foreign_key_violation())
}

fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("corrupt {what} in database: {detail}"))
}

pub fn opt_u32(row: &PgRow, col: &str) -> Result<Option<u32>, StoreError> {
    let v: Option<i64> = row.try_get(col)?;
    v.map(|v| u32::try_from(v).map_err(|e| corrupt(col, e)))
        .transpose()
}

pub fn u32_col(row: &PgRow, col: &str) -> Result<u32, StoreError> {
    let v: i64 = row.try_get(col)?;
    u32::try_from(v).map_err(|e| corrupt(col, e))
}

pub fn flow_type(row: &PgRow, col: &str) -> Result<FlowType, StoreError> {
    let s: String = row.try_get(col)?;
    s.parse().map_err(|e| corrupt(col, e))
}

pub fn dialect(row: &PgRow, col: &str) -> Result<Option<Dialect>, StoreError> {
    let s: Option<String> = row.try_get(col)?;
    s.map(|s| Dialect::parse(&s).ok_or_else(|| corrupt(col, s)))
        .transpose()
}

pub fn json(row: &PgRow, col: &str) -> Result<serde_json::Value, StoreError> {
    let s: String = row.try_get(col)?;
    serde_json::from_str(&s).map_err(|e| corrupt(col, e))
}

/// Encodes a JSON value for a TEXT column (kept as text, like SQLite, so documents round-trip
/// exactly and may contain `\u0000` escapes, which `jsonb` rejects).
pub fn json_text(v: &serde_json::Value, what: &str) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Backend(format!("cannot encode {what}: {e}")))
}

pub fn flow_from_row(row: &PgRow) -> Result<FlowRecord, StoreError> {
    Ok(FlowRecord {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        flow_type: flow_type(row, "flow_type")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        version: row.try_get("version")?,
        dialect: dialect(row, "dialect")?,
        active: row.try_get("active")?,
        deleted: row.try_get("deleted")?,
        locked_client_id: row.try_get("locked_client_id")?,
        published_version: opt_u32(row, "published_version")?,
        saved_version: opt_u32(row, "saved_version")?,
        checked_in_version: opt_u32(row, "checked_in_version")?,
        latest_version: u32_col(row, "latest_version")?,
        published_ms: row.try_get("published_ms")?,
        error_handling: row.try_get("error_handling")?,
        created_ms: row.try_get("created_ms")?,
        modified_ms: row.try_get("modified_ms")?,
    })
}

pub fn version_from_row(row: &PgRow) -> Result<FlowVersionRecord, StoreError> {
    let kind: String = row.try_get("kind")?;
    Ok(FlowVersionRecord {
        flow_id: row.try_get("flow_id")?,
        number: u32_col(row, "number")?,
        document: json(row, "document")?,
        dialect: dialect(row, "dialect")?,
        kind: VersionKind::parse(&kind).ok_or_else(|| corrupt("kind", &kind))?,
        created_ms: row.try_get("created_ms")?,
        created_by_client: row.try_get("created_by_client")?,
        published_ms: row.try_get("published_ms")?,
    })
}
