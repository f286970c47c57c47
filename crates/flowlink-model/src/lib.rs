//! The flow model: what a call flow or shared module *is*, independent of how it was written.
//!
//! Two wire dialects parse into one [`FlowLogic`] holding a canonical [`Graph`] (dense node
//! vector, edges resolved to indices). Validation, dependency extraction, cycle detection and
//! linking work on that canonical form or on the wire document, never on storage or HTTP.
//! **This crate does no I/O** and never panics on input: every refusal is a [`ModelError`]
//! whose `details` name the node and field.
//!
//! # Graph dialect (seed 000) — [`parse_definition`]
//! `definition: {nodes: [{id, name, type, settings}], edges: [{id, source, target, type}],
//! entry: {nodeId}, variables: [...]}`. An edge's `type` is the outcome that takes it
//! (`default` when absent; see [`outcome_from_wire`]). The entry is `entry.nodeId`; an edge from
//! the pseudo-node `start` names it too, and the two must agree. Seed 000's literal link (a
//! module node appended with a second `start` edge while `entry.nodeId` still names the old first
//! node) is refused with the fix: make the new node the entry and give it a `default` edge to
//! the old entry node — which is exactly what [`link::link_module`] does.
//!
//! # Action-list dialect (seed 001) — [`parse_actions`]
//! `actions: [{type, name, ...fields}]` run top to bottom: item *i* continues to item *i+1*
//! through a `default` edge and the last item ends. `decision`/`collectInput` may nest lists
//! per outcome under `outputs` (any item under `branches`); a nested list that runs off its end
//! falls through to the item after its parent. `disconnect` and `transferToAcd` end the flow.
//! Node ids are the item's `id`, else generated: `a0`, `a1`, `a1.true.0`. Declared variables are
//! the flow's top-level `variables` field.
//!
//! # Node types (both dialects)
//! [`KNOWN_NODE_TYPES`]: `setData`, `tagInteraction`, `playPrompt`, the module call (`flowModule`
//! with `settings.flowModuleId`, `callFlow` with `flow: {id, version}`, alias
//! `callCommonModule`), `httpRequest`/`callData`, `decision`, `collectInput`, `transferToAcd`,
//! `disconnect`. Fields may sit at the node's top level or under `settings` in either dialect.
//! Values are literals or `{"expression": "..."}`, parsed at write time by [`parse_expression`].
//! A `setData` key or output-mapping variable `Flow.x`/`Common.x` names a variable; any other
//! key names participant data ([`DataTarget`]).
//!
//! # Limits
//! [`MAX_NODES`] nodes/actions, [`MAX_EDGES`] edges, [`MAX_ACTION_DEPTH`] levels of nested
//! branches, [`MAX_EXPR_DEPTH`] levels of expression nesting, [`MAX_EXPR_LEN`] characters
//! per expression, [`MAX_ID_LEN`] characters per node id and [`MAX_VALUE_DEPTH`] levels of
//! nesting in literal values: pathological documents are
//! refused, not recursed into. Diagnostics quote long names shortened, so an error's size stays
//! proportional to the document's, never to (repetitions × string length).

pub mod archy;
pub mod error;
pub mod expr;
pub mod graph;
pub mod link;

mod action_dialect;
mod cycle;
mod expr_parse;
mod expr_syntax;
mod fields;
mod graph_dialect;
mod logic;
mod node_kind;
mod outcome;
mod variables;

pub use action_dialect::{parse_actions, MAX_ACTION_DEPTH};
pub use cycle::find_module_cycle;
pub use error::{Diagnostic, ModelError};
pub use expr::Expr;
pub use expr_parse::{parse_expression, ExprError, MAX_EXPR_DEPTH, MAX_EXPR_LEN};
pub use fields::{value_depth, MAX_ID_LEN, MAX_VALUE_DEPTH};
pub use graph::*;
pub use graph_dialect::{parse_definition, MAX_EDGES};
pub use outcome::outcome_from_wire;

/// Names of every accepted node/action type (for error messages).
pub const KNOWN_NODE_TYPES: &[&str] = &[
    "setData",
    "tagInteraction",
    "playPrompt",
    "flowModule",
    "callFlow",
    "callCommonModule",
    "httpRequest",
    "callData",
    "decision",
    "collectInput",
    "transferToAcd",
    "disconnect",
];

/// Upper bound on nodes/actions per flow; more -> [`ModelError`] code `too.many.nodes`.
pub const MAX_NODES: usize = 2000;
