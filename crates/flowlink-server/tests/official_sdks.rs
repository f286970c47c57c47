//! The official Genesys SDKs against a real flowlink server on 127.0.0.1: the Python SDK
//! (`PureCloudPlatformClientV2`, pip) and the JS SDK (`purecloud-platform-client-v2`, npm)
//! each log in with client credentials and create, page, get, put and delete flows, reading
//! 401/404/410 as their own exception types. The checks themselves live in `tests/sdk/` at the
//! repository root; `scripts/test.sh` installs both SDKs before the suite runs.

mod running;

use std::path::PathBuf;
use std::process::Stdio;

use running::{start_server, Running};

fn sdk_dir() -> PathBuf {
    running::repo_root().join("tests/sdk")
}

async fn run_check(server: &Running, program: &str, args: &[&str], extra_env: &[(&str, String)]) {
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args)
        .current_dir(sdk_dir())
        .env("FLOWLINK_URL", &server.url)
        .env("FLOWLINK_CLIENT_ID", &server.client_id)
        .env("FLOWLINK_CLIENT_SECRET", &server.client_secret)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let out = cmd.output().await.unwrap_or_else(|e| {
        panic!("could not start {program}: {e} (run scripts/test.sh, which installs the SDKs)")
    });
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{program} {args:?} failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
    assert!(
        stdout.contains("all checks passed"),
        "no completion line:\n{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_python_sdk_drives_the_server() {
    let server = start_server().await;
    run_check(&server, "python3", &["python_sdk_check.py"], &[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_js_sdk_drives_the_server() {
    let server = start_server().await;
    let node_path = sdk_dir().join("node_modules");
    run_check(
        &server,
        "node",
        &["js_sdk_check.js"],
        &[("NODE_PATH", node_path.display().to_string())],
    )
    .await;
}

/// Issue 5: the Python SDK's lifecycle actions (`post_flows_actions_checkout/checkin/publish/
/// revert`) and dependency queries (`get_architect_dependencytracking_consumingresources`,
/// `consumedresources`, `build`), run through the check script's `FLOWLINK_SDK_EXTRA` hook.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_python_sdk_runs_the_lifecycle_and_dependency_tracking() {
    let server = start_server().await;
    let extra = sdk_dir().join("python_sdk_lifecycle.py");
    run_check(
        &server,
        "python3",
        &["python_sdk_check.py"],
        &[("FLOWLINK_SDK_EXTRA", extra.display().to_string())],
    )
    .await;
}

/// Issue 11: the Python SDK's architect jobs (`post_flows_jobs`, `get_flows_job`,
/// `post_flows_export_jobs`, `get_flows_export_job`) with the upload and download done as the
/// Terraform provider does them (plain HTTP, no token), through the `FLOWLINK_SDK_EXTRA` hook.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_python_sdk_runs_flow_import_and_export_jobs() {
    let server = start_server().await;
    let extra = sdk_dir().join("python_sdk_jobs.py");
    run_check(
        &server,
        "python3",
        &["python_sdk_check.py"],
        &[("FLOWLINK_SDK_EXTRA", extra.display().to_string())],
    )
    .await;
}
