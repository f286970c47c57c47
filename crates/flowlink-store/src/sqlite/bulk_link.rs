//! Bulk logic edits on SQLite ([`crate::Store::edit_flows`]): one `BEGIN IMMEDIATE`
//! transaction (one commit, so one fsync) for the whole batch. The batch's rows and current
//! documents are read in one statement; each flow is then checked and written by the same
//! [`check_update`] / [`write_update`] as a single update.

use std::collections::HashMap;

use serde_json::Value;
use sqlx::sqlite::{Sqlite, SqliteConnection, SqlitePool};
use sqlx::{QueryBuilder, Row};
use uuid::Uuid;

use super::flows::{check_update, write_update};
use super::rows::{flow_from_row, json, FLOW_COLUMNS};
use crate::bulk::{fails_flow_alone, EditOutcome, EditResult, FlowEdit};
use crate::error::StoreError;
use crate::records::{FlowRecord, FlowUpdate};

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
        if row
            .try_get::<Option<String>, _>("current_document")?
            .is_none()
        {
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

/// Edits one flow inside the batch's transaction. The outer `Err` aborts the batch; the inner
/// one fails this flow alone (it was refused before anything of it was written).
async fn edit_one(
    conn: &mut SqliteConnection,
    org: Uuid,
    client: Uuid,
    cur: FlowRecord,
    document: &Value,
    edit: &dyn FlowEdit,
) -> Result<Result<EditOutcome, StoreError>, StoreError> {
    if cur.deleted {
        return Ok(Err(StoreError::Gone));
    }
    let edited = match edit.edit(&cur, document) {
        Ok(Some(e)) => e,
        Ok(None) => return Ok(Ok(EditOutcome::Unchanged(cur))),
        Err(e) => return Ok(Err(e)),
    };
    let update = FlowUpdate {
        // The row was just read in this transaction: the edit applies to exactly it.
        expected_version: Some(cur.version),
        logic: Some(edited.logic),
        client_id: Some(client),
        ..Default::default()
    };
    let checked = match check_update(conn, org, &cur, update, edited.guard.as_ref()).await {
        Ok(c) => c,
        Err(e) if fails_flow_alone(&e) => return Ok(Err(e)),
        Err(e) => return Err(e),
    };
    // Anything failing from here on has written part of this flow: the batch must go.
    let rec = write_update(conn, org, &cur, checked).await?;
    Ok(Ok(EditOutcome::Updated(rec)))
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
    let mut current = read_batch(&mut tx, org, ids).await?;
    let mut out = Vec::with_capacity(ids.len());
    for &id in ids {
        let outcome = match current.remove(&id) {
            Some((cur, document)) => edit_one(&mut tx, org, client, cur, &document, edit).await?,
            // Unknown, another organization's, or a duplicate id already handled.
            None => Err(StoreError::NotFound),
        };
        out.push(EditResult { id, outcome });
    }
    tx.commit().await?;
    Ok(out)
}
