//! Hostile input against the real server (issue 7 item 4): malformed, oversized and mistyped
//! bodies, metacharacters in filters, garbage and traversal in ids, absurd paging, forged,
//! expired and foreign tokens, and racing deletes and writes. Every case gets a Genesys
//! `ErrorBody` with its status, code and `ININ-Correlation-Id`, never a 500, and changes
//! nothing: the organization's flows, their logic and versions are re-read and compared.

// Tests may unwrap: a panic there is a test failure with a message (the shared harness does).
#![allow(clippy::unwrap_used)]

// The server harness is shared with the `server` test target; not every helper is used here.
#[allow(dead_code)]
#[path = "../server/common.rs"]
mod common;

mod bodies;
mod ids;
mod queries;
mod races;
mod support;
mod tokens;
