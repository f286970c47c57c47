//! The publishing lifecycle on SQLite (SPEC §4): checkout, checkin, publish, revert, unlock,
//! deactivate.
//!
//! Each action is one `BEGIN IMMEDIATE` transaction whose final write is a conditional
//! `UPDATE flows ... WHERE ... AND (locked_client_id IS NULL OR locked_client_id = ?)`: the lock
//! lives in the database, not in process memory. When the update matches no row, the row is
//! read again and `rules::checks::why_not` says why. What each action checks and which
//! version it moves to are `crate::rules`' decisions; this module runs the SQL. The
//! dependency index follows the version pointers through the triggers of migration 0002.

use sqlx::sqlite::{SqliteConnection, SqlitePool};
use uuid::Uuid;

use super::flows::fetch_flow;
use crate::error::StoreError;
use crate::records::*;
use crate::rows::now_ms;
use crate::rules::checks::{why_not, writable};
use crate::rules::lifecycle::{check_publish, checkin as checkin_plan, revert_target};
use crate::store::LinkGuard;

/// "Nobody else holds the lock": the condition every lifecycle write carries. Binds the
/// client id once.
const FREE_OR_MINE: &str = "(locked_client_id IS NULL OR locked_client_id = ?)";

/// Reads a live flow `client` may change (not deleted, not locked by someone else).
async fn writable_flow(
    conn: &mut SqliteConnection,
    org: Uuid,
    id: Uuid,
    client: Uuid,
) -> Result<FlowRecord, StoreError> {
    let cur = fetch_flow(conn, org, id).await?;
    writable(&cur, Some(client))?;
    Ok(cur)
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
        return Err(why_not(fetch_flow(conn, org, id).await));
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
        return Err(why_not(fetch_flow(&mut tx, org, id).await));
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
    let cur = writable_flow(&mut tx, org, id, client).await?;
    let plan = checkin_plan(&cur);
    if let Some(draft) = plan.relabel {
        set_kind(&mut tx, id, draft, VersionKind::Checkin, None).await?;
    }
    let rec = update_if_free(
        &mut tx,
        org,
        id,
        Some(client),
        "checked_in_version = ?, saved_version = NULL, locked_client_id = NULL, \
         version = version + 1",
        &[plan.checked_in.map(i64::from)],
    )
    .await?;
    tx.commit().await?;
    Ok(rec)
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
    let cur = writable_flow(&mut tx, org, id, client).await?;
    let p = check_publish(&mut *tx, org, &cur, version, guard).await?;
    let now = now_ms();
    set_kind(&mut tx, id, p.target, VersionKind::Publish, Some(now)).await?;
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
            Some(i64::from(p.target)),
            Some(i64::from(p.target)),
            p.saved.map(i64::from),
            Some(now),
            Some(i64::from(p.dialect_of)),
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
    let cur = writable_flow(&mut tx, org, id, client).await?;
    let back_to = revert_target(&cur);
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
