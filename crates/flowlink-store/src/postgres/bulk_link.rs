//! Bulk logic edits on PostgreSQL ([`crate::Store::edit_flows`]): one READ COMMITTED
//! transaction (one commit) for the whole batch, with the locks of a single update taken for
//! all its flows at once and in one order:
//! - the organization's graph lock first, when any target is a module (its new logic may call
//!   modules: the cycle guard must see a stable graph);
//! - then every target row `FOR NO KEY UPDATE`, `ORDER BY id`, so concurrent batches (and
//!   single writes, which lock one row) queue up instead of deadlocking;
//! - the current documents are read *after* the rows are locked, by a new statement, so they
//!   are the committed ones (a READ COMMITTED snapshot taken before the lock wait would miss a
//!   version committed meanwhile).
//!
//! `rules::batch` then edits and checks each flow by the same rules as a single update (the
//! call checks lock the called modules `FOR KEY SHARE`); a batch without modules is written
//! by [`write_updates`] in three statements, whatever its size.

use std::collections::HashMap;

use sqlx::postgres::{PgConnection, PgPool};
use sqlx::Row;
use uuid::Uuid;

use super::flows::{begin, lock_module_graph};
use super::rows::TxError;
use crate::bulk::{EditResult, FlowEdit};
use crate::error::StoreError;
use crate::records::{FlowRecord, VersionKind};
use crate::rows::{flow_from_row, flow_type, now_ms, FLOW_COLUMNS};
use crate::rules::batch::edit_batch;
use crate::rules::checks::lost_race;
use crate::rules::pointers::{dependency_rows, DependencyRoles, RowAfter};
use crate::rules::CheckedUpdate;

/// Locks the flows of `ids` in `org` and reads them with their current logic documents (the
/// draft while checked out), by id. Ids of other organizations are simply absent.
async fn lock_batch(
    conn: &mut PgConnection,
    org: Uuid,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, (FlowRecord, String)>, TxError> {
    // The type never changes, so reading it before taking any lock is safe; it decides
    // whether the graph lock (which must come first) is needed.
    let types = sqlx::query("SELECT flow_type FROM flows WHERE org_id = $1 AND id = ANY($2)")
        .bind(org)
        .bind(ids)
        .fetch_all(&mut *conn)
        .await?;
    let mut any_module = false;
    for row in &types {
        any_module |= flow_type(row, "flow_type")?.is_module();
    }
    if any_module {
        lock_module_graph(conn, org).await?;
    }
    let rows = sqlx::query(&format!(
        "SELECT {FLOW_COLUMNS} FROM flows WHERE org_id = $1 AND id = ANY($2) \
         ORDER BY id FOR NO KEY UPDATE"
    ))
    .bind(org)
    .bind(ids)
    .fetch_all(&mut *conn)
    .await?;
    let mut flows = Vec::with_capacity(rows.len());
    for row in &rows {
        flows.push(flow_from_row(row)?);
    }
    let (flow_ids, numbers): (Vec<Uuid>, Vec<i64>) = flows
        .iter()
        .map(|f| (f.id, i64::from(f.current_version())))
        .unzip();
    let docs = sqlx::query(
        "SELECT v.flow_id, v.document FROM flow_versions v \
         JOIN UNNEST($2::uuid[], $3::bigint[]) AS t(f, n) ON v.flow_id = t.f AND v.number = t.n \
         WHERE v.org_id = $1",
    )
    .bind(org)
    .bind(flow_ids)
    .bind(numbers)
    .fetch_all(&mut *conn)
    .await?;
    let mut documents = HashMap::with_capacity(docs.len());
    for row in &docs {
        let id: Uuid = row.try_get("flow_id")?;
        // Decoded by the edit threads (`rules::batch`).
        documents.insert(id, row.try_get::<String, _>("document")?);
    }
    let mut out = HashMap::with_capacity(flows.len());
    for f in flows {
        let doc = documents.remove(&f.id).ok_or_else(|| {
            StoreError::Backend(format!("flow {} has no row for its current version", f.id))
        })?;
        out.insert(f.id, (f, doc));
    }
    Ok(out)
}

pub async fn edit_flows(
    pool: &PgPool,
    org: Uuid,
    client: Uuid,
    ids: &[Uuid],
    edit: &dyn FlowEdit,
) -> Result<Vec<EditResult>, TxError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut tx = begin(pool).await?;
    let current = lock_batch(&mut tx, org, ids).await?;
    let out = edit_batch(&mut *tx, org, client, ids, current, edit).await?;
    tx.commit().await?;
    Ok(out)
}

/// The batch's checked updates of non-module flows written set-based, whatever their number:
/// one multi-row INSERT of the new versions, one of their dependency rows, one UPDATE of the
/// flow rows (conditional on `version` and the checkout lock, like a single update; the rows
/// are locked by [`lock_batch`], so every one matches).
pub(super) async fn write_updates(
    conn: &mut PgConnection,
    org: Uuid,
    mut items: Vec<(FlowRecord, CheckedUpdate)>,
) -> Result<Vec<FlowRecord>, TxError> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let now = now_ms();
    let mut versions = VersionColumns::default();
    let mut deps = DependencyColumns::default();
    let mut rows = RowColumns::default();
    for (item, (cur, c)) in items.iter_mut().enumerate() {
        let after = RowAfter::of(cur, c.logic.as_ref(), now);
        let document = c.take_document_text()?;
        if let (Some(logic), Some(document), Some(n)) = (&c.logic, document, after.new_version) {
            versions.flow.push(cur.id);
            versions.number.push(i64::from(n));
            versions.document.push(document);
            versions
                .dialect
                .push(logic.dialect.map(|d| d.as_str().to_string()));
            versions.kind.push(logic.kind.as_str().to_string());
            versions.client.push(c.client_id);
            versions
                .published_ms
                .push((logic.kind == VersionKind::Publish).then_some(now));
            for (module, pin) in dependency_rows(logic) {
                deps.item.push(item);
                deps.consumer.push(cur.id);
                deps.consumer_version.push(i64::from(n));
                deps.module.push(module);
                deps.pin.push(pin.map(i64::from));
            }
        }
        let p = after.pointers;
        rows.id.push(cur.id);
        rows.name.push(c.name.clone());
        rows.name_key.push(c.name.to_lowercase());
        rows.description.push(c.description.clone());
        rows.description_key
            .push(c.description.as_ref().map(|d| d.to_lowercase()));
        rows.error_handling.push(c.error_handling.clone());
        rows.dialect
            .push(after.dialect.map(|d| d.as_str().to_string()));
        rows.active.push(p.active);
        rows.published.push(p.published.map(i64::from));
        rows.saved.push(p.saved.map(i64::from));
        rows.checked_in.push(p.checked_in.map(i64::from));
        rows.latest.push(i64::from(after.latest));
        rows.published_ms.push(p.published_ms);
        rows.expected.push(cur.version);
        rows.client.push(c.client_id);
    }
    // The new values carry `u_` names: RETURNING reads the flow row's own columns.
    let written = sqlx::query(&format!(
        "UPDATE flows SET name = u_name, name_key = u_name_key, description = u_description, \
         description_key = u_description_key, error_handling = u_error_handling, \
         dialect = u_dialect, active = u_active, published_version = u_published, \
         saved_version = u_saved, checked_in_version = u_checked_in, \
         latest_version = u_latest, published_ms = u_published_ms, modified_ms = $2, \
         version = version + 1 \
         FROM UNNEST($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], \
         $9::text[], $10::boolean[], $11::bigint[], $12::bigint[], $13::bigint[], \
         $14::bigint[], $15::bigint[], $16::bigint[], $17::uuid[]) AS t(u_id, u_name, \
         u_name_key, u_description, u_description_key, u_error_handling, u_dialect, u_active, \
         u_published, u_saved, u_checked_in, u_latest, u_published_ms, u_expected, u_client) \
         WHERE id = u_id AND org_id = $1 AND version = u_expected \
         AND (locked_client_id IS NULL OR locked_client_id = u_client) RETURNING {FLOW_COLUMNS}"
    ))
    .bind(org)
    .bind(now)
    .bind(rows.id)
    .bind(rows.name)
    .bind(rows.name_key)
    .bind(rows.description)
    .bind(rows.description_key)
    .bind(rows.error_handling)
    .bind(rows.dialect)
    .bind(rows.active)
    .bind(rows.published)
    .bind(rows.saved)
    .bind(rows.checked_in)
    .bind(rows.latest)
    .bind(rows.published_ms)
    .bind(rows.expected)
    .bind(rows.client)
    .fetch_all(&mut *conn)
    .await?;
    let mut by_id = HashMap::with_capacity(written.len());
    for row in &written {
        let rec = flow_from_row(row)?;
        by_id.insert(rec.id, rec);
    }
    let written = items
        .into_iter()
        .map(|(cur, c)| {
            // The row locks make a miss unreachable; it stays as the optimistic lock's last
            // line of defence, and it aborts the batch.
            by_id
                .remove(&cur.id)
                .ok_or_else(|| TxError::from(lost_race(c.expected_version, &cur)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    // The versions' dependency rows come after the rows' new pointers: they are described as
    // the rows end up (so the describe trigger skips them; migration 0005), and the pointer
    // trigger had none of them to flip.
    for (&item, &n) in deps.item.iter().zip(&deps.consumer_version) {
        let (Some(consumer), Ok(n)) = (written.get(item), u32::try_from(n)) else {
            return Err(StoreError::Backend("a bulk edit's version lost its flow".into()).into());
        };
        let roles = DependencyRoles::of(consumer, n);
        deps.consumer_type.push(roles.consumer_type);
        deps.consumer_name_key.push(roles.consumer_name_key);
        deps.in_published.push(roles.in_published);
        deps.in_checked_in.push(roles.in_checked_in);
        deps.in_current.push(roles.in_current);
    }
    if !versions.flow.is_empty() {
        sqlx::query(
            "INSERT INTO flow_versions (flow_id, number, org_id, document, dialect, kind, \
             created_ms, created_by_client, published_ms) \
             SELECT f, n, $1, d, dl, k, $2, c, p FROM UNNEST($3::uuid[], $4::bigint[], \
             $5::text[], $6::text[], $7::text[], $8::uuid[], $9::bigint[]) AS t(f, n, d, dl, k, c, p)",
        )
        .bind(org)
        .bind(now)
        .bind(versions.flow)
        .bind(versions.number)
        .bind(versions.document)
        .bind(versions.dialect)
        .bind(versions.kind)
        .bind(versions.client)
        .bind(versions.published_ms)
        .execute(&mut *conn)
        .await?;
    }
    if !deps.consumer.is_empty() {
        sqlx::query(
            "INSERT INTO flow_dependencies (org_id, consumer_id, consumer_version, module_id, \
             module_version, consumer_type, consumer_name_key, in_published, in_checked_in, \
             in_current) SELECT $1, c, cv, m, v, ct, ck, ip, ic, icur \
             FROM UNNEST($2::uuid[], $3::bigint[], $4::uuid[], $5::bigint[], $6::text[], \
             $7::text[], $8::boolean[], $9::boolean[], $10::boolean[]) \
             AS t(c, cv, m, v, ct, ck, ip, ic, icur)",
        )
        .bind(org)
        .bind(deps.consumer)
        .bind(deps.consumer_version)
        .bind(deps.module)
        .bind(deps.pin)
        .bind(deps.consumer_type)
        .bind(deps.consumer_name_key)
        .bind(deps.in_published)
        .bind(deps.in_checked_in)
        .bind(deps.in_current)
        .execute(&mut *conn)
        .await?;
    }
    Ok(written)
}

/// `flow_versions` columns of a batch, one array each.
#[derive(Default)]
struct VersionColumns {
    flow: Vec<Uuid>,
    number: Vec<i64>,
    document: Vec<String>,
    dialect: Vec<Option<String>>,
    kind: Vec<String>,
    client: Vec<Option<Uuid>>,
    published_ms: Vec<Option<i64>>,
}

/// `flow_dependencies` columns of a batch (and each row's flow's place in it).
#[derive(Default)]
struct DependencyColumns {
    item: Vec<usize>,
    consumer: Vec<Uuid>,
    consumer_version: Vec<i64>,
    module: Vec<Uuid>,
    pin: Vec<Option<i64>>,
    consumer_type: Vec<&'static str>,
    consumer_name_key: Vec<String>,
    in_published: Vec<bool>,
    in_checked_in: Vec<bool>,
    in_current: Vec<bool>,
}

/// The new `flows` row values of a batch.
#[derive(Default)]
struct RowColumns {
    id: Vec<Uuid>,
    name: Vec<String>,
    name_key: Vec<String>,
    description: Vec<Option<String>>,
    description_key: Vec<Option<String>>,
    error_handling: Vec<Option<String>>,
    dialect: Vec<Option<String>>,
    active: Vec<bool>,
    published: Vec<Option<i64>>,
    saved: Vec<Option<i64>>,
    checked_in: Vec<Option<i64>>,
    latest: Vec<i64>,
    published_ms: Vec<Option<i64>>,
    expected: Vec<i64>,
    client: Vec<Option<Uuid>>,
}
