//! Writes of flows, their immutable logic versions and the dependency index, on the writer
//! connection ([`super::writer`]).
//!
//! Every write runs in one `BEGIN IMMEDIATE` transaction: read the current row, let
//! `crate::rules` decide (optimistic lock, checkout lock, module references, cycle guard),
//! write the version and its dependency rows, then a conditional
//! `UPDATE ... WHERE version = ?`. This module holds only the SQL, and the statements the
//! rules run inside the transaction ([`super::lite::Lite`]).

use std::collections::{BTreeSet, HashMap};

use rusqlite::types::Value;
use rusqlite::Connection;
use uuid::Uuid;

use super::flows::{module_consumers_sql, module_edges_sql};
use super::lite::{
    is_duplicate_name, is_foreign_key_violation, is_unique_violation, now, opt_int, opt_str,
    opt_text, text, Lite, Sql,
};
use crate::error::{Consumer, StoreError};
use crate::records::*;
use crate::rows::{
    call_from_row, consumer_from_row, edge_from_row, flow_from_row, json_text, now_ms,
    target_from_row, FLOW_COLUMNS,
};
use crate::rules::checks::{check_delete, check_update, duplicate, lost_race};
use crate::rules::pointers::{dependency_rows, DependencyRoles, Pointers, RowAfter};
use crate::rules::{calls, CheckedUpdate, Target};
use crate::store::LinkGuard;

/// The row of flow `id` of `org`, deleted or not.
pub(super) fn fetch_flow(conn: &Connection, org: Uuid, id: Uuid) -> Result<FlowRecord, StoreError> {
    let mut sql = Sql::new(format!("SELECT {FLOW_COLUMNS} FROM flows WHERE id = "));
    sql.bind(text(id)).push(" AND org_id = ").bind(text(org));
    sql.row(conn, |r| flow_from_row(r))
}

/// The call targets among `ids` (see `RuleTx::call_targets`): one statement for all. The ids
/// are looked up by primary key; `+org_id` keeps SQLite's planner (which has no statistics)
/// from scanning the organization's flows through `flows_org_type` instead once the list has
/// a few ids, which cost a PUT a quarter of a millisecond per thousand flows.
pub(super) fn call_targets(
    conn: &Connection,
    org: Uuid,
    ids: &BTreeSet<Uuid>,
) -> Result<HashMap<Uuid, Target>, StoreError> {
    let mut sql =
        Sql::new("SELECT id, name, flow_type, deleted, latest_version FROM flows WHERE id IN ");
    sql.ids(ids).push(" AND +org_id = ").bind(text(org));
    Ok(sql
        .rows(conn, |row| Ok((row_id(row)?, target_from_row(row)?)))?
        .into_iter()
        .collect())
}

fn row_id(row: &impl crate::rows::DbRow) -> Result<Uuid, StoreError> {
    row.uuid("id")
}

/// Live flows whose versions selected by `filter` call `module` (inside a write).
pub(super) fn module_consumers_in(
    conn: &Connection,
    org: Uuid,
    module: Uuid,
    filter: ConsumerFilter,
) -> Result<Vec<Consumer>, StoreError> {
    Sql::with_values(module_consumers_sql(filter), vec![text(org), text(module)])
        .rows(conn, |r| consumer_from_row(r))
}

/// The organization's module→module edges (inside a write).
pub(super) fn module_edges_in(conn: &Connection, org: Uuid) -> Result<Vec<ModuleEdge>, StoreError> {
    Sql::with_values(module_edges_sql(), vec![text(org)]).rows(conn, |r| edge_from_row(r))
}

/// The module calls version `n` of a flow makes, from the dependency index.
pub(super) fn version_calls(
    conn: &Connection,
    org: Uuid,
    id: Uuid,
    n: u32,
) -> Result<Vec<ModuleRef>, StoreError> {
    let mut sql =
        Sql::new("SELECT module_id, module_version FROM flow_dependencies WHERE org_id = ");
    sql.bind(text(org))
        .push(" AND consumer_id = ")
        .bind(text(id))
        .push(" AND consumer_version = ")
        .bind(i64::from(n));
    sql.rows(conn, |row| call_from_row(row, format!("version {n}.0")))
}

/// Writes version `n` of flow `consumer` (its row as just written) and its dependency rows
/// (one statement for all), described from that row.
fn insert_version(
    conn: &Connection,
    consumer: &FlowRecord,
    n: u32,
    logic: &LogicWrite,
    document: String,
    client: Option<Uuid>,
    now: i64,
) -> Result<(), StoreError> {
    let mut sql = Sql::new(
        "INSERT INTO flow_versions (flow_id, number, org_id, document, dialect, kind, created_ms, \
         created_by_client, published_ms) VALUES ",
    );
    sql.tuple([
        text(consumer.id),
        Value::Integer(i64::from(n)),
        text(consumer.org_id),
        Value::Text(document),
        opt_str(logic.dialect.map(Dialect::as_str)),
        Value::Text(logic.kind.as_str().into()),
        Value::Integer(now),
        opt_text(client),
        opt_int((logic.kind == VersionKind::Publish).then_some(now)),
    ]);
    sql.execute(conn)?;
    insert_dependencies(conn, consumer, n, dependency_rows(logic))
}

/// The dependency rows of version `n` of `consumer`: one statement for all, each already
/// described (so the describe trigger skips them; migration 0006).
fn insert_dependencies(
    conn: &Connection,
    consumer: &FlowRecord,
    n: u32,
    rows: impl IntoIterator<Item = (Uuid, Option<u32>)>,
) -> Result<(), StoreError> {
    let roles = DependencyRoles::of(consumer, n);
    let mut sql = Sql::new(
        "INSERT INTO flow_dependencies (org_id, consumer_id, consumer_version, module_id, \
         module_version, consumer_type, consumer_name_key, in_published, in_checked_in, \
         in_current) VALUES ",
    );
    let mut any = false;
    for (module, pin) in rows {
        if any {
            sql.push(", ");
        }
        any = true;
        let call = [
            text(consumer.org_id),
            text(consumer.id),
            Value::Integer(i64::from(n)),
            text(module),
            opt_int(pin.map(i64::from)),
        ];
        sql.tuple(call.into_iter().chain(role_values(&roles)));
    }
    if any {
        sql.execute(conn)?;
    }
    Ok(())
}

/// A dependency row's description columns (`consumer_type` … `in_current`, in that order).
pub(super) fn role_values(roles: &DependencyRoles) -> [Value; 5] {
    [
        Value::Text(roles.consumer_type.into()),
        Value::Text(roles.consumer_name_key.clone()),
        Value::Integer(i64::from(roles.in_published)),
        Value::Integer(i64::from(roles.in_checked_in)),
        Value::Integer(i64::from(roles.in_current)),
    ]
}

pub(super) fn create_flow(
    conn: &mut Connection,
    f: NewFlow,
    guard: &dyn LinkGuard,
) -> Result<FlowRecord, StoreError> {
    let id = Uuid::new_v4();
    let stamp = now_ms();
    now(calls::check_logic(
        &mut Lite(conn),
        f.org_id,
        id,
        &f.name,
        f.flow_type,
        &f.logic,
        guard,
    ))??;
    let p = Pointers::after(None, f.logic.kind, 1, stamp);
    let mut sql = Sql::new(
        "INSERT INTO flows (id, org_id, flow_type, name, name_key, description, description_key, \
         version, dialect, active, deleted, locked_client_id, published_version, saved_version, \
         checked_in_version, latest_version, published_ms, error_handling, created_ms, \
         modified_ms) VALUES ",
    );
    sql.tuple([
        text(id),
        text(f.org_id),
        Value::Text(f.flow_type.as_str().into()),
        Value::Text(f.name.clone()),
        Value::Text(f.name.to_lowercase()),
        opt_str(f.description.as_deref()),
        opt_str(f.description.as_ref().map(|d| d.to_lowercase()).as_deref()),
        Value::Integer(1),
        opt_str(f.logic.dialect.map(Dialect::as_str)),
        Value::Integer(i64::from(p.active)),
        Value::Integer(0),
        Value::Null,
        opt_int(p.published.map(i64::from)),
        opt_int(p.saved.map(i64::from)),
        opt_int(p.checked_in.map(i64::from)),
        Value::Integer(1),
        opt_int(p.published_ms),
        opt_str(f.error_handling.as_deref()),
        Value::Integer(stamp),
        Value::Integer(stamp),
    ]);
    match sql.execute(conn) {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => return Err(duplicate(f.flow_type, &f.name)),
        Err(e) if is_foreign_key_violation(&e) => return Err(StoreError::NotFound),
        Err(e) => return Err(e.into()),
    }
    let created = fetch_flow(conn, f.org_id, id)?;
    let document = json_text(&f.logic.document, "logic document")?;
    insert_version(conn, &created, 1, &f.logic, document, f.client_id, stamp)?;
    Ok(created)
}

pub(super) fn update_flow(
    conn: &mut Connection,
    org: Uuid,
    id: Uuid,
    u: FlowUpdate,
    guard: &dyn LinkGuard,
) -> Result<FlowRecord, StoreError> {
    let cur = fetch_flow(conn, org, id)?;
    let checked = now(check_update(&mut Lite(conn), org, &cur, u, guard))??;
    write_update(conn, org, &cur, checked)
}

/// Writes a checked update of `cur`: the row itself (conditional on `version` and the lock),
/// then the new logic version and its dependency rows; answers the flow as written.
pub(super) fn write_update(
    conn: &Connection,
    org: Uuid,
    cur: &FlowRecord,
    mut c: CheckedUpdate,
) -> Result<FlowRecord, StoreError> {
    let now = now_ms();
    let after = RowAfter::of(cur, c.logic.as_ref(), now);
    let p = after.pointers;
    let mut sql = Sql::new("UPDATE flows SET modified_ms = ");
    sql.bind(now);
    // SQLite rewrites the entry of every index on a column the SET list names, changed or
    // not: the name (and its key, in the unique-name index) only when it changes, so a logic
    // edit leaves that index's page alone.
    if c.name != cur.name {
        sql.push(", name = ").bind(c.name.clone());
        sql.push(", name_key = ").bind(c.name.to_lowercase());
    }
    if c.description != cur.description {
        sql.push(", description = ")
            .bind(opt_str(c.description.as_deref()));
        sql.push(", description_key = ").bind(opt_str(
            c.description.as_ref().map(|d| d.to_lowercase()).as_deref(),
        ));
    }
    sql.push(", error_handling = ")
        .bind(opt_str(c.error_handling.as_deref()));
    sql.push(", dialect = ")
        .bind(opt_str(after.dialect.map(Dialect::as_str)));
    sql.push(", active = ").bind(i64::from(p.active));
    sql.push(", published_version = ")
        .bind(opt_int(p.published.map(i64::from)));
    sql.push(", saved_version = ")
        .bind(opt_int(p.saved.map(i64::from)));
    sql.push(", checked_in_version = ")
        .bind(opt_int(p.checked_in.map(i64::from)));
    sql.push(", latest_version = ")
        .bind(i64::from(after.latest));
    sql.push(", published_ms = ").bind(opt_int(p.published_ms));
    sql.push(", version = version + 1 WHERE id = ")
        .bind(text(cur.id));
    sql.push(" AND org_id = ").bind(text(org));
    sql.push(" AND version = ").bind(cur.version);
    // RETURNING answers the row as written: no second read.
    sql.push(" AND (locked_client_id IS NULL OR locked_client_id = ")
        .bind(opt_text(c.client_id))
        .push(") RETURNING ")
        .push(FLOW_COLUMNS);
    // Only the flows' name index makes the UPDATE's unique violation; the version rows are
    // new numbers inside this IMMEDIATE transaction.
    let written = sql.opt_row_or(
        conn,
        |r| flow_from_row(r),
        |e| {
            if is_duplicate_name(&e) {
                duplicate(cur.flow_type, &c.name)
            } else {
                e.into()
            }
        },
    )?;
    // `None` cannot happen on SQLite (the row was read in this IMMEDIATE transaction) but is
    // the lock's last line of defence on backends with weaker isolation.
    let written = written.ok_or_else(|| lost_race(c.expected_version, cur))?;
    // The version's dependency rows come after the row's new pointers: they are described as
    // the row ends up, and the pointer trigger had none of them to flip.
    let document = c.take_document_text()?;
    if let (Some(logic), Some(document), Some(n)) = (&c.logic, document, after.new_version) {
        insert_version(conn, &written, n, logic, document, c.client_id, now)?;
    }
    Ok(written)
}

/// Soft-deletes a flow. With `client`, refused while another client holds the lock (checked
/// here and again by the conditional update).
pub(super) fn delete_flow(
    conn: &mut Connection,
    org: Uuid,
    id: Uuid,
    expected_version: Option<i64>,
    client: Option<Uuid>,
) -> Result<FlowRecord, StoreError> {
    let cur = fetch_flow(conn, org, id)?;
    now(check_delete(
        &mut Lite(conn),
        org,
        &cur,
        expected_version,
        client,
    ))??;
    let mut sql = Sql::new("UPDATE flows SET deleted = 1, active = 0, version = version + 1, ");
    sql.push("modified_ms = ").bind(now_ms());
    sql.push(" WHERE id = ").bind(text(id));
    sql.push(" AND org_id = ").bind(text(org));
    sql.push(" AND version = ").bind(cur.version);
    sql.push(" AND (").bind(opt_text(client));
    sql.push(" IS NULL OR locked_client_id IS NULL OR locked_client_id = ")
        .bind(opt_text(client))
        .push(")");
    sql.execute(conn)?;
    fetch_flow(conn, org, id)
}
