//! Every expectation kind of SPEC §10, once passing and once failing, with the message the
//! failing case reports.

use flowlink_flowtest::report::render_text;
use flowlink_flowtest::FileResult;

use crate::support::{assert_passed, failure, run};

const VIP: &str =
    r#"{ani: "+15550001111", digits: ["1"], dataActions: {Get Account: {outputs: {tier: gold}}}}"#;

fn file(cases: &str) -> String {
    format!("flow: Main IVR\ndefaults:\n  call: {{ani: \"+14165550123\"}}\ncases:\n{cases}")
}

#[test]
fn outcome_transferred_disconnected_and_failed() {
    let text = format!(
        "{}  - name: wrong queue\n    call: {{digits: [\"1\"]}}\n    expect: {{outcome: {{transferred: Support}}}}\n",
        file(&format!(
            "  - name: sales\n    call: {VIP}\n    expect: {{outcome: {{transferred: Sales}}}}\n  - name: hours\n    call: {{digits: [\"3\"]}}\n    expect: {{outcome: disconnected}}\n"
        ))
    );
    let cases = run(&text);
    assert_passed(&cases[0]);
    assert_passed(&cases[1]);
    assert_eq!(
        failure(&cases[2]),
        (
            "outcome",
            "transferred: Support".into(),
            "transferred: Sales".into()
        )
    );
    let failed = run("flow: Failing Line\ncases:\n  - name: regex\n    expect: {outcome: {failed: \"/GetBalance.*has no mock/\"}}\n  - name: substring\n    expect: {outcome: {failed: has no mock}}\n  - name: not failed\n    expect: {outcome: {failed: timeout}}\n");
    assert_passed(&failed[0]);
    assert_passed(&failed[1]);
    let (key, expected, actual) = failure(&failed[2]);
    assert_eq!((key, expected.as_str()), ("outcome", "failed: timeout"));
    assert!(actual.starts_with("failed: node 'GetBalance'"), "{actual}");
}

#[test]
fn prompts_in_order_by_substring_and_regex() {
    let cases = run(&file(&format!(
        "  - name: in order\n    call: {VIP}\n    expect: {{prompts: [\"Welcome to\", \"/valued customer\\\\.$/\", \"/^Press 1/\"]}}\n  - name: out of order\n    call: {VIP}\n    expect: {{prompts: [\"Press 1\", \"valued customer\"]}}\n"
    )));
    assert_passed(&cases[0]);
    let (key, expected, actual) = failure(&cases[1]);
    assert_eq!(key, "prompts");
    assert_eq!(
        expected,
        "prompt 2 of 2 \"valued customer\" heard after \"Press 1\""
    );
    assert!(
        actual
            .starts_with("heard [\"Welcome to Example Bank.\", \"Welcome back, valued customer.\""),
        "{actual}"
    );
    // The report shows the trace around the last prompt that matched.
    assert!(
        cases[1]
            .trace
            .iter()
            .any(|l| l.starts_with("> ") && l.contains("Press 1")),
        "{:?}",
        cases[1].trace
    );
}

#[test]
fn not_prompts() {
    let cases = run(&file(&format!(
        "  - name: standard caller\n    call: {{digits: [\"2\"]}}\n    expect: {{notPrompts: [\"valued customer\"]}}\n  - name: vip caller\n    call: {VIP}\n    expect: {{notPrompts: [\"/valued/\"]}}\n"
    )));
    assert_passed(&cases[0]);
    assert_eq!(
        failure(&cases[1]),
        (
            "notPrompts",
            "no prompt matching \"/valued/\"".into(),
            "heard \"Welcome back, valued customer.\"".into()
        )
    );
}

#[test]
fn participant_data_at_the_end() {
    let cases = run(&file(&format!(
        "  - name: vip\n    call: {VIP}\n    expect: {{participantData: {{callerChecked: vip, accountTier: gold}}}}\n  - name: standard is not vip\n    call: {{digits: [\"2\"]}}\n    expect: {{participantData: {{callerChecked: vip}}}}\n  - name: never set\n    call: {{digits: [\"2\"]}}\n    expect: {{participantData: {{accountTier: gold}}}}\n"
    )));
    assert_passed(&cases[0]);
    assert_eq!(
        failure(&cases[1]),
        (
            "participantData",
            "callerChecked = \"vip\"".into(),
            "callerChecked = \"standard\"".into()
        )
    );
    assert_eq!(failure(&cases[2]).2, "accountTier not set");
}

#[test]
fn tags() {
    let cases = run(&file(&format!(
        "  - name: vip\n    call: {VIP}\n    expect: {{tags: [vip-route]}}\n  - name: standard\n    call: {{digits: [\"2\"]}}\n    expect: {{tags: [vip-route]}}\n"
    )));
    assert_passed(&cases[0]);
    assert_eq!(
        failure(&cases[1]),
        ("tags", "tag \"vip-route\"".into(), "tags []".into())
    );
}

#[test]
fn modules_entered_with_and_without_version() {
    let cases = run(&file(&format!(
        "  - name: both\n    call: {VIP}\n    expect: {{modules: [\"Caller Check\", \"account lookup@1\", \"account-lookup\"]}}\n  - name: wrong version\n    call: {VIP}\n    expect: {{modules: [\"Account Lookup@2\"]}}\n  - name: not entered\n    call: {{digits: [\"2\"]}}\n    expect: {{modules: [\"Account Lookup\"]}}\n"
    )));
    assert_passed(&cases[0]);
    assert_eq!(
        failure(&cases[1]),
        (
            "modules",
            "module \"Account Lookup\" entered at version 2".into(),
            "entered [\"Caller Check@1\", \"Account Lookup@1\"]".into()
        )
    );
    assert_eq!(
        failure(&cases[2]),
        (
            "modules",
            "module \"Account Lookup\" entered".into(),
            "entered [\"Caller Check@1\"]".into()
        )
    );
}

#[test]
fn max_actions() {
    let cases = run(&file(&format!(
        "  - name: within\n    call: {VIP}\n    expect: {{maxActions: 40}}\n  - name: over\n    call: {VIP}\n    expect: {{maxActions: 3}}\n"
    )));
    assert_passed(&cases[0]);
    let (key, expected, actual) = failure(&cases[1]);
    assert_eq!(
        (key, expected.as_str()),
        ("maxActions", "at most 3 actions")
    );
    assert!(
        actual.ends_with(" actions") && actual != "3 actions",
        "{actual}"
    );
}

#[test]
fn data_actions_answer_in_order_on_successive_calls() {
    let cases = run("flow: Twice\ncases:\n  - name: second call fails\n    call: {dataActions: {Check: [{outputs: {}}, {fail: true}]}}\n    expect: {outcome: {transferred: Second failed}}\n  - name: the last answer repeats\n    call: {dataActions: {Check: [{outputs: {}}]}}\n    expect: {outcome: {transferred: Second ok}}\n");
    assert_passed(&cases[0]);
    assert_passed(&cases[1]);
}

#[test]
fn a_failure_is_reported_as_expected_versus_actual_with_the_trace() {
    let cases = run(&file(
        "  - name: wrong queue\n    call: {digits: [\"2\"]}\n    expect: {outcome: {transferred: Sales}}\n",
    ));
    let report = render_text(
        &[FileResult {
            file: "cases.test.yaml".into(),
            flow: "Main IVR".into(),
            cases,
        }],
        0.0,
    );
    let expected_head = "FAIL cases.test.yaml:5: Main IVR › wrong queue\n       outcome\n         expected: transferred: Sales\n         actual:   transferred: Support\n       trace:\n";
    assert!(report.starts_with(expected_head), "{report}");
    assert!(
        report.contains("> #"),
        "the failing step is marked: {report}"
    );
    assert!(report.contains("menuTransferToAcd 'Support'"), "{report}");
    assert!(
        report.ends_with("1 cases: 0 passed, 1 failed, 0 errors (0.00s)\n"),
        "{report}"
    );
}
