//! The flow model: what a call flow or shared module *is*, independent of how it was written.
//!
//! Two wire dialects (the graph `definition` of seed 000 and the `actions` list of seed 001)
//! parse into one [`FlowLogic`] holding a canonical [`Graph`]. Validation, dependency
//! extraction, cycle detection and linking all work on that canonical form or on the wire
//! document, never on storage or HTTP. This crate does no I/O.

pub mod error;
pub mod expr;
pub mod graph;

pub use error::{Diagnostic, ModelError};
pub use expr::Expr;
pub use graph::*;
