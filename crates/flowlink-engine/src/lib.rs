//! The flow engine: runs a flow's canonical [`FlowLogic`](flowlink_model::FlowLogic) as one
//! simulated call (SPEC §4, §6) and reports how it ended, with a trace.
//!
//! Architecture invariants:
//! - No I/O, no clock, no randomness: the outside world comes in through [`Simulation`] and
//!   [`ModuleResolver`] only, so the same inputs always give the same [`ExecutionResult`].
//! - Stackless: a module call pushes a frame on an explicit stack; nothing recurses per call.
//! - Always returns: every node costs one action from a fixed budget ([`Limits`]); an endless
//!   loop ends `failed` with a reason that says so.

mod archy_exec;
mod eval;
mod expression;
mod functions;
mod limits;
mod machine;
mod modules;
mod outcome;
mod result;
mod sim;
mod trace;
mod value;
mod vars;

pub use expression::{audio_text, evaluate, EvaluationError, ExprContext};
pub use limits::{ErrorHandling, Limits, TraceLevel};
pub use machine::{run, run_with};
pub use modules::{FlowToRun, InMemoryModules, ModuleResolver, ModuleUnavailable, ResolvedModule};
pub use result::{ExecutionResult, FinalOutcome};
pub use sim::{DataActionMock, QueueInfo, Simulation};
pub use trace::{DataWrite, Event, Handling, PromptPlayed, Trace, TraceStep};
