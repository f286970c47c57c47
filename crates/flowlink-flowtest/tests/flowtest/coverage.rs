//! Coverage on the worked example, where the numbers are known by hand: Main IVR's menu has
//! three choices; cases that press 1 and 2 leave choice 3 (and the Hours task it leads to)
//! listed, with their lines in main-ivr.yaml.

use flowlink_flowtest::{parse_test_file, run_offline, Options};

use crate::support::flow_set;

const TWO_CHOICES: &str = "flow: Main IVR\ncases:\n  - name: vip sales\n    call: {ani: \"+15550001111\", digits: [\"1\"], dataActions: {Get Account: {outputs: {tier: gold}}}}\n  - name: support\n    call: {ani: \"+14165550123\", digits: [\"2\"]}\n";

#[test]
fn a_menu_with_three_choices_two_tested_lists_the_third() {
    let file = parse_test_file("t.test.yaml", TWO_CHOICES).unwrap();
    let opts = Options {
        coverage: true,
        ..Options::default()
    };
    let (_, report) = run_offline(&flow_set(), &[file], "examples/flows", &opts).unwrap();
    let report = report.expect("coverage asked for");
    let main = report.flows.iter().find(|f| f.flow == "Main IVR").unwrap();
    // 14 actions: 3 tasks, the menu, its 3 choices and 7 actions; the Hours task, its choice
    // and its 2 actions never ran.
    assert_eq!((main.actions_run, main.actions), (10, 14));
    // 7 paths: the menu's 3 choices, success/failure of 2 module calls.
    assert_eq!((main.paths_taken, main.paths), (4, 7));
    let missed: Vec<(String, String)> = main
        .missed_paths
        .iter()
        .map(|m| (m.path.clone().unwrap(), m.place.clone()))
        .collect();
    assert_eq!(
        missed,
        vec![
            ("dtmf:3".to_string(), "line 49".to_string()),
            ("failure".to_string(), "line 12".to_string()),
            ("failure".to_string(), "line 27".to_string()),
        ]
    );
    let not_run: Vec<&str> = main
        .missed_actions
        .iter()
        .map(|m| m.action.as_str())
        .collect();
    assert_eq!(
        not_run,
        [
            "task 'Hours'",
            "menuJumpToTask 'Hours'",
            "playAudio 'Say hours'",
            "disconnect 'Goodbye'"
        ]
    );
    assert_eq!(main.percent, 66.6, "14/21 floored to one decimal");
    // The module's decision took both branches (vip and standard): fully covered.
    let check = report
        .flows
        .iter()
        .find(|f| f.flow == "Caller Check")
        .unwrap();
    assert!(check.module);
    assert_eq!(
        (check.paths_taken, check.paths, check.percent),
        (2, 2, 100.0)
    );
    // The JSON module: the data action's failure path was never taken; places are node ids.
    let lookup = report
        .flows
        .iter()
        .find(|f| f.flow == "Account Lookup")
        .unwrap();
    assert_eq!(lookup.missed_paths.len(), 1);
    assert_eq!(lookup.missed_paths[0].place, "node lookup");
    assert_eq!(lookup.missed_paths[0].path.as_deref(), Some("failure"));
    let rendered = report.render();
    assert!(
        rendered.contains("  not taken: menu 'Main Menu' → dtmf:3 (line 49)\n"),
        "{rendered}"
    );
    // Flows no case touched are not in the report.
    assert!(report.flows.iter().all(|f| f.flow != "Twice"));
}

#[test]
fn a_module_sums_over_every_flow_that_calls_it() {
    // Alone, the standard caller leaves Caller Check's `yes` branch untaken...
    let standard = "flow: Main IVR\ncases:\n  - name: standard\n    call: {ani: \"+14165550123\", digits: [\"2\"]}\n";
    let vip = "flow: Main IVR\ncases:\n  - name: vip\n    call: {ani: \"+15550001111\", digits: [\"2\"]}\n";
    let opts = Options {
        coverage: true,
        ..Options::default()
    };
    let one = parse_test_file("a.test.yaml", standard).unwrap();
    let (_, report) = run_offline(&flow_set(), std::slice::from_ref(&one), "x", &opts).unwrap();
    let check = |r: &flowlink_flowtest::CoverageReport| {
        r.flows
            .iter()
            .find(|f| f.flow == "Caller Check")
            .unwrap()
            .paths_taken
    };
    assert_eq!(check(report.as_ref().unwrap()), 1);
    // ...and a second file's case fills it in.
    let two = parse_test_file("b.test.yaml", vip).unwrap();
    let (_, report) = run_offline(&flow_set(), &[one, two], "x", &opts).unwrap();
    assert_eq!(check(report.as_ref().unwrap()), 2);
}
