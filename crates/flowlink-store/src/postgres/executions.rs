//! Recorded executions (simulated calls) and their traces.

use sqlx::postgres::PgPool;
use sqlx::Row;
use uuid::Uuid;

use super::rows::store_error;
use crate::error::StoreError;
use crate::records::*;
use crate::rows::{
    execution_from_row as from_row, is_foreign_key_violation, json_text,
    EXECUTION_COLUMNS as COLUMNS,
};

pub async fn insert_execution(pool: &PgPool, e: &ExecutionRecord) -> Result<(), StoreError> {
    let res = sqlx::query(&format!(
        "INSERT INTO executions ({COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    ))
    .bind(e.id)
    .bind(e.org_id)
    .bind(e.flow_id)
    .bind(i64::from(e.flow_version))
    .bind(&e.name)
    .bind(&e.status)
    .bind(e.launched_ms)
    .bind(e.completed_ms)
    .bind(&e.outcome)
    .bind(e.action_count)
    .bind(e.trace.as_str())
    .bind(json_text(&e.output, "output")?)
    .bind(e.client_id)
    .execute(pool)
    .await;
    match res {
        Ok(_) => Ok(()),
        // The flow is not one of this organization's.
        Err(e) if is_foreign_key_violation(&e) => Err(StoreError::NotFound),
        Err(e) => Err(store_error(e)),
    }
}

pub async fn get_execution(
    pool: &PgPool,
    org: Uuid,
    id: Uuid,
) -> Result<ExecutionRecord, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM executions WHERE id = $1 AND org_id = $2"
    ))
    .bind(id)
    .bind(org)
    .fetch_one(pool)
    .await?;
    from_row(&row)
}

pub async fn list_executions(
    pool: &PgPool,
    org: Uuid,
    flow: Uuid,
    page: PageRequest,
) -> Result<Page<ExecutionRecord>, StoreError> {
    let total: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM executions WHERE org_id = $1 AND flow_id = $2")
            .bind(org)
            .bind(flow)
            .fetch_one(pool)
            .await?
            .try_get("n")?;
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM executions WHERE org_id = $1 AND flow_id = $2 \
         ORDER BY launched_ms DESC, id DESC LIMIT $3 OFFSET $4"
    ))
    .bind(org)
    .bind(flow)
    .bind(i64::from(page.size))
    .bind(page.offset())
    .fetch_all(pool)
    .await?;
    let items = rows.iter().map(from_row).collect::<Result<_, _>>()?;
    Ok(Page { items, total })
}
