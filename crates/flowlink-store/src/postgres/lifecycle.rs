//! The publishing lifecycle on PostgreSQL (SPEC §4): checkout, checkin, publish, revert,
//! unlock, deactivate — the same rules as the SQLite backend.
//!
//! Each action is one READ COMMITTED transaction: the flow row is locked first
//! (`FOR NO KEY UPDATE`, after the organization's graph lock when a module publish must run the
//! cycle guard), and the final write is a conditional
//! `UPDATE flows ... WHERE ... AND (locked_client_id IS NULL OR locked_client_id = $c)`, so the
//! checkout lock holds across replicas. When that update matches no row, the row is read again
//! to say why. The dependency index follows the version pointers through the triggers of
//! migration 0002.

use sqlx::postgres::{PgConnection, PgPool};
use sqlx::Row;
use uuid::Uuid;

use super::flows::{begin, check_calls, fetch_flow, lock_module_graph, module_edges};
use super::rows::{now_ms, opt_u32, TxError};
use crate::error::{Conflict, StoreError};
use crate::lifecycle::publish_target;
use crate::records::*;
use crate::store::LinkGuard;

const ROW_LOCK: &str = "FOR NO KEY UPDATE";

/// Why a conditional lifecycle update matched no row.
async fn why_not(conn: &mut PgConnection, org: Uuid, id: Uuid) -> TxError {
    match fetch_flow(conn, org, id, "").await {
        Err(e) => e,
        Ok(cur) if cur.deleted => StoreError::Gone.into(),
        Ok(FlowRecord {
            locked_client_id: Some(holder),
            ..
        }) => StoreError::Conflict(Conflict::Locked { client_id: holder }).into(),
        // Unreachable under the row lock; reported as a lost race if it happens.
        Ok(cur) => StoreError::Conflict(Conflict::StaleVersion {
            expected: cur.version,
            current: cur.version,
        })
        .into(),
    }
}

/// Locks and reads a live flow the caller may change (not deleted, not locked by another).
async fn writable(
    conn: &mut PgConnection,
    org: Uuid,
    id: Uuid,
    client: Uuid,
) -> Result<FlowRecord, TxError> {
    let cur = fetch_flow(conn, org, id, ROW_LOCK).await?;
    if cur.deleted {
        return Err(StoreError::Gone.into());
    }
    match cur.locked_client_id {
        Some(holder) if holder != client => {
            Err(StoreError::Conflict(Conflict::Locked { client_id: holder }).into())
        }
        _ => Ok(cur),
    }
}

/// `UPDATE flows SET {set}` on the live row if nobody else holds the lock; `set` uses `$5..`
/// for `binds` (`$1` id, `$2` org, `$3` client or NULL for "whoever holds it", `$4` now).
async fn update_if_free(
    conn: &mut PgConnection,
    org: Uuid,
    id: Uuid,
    client: Option<Uuid>,
    set: &str,
    binds: &[Option<i64>],
) -> Result<FlowRecord, TxError> {
    let sql = format!(
        "UPDATE flows SET {set}, modified_ms = $4 WHERE id = $1 AND org_id = $2 \
         AND NOT deleted AND ($3::uuid IS NULL OR locked_client_id IS NULL \
         OR locked_client_id = $3) RETURNING id"
    );
    let mut q = sqlx::query(&sql)
        .bind(id)
        .bind(org)
        .bind(client)
        .bind(now_ms());
    for b in binds {
        q = q.bind(*b);
    }
    if q.fetch_optional(&mut *conn).await?.is_none() {
        return Err(why_not(conn, org, id).await);
    }
    fetch_flow(conn, org, id, "").await
}

async fn commit<T>(tx: sqlx::Transaction<'static, sqlx::Postgres>, v: T) -> Result<T, TxError> {
    tx.commit().await?;
    Ok(v)
}

pub async fn checkout(
    pool: &PgPool,
    org: Uuid,
    id: Uuid,
    client: Uuid,
) -> Result<FlowRecord, TxError> {
    let mut tx = begin(pool).await?;
    // The holder checking out again changes nothing, so `version` moves only on a new lock.
    let rec = update_if_free(
        &mut tx,
        org,
        id,
        Some(client),
        "version = version + (locked_client_id IS NULL)::int, locked_client_id = $3",
        &[],
    )
    .await?;
    commit(tx, rec).await
}

/// Re-labels version `n` (its logic stays as written).
async fn set_kind(
    conn: &mut PgConnection,
    id: Uuid,
    n: u32,
    kind: VersionKind,
    published_ms: Option<i64>,
) -> Result<(), TxError> {
    sqlx::query(
        "UPDATE flow_versions SET kind = $1, published_ms = COALESCE($2, published_ms) \
         WHERE flow_id = $3 AND number = $4",
    )
    .bind(kind.as_str())
    .bind(published_ms)
    .bind(id)
    .bind(i64::from(n))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn checkin(
    pool: &PgPool,
    org: Uuid,
    id: Uuid,
    client: Uuid,
) -> Result<FlowRecord, TxError> {
    let mut tx = begin(pool).await?;
    let cur = writable(&mut tx, org, id, client).await?;
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
        "checked_in_version = $5, saved_version = NULL, locked_client_id = NULL, \
         version = version + 1",
        &[checked_in.map(i64::from)],
    )
    .await?;
    commit(tx, rec).await
}

/// The module calls version `n` of a flow makes, from the dependency index.
async fn calls_of(
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
        .map(|row| {
            Ok(ModuleRef {
                node_id: format!("version {n}.0"),
                module_id: row.try_get::<Uuid, _>("module_id")?.to_string(),
                version: opt_u32(row, "module_version")?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(calls)
}

pub async fn publish(
    pool: &PgPool,
    org: Uuid,
    id: Uuid,
    client: Uuid,
    version: Option<u32>,
    guard: &dyn LinkGuard,
) -> Result<FlowRecord, TxError> {
    let mut tx = begin(pool).await?;
    // Lock order as for every write: graph lock (modules only, as the guard may run), then the
    // flow, then the modules it calls (check_calls).
    let peek = fetch_flow(&mut tx, org, id, "").await?;
    if peek.flow_type.is_module() {
        lock_module_graph(&mut tx, org).await?;
    }
    let cur = writable(&mut tx, org, id, client).await?;
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
        "published_version = $5, checked_in_version = $5, saved_version = $6, \
         published_ms = $7, active = TRUE, locked_client_id = NULL, \
         dialect = (SELECT v.dialect FROM flow_versions v WHERE v.flow_id = flows.id \
                    AND v.number = $8), version = version + 1",
        &[
            Some(i64::from(target)),
            saved.map(i64::from),
            Some(now),
            Some(i64::from(saved.unwrap_or(target))),
        ],
    )
    .await?;
    commit(tx, rec).await
}

pub async fn revert(
    pool: &PgPool,
    org: Uuid,
    id: Uuid,
    client: Uuid,
) -> Result<FlowRecord, TxError> {
    let mut tx = begin(pool).await?;
    let cur = writable(&mut tx, org, id, client).await?;
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
                    AND v.number = $5), version = version + 1",
        &[Some(i64::from(back_to))],
    )
    .await?;
    commit(tx, rec).await
}

pub async fn unlock(pool: &PgPool, org: Uuid, id: Uuid) -> Result<FlowRecord, TxError> {
    let mut tx = begin(pool).await?;
    let rec = update_if_free(
        &mut tx,
        org,
        id,
        None,
        "version = version + (locked_client_id IS NOT NULL)::int, locked_client_id = NULL",
        &[],
    )
    .await?;
    commit(tx, rec).await
}

pub async fn deactivate(
    pool: &PgPool,
    org: Uuid,
    id: Uuid,
    client: Uuid,
) -> Result<FlowRecord, TxError> {
    let mut tx = begin(pool).await?;
    let rec = update_if_free(
        &mut tx,
        org,
        id,
        Some(client),
        "version = version + active::int, active = FALSE",
        &[],
    )
    .await?;
    commit(tx, rec).await
}
