//! Unit tests of the interpreter on hand-built graphs: only what the data-driven fixtures under
//! `tests/fixtures` cannot say (graphs the parsers would refuse, the default 10,000-action
//! budget, exact trace events). Every other case is a fixture file, one named test each.

use std::sync::Arc;

use flowlink_model::expr::VarRef;
use flowlink_model::{
    DataTarget, Dialect, Expr, FlowLogic, Graph, ModuleCall, Node, NodeKind, Outcome, Prompt,
    ValueSource, Variable,
};
use serde_json::{json, Value};

use crate::*;

fn node(id: &str, kind: NodeKind, next: &[(Outcome, usize)]) -> Node {
    let type_name = match &kind {
        NodeKind::SetData { .. } => "setData",
        NodeKind::TagInteraction { .. } => "tagInteraction",
        NodeKind::PlayPrompt { .. } => "playPrompt",
        NodeKind::CallModule(_) => "flowModule",
        NodeKind::DataAction { .. } => "httpRequest",
        NodeKind::Decision { .. } => "decision",
        NodeKind::CollectInput { .. } => "collectInput",
        NodeKind::TransferToAcd { .. } => "transferToAcd",
        NodeKind::Disconnect => "disconnect",
        NodeKind::Archy(_) => "archy",
    };
    Node {
        id: id.into(),
        name: format!("{id} name"),
        type_name: type_name.into(),
        kind,
        next: next.to_vec(),
    }
}

fn logic(nodes: Vec<Node>, variables: Vec<Variable>) -> Arc<FlowLogic> {
    let entry = (!nodes.is_empty()).then_some(0);
    Arc::new(FlowLogic {
        dialect: Dialect::Graph,
        graph: Graph { entry, nodes },
        variables,
    })
}

fn var(name: &str, input: bool, output: bool, default: Option<Value>) -> Variable {
    Variable {
        name: name.into(),
        type_name: "string".into(),
        input,
        output,
        default,
    }
}

fn lit(v: Value) -> ValueSource {
    ValueSource::Literal(v)
}

fn expr(text: &str, expr: Expr) -> ValueSource {
    ValueSource::Expression {
        text: text.into(),
        expr,
    }
}

fn flow_var(name: &str) -> Expr {
    Expr::Var(VarRef::Flow(name.into()))
}

fn set(key: &str, value: ValueSource) -> NodeKind {
    let target = match key.split_once('.') {
        Some(("Flow", n)) => DataTarget::Variable(VarRef::Flow(n.into())),
        Some(("Common", n)) => DataTarget::Variable(VarRef::Common(n.into())),
        _ => DataTarget::Participant(key.into()),
    };
    NodeKind::SetData {
        data: vec![(target, value)],
    }
}

fn call(module: &str, version: Option<u32>) -> ModuleCall {
    ModuleCall {
        module_name: None,
        module_id: module.into(),
        version,
        inputs: vec![],
        outputs: vec![],
    }
}

fn top(logic: Arc<FlowLogic>) -> FlowToRun {
    FlowToRun {
        id: "flow-1".into(),
        name: "Main".into(),
        version: 1,
        logic,
        error_handling: ErrorHandling::Disconnect,
    }
}

fn run_default(flow: &FlowToRun, sim: &Simulation, modules: &InMemoryModules) -> ExecutionResult {
    let full = run(flow, sim, modules, &Limits::default());
    // The fast path must agree on everything but the trace.
    let fast = run_with(flow, sim, modules, &Limits::default(), TraceLevel::Off);
    assert!(fast.trace.steps.is_empty());
    assert_eq!(
        fast,
        ExecutionResult {
            trace: Trace::default(),
            ..full.clone()
        }
    );
    full
}

fn failed_reason(result: &ExecutionResult) -> &str {
    match &result.outcome {
        FinalOutcome::Failed { reason } => reason,
        other => panic!("expected failed, got {other:?}"),
    }
}

#[test]
fn linear_flow_sets_data_tags_and_plays_prompts_then_disconnects_when_out_of_nodes() {
    let flow = top(logic(
        vec![
            node(
                "a",
                set("auth_status", lit(json!("pending"))),
                &[(Outcome::Default, 1)],
            ),
            node(
                "b",
                NodeKind::TagInteraction {
                    tags: vec![lit(json!("t1")), lit(json!("t1")), lit(json!(7))],
                },
                &[(Outcome::Default, 2)],
            ),
            node(
                "c",
                NodeKind::PlayPrompt {
                    prompt: Prompt::Tts {
                        text: lit(json!("Hello")),
                        locale: Some("en-US".into()),
                    },
                },
                &[],
            ),
        ],
        vec![],
    ));
    let result = run_default(&flow, &Simulation::default(), &InMemoryModules::new());
    assert_eq!(result.outcome, FinalOutcome::Disconnected);
    assert_eq!(result.action_count, 3);
    assert_eq!(result.participant_data["auth_status"], json!("pending"));
    assert_eq!(result.tags, vec!["t1", "7"]);
    let steps = &result.trace.steps;
    assert_eq!(steps.len(), 3);
    assert_eq!(steps[0].next.as_deref(), Some("b"));
    assert_eq!(steps[2].edge, None);
    assert_eq!(
        serde_json::to_value(&steps[2].event).expect("serializes"),
        json!({"type": "promptPlayed", "prompt": {"text": "Hello", "locale": "en-US"}})
    );
}

#[test]
fn module_without_success_edge_continues_on_default_and_flow_variables_do_not_leak() {
    let flow = top(logic(
        vec![
            node(
                "call",
                NodeKind::CallModule(call("m1", None)),
                &[(Outcome::Default, 1)],
            ),
            node("after", set("seen", expr("Flow.x", flow_var("x"))), &[]),
        ],
        vec![var("Flow.x", false, false, Some(json!("top")))],
    ));
    let module = logic(
        vec![node("m", set("Flow.x", lit(json!("module"))), &[])],
        vec![],
    );
    let mut modules = InMemoryModules::new();
    modules.add_version("m1", "M", 1, module, true);
    let result = run_default(&flow, &Simulation::default(), &modules);
    assert_eq!(result.participant_data["seen"], json!("top"));
}

#[test]
fn transfer_inside_a_module_ends_the_whole_execution() {
    let flow = top(logic(
        vec![
            node(
                "call",
                NodeKind::CallModule(call("m1", None)),
                &[(Outcome::Default, 1)],
            ),
            node("never", set("x", lit(json!(1))), &[]),
        ],
        vec![],
    ));
    let module = logic(
        vec![node(
            "t",
            NodeKind::TransferToAcd {
                queue: lit(json!("Support")),
            },
            &[],
        )],
        vec![],
    );
    let mut modules = InMemoryModules::new();
    modules.add_version("m1", "M", 1, module, true);
    let result = run_default(&flow, &Simulation::default(), &modules);
    assert_eq!(
        result.outcome,
        FinalOutcome::Transferred {
            queue: "Support".into()
        }
    );
    assert!(result.participant_data.is_empty());
    assert_eq!(result.action_count, 2);
}

fn decision_flow(expression: Expr, handling: ErrorHandling) -> FlowToRun {
    let mut flow = top(logic(
        vec![
            node(
                "d",
                NodeKind::Decision {
                    expression,
                    text: "cond".into(),
                },
                &[(Outcome::True, 1), (Outcome::False, 2)],
            ),
            node("yes", set("path", lit(json!("yes"))), &[]),
            node("no", set("path", lit(json!("no"))), &[]),
        ],
        vec![],
    ));
    flow.error_handling = handling;
    flow
}

#[test]
fn runtime_error_disconnects_with_reason_or_continues_past_the_node() {
    let bad = Expr::Var(VarRef::Flow("missing".into()));
    let modules = InMemoryModules::new();
    let sim = Simulation::default();
    let result = run_default(
        &decision_flow(bad.clone(), ErrorHandling::Disconnect),
        &sim,
        &modules,
    );
    assert_eq!(
        failed_reason(&result),
        "node 'd name' (d): expression `cond`: expected a Boolean, found NOT_SET"
    );
    assert!(matches!(
        result.trace.steps[0].event,
        Event::Error {
            handling: Handling::Disconnect,
            ..
        }
    ));
    // `continue` skips the decision; it has neither success nor default edge, so the flow ends.
    let result = run_default(&decision_flow(bad, ErrorHandling::Continue), &sim, &modules);
    assert_eq!(result.outcome, FinalOutcome::Disconnected);
    assert!(result.participant_data.is_empty());
}

fn loop_flow(handling: ErrorHandling) -> FlowToRun {
    let mut flow = top(logic(
        vec![
            node("a", set("n", lit(json!(1))), &[(Outcome::Default, 1)]),
            node(
                "b",
                NodeKind::TagInteraction {
                    tags: vec![lit(json!("loop"))],
                },
                &[(Outcome::Default, 0)],
            ),
        ],
        vec![],
    ));
    flow.error_handling = handling;
    flow
}

#[test]
fn endless_loop_ends_failed_at_the_action_limit() {
    let modules = InMemoryModules::new();
    let sim = Simulation::default();
    let result = run_default(&loop_flow(ErrorHandling::Disconnect), &sim, &modules);
    assert_eq!(result.action_count, 10_000);
    assert!(failed_reason(&result).starts_with("action limit exceeded: 10000 actions"));
    let last = result.trace.steps.last().expect("steps");
    assert!(matches!(
        last.event,
        Event::ActionLimit {
            limit: 10_000,
            actions: 10_000,
            handling: Handling::Disconnect
        }
    ));

    let result = run_default(&loop_flow(ErrorHandling::Continue), &sim, &modules);
    assert_eq!(result.action_count, 11_000);
    assert!(failed_reason(&result).contains("plus 1000 after error handling"));
    let limits: Vec<_> = result
        .trace
        .steps
        .iter()
        .filter(|s| matches!(s.event, Event::ActionLimit { .. }))
        .collect();
    assert_eq!(limits.len(), 2);
    assert_eq!(result.trace.steps.len(), 11_002);
}

#[test]
fn empty_flow_disconnects_at_once_and_call_variables_are_read_only() {
    let result = run_default(
        &top(logic(vec![], vec![])),
        &Simulation::default(),
        &InMemoryModules::new(),
    );
    assert_eq!(
        (result.outcome.clone(), result.action_count),
        (FinalOutcome::Disconnected, 0)
    );
    let flow = top(logic(
        vec![node(
            "w",
            NodeKind::SetData {
                data: vec![(DataTarget::Variable(VarRef::CallAni), lit(json!("x")))],
            },
            &[],
        )],
        vec![],
    ));
    let result = run_default(&flow, &Simulation::default(), &InMemoryModules::new());
    assert_eq!(
        failed_reason(&result),
        "node 'w name' (w): Call.Ani is read-only"
    );
}
