//! Decoding rows into records, once for every backend.
//!
//! Text, integers and bytes decode alike on every sqlx backend ([`Columns`], implemented for
//! any [`sqlx::Row`] that can decode them); only UUIDs and booleans are stored differently
//! (SQLite: text and 0/1 integers; PostgreSQL: native types), so each backend implements
//! [`DbRow`] with just those two. Every `*_from_row` here is then generic over the row type.

use std::time::{SystemTime, UNIX_EPOCH};

use flowlink_api::FlowType;
use sqlx::{ColumnIndex, Decode, Row, Type};
use uuid::Uuid;

use crate::error::{Consumer, StoreError};
use crate::records::*;

/// The columns of `flows` that [`flow_from_row`] reads by name.
pub(crate) const FLOW_COLUMNS: &str = "id, org_id, flow_type, name, description, version, \
     dialect, active, deleted, locked_client_id, published_version, saved_version, \
     checked_in_version, latest_version, published_ms, error_handling, created_ms, modified_ms";

/// The columns of `flow_versions` that [`version_from_row`] reads by name.
pub(crate) const VERSION_COLUMNS: &str =
    "flow_id, number, document, dialect, kind, created_ms, created_by_client, published_ms";

/// The columns of `oauth_clients` that [`client_from_row`] reads by name.
pub(crate) const CLIENT_COLUMNS: &str =
    "id, org_id, name, secret_hash, scopes, token_lifetime_secs, created_ms";

/// The columns of `executions`, in insert order, that [`execution_from_row`] reads by name.
pub(crate) const EXECUTION_COLUMNS: &str = "id, org_id, flow_id, flow_version, name, status, \
     launched_ms, completed_ms, outcome, action_count, trace, output, client_id";

/// Wall-clock time in epoch milliseconds: the application's clock on every backend, so rows
/// are stamped the same way.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

pub(crate) fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("corrupt {what} in database: {detail}"))
}

/// Columns every backend stores alike.
pub(crate) trait Columns {
    fn text(&self, col: &str) -> Result<String, StoreError>;
    fn opt_text(&self, col: &str) -> Result<Option<String>, StoreError>;
    fn int(&self, col: &str) -> Result<i64, StoreError>;
    fn opt_int(&self, col: &str) -> Result<Option<i64>, StoreError>;
    fn bytes(&self, col: &str) -> Result<Vec<u8>, StoreError>;
    fn opt_bytes(&self, col: &str) -> Result<Option<Vec<u8>>, StoreError>;
}

impl<R> Columns for R
where
    R: Row,
    for<'a> &'a str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
{
    fn text(&self, col: &str) -> Result<String, StoreError> {
        Ok(self.try_get(col)?)
    }
    fn opt_text(&self, col: &str) -> Result<Option<String>, StoreError> {
        Ok(self.try_get(col)?)
    }
    fn int(&self, col: &str) -> Result<i64, StoreError> {
        Ok(self.try_get(col)?)
    }
    fn opt_int(&self, col: &str) -> Result<Option<i64>, StoreError> {
        Ok(self.try_get(col)?)
    }
    fn bytes(&self, col: &str) -> Result<Vec<u8>, StoreError> {
        Ok(self.try_get(col)?)
    }
    fn opt_bytes(&self, col: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.try_get(col)?)
    }
}

/// A backend's row: [`Columns`] plus the two types each backend stores its own way.
pub(crate) trait DbRow: Columns {
    fn opt_uuid(&self, col: &str) -> Result<Option<Uuid>, StoreError>;
    fn flag(&self, col: &str) -> Result<bool, StoreError>;
    /// OAuth scopes (SQLite: one space-separated text; PostgreSQL: `text[]`).
    fn scopes(&self, col: &str) -> Result<Vec<String>, StoreError>;
    /// A text the backend may keep compressed (SQLite: execution traces); as stored elsewhere.
    fn packed_text(&self, col: &str) -> Result<String, StoreError> {
        self.text(col)
    }

    fn uuid(&self, col: &str) -> Result<Uuid, StoreError> {
        self.opt_uuid(col)?
            .ok_or_else(|| corrupt(col, "NULL where an id belongs"))
    }
}

/// Parses a UUID stored as text (SQLite's representation).
pub(crate) fn parse_uuid(col: &str, s: Option<String>) -> Result<Option<Uuid>, StoreError> {
    s.map(|s| Uuid::parse_str(&s).map_err(|e| corrupt(col, e)))
        .transpose()
}

pub(crate) fn opt_u32(row: &impl DbRow, col: &str) -> Result<Option<u32>, StoreError> {
    row.opt_int(col)?
        .map(|v| u32::try_from(v).map_err(|e| corrupt(col, e)))
        .transpose()
}

pub(crate) fn u32_col(row: &impl DbRow, col: &str) -> Result<u32, StoreError> {
    u32::try_from(row.int(col)?).map_err(|e| corrupt(col, e))
}

pub(crate) fn flow_type(row: &impl DbRow, col: &str) -> Result<FlowType, StoreError> {
    row.text(col)?.parse().map_err(|e| corrupt(col, e))
}

pub(crate) fn dialect(row: &impl DbRow, col: &str) -> Result<Option<Dialect>, StoreError> {
    row.opt_text(col)?
        .map(|s| Dialect::parse(&s).ok_or_else(|| corrupt(col, s)))
        .transpose()
}

/// A JSON document stored as text (on PostgreSQL too, so documents round-trip exactly and
/// may contain `\u0000` escapes, which `jsonb` rejects).
pub(crate) fn json(row: &impl DbRow, col: &str) -> Result<serde_json::Value, StoreError> {
    serde_json::from_str(&row.text(col)?).map_err(|e| corrupt(col, e))
}

/// Encodes a JSON value for a text column.
pub(crate) fn json_text(v: &serde_json::Value, what: &str) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Backend(format!("cannot encode {what}: {e}")))
}

pub(crate) fn flow_from_row(row: &impl DbRow) -> Result<FlowRecord, StoreError> {
    Ok(FlowRecord {
        id: row.uuid("id")?,
        org_id: row.uuid("org_id")?,
        flow_type: flow_type(row, "flow_type")?,
        name: row.text("name")?,
        description: row.opt_text("description")?,
        version: row.int("version")?,
        dialect: dialect(row, "dialect")?,
        active: row.flag("active")?,
        deleted: row.flag("deleted")?,
        locked_client_id: row.opt_uuid("locked_client_id")?,
        published_version: opt_u32(row, "published_version")?,
        saved_version: opt_u32(row, "saved_version")?,
        checked_in_version: opt_u32(row, "checked_in_version")?,
        latest_version: u32_col(row, "latest_version")?,
        published_ms: row.opt_int("published_ms")?,
        error_handling: row.opt_text("error_handling")?,
        created_ms: row.int("created_ms")?,
        modified_ms: row.int("modified_ms")?,
    })
}

pub(crate) fn version_from_row(row: &impl DbRow) -> Result<FlowVersionRecord, StoreError> {
    let kind = row.text("kind")?;
    Ok(FlowVersionRecord {
        flow_id: row.uuid("flow_id")?,
        number: u32_col(row, "number")?,
        document: json(row, "document")?,
        dialect: dialect(row, "dialect")?,
        kind: VersionKind::parse(&kind).ok_or_else(|| corrupt("kind", &kind))?,
        created_ms: row.int("created_ms")?,
        created_by_client: row.opt_uuid("created_by_client")?,
        published_ms: row.opt_int("published_ms")?,
    })
}

pub(crate) fn org_from_row(row: &impl DbRow) -> Result<Organization, StoreError> {
    Ok(Organization {
        id: row.uuid("id")?,
        name: row.text("name")?,
        created_ms: row.int("created_ms")?,
    })
}

pub(crate) fn client_from_row(row: &impl DbRow) -> Result<OAuthClient, StoreError> {
    Ok(OAuthClient {
        id: row.uuid("id")?,
        org_id: row.uuid("org_id")?,
        name: row.text("name")?,
        secret_hash: row.text("secret_hash")?,
        scopes: row.scopes("scopes")?,
        token_lifetime_secs: row.int("token_lifetime_secs")?,
        created_ms: row.int("created_ms")?,
    })
}

pub(crate) fn token_from_row(row: &impl DbRow) -> Result<AccessToken, StoreError> {
    Ok(AccessToken {
        token_hash: row.bytes("token_hash")?,
        client_id: row.uuid("client_id")?,
        org_id: row.uuid("org_id")?,
        scopes: row.scopes("scopes")?,
        expires_ms: row.int("expires_ms")?,
    })
}

pub(crate) fn execution_from_row(row: &impl DbRow) -> Result<ExecutionRecord, StoreError> {
    Ok(ExecutionRecord {
        id: row.uuid("id")?,
        org_id: row.uuid("org_id")?,
        flow_id: row.uuid("flow_id")?,
        flow_version: u32_col(row, "flow_version")?,
        name: row.opt_text("name")?,
        status: row.text("status")?,
        launched_ms: row.int("launched_ms")?,
        completed_ms: row.opt_int("completed_ms")?,
        outcome: row.opt_text("outcome")?,
        action_count: row.int("action_count")?,
        trace: JsonText::stored(row.packed_text("trace")?),
        output: json(row, "output")?,
        client_id: row.opt_uuid("client_id")?,
    })
}

/// A consumer row: `id`, `name`, `flow_type`, `consumer_version`, `module_version`.
pub(crate) fn consumer_from_row(row: &impl DbRow) -> Result<Consumer, StoreError> {
    Ok(Consumer {
        flow_id: row.uuid("id")?,
        name: row.text("name")?,
        flow_type: flow_type(row, "flow_type")?,
        version: u32_col(row, "consumer_version")?,
        pinned_version: opt_u32(row, "module_version")?,
    })
}

/// A dependency row's call (`module_id`, `module_version`), made by node `node_id`.
pub(crate) fn call_from_row(row: &impl DbRow, node_id: String) -> Result<ModuleRef, StoreError> {
    Ok(ModuleRef {
        node_id,
        module_id: row.uuid("module_id")?.to_string(),
        version: opt_u32(row, "module_version")?,
    })
}

/// A module edge row: `caller`, `caller_name`, `callee`, `callee_name`.
pub(crate) fn edge_from_row(row: &impl DbRow) -> Result<ModuleEdge, StoreError> {
    Ok(ModuleEdge {
        caller: row.uuid("caller")?,
        caller_name: row.text("caller_name")?,
        callee: row.uuid("callee")?,
        callee_name: row.text("callee_name")?,
    })
}

/// A call target row: `name`, `flow_type`, `deleted`, `latest_version`.
pub(crate) fn target_from_row(row: &impl DbRow) -> Result<crate::rules::Target, StoreError> {
    Ok(crate::rules::Target {
        name: row.text("name")?,
        flow_type: flow_type(row, "flow_type")?,
        deleted: row.flag("deleted")?,
        latest: u32_col(row, "latest_version")?,
    })
}

/// A stale dependency row: a consumer row plus `module_id`, `module_name`, `module_type`,
/// `module_published`.
pub(crate) fn stale_from_row(
    row: &impl DbRow,
) -> Result<crate::lifecycle::StaleDependency, StoreError> {
    Ok(crate::lifecycle::StaleDependency {
        consumer: consumer_from_row(row)?,
        module_id: row.uuid("module_id")?,
        module_name: row.text("module_name")?,
        module_type: flow_type(row, "module_type")?,
        module_published: opt_u32(row, "module_published")?,
    })
}

/// Whether a database error is a UNIQUE violation (a duplicate name).
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// Whether a database error is a FOREIGN KEY violation (the only foreign keys are the
/// organization and the flow: an unknown one is "not found").
pub(crate) fn is_foreign_key_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_foreign_key_violation())
}

/// Columns of `flow_jobs`, in [`job_from_row`]'s order.
pub(crate) const JOB_COLUMNS: &str = "id, org_id, kind, status, command, request, client_id, \
     flow_id, messages, total_flows, result, result_name, created_ms, modified_ms";

/// A `flow_jobs` row as a [`JobRecord`](crate::jobs::JobRecord).
pub(crate) fn job_from_row(row: &impl DbRow) -> Result<crate::jobs::JobRecord, StoreError> {
    use crate::jobs::{decode_json, decode_kind_status};
    let (kind, status) = decode_kind_status(&row.text("kind")?, &row.text("status")?)?;
    Ok(crate::jobs::JobRecord {
        id: row.uuid("id")?,
        org_id: row.uuid("org_id")?,
        kind,
        status,
        command: row.opt_text("command")?,
        request: decode_json("request", &row.text("request")?)?,
        client_id: row.opt_uuid("client_id")?,
        flow_id: row.opt_uuid("flow_id")?,
        messages: decode_json("messages", &row.text("messages")?)?,
        total_flows: row.int("total_flows")?,
        result: row.opt_bytes("result")?,
        result_name: row.opt_text("result_name")?,
        created_ms: row.int("created_ms")?,
        modified_ms: row.int("modified_ms")?,
    })
}
