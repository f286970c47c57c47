//! Bulk logic edits on SQLite ([`crate::Store::edit_flows`]): one `BEGIN IMMEDIATE`
//! transaction (one commit, so one fsync) for the whole batch. The batch's rows and current
//! documents are read in one statement; `rules::batch` then edits, checks and writes each
//! flow by the same rules as a single update.

use std::collections::HashMap;

use serde_json::Value;
use sqlx::sqlite::{Sqlite, SqliteConnection, SqlitePool};
use sqlx::QueryBuilder;
use uuid::Uuid;

use crate::bulk::{EditResult, FlowEdit};
use crate::error::StoreError;
use crate::records::FlowRecord;
use crate::rows::{flow_from_row, json, Columns, FLOW_COLUMNS};
use crate::rules::batch::edit_batch;

/// Reads the flows of `ids` in `org` with their current logic documents (the draft while
/// checked out), by id. Ids of other organizations are simply absent.
async fn read_batch(
    conn: &mut SqliteConnection,
    org: Uuid,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, (FlowRecord, Value)>, StoreError> {
    let mut qb = QueryBuilder::<Sqlite>::new(format!(
        "SELECT {FLOW_COLUMNS}, (SELECT v.document FROM flow_versions v \
         WHERE v.flow_id = flows.id AND v.number = COALESCE(flows.saved_version, \
         flows.checked_in_version, flows.published_version, flows.latest_version)) \
         AS current_document FROM flows WHERE org_id = "
    ));
    qb.push_bind(org.to_string()).push(" AND id IN (");
    let mut sep = qb.separated(", ");
    for id in ids {
        sep.push_bind(id.to_string());
    }
    qb.push(")");
    let rows = qb.build().fetch_all(&mut *conn).await?;
    let mut out = HashMap::with_capacity(rows.len());
    for row in rows {
        let rec = flow_from_row(&row)?;
        if row.opt_text("current_document")?.is_none() {
            return Err(StoreError::Backend(format!(
                "flow {} has no row for its current version",
                rec.id
            )));
        }
        let doc = json(&row, "current_document")?;
        out.insert(rec.id, (rec, doc));
    }
    Ok(out)
}

pub async fn edit_flows(
    pool: &SqlitePool,
    org: Uuid,
    client: Uuid,
    ids: &[Uuid],
    edit: &dyn FlowEdit,
) -> Result<Vec<EditResult>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let current = read_batch(&mut tx, org, ids).await?;
    let out = edit_batch(&mut *tx, org, client, ids, current, edit).await?;
    tx.commit().await?;
    Ok(out)
}
