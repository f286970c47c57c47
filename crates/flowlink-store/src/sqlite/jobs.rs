//! Architect jobs and server secrets on SQLite (see [`crate::jobs`]).

use async_trait::async_trait;
use sqlx::Row;
use uuid::Uuid;

use super::SqliteStore;
use crate::error::StoreError;
use crate::jobs::{JobRecord, JobStatus, JobStore};
use crate::rows::{job_from_row, now_ms, JOB_COLUMNS};

#[async_trait]
impl JobStore for SqliteStore {
    async fn server_secret(&self, name: &str, candidate: &[u8]) -> Result<Vec<u8>, StoreError> {
        let read = || async {
            sqlx::query("SELECT value FROM server_secrets WHERE name = ?")
                .bind(name)
                .fetch_optional(&self.readers)
                .await
        };
        // Read first: the secret exists after the first call, and reads never queue behind
        // the writer.
        if let Some(row) = read().await? {
            return Ok(row.try_get("value")?);
        }
        let inserted = sqlx::query(
            "INSERT INTO server_secrets (name, value, created_ms) VALUES (?, ?, ?) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(candidate)
        .bind(now_ms())
        .execute(&self.writer)
        .await;
        self.synced(inserted.map_err(StoreError::from)).await?;
        let row = sqlx::query("SELECT value FROM server_secrets WHERE name = ?")
            .bind(name)
            .fetch_one(&self.writer)
            .await?;
        Ok(row.try_get("value")?)
    }

    async fn insert_job(&self, j: &JobRecord) -> Result<(), StoreError> {
        let inserted = sqlx::query(&format!(
            "INSERT INTO flow_jobs ({JOB_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(j.id.to_string())
        .bind(j.org_id.to_string())
        .bind(j.kind.as_str())
        .bind(j.status.as_str())
        .bind(&j.command)
        .bind(j.request.to_string())
        .bind(j.client_id.map(|c| c.to_string()))
        .bind(j.flow_id.map(|c| c.to_string()))
        .bind(j.messages.to_string())
        .bind(j.total_flows)
        .bind(&j.result)
        .bind(&j.result_name)
        .bind(j.created_ms)
        .bind(j.modified_ms)
        .execute(&self.writer)
        .await;
        self.synced(inserted.map_err(StoreError::from)).await?;
        Ok(())
    }

    async fn get_job(&self, org: Uuid, id: Uuid) -> Result<JobRecord, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {JOB_COLUMNS} FROM flow_jobs WHERE id = ? AND org_id = ?"
        ))
        .bind(id.to_string())
        .bind(org.to_string())
        .fetch_one(&self.readers)
        .await?;
        job_from_row(&row)
    }

    async fn get_job_by_id(&self, id: Uuid) -> Result<JobRecord, StoreError> {
        let row = sqlx::query(&format!("SELECT {JOB_COLUMNS} FROM flow_jobs WHERE id = ?"))
            .bind(id.to_string())
            .fetch_one(&self.readers)
            .await?;
        job_from_row(&row)
    }

    async fn update_job(&self, j: &JobRecord, expected: JobStatus) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE flow_jobs SET status = ?, command = ?, flow_id = ?, messages = ?, \
             total_flows = ?, result = ?, result_name = ?, modified_ms = ? \
             WHERE id = ? AND status = ?",
        )
        .bind(j.status.as_str())
        .bind(&j.command)
        .bind(j.flow_id.map(|c| c.to_string()))
        .bind(j.messages.to_string())
        .bind(j.total_flows)
        .bind(&j.result)
        .bind(&j.result_name)
        .bind(j.modified_ms)
        .bind(j.id.to_string())
        .bind(expected.as_str())
        .execute(&self.writer)
        .await;
        let done = self.synced(done.map_err(StoreError::from)).await?;
        Ok(done.rows_affected() == 1)
    }

    async fn purge_jobs(&self, before_ms: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM flow_jobs WHERE modified_ms < ?")
            .bind(before_ms)
            .execute(&self.writer)
            .await;
        let done = self.synced(done.map_err(StoreError::from)).await?;
        Ok(done.rows_affected())
    }
}
