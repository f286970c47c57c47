//! `--filter` and `--changed-module`: which cases run.

use flowlink_flowtest::{parse_test_file, run_offline, Options, TestFile};

use crate::support::flow_set;

fn files() -> Vec<TestFile> {
    vec![
        parse_test_file(
            "main.test.yaml",
            "flow: Main IVR\ncases:\n  - name: support\n    call: {digits: [\"2\"]}\n  - name: hours\n    call: {digits: [\"3\"]}\n",
        )
        .unwrap(),
        parse_test_file(
            "failing.test.yaml",
            "flow: Failing Line\ncases:\n  - name: fails\n",
        )
        .unwrap(),
    ]
}

fn ran(opts: &Options) -> Vec<String> {
    let (results, _) = run_offline(&flow_set(), &files(), "x", opts).unwrap();
    results
        .iter()
        .flat_map(|f| {
            f.cases
                .iter()
                .map(move |c| format!("{}: {}", f.flow, c.name))
        })
        .collect()
}

#[test]
fn changed_module_runs_only_the_flows_that_can_enter_it() {
    let opts = |m: &str| Options {
        changed_module: Some(m.into()),
        ..Options::default()
    };
    // Account Lookup is entered only through the Sales task, but the flow calls it: both cases.
    assert_eq!(
        ran(&opts("Account Lookup")),
        ["Main IVR: support", "Main IVR: hours"]
    );
    assert_eq!(
        ran(&opts("caller check")),
        ["Main IVR: support", "Main IVR: hours"]
    );
    let err = run_offline(&flow_set(), &files(), "examples/flows", &opts("Main IVR"))
        .expect_err("a flow is not a module");
    assert_eq!(
        err.to_string(),
        "examples/flows: --changed-module: no module `Main IVR` among the flow files"
    );
}

#[test]
fn filter_runs_cases_whose_name_contains_the_text() {
    let opts = Options {
        filter: Some("our".into()),
        ..Options::default()
    };
    assert_eq!(ran(&opts), ["Main IVR: hours"]);
    assert_eq!(ran(&Options::default()).len(), 3);
}
