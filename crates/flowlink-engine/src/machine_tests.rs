//! Unit tests of the interpreter on hand-built graphs (the fixture tests under `tests/` use the
//! model's parsers).

use std::sync::Arc;

use flowlink_model::expr::{BinaryOp, Literal, VarRef};
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
fn module_gets_inputs_returns_outputs_and_caller_continues_on_success_edge() {
    let mut module_call = call("m1", None);
    module_call.inputs = vec![(
        "customerId".into(),
        expr("Call.Ani", Expr::Var(VarRef::CallAni)),
    )];
    module_call.outputs = vec![(
        "Common.result".into(),
        DataTarget::Variable(VarRef::Flow("result".into())),
    )];
    let flow = top(logic(
        vec![
            node(
                "call",
                NodeKind::CallModule(module_call),
                &[(Outcome::Success, 1), (Outcome::Default, 2)],
            ),
            node("ok", set("Flow.path", lit(json!("success"))), &[]),
            node("other", set("Flow.path", lit(json!("default"))), &[]),
        ],
        vec![
            var("Flow.result", false, true, None),
            var("Flow.path", false, true, None),
        ],
    ));
    let module = logic(
        vec![node(
            "m",
            NodeKind::SetData {
                data: vec![(
                    DataTarget::Variable(VarRef::Common("result".into())),
                    expr(
                        "\"id:\" + Common.customerId",
                        Expr::Binary(
                            BinaryOp::Add,
                            Box::new(Expr::Literal(Literal::String("id:".into()))),
                            Box::new(Expr::Var(VarRef::Common("customerId".into()))),
                        ),
                    ),
                )],
            },
            &[],
        )],
        vec![
            var("Common.customerId", true, false, None),
            var("Common.result", false, true, None),
        ],
    );
    let mut modules = InMemoryModules::new();
    modules.add_version("m1", "Auth", 1, module, true);
    let sim = Simulation {
        ani: "+15550100".into(),
        ..Default::default()
    };
    let result = run_default(&flow, &sim, &modules);
    assert_eq!(result.outcome, FinalOutcome::Disconnected);
    assert_eq!(
        result.output_data,
        json!({"Flow.result": "id:+15550100", "Flow.path": "success"})
            .as_object()
            .cloned()
            .expect("object")
    );
    let types: Vec<_> = result
        .trace
        .steps
        .iter()
        .map(|s| (s.depth, s.node_id.as_str()))
        .collect();
    assert_eq!(types, vec![(0, "call"), (1, "m"), (0, "call"), (0, "ok")]);
    assert!(
        matches!(&result.trace.steps[0].event, Event::ModuleEnter { inputs, .. } if inputs["customerId"] == "+15550100")
    );
    assert!(
        matches!(&result.trace.steps[2].event, Event::ModuleExit { outputs, .. } if outputs["Common.result"] == "id:+15550100")
    );
    assert_eq!(result.action_count, 3);
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

fn menu_flow() -> FlowToRun {
    top(logic(
        vec![
            node(
                "menu",
                NodeKind::CollectInput {
                    prompt: None,
                    digits: 1,
                    timeout_ms: 5000,
                },
                &[
                    (Outcome::Dtmf("1".into()), 1),
                    (Outcome::Timeout, 2),
                    (Outcome::Default, 3),
                ],
            ),
            node(
                "sales",
                NodeKind::TransferToAcd {
                    queue: lit(json!("Sales")),
                },
                &[],
            ),
            node("bye", NodeKind::Disconnect, &[]),
            node(
                "other",
                NodeKind::TransferToAcd {
                    queue: lit(json!("Other")),
                },
                &[],
            ),
        ],
        vec![],
    ))
}

#[test]
fn collect_input_routes_by_digits_falls_back_to_default_and_times_out() {
    let modules = InMemoryModules::new();
    let with = |digits: &[&str]| Simulation {
        digits: digits.iter().map(|d| (*d).to_string()).collect(),
        ..Default::default()
    };
    let result = run_default(&menu_flow(), &with(&["1"]), &modules);
    assert_eq!(
        result.outcome,
        FinalOutcome::Transferred {
            queue: "Sales".into()
        }
    );
    let result = run_default(&menu_flow(), &with(&["9"]), &modules);
    assert_eq!(
        result.outcome,
        FinalOutcome::Transferred {
            queue: "Other".into()
        }
    );
    let step = &result.trace.steps[0];
    assert_eq!(
        (step.outcome.as_deref(), step.edge.as_deref()),
        (Some("noMatch"), Some("default"))
    );
    let result = run_default(&menu_flow(), &with(&[]), &modules);
    assert_eq!(result.outcome, FinalOutcome::Disconnected);
    assert_eq!(result.trace.steps[0].outcome.as_deref(), Some("timeout"));
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
fn decision_takes_true_or_false() {
    let cond = Expr::Binary(
        BinaryOp::Eq,
        Box::new(flow_var("x")),
        Box::new(Expr::Literal(Literal::Integer(2))),
    );
    let modules = InMemoryModules::new();
    let mut sim = Simulation::default();
    sim.input_data.insert("Flow.x".into(), json!(2));
    let result = run_default(
        &decision_flow(cond.clone(), ErrorHandling::Disconnect),
        &sim,
        &modules,
    );
    assert_eq!(result.participant_data["path"], json!("yes"));
    sim.input_data.clear();
    sim.input_data.insert("x".into(), json!(3));
    let result = run_default(
        &decision_flow(cond, ErrorHandling::Disconnect),
        &sim,
        &modules,
    );
    assert_eq!(result.participant_data["path"], json!("no"));
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

fn failing_call_flow(with_failure_edge: bool, handling: ErrorHandling) -> FlowToRun {
    let mut next = vec![(Outcome::Default, 1)];
    if with_failure_edge {
        next.push((Outcome::Failure, 2));
    }
    let mut flow = top(logic(
        vec![
            node("call", NodeKind::CallModule(call("m1", None)), &next),
            node("after", set("path", lit(json!("after"))), &[]),
            node("fallback", set("path", lit(json!("fallback"))), &[]),
        ],
        vec![],
    ));
    flow.error_handling = handling;
    flow
}

#[test]
fn deactivated_module_takes_failure_edge_else_error_handling() {
    let mut modules = InMemoryModules::new();
    modules.add_version("m1", "M", 1, logic(vec![], vec![]), true);
    modules.set_active("m1", false);
    let sim = Simulation::default();
    let result = run_default(
        &failing_call_flow(true, ErrorHandling::Disconnect),
        &sim,
        &modules,
    );
    assert_eq!(result.participant_data["path"], json!("fallback"));
    let result = run_default(
        &failing_call_flow(false, ErrorHandling::Disconnect),
        &sim,
        &modules,
    );
    assert_eq!(
        failed_reason(&result),
        "node 'call name' (call): module m1 is deactivated"
    );
    let result = run_default(
        &failing_call_flow(false, ErrorHandling::Continue),
        &sim,
        &modules,
    );
    assert_eq!(result.participant_data["path"], json!("after"));
    assert!(matches!(
        &result.trace.steps[0].event,
        Event::ModuleCallFailed {
            handling: Handling::Continue,
            version: None,
            ..
        }
    ));
}

#[test]
fn error_inside_a_module_is_absorbed_by_continue_or_fails_the_call() {
    let module = logic(
        vec![
            node(
                "boom",
                NodeKind::TransferToAcd {
                    queue: lit(Value::Null),
                },
                &[(Outcome::Default, 1)],
            ),
            node("done", set("module_done", lit(json!(true))), &[]),
        ],
        vec![],
    );
    let mut modules = InMemoryModules::new();
    modules.add_version("m1", "M", 1, module, true);
    let sim = Simulation::default();
    // Module disconnect handling: the call fails and the caller's failure edge runs.
    let result = run_default(
        &failing_call_flow(true, ErrorHandling::Disconnect),
        &sim,
        &modules,
    );
    assert_eq!(result.participant_data.get("module_done"), None);
    assert_eq!(result.participant_data["path"], json!("fallback"));
    let reason = match &result.trace.steps[2].event {
        Event::ModuleCallFailed {
            reason,
            handling: Handling::FailureEdge,
            ..
        } => reason.clone(),
        other => panic!("unexpected {other:?}"),
    };
    assert_eq!(
        reason,
        "module 'M' (m1 v1) failed: node 'boom name' (boom) in module m1 v1: queue is NOT_SET"
    );
    // Module continue handling: the module skips the node and returns normally.
    modules.set_error_handling("m1", ErrorHandling::Continue);
    let result = run_default(
        &failing_call_flow(true, ErrorHandling::Disconnect),
        &sim,
        &modules,
    );
    assert_eq!(result.participant_data["module_done"], json!(true));
    assert_eq!(result.participant_data["path"], json!("after"));
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
fn small_limits_are_respected_exactly() {
    let limits = Limits {
        max_actions: 5,
        error_handling_extra: 0,
        max_module_depth: 8,
    };
    let result = run(
        &loop_flow(ErrorHandling::Continue),
        &Simulation::default(),
        &InMemoryModules::new(),
        &limits,
    );
    assert_eq!(result.action_count, 5);
    assert!(failed_reason(&result).contains("5 actions plus 0"));
}

/// Modules m1..=m{count}, each calling the next; the last sets `deepest`.
fn chain(count: u32) -> InMemoryModules {
    let mut modules = InMemoryModules::new();
    for i in 1..=count {
        let body = if i == count {
            node("leaf", set("deepest", lit(json!(i))), &[])
        } else {
            node(
                "next",
                NodeKind::CallModule(call(&format!("m{}", i + 1), None)),
                &[],
            )
        };
        modules.add_version(
            &format!("m{i}"),
            &format!("M{i}"),
            1,
            logic(vec![body], vec![]),
            true,
        );
    }
    modules
}

#[test]
fn eight_nested_modules_run_and_a_ninth_fails() {
    let flow = top(logic(
        vec![node("call", NodeKind::CallModule(call("m1", None)), &[])],
        vec![],
    ));
    let result = run_default(&flow, &Simulation::default(), &chain(8));
    assert_eq!(result.outcome, FinalOutcome::Disconnected);
    assert_eq!(result.participant_data["deepest"], json!(8));
    assert_eq!(result.trace.steps.iter().map(|s| s.depth).max(), Some(8));

    let result = run_default(&flow, &Simulation::default(), &chain(9));
    assert!(result.participant_data.is_empty());
    let reason = failed_reason(&result);
    assert!(
        reason.contains("module nesting depth limit of 8 exceeded: module m9 would run at depth 9"),
        "{reason}"
    );
    // The failure climbs every frame: each module's call reports it.
    let failed_calls = result
        .trace
        .steps
        .iter()
        .filter(|s| matches!(s.event, Event::ModuleCallFailed { .. }))
        .count();
    assert_eq!(failed_calls, 9);
}

#[test]
fn pinned_and_floating_calls_resolve_different_versions() {
    let mut modules = InMemoryModules::new();
    modules.add_version(
        "m1",
        "M",
        1,
        logic(vec![node("v1", set("v", lit(json!(1))), &[])], vec![]),
        false,
    );
    modules.add_version(
        "m1",
        "M",
        2,
        logic(vec![node("v2", set("v", lit(json!(2))), &[])], vec![]),
        true,
    );
    let floating = top(logic(
        vec![node("c", NodeKind::CallModule(call("m1", None)), &[])],
        vec![],
    ));
    let pinned = top(logic(
        vec![node("c", NodeKind::CallModule(call("m1", Some(1))), &[])],
        vec![],
    ));
    let missing = top(logic(
        vec![node("c", NodeKind::CallModule(call("m1", Some(3))), &[])],
        vec![],
    ));
    let sim = Simulation::default();
    assert_eq!(
        run_default(&floating, &sim, &modules).participant_data["v"],
        json!(2)
    );
    assert_eq!(
        run_default(&pinned, &sim, &modules).participant_data["v"],
        json!(1)
    );
    let result = run_default(&missing, &sim, &modules);
    assert!(failed_reason(&result).ends_with("version 3 of module m1 does not exist"));
}

#[test]
fn data_action_writes_mocked_outputs_or_fails() {
    let flow = |failure_edge: bool| {
        let mut next = vec![(Outcome::Success, 1)];
        if failure_edge {
            next.push((Outcome::Failure, 2));
        }
        top(logic(
            vec![
                node(
                    "da",
                    NodeKind::DataAction {
                        name: "Lookup".into(),
                        inputs: vec![(
                            "phone".into(),
                            expr("Call.Ani", Expr::Var(VarRef::CallAni)),
                        )],
                        outputs: vec![("tier".into(), DataTarget::Participant("tier".into()))],
                    },
                    &next,
                ),
                node("ok", set("path", lit(json!("ok"))), &[]),
                node("ko", set("path", lit(json!("ko"))), &[]),
            ],
            vec![],
        ))
    };
    let modules = InMemoryModules::new();
    let mut sim = Simulation::default();
    sim.data_actions.insert(
        "Lookup".into(),
        DataActionMock::Outputs(
            json!({"tier": "gold"})
                .as_object()
                .cloned()
                .expect("object"),
        ),
    );
    let result = run_default(&flow(true), &sim, &modules);
    assert_eq!(
        (
            result.participant_data["tier"].clone(),
            result.participant_data["path"].clone()
        ),
        (json!("gold"), json!("ok"))
    );
    sim.data_actions
        .insert("Lookup".into(), DataActionMock::Fail);
    let result = run_default(&flow(true), &sim, &modules);
    assert_eq!(result.participant_data["path"], json!("ko"));
    let result = run_default(&flow(false), &sim, &modules);
    assert_eq!(
        failed_reason(&result),
        "node 'da name' (da): data action 'Lookup' failed (simulated failure)"
    );
    sim.data_actions.clear();
    let result = run_default(&flow(false), &sim, &modules);
    assert!(failed_reason(&result).ends_with("data action 'Lookup' has no mock in the simulation"));
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
