//! Property: whatever the graph — loops, self-calling modules, failing nodes — `run` returns
//! within the action budget, a `failed` outcome always says why, and the untraced fast path
//! agrees with the traced run.

use std::sync::Arc;

use flowlink_engine::{
    run, run_with, DataActionMock, ErrorHandling, ExecutionResult, FinalOutcome, FlowToRun,
    InMemoryModules, Limits, Simulation, Trace, TraceLevel,
};
use flowlink_model::expr::{BinaryOp, Literal, VarRef};
use flowlink_model::{
    DataTarget, Dialect, Expr, FlowLogic, Graph, ModuleCall, Node, NodeKind, Outcome, ValueSource,
};
use proptest::prelude::*;
use serde_json::json;

const MODULES: usize = 3;

fn kind_strategy() -> impl Strategy<Value = NodeKind> {
    let counter = || Expr::Var(VarRef::Flow("n".into()));
    prop_oneof![
        Just(NodeKind::SetData {
            data: vec![(
                DataTarget::Variable(VarRef::Flow("n".into())),
                ValueSource::Expression {
                    text: "Flow.n + 1".into(),
                    expr: Expr::Binary(
                        BinaryOp::Add,
                        Box::new(counter()),
                        Box::new(Expr::Literal(Literal::Integer(1))),
                    ),
                },
            )],
        }),
        Just(NodeKind::TagInteraction {
            tags: vec![ValueSource::Literal(json!("t"))]
        }),
        // Fails while Flow.n is NOT_SET, then compares.
        Just(NodeKind::Decision {
            text: "Flow.n < 3".into(),
            expression: Expr::Binary(
                BinaryOp::Lt,
                Box::new(counter()),
                Box::new(Expr::Literal(Literal::Integer(3))),
            ),
        }),
        Just(NodeKind::CollectInput {
            prompt: None,
            digits: 1,
            timeout_ms: 1
        }),
        Just(NodeKind::DataAction {
            name: "da".into(),
            inputs: vec![],
            outputs: vec![]
        }),
        (0..MODULES + 1).prop_map(|m| NodeKind::CallModule(ModuleCall {
            module_name: None,
            module_id: format!("m{m}"),
            version: None,
            inputs: vec![],
            outputs: vec![],
        })),
        Just(NodeKind::TransferToAcd {
            queue: ValueSource::Literal(json!("Q"))
        }),
        Just(NodeKind::Disconnect),
    ]
}

fn outcome_strategy() -> impl Strategy<Value = Outcome> {
    prop_oneof![
        Just(Outcome::Default),
        Just(Outcome::Success),
        Just(Outcome::Failure),
        Just(Outcome::True),
        Just(Outcome::False),
        Just(Outcome::Timeout),
        Just(Outcome::NoMatch),
        Just(Outcome::Dtmf("1".into())),
    ]
}

/// A graph of 0..8 nodes with arbitrary edges (cycles included).
fn logic_strategy() -> impl Strategy<Value = Arc<FlowLogic>> {
    (0usize..8).prop_flat_map(|n| {
        let nodes = proptest::collection::vec(
            (
                kind_strategy(),
                proptest::collection::vec((outcome_strategy(), 0..n.max(1)), 0..4),
            ),
            n,
        );
        nodes.prop_map(move |nodes| {
            let nodes = nodes
                .into_iter()
                .enumerate()
                .map(|(i, (kind, mut next))| {
                    // At most one edge per outcome, as the model guarantees.
                    let mut seen = Vec::new();
                    next.retain(|(o, _)| {
                        let fresh = !seen.contains(o);
                        seen.push(o.clone());
                        fresh
                    });
                    Node {
                        id: format!("n{i}"),
                        name: format!("n{i}"),
                        type_name: "x".into(),
                        kind,
                        next,
                    }
                })
                .collect::<Vec<_>>();
            let entry = (!nodes.is_empty()).then_some(0);
            Arc::new(FlowLogic {
                dialect: Dialect::Graph,
                graph: Graph { entry, nodes },
                variables: vec![],
            })
        })
    })
}

fn handling() -> impl Strategy<Value = ErrorHandling> {
    prop_oneof![
        Just(ErrorHandling::Disconnect),
        Just(ErrorHandling::Continue)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn every_execution_ends_within_the_budget(
        flow_logic in logic_strategy(),
        flow_handling in handling(),
        modules in proptest::collection::vec((logic_strategy(), handling()), MODULES),
        digits in proptest::collection::vec(prop_oneof![Just("1".to_string()), Just("2".to_string())], 0..3),
        data_action_fails in any::<bool>(),
    ) {
        let mut resolver = InMemoryModules::new();
        for (i, (logic, handling)) in modules.into_iter().enumerate() {
            let id = format!("m{i}");
            resolver.add_version(&id, &id, 1, logic, true);
            resolver.set_error_handling(&id, handling);
        }
        let flow = FlowToRun {
            id: "f".into(),
            name: "f".into(),
            version: 1,
            logic: flow_logic,
            error_handling: flow_handling,
        };
        let mut sim = Simulation { digits, ..Default::default() };
        let mock = if data_action_fails { DataActionMock::Fail } else { DataActionMock::Outputs(Default::default()) };
        sim.data_actions.insert("da".into(), mock);
        let limits = Limits { max_actions: 200, error_handling_extra: 20, max_module_depth: 8 };

        let full = run(&flow, &sim, &resolver, &limits);
        prop_assert!(full.action_count <= 220, "ran {} actions", full.action_count);
        if let FinalOutcome::Failed { reason } = &full.outcome {
            prop_assert!(!reason.is_empty());
        }
        // Each step is a node run or a module exit (at most one per call).
        prop_assert!(full.trace.steps.len() <= 2 * full.action_count as usize + 2);
        let fast = run_with(&flow, &sim, &resolver, &limits, TraceLevel::Off);
        prop_assert_eq!(fast, ExecutionResult { trace: Trace::default(), ..full });
    }
}
