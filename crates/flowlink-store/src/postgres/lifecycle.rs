//! The publishing lifecycle on PostgreSQL (SPEC §4): checkout, checkin, publish, revert,
//! unlock, deactivate — the same rules as the SQLite backend.
//!
//! Each action is one READ COMMITTED transaction: the flow row is locked first
//! (`FOR NO KEY UPDATE`, after the organization's graph lock when a module publish must run the
//! cycle guard), and the final write is a conditional
//! `UPDATE flows ... WHERE ... AND (locked_client_id IS NULL OR locked_client_id = $c)`, so the
//! checkout lock holds across replicas. When that update matches no row, the row is read again
//! and `rules::checks::why_not` says why. The checks and the versions each action moves to
//! are `crate::rules`' decisions; this module holds the SQL and the locks. The dependency
//! index follows the version pointers through the triggers of migration 0002.

use sqlx::postgres::{PgConnection, PgPool};
use uuid::Uuid;

use super::flows::{begin, fetch_flow, lock_module_graph};
use super::rows::TxError;
use crate::records::*;
use crate::rows::now_ms;
use crate::rules::checks::{why_not, writable};
use crate::rules::lifecycle::{check_publish, checkin as checkin_plan, revert_target};
use crate::store::LinkGuard;

const ROW_LOCK: &str = "FOR NO KEY UPDATE";

/// Locks and reads a live flow `client` may change (not deleted, not locked by another).
async fn writable_flow(
    conn: &mut PgConnection,
    org: Uuid,
    id: Uuid,
    client: Uuid,
) -> Result<FlowRecord, TxError> {
    let cur = fetch_flow(conn, org, id, ROW_LOCK).await?;
    writable(&cur, Some(client))?;
    Ok(cur)
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
        return Err(why_not(fetch_flow(conn, org, id, "").await));
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
        "checked_in_version = $5, saved_version = NULL, locked_client_id = NULL, \
         version = version + 1",
        &[plan.checked_in.map(i64::from)],
    )
    .await?;
    commit(tx, rec).await
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
    let cur = writable_flow(&mut tx, org, id, client).await?;
    let p = check_publish(&mut *tx, org, &cur, version, guard).await?;
    let now = now_ms();
    set_kind(&mut tx, id, p.target, VersionKind::Publish, Some(now)).await?;
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
            Some(i64::from(p.target)),
            p.saved.map(i64::from),
            Some(now),
            Some(i64::from(p.dialect_of)),
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
    let cur = writable_flow(&mut tx, org, id, client).await?;
    let back_to = revert_target(&cur);
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
