//! The publishing lifecycle on SQLite (SPEC §4): checkout, checkin, publish, revert, unlock,
//! deactivate.
//!
//! Each action is one `BEGIN IMMEDIATE` transaction whose final write is a conditional
//! `UPDATE flows ... WHERE ... AND (locked_client_id IS NULL OR locked_client_id = ?)`: the lock
//! lives in the database, not in process memory. When the update matches no row, the row is
//! read again to say why (absent, deleted, or locked by whom). The dependency index follows the
//! version pointers through the triggers of migration 0002.

use sqlx::sqlite::{SqliteConnection, SqlitePool};
use sqlx::Row;
use uuid::Uuid;

use super::flows::{check_calls, fetch_flow, module_edges};
use super::rows::{now_ms, opt_u32};
use crate::error::{Conflict, StoreError};
use crate::lifecycle::publish_target;
use crate::records::*;
use crate::store::LinkGuard;

/// "Nobody else holds the lock": the condition every lifecycle write carries. Binds the
/// client id once.
const FREE_OR_MINE: &str = "(locked_client_id IS NULL OR locked_client_id = ?)";

/// Why a conditional lifecycle update matched no row.
async fn why_not(conn: &mut SqliteConnection, org: Uuid, id: Uuid) -> StoreError {
    match fetch_flow(conn, org, id).await {
        Err(e) => e,
        Ok(cur) if cur.deleted => StoreError::Gone,
        Ok(FlowRecord {
            locked_client_id: Some(holder),
            ..
        }) => StoreError::Conflict(Conflict::Locked { client_id: holder }),
        // Unreachable inside an IMMEDIATE transaction; reported as a lost race if it happens.
        Ok(cur) => StoreError::Conflict(Conflict::StaleVersion {
            expected: cur.version,
            current: cur.version,
        }),
    }
}

/// Reads a live flow the caller may change (not deleted, not locked by someone else).
async fn writable(
    conn: &mut SqliteConnection,
    org: Uuid,
    id: Uuid,
    client: Option<Uuid>,
) -> Result<FlowRecord, StoreError> {
    let cur = fetch_flow(conn, org, id).await?;
    if cur.deleted {
        return Err(StoreError::Gone);
    }
    match (cur.locked_client_id, client) {
        (Some(holder), Some(me)) if holder != me => {
            Err(StoreError::Conflict(Conflict::Locked { client_id: holder }))
        }
        _ => Ok(cur),
    }
}

/// Runs one conditional `UPDATE flows SET {set} WHERE id, org, not deleted and FREE_OR_MINE`
/// (binding `binds` for `set` first), then returns the updated row.
async fn update_if_free(
    conn: &mut SqliteConnection,
    org: Uuid,
    id: Uuid,
    client: Option<Uuid>,
    set: &str,
    binds: &[Option<i64>],
) -> Result<FlowRecord, StoreError> {
    let lock = if client.is_some() { FREE_OR_MINE } else { "1" };
    let sql = format!(
        "UPDATE flows SET {set}, modified_ms = ? WHERE id = ? AND org_id = ? AND deleted = 0 \
         AND {lock}"
    );
    let mut q = sqlx::query(&sql);
    for b in binds {
        q = q.bind(*b);
    }
    q = q.bind(now_ms()).bind(id.to_string()).bind(org.to_string());
    if let Some(c) = client {
        q = q.bind(c.to_string());
    }
    if q.execute(&mut *conn).await?.rows_affected() == 0 {
        return Err(why_not(conn, org, id).await);
    }
    fetch_flow(conn, org, id).await
}

pub async fn checkout(
    pool: &SqlitePool,
    org: Uuid,
    id: Uuid,
    client: Uuid,
) -> Result<FlowRecord, StoreError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    // The holder checking out again changes nothing, so `version` moves only on a new lock.
    let sql = "UPDATE flows SET version = version + (locked_client_id IS NULL), \
               locked_client_id = ?, modified_ms = ? WHERE id = ? AND org_id = ? AND deleted = 0 \
               AND (locked_client_id IS NULL OR locked_client_id = ?)";
    let done = sqlx::query(sql)
        .bind(client.to_string())
        .bind(now_ms())
        .bind(id.to_string())
        .bind(org.to_string())
        .bind(client.to_string())
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(why_not(&mut tx, org, id).await);
    }
    let rec = fetch_flow(&mut tx, org, id).await?;
    tx.commit().await?;
    Ok(rec)
}

/// Re-labels version `n` (its logic stays as written).
async fn set_kind(
    conn: &mut SqliteConnection,
    id: Uuid,
    n: u32,
    kind: VersionKind,
    published_ms: Option<i64>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE flow_versions SET kind = ?, published_ms = COALESCE(?, published_ms) \
         WHERE flow_id = ? AND number = ?",
    )
    .bind(kind.as_str())
    .bind(published_ms)
    .bind(id.to_string())
    .bind(i64::from(n))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn checkin(
    pool: &SqlitePool,
    org: Uuid,
    id: Uuid,
    client: Uuid,
) -> Result<FlowRecord, StoreError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let cur = writable(&mut tx, org, id, Some(client)).await?;
    let checked_in = match cur.saved_version {
        Some(draft) => {
            set_kind(&mut tx, id, draft, VersionKind::Checkin, None).await?;
            Some(draft)
        }
        None => cur.checked_in_version,
    };
    let rec = update_if_free(
        &mut tx,
        org,
        id,
        Some(client),
        "checked_in_version = ?, saved_version = NULL, locked_client_id = NULL, \
         version = version + 1",
        &[checked_in.map(i64::from)],
    )
    .await?;
    tx.commit().await?;
    Ok(rec)
}

/// The module calls version `n` of a flow makes, from the dependency index.
async fn calls_of(
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
        .map(|row| {
            Ok(ModuleRef {
                node_id: format!("version {n}.0"),
                module_id: row.try_get("module_id")?,
                version: opt_u32(row, "module_version")?,
            })
        })
        .collect()
}

pub async fn publish(
    pool: &SqlitePool,
    org: Uuid,
    id: Uuid,
    client: Uuid,
    version: Option<u32>,
    guard: &dyn LinkGuard,
) -> Result<FlowRecord, StoreError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let cur = writable(&mut tx, org, id, Some(client)).await?;
    let target = publish_target(&cur, version)?;
    // The version may be old: what it calls must still be live, and for a module it must not
    // close a cycle with today's module graph.
    let calls = calls_of(&mut tx, org, id, target).await?;
    check_calls(&mut tx, org, &calls).await?;
    if cur.flow_type.is_module() && !calls.is_empty() {
        let edges: Vec<ModuleEdge> = module_edges(&mut tx, org)
            .await?
            .into_iter()
            .filter(|e| e.caller != id)
            .collect();
        guard.check(id, &cur.name, &edges)?;
    }
    let now = now_ms();
    set_kind(&mut tx, id, target, VersionKind::Publish, Some(now)).await?;
    // A draft other than the published version survives, unlocked, as `savedVersion`.
    let saved = cur.saved_version.filter(|s| *s != target);
    let rec = update_if_free(
        &mut tx,
        org,
        id,
        Some(client),
        "published_version = ?, checked_in_version = ?, saved_version = ?, published_ms = ?, \
         active = 1, locked_client_id = NULL, \
         dialect = (SELECT v.dialect FROM flow_versions v WHERE v.flow_id = flows.id \
                    AND v.number = ?), version = version + 1",
        &[
            Some(i64::from(target)),
            Some(i64::from(target)),
            saved.map(i64::from),
            Some(now),
            Some(i64::from(saved.unwrap_or(target))),
        ],
    )
    .await?;
    tx.commit().await?;
    Ok(rec)
}

pub async fn revert(
    pool: &SqlitePool,
    org: Uuid,
    id: Uuid,
    client: Uuid,
) -> Result<FlowRecord, StoreError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let cur = writable(&mut tx, org, id, Some(client)).await?;
    let back_to = FlowRecord {
        saved_version: None,
        ..cur
    }
    .current_version();
    let rec = update_if_free(
        &mut tx,
        org,
        id,
        Some(client),
        "saved_version = NULL, locked_client_id = NULL, \
         dialect = (SELECT v.dialect FROM flow_versions v WHERE v.flow_id = flows.id \
                    AND v.number = ?), version = version + 1",
        &[Some(i64::from(back_to))],
    )
    .await?;
    tx.commit().await?;
    Ok(rec)
}

pub async fn unlock(pool: &SqlitePool, org: Uuid, id: Uuid) -> Result<FlowRecord, StoreError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let rec = update_if_free(
        &mut tx,
        org,
        id,
        None,
        "version = version + (locked_client_id IS NOT NULL), locked_client_id = NULL",
        &[],
    )
    .await?;
    tx.commit().await?;
    Ok(rec)
}

pub async fn deactivate(
    pool: &SqlitePool,
    org: Uuid,
    id: Uuid,
    client: Uuid,
) -> Result<FlowRecord, StoreError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let rec = update_if_free(
        &mut tx,
        org,
        id,
        Some(client),
        "version = version + active, active = 0",
        &[],
    )
    .await?;
    tx.commit().await?;
    Ok(rec)
}
