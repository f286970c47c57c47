//! Reads of flows, their immutable logic versions and the dependency index, on the read-only
//! connections (the writes are [`super::flow_writes`]).

use sqlx::sqlite::{Sqlite, SqliteConnection, SqlitePool};
use sqlx::{QueryBuilder, Row};
use uuid::Uuid;

use crate::error::{Consumer, StoreError};
use crate::records::*;
use crate::rows::{
    call_from_row, consumer_from_row, edge_from_row, flow_from_row, version_from_row, FLOW_COLUMNS,
    VERSION_COLUMNS,
};
use crate::sql::{flow_order, push_text_filters, version_condition};

const MODULE: &str = "COMMONMODULE";

fn push_filters(qb: &mut QueryBuilder<'_, Sqlite>, org: Uuid, q: &FlowQuery) {
    if !q.ids.is_empty() {
        // By primary key: `+org_id` keeps the planner off `flows_org_type`, which it picks
        // for a few ids and then scans the whole organization.
        qb.push(" WHERE id IN (");
        let mut sep = qb.separated(", ");
        for id in &q.ids {
            sep.push_bind(id.to_string());
        }
        qb.push(") AND +org_id = ").push_bind(org.to_string());
        return;
    }
    qb.push(" WHERE org_id = ").push_bind(org.to_string());
    if !q.include_deleted {
        qb.push(" AND deleted = 0");
    }
    if !q.types.is_empty() {
        qb.push(" AND flow_type IN (");
        let mut sep = qb.separated(", ");
        for t in &q.types {
            sep.push_bind(t.as_str());
        }
        qb.push(")");
    }
    if let Some(active) = q.active {
        qb.push(" AND active = ").push_bind(i64::from(active));
    }
    push_text_filters(qb, q);
}

pub async fn list_flows(
    pool: &SqlitePool,
    org: Uuid,
    q: &FlowQuery,
) -> Result<Page<FlowRecord>, StoreError> {
    let mut count = QueryBuilder::<Sqlite>::new("SELECT COUNT(*) AS n FROM flows");
    push_filters(&mut count, org, q);
    let total: i64 = count.build().fetch_one(pool).await?.try_get("n")?;

    let mut qb = QueryBuilder::<Sqlite>::new(format!("SELECT {FLOW_COLUMNS} FROM flows"));
    push_filters(&mut qb, org, q);
    qb.push(flow_order(q));
    qb.push(" LIMIT ")
        .push_bind(i64::from(q.page.size))
        .push(" OFFSET ")
        .push_bind(q.page.offset());
    let rows = qb.build().fetch_all(pool).await?;
    let items = rows.iter().map(flow_from_row).collect::<Result<_, _>>()?;
    Ok(Page { items, total })
}

pub async fn list_versions(
    pool: &SqlitePool,
    org: Uuid,
    flow: Uuid,
    page: PageRequest,
) -> Result<Page<FlowVersionRecord>, StoreError> {
    let total: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM flow_versions WHERE flow_id = ? AND org_id = ?")
            .bind(flow.to_string())
            .bind(org.to_string())
            .fetch_one(pool)
            .await?
            .try_get("n")?;
    let rows = sqlx::query(&format!(
        "SELECT {VERSION_COLUMNS} FROM flow_versions WHERE flow_id = ? AND org_id = ? \
         ORDER BY number DESC LIMIT ? OFFSET ?"
    ))
    .bind(flow.to_string())
    .bind(org.to_string())
    .bind(i64::from(page.size))
    .bind(page.offset())
    .fetch_all(pool)
    .await?;
    let items = rows
        .iter()
        .map(version_from_row)
        .collect::<Result<_, _>>()?;
    Ok(Page { items, total })
}

/// Live flows whose versions selected by `filter` call a module; binds the organization and
/// the module (shared by the readers and the writer).
pub(super) fn module_consumers_sql(filter: ConsumerFilter) -> String {
    format!(
        "SELECT DISTINCT c.id AS id, c.name AS name, c.flow_type AS flow_type, \
         d.consumer_version AS consumer_version, d.module_version AS module_version \
         FROM flow_dependencies d JOIN flows c ON c.id = d.consumer_id \
         WHERE d.org_id = ? AND d.module_id = ? AND c.org_id = d.org_id AND c.deleted = 0 AND {} \
         ORDER BY c.name_key, c.id, d.consumer_version",
        version_condition(filter)
    )
}

pub async fn module_consumers(
    conn: &mut SqliteConnection,
    org: Uuid,
    module: Uuid,
    filter: ConsumerFilter,
) -> Result<Vec<Consumer>, StoreError> {
    let rows = sqlx::query(&module_consumers_sql(filter))
        .bind(org.to_string())
        .bind(module.to_string())
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(consumer_from_row).collect()
}

pub async fn consumed_modules(
    pool: &SqlitePool,
    org: Uuid,
    flow: Uuid,
    version: u32,
) -> Result<Vec<ModuleRef>, StoreError> {
    let rows = sqlx::query(
        "SELECT module_id, module_version FROM flow_dependencies \
         WHERE org_id = ? AND consumer_id = ? AND consumer_version = ? \
         ORDER BY module_id, module_version",
    )
    .bind(org.to_string())
    .bind(flow.to_string())
    .bind(i64::from(version))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| call_from_row(row, String::new()))
        .collect()
}

/// The organization's module→module edges among current versions of live modules; binds the
/// organization (shared by the readers and the writer).
pub(super) fn module_edges_sql() -> String {
    format!(
        "SELECT DISTINCT c.id AS caller, c.name AS caller_name, m.id AS callee, \
         m.name AS callee_name \
         FROM flow_dependencies d JOIN flows c ON c.id = d.consumer_id \
         JOIN flows m ON m.id = d.module_id AND m.org_id = d.org_id \
         WHERE d.org_id = ? AND c.org_id = d.org_id AND c.deleted = 0 AND c.flow_type = '{MODULE}' \
         AND {} ORDER BY c.id, m.id",
        version_condition(ConsumerFilter::Current)
    )
}

pub async fn module_edges(
    conn: &mut SqliteConnection,
    org: Uuid,
) -> Result<Vec<ModuleEdge>, StoreError> {
    let rows = sqlx::query(&module_edges_sql())
        .bind(org.to_string())
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(edge_from_row).collect()
}
