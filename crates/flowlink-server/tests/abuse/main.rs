//! Bad *behaviour* against the real server (issue 13 items 1 and 2): floods of wrong client
//! secrets, legacy (argon2) hashes of an earlier release, slow and greedy connections. The
//! figures asserted are counts and statuses, never times: a request either succeeds while the
//! abuse goes on or the test fails.

// Tests may unwrap: a panic there is a test failure with a message (the shared harness does).
#![allow(clippy::unwrap_used)]

// The server harness is shared with the `server` test target; not every helper is used here.
#[allow(dead_code)]
#[path = "../server/common.rs"]
mod common;

mod connections;
mod flood;
mod logins;
mod support;
