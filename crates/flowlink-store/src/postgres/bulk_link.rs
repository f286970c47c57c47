//! Bulk logic edits on PostgreSQL ([`crate::Store::edit_flows`]): one READ COMMITTED
//! transaction (one commit) for the whole batch, with the locks of a single update taken for
//! all its flows at once and in one order:
//! - the organization's graph lock first, when any target is a module (its new logic may call
//!   modules: the cycle guard must see a stable graph);
//! - then every target row `FOR NO KEY UPDATE`, `ORDER BY id`, so concurrent batches (and
//!   single writes, which lock one row) queue up instead of deadlocking;
//! - the current documents are read *after* the rows are locked, by a new statement, so they
//!   are the committed ones (a READ COMMITTED snapshot taken before the lock wait would miss a
//!   version committed meanwhile).
//!
//! `rules::batch` then edits, checks and writes each flow by the same rules as a single update
//! (the call checks lock the called modules `FOR KEY SHARE`).

use std::collections::HashMap;

use serde_json::Value;
use sqlx::postgres::{PgConnection, PgPool};
use sqlx::Row;
use uuid::Uuid;

use super::flows::{begin, lock_module_graph};
use super::rows::TxError;
use crate::bulk::{EditResult, FlowEdit};
use crate::error::StoreError;
use crate::records::FlowRecord;
use crate::rows::{flow_from_row, flow_type, json, FLOW_COLUMNS};
use crate::rules::batch::edit_batch;

/// Locks the flows of `ids` in `org` and reads them with their current logic documents (the
/// draft while checked out), by id. Ids of other organizations are simply absent.
async fn lock_batch(
    conn: &mut PgConnection,
    org: Uuid,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, (FlowRecord, Value)>, TxError> {
    // The type never changes, so reading it before taking any lock is safe; it decides
    // whether the graph lock (which must come first) is needed.
    let types = sqlx::query("SELECT flow_type FROM flows WHERE org_id = $1 AND id = ANY($2)")
        .bind(org)
        .bind(ids)
        .fetch_all(&mut *conn)
        .await?;
    let mut any_module = false;
    for row in &types {
        any_module |= flow_type(row, "flow_type")?.is_module();
    }
    if any_module {
        lock_module_graph(conn, org).await?;
    }
    let rows = sqlx::query(&format!(
        "SELECT {FLOW_COLUMNS} FROM flows WHERE org_id = $1 AND id = ANY($2) \
         ORDER BY id FOR NO KEY UPDATE"
    ))
    .bind(org)
    .bind(ids)
    .fetch_all(&mut *conn)
    .await?;
    let mut flows = Vec::with_capacity(rows.len());
    for row in &rows {
        flows.push(flow_from_row(row)?);
    }
    let (flow_ids, numbers): (Vec<Uuid>, Vec<i64>) = flows
        .iter()
        .map(|f| (f.id, i64::from(f.current_version())))
        .unzip();
    let docs = sqlx::query(
        "SELECT v.flow_id, v.document FROM flow_versions v \
         JOIN UNNEST($2::uuid[], $3::bigint[]) AS t(f, n) ON v.flow_id = t.f AND v.number = t.n \
         WHERE v.org_id = $1",
    )
    .bind(org)
    .bind(flow_ids)
    .bind(numbers)
    .fetch_all(&mut *conn)
    .await?;
    let mut documents = HashMap::with_capacity(docs.len());
    for row in &docs {
        let id: Uuid = row.try_get("flow_id")?;
        documents.insert(id, json(row, "document")?);
    }
    let mut out = HashMap::with_capacity(flows.len());
    for f in flows {
        let doc = documents.remove(&f.id).ok_or_else(|| {
            StoreError::Backend(format!("flow {} has no row for its current version", f.id))
        })?;
        out.insert(f.id, (f, doc));
    }
    Ok(out)
}

pub async fn edit_flows(
    pool: &PgPool,
    org: Uuid,
    client: Uuid,
    ids: &[Uuid],
    edit: &dyn FlowEdit,
) -> Result<Vec<EditResult>, TxError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut tx = begin(pool).await?;
    let current = lock_batch(&mut tx, org, ids).await?;
    let out = edit_batch(&mut *tx, org, client, ids, current, edit).await?;
    tx.commit().await?;
    Ok(out)
}
