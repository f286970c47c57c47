//! Archy YAML through the API (SPEC §9, issue 11): the flow jobs API driven the way the
//! Terraform provider drives it, the export jobs, and `archy` on the flow paths (module calls
//! by name, dependencies, simulated calls, bulk link).

// Tests may unwrap: a panic there is a test failure with a message, which is the point.
#![allow(clippy::unwrap_used)]

#[path = "../server/common.rs"]
#[allow(dead_code)]
mod common;
mod support;

mod archy_flows;
mod corpus;
mod export;
mod import;
