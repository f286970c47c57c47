//! The publishing lifecycle on SQLite (SPEC §4): checkout, checkin, publish, revert, unlock,
//! deactivate.
//!
//! Each action runs in one writer transaction ([`super::writer`]) whose final write is a
//! conditional `UPDATE flows ... WHERE ... AND (locked_client_id IS NULL OR
//! locked_client_id = ?)`: the lock lives in the database, not in process memory. When the
//! update matches no row, the row is read again and `rules::checks::why_not` says why. What
//! each action checks and which version it moves to are `crate::rules`' decisions; this
//! module runs the SQL. The dependency index follows the version pointers through the
//! triggers of migration 0002.

use rusqlite::types::Value;
use rusqlite::Connection;
use uuid::Uuid;

use super::flow_writes::fetch_flow;
use super::lite::{now, opt_int, text, Lite, Sql};
use crate::error::StoreError;
use crate::records::*;
use crate::rows::now_ms;
use crate::rules::checks::{why_not, writable};
use crate::rules::lifecycle::{check_publish, checkin as checkin_plan, revert_target};
use crate::store::LinkGuard;

/// Reads a live flow `client` may change (not deleted, not locked by someone else).
fn writable_flow(
    conn: &Connection,
    org: Uuid,
    id: Uuid,
    client: Uuid,
) -> Result<FlowRecord, StoreError> {
    let cur = fetch_flow(conn, org, id)?;
    writable(&cur, Some(client))?;
    Ok(cur)
}

/// Runs one conditional `UPDATE flows SET {set} WHERE id, org, not deleted` and, with a
/// `client`, "nobody else holds the lock" (binding `binds` for `set` first), then returns the
/// updated row.
fn update_if_free(
    conn: &Connection,
    org: Uuid,
    id: Uuid,
    client: Option<Uuid>,
    set: &str,
    binds: &[Option<i64>],
) -> Result<FlowRecord, StoreError> {
    let mut values: Vec<Value> = binds.iter().map(|b| opt_int(*b)).collect();
    values.extend([Value::Integer(now_ms()), text(id), text(org)]);
    let lock = match client {
        Some(c) => {
            values.push(text(c));
            "(locked_client_id IS NULL OR locked_client_id = ?)"
        }
        None => "1",
    };
    let sql = Sql::with_values(
        format!(
            "UPDATE flows SET {set}, modified_ms = ? WHERE id = ? AND org_id = ? AND deleted = 0 \
             AND {lock}"
        ),
        values,
    );
    if sql.execute(conn)? == 0 {
        return Err(why_not(fetch_flow(conn, org, id)));
    }
    fetch_flow(conn, org, id)
}

pub(super) fn checkout(
    conn: &mut Connection,
    org: Uuid,
    id: Uuid,
    client: Uuid,
) -> Result<FlowRecord, StoreError> {
    // The holder checking out again changes nothing, so `version` moves only on a new lock.
    let sql = Sql::with_values(
        "UPDATE flows SET version = version + (locked_client_id IS NULL), \
         locked_client_id = ?, modified_ms = ? WHERE id = ? AND org_id = ? AND deleted = 0 \
         AND (locked_client_id IS NULL OR locked_client_id = ?)",
        vec![
            text(client),
            Value::Integer(now_ms()),
            text(id),
            text(org),
            text(client),
        ],
    );
    if sql.execute(conn)? == 0 {
        return Err(why_not(fetch_flow(conn, org, id)));
    }
    fetch_flow(conn, org, id)
}

/// Re-labels version `n` (its logic stays as written).
fn set_kind(
    conn: &Connection,
    id: Uuid,
    n: u32,
    kind: VersionKind,
    published_ms: Option<i64>,
) -> Result<(), StoreError> {
    Sql::with_values(
        "UPDATE flow_versions SET kind = ?, published_ms = COALESCE(?, published_ms) \
         WHERE flow_id = ? AND number = ?",
        vec![
            Value::Text(kind.as_str().into()),
            opt_int(published_ms),
            text(id),
            Value::Integer(i64::from(n)),
        ],
    )
    .execute(conn)?;
    Ok(())
}

pub(super) fn checkin(
    conn: &mut Connection,
    org: Uuid,
    id: Uuid,
    client: Uuid,
) -> Result<FlowRecord, StoreError> {
    let cur = writable_flow(conn, org, id, client)?;
    let plan = checkin_plan(&cur);
    if let Some(draft) = plan.relabel {
        set_kind(conn, id, draft, VersionKind::Checkin, None)?;
    }
    update_if_free(
        conn,
        org,
        id,
        Some(client),
        "checked_in_version = ?, saved_version = NULL, locked_client_id = NULL, \
         version = version + 1",
        &[plan.checked_in.map(i64::from)],
    )
}

pub(super) fn publish(
    conn: &mut Connection,
    org: Uuid,
    id: Uuid,
    client: Uuid,
    version: Option<u32>,
    guard: &dyn LinkGuard,
) -> Result<FlowRecord, StoreError> {
    let cur = writable_flow(conn, org, id, client)?;
    let p = now(check_publish(&mut Lite(conn), org, &cur, version, guard))??;
    let now = now_ms();
    set_kind(conn, id, p.target, VersionKind::Publish, Some(now))?;
    update_if_free(
        conn,
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
}

pub(super) fn revert(
    conn: &mut Connection,
    org: Uuid,
    id: Uuid,
    client: Uuid,
) -> Result<FlowRecord, StoreError> {
    let cur = writable_flow(conn, org, id, client)?;
    let back_to = revert_target(&cur);
    update_if_free(
        conn,
        org,
        id,
        Some(client),
        "saved_version = NULL, locked_client_id = NULL, \
         dialect = (SELECT v.dialect FROM flow_versions v WHERE v.flow_id = flows.id \
                    AND v.number = ?), version = version + 1",
        &[Some(i64::from(back_to))],
    )
}

pub(super) fn unlock(conn: &mut Connection, org: Uuid, id: Uuid) -> Result<FlowRecord, StoreError> {
    update_if_free(
        conn,
        org,
        id,
        None,
        "version = version + (locked_client_id IS NOT NULL), locked_client_id = NULL",
        &[],
    )
}

pub(super) fn deactivate(
    conn: &mut Connection,
    org: Uuid,
    id: Uuid,
    client: Uuid,
) -> Result<FlowRecord, StoreError> {
    update_if_free(
        conn,
        org,
        id,
        Some(client),
        "version = version + active, active = 0",
        &[],
    )
}
