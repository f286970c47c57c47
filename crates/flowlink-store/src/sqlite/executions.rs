//! Recorded executions (simulated calls) and their traces.

use sqlx::sqlite::SqlitePool;
use sqlx::Row;
use uuid::Uuid;

use crate::error::StoreError;
use crate::records::*;
use crate::rows::{
    execution_from_row as from_row, is_foreign_key_violation, EXECUTION_COLUMNS as COLUMNS,
};

pub async fn insert_execution(pool: &SqlitePool, e: &ExecutionRecord) -> Result<(), StoreError> {
    let res = sqlx::query(&format!(
        "INSERT INTO executions ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    ))
    .bind(e.id.to_string())
    .bind(e.org_id.to_string())
    .bind(e.flow_id.to_string())
    .bind(i64::from(e.flow_version))
    .bind(&e.name)
    .bind(&e.status)
    .bind(e.launched_ms)
    .bind(e.completed_ms)
    .bind(&e.outcome)
    .bind(e.action_count)
    .bind(e.trace.to_string())
    .bind(e.output.to_string())
    .bind(e.client_id.map(|c| c.to_string()))
    .execute(pool)
    .await;
    match res {
        Ok(_) => Ok(()),
        Err(e) if is_foreign_key_violation(&e) => Err(StoreError::NotFound),
        Err(e) => Err(e.into()),
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
