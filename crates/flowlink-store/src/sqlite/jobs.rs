//! Architect jobs and server secrets on SQLite (see [`crate::jobs`]).

use async_trait::async_trait;
use rusqlite::types::Value;
use sqlx::Row;
use uuid::Uuid;

use super::lite::{opt_text, text, Sql};
use super::SqliteStore;
use crate::error::StoreError;
use crate::jobs::{JobRecord, JobStatus, JobStore};
use crate::rows::{job_from_row, now_ms, Columns, JOB_COLUMNS};

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
        let inserted = self.writer.transaction(|conn| {
            Sql::with_values(
                "INSERT INTO server_secrets (name, value, created_ms) VALUES (?, ?, ?) \
                 ON CONFLICT (name) DO NOTHING",
                vec![
                    Value::Text(name.into()),
                    Value::Blob(candidate.to_vec()),
                    Value::Integer(now_ms()),
                ],
            )
            .execute(conn)?;
            Sql::with_values(
                "SELECT value FROM server_secrets WHERE name = ?",
                vec![Value::Text(name.into())],
            )
            .row(conn, |row| row.bytes("value"))
        });
        self.synced(inserted).await
    }

    async fn insert_job(&self, j: &JobRecord) -> Result<(), StoreError> {
        let inserted = self.writer.transaction(|conn| {
            Sql::with_values(
                format!(
                    "INSERT INTO flow_jobs ({JOB_COLUMNS}) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                ),
                vec![
                    text(j.id),
                    text(j.org_id),
                    Value::Text(j.kind.as_str().into()),
                    Value::Text(j.status.as_str().into()),
                    j.command.clone().map_or(Value::Null, Value::Text),
                    Value::Text(j.request.to_string()),
                    opt_text(j.client_id),
                    opt_text(j.flow_id),
                    Value::Text(j.messages.to_string()),
                    Value::Integer(j.total_flows),
                    j.result.clone().map_or(Value::Null, Value::Blob),
                    j.result_name.clone().map_or(Value::Null, Value::Text),
                    Value::Integer(j.created_ms),
                    Value::Integer(j.modified_ms),
                ],
            )
            .execute(conn)?;
            Ok(())
        });
        self.synced(inserted).await
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
        let done = self.writer.transaction(|conn| {
            Ok(Sql::with_values(
                "UPDATE flow_jobs SET status = ?, command = ?, flow_id = ?, messages = ?, \
                 total_flows = ?, result = ?, result_name = ?, modified_ms = ? \
                 WHERE id = ? AND status = ?",
                vec![
                    Value::Text(j.status.as_str().into()),
                    j.command.clone().map_or(Value::Null, Value::Text),
                    opt_text(j.flow_id),
                    Value::Text(j.messages.to_string()),
                    Value::Integer(j.total_flows),
                    j.result.clone().map_or(Value::Null, Value::Blob),
                    j.result_name.clone().map_or(Value::Null, Value::Text),
                    Value::Integer(j.modified_ms),
                    text(j.id),
                    Value::Text(expected.as_str().into()),
                ],
            )
            .execute(conn)?)
        });
        Ok(self.synced(done).await? == 1)
    }

    async fn purge_jobs(&self, before_ms: i64) -> Result<u64, StoreError> {
        let done = self.writer.transaction(|conn| {
            Ok(Sql::with_values(
                "DELETE FROM flow_jobs WHERE modified_ms < ?",
                vec![Value::Integer(before_ms)],
            )
            .execute(conn)?)
        });
        Ok(self.synced(done).await? as u64)
    }
}
