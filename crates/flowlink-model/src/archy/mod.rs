//! Archy YAML, the third dialect (SPEC §9): flows as code.
//!
//! A file is read in three steps: [`substitute`] (`{{key}}` as plain text), [`yaml`] (a tree
//! that keeps line:column), [`parse_archy`] (the tree into the canonical [`FlowLogic`](crate::FlowLogic)).
//!
//! # How a file becomes a graph
//! - Node 0 is the document itself ([`ArchyOp::Flow`], type name = the root key): it keeps every
//!   top-level field but the containers, and has one `Named("<container key>")` edge per
//!   container, in file order. The engine never runs it.
//! - Each container (`- task:`, `- menu:`, `- state:`, `- bot:`, `startUpTaskActions`) is a node
//!   whose `default` edge leads to its first action (a menu: one edge per choice, `dtmf:N` for a
//!   choice with a digit). Jumps name containers by node index.
//! - Each action is a node. Its `default` edge leads to what follows it — the next action, else
//!   what follows the enclosing branch, else nothing (the end of the container). Every nested
//!   action list inside an action (an output's `actions`, a switch case, a loop body, an inline
//!   `task`) is removed from the stored fields and becomes an edge to its first action, named by
//!   its path: `outputs.yes` → `true`, `outputs.no` → `false`, `outputs.success|failure|timeout`
//!   → those outcomes, `outputs.digit_N` → `dtmf:N`, `outputs.<x>` → `Named(x)`, anything else
//!   → `Named("@<path>")` (e.g. `@evaluate.firstTrue.cases.0.case`, a menu task's `@task`).
//! - The entry is the `initialGreeting` prompt (if any), whose `default` edge leads to the
//!   start-up container (`startUpRef`, else `startUpTaskActions`, else the first container).
//!
//! Export ([`export_archy`]) walks the same structure back; for logic from the JSON dialects it
//! generates one task per shared node. Link/unlink ([`link_archy`], [`unlink_archy`]) edit the
//! text in place using the positions of the parsed tree.

pub mod expr;

mod behavior;
mod error;
mod export;
mod export_json;
mod link;
mod modules;
mod node;
mod ops;
mod parse;
mod subst;
mod vocab;
pub mod yaml;

pub use behavior::same_behavior;
pub use error::ArchyError;
pub use export::export_archy;
pub use link::{
    link_archy, link_archy_parsed, unlink_archy, unlink_archy_parsed, LINKED_STARTUP_REF,
};
pub(crate) use modules::call_of;
pub use node::{ArchyNode, ArchyOp, SwitchCase};
pub use parse::{parse_archy, ArchyFlow, MAX_FILE_BYTES};
pub use subst::{placeholders, substitute};
pub use vocab::{flow_type_for_root, is_archy_action, root_for_flow_type, ARCHY_ACTIONS};
