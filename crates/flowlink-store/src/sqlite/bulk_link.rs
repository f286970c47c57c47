//! Bulk logic edits on SQLite ([`crate::Store::edit_flows`]): one `BEGIN IMMEDIATE`
//! transaction (one commit, so one fsync) for the whole batch. The batch's rows and current
//! documents are read in one statement; `rules::batch` then edits, checks and writes each
//! flow by the same rules as a single update. A batch without modules is written by
//! [`write_updates`] in three statements per [`ROWS`] flows: sqlx runs every statement on its
//! worker thread (two thread hand-offs each), so statements per flow cost far more than
//! SQLite's own work.

use std::collections::HashMap;

use serde_json::Value;
use sqlx::sqlite::{Sqlite, SqliteConnection, SqlitePool};
use sqlx::QueryBuilder;
use uuid::Uuid;

use crate::bulk::{EditResult, FlowEdit};
use crate::error::StoreError;
use crate::records::{Dialect, FlowRecord, VersionKind};
use crate::rows::{flow_from_row, json, json_text, now_ms, Columns, FLOW_COLUMNS};
use crate::rules::batch::edit_batch;
use crate::rules::checks::lost_race;
use crate::rules::pointers::{dependency_rows, RowAfter};
use crate::rules::CheckedUpdate;

/// Rows per multi-row statement: at most 15 values a row, so 7,500 bound values, far below
/// SQLite's 32,766 (and the same SQL text, hence the same cached statement, for full chunks).
pub(super) const ROWS: usize = 500;

/// Reads the flows of `ids` in `org` with their current logic documents (the draft while
/// checked out), by id. Ids of other organizations are simply absent.
async fn read_batch(
    conn: &mut SqliteConnection,
    org: Uuid,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, (FlowRecord, Value)>, StoreError> {
    let mut qb = QueryBuilder::<Sqlite>::new(format!(
        "SELECT {FLOW_COLUMNS}, (SELECT v.document FROM flow_versions v \
         WHERE v.flow_id = flows.id AND v.number = COALESCE(flows.saved_version, \
         flows.checked_in_version, flows.published_version, flows.latest_version)) \
         AS current_document FROM flows WHERE org_id = "
    ));
    qb.push_bind(org.to_string()).push(" AND id IN (");
    let mut sep = qb.separated(", ");
    for id in ids {
        sep.push_bind(id.to_string());
    }
    qb.push(")");
    let rows = qb.build().fetch_all(&mut *conn).await?;
    let mut out = HashMap::with_capacity(rows.len());
    for row in rows {
        let rec = flow_from_row(&row)?;
        if row.opt_text("current_document")?.is_none() {
            return Err(StoreError::Backend(format!(
                "flow {} has no row for its current version",
                rec.id
            )));
        }
        let doc = json(&row, "current_document")?;
        out.insert(rec.id, (rec, doc));
    }
    Ok(out)
}

pub async fn edit_flows(
    pool: &SqlitePool,
    org: Uuid,
    client: Uuid,
    ids: &[Uuid],
    edit: &dyn FlowEdit,
) -> Result<Vec<EditResult>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let current = read_batch(&mut tx, org, ids).await?;
    let out = edit_batch(&mut *tx, org, client, ids, current, edit).await?;
    tx.commit().await?;
    Ok(out)
}

/// A new `flow_versions` row of a batch.
struct VersionRow {
    flow: String,
    number: i64,
    document: String,
    dialect: Option<&'static str>,
    kind: &'static str,
    client: Option<String>,
    published_ms: Option<i64>,
    /// Its dependency rows: (module, pin).
    deps: Vec<(String, Option<i64>)>,
}

/// The new `flows` row values of one flow of a batch.
struct FlowRow {
    id: String,
    name: String,
    name_key: String,
    description: Option<String>,
    description_key: Option<String>,
    error_handling: Option<String>,
    dialect: Option<&'static str>,
    active: i64,
    published: Option<i64>,
    saved: Option<i64>,
    checked_in: Option<i64>,
    latest: i64,
    published_ms: Option<i64>,
    expected: i64,
    client: Option<String>,
}

/// The batch's checked updates of non-module flows written set-based: per [`ROWS`] flows one
/// multi-row INSERT of the new versions, one of their dependency rows and one `UPDATE … FROM`
/// of the flow rows, conditional on `version` and the checkout lock exactly like a single
/// update. The flows as written, in order. The rows were read in this `BEGIN IMMEDIATE`
/// transaction, so every one matches; a miss aborts the batch.
pub(super) async fn write_updates(
    conn: &mut SqliteConnection,
    org: Uuid,
    items: Vec<(FlowRecord, CheckedUpdate)>,
) -> Result<Vec<FlowRecord>, StoreError> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let now = now_ms();
    let org_text = org.to_string();
    let mut versions = Vec::with_capacity(items.len());
    let mut rows = Vec::with_capacity(items.len());
    for (cur, c) in &items {
        let after = RowAfter::of(cur, c.logic.as_ref(), now);
        let id = cur.id.to_string();
        let client = c.client_id.map(|c| c.to_string());
        if let (Some(logic), Some(n)) = (&c.logic, after.new_version) {
            versions.push(VersionRow {
                flow: id.clone(),
                number: i64::from(n),
                document: json_text(&logic.document, "logic document")?,
                dialect: logic.dialect.map(Dialect::as_str),
                kind: logic.kind.as_str(),
                client: client.clone(),
                published_ms: (logic.kind == VersionKind::Publish).then_some(now),
                deps: dependency_rows(logic)
                    .into_iter()
                    .map(|(m, pin)| (m.to_string(), pin.map(i64::from)))
                    .collect(),
            });
        }
        let p = after.pointers;
        rows.push(FlowRow {
            id,
            name: c.name.clone(),
            name_key: c.name.to_lowercase(),
            description: c.description.clone(),
            description_key: c.description.as_ref().map(|d| d.to_lowercase()),
            error_handling: c.error_handling.clone(),
            dialect: after.dialect.map(Dialect::as_str),
            active: i64::from(p.active),
            published: p.published.map(i64::from),
            saved: p.saved.map(i64::from),
            checked_in: p.checked_in.map(i64::from),
            latest: i64::from(after.latest),
            published_ms: p.published_ms,
            expected: cur.version,
            client,
        });
    }
    for chunk in versions.chunks(ROWS) {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "INSERT INTO flow_versions (flow_id, number, org_id, document, dialect, kind, \
             created_ms, created_by_client, published_ms) ",
        );
        qb.push_values(chunk, |mut b, v| {
            b.push_bind(v.flow.as_str())
                .push_bind(v.number)
                .push_bind(org_text.as_str())
                .push_bind(v.document.as_str())
                .push_bind(v.dialect)
                .push_bind(v.kind)
                .push_bind(now)
                .push_bind(v.client.as_deref())
                .push_bind(v.published_ms);
        });
        qb.build().execute(&mut *conn).await?;
    }
    let deps: Vec<(&str, i64, &str, Option<i64>)> = versions
        .iter()
        .flat_map(|v| {
            v.deps
                .iter()
                .map(move |(m, pin)| (v.flow.as_str(), v.number, m.as_str(), *pin))
        })
        .collect();
    for chunk in deps.chunks(ROWS) {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "INSERT INTO flow_dependencies (org_id, consumer_id, consumer_version, module_id, \
             module_version) ",
        );
        qb.push_values(chunk, |mut b, (flow, n, module, pin)| {
            b.push_bind(org_text.as_str())
                .push_bind(*flow)
                .push_bind(*n)
                .push_bind(*module)
                .push_bind(*pin);
        });
        qb.build().execute(&mut *conn).await?;
    }
    let mut by_id = HashMap::with_capacity(rows.len());
    for chunk in rows.chunks(ROWS) {
        // The new values carry `u_` names: RETURNING reads the flow row's own columns.
        let mut qb = QueryBuilder::<Sqlite>::new(
            "WITH u(u_id, u_name, u_name_key, u_description, u_description_key, \
             u_error_handling, u_dialect, u_active, u_published, u_saved, u_checked_in, \
             u_latest, u_published_ms, u_expected, u_client) AS (",
        );
        qb.push_values(chunk, |mut b, r| {
            b.push_bind(r.id.as_str())
                .push_bind(r.name.as_str())
                .push_bind(r.name_key.as_str())
                .push_bind(r.description.as_deref())
                .push_bind(r.description_key.as_deref())
                .push_bind(r.error_handling.as_deref())
                .push_bind(r.dialect)
                .push_bind(r.active)
                .push_bind(r.published)
                .push_bind(r.saved)
                .push_bind(r.checked_in)
                .push_bind(r.latest)
                .push_bind(r.published_ms)
                .push_bind(r.expected)
                .push_bind(r.client.as_deref());
        });
        qb.push(
            ") UPDATE flows SET name = u_name, name_key = u_name_key, \
             description = u_description, description_key = u_description_key, \
             error_handling = u_error_handling, dialect = u_dialect, active = u_active, \
             published_version = u_published, saved_version = u_saved, \
             checked_in_version = u_checked_in, latest_version = u_latest, \
             published_ms = u_published_ms, modified_ms = ",
        );
        qb.push_bind(now)
            .push(", version = version + 1 FROM u WHERE flows.id = u_id AND flows.org_id = ")
            .push_bind(org_text.as_str())
            .push(
                " AND flows.version = u_expected AND (flows.locked_client_id IS NULL \
                 OR flows.locked_client_id = u_client) RETURNING ",
            )
            .push(FLOW_COLUMNS);
        for row in qb.build().fetch_all(&mut *conn).await? {
            let rec = flow_from_row(&row)?;
            by_id.insert(rec.id, rec);
        }
    }
    items
        .into_iter()
        .map(|(cur, c)| {
            by_id
                .remove(&cur.id)
                .ok_or_else(|| lost_race(c.expected_version, &cur))
        })
        .collect()
}
