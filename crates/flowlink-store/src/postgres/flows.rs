//! Flows, their immutable logic versions and the dependency index, on PostgreSQL.
//!
//! Every write is one READ COMMITTED transaction that holds the right row locks, so several
//! server processes on one database never lose an update:
//! - the flow being written is locked first (`FOR NO KEY UPDATE`; `FOR UPDATE` to delete), so
//!   writers of one flow queue up and each sees the committed state of the one before; the
//!   optimistic lock is then checked and the row changed by a conditional
//!   `UPDATE ... WHERE version = $n` (0 rows → conflict) as a last line of defence;
//! - the modules a write calls are locked `FOR KEY SHARE`: many flows may link one module at
//!   once, but a module cannot be deleted between the check that it is live and the commit of
//!   the version that calls it (delete takes `FOR UPDATE`, waits, and then sees the new caller);
//! - a module write that calls modules first takes a per-organization advisory lock, so two
//!   such writes cannot each pass the cycle guard and together create a cycle. Lock order is
//!   always advisory lock → written flow → called modules.
//! - names are unique through the partial unique index `flows_unique_name`; its violation
//!   (SQLSTATE 23505) becomes a `DuplicateName` conflict.
//!
//! What is checked and written is `crate::rules`' decision, the same as on SQLite; this module
//! holds the SQL, the locks, and the [`RuleTx`] statements the rules run in a transaction.

use std::collections::{BTreeSet, HashMap};

use async_trait::async_trait;
use sqlx::postgres::{PgConnection, PgPool, Postgres};
use sqlx::{QueryBuilder, Row};
use uuid::Uuid;

use super::rows::{store_error, TxError};
use crate::error::{Consumer, StoreError};
use crate::records::*;
use crate::rows::{
    call_from_row, consumer_from_row, edge_from_row, flow_from_row, flow_type,
    is_foreign_key_violation, is_unique_violation, json_text, now_ms, target_from_row,
    version_from_row, FLOW_COLUMNS, VERSION_COLUMNS,
};
use crate::rules::batch::fails_flow_alone;
use crate::rules::calls::{check_logic, needs_cycle_guard};
use crate::rules::checks::{check_delete, check_update, duplicate, lost_race};
use crate::rules::pointers::{dependency_rows, DependencyRoles, Pointers, RowAfter};
use crate::rules::{CheckedUpdate, RuleTx, Target};
use crate::sql::{flow_order, push_text_filters, version_condition};
use crate::store::LinkGuard;

const MODULE: &str = "COMMONMODULE";

/// First half of the advisory-lock key that serializes an organization's module-graph writes
/// (`flow` in ASCII); the second half is derived from the organization id.
const GRAPH_LOCK_CLASS: i32 = 0x666c_6f77;

/// Starts a write transaction. The isolation level is stated rather than inherited, because
/// the locking scheme above is designed for READ COMMITTED (servers configured for SERIALIZABLE
/// would add serialization failures, which are retried, but needlessly).
pub(super) async fn begin(pool: &PgPool) -> Result<sqlx::Transaction<'static, Postgres>, TxError> {
    Ok(pool
        .begin_with("BEGIN ISOLATION LEVEL READ COMMITTED")
        .await?)
}

/// Serializes the organization's module→module edge changes (see module docs).
pub(super) async fn lock_module_graph(conn: &mut PgConnection, org: Uuid) -> Result<(), TxError> {
    let b = org.as_bytes();
    let key = i32::from_be_bytes([b[0], b[1], b[2], b[3]])
        ^ i32::from_be_bytes([b[12], b[13], b[14], b[15]]);
    sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
        .bind(GRAPH_LOCK_CLASS)
        .bind(key)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Reads a flow of `org`; `lock` is a row-locking clause or empty.
pub(super) async fn fetch_flow(
    conn: &mut PgConnection,
    org: Uuid,
    id: Uuid,
    lock: &str,
) -> Result<FlowRecord, TxError> {
    let row = sqlx::query(&format!(
        "SELECT {FLOW_COLUMNS} FROM flows WHERE id = $1 AND org_id = $2 {lock}"
    ))
    .bind(id)
    .bind(org)
    .fetch_one(&mut *conn)
    .await?;
    Ok(flow_from_row(&row)?)
}

/// The call targets among `ids` (see [`RuleTx::call_targets`]), locked against deletion
/// until commit (`FOR KEY SHARE`).
async fn call_targets(
    conn: &mut PgConnection,
    org: Uuid,
    ids: &BTreeSet<Uuid>,
) -> Result<HashMap<Uuid, Target>, TxError> {
    // ORDER BY makes the lock order deterministic across concurrent writers.
    let rows = sqlx::query(
        "SELECT id, name, flow_type, deleted, latest_version FROM flows \
         WHERE org_id = $1 AND id = ANY($2) ORDER BY id FOR KEY SHARE",
    )
    .bind(org)
    .bind(ids.iter().copied().collect::<Vec<_>>())
    .fetch_all(&mut *conn)
    .await?;
    let mut targets = HashMap::new();
    for row in rows {
        targets.insert(row.try_get("id")?, target_from_row(&row)?);
    }
    Ok(targets)
}

/// Writes version `n` of flow `consumer` (its row as just written) and its dependency rows,
/// described from that row (in the caller's transaction).
async fn insert_version(
    conn: &mut PgConnection,
    consumer: &FlowRecord,
    n: u32,
    logic: &LogicWrite,
    document: String,
    client: Option<Uuid>,
    now: i64,
) -> Result<(), TxError> {
    sqlx::query(
        "INSERT INTO flow_versions (flow_id, number, org_id, document, dialect, kind, created_ms, \
         created_by_client, published_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(consumer.id)
    .bind(i64::from(n))
    .bind(consumer.org_id)
    .bind(document)
    .bind(logic.dialect.map(Dialect::as_str))
    .bind(logic.kind.as_str())
    .bind(now)
    .bind(client)
    .bind((logic.kind == VersionKind::Publish).then_some(now))
    .execute(&mut *conn)
    .await?;
    let distinct = dependency_rows(logic);
    if distinct.is_empty() {
        return Ok(());
    }
    let (modules, pins): (Vec<Uuid>, Vec<Option<i64>>) = distinct
        .into_iter()
        .map(|(m, pin)| (m, pin.map(i64::from)))
        .unzip();
    // Described here, so the describe trigger skips them (migration 0005).
    let roles = DependencyRoles::of(consumer, n);
    sqlx::query(
        "INSERT INTO flow_dependencies (org_id, consumer_id, consumer_version, module_id, \
         module_version, consumer_type, consumer_name_key, in_published, in_checked_in, \
         in_current) SELECT $1, $2, $3, m, v, $6, $7, $8, $9, $10 \
         FROM UNNEST($4::uuid[], $5::bigint[]) AS t(m, v)",
    )
    .bind(consumer.org_id)
    .bind(consumer.id)
    .bind(i64::from(n))
    .bind(modules)
    .bind(pins)
    .bind(roles.consumer_type)
    .bind(roles.consumer_name_key)
    .bind(roles.in_published)
    .bind(roles.in_checked_in)
    .bind(roles.in_current)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn create_flow(
    pool: &PgPool,
    f: &NewFlow,
    guard: &dyn LinkGuard,
) -> Result<FlowRecord, TxError> {
    let mut tx = begin(pool).await?;
    let id = Uuid::new_v4();
    let now = now_ms();
    if needs_cycle_guard(f.flow_type, &f.logic.calls) {
        lock_module_graph(&mut tx, f.org_id).await?;
    }
    check_logic(
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
    let res = sqlx::query(&format!(
        "INSERT INTO flows (id, org_id, flow_type, name, name_key, description, description_key, \
         version, dialect, active, deleted, locked_client_id, published_version, saved_version, \
         checked_in_version, latest_version, published_ms, error_handling, created_ms, \
         modified_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9, FALSE, NULL, $10, $11, $12, \
         1, $13, $14, $15, $15) RETURNING {FLOW_COLUMNS}"
    ))
    .bind(id)
    .bind(f.org_id)
    .bind(f.flow_type.as_str())
    .bind(&f.name)
    .bind(f.name.to_lowercase())
    .bind(&f.description)
    .bind(f.description.as_ref().map(|d| d.to_lowercase()))
    .bind(f.logic.dialect.map(Dialect::as_str))
    .bind(p.active)
    .bind(p.published.map(i64::from))
    .bind(p.saved.map(i64::from))
    .bind(p.checked_in.map(i64::from))
    .bind(p.published_ms)
    .bind(&f.error_handling)
    .bind(now)
    .fetch_one(&mut *tx)
    .await;
    let rec = match res {
        Ok(row) => flow_from_row(&row)?,
        Err(e) if is_unique_violation(&e) => return Err(duplicate(f.flow_type, &f.name).into()),
        Err(e) if is_foreign_key_violation(&e) => return Err(StoreError::NotFound.into()),
        Err(e) => return Err(e.into()),
    };
    let document = json_text(&f.logic.document, "logic document")?;
    insert_version(&mut tx, &rec, 1, &f.logic, document, f.client_id, now).await?;
    tx.commit().await?;
    Ok(rec)
}

pub async fn get_flow(pool: &PgPool, org: Uuid, id: Uuid) -> Result<FlowRecord, StoreError> {
    let mut conn = pool.acquire().await?;
    Ok(fetch_flow(&mut conn, org, id, "").await?)
}

fn push_filters(qb: &mut QueryBuilder<'_, Postgres>, org: Uuid, q: &FlowQuery) {
    qb.push(" WHERE org_id = ").push_bind(org);
    if !q.ids.is_empty() {
        qb.push(" AND id = ANY(").push_bind(q.ids.clone()).push(")");
        return;
    }
    if !q.include_deleted {
        qb.push(" AND NOT deleted");
    }
    if !q.types.is_empty() {
        let types: Vec<&'static str> = q.types.iter().map(|t| t.as_str()).collect();
        qb.push(" AND flow_type = ANY(").push_bind(types).push(")");
    }
    if let Some(active) = q.active {
        qb.push(" AND active = ").push_bind(active);
    }
    push_text_filters(qb, q);
}

pub async fn list_flows(
    pool: &PgPool,
    org: Uuid,
    q: &FlowQuery,
) -> Result<Page<FlowRecord>, StoreError> {
    let mut count = QueryBuilder::<Postgres>::new("SELECT COUNT(*) AS n FROM flows");
    push_filters(&mut count, org, q);
    let total: i64 = count
        .build()
        .fetch_one(pool)
        .await
        .map_err(store_error)?
        .try_get("n")?;

    let mut qb = QueryBuilder::<Postgres>::new(format!("SELECT {FLOW_COLUMNS} FROM flows"));
    push_filters(&mut qb, org, q);
    qb.push(flow_order(q));
    qb.push(" LIMIT ")
        .push_bind(i64::from(q.page.size))
        .push(" OFFSET ")
        .push_bind(q.page.offset());
    let rows = qb.build().fetch_all(pool).await.map_err(store_error)?;
    let items = rows.iter().map(flow_from_row).collect::<Result<_, _>>()?;
    Ok(Page { items, total })
}

pub async fn update_flow(
    pool: &PgPool,
    org: Uuid,
    id: Uuid,
    u: &FlowUpdate,
    guard: &dyn LinkGuard,
) -> Result<FlowRecord, TxError> {
    let mut tx = begin(pool).await?;
    if let Some(logic) = u.logic.as_ref().filter(|l| !l.calls.is_empty()) {
        // The type never changes, so reading it before taking any lock is safe; it decides
        // whether the graph lock (which must come first) is needed.
        let t = sqlx::query("SELECT flow_type FROM flows WHERE id = $1 AND org_id = $2")
            .bind(id)
            .bind(org)
            .fetch_one(&mut *tx)
            .await?;
        if needs_cycle_guard(flow_type(&t, "flow_type")?, &logic.calls) {
            lock_module_graph(&mut tx, org).await?;
        }
    }
    let cur = fetch_flow(&mut tx, org, id, "FOR NO KEY UPDATE").await?;
    let checked = check_update(&mut *tx, org, &cur, u.clone(), guard).await?;
    let rec = write_update(&mut tx, org, &cur, checked).await?;
    tx.commit().await?;
    Ok(rec)
}

/// Writes a checked update of `cur`: the row itself (conditional on `version` and the lock),
/// then the new logic version and its dependency rows; answers the flow as written.
async fn write_update(
    conn: &mut PgConnection,
    org: Uuid,
    cur: &FlowRecord,
    mut c: CheckedUpdate,
) -> Result<FlowRecord, TxError> {
    let now = now_ms();
    let after = RowAfter::of(cur, c.logic.as_ref(), now);
    let p = after.pointers;
    let res = sqlx::query(&format!(
        "UPDATE flows SET name = $1, name_key = $2, description = $3, description_key = $4, \
         error_handling = $5, dialect = $6, active = $7, published_version = $8, \
         saved_version = $9, checked_in_version = $10, latest_version = $11, \
         published_ms = $12, modified_ms = $13, version = version + 1 \
         WHERE id = $14 AND org_id = $15 AND version = $16 \
         AND (locked_client_id IS NULL OR locked_client_id = $17) RETURNING {FLOW_COLUMNS}"
    ))
    .bind(&c.name)
    .bind(c.name.to_lowercase())
    .bind(&c.description)
    .bind(c.description.as_ref().map(|d| d.to_lowercase()))
    .bind(&c.error_handling)
    .bind(after.dialect.map(Dialect::as_str))
    .bind(p.active)
    .bind(p.published.map(i64::from))
    .bind(p.saved.map(i64::from))
    .bind(p.checked_in.map(i64::from))
    .bind(i64::from(after.latest))
    .bind(p.published_ms)
    .bind(now)
    .bind(cur.id)
    .bind(org)
    .bind(cur.version)
    .bind(c.client_id)
    .fetch_optional(&mut *conn)
    .await;
    let written = match res {
        Ok(Some(row)) => flow_from_row(&row)?,
        // The row lock makes this unreachable; it stays as the optimistic lock's last line of
        // defence should the locking above ever be weakened.
        Ok(None) => return Err(lost_race(c.expected_version, cur).into()),
        Err(e) if is_unique_violation(&e) => return Err(duplicate(cur.flow_type, &c.name).into()),
        Err(e) => return Err(e.into()),
    };
    // The version's dependency rows come after the row's new pointers: they are described as
    // the row ends up, and the pointer trigger had none of them to flip.
    let document = c.take_document_text()?;
    if let (Some(logic), Some(document), Some(n)) = (&c.logic, document, after.new_version) {
        insert_version(conn, &written, n, logic, document, c.client_id, now).await?;
    }
    Ok(written)
}

/// Soft-deletes a flow. With `client`, refused while another client holds the lock (checked
/// under the row lock and again by the conditional update).
pub async fn delete_flow(
    pool: &PgPool,
    org: Uuid,
    id: Uuid,
    expected_version: Option<i64>,
    client: Option<Uuid>,
) -> Result<FlowRecord, TxError> {
    let mut tx = begin(pool).await?;
    // FOR UPDATE (not NO KEY UPDATE) so it waits for every in-flight write that links this
    // module (they hold FOR KEY SHARE), and the consumer query below sees their versions.
    let cur = fetch_flow(&mut tx, org, id, "FOR UPDATE").await?;
    check_delete(&mut *tx, org, &cur, expected_version, client).await?;
    let row = sqlx::query(&format!(
        "UPDATE flows SET deleted = TRUE, active = FALSE, version = version + 1, \
         modified_ms = $1 WHERE id = $2 AND org_id = $3 AND version = $4 \
         AND ($5::uuid IS NULL OR locked_client_id IS NULL OR locked_client_id = $5) \
         RETURNING {FLOW_COLUMNS}"
    ))
    .bind(now_ms())
    .bind(id)
    .bind(org)
    .bind(cur.version)
    .bind(client)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Err(lost_race(expected_version, &cur).into());
    };
    let rec = flow_from_row(&row)?;
    tx.commit().await?;
    Ok(rec)
}

pub async fn list_versions(
    pool: &PgPool,
    org: Uuid,
    flow: Uuid,
    page: PageRequest,
) -> Result<Page<FlowVersionRecord>, StoreError> {
    let total: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM flow_versions WHERE flow_id = $1 AND org_id = $2")
            .bind(flow)
            .bind(org)
            .fetch_one(pool)
            .await?
            .try_get("n")?;
    let rows = sqlx::query(&format!(
        "SELECT {VERSION_COLUMNS} FROM flow_versions WHERE flow_id = $1 AND org_id = $2 \
         ORDER BY number DESC LIMIT $3 OFFSET $4"
    ))
    .bind(flow)
    .bind(org)
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
    pool: &PgPool,
    org: Uuid,
    flow: Uuid,
    number: u32,
) -> Result<FlowVersionRecord, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {VERSION_COLUMNS} FROM flow_versions \
         WHERE flow_id = $1 AND org_id = $2 AND number = $3"
    ))
    .bind(flow)
    .bind(org)
    .bind(i64::from(number))
    .fetch_one(pool)
    .await?;
    version_from_row(&row)
}

pub async fn module_consumers(
    conn: &mut PgConnection,
    org: Uuid,
    module: Uuid,
    filter: ConsumerFilter,
) -> Result<Vec<Consumer>, StoreError> {
    // PostgreSQL requires DISTINCT's ORDER BY keys in the select list, hence name_key.
    let rows = sqlx::query(&format!(
        "SELECT DISTINCT c.id AS id, c.name AS name, c.name_key AS name_key, \
         c.flow_type AS flow_type, d.consumer_version AS consumer_version, \
         d.module_version AS module_version \
         FROM flow_dependencies d JOIN flows c ON c.id = d.consumer_id AND c.org_id = d.org_id \
         WHERE d.org_id = $1 AND d.module_id = $2 AND NOT c.deleted AND {} \
         ORDER BY name_key, id, consumer_version, module_version NULLS FIRST",
        version_condition(filter)
    ))
    .bind(org)
    .bind(module)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(consumer_from_row).collect()
}

pub async fn consumed_modules(
    pool: &PgPool,
    org: Uuid,
    flow: Uuid,
    version: u32,
) -> Result<Vec<ModuleRef>, StoreError> {
    let rows = sqlx::query(
        "SELECT module_id, module_version FROM flow_dependencies \
         WHERE org_id = $1 AND consumer_id = $2 AND consumer_version = $3 \
         ORDER BY module_id, module_version NULLS FIRST",
    )
    .bind(org)
    .bind(flow)
    .bind(i64::from(version))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| call_from_row(row, String::new()))
        .collect()
}

pub async fn module_edges(
    conn: &mut PgConnection,
    org: Uuid,
) -> Result<Vec<ModuleEdge>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT DISTINCT c.id AS caller, c.name AS caller_name, m.id AS callee, \
         m.name AS callee_name \
         FROM flow_dependencies d JOIN flows c ON c.id = d.consumer_id AND c.org_id = d.org_id \
         JOIN flows m ON m.id = d.module_id AND m.org_id = d.org_id \
         WHERE d.org_id = $1 AND NOT c.deleted AND c.flow_type = '{MODULE}' AND {} \
         ORDER BY caller, callee",
        version_condition(ConsumerFilter::Current)
    ))
    .bind(org)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(edge_from_row).collect()
}

/// The module calls version `n` of a flow makes, from the dependency index.
async fn version_calls(
    conn: &mut PgConnection,
    org: Uuid,
    id: Uuid,
    n: u32,
) -> Result<Vec<ModuleRef>, TxError> {
    let rows = sqlx::query(
        "SELECT module_id, module_version FROM flow_dependencies \
         WHERE org_id = $1 AND consumer_id = $2 AND consumer_version = $3",
    )
    .bind(org)
    .bind(id)
    .bind(i64::from(n))
    .fetch_all(&mut *conn)
    .await?;
    let calls = rows
        .iter()
        .map(|row| call_from_row(row, format!("version {n}.0")))
        .collect::<Result<_, StoreError>>()?;
    Ok(calls)
}

/// The statements the rules run inside a PostgreSQL transaction. A refusal fails one flow of
/// a batch alone only when it is final and not a backend error (after a failed statement
/// PostgreSQL has aborted the transaction; a deadlock retries the whole batch).
#[async_trait]
impl RuleTx for PgConnection {
    type Error = TxError;

    async fn call_targets(
        &mut self,
        org: Uuid,
        ids: &BTreeSet<Uuid>,
    ) -> Result<HashMap<Uuid, Target>, TxError> {
        call_targets(self, org, ids).await
    }
    async fn module_edges(&mut self, org: Uuid) -> Result<Vec<ModuleEdge>, TxError> {
        Ok(module_edges(self, org).await?)
    }
    async fn module_consumers(
        &mut self,
        org: Uuid,
        module: Uuid,
        filter: ConsumerFilter,
    ) -> Result<Vec<Consumer>, TxError> {
        Ok(module_consumers(self, org, module, filter).await?)
    }
    async fn version_calls(
        &mut self,
        org: Uuid,
        id: Uuid,
        n: u32,
    ) -> Result<Vec<ModuleRef>, TxError> {
        version_calls(self, org, id, n).await
    }
    async fn write_update(
        &mut self,
        org: Uuid,
        cur: &FlowRecord,
        checked: CheckedUpdate,
    ) -> Result<FlowRecord, TxError> {
        write_update(self, org, cur, checked).await
    }
    async fn write_updates(
        &mut self,
        org: Uuid,
        items: Vec<(FlowRecord, CheckedUpdate)>,
    ) -> Result<Vec<FlowRecord>, TxError> {
        super::bulk_link::write_updates(self, org, items).await
    }
    fn refusal(e: TxError) -> Result<StoreError, TxError> {
        match e {
            TxError::Store(e) if fails_flow_alone(&e) => Ok(e),
            other => Err(other),
        }
    }
}
