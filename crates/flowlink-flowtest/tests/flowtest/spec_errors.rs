//! A test file that is invalid is an error naming file and line (exit 2 in the CLI): one named
//! test per kind of mistake.

use flowlink_flowtest::{parse_test_file, run_offline, Options};

use crate::support::flow_set;

/// Parses `text` and returns the error it must give.
fn error_of(text: &str) -> String {
    match parse_test_file("t.test.yaml", text) {
        Ok(_) => panic!("should be refused:\n{text}"),
        Err(e) => e.to_string(),
    }
}

macro_rules! refused {
    ($($name:ident: $text:expr => $message:expr;)*) => {$(
        #[test]
        fn $name() {
            assert_eq!(error_of($text), $message);
        }
    )*};
}

refused! {
    unknown_top_level_key:
        "flow: Main IVR\nflows: x\ncases: []\n"
        => "t.test.yaml:2: unknown key `flows` in a test file (expected one of: flow, defaults, cases)";
    unknown_case_key:
        "flow: Main IVR\ncases:\n  - name: a\n    expects: {}\n"
        => "t.test.yaml:4: unknown key `expects` in a case (expected one of: name, call, expect, snapshot)";
    unknown_call_key:
        "flow: Main IVR\ncases:\n  - name: a\n    call:\n      ani: \"+1\"\n      digit: [\"1\"]\n"
        => "t.test.yaml:6: unknown key `digit` in call (expected one of: ani, dnis, digits, dataActions, dataTables, now, schedules, queues, language, participantData, inputData)";
    unknown_defaults_call_key:
        "flow: Main IVR\ndefaults:\n  call: {schedule: {Main: open}}\ncases: []\n"
        => "t.test.yaml:3: unknown key `schedule` in defaults.call (expected one of: ani, dnis, digits, dataActions, dataTables, now, schedules, queues, language, participantData, inputData)";
    unknown_expect_key:
        "flow: Main IVR\ncases:\n  - name: a\n    expect:\n      outcome: disconnected\n      prompt: [x]\n"
        => "t.test.yaml:6: unknown key `prompt` in expect (expected one of: outcome, prompts, notPrompts, participantData, tags, modules, maxActions)";
    malformed_outcome:
        "flow: Main IVR\ncases:\n  - name: a\n    expect: {outcome: hungUp}\n"
        => "t.test.yaml:4: `outcome` is `disconnected`, `{transferred: QUEUE}` or `{failed: \"text\"}`";
    unknown_outcome_kind:
        "flow: Main IVR\ncases:\n  - name: a\n    expect:\n      outcome:\n        queued: Sales\n"
        => "t.test.yaml:6: unknown outcome `queued` (expected transferred or failed)";
    malformed_regex:
        "flow: Main IVR\ncases:\n  - name: a\n    expect:\n      prompts:\n        - \"/[a/\"\n"
        => "t.test.yaml:6: `/[a/` is not a valid /regex/: non-empty character class has no closing bracket";
    malformed_module_version:
        "flow: Main IVR\ncases:\n  - name: a\n    expect:\n      modules: [\"Caller Check@latest\"]\n"
        => "t.test.yaml:5: `Caller Check@latest` is not a module name or `Name@VERSION` (e.g. `Caller Check@3`)";
    malformed_max_actions:
        "flow: Main IVR\ncases:\n  - name: a\n    expect:\n      maxActions: many\n"
        => "t.test.yaml:5: `maxActions` is a whole number, not `many`";
    malformed_data_action_answer:
        "flow: Main IVR\ncases:\n  - name: a\n    call:\n      dataActions:\n        Get Account: {fail: true, outputs: {}}\n"
        => "t.test.yaml:5: `dataActions` in call is malformed: a data action mock has one of `outputs`, `fail: true` or `timeout: true`, not both";
    prompts_not_a_list:
        "flow: Main IVR\ncases:\n  - name: a\n    expect:\n      prompts: Welcome\n"
        => "t.test.yaml:5: prompts is a list, e.g. [\"a\", \"b\"]";
    no_flow:
        "cases: []\n"
        => "t.test.yaml:1: a test file names its `flow` (by name or id)";
    not_yaml:
        "flow: [unclosed\n"
        => "t.test.yaml:2: YAML syntax error: while parsing a flow sequence, expected ',' or ']'";
}

#[test]
fn a_flow_that_does_not_exist_is_an_error_at_the_flow_line() {
    let file = parse_test_file(
        "t.test.yaml",
        "# comment\nflow: Mian IVR\ncases:\n  - name: a\n",
    )
    .unwrap();
    let err = run_offline(&flow_set(), &[file], "examples/flows", &Options::default())
        .expect_err("no such flow");
    assert_eq!(
        err.to_string(),
        "t.test.yaml:2: no flow `Mian IVR` among the flow files of examples/flows (by name or id)"
    );
}

#[test]
fn defaults_merge_under_the_cases_keys() {
    let file = parse_test_file(
        "t.test.yaml",
        "flow: Main IVR\ndefaults:\n  call: {ani: +14165550123, schedules: {Main: open, Late: closed}}\ncases:\n  - name: a\n    call: {schedules: {Late: open}, digits: [1]}\n",
    )
    .unwrap();
    let sim = &file.cases[0].simulation;
    assert_eq!(sim.ani, "+14165550123", "a number-like ani stays text");
    assert_eq!(sim.digits, vec!["1".to_string()]);
    assert_eq!(sim.schedules["Main"], "open");
    assert_eq!(sim.schedules["Late"], "open", "the case's key wins");
}
