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

use std::collections::{BTreeMap, BTreeSet};

use flowlink_api::FlowType;
use sqlx::postgres::{PgConnection, PgPool, Postgres};
use sqlx::{QueryBuilder, Row};
use uuid::Uuid;

use super::rows::{
    flow_from_row, flow_type, is_foreign_key_violation, is_unique_violation, json_text, now_ms,
    opt_u32, store_error, u32_col, version_from_row, TxError, FLOW_COLUMNS,
};
use crate::error::{Conflict, Consumer, InvalidDetail, StoreError};
use crate::like::substring_pattern;
use crate::records::*;
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

/// The version numbers a flow's row points at after a logic write of `kind` as version `n`.
struct Pointers {
    published: Option<u32>,
    saved: Option<u32>,
    checked_in: Option<u32>,
    published_ms: Option<i64>,
    active: bool,
}

impl Pointers {
    fn of(cur: &FlowRecord) -> Self {
        Pointers {
            published: cur.published_version,
            saved: cur.saved_version,
            checked_in: cur.checked_in_version,
            published_ms: cur.published_ms,
            active: cur.active,
        }
    }
}

fn pointers_after(cur: Option<&FlowRecord>, kind: VersionKind, n: u32, now: i64) -> Pointers {
    let mut p = match cur {
        Some(c) => Pointers::of(c),
        None => Pointers {
            published: None,
            saved: None,
            checked_in: None,
            published_ms: None,
            active: false,
        },
    };
    match kind {
        // Publishing is an implicit check-in and leaves no draft behind.
        VersionKind::Publish => {
            p.published = Some(n);
            p.checked_in = Some(n);
            p.saved = None;
            p.published_ms = Some(now);
            p.active = true;
        }
        VersionKind::Checkin => {
            p.checked_in = Some(n);
            p.saved = None;
        }
        VersionKind::Save => p.saved = Some(n),
    }
    p
}

fn duplicate(flow_type: FlowType, name: &str) -> StoreError {
    StoreError::Conflict(Conflict::DuplicateName {
        flow_type,
        name: name.to_string(),
    })
}

fn stale(expected: i64, current: i64) -> StoreError {
    StoreError::Conflict(Conflict::StaleVersion { expected, current })
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

/// What a call target looks like, read under `FOR KEY SHARE`.
struct Target {
    name: String,
    flow_type: FlowType,
    deleted: bool,
    latest: u32,
}

/// Checks that every called module is a live module of `org` and every pinned version exists,
/// and locks the called modules against deletion until commit.
pub(super) async fn check_calls(
    conn: &mut PgConnection,
    org: Uuid,
    calls: &[ModuleRef],
) -> Result<(), TxError> {
    let ids: BTreeSet<Uuid> = calls
        .iter()
        .filter_map(|c| Uuid::parse_str(&c.module_id).ok())
        .collect();
    let mut targets = BTreeMap::new();
    if !ids.is_empty() {
        // ORDER BY makes the lock order deterministic across concurrent writers.
        let rows = sqlx::query(
            "SELECT id, name, flow_type, deleted, latest_version FROM flows \
             WHERE org_id = $1 AND id = ANY($2) ORDER BY id FOR KEY SHARE",
        )
        .bind(org)
        .bind(ids.into_iter().collect::<Vec<_>>())
        .fetch_all(&mut *conn)
        .await?;
        for row in rows {
            let id: Uuid = row.try_get("id")?;
            targets.insert(
                id,
                Target {
                    name: row.try_get("name")?,
                    flow_type: flow_type(&row, "flow_type")?,
                    deleted: row.try_get("deleted")?,
                    latest: u32_col(&row, "latest_version")?,
                },
            );
        }
    }
    let mut problems = Vec::new();
    for call in calls {
        let target = Uuid::parse_str(&call.module_id)
            .ok()
            .and_then(|id| targets.get(&id));
        match target {
            Some(t) if !t.deleted && t.flow_type.is_module() => {
                if let Some(v) = call.version {
                    if v == 0 || v > t.latest {
                        problems.push(InvalidDetail {
                            code: "unknown.module.version".into(),
                            entity_id: Some(call.node_id.clone()),
                            entity_name: Some(call.module_id.clone()),
                            field: Some("version".into()),
                            message: format!(
                                "node '{}' pins module '{}' ({}) to version {v}, which does \
                                 not exist (latest is {}.0)",
                                call.node_id, t.name, call.module_id, t.latest
                            ),
                        });
                    }
                }
            }
            _ => problems.push(InvalidDetail {
                code: "unknown.module".into(),
                entity_id: Some(call.node_id.clone()),
                entity_name: Some(call.module_id.clone()),
                field: Some("flowModuleId".into()),
                message: format!(
                    "node '{}' calls module '{}', which is not a shared module (commonmodule \
                     flow) of this organization",
                    call.node_id, call.module_id
                ),
            }),
        }
    }
    match problems.len() {
        0 => Ok(()),
        1 => Err(StoreError::invalid(problems.remove(0)).into()),
        n => Err(StoreError::Invalid {
            message: format!(
                "{n} invalid module calls: {}",
                problems
                    .iter()
                    .map(|p| p.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            details: problems,
        }
        .into()),
    }
}

/// Writes version `n` of `flow` and its dependency rows (in the caller's transaction).
async fn insert_version(
    conn: &mut PgConnection,
    org: Uuid,
    flow: Uuid,
    n: u32,
    logic: &LogicWrite,
    client: Option<Uuid>,
    now: i64,
) -> Result<(), TxError> {
    sqlx::query(
        "INSERT INTO flow_versions (flow_id, number, org_id, document, dialect, kind, created_ms, \
         created_by_client, published_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(flow)
    .bind(i64::from(n))
    .bind(org)
    .bind(json_text(&logic.document, "logic document")?)
    .bind(logic.dialect.map(Dialect::as_str))
    .bind(logic.kind.as_str())
    .bind(now)
    .bind(client)
    .bind((logic.kind == VersionKind::Publish).then_some(now))
    .execute(&mut *conn)
    .await?;
    // One row per distinct (module, pin): the index answers "who calls what", not "how often".
    let mut distinct = BTreeSet::new();
    for c in &logic.calls {
        let module = Uuid::parse_str(&c.module_id).map_err(|_| {
            // check_calls rejects these first; reaching here would be a bug, not bad input.
            StoreError::Backend(format!("unchecked module id '{}'", c.module_id))
        })?;
        distinct.insert((module, c.version.map(i64::from)));
    }
    if distinct.is_empty() {
        return Ok(());
    }
    let (modules, pins): (Vec<Uuid>, Vec<Option<i64>>) = distinct.into_iter().unzip();
    sqlx::query(
        "INSERT INTO flow_dependencies (org_id, consumer_id, consumer_version, module_id, \
         module_version) SELECT $1, $2, $3, m, v FROM UNNEST($4::uuid[], $5::bigint[]) AS t(m, v)",
    )
    .bind(org)
    .bind(flow)
    .bind(i64::from(n))
    .bind(modules)
    .bind(pins)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Runs the reference checks and, for a module that calls modules, the cycle guard. The caller
/// holds the organization's graph lock in that case.
async fn check_logic(
    conn: &mut PgConnection,
    org: Uuid,
    flow: Uuid,
    name: &str,
    flow_type: FlowType,
    logic: &LogicWrite,
    guard: &dyn LinkGuard,
) -> Result<(), TxError> {
    check_calls(conn, org, &logic.calls).await?;
    if needs_graph_lock(flow_type, logic) {
        let edges: Vec<ModuleEdge> = module_edges(conn, org)
            .await?
            .into_iter()
            .filter(|e| e.caller != flow)
            .collect();
        guard.check(flow, name, &edges)?;
    }
    Ok(())
}

pub(super) fn needs_graph_lock(flow_type: FlowType, logic: &LogicWrite) -> bool {
    flow_type.is_module() && !logic.calls.is_empty()
}

pub async fn create_flow(
    pool: &PgPool,
    f: &NewFlow,
    guard: &dyn LinkGuard,
) -> Result<FlowRecord, TxError> {
    let mut tx = begin(pool).await?;
    let id = Uuid::new_v4();
    let now = now_ms();
    if needs_graph_lock(f.flow_type, &f.logic) {
        lock_module_graph(&mut tx, f.org_id).await?;
    }
    check_logic(&mut tx, f.org_id, id, &f.name, f.flow_type, &f.logic, guard).await?;
    let p = pointers_after(None, f.logic.kind, 1, now);
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
        // The only foreign key is the organization: an unknown one is "not found".
        Err(e) if is_foreign_key_violation(&e) => return Err(StoreError::NotFound.into()),
        Err(e) => return Err(e.into()),
    };
    insert_version(&mut tx, f.org_id, id, 1, &f.logic, f.client_id, now).await?;
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
    if let Some(name) = &q.name {
        qb.push(" AND name_key LIKE ")
            .push_bind(substring_pattern(name))
            .push(" ESCAPE '\\'");
    }
    if let Some(d) = &q.description {
        qb.push(" AND description_key LIKE ")
            .push_bind(substring_pattern(d))
            .push(" ESCAPE '\\'");
    }
    if let Some(nd) = &q.name_or_description {
        let pat = substring_pattern(nd);
        qb.push(" AND (name_key LIKE ")
            .push_bind(pat.clone())
            .push(" ESCAPE '\\' OR description_key LIKE ")
            .push_bind(pat)
            .push(" ESCAPE '\\')");
    }
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
    let dir = if q.descending { "DESC" } else { "ASC" };
    // Ties are broken by id so paging is stable; text keys are COLLATE "C" (as SQLite orders).
    let order = match q.sort {
        FlowSort::Id => format!(" ORDER BY id {dir}"),
        FlowSort::Name => format!(" ORDER BY name_key {dir}, id {dir}"),
        FlowSort::Type => format!(" ORDER BY flow_type {dir}, name_key {dir}, id {dir}"),
        FlowSort::Description => {
            format!(" ORDER BY COALESCE(description_key, '') {dir}, id {dir}")
        }
    };
    qb.push(order);
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
        if needs_graph_lock(flow_type(&t, "flow_type")?, logic) {
            lock_module_graph(&mut tx, org).await?;
        }
    }
    let cur = fetch_flow(&mut tx, org, id, "FOR NO KEY UPDATE").await?;
    let checked = check_update(&mut tx, org, &cur, u, guard).await?;
    let rec = write_update(&mut tx, org, &cur, checked).await?;
    tx.commit().await?;
    Ok(rec)
}

/// An update that passed every check of [`check_update`], ready for [`write_update`].
pub(super) struct CheckedUpdate {
    name: String,
    description: Option<String>,
    error_handling: Option<String>,
    /// The logic version to write (already a draft when the writer holds the lock), if any.
    logic: Option<LogicWrite>,
    client_id: Option<Uuid>,
    expected_version: Option<i64>,
}

/// Every check of update `u` of `cur` (read in this transaction under `FOR NO KEY UPDATE`),
/// writing nothing: deleted, optimistic lock, checkout lock, module references (whose rows
/// it locks `FOR KEY SHARE`) and the cycle guard (the caller holds the graph lock when
/// [`needs_graph_lock`]). A refusal here leaves the transaction usable, so a bulk edit can go
/// on with other flows.
pub(super) async fn check_update(
    conn: &mut PgConnection,
    org: Uuid,
    cur: &FlowRecord,
    u: &FlowUpdate,
    guard: &dyn LinkGuard,
) -> Result<CheckedUpdate, TxError> {
    if cur.deleted {
        return Err(StoreError::Gone.into());
    }
    if let Some(expected) = u.expected_version {
        if expected != cur.version {
            return Err(stale(expected, cur.version).into());
        }
    }
    if let Some(holder) = cur.locked_client_id {
        if u.client_id != Some(holder) {
            return Err(StoreError::Conflict(Conflict::Locked { client_id: holder }).into());
        }
    }
    let name = u.name.clone().unwrap_or_else(|| cur.name.clone());
    let logic = match &u.logic {
        Some(logic) => {
            check_logic(conn, org, cur.id, &name, cur.flow_type, logic, guard).await?;
            // The lock holder's logic writes are drafts: nothing live changes until it
            // publishes.
            let kind = if cur.locked_client_id.is_some() {
                VersionKind::Save
            } else {
                logic.kind
            };
            Some(LogicWrite {
                kind,
                ..logic.clone()
            })
        }
        None => None,
    };
    Ok(CheckedUpdate {
        name,
        description: u.description.clone().or_else(|| cur.description.clone()),
        error_handling: u
            .error_handling
            .clone()
            .or_else(|| cur.error_handling.clone()),
        logic,
        client_id: u.client_id,
        expected_version: u.expected_version,
    })
}

/// Writes a checked update of `cur`: the new logic version and its dependency rows, then the
/// row itself (conditional on `version` and the lock); answers the flow as written.
pub(super) async fn write_update(
    conn: &mut PgConnection,
    org: Uuid,
    cur: &FlowRecord,
    c: CheckedUpdate,
) -> Result<FlowRecord, TxError> {
    let now = now_ms();
    let (dialect, latest, p) = match &c.logic {
        Some(logic) => {
            let n = cur.latest_version + 1;
            insert_version(conn, org, cur.id, n, logic, c.client_id, now).await?;
            (
                logic.dialect.or(cur.dialect),
                n,
                pointers_after(Some(cur), logic.kind, n, now),
            )
        }
        None => (cur.dialect, cur.latest_version, Pointers::of(cur)),
    };
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
    .bind(dialect.map(Dialect::as_str))
    .bind(p.active)
    .bind(p.published.map(i64::from))
    .bind(p.saved.map(i64::from))
    .bind(p.checked_in.map(i64::from))
    .bind(i64::from(latest))
    .bind(p.published_ms)
    .bind(now)
    .bind(cur.id)
    .bind(org)
    .bind(cur.version)
    .bind(c.client_id)
    .fetch_optional(&mut *conn)
    .await;
    match res {
        Ok(Some(row)) => Ok(flow_from_row(&row)?),
        // The row lock makes this unreachable; it stays as the optimistic lock's last line of
        // defence should the locking above ever be weakened.
        Ok(None) => Err(stale(c.expected_version.unwrap_or(cur.version), cur.version).into()),
        Err(e) if is_unique_violation(&e) => Err(duplicate(cur.flow_type, &c.name).into()),
        Err(e) => Err(e.into()),
    }
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
    if cur.deleted {
        return Err(StoreError::Gone.into());
    }
    if let Some(expected) = expected_version {
        if expected != cur.version {
            return Err(stale(expected, cur.version).into());
        }
    }
    if let (Some(holder), Some(me)) = (cur.locked_client_id, client) {
        if holder != me {
            return Err(StoreError::Conflict(Conflict::Locked { client_id: holder }).into());
        }
    }
    if cur.flow_type.is_module() {
        let consumers: Vec<Consumer> = module_consumers(&mut tx, org, id, ConsumerFilter::Current)
            .await?
            .into_iter()
            .filter(|c| c.flow_id != id)
            .collect();
        if !consumers.is_empty() {
            return Err(StoreError::InUse { consumers }.into());
        }
    }
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
        return Err(stale(expected_version.unwrap_or(cur.version), cur.version).into());
    };
    let rec = flow_from_row(&row)?;
    tx.commit().await?;
    Ok(rec)
}

const VERSION_COLUMNS: &str =
    "flow_id, number, document, dialect, kind, created_ms, created_by_client, published_ms";

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

fn version_condition(filter: ConsumerFilter) -> &'static str {
    match filter {
        ConsumerFilter::Published => "d.consumer_version = c.published_version",
        ConsumerFilter::CheckedIn => "d.consumer_version = c.checked_in_version",
        ConsumerFilter::Current => {
            "(d.consumer_version = c.published_version OR d.consumer_version = \
             c.checked_in_version OR d.consumer_version = c.saved_version)"
        }
    }
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
    rows.iter()
        .map(|row| {
            Ok(Consumer {
                flow_id: row.try_get("id")?,
                name: row.try_get("name")?,
                flow_type: flow_type(row, "flow_type")?,
                version: u32_col(row, "consumer_version")?,
                pinned_version: opt_u32(row, "module_version")?,
            })
        })
        .collect()
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
        .map(|row| {
            Ok(ModuleRef {
                node_id: String::new(),
                module_id: row.try_get::<Uuid, _>("module_id")?.to_string(),
                version: opt_u32(row, "module_version")?,
            })
        })
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
    rows.iter()
        .map(|row| {
            Ok(ModuleEdge {
                caller: row.try_get("caller")?,
                caller_name: row.try_get("caller_name")?,
                callee: row.try_get("callee")?,
                callee_name: row.try_get("callee_name")?,
            })
        })
        .collect()
}
