//! End-to-end tests of the platform server over real HTTP (issue 2 "Done when").

// Tests may unwrap: a panic there is a test failure with a message, which is the point.
#![allow(clippy::unwrap_used)]

mod bulk_link;
mod common;
mod concurrency;
mod errors;
mod isolation;
mod listing;
mod logic;
mod oauth;
mod observability;
mod persistence;
mod snapshots;
