//! The publishing lifecycle and exact dependency tracking over real HTTP (issue 5 "Done when"):
//! checkout races, drafts that run nowhere until published, checkin, revert, admin-only unlock,
//! deactivate, every dependency-tracking endpoint with floating and pinned callers across
//! versions, and delete protection.

// Tests may unwrap: a panic there is a test failure with a message (the shared harness does).
#![allow(clippy::unwrap_used)]

// The server harness is shared with the `server` test target; not every helper is used here.
#[allow(dead_code)]
#[path = "../server/common.rs"]
mod common;

mod actions;
mod delete;
mod dependencies;
mod drafts;
mod locks;
mod support;
