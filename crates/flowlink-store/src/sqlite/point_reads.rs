//! Reads of one row by key (a flow, a version) on read-only `rusqlite` connections, run on the
//! calling thread like the writer's statements.
//!
//! Why not the sqlx reader pool: each sqlx-sqlite statement is a hand-off to the connection's
//! worker thread and a wake-up back, which for a primary-key read costs several times the read
//! (under `flowlink link --per-flow` the reader threads' share of the server's CPU was about a
//! fifth). These reads take microseconds and, in WAL mode, never wait for the writer, so they
//! run in place. Listings and other multi-row reads stay on the sqlx pool.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use uuid::Uuid;

use super::lite::{text, Sql};
use crate::error::StoreError;
use crate::records::{FlowRecord, FlowVersionRecord};
use crate::rows::{version_from_row, VERSION_COLUMNS};

/// Idle connections kept at most (more are opened under load and closed after).
const IDLE: usize = 4;

/// Read-only connections to one database file, opened on demand and reused.
pub(super) struct PointReads {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for PointReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PointReads")
            .field("path", &self.path)
            .finish()
    }
}

impl PointReads {
    pub(super) fn new(path: &Path) -> Self {
        PointReads {
            path: path.to_path_buf(),
            idle: Mutex::new(Vec::new()),
        }
    }

    /// The row of flow `id` of `org`, deleted or not.
    pub(super) fn flow(&self, org: Uuid, id: Uuid) -> Result<FlowRecord, StoreError> {
        self.with(|conn| super::flow_writes::fetch_flow(conn, org, id))
    }

    /// Version `number` of flow `flow` of `org`.
    pub(super) fn version(
        &self,
        org: Uuid,
        flow: Uuid,
        number: u32,
    ) -> Result<FlowVersionRecord, StoreError> {
        self.with(|conn| {
            let mut sql = Sql::new(format!(
                "SELECT {VERSION_COLUMNS} FROM flow_versions WHERE flow_id = "
            ));
            sql.bind(text(flow))
                .push(" AND org_id = ")
                .bind(text(org))
                .push(" AND number = ")
                .bind(i64::from(number));
            sql.row(conn, |r| version_from_row(r))
        })
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let reused = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let conn = match reused {
            Some(conn) => conn,
            None => connect(&self.path)?,
        };
        let result = f(&conn);
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < IDLE {
                idle.push(conn);
            }
        }
        result
    }
}

fn connect(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.set_prepared_statement_cache_capacity(16);
    Ok(conn)
}
