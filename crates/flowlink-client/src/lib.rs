//! A typed async client for flowlink (and the Genesys Cloud Platform API subset it speaks).
//!
//! [`Client`] logs in with client credentials and caches the token (renewed 60 s before expiry,
//! one renewal at a time), decodes Genesys `ErrorBody`s into [`ClientError`], waits out 429s
//! (`Retry-After`, shared by every request of the client), retries idempotent requests on 5xx,
//! and pages listings to the end. [`Client::update_flow_with`] is the optimistic-concurrency
//! helper (409 → re-read, re-apply, retry). On top sit the seeds' operations:
//! [`Client::create_module`], [`Client::set_logic`], [`Client::link_module`] and
//! [`Client::unlink_module`] over many flows at once.

// Tests unwrap freely: a panic there is a failed test, not a crash.
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod bulk_link;
mod client;
mod error;
mod executions;
mod flows;
mod jobs;
mod lifecycle;
mod logic;
mod ops;
mod query;
mod retry;
mod token;
mod update;

#[cfg(test)]
mod mock_tests;

pub use bulk_link::BULK_CHUNK;
pub use client::{Client, StatsSnapshot};
pub use error::ClientError;
pub use flows::Collection;
pub use jobs::{Imported, JOB_TIMEOUT};
pub use lifecycle::{FlowFilter, PublishImpact};
pub use logic::{wire_logic, LogicDoc};
pub use ops::{
    BulkReport, FlowResult, FlowStatus, LinkOptions, Progress, Targets, DEFAULT_CONCURRENCY,
};
pub use query::FlowQuery;
pub use retry::{parse_retry_after, RetryPolicy};
pub use token::RENEW_BEFORE_EXPIRY;
pub use update::{Update, UpdateOutcome};

pub use flowlink_api as api;
