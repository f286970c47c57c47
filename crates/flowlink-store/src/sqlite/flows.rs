//! Flows, their immutable logic versions and the dependency index.
//!
//! Every write runs in one `BEGIN IMMEDIATE` transaction on the writer connection: read the
//! current row, let `crate::rules` decide (optimistic lock, checkout lock, module references,
//! cycle guard), write the version and its dependency rows, then a conditional
//! `UPDATE ... WHERE version = ?`. This module holds only the SQL, and the [`RuleTx`]
//! statements the rules run inside the transaction.

use std::collections::{BTreeSet, HashMap};

use async_trait::async_trait;
use sqlx::sqlite::{Sqlite, SqliteConnection, SqlitePool};
use sqlx::{QueryBuilder, Row};
use uuid::Uuid;

use crate::error::{Consumer, StoreError};
use crate::records::*;
use crate::rows::{
    call_from_row, consumer_from_row, edge_from_row, flow_from_row, is_foreign_key_violation,
    is_unique_violation, json_text, now_ms, target_from_row, version_from_row, DbRow, FLOW_COLUMNS,
    VERSION_COLUMNS,
};
use crate::rules::checks::{check_delete, check_update, duplicate, lost_race};
use crate::rules::pointers::{dependency_rows, Pointers, RowAfter};
use crate::rules::{calls, CheckedUpdate, RuleTx, Target};
use crate::sql::{flow_order, push_text_filters, version_condition};
use crate::store::LinkGuard;

const MODULE: &str = "COMMONMODULE";

pub(super) async fn fetch_flow(
    conn: &mut SqliteConnection,
    org: Uuid,
    id: Uuid,
) -> Result<FlowRecord, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {FLOW_COLUMNS} FROM flows WHERE id = ? AND org_id = ?"
    ))
    .bind(id.to_string())
    .bind(org.to_string())
    .fetch_one(&mut *conn)
    .await?;
    flow_from_row(&row)
}

/// The call targets among `ids` (see [`RuleTx::call_targets`]): one statement for all.
async fn call_targets(
    conn: &mut SqliteConnection,
    org: Uuid,
    ids: &BTreeSet<Uuid>,
) -> Result<HashMap<Uuid, Target>, StoreError> {
    let mut qb = QueryBuilder::<Sqlite>::new(
        "SELECT id, name, flow_type, deleted, latest_version FROM flows WHERE org_id = ",
    );
    qb.push_bind(org.to_string()).push(" AND id IN (");
    let mut sep = qb.separated(", ");
    for id in ids {
        sep.push_bind(id.to_string());
    }
    qb.push(")");
    let mut targets = HashMap::new();
    for row in qb.build().fetch_all(&mut *conn).await? {
        targets.insert(row.uuid("id")?, target_from_row(&row)?);
    }
    Ok(targets)
}

/// Writes version `n` of `flow` and its dependency rows.
async fn insert_version(
    conn: &mut SqliteConnection,
    org: Uuid,
    flow: Uuid,
    n: u32,
    logic: &LogicWrite,
    client: Option<Uuid>,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO flow_versions (flow_id, number, org_id, document, dialect, kind, created_ms, \
         created_by_client, published_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(flow.to_string())
    .bind(i64::from(n))
    .bind(org.to_string())
    .bind(json_text(&logic.document, "logic document")?)
    .bind(logic.dialect.map(Dialect::as_str))
    .bind(logic.kind.as_str())
    .bind(now)
    .bind(client.map(|c| c.to_string()))
    .bind((logic.kind == VersionKind::Publish).then_some(now))
    .execute(&mut *conn)
    .await?;
    let distinct = dependency_rows(logic);
    if distinct.is_empty() {
        return Ok(());
    }
    // One statement for all the rows.
    let mut qb = QueryBuilder::<Sqlite>::new(
        "INSERT INTO flow_dependencies (org_id, consumer_id, consumer_version, module_id, \
         module_version) ",
    );
    let (org, flow) = (org.to_string(), flow.to_string());
    qb.push_values(distinct, |mut row, (module, pin)| {
        row.push_bind(org.clone())
            .push_bind(flow.clone())
            .push_bind(i64::from(n))
            .push_bind(module.to_string())
            .push_bind(pin.map(i64::from));
    });
    qb.build().execute(&mut *conn).await?;
    Ok(())
}

pub async fn create_flow(
    pool: &SqlitePool,
    f: NewFlow,
    guard: &dyn LinkGuard,
) -> Result<FlowRecord, StoreError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let id = Uuid::new_v4();
    let now = now_ms();
    calls::check_logic(
        &mut *tx,
        f.org_id,
        id,
        &f.name,
        f.flow_type,
        &f.logic,
        guard,
    )
    .await?;
    let p = Pointers::after(None, f.logic.kind, 1, now);
    let res = sqlx::query(
        "INSERT INTO flows (id, org_id, flow_type, name, name_key, description, description_key, \
         version, dialect, active, deleted, locked_client_id, published_version, saved_version, \
         checked_in_version, latest_version, published_ms, error_handling, created_ms, \
         modified_ms) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, 0, NULL, ?, ?, ?, 1, ?, ?, ?, ?)",
    )
    .bind(id.to_string())
    .bind(f.org_id.to_string())
    .bind(f.flow_type.as_str())
    .bind(&f.name)
    .bind(f.name.to_lowercase())
    .bind(&f.description)
    .bind(f.description.as_ref().map(|d| d.to_lowercase()))
    .bind(f.logic.dialect.map(Dialect::as_str))
    .bind(i64::from(p.active))
    .bind(p.published.map(i64::from))
    .bind(p.saved.map(i64::from))
    .bind(p.checked_in.map(i64::from))
    .bind(p.published_ms)
    .bind(&f.error_handling)
    .bind(now)
    .bind(now)
    .execute(&mut *tx)
    .await;
    match res {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => return Err(duplicate(f.flow_type, &f.name)),
        Err(e) if is_foreign_key_violation(&e) => return Err(StoreError::NotFound),
        Err(e) => return Err(e.into()),
    }
    insert_version(&mut tx, f.org_id, id, 1, &f.logic, f.client_id, now).await?;
    let rec = fetch_flow(&mut tx, f.org_id, id).await?;
    tx.commit().await?;
    Ok(rec)
}

pub async fn get_flow(pool: &SqlitePool, org: Uuid, id: Uuid) -> Result<FlowRecord, StoreError> {
    let mut conn = pool.acquire().await?;
    fetch_flow(&mut conn, org, id).await
}

fn push_filters(qb: &mut QueryBuilder<'_, Sqlite>, org: Uuid, q: &FlowQuery) {
    qb.push(" WHERE org_id = ").push_bind(org.to_string());
    if !q.ids.is_empty() {
        qb.push(" AND id IN (");
        let mut sep = qb.separated(", ");
        for id in &q.ids {
            sep.push_bind(id.to_string());
        }
        qb.push(")");
        return;
    }
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

pub async fn update_flow(
    pool: &SqlitePool,
    org: Uuid,
    id: Uuid,
    u: FlowUpdate,
    guard: &dyn LinkGuard,
) -> Result<FlowRecord, StoreError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let cur = fetch_flow(&mut tx, org, id).await?;
    let checked = check_update(&mut *tx, org, &cur, &u, guard).await?;
    let rec = write_update(&mut tx, org, &cur, checked).await?;
    tx.commit().await?;
    Ok(rec)
}

/// Writes a checked update of `cur`: the new logic version and its dependency rows, then the
/// row itself (conditional on `version` and the lock); answers the flow as written. All of it
/// is ONE query of up to three statements: sqlx hands every query to its worker thread and
/// wakes the caller back, so a round trip costs far more than the statements' own work, and
/// concurrent PUTs queue for this one writer connection.
async fn write_update(
    conn: &mut SqliteConnection,
    org: Uuid,
    cur: &FlowRecord,
    c: CheckedUpdate,
) -> Result<FlowRecord, StoreError> {
    let now = now_ms();
    let after = RowAfter::of(cur, c.logic.as_ref(), now);
    let (id, org_text) = (cur.id.to_string(), org.to_string());
    let client = c.client_id.map(|c| c.to_string());
    let mut qb = QueryBuilder::<Sqlite>::new("");
    if let (Some(logic), Some(n)) = (&c.logic, after.new_version) {
        qb.push(
            "INSERT INTO flow_versions (flow_id, number, org_id, document, dialect, kind, \
             created_ms, created_by_client, published_ms) VALUES (",
        );
        let mut sep = qb.separated(", ");
        sep.push_bind(id.clone())
            .push_bind(i64::from(n))
            .push_bind(org_text.clone())
            .push_bind(json_text(&logic.document, "logic document")?)
            .push_bind(logic.dialect.map(Dialect::as_str))
            .push_bind(logic.kind.as_str())
            .push_bind(now)
            .push_bind(client.clone())
            .push_bind((logic.kind == VersionKind::Publish).then_some(now));
        qb.push("); ");
        let distinct = dependency_rows(logic);
        if !distinct.is_empty() {
            qb.push(
                "INSERT INTO flow_dependencies (org_id, consumer_id, consumer_version, \
                 module_id, module_version) ",
            );
            qb.push_values(distinct, |mut row, (module, pin)| {
                row.push_bind(org_text.clone())
                    .push_bind(id.clone())
                    .push_bind(i64::from(n))
                    .push_bind(module.to_string())
                    .push_bind(pin.map(i64::from));
            });
            qb.push("; ");
        }
    }
    let p = after.pointers;
    // RETURNING answers the row as written: no second read.
    qb.push("UPDATE flows SET name = ")
        .push_bind(c.name.clone());
    qb.push(", name_key = ").push_bind(c.name.to_lowercase());
    qb.push(", description = ").push_bind(c.description.clone());
    qb.push(", description_key = ")
        .push_bind(c.description.as_ref().map(|d| d.to_lowercase()));
    qb.push(", error_handling = ")
        .push_bind(c.error_handling.clone());
    qb.push(", dialect = ")
        .push_bind(after.dialect.map(Dialect::as_str));
    qb.push(", active = ").push_bind(i64::from(p.active));
    qb.push(", published_version = ")
        .push_bind(p.published.map(i64::from));
    qb.push(", saved_version = ")
        .push_bind(p.saved.map(i64::from));
    qb.push(", checked_in_version = ")
        .push_bind(p.checked_in.map(i64::from));
    qb.push(", latest_version = ")
        .push_bind(i64::from(after.latest));
    qb.push(", published_ms = ").push_bind(p.published_ms);
    qb.push(", modified_ms = ").push_bind(now);
    qb.push(", version = version + 1 WHERE id = ").push_bind(id);
    qb.push(" AND org_id = ").push_bind(org_text);
    qb.push(" AND version = ").push_bind(cur.version);
    qb.push(" AND (locked_client_id IS NULL OR locked_client_id = ")
        .push_bind(client)
        .push(") RETURNING ")
        .push(FLOW_COLUMNS);
    // Only the UPDATE returns rows (the INSERTs return none).
    let res = qb.build().fetch_optional(&mut *conn).await;
    match res {
        Ok(Some(row)) => flow_from_row(&row),
        // Cannot happen on SQLite (the row was read in this IMMEDIATE transaction) but is the
        // lock's last line of defence on backends with weaker isolation.
        Ok(None) => Err(lost_race(c.expected_version, cur)),
        // Only the flows' name index makes the UPDATE's unique violation; the version rows
        // are new numbers inside this IMMEDIATE transaction.
        Err(e) if is_duplicate_name(&e) => Err(duplicate(cur.flow_type, &c.name)),
        Err(e) => Err(e.into()),
    }
}

/// Whether `e` is the flows' unique name index refusing a name (not another unique key).
fn is_duplicate_name(e: &sqlx::Error) -> bool {
    is_unique_violation(e)
        && matches!(e, sqlx::Error::Database(db) if db.message().contains("flows.name_key"))
}

/// Soft-deletes a flow. With `client`, refused while another client holds the lock (checked
/// here and again by the conditional update).
pub async fn delete_flow(
    pool: &SqlitePool,
    org: Uuid,
    id: Uuid,
    expected_version: Option<i64>,
    client: Option<Uuid>,
) -> Result<FlowRecord, StoreError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let cur = fetch_flow(&mut tx, org, id).await?;
    check_delete(&mut *tx, org, &cur, expected_version, client).await?;
    sqlx::query(
        "UPDATE flows SET deleted = 1, active = 0, version = version + 1, modified_ms = ? \
         WHERE id = ? AND org_id = ? AND version = ? \
         AND (? IS NULL OR locked_client_id IS NULL OR locked_client_id = ?)",
    )
    .bind(now_ms())
    .bind(id.to_string())
    .bind(org.to_string())
    .bind(cur.version)
    .bind(client.map(|c| c.to_string()))
    .bind(client.map(|c| c.to_string()))
    .execute(&mut *tx)
    .await?;
    let rec = fetch_flow(&mut tx, org, id).await?;
    tx.commit().await?;
    Ok(rec)
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

pub async fn get_version(
    pool: &SqlitePool,
    org: Uuid,
    flow: Uuid,
    number: u32,
) -> Result<FlowVersionRecord, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {VERSION_COLUMNS} FROM flow_versions WHERE flow_id = ? AND org_id = ? AND number = ?"
    ))
    .bind(flow.to_string())
    .bind(org.to_string())
    .bind(i64::from(number))
    .fetch_one(pool)
    .await?;
    version_from_row(&row)
}

pub async fn module_consumers(
    conn: &mut SqliteConnection,
    org: Uuid,
    module: Uuid,
    filter: ConsumerFilter,
) -> Result<Vec<Consumer>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT DISTINCT c.id AS id, c.name AS name, c.flow_type AS flow_type, \
         d.consumer_version AS consumer_version, d.module_version AS module_version \
         FROM flow_dependencies d JOIN flows c ON c.id = d.consumer_id \
         WHERE d.org_id = ? AND d.module_id = ? AND c.org_id = d.org_id AND c.deleted = 0 AND {} \
         ORDER BY c.name_key, c.id, d.consumer_version",
        version_condition(filter)
    ))
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

pub async fn module_edges(
    conn: &mut SqliteConnection,
    org: Uuid,
) -> Result<Vec<ModuleEdge>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT DISTINCT c.id AS caller, c.name AS caller_name, m.id AS callee, \
         m.name AS callee_name \
         FROM flow_dependencies d JOIN flows c ON c.id = d.consumer_id \
         JOIN flows m ON m.id = d.module_id AND m.org_id = d.org_id \
         WHERE d.org_id = ? AND c.org_id = d.org_id AND c.deleted = 0 AND c.flow_type = '{MODULE}' \
         AND {} ORDER BY c.id, m.id",
        version_condition(ConsumerFilter::Current)
    ))
    .bind(org.to_string())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(edge_from_row).collect()
}

/// The module calls version `n` of a flow makes, from the dependency index.
async fn version_calls(
    conn: &mut SqliteConnection,
    org: Uuid,
    id: Uuid,
    n: u32,
) -> Result<Vec<ModuleRef>, StoreError> {
    let rows = sqlx::query(
        "SELECT module_id, module_version FROM flow_dependencies \
         WHERE org_id = ? AND consumer_id = ? AND consumer_version = ?",
    )
    .bind(org.to_string())
    .bind(id.to_string())
    .bind(i64::from(n))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| call_from_row(row, format!("version {n}.0")))
        .collect()
}

/// The statements the rules run inside a SQLite transaction. Every refusal fails one flow
/// of a batch alone except a backend error (the transaction may be unusable after it).
#[async_trait]
impl RuleTx for SqliteConnection {
    type Error = StoreError;

    async fn call_targets(
        &mut self,
        org: Uuid,
        ids: &BTreeSet<Uuid>,
    ) -> Result<HashMap<Uuid, Target>, StoreError> {
        call_targets(self, org, ids).await
    }
    async fn module_edges(&mut self, org: Uuid) -> Result<Vec<ModuleEdge>, StoreError> {
        module_edges(self, org).await
    }
    async fn module_consumers(
        &mut self,
        org: Uuid,
        module: Uuid,
        filter: ConsumerFilter,
    ) -> Result<Vec<Consumer>, StoreError> {
        module_consumers(self, org, module, filter).await
    }
    async fn version_calls(
        &mut self,
        org: Uuid,
        id: Uuid,
        n: u32,
    ) -> Result<Vec<ModuleRef>, StoreError> {
        version_calls(self, org, id, n).await
    }
    async fn write_update(
        &mut self,
        org: Uuid,
        cur: &FlowRecord,
        checked: CheckedUpdate,
    ) -> Result<FlowRecord, StoreError> {
        write_update(self, org, cur, checked).await
    }
    async fn write_updates(
        &mut self,
        org: Uuid,
        items: Vec<(FlowRecord, CheckedUpdate)>,
    ) -> Result<Vec<FlowRecord>, StoreError> {
        super::bulk_link::write_updates(self, org, items).await
    }
    fn refusal(e: StoreError) -> Result<StoreError, StoreError> {
        if crate::rules::batch::fails_flow_alone(&e) {
            Ok(e)
        } else {
            Err(e)
        }
    }
}
