//! schemathesis (from pip, pinned in `tests/fuzz/requirements.txt`) against a real server
//! (issue 7, item 2): it reads the server's own OpenAPI document, generates requests for
//! every operation (valid and invalid ones), sends them with a real bearer token and checks
//! every answer: no 500, no status, content type or body the document does not allow, no
//! request left unanswered past the request timeout.
//!
//! Bounded for the suite: a fixed number of examples per operation and a fixed seed (so a
//! failure reproduces); README tells the longer run. `scripts/test.sh` installs schemathesis;
//! without it this test fails and says how to install it.

mod running;

use std::process::Stdio;
use std::time::Instant;

use flowlink_server::openapi::DOC_PATH;
use flowlink_server::ServerConfig;

/// What must hold for every response.
const CHECKS: &str =
    "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance";

/// Test cases per operation in the suite (README has the longer run).
const MAX_EXAMPLES: &str = "25";

/// Seconds one request may take before it counts as a hang.
const REQUEST_TIMEOUT: &str = "10";

/// Fixed, so that a failure in CI reproduces locally.
const SEED: &str = "7001";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_server_error_and_no_contradiction() {
    let version = std::process::Command::new("schemathesis")
        .arg("--version")
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
    let token = server.token().await;
    let reports = tempfile::tempdir().expect("tempdir");
    let started = Instant::now();
    let out = tokio::process::Command::new("schemathesis")
        .args([
            "--no-color",
            "run",
            &format!("{}{DOC_PATH}", server.url),
            "--checks",
            CHECKS,
            "--header",
            &format!("Authorization: Bearer {token}"),
            "--max-examples",
            MAX_EXAMPLES,
            "--request-timeout",
            REQUEST_TIMEOUT,
            "--seed",
            SEED,
            "--workers",
            "2",
            "--generation-database",
            "none",
            "--report-dir",
        ])
        .arg(reports.path())
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
    assert!(
        out.status.success(),
        "schemathesis found problems ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
}
