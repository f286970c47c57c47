//! `flowlink test` from the command line (issue 14, SPEC §10): exit codes 0/1/2 with
//! file:line errors, `--junit`, `-o json`, `--update`, `--changed-module`, `--min-coverage`,
//! and the same results offline and with `--server` on the same flows (the worked example
//! imported into a real server).

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use common::*;
use flowlink_client::LogicDoc;

fn examples() -> PathBuf {
    PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()),
    )
    .join("../../examples/flows")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs the binary offline (no server in the environment).
async fn offline(args: &[&str]) -> Run {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_flowlink"))
        .args(args)
        .env_remove("GENESYS_ENV_URL")
        .env_remove("GENESYS_CLIENT_ID")
        .env_remove("GENESYS_CLIENT_SECRET")
        .output()
        .await
        .unwrap();
    Run::from(out)
}

/// The example's cases plus a failing one, a version check and a regex.
const CASES: &str = r#"flow: Main IVR
defaults:
  call: {ani: "+14165550123"}
cases:
  - name: VIP callers reach sales
    call: {ani: "+15550001111", digits: ["1"], dataActions: {Get Account: {outputs: {tier: gold}}}}
    expect:
      outcome: {transferred: Sales}
      prompts: ["Welcome to Example Bank", "/^Press 1 for sales/"]
      participantData: {callerChecked: vip, accountTier: gold}
      tags: [vip-route]
      modules: ["Caller Check@1", "Account Lookup@1"]
  - name: unknown account
    call: {digits: ["1"], dataActions: {Get Account: {timeout: true}}}
    expect:
      outcome: {transferred: Sales}
      prompts: ["could not find your account"]
  - name: hours (fails on purpose)
    call: {digits: ["3"]}
    expect:
      outcome: {transferred: Hours}
  - name: support
    call: {digits: ["2"]}
    expect: {outcome: {transferred: Support}, notPrompts: ["valued"], maxActions: 20}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worked_example_passes_and_prints_a_line_per_case() {
    let run = offline(&["test", s(&examples()), "--coverage"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("ok   "), "{}", run.stdout);
    assert!(
        run.stdout.contains("3 cases: 3 passed, 0 failed, 0 errors"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("not taken: menu 'Main Menu' → dtmf:3 (line 49)"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_case_exits_1_with_expected_actual_and_junit() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("main.test.yaml");
    std::fs::write(&file, CASES).unwrap();
    let junit = dir.path().join("junit.xml");
    let run = offline(&[
        "test",
        s(dir.path()),
        "--flows",
        s(&examples()),
        "--junit",
        s(&junit),
    ])
    .await;
    assert_eq!(run.code, 1, "{run:?}");
    let want = format!(
        "FAIL {}:18: Main IVR › hours (fails on purpose)\n       outcome\n         expected: transferred: Hours\n         actual:   disconnected\n",
        file.display()
    );
    assert!(run.stdout.contains(&want), "{}", run.stdout);
    assert!(
        run.stdout.contains("4 cases: 3 passed, 1 failed, 0 errors"),
        "{}",
        run.stdout
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("tests=\"4\" failures=\"1\" errors=\"0\""),
        "{xml}"
    );
    assert_eq!(xml.matches("<failure ").count(), 1, "{xml}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_files_and_missing_flows_exit_2_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.test.yaml");
    std::fs::write(
        &bad,
        "flow: Main IVR\ncases:\n  - name: a\n    expect:\n      outcom: disconnected\n",
    )
    .unwrap();
    let run = offline(&["test", s(&bad), "--flows", s(&examples())]).await;
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(
        run.stderr.trim_end(),
        format!(
            "error: {}:5: unknown key `outcom` in expect (expected one of: outcome, prompts, notPrompts, participantData, tags, modules, maxActions)",
            bad.display()
        )
    );
    let missing = dir.path().join("missing.test.yaml");
    std::fs::write(&missing, "flow: Nope\ncases: []\n").unwrap();
    let run = offline(&["test", s(&missing), "--flows", s(&examples())]).await;
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains(&format!("{}:1: no flow `Nope`", missing.display())),
        "{}",
        run.stderr
    );
    let run = offline(&["test", s(&dir.path().join("none"))]).await;
    assert_eq!(run.code, 2, "{run:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_changed_module_min_coverage_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("snap.test.yaml");
    let text = "flow: Main IVR\ncases:\n  - name: hours\n    snapshot: true\n    call: {digits: [\"3\"]}\n    expect: {outcome: {transferred: Hours}}\n";
    std::fs::write(&file, text).unwrap();
    let flows = examples();
    let run = offline(&["test", s(&file), "--flows", s(&flows), "--update"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("updated 1 snapshot case(s)"),
        "{}",
        run.stdout
    );
    let updated = std::fs::read_to_string(&file).unwrap();
    assert!(
        updated.starts_with("flow: Main IVR\ncases:\n  - name: hours\n    snapshot: true\n    call: {digits: [\"3\"]}\n    expect:\n      outcome: disconnected\n"),
        "{updated}"
    );
    let run = offline(&["test", s(&file), "--flows", s(&flows), "-o", "json"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    let report = run.json();
    assert_eq!(
        report["summary"],
        json!({"passed": 1, "failed": 0, "errors": 0})
    );
    assert_eq!(report["files"][0]["cases"][0]["status"], "passed");

    // A second file for a flow that does not call the module is left out.
    std::fs::write(
        dir.path().join("lookup.test.yaml"),
        "flow: account-lookup\ncases:\n  - name: direct\n    call: {dataActions: {Get Account: {outputs: {tier: x}}}}\n    expect: {participantData: {accountTier: x}}\n",
    )
    .unwrap();
    let run = offline(&[
        "test",
        s(dir.path()),
        "--flows",
        s(&flows),
        "-o",
        "json",
        "--changed-module",
        "Caller Check",
    ])
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    let report = run.json();
    let ran: Vec<&str> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["cases"].as_array().unwrap())
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(ran, ["hours"]);

    let cov = dir.path().join("coverage.json");
    let run = offline(&[
        "test",
        s(&file),
        "--flows",
        s(&flows),
        "--min-coverage",
        "90",
        "--coverage-json",
        s(&cov),
    ])
    .await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("is below --min-coverage 90"),
        "{}",
        run.stderr
    );
    let c: Value = serde_json::from_str(&std::fs::read_to_string(&cov).unwrap()).unwrap();
    assert!(c["percent"].as_f64().unwrap() < 90.0, "{c}");
    let run = offline(&[
        "test",
        s(&file),
        "--flows",
        s(&flows),
        "--min-coverage",
        "10",
    ])
    .await;
    assert_eq!(run.code, 0, "{run:?}");
}

/// The parts of a `-o json` report both modes must agree on.
fn verdicts(report: &Value) -> Vec<Value> {
    report["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["cases"].as_array().unwrap())
        .map(|c| json!({"name": c["name"], "line": c["line"], "status": c["status"], "mismatch": c["mismatch"], "trace": c["trace"]}))
        .collect()
}

fn coverage_counts(c: &Value) -> Vec<Value> {
    let mut v: Vec<Value> = c["flows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            json!([
                f["flow"],
                f["actionsRun"],
                f["actions"],
                f["pathsTaken"],
                f["paths"],
                f["missedPaths"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|m| json!([m["action"], m["path"], m["place"]]))
                    .collect::<Vec<_>>()
            ])
        })
        .collect();
    v.sort_by_key(|x| x[0].as_str().unwrap_or_default().to_string());
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_and_server_give_the_same_results() {
    let server = TestServer::start(0).await;
    let client = server.client();
    let lookup: Value = serde_json::from_str(
        &std::fs::read_to_string(examples().join("account-lookup.json")).unwrap(),
    )
    .unwrap();
    client
        .create_module(
            "Account Lookup",
            None,
            Some(&LogicDoc::Graph(lookup["definition"].clone())),
        )
        .await
        .unwrap();
    for f in ["caller-check.yaml", "main-ivr.yaml"] {
        let text = std::fs::read_to_string(examples().join(f)).unwrap();
        client.import_archy(&text, false).await.unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.test.yaml"), CASES).unwrap();
    let (cov_a, cov_b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    let local = offline(&[
        "test",
        s(dir.path()),
        "--flows",
        s(&examples()),
        "-o",
        "json",
        "--coverage-json",
        s(&cov_a),
    ])
    .await;
    let remote = server
        .cli(&[
            "test",
            s(dir.path()),
            "--server",
            "-o",
            "json",
            "--coverage-json",
            s(&cov_b),
        ])
        .await;
    assert_eq!(local.code, 1, "{local:?}");
    assert_eq!(remote.code, 1, "{remote:?}");
    let (a, b) = (local.json(), remote.json());
    assert_eq!(verdicts(&a), verdicts(&b));
    assert_eq!(a["summary"], json!({"passed": 3, "failed": 1, "errors": 0}));
    let read =
        |p: &Path| -> Value { serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap() };
    let (ca, cb) = (read(&cov_a), read(&cov_b));
    assert_eq!(coverage_counts(&ca), coverage_counts(&cb));
    assert_eq!(ca["percent"], cb["percent"]);

    // --changed-module: the server's dependency index and the flow files pick the same cases
    // (the module's own test file does not call Caller Check).
    std::fs::write(
        dir.path().join("lookup.test.yaml"),
        "flow: Account Lookup\ncases:\n  - name: direct\n",
    )
    .unwrap();
    let names = |r: &Run| -> Vec<String> {
        r.json()["files"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|f| f["cases"].as_array().unwrap().clone())
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect()
    };
    let local = offline(&[
        "test",
        s(dir.path()),
        "--flows",
        s(&examples()),
        "-o",
        "json",
        "--changed-module",
        "Caller Check",
    ])
    .await;
    let remote = server
        .cli(&[
            "test",
            s(dir.path()),
            "--server",
            "-o",
            "json",
            "--changed-module",
            "caller check",
        ])
        .await;
    assert_eq!(names(&local).len(), 4, "{local:?}");
    assert_eq!(names(&local), names(&remote), "{remote:?}");
    std::fs::remove_file(dir.path().join("lookup.test.yaml")).unwrap();

    // A flow the server does not have: exit 2 at the file's flow line.
    std::fs::write(dir.path().join("main.test.yaml"), "flow: Nope\ncases: []\n").unwrap();
    let run = server.cli(&["test", s(dir.path()), "--server"]).await;
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("main.test.yaml:1: no flow with id or name 'Nope'"),
        "{}",
        run.stderr
    );
}

/// Flow files with `{{key}}` placeholders (as teams keep them for Terraform) run offline once
/// `--sub`/`--subs` fill them, like `flowlink import`; a placeholder left is exit 2 with its line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn placeholders_in_flow_files_are_filled_from_sub_and_subs() {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(examples()).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_owned();
        let text = if name == "main-ivr.yaml" {
            let queue = "                lit:\n                  name: Sales\n";
            assert!(text.contains(queue), "the example changed: {text}");
            text.replacen(
                queue,
                "                lit:\n                  name: \"{{sales_queue}}\"\n",
                1,
            )
        } else {
            text
        };
        std::fs::write(dir.path().join(name), text).unwrap();
    }

    let left = offline(&["test", s(dir.path())]).await;
    assert_eq!(left.code, 2, "{left:?}");
    assert!(
        left.stderr.contains("main-ivr.yaml:36") && left.stderr.contains("{{sales_queue}}"),
        "{left:?}"
    );

    let filled = offline(&["test", s(dir.path()), "--sub", "sales_queue=Sales"]).await;
    assert_eq!(filled.code, 0, "{filled:?}");
    assert!(
        filled.stdout.contains("3 cases: 3 passed"),
        "{}",
        filled.stdout
    );

    // From a file, and a wrong value makes the VIP case fail (the substitution really applies).
    let subs = dir.path().join("subs.txt");
    std::fs::write(&subs, "sales_queue: Billing\n").unwrap();
    let wrong = offline(&["test", s(dir.path()), "--subs", s(&subs)]).await;
    assert_eq!(wrong.code, 1, "{wrong:?}");
}
