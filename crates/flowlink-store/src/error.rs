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
            other => StoreError::Backend(other.to_string()),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        StoreError::Backend(format!("migration failed: {e}"))
    }
}
