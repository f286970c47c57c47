//! `--update`: a snapshot case's `expect` is rewritten to what the call did, every other byte
//! stays, and the updated file then passes.

use flowlink_flowtest::update::update_text;
use flowlink_flowtest::{parse_test_file, run_offline, Options};

use crate::support::flow_set;

const BEFORE: &str = "flow: Main IVR   # comment kept\ncases:\n  - name: checked by hand\n    call: {digits: [\"2\"]}\n    expect: {outcome: {transferred: Support}}\n  - name: vip snapshot\n    snapshot: true\n    call: {ani: \"+15550001111\", digits: [\"1\"], dataActions: {Get Account: {outputs: {tier: gold}}}}\n    expect:\n      outcome: disconnected\n      prompts: [\"nothing\"]\n  - name: new snapshot\n    call: {digits: [\"3\"]}\n    snapshot: true\n  # trailing comment\n";

#[test]
fn update_writes_what_snapshot_cases_did_and_leaves_the_rest() {
    let opts = Options {
        keep_observed: true,
        ..Options::default()
    };
    let file = parse_test_file("u.test.yaml", BEFORE).unwrap();
    let (results, _) = run_offline(&flow_set(), std::slice::from_ref(&file), "x", &opts).unwrap();
    assert!(
        !results[0].cases[1].passed(),
        "the stale snapshot fails before the update"
    );
    let after = update_text(BEFORE, &file, &results[0]).expect("two snapshot cases");
    let expected = "flow: Main IVR   # comment kept\ncases:\n  - name: checked by hand\n    call: {digits: [\"2\"]}\n    expect: {outcome: {transferred: Support}}\n  - name: vip snapshot\n    snapshot: true\n    call: {ani: \"+15550001111\", digits: [\"1\"], dataActions: {Get Account: {outputs: {tier: gold}}}}\n    expect:\n      outcome: {transferred: \"Sales\"}\n      prompts: [\"Welcome to Example Bank.\", \"Welcome back, valued customer.\", \"Press 1 for sales, 2 for support, 3 to hear our hours.\"]\n      participantData: {\"accountTier\":\"gold\",\"callerChecked\":\"vip\"}\n      tags: [\"vip-route\"]\n      modules: [\"Caller Check\", \"Account Lookup\"]\n  - name: new snapshot\n    call: {digits: [\"3\"]}\n    snapshot: true\n    expect:\n      outcome: disconnected\n      prompts: [\"Welcome to Example Bank.\", \"Press 1 for sales, 2 for support, 3 to hear our hours.\", \"We are open from 9 to 5, Monday to Friday.\"]\n      participantData: {\"callerChecked\":\"standard\"}\n      modules: [\"Caller Check\"]\n  # trailing comment\n";
    assert_eq!(after, expected);
    let again = parse_test_file("u.test.yaml", &after).unwrap();
    let (results, _) = run_offline(&flow_set(), std::slice::from_ref(&again), "x", &opts).unwrap();
    assert!(
        results[0].cases.iter().all(|c| c.passed()),
        "{:?}",
        results[0].cases
    );
    // Updating again changes nothing.
    assert_eq!(
        update_text(&after, &again, &results[0]).as_deref(),
        Some(after.as_str())
    );
}
