//! The writer's statements, on `rusqlite`: a small SQL builder with bound values, rows decoded
//! by the backend-neutral `crate::rows`, error classification, and the [`RuleTx`] statements
//! the rules run inside a write transaction.
//!
//! The rules are `async` (PostgreSQL awaits its server); on the writer every statement is a
//! plain function call, so their futures are ready at the first poll ([`now`]).

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::task::{Context, Poll, Waker};

use async_trait::async_trait;
use rusqlite::types::Value;
use rusqlite::{Connection, Row};
use uuid::Uuid;

use crate::error::{Consumer, StoreError};
use crate::records::{ConsumerFilter, FlowRecord, ModuleEdge, ModuleRef};
use crate::rows::{corrupt, parse_uuid, Columns, DbRow};
use crate::rules::{CheckedUpdate, RuleTx, Target};

/// Runs a rule's future to its end on this thread. Every [`RuleTx`] statement of [`Lite`] is
/// synchronous, so a rule never waits; one that did would be a bug, reported as such.
pub(super) fn now<F: Future>(f: F) -> Result<F::Output, StoreError> {
    let mut f = std::pin::pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => Ok(out),
        Poll::Pending => Err(StoreError::Backend(
            "a store rule waited inside a SQLite write transaction".into(),
        )),
    }
}

/// SQL text with its bound values, built like sqlx's `QueryBuilder`.
#[derive(Debug, Default)]
pub(super) struct Sql {
    text: String,
    values: Vec<Value>,
}

impl Sql {
    pub(super) fn new(text: impl Into<String>) -> Self {
        Sql {
            text: text.into(),
            values: Vec::new(),
        }
    }

    /// SQL text whose `?` placeholders are already written, with their values.
    pub(super) fn with_values(text: impl Into<String>, values: Vec<Value>) -> Self {
        Sql {
            text: text.into(),
            values,
        }
    }

    /// Appends SQL text.
    pub(super) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub(super) fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.text.push('?');
        self.values.push(value.into());
        self
    }

    /// Appends `(?, ?, …)` bound to `values`.
    pub(super) fn tuple(&mut self, values: impl IntoIterator<Item = Value>) -> &mut Self {
        self.text.push('(');
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.bind(v);
        }
        self.text.push(')');
        self
    }

    /// Appends `(?, ?, …)` bound to the text of each id (an `IN` list).
    pub(super) fn ids<'a>(&mut self, ids: impl IntoIterator<Item = &'a Uuid>) -> &mut Self {
        self.tuple(ids.into_iter().map(|id| Value::Text(id.to_string())))
    }

    /// Runs the statement; the number of rows it changed.
    pub(super) fn execute(&self, conn: &Connection) -> Result<usize, rusqlite::Error> {
        conn.prepare_cached(&self.text)?
            .execute(rusqlite::params_from_iter(&self.values))
    }

    /// Runs the statement and decodes every row it returns.
    pub(super) fn rows<T>(
        &self,
        conn: &Connection,
        mut decode: impl FnMut(&LiteRow<'_, '_>) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let mut stmt = conn.prepare_cached(&self.text)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(&self.values))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(decode(&LiteRow(row))?);
        }
        Ok(out)
    }

    /// The first row the statement returns, decoded; `NotFound` when there is none.
    pub(super) fn row<T>(
        &self,
        conn: &Connection,
        decode: impl FnOnce(&LiteRow<'_, '_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.opt_row(conn, decode)?.ok_or(StoreError::NotFound)
    }

    /// The first row the statement returns, decoded, if any.
    pub(super) fn opt_row<T>(
        &self,
        conn: &Connection,
        decode: impl FnOnce(&LiteRow<'_, '_>) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        self.opt_row_or(conn, decode, StoreError::from)
    }

    /// [`Self::opt_row`], handing a failing statement's own error to `failed` (which tells
    /// one constraint from another).
    pub(super) fn opt_row_or<T>(
        &self,
        conn: &Connection,
        decode: impl FnOnce(&LiteRow<'_, '_>) -> Result<T, StoreError>,
        failed: impl FnOnce(rusqlite::Error) -> StoreError,
    ) -> Result<Option<T>, StoreError> {
        let mut stmt = conn.prepare_cached(&self.text)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(&self.values))?;
        match rows.next() {
            Ok(Some(row)) => Ok(Some(decode(&LiteRow(row))?)),
            Ok(None) => Ok(None),
            Err(e) => Err(failed(e)),
        }
    }
}

/// Text of an id, as SQLite stores ids.
pub(super) fn text(id: Uuid) -> Value {
    Value::Text(id.to_string())
}

/// Text of an optional id.
pub(super) fn opt_text(id: Option<Uuid>) -> Value {
    id.map_or(Value::Null, text)
}

/// An optional integer.
pub(super) fn opt_int(v: Option<i64>) -> Value {
    v.map_or(Value::Null, Value::Integer)
}

/// An optional string.
pub(super) fn opt_str(v: Option<&str>) -> Value {
    v.map_or(Value::Null, |s| Value::Text(s.to_string()))
}

/// A row of the writer's connection, decoded by `crate::rows` like sqlx's rows.
pub(super) struct LiteRow<'a, 'r>(&'a Row<'r>);

impl LiteRow<'_, '_> {
    fn get<T: rusqlite::types::FromSql>(&self, col: &str) -> Result<T, StoreError> {
        self.0.get(col).map_err(|e| corrupt(col, e))
    }
}

impl Columns for LiteRow<'_, '_> {
    fn text(&self, col: &str) -> Result<String, StoreError> {
        self.get(col)
    }
    fn opt_text(&self, col: &str) -> Result<Option<String>, StoreError> {
        self.get(col)
    }
    fn int(&self, col: &str) -> Result<i64, StoreError> {
        self.get(col)
    }
    fn opt_int(&self, col: &str) -> Result<Option<i64>, StoreError> {
        self.get(col)
    }
    fn bytes(&self, col: &str) -> Result<Vec<u8>, StoreError> {
        self.get(col)
    }
    fn opt_bytes(&self, col: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.get(col)
    }
}

impl DbRow for LiteRow<'_, '_> {
    fn opt_uuid(&self, col: &str) -> Result<Option<Uuid>, StoreError> {
        parse_uuid(col, self.get(col)?)
    }
    fn flag(&self, col: &str) -> Result<bool, StoreError> {
        Ok(self.get::<i64>(col)? != 0)
    }
    fn scopes(&self, col: &str) -> Result<Vec<String>, StoreError> {
        Ok(super::rows::scopes_from_text(&self.get::<String>(col)?))
    }
}

/// The extended result code of a failed statement, if SQLite reported one.
fn extended_code(e: &rusqlite::Error) -> Option<i32> {
    match e {
        rusqlite::Error::SqliteFailure(f, _) => Some(f.extended_code),
        _ => None,
    }
}

/// Whether `e` is a UNIQUE (or primary key) violation.
pub(super) fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(
        extended_code(e),
        Some(rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
    )
}

/// Whether `e` is a FOREIGN KEY violation (an unknown organization or flow: "not found").
pub(super) fn is_foreign_key_violation(e: &rusqlite::Error) -> bool {
    extended_code(e) == Some(rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY)
}

/// Whether `e` is the flows' unique name index refusing a name (not another unique key).
pub(super) fn is_duplicate_name(e: &rusqlite::Error) -> bool {
    is_unique_violation(e)
        && matches!(e, rusqlite::Error::SqliteFailure(_, Some(msg)) if msg.contains("flows.name_key"))
}

/// The writer's connection inside an open transaction, as the rules see it.
pub(super) struct Lite<'c>(pub(super) &'c mut Connection);

#[async_trait]
impl RuleTx for Lite<'_> {
    type Error = StoreError;

    async fn call_targets(
        &mut self,
        org: Uuid,
        ids: &BTreeSet<Uuid>,
    ) -> Result<HashMap<Uuid, Target>, StoreError> {
        super::flow_writes::call_targets(self.0, org, ids)
    }
    async fn module_edges(&mut self, org: Uuid) -> Result<Vec<ModuleEdge>, StoreError> {
        super::flow_writes::module_edges_in(self.0, org)
    }
    async fn module_consumers(
        &mut self,
        org: Uuid,
        module: Uuid,
        filter: ConsumerFilter,
    ) -> Result<Vec<Consumer>, StoreError> {
        super::flow_writes::module_consumers_in(self.0, org, module, filter)
    }
    async fn version_calls(
        &mut self,
        org: Uuid,
        id: Uuid,
        n: u32,
    ) -> Result<Vec<ModuleRef>, StoreError> {
        super::flow_writes::version_calls(self.0, org, id, n)
    }
    async fn write_update(
        &mut self,
        org: Uuid,
        cur: &FlowRecord,
        checked: CheckedUpdate,
    ) -> Result<FlowRecord, StoreError> {
        super::flow_writes::write_update(self.0, org, cur, checked)
    }
    async fn write_updates(
        &mut self,
        org: Uuid,
        items: Vec<(FlowRecord, CheckedUpdate)>,
    ) -> Result<Vec<FlowRecord>, StoreError> {
        super::bulk_link::write_updates(self.0, org, items)
    }
    fn refusal(e: StoreError) -> Result<StoreError, StoreError> {
        if crate::rules::batch::fails_flow_alone(&e) {
            Ok(e)
        } else {
            Err(e)
        }
    }
}
