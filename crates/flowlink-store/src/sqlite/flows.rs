//! Flows, their immutable logic versions and the dependency index.
//!
//! Every write runs in one `BEGIN IMMEDIATE` transaction on the writer connection: read the
//! current row, check the optimistic lock and the module references, write the version and
//! its dependency rows, then a conditional `UPDATE ... WHERE version = ?`.

use std::collections::{BTreeSet, HashMap};

use flowlink_api::FlowType;
use sqlx::sqlite::{Sqlite, SqliteConnection, SqlitePool};
use sqlx::{QueryBuilder, Row};
use uuid::Uuid;

use super::rows::{
    flow_from_row, flow_type, is_unique_violation, now_ms, opt_u32, u32_col, uuid,
    version_from_row, FLOW_COLUMNS,
};
use crate::error::{Conflict, Consumer, InvalidDetail, StoreError};
use crate::like::substring_pattern;
use crate::records::*;
use crate::store::LinkGuard;

const MODULE: &str = "COMMONMODULE";

/// The version numbers a flow's row points at after a logic write of `kind` as version `n`.
struct Pointers {
    published: Option<u32>,
    saved: Option<u32>,
    checked_in: Option<u32>,
    published_ms: Option<i64>,
    active: bool,
}

fn pointers_after(cur: Option<&FlowRecord>, kind: VersionKind, n: u32, now: i64) -> Pointers {
    let mut p = Pointers {
        published: cur.and_then(|c| c.published_version),
        saved: cur.and_then(|c| c.saved_version),
        checked_in: cur.and_then(|c| c.checked_in_version),
        published_ms: cur.and_then(|c| c.published_ms),
        active: cur.map(|c| c.active).unwrap_or(false),
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

/// Checks that every called module is a live module of `org` and every pinned version exists.
pub(super) async fn check_calls(
    conn: &mut SqliteConnection,
    org: Uuid,
    calls: &[ModuleRef],
) -> Result<(), StoreError> {
    // One statement for all the called modules (a flow may call many).
    let ids: BTreeSet<Uuid> = calls
        .iter()
        .filter_map(|c| Uuid::parse_str(&c.module_id).ok())
        .collect();
    let mut targets = HashMap::new();
    if !ids.is_empty() {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "SELECT id, name, flow_type, deleted, latest_version FROM flows WHERE org_id = ",
        );
        qb.push_bind(org.to_string()).push(" AND id IN (");
        let mut sep = qb.separated(", ");
        for id in &ids {
            sep.push_bind(id.to_string());
        }
        qb.push(")");
        for row in qb.build().fetch_all(&mut *conn).await? {
            targets.insert(
                uuid(&row, "id")?,
                (
                    row.try_get::<String, _>("name")?,
                    flow_type(&row, "flow_type")?,
                    row.try_get::<i64, _>("deleted")? != 0,
                    u32_col(&row, "latest_version")?,
                ),
            );
        }
    }
    let mut problems = Vec::new();
    for call in calls {
        let found = Uuid::parse_str(&call.module_id)
            .ok()
            .and_then(|id| targets.get(&id))
            .map(|(name, t, deleted, latest)| (name.as_str(), *t, *deleted, *latest));
        match found {
            Some((name, t, false, latest)) if t.is_module() => {
                if let Some(v) = call.version {
                    if v == 0 || v > latest {
                        problems.push(InvalidDetail {
                            code: "unknown.module.version".into(),
                            entity_id: Some(call.node_id.clone()),
                            entity_name: Some(call.module_id.clone()),
                            field: Some("version".into()),
                            message: format!(
                                "node '{}' pins module '{name}' ({}) to version {v}, which does \
                                 not exist (latest is {latest}.0)",
                                call.node_id, call.module_id
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
        1 => Err(StoreError::invalid(problems.remove(0))),
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
        }),
    }
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
    let document = serde_json::to_string(&logic.document)
        .map_err(|e| StoreError::Backend(format!("cannot encode logic document: {e}")))?;
    sqlx::query(
        "INSERT INTO flow_versions (flow_id, number, org_id, document, dialect, kind, created_ms, \
         created_by_client, published_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(flow.to_string())
    .bind(i64::from(n))
    .bind(org.to_string())
    .bind(document)
    .bind(logic.dialect.map(Dialect::as_str))
    .bind(logic.kind.as_str())
    .bind(now)
    .bind(client.map(|c| c.to_string()))
    .bind((logic.kind == VersionKind::Publish).then_some(now))
    .execute(&mut *conn)
    .await?;
    // One row per distinct (module, pin): the index answers "who calls what", not "how often".
    let distinct: BTreeSet<(String, Option<u32>)> = logic
        .calls
        .iter()
        .map(|c| (c.module_id.to_ascii_lowercase(), c.version))
        .collect();
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
            .push_bind(module)
            .push_bind(pin.map(i64::from));
    });
    qb.build().execute(&mut *conn).await?;
    Ok(())
}

/// Runs the reference checks and, for a module that calls modules, the cycle guard.
async fn check_logic(
    conn: &mut SqliteConnection,
    org: Uuid,
    flow: Uuid,
    name: &str,
    flow_type: FlowType,
    logic: &LogicWrite,
    guard: &dyn LinkGuard,
) -> Result<(), StoreError> {
    check_calls(conn, org, &logic.calls).await?;
    if flow_type.is_module() && !logic.calls.is_empty() {
        let edges: Vec<ModuleEdge> = module_edges(conn, org)
            .await?
            .into_iter()
            .filter(|e| e.caller != flow)
            .collect();
        guard.check(flow, name, &edges)?;
    }
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
    check_logic(&mut tx, f.org_id, id, &f.name, f.flow_type, &f.logic, guard).await?;
    let p = pointers_after(None, f.logic.kind, 1, now);
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
        Err(sqlx::Error::Database(db)) if db.is_foreign_key_violation() => {
            return Err(StoreError::NotFound)
        }
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
    pool: &SqlitePool,
    org: Uuid,
    q: &FlowQuery,
) -> Result<Page<FlowRecord>, StoreError> {
    let mut count = QueryBuilder::<Sqlite>::new("SELECT COUNT(*) AS n FROM flows");
    push_filters(&mut count, org, q);
    let total: i64 = count.build().fetch_one(pool).await?.try_get("n")?;

    let mut qb = QueryBuilder::<Sqlite>::new(format!("SELECT {FLOW_COLUMNS} FROM flows"));
    push_filters(&mut qb, org, q);
    let dir = if q.descending { "DESC" } else { "ASC" };
    // Ties are broken by id so paging is stable.
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

/// Every check of update `u` of `cur` (read in this transaction), writing nothing: deleted,
/// optimistic lock, checkout lock, module references and the cycle guard. An error here
/// leaves the transaction as it was, so a bulk edit can go on with other flows.
pub(super) async fn check_update(
    conn: &mut SqliteConnection,
    org: Uuid,
    cur: &FlowRecord,
    u: FlowUpdate,
    guard: &dyn LinkGuard,
) -> Result<CheckedUpdate, StoreError> {
    if cur.deleted {
        return Err(StoreError::Gone);
    }
    if let Some(expected) = u.expected_version {
        if expected != cur.version {
            return Err(StoreError::Conflict(Conflict::StaleVersion {
                expected,
                current: cur.version,
            }));
        }
    }
    if let Some(holder) = cur.locked_client_id {
        if u.client_id != Some(holder) {
            return Err(StoreError::Conflict(Conflict::Locked { client_id: holder }));
        }
    }
    let name = u.name.unwrap_or_else(|| cur.name.clone());
    let logic = match u.logic {
        Some(logic) => {
            check_logic(conn, org, cur.id, &name, cur.flow_type, &logic, guard).await?;
            // The lock holder's logic writes are drafts: nothing live changes until it
            // publishes.
            Some(if cur.locked_client_id.is_some() {
                LogicWrite {
                    kind: VersionKind::Save,
                    ..logic
                }
            } else {
                logic
            })
        }
        None => None,
    };
    Ok(CheckedUpdate {
        name,
        description: u.description.or_else(|| cur.description.clone()),
        error_handling: u.error_handling.or_else(|| cur.error_handling.clone()),
        logic,
        client_id: u.client_id,
        expected_version: u.expected_version,
    })
}

/// Writes a checked update of `cur`: the new logic version and its dependency rows, then the
/// row itself (conditional on `version` and the lock); answers the flow as written.
pub(super) async fn write_update(
    conn: &mut SqliteConnection,
    org: Uuid,
    cur: &FlowRecord,
    c: CheckedUpdate,
) -> Result<FlowRecord, StoreError> {
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
        None => (
            cur.dialect,
            cur.latest_version,
            Pointers {
                published: cur.published_version,
                saved: cur.saved_version,
                checked_in: cur.checked_in_version,
                published_ms: cur.published_ms,
                active: cur.active,
            },
        ),
    };
    // RETURNING answers the row as written: no second read.
    let res = sqlx::query(&format!(
        "UPDATE flows SET name = ?, name_key = ?, description = ?, description_key = ?, \
         error_handling = ?, dialect = ?, active = ?, published_version = ?, saved_version = ?, \
         checked_in_version = ?, latest_version = ?, published_ms = ?, modified_ms = ?, \
         version = version + 1 WHERE id = ? AND org_id = ? AND version = ? \
         AND (locked_client_id IS NULL OR locked_client_id = ?) RETURNING {FLOW_COLUMNS}"
    ))
    .bind(&c.name)
    .bind(c.name.to_lowercase())
    .bind(&c.description)
    .bind(c.description.as_ref().map(|d| d.to_lowercase()))
    .bind(&c.error_handling)
    .bind(dialect.map(Dialect::as_str))
    .bind(i64::from(p.active))
    .bind(p.published.map(i64::from))
    .bind(p.saved.map(i64::from))
    .bind(p.checked_in.map(i64::from))
    .bind(i64::from(latest))
    .bind(p.published_ms)
    .bind(now)
    .bind(cur.id.to_string())
    .bind(org.to_string())
    .bind(cur.version)
    .bind(c.client_id.map(|c| c.to_string()))
    .fetch_optional(&mut *conn)
    .await;
    match res {
        Ok(Some(row)) => flow_from_row(&row),
        // Cannot happen on SQLite (the row was read in this IMMEDIATE transaction) but is the
        // lock's last line of defence on backends with weaker isolation.
        Ok(None) => Err(StoreError::Conflict(Conflict::StaleVersion {
            expected: c.expected_version.unwrap_or(cur.version),
            current: cur.version,
        })),
        Err(e) if is_unique_violation(&e) => Err(duplicate(cur.flow_type, &c.name)),
        Err(e) => Err(e.into()),
    }
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
    if cur.deleted {
        return Err(StoreError::Gone);
    }
    if let Some(expected) = expected_version {
        if expected != cur.version {
            return Err(StoreError::Conflict(Conflict::StaleVersion {
                expected,
                current: cur.version,
            }));
        }
    }
    if let (Some(holder), Some(me)) = (cur.locked_client_id, client) {
        if holder != me {
            return Err(StoreError::Conflict(Conflict::Locked { client_id: holder }));
        }
    }
    if cur.flow_type.is_module() {
        let consumers: Vec<Consumer> = module_consumers(&mut tx, org, id, ConsumerFilter::Current)
            .await?
            .into_iter()
            .filter(|c| c.flow_id != id)
            .collect();
        if !consumers.is_empty() {
            return Err(StoreError::InUse { consumers });
        }
    }
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

const VERSION_COLUMNS: &str =
    "flow_id, number, document, dialect, kind, created_ms, created_by_client, published_ms";

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
    rows.iter()
        .map(|row| {
            Ok(Consumer {
                flow_id: uuid(row, "id")?,
                name: row.try_get("name")?,
                flow_type: flow_type(row, "flow_type")?,
                version: u32_col(row, "consumer_version")?,
                pinned_version: opt_u32(row, "module_version")?,
            })
        })
        .collect()
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
        .map(|row| {
            Ok(ModuleRef {
                node_id: String::new(),
                module_id: row.try_get("module_id")?,
                version: opt_u32(row, "module_version")?,
            })
        })
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
    rows.iter()
        .map(|row| {
            Ok(ModuleEdge {
                caller: uuid(row, "caller")?,
                caller_name: row.try_get("caller_name")?,
                callee: uuid(row, "callee")?,
                callee_name: row.try_get("callee_name")?,
            })
        })
        .collect()
}
