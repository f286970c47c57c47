//! Recorded executions (simulated calls) and their traces.

use sqlx::sqlite::SqlitePool;
use sqlx::Row;
use uuid::Uuid;

use rusqlite::types::Value;

use super::batch::BatchRow;
use super::lite::{is_foreign_key_violation, opt_int, opt_str};
use super::packed;
use crate::error::StoreError;
use crate::records::*;
use crate::rows::{execution_from_row as from_row, EXECUTION_COLUMNS as COLUMNS};

/// An execution rendered into its column values, as the batch writer inserts it.
pub struct ExecutionRow {
    id: String,
    org_id: String,
    flow_id: String,
    flow_version: i64,
    name: Option<String>,
    status: String,
    launched_ms: i64,
    completed_ms: Option<i64>,
    outcome: Option<String>,
    action_count: i64,
    /// Packed once here ([`super::packed`]); a batch replayed row by row binds it again.
    trace: Value,
    output: String,
    client_id: Option<String>,
}

impl From<&ExecutionRecord> for ExecutionRow {
    fn from(e: &ExecutionRecord) -> Self {
        ExecutionRow {
            id: e.id.to_string(),
            org_id: e.org_id.to_string(),
            flow_id: e.flow_id.to_string(),
            flow_version: i64::from(e.flow_version),
            name: e.name.clone(),
            status: e.status.clone(),
            launched_ms: e.launched_ms,
            completed_ms: e.completed_ms,
            outcome: e.outcome.clone(),
            action_count: e.action_count,
            trace: packed::pack(e.trace.as_str())
                .map_or_else(|| Value::Text(e.trace.as_str().to_string()), Value::Blob),
            output: e.output.to_string(),
            client_id: e.client_id.map(|c| c.to_string()),
        }
    }
}

impl BatchRow for ExecutionRow {
    const INSERT: &'static str = "INSERT INTO executions (id, org_id, flow_id, flow_version, \
         name, status, launched_ms, completed_ms, outcome, action_count, trace, output, \
         client_id) VALUES";

    fn values(&self) -> Vec<Value> {
        vec![
            Value::Text(self.id.clone()),
            Value::Text(self.org_id.clone()),
            Value::Text(self.flow_id.clone()),
            Value::Integer(self.flow_version),
            opt_str(self.name.as_deref()),
            Value::Text(self.status.clone()),
            Value::Integer(self.launched_ms),
            opt_int(self.completed_ms),
            opt_str(self.outcome.as_deref()),
            Value::Integer(self.action_count),
            self.trace.clone(),
            Value::Text(self.output.clone()),
            opt_str(self.client_id.as_deref()),
        ]
    }

    fn failed(e: rusqlite::Error) -> StoreError {
        if is_foreign_key_violation(&e) {
            // The flow vanished meanwhile.
            StoreError::NotFound
        } else {
            e.into()
        }
    }
}

pub async fn get_execution(
    pool: &SqlitePool,
    org: Uuid,
    id: Uuid,
) -> Result<ExecutionRecord, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM executions WHERE id = ? AND org_id = ?"
    ))
    .bind(id.to_string())
    .bind(org.to_string())
    .fetch_one(pool)
    .await?;
    from_row(&row)
}

pub async fn list_executions(
    pool: &SqlitePool,
    org: Uuid,
    flow: Uuid,
    page: PageRequest,
) -> Result<Page<ExecutionRecord>, StoreError> {
    let total: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM executions WHERE org_id = ? AND flow_id = ?")
            .bind(org.to_string())
            .bind(flow.to_string())
            .fetch_one(pool)
            .await?
            .try_get("n")?;
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM executions WHERE org_id = ? AND flow_id = ? \
         ORDER BY launched_ms DESC, id DESC LIMIT ? OFFSET ?"
    ))
    .bind(org.to_string())
    .bind(flow.to_string())
    .bind(i64::from(page.size))
    .bind(page.offset())
    .fetch_all(pool)
    .await?;
    let items = rows.iter().map(from_row).collect::<Result<_, _>>()?;
    Ok(Page { items, total })
}
