//! Bulk logic edits on SQLite ([`crate::Store::edit_flows`]): one writer transaction (one
//! commit, so one fsync) for the whole batch. The batch's rows and current documents are read
//! in one statement; `rules::batch` then edits, checks and writes each flow by the same rules
//! as a single update. A batch without modules is written by [`write_updates`] in three
//! statements per [`ROWS`] flows.

use std::collections::HashMap;

use rusqlite::types::Value;
use rusqlite::Connection;
use uuid::Uuid;

use super::flow_writes::role_values;
use super::lite::{now, opt_int, opt_str, text, Lite, Sql};
use crate::bulk::{EditResult, FlowEdit};
use crate::error::StoreError;
use crate::records::{Dialect, FlowRecord, VersionKind};
use crate::rows::{flow_from_row, now_ms, Columns, FLOW_COLUMNS};
use crate::rules::batch::edit_batch;
use crate::rules::checks::lost_race;
use crate::rules::pointers::{dependency_rows, DependencyRoles, RowAfter};
use crate::rules::CheckedUpdate;

/// Rows per multi-row statement: at most 15 values a row, so 7,500 bound values, far below
/// SQLite's 32,766 (and the same SQL text, hence the same cached statement, for full chunks).
pub(super) const ROWS: usize = 500;

/// Reads the flows of `ids` in `org` with their current logic documents (the draft while
/// checked out), by id. Ids of other organizations are simply absent.
fn read_batch(
    conn: &Connection,
    org: Uuid,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, (FlowRecord, String)>, StoreError> {
    let mut sql = Sql::new(format!(
        "SELECT {FLOW_COLUMNS}, (SELECT v.document FROM flow_versions v \
         WHERE v.flow_id = flows.id AND v.number = COALESCE(flows.saved_version, \
         flows.checked_in_version, flows.published_version, flows.latest_version)) \
         AS current_document FROM flows WHERE id IN "
    ));
    // `+org_id`: look the ids up by primary key (see `flow_writes::call_targets`).
    sql.ids(ids).push(" AND +org_id = ").bind(text(org));
    let rows = sql.rows(conn, |row| {
        let rec = flow_from_row(row)?;
        // Decoded by the edit threads (`rules::batch`), not on the writer.
        let Some(doc) = row.opt_text("current_document")? else {
            return Err(StoreError::Backend(format!(
                "flow {} has no row for its current version",
                rec.id
            )));
        };
        Ok((rec, doc))
    })?;
    Ok(rows
        .into_iter()
        .map(|(rec, doc)| (rec.id, (rec, doc)))
        .collect())
}

pub(super) fn edit_flows(
    conn: &mut Connection,
    org: Uuid,
    client: Uuid,
    ids: &[Uuid],
    edit: &dyn FlowEdit,
) -> Result<Vec<EditResult>, StoreError> {
    let mut out = Vec::with_capacity(ids.len());
    // At most SQLite's bound-variable limit per read.
    let current = {
        let mut current = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(READ_CHUNK) {
            current.extend(read_batch(conn, org, chunk)?);
        }
        current
    };
    out.extend(now(edit_batch(
        &mut Lite(conn),
        org,
        client,
        ids,
        current,
        edit,
    ))??);
    Ok(out)
}

/// Ids per read of [`read_batch`] (SQLite binds at most 32,766 values a statement).
const READ_CHUNK: usize = 10_000;

/// A new `flow_versions` row of a batch.
struct VersionRow {
    flow: String,
    /// Its flow's place in the batch (and in the rows written).
    item: usize,
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
    /// Whether the name or description changes (see [`write_updates`]).
    renamed: bool,
}

/// The batch's checked updates of non-module flows written set-based: per [`ROWS`] flows one
/// multi-row INSERT of the new versions, one of their dependency rows and one `UPDATE … FROM`
/// of the flow rows, conditional on `version` and the checkout lock exactly like a single
/// update. The flows as written, in order. The rows were read in this `BEGIN IMMEDIATE`
/// transaction, so every one matches; a miss aborts the batch.
pub(super) fn write_updates(
    conn: &Connection,
    org: Uuid,
    mut items: Vec<(FlowRecord, CheckedUpdate)>,
) -> Result<Vec<FlowRecord>, StoreError> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let now = now_ms();
    let org_text = org.to_string();
    let mut versions = Vec::with_capacity(items.len());
    let mut rows = Vec::with_capacity(items.len());
    for (item, (cur, c)) in items.iter_mut().enumerate() {
        let after = RowAfter::of(cur, c.logic.as_ref(), now);
        let id = cur.id.to_string();
        let client = c.client_id.map(|c| c.to_string());
        let document = c.take_document_text()?;
        if let (Some(logic), Some(document), Some(n)) = (&c.logic, document, after.new_version) {
            versions.push(VersionRow {
                flow: id.clone(),
                item,
                number: i64::from(n),
                document,
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
            renamed: c.name != cur.name || c.description != cur.description,
        });
    }
    let mut by_id = HashMap::with_capacity(rows.len());
    for chunk in rows.chunks(ROWS) {
        // The new values carry `u_` names: RETURNING reads the flow row's own columns.
        let mut sql = Sql::new(
            "WITH u(u_id, u_name, u_name_key, u_description, u_description_key, \
             u_error_handling, u_dialect, u_active, u_published, u_saved, u_checked_in, \
             u_latest, u_published_ms, u_expected, u_client) AS (VALUES ",
        );
        for (i, r) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.tuple([
                Value::Text(r.id.clone()),
                Value::Text(r.name.clone()),
                Value::Text(r.name_key.clone()),
                opt_str(r.description.as_deref()),
                opt_str(r.description_key.as_deref()),
                opt_str(r.error_handling.as_deref()),
                opt_str(r.dialect),
                Value::Integer(r.active),
                opt_int(r.published),
                opt_int(r.saved),
                opt_int(r.checked_in),
                Value::Integer(r.latest),
                opt_int(r.published_ms),
                Value::Integer(r.expected),
                opt_str(r.client.as_deref()),
            ]);
        }
        sql.push(") UPDATE flows SET ");
        // SQLite rewrites the entry of every index on a column the SET list names, changed or
        // not: names and descriptions only when one of the chunk's flows changes them (a link
        // never does), so the unique-name index is left alone.
        if chunk.iter().any(|r| r.renamed) {
            sql.push(
                "name = u_name, name_key = u_name_key, description = u_description, \
                 description_key = u_description_key, ",
            );
        }
        sql.push(
            "error_handling = u_error_handling, dialect = u_dialect, active = u_active, \
             published_version = u_published, saved_version = u_saved, \
             checked_in_version = u_checked_in, latest_version = u_latest, \
             published_ms = u_published_ms, modified_ms = ",
        );
        sql.bind(now)
            .push(", version = version + 1 FROM u WHERE flows.id = u_id AND flows.org_id = ")
            .bind(Value::Text(org_text.clone()))
            .push(
                " AND flows.version = u_expected AND (flows.locked_client_id IS NULL \
                 OR flows.locked_client_id = u_client) RETURNING ",
            )
            .push(FLOW_COLUMNS);
        for rec in sql.rows(conn, |r| flow_from_row(r))? {
            by_id.insert(rec.id, rec);
        }
    }
    let written = items
        .into_iter()
        .map(|(cur, c)| {
            by_id
                .remove(&cur.id)
                .ok_or_else(|| lost_race(c.expected_version, &cur))
        })
        .collect::<Result<Vec<_>, _>>()?;
    // The versions' dependency rows come after the rows' new pointers: they are described as
    // the rows end up, and the pointer trigger had none of them to flip.
    for chunk in versions.chunks_mut(ROWS) {
        let mut sql = Sql::new(
            "INSERT INTO flow_versions (flow_id, number, org_id, document, dialect, kind, \
             created_ms, created_by_client, published_ms) VALUES ",
        );
        for (i, v) in chunk.iter_mut().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.tuple([
                Value::Text(v.flow.clone()),
                Value::Integer(v.number),
                Value::Text(org_text.clone()),
                // Written once: the text moves into the statement.
                Value::Text(std::mem::take(&mut v.document)),
                opt_str(v.dialect),
                Value::Text(v.kind.into()),
                Value::Integer(now),
                opt_str(v.client.as_deref()),
                opt_int(v.published_ms),
            ]);
        }
        sql.execute(conn)?;
    }
    // Described from the rows as written, so the describe trigger skips them (migration 0006).
    let roles = versions
        .iter()
        .map(|v| match (written.get(v.item), u32::try_from(v.number)) {
            (Some(consumer), Ok(n)) => Ok(DependencyRoles::of(consumer, n)),
            _ => Err(StoreError::Backend(
                "a bulk edit's version lost its flow".into(),
            )),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let deps: Vec<(&str, i64, &str, Option<i64>, &DependencyRoles)> = versions
        .iter()
        .zip(&roles)
        .flat_map(|(v, roles)| {
            v.deps
                .iter()
                .map(move |(m, pin)| (v.flow.as_str(), v.number, m.as_str(), *pin, roles))
        })
        .collect();
    for chunk in deps.chunks(ROWS) {
        let mut sql = Sql::new(
            "INSERT INTO flow_dependencies (org_id, consumer_id, consumer_version, module_id, \
             module_version, consumer_type, consumer_name_key, in_published, in_checked_in, \
             in_current) VALUES ",
        );
        for (i, (flow, n, module, pin, roles)) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            let call = [
                Value::Text(org_text.clone()),
                Value::Text((*flow).into()),
                Value::Integer(*n),
                Value::Text((*module).into()),
                opt_int(*pin),
            ];
            sql.tuple(call.into_iter().chain(role_values(roles)));
        }
        sql.execute(conn)?;
    }
    Ok(written)
}
