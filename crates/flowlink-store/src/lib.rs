//! Persistence for flowlink: the [`Store`] trait every backend implements, the records it
//! reads and writes, and [`StoreError`].
//!
//! Only this crate knows SQL. Handlers talk to `dyn Store`, so a PostgreSQL backend can be
//! added beside [`sqlite::SqliteStore`] without touching them. Invariants every backend keeps:
//! - every query about tenant data is scoped by organization id (another organization's rows
//!   are indistinguishable from absent ones: `NotFound`);
//! - the optimistic lock is a conditional write in the database (`... WHERE version = ?`), not
//!   process memory, so it holds across replicas;
//! - a flow version and its rows in the dependency index are written in one transaction;
//! - a rejected write changes nothing; an acknowledged write is durable.

// Tests may unwrap: a panic there is a test failure with a message, which is the point.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod bulk;
pub mod error;
pub mod jobs;
pub mod lifecycle;
pub mod like;
pub mod open;
pub mod postgres;
pub mod records;
mod rows;
mod rules;
mod sql;
pub mod sqlite;
mod store;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use bulk::{EditFailure, EditOutcome, EditRefusal, EditResult, EditedLogic, FlowEdit};
pub use error::{Conflict, Consumer, InvalidDetail, StoreError};
pub use jobs::{JobKind, JobRecord, JobStatus, JobStore};
pub use lifecycle::{ConsumerQuery, StaleDependency, StaleKind};
pub use open::{open_store, StoreLocation};
pub use postgres::{DatabaseUrl, PostgresStore};
pub use records::*;
pub use sqlite::SqliteStore;
pub use store::{LinkGuard, NoLinkGuard, Store};

/// Result alias for store operations.
pub type StoreResult<T> = Result<T, StoreError>;
