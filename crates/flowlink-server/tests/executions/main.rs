//! Simulated calls over real HTTP (issue 3 "Done when"): the seeds' scenario end to end,
//! branching, failure paths, limits, the execution API's shapes, and file fixtures run by one
//! helper, one named test per file (`fixtures/*.json`).

// Tests may unwrap: a panic there is a test failure with a message (the shared harness does).
#![allow(clippy::unwrap_used)]

// The server harness is shared with the `server` test target; not every helper is used here.
#[allow(dead_code)]
#[path = "../server/common.rs"]
mod common;

mod api;
mod failures;
mod fixtures;
mod limits;
mod scenario;
mod snapshot;
mod support;
