//! Architect jobs and server secrets on PostgreSQL (see [`crate::jobs`]).

use async_trait::async_trait;
use sqlx::Row;
use uuid::Uuid;

use super::rows::store_error;
use super::PostgresStore;
use crate::error::StoreError;
use crate::jobs::{JobRecord, JobStatus, JobStore};
use crate::rows::{job_from_row, now_ms, JOB_COLUMNS};

#[async_trait]
impl JobStore for PostgresStore {
    async fn server_secret(&self, name: &str, candidate: &[u8]) -> Result<Vec<u8>, StoreError> {
        let read = || async {
            sqlx::query("SELECT value FROM server_secrets WHERE name = $1")
                .bind(name)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)
        };
        if let Some(row) = read().await? {
            return Ok(row.try_get("value")?);
        }
        // Replicas racing here all insert-or-keep, then read the one value that won.
        sqlx::query(
            "INSERT INTO server_secrets (name, value, created_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(candidate)
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        match read().await? {
            Some(row) => Ok(row.try_get("value")?),
            None => Err(StoreError::Backend(format!("secret {name} vanished"))),
        }
    }

    async fn insert_job(&self, j: &JobRecord) -> Result<(), StoreError> {
        sqlx::query(&format!(
            "INSERT INTO flow_jobs ({JOB_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        ))
        .bind(j.id)
        .bind(j.org_id)
        .bind(j.kind.as_str())
        .bind(j.status.as_str())
        .bind(&j.command)
        .bind(j.request.to_string())
        .bind(j.client_id)
        .bind(j.flow_id)
        .bind(j.messages.to_string())
        .bind(j.total_flows)
        .bind(&j.result)
        .bind(&j.result_name)
        .bind(j.created_ms)
        .bind(j.modified_ms)
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn get_job(&self, org: Uuid, id: Uuid) -> Result<JobRecord, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {JOB_COLUMNS} FROM flow_jobs WHERE id = $1 AND org_id = $2"
        ))
        .bind(id)
        .bind(org)
        .fetch_one(&self.pool)
        .await
        .map_err(store_error)?;
        job_from_row(&row)
    }

    async fn get_job_by_id(&self, id: Uuid) -> Result<JobRecord, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {JOB_COLUMNS} FROM flow_jobs WHERE id = $1"
        ))
        .bind(id)
        .fetch_one(&self.pool)
        .await
        .map_err(store_error)?;
        job_from_row(&row)
    }

    async fn update_job(&self, j: &JobRecord, expected: JobStatus) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE flow_jobs SET status = $1, command = $2, flow_id = $3, messages = $4, \
             total_flows = $5, result = $6, result_name = $7, modified_ms = $8 \
             WHERE id = $9 AND status = $10",
        )
        .bind(j.status.as_str())
        .bind(&j.command)
        .bind(j.flow_id)
        .bind(j.messages.to_string())
        .bind(j.total_flows)
        .bind(&j.result)
        .bind(&j.result_name)
        .bind(j.modified_ms)
        .bind(j.id)
        .bind(expected.as_str())
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(done.rows_affected() == 1)
    }

    async fn purge_jobs(&self, before_ms: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM flow_jobs WHERE modified_ms < $1")
            .bind(before_ms)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(done.rows_affected())
    }
}
