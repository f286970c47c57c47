//! The canonical graph every dialect parses into.

use crate::expr::Expr;
use crate::expr::VarRef;

/// Which wire dialect a flow was written in: the one type of `flowlink-api`, shared with the
/// store and the client.
pub use flowlink_api::Dialect;

/// A flow's validated logic: the canonical graph plus its declared variables.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowLogic {
    pub dialect: Dialect,
    pub graph: Graph,
    pub variables: Vec<Variable>,
}

/// Nodes in a dense vector; edges resolved to indices so the engine never hashes strings.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Graph {
    /// Index into `nodes` of the first node; `None` for empty logic (returns at once).
    pub entry: Option<usize>,
    pub nodes: Vec<Node>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Node id (graph dialect) or a generated/action-name id (action dialect).
    pub id: String,
    pub name: String,
    /// The type name exactly as written (`callFlow`, `flowModule`, `callCommonModule`, ...).
    pub type_name: String,
    pub kind: NodeKind,
    /// Outgoing edges: outcome → index into `Graph::nodes`. At most one per outcome.
    pub next: Vec<(Outcome, usize)>,
}

/// What taking an edge means. Wire spelling: `default`, `success`, `failure`, `true`,
/// `false`, `timeout`, `noMatch`, `dtmf:N`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Outcome {
    Default,
    Success,
    Failure,
    True,
    False,
    Timeout,
    NoMatch,
    Dtmf(String),
    /// An Archy output or branch that has no name above: `found`, `notFound`, `open`, a
    /// switch case (`evaluate.firstTrue.cases.0.case`), a loop body (`loop`), a container
    /// (`tasks.0`). Only the Archy dialect makes these.
    Named(String),
}

/// A value given to a setting: a literal as written, or a parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueSource {
    Literal(serde_json::Value),
    Expression { text: String, expr: Expr },
}

/// Where `setData` writes: bare key → participant data; `Flow.x` / `Common.x` → a variable.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DataTarget {
    Participant(String),
    Variable(VarRef),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Prompt {
    Tts {
        text: ValueSource,
        locale: Option<String>,
    },
    Stored {
        id: String,
    },
}

/// A call into a shared module (graph `flowModule`, action `callFlow`, alias `callCommonModule`).
#[derive(Debug, Clone, PartialEq)]
pub struct ModuleCall {
    /// The module's flow id; empty for an Archy call by name until bound
    /// ([`FlowLogic::bind_module_names`]).
    pub module_id: String,
    /// The module's name for calls by name (Archy `callCommonModule`); `None` for calls by id.
    pub module_name: Option<String>,
    /// `None` floats (published version at call time); `Some(n)` pins logic version n.
    pub version: Option<u32>,
    /// Module input variable name → value.
    pub inputs: Vec<(String, ValueSource)>,
    /// Module output variable name → caller variable written with it.
    pub outputs: Vec<(String, DataTarget)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    SetData {
        data: Vec<(DataTarget, ValueSource)>,
    },
    TagInteraction {
        tags: Vec<ValueSource>,
    },
    PlayPrompt {
        prompt: Prompt,
    },
    CallModule(ModuleCall),
    /// `httpRequest` / `callData`: answered by the host (simulation mocks).
    DataAction {
        name: String,
        inputs: Vec<(String, ValueSource)>,
        outputs: Vec<(String, DataTarget)>,
    },
    Decision {
        expression: Expr,
        text: String,
    },
    CollectInput {
        prompt: Option<Prompt>,
        digits: u32,
        timeout_ms: u64,
    },
    TransferToAcd {
        queue: ValueSource,
    },
    Disconnect,
    /// An Archy action, menu choice or container (task, menu, state): what it does plus the
    /// fields as written, so the dialect exports back to what it read.
    Archy(Box<crate::archy::ArchyNode>),
}

/// A declared flow or module variable (`variables: [{name, type, input, output}]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    /// Full name as written, e.g. `Common.customerId` or `Flow.result`.
    pub name: String,
    pub type_name: String,
    pub input: bool,
    pub output: bool,
    pub default: Option<serde_json::Value>,
}
