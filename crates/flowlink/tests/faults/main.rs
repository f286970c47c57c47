//! The fault suite (issue 13): the real `flowlink serve` process under faults of its
//! surroundings, each test bounded in time, loopback only, printing its figures.
//!
//! - `pg_restart`: a dedicated throw-away PostgreSQL (initdb into a temp dir, never the shared
//!   test server) restarted under eight concurrent linkers, and a replica started before its
//!   database;
//! - `full_disk`: the SQLite data dir on a small tmpfs filled until the store refuses;
//! - `sigterm_load`: SIGTERM in the middle of concurrent writes.
//!
//! The bad-secret flood and the 2,000-connection slowloris run in-process in
//! `crates/flowlink-server/tests/abuse` (they need no process of their own).

// Tests may unwrap: a panic there is a test failure with a message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/serve_process.rs"]
mod serve_process;

mod full_disk;
mod pg;
mod pg_restart;
mod sigterm_load;
mod support;
