//! The one error type of the storage layer. The server maps each variant to an HTTP answer in
//! one place; nothing here knows about HTTP.

use flowlink_api::FlowType;
use uuid::Uuid;

/// A flow whose current logic calls a module (reported when deleting that module).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consumer {
    pub flow_id: Uuid,
    pub name: String,
    pub flow_type: FlowType,
    /// The consumer's logic version that makes the call.
    pub version: u32,
    /// The module version the call is pinned to; `None` floats.
    pub pinned_version: Option<u32>,
}

/// Why a write conflicts with the current state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// The write carried `version` = `expected` but the flow is at `current`.
    StaleVersion { expected: i64, current: i64 },
    /// Another live flow of the same organization and type already has this name
    /// (case-insensitive).
    DuplicateName { flow_type: FlowType, name: String },
    /// The flow is checked out by another OAuth client.
    Locked { client_id: Uuid },
}

/// One problem in an invalid write, tied to the entity (node, module id) concerned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvalidDetail {
    pub code: String,
    pub entity_id: Option<String>,
    pub entity_name: Option<String>,
    pub field: Option<String>,
    pub message: String,
}

/// Everything a store operation can fail with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// No such object in this organization (or it belongs to another one).
    #[error("not found")]
    NotFound,
    /// The flow exists but was soft-deleted.
    #[error("flow has been deleted")]
    Gone,
    #[error("conflict: {0:?}")]
    Conflict(Conflict),
    /// A module cannot be deleted while these flows still call it.
    #[error("module is in use by {} flow(s)", consumers.len())]
    InUse { consumers: Vec<Consumer> },
    /// The write is well-formed but refers to things that do not exist or would break an
    /// invariant (unknown module, missing pinned version, module call cycle).
    #[error("{message}")]
    Invalid {
        message: String,
        details: Vec<InvalidDetail>,
    },
    /// The database cannot be reached or is not answering now (connection refused or lost, pool
    /// timed out, PostgreSQL shutting down or restarting, SQLite still busy after its busy
    /// timeout, an I/O error): the request may succeed later. Nothing was written. The text is
    /// for the log, never for the client.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The database refused a write for lack of space (SQLite `SQLITE_FULL`, PostgreSQL
    /// `53100 disk_full`); the write was rolled back and the data is intact. The text is for
    /// the log, never for the client.
    #[error("storage full: {0}")]
    StorageFull(String),
    /// The database failed; the text is for the log, never for the client.
    #[error("storage backend error: {0}")]
    Backend(String),
}

impl StoreError {
    /// An `Invalid` error with a single detail whose message is also the summary.
    pub fn invalid(detail: InvalidDetail) -> Self {
        StoreError::Invalid {
            message: detail.message.clone(),
            details: vec![detail],
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            other => match classify(&other) {
                Some(Fault::Unavailable) => StoreError::Unavailable(other.to_string()),
                Some(Fault::Full) => StoreError::StorageFull(other.to_string()),
                None => StoreError::Backend(other.to_string()),
            },
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        let fault = match &e {
            rusqlite::Error::QueryReturnedNoRows => return StoreError::NotFound,
            rusqlite::Error::SqliteFailure(f, _) => classify_code(&f.extended_code.to_string()),
            _ => None,
        };
        match fault {
            Some(Fault::Unavailable) => StoreError::Unavailable(e.to_string()),
            Some(Fault::Full) => StoreError::StorageFull(e.to_string()),
            None => StoreError::Backend(e.to_string()),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        let fault = match &e {
            sqlx::migrate::MigrateError::Execute(inner)
            | sqlx::migrate::MigrateError::ExecuteMigration(inner, _) => classify(inner),
            _ => None,
        };
        let text = format!("migration failed: {e}");
        match fault {
            Some(Fault::Unavailable) => StoreError::Unavailable(text),
            Some(Fault::Full) => StoreError::StorageFull(text),
            None => StoreError::Backend(text),
        }
    }
}

/// The two database faults a client can do something about (wait and retry; free space).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Unavailable,
    Full,
}

/// PostgreSQL SQLSTATEs of a database that is going away or not reachable: class 08
/// (connection exception), 57P01 `admin_shutdown`, 57P02 `crash_shutdown`, 57P03
/// `cannot_connect_now` (starting up or in recovery), 53300 `too_many_connections`, 57014
/// `query_canceled` (a statement past its timeout).
fn pg_unavailable(code: &str) -> bool {
    code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "53300" | "57014")
}

/// Which fault, if any, `e` is. PostgreSQL reports a five-character SQLSTATE; SQLite its
/// extended result code as decimal text (at most four digits), whose low byte is the primary
/// code (5 `BUSY`, 6 `LOCKED`, 10 `IOERR`, 13 `FULL`, 14 `CANTOPEN`).
fn classify(e: &sqlx::Error) -> Option<Fault> {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => Some(Fault::Unavailable),
        sqlx::Error::Database(db) => classify_code(&db.code()?),
        _ => None,
    }
}

/// The fault a database error code names, if any (see [`classify`]).
fn classify_code(code: &str) -> Option<Fault> {
    if code.len() == 5 {
        return match code {
            "53100" => Some(Fault::Full),
            c if pg_unavailable(c) => Some(Fault::Unavailable),
            _ => None,
        };
    }
    match code.parse::<i64>().ok()? & 0xff {
        13 => Some(Fault::Full),
        5 | 6 | 10 | 14 => Some(Fault::Unavailable),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lost_connections_and_pool_timeouts_are_unavailable() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        for e in [
            sqlx::Error::Io(io),
            sqlx::Error::PoolTimedOut,
            sqlx::Error::PoolClosed,
        ] {
            assert!(
                matches!(StoreError::from(e), StoreError::Unavailable(_)),
                "classified as unavailable"
            );
        }
    }

    #[test]
    fn codes_name_their_fault() {
        for (code, fault) in [
            ("13", Some(Fault::Full)),
            ("5", Some(Fault::Unavailable)),
            ("517", Some(Fault::Unavailable)), // SQLITE_BUSY_SNAPSHOT
            ("778", Some(Fault::Unavailable)), // SQLITE_IOERR_WRITE
            ("2067", None),                    // SQLITE_CONSTRAINT_UNIQUE
            ("53100", Some(Fault::Full)),
            ("57P01", Some(Fault::Unavailable)),
            ("08006", Some(Fault::Unavailable)),
            ("23505", None),
            ("40001", None),
        ] {
            assert_eq!(classify_code(code), fault, "{code}");
        }
    }
}
