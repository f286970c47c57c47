//! Decoding SQLite rows into records, and the small conversions every query shares.

use std::time::{SystemTime, UNIX_EPOCH};

use flowlink_api::FlowType;
use sqlx::sqlite::SqliteRow;
use sqlx::Row;
use uuid::Uuid;

use crate::error::StoreError;
use crate::records::*;

/// The columns of `flows` in the order [`flow_from_row`] reads them by name.
pub const FLOW_COLUMNS: &str = "id, org_id, flow_type, name, description, version, dialect, \
     active, deleted, locked_client_id, published_version, saved_version, checked_in_version, \
     latest_version, published_ms, error_handling, created_ms, modified_ms";

/// Wall-clock time in epoch milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("corrupt {what} in database: {detail}"))
}

pub fn uuid(row: &SqliteRow, col: &str) -> Result<Uuid, StoreError> {
    let s: String = row.try_get(col)?;
    Uuid::parse_str(&s).map_err(|e| corrupt(col, e))
}

pub fn opt_uuid(row: &SqliteRow, col: &str) -> Result<Option<Uuid>, StoreError> {
    let s: Option<String> = row.try_get(col)?;
    s.map(|s| Uuid::parse_str(&s).map_err(|e| corrupt(col, e)))
        .transpose()
}

pub fn opt_u32(row: &SqliteRow, col: &str) -> Result<Option<u32>, StoreError> {
    let v: Option<i64> = row.try_get(col)?;
    v.map(|v| u32::try_from(v).map_err(|e| corrupt(col, e)))
        .transpose()
}

pub fn u32_col(row: &SqliteRow, col: &str) -> Result<u32, StoreError> {
    let v: i64 = row.try_get(col)?;
    u32::try_from(v).map_err(|e| corrupt(col, e))
}

pub fn flow_type(row: &SqliteRow, col: &str) -> Result<FlowType, StoreError> {
    let s: String = row.try_get(col)?;
    s.parse().map_err(|e| corrupt(col, e))
}

pub fn dialect(row: &SqliteRow, col: &str) -> Result<Option<Dialect>, StoreError> {
    let s: Option<String> = row.try_get(col)?;
    s.map(|s| Dialect::parse(&s).ok_or_else(|| corrupt(col, s)))
        .transpose()
}

pub fn json(row: &SqliteRow, col: &str) -> Result<serde_json::Value, StoreError> {
    let s: String = row.try_get(col)?;
    serde_json::from_str(&s).map_err(|e| corrupt(col, e))
}

pub fn scopes_to_text(scopes: &[String]) -> String {
    scopes.join(" ")
}

pub fn text_to_scopes(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

pub fn flow_from_row(row: &SqliteRow) -> Result<FlowRecord, StoreError> {
    Ok(FlowRecord {
        id: uuid(row, "id")?,
        org_id: uuid(row, "org_id")?,
        flow_type: flow_type(row, "flow_type")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        version: row.try_get("version")?,
        dialect: dialect(row, "dialect")?,
        active: row.try_get::<i64, _>("active")? != 0,
        deleted: row.try_get::<i64, _>("deleted")? != 0,
        locked_client_id: opt_uuid(row, "locked_client_id")?,
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

pub fn version_from_row(row: &SqliteRow) -> Result<FlowVersionRecord, StoreError> {
    let kind: String = row.try_get("kind")?;
    Ok(FlowVersionRecord {
        flow_id: uuid(row, "flow_id")?,
        number: u32_col(row, "number")?,
        document: json(row, "document")?,
        dialect: dialect(row, "dialect")?,
        kind: VersionKind::parse(&kind).ok_or_else(|| corrupt("kind", &kind))?,
        created_ms: row.try_get("created_ms")?,
        created_by_client: opt_uuid(row, "created_by_client")?,
        published_ms: row.try_get("published_ms")?,
    })
}

/// Whether a database error is a UNIQUE constraint violation (duplicate name).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}
