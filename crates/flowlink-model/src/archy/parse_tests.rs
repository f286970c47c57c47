//! Parser errors name the line:column and the action; module calls by name; YAML 1.2 keys.

use super::*;
use crate::graph::ModuleCall;

fn flow_with(actions: &str) -> String {
    format!(
        "inboundCall:\n  name: T\n  defaultLanguage: en-us\n  startUpRef: ./tasks/task[t]\n  tasks:\n    - task:\n        name: T\n        refId: t\n        actions:\n{actions}"
    )
}

#[test]
fn an_invented_action_fails_naming_it_and_its_line() {
    let text = flow_with("          - playAudio:\n              audio:\n                tts: hi\n          - playMusic:\n              name: Nope\n");
    let err = parse_archy(&text).expect_err("invented action");
    assert_eq!((err.line, err.column), (13, 13), "{err}");
    assert!(err.message.contains("unknown action 'playMusic'"), "{err}");
    assert!(
        err.to_string()
            .starts_with("line 13, column 13: playMusic: "),
        "{err}"
    );
}

#[test]
fn a_real_but_unsimulated_action_is_stored() {
    let text = flow_with("          - setScreenPop:\n              name: Pop\n");
    let flow = parse_archy(&text).expect("stored");
    let node = flow
        .logic
        .graph
        .nodes
        .iter()
        .find(|n| n.type_name == "setScreenPop");
    assert!(
        matches!(&node.expect("node").kind, NodeKind::Archy(a) if a.op == ArchyOp::Unsimulated)
    );
}

#[test]
fn an_expression_error_names_the_line_and_the_action() {
    let text = flow_with("          - decision:\n              name: Check\n              condition:\n                exp: Flow.x ==\n");
    let err = parse_archy(&text).expect_err("bad expression");
    assert_eq!(err.line, 13, "{err}");
    assert_eq!(err.action.as_deref(), Some("decision 'Check'"));
    assert!(err.message.contains("Flow.x =="), "{err}");
}

#[test]
fn a_reference_to_no_task_is_refused_with_its_text() {
    let text =
        flow_with("          - jumpToTask:\n              targetTaskRef: ./tasks/task[missing]\n");
    let err = parse_archy(&text).expect_err("dangling ref");
    assert_eq!(err.line, 11, "{err}");
    assert!(err.message.contains("./tasks/task[missing]"), "{err}");
}

#[test]
fn leftover_placeholders_are_listed_with_lines() {
    let text = "inboundCall:\n  name: \"{{flow_name}}\"\n  division: {{division}}\n";
    let err = parse_archy(text).expect_err("placeholders");
    assert_eq!(err.line, 2);
    assert!(
        err.message
            .contains("{{flow_name}} (line 2), {{division}} (line 3)"),
        "{err}"
    );
}

#[test]
fn the_root_key_is_the_flow_type() {
    let flow = parse_archy("botFlow:\n  name: B\n  bots: []\n").expect("bot");
    assert_eq!((flow.flow_type.as_str(), flow.name.as_str()), ("BOT", "B"));
    let err = parse_archy("phoneFlow:\n  name: X\n").expect_err("unknown type");
    assert!(
        err.message.contains("unknown flow type 'phoneFlow'"),
        "{err}"
    );
}

#[test]
fn a_menu_choice_must_be_a_choice() {
    let text = "inboundCall:\n  name: M\n  startUpRef: ./menus/menu[m]\n  menus:\n    - menu:\n        name: M\n        refId: m\n        choices:\n          - playAudio:\n              dtmf: digit_1\n";
    let err = parse_archy(text).expect_err("not a choice");
    assert!(
        err.message.contains("unknown menu choice 'playAudio'"),
        "{err}"
    );
    assert_eq!(err.line, 9);
}

fn calls(text: &str) -> Vec<ModuleCall> {
    let flow = parse_archy(text).expect("valid");
    flow.logic.module_calls().map(|(_, c)| c.clone()).collect()
}

#[test]
fn module_calls_are_by_name_float_or_pin_and_bind() {
    let text = flow_with(concat!(
        "          - callCommonModule:\n              commonModule:\n                Auth:\n                  ver_latestPublished:\n",
        "          - callCommonModule:\n              commonModule:\n                Auth:\n                  ver_latestPublished: true\n",
        "          - callCommonModule:\n              commonModule:\n                Lookup:\n                  ver_2.0:\n                    inputs:\n                      Common.ani:\n                        exp: Call.Ani\n                    outputs:\n                      Common.id:\n                        var: Flow.id\n",
    ));
    let found = calls(&text);
    let summary: Vec<(Option<&str>, Option<u32>, usize, usize)> = found
        .iter()
        .map(|c| {
            (
                c.module_name.as_deref(),
                c.version,
                c.inputs.len(),
                c.outputs.len(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (Some("Auth"), None, 0, 0),
            (Some("Auth"), None, 0, 0),
            (Some("Lookup"), Some(2), 1, 1)
        ]
    );
    let mut flow = parse_archy(&text).expect("valid");
    assert_eq!(
        flow.logic
            .unbound_module_names()
            .into_iter()
            .collect::<Vec<_>>(),
        vec!["Auth", "Lookup"]
    );
    let missing = flow
        .logic
        .bind_module_names(|n| (n == "Auth").then(|| "m-1".to_string()));
    assert_eq!(missing, Err(vec!["Lookup".to_string()]));
    assert_eq!(
        flow.logic
            .unbound_module_names()
            .into_iter()
            .collect::<Vec<_>>(),
        vec!["Lookup"]
    );
    let bad = flow_with("          - callCommonModule:\n              commonModule:\n                Auth:\n                  ver_debug: {}\n");
    let err = parse_archy(&bad).expect_err("bad selector");
    assert!(err.message.contains("ver_debug"), "{err}");
}

#[test]
fn yes_and_no_output_keys_are_strings() {
    let text = flow_with("          - decision:\n              condition:\n                lit: true\n              outputs:\n                yes:\n                  actions:\n                    - disconnect:\n                        none: true\n                no:\n                  actions: []\n");
    let flow = parse_archy(&text).expect("valid");
    let decision = flow
        .logic
        .graph
        .nodes
        .iter()
        .find(|n| n.type_name == "decision")
        .expect("decision");
    let outcomes: Vec<&Outcome> = decision.next.iter().map(|(o, _)| o).collect();
    assert!(outcomes.contains(&&Outcome::True), "{outcomes:?}");
}
