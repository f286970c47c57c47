//! schemathesis (from pip, pinned in `tests/fuzz/requirements.txt`) against a real server
//! (issue 7, item 2): it reads the server's own OpenAPI document, generates requests for
//! every operation (valid and invalid ones), sends them with a real bearer token and checks
//! every answer: no 500, no status, content type or body the document does not allow, no
//! request left unanswered past the request timeout.
//!
//! Random ids would only ever meet 404s, so the organization is seeded first (a module, a
//! published flow calling it, a graph-dialect flow, an execution, flows to delete) and a
//! generated `schemathesis.toml` makes schemathesis use those ids in most cases (dictionaries
//! bound to the id parameters with a probability, so random ids are still tried).
//!
//! Bounded for the suite: a fixed number of examples per operation and a fixed seed (so a
//! failure reproduces); README tells the longer run. `scripts/test.sh` installs schemathesis;
//! without it this test fails and says how to install it.

mod running;

use std::process::Stdio;
use std::time::Instant;

use flowlink_server::openapi::DOC_PATH;
use flowlink_server::ServerConfig;
use serde_json::{json, Value};

/// What must hold for every response.
const CHECKS: &str =
    "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance";

/// Test cases per operation in the suite; `FLOWLINK_SCHEMATHESIS_EXAMPLES` raises it for the
/// longer run README describes.
const MAX_EXAMPLES: &str = "25";

/// Seconds one request may take before it counts as a hang.
const REQUEST_TIMEOUT: &str = "10";

/// Fixed, so that a failure in CI reproduces locally; `FLOWLINK_SCHEMATHESIS_SEED` changes it.
const SEED: &str = "7001";

fn setting(var: &str, default: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| default.to_string())
}

/// `FLOWLINK_SCHEMATHESIS_REPORT=FILE` keeps every request and response of the run there
/// (schemathesis' NDJSON event log), for digging into what it tried.
fn report_args() -> Vec<String> {
    match std::env::var("FLOWLINK_SCHEMATHESIS_REPORT") {
        Ok(path) => vec![
            "--report".into(),
            "ndjson".into(),
            "--report-ndjson-path".into(),
            path,
        ],
        Err(_) => Vec::new(),
    }
}

/// The seeded objects whose ids the generated requests use.
struct Seeded {
    flows: Vec<String>,
    module: String,
    execution: String,
    doomed: Vec<String>,
}

async fn call(server: &running::Running, token: &str, path: &str, body: Value) -> Value {
    let resp = reqwest::Client::new()
        .post(format!("{}{path}", server.url))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("seed request");
    let status = resp.status();
    let body: Value = resp.json().await.expect("seed answer");
    assert_eq!(status, 200, "POST {path}: {body}");
    body
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_string()
}

async fn seed(server: &running::Running, token: &str) -> Seeded {
    let module = id(&call(
        server,
        token,
        "/api/v2/flows/flowmodules",
        json!({"name": "Shared Auth", "actions": [
            {"type": "tagInteraction", "name": "Tag", "tags": ["auth"]}]}),
    )
    .await);
    call(
        server,
        token,
        &format!("/api/v2/flows/actions/publish?flow={module}"),
        Value::Null,
    )
    .await;
    let caller = id(&call(
        server,
        token,
        "/api/v2/flows",
        json!({"name": "Main IVR", "type": "inboundcall", "actions": [
            {"type": "callFlow", "name": "Auth", "flow": {"id": module}},
            {"type": "disconnect", "name": "Bye"}]}),
    )
    .await);
    call(
        server,
        token,
        &format!("/api/v2/flows/actions/publish?flow={caller}"),
        Value::Null,
    )
    .await;
    let graph = id(&call(
        server,
        token,
        "/api/v2/flows",
        json!({"name": "Graph IVR", "type": "inboundcall", "definition": {
            "nodes": [{"id": "n0", "name": "Bye", "type": "disconnect"}],
            "edges": [], "entry": {"nodeId": "n0"}}}),
    )
    .await);
    let execution = id(&call(
        server,
        token,
        "/api/v2/flows/executions",
        json!({"flowId": caller}),
    )
    .await);
    let mut doomed = Vec::new();
    for n in 0..3 {
        doomed.push(id(&call(
            server,
            token,
            "/api/v2/flows",
            json!({"name": format!("Doomed {n}"), "type": "inboundcall"}),
        )
        .await));
    }
    Seeded {
        flows: vec![caller, graph, module.clone()],
        module,
        execution,
        doomed,
    }
}

fn toml_list(values: &[String]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
    format!("[{}]", quoted.join(", "))
}

/// The schemathesis configuration that points the id parameters at the seeded objects.
/// Deletes get their own flows, so the others stay for the rest of the run.
fn config(seeded: &Seeded) -> String {
    let flows = toml_list(&seeded.flows);
    let module = toml_list(std::slice::from_ref(&seeded.module));
    let execution = toml_list(std::slice::from_ref(&seeded.execution));
    let doomed = toml_list(&seeded.doomed);
    format!(
        r#"[dictionaries.flows]
values = {flows}

[dictionaries.modules]
values = {module}

[dictionaries.executions]
values = {execution}

[dictionaries.doomed]
values = {doomed}

[dictionaries.versions]
values = ["1.0", "1", "2.0"]

[dictionaries.objecttypes]
values = ["COMMONMODULEFLOW", "INBOUNDCALLFLOW"]

[parameters]
"path.id" = {{ dictionary = "flows", probability = 0.7 }}
"path.v" = {{ dictionary = "versions", probability = 0.7 }}
"query.flow" = {{ dictionary = "flows", probability = 0.7 }}
"query.id" = {{ dictionary = "flows", probability = 0.7 }}
"query.version" = {{ dictionary = "versions", probability = 0.5 }}
"query.objectType" = {{ dictionary = "objecttypes", probability = 0.5 }}
"body.flowId" = {{ dictionary = "flows", probability = 0.7 }}

[[operations]]
include-path-regex = "^/api/v2/flows/flowmodules/"
parameters = {{ "path.id" = {{ dictionary = "modules", probability = 0.7 }} }}

[[operations]]
include-path = "/api/v2/flows/executions/{{id}}"
parameters = {{ "path.id" = {{ dictionary = "executions", probability = 0.7 }} }}

[[operations]]
include-method = "DELETE"
parameters = {{ "path.id" = {{ dictionary = "doomed", probability = 0.5 }} }}
"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_server_error_and_no_contradiction() {
    // Through the interpreter pip installed it for, whatever is on PATH.
    let version = std::process::Command::new("python3")
        .args(["-m", "schemathesis.cli", "--version"])
        .output();
    match version {
        Ok(out) if out.status.success() => {}
        _ => panic!(
            "schemathesis is not installed; install it with \
             `python3 -m pip install -r tests/fuzz/requirements.txt` (scripts/test.sh does)"
        ),
    }
    // The rate limit is off: the run sends thousands of requests with one token.
    let server = running::start_server_with(ServerConfig {
        rate_limit_per_minute: 0,
        ..ServerConfig::default()
    })
    .await;
    let token = running::token(&server).await;
    let seeded = seed(&server, &token).await;
    let reports = tempfile::tempdir().expect("tempdir");
    let config_file = reports.path().join("schemathesis.toml");
    std::fs::write(&config_file, config(&seeded)).expect("write the configuration");
    let started = Instant::now();
    let out = tokio::process::Command::new("python3")
        .args(["-m", "schemathesis.cli", "--config-file"])
        .arg(&config_file)
        .args([
            "--no-color",
            "run",
            &format!("{}{DOC_PATH}", server.url),
            "--checks",
            CHECKS,
            "--header",
            &format!("Authorization: Bearer {token}"),
            "--max-examples",
            &setting("FLOWLINK_SCHEMATHESIS_EXAMPLES", MAX_EXAMPLES),
            "--request-timeout",
            REQUEST_TIMEOUT,
            "--seed",
            &setting("FLOWLINK_SCHEMATHESIS_SEED", SEED),
            "--workers",
            "2",
            "--generation-database",
            "none",
            "--report-dir",
        ])
        .arg(reports.path())
        .args(report_args())
        .current_dir(reports.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .output()
        .await
        .expect("run schemathesis");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Printed, not asserted: the suite's time budget is watched, not tested.
    eprintln!("schemathesis ran {:.1?}", started.elapsed());
    if std::env::var_os("FLOWLINK_SCHEMATHESIS_VERBOSE").is_some() {
        eprintln!("{stdout}\n{stderr}");
    }
    assert!(
        out.status.success(),
        "schemathesis found problems ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
}
