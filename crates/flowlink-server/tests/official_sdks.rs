//! The official Genesys SDKs against a real flowlink server on 127.0.0.1: the Python SDK
//! (`PureCloudPlatformClientV2`, pip) and the JS SDK (`purecloud-platform-client-v2`, npm)
//! each log in with client credentials and create, page, get, put and delete flows, reading
//! 401/404/410 as their own exception types. The checks themselves live in `tests/sdk/` at the
//! repository root; `scripts/test.sh` installs both SDKs before the suite runs.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;

use flowlink_server::{bootstrap, AppState, ServerConfig};
use flowlink_store::testing::{TestBackend, TestSchema};
use flowlink_store::SqliteStore;

struct Running {
    url: String,
    client_id: String,
    client_secret: String,
    _dir: tempfile::TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    // Last: with FLOWLINK_TEST_BACKEND=postgres, the schema dropped after the server.
    _schema: Option<TestSchema>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

async fn start_server() -> Running {
    let dir = tempfile::tempdir().expect("tempdir");
    let schema = match TestBackend::from_env() {
        TestBackend::Sqlite => None,
        TestBackend::Postgres => TestSchema::create().await,
    };
    let store: Arc<dyn flowlink_store::Store> = match &schema {
        Some(s) => flowlink_store::open_store(s.url())
            .await
            .expect("open store"),
        None => Arc::new(SqliteStore::open_dir(dir.path()).await.expect("open store")),
    };
    let creds = bootstrap(store.as_ref())
        .await
        .expect("bootstrap")
        .expect("first start creates a client");
    let config = ServerConfig::default();
    let state = AppState::new(store, config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = flowlink_server::serve(listener, state, async {
            let _ = rx.await;
        })
        .await;
    });
    Running {
        url: format!("http://{addr}"),
        client_id: creds.client_id.to_string(),
        client_secret: creds.client_secret.clone(),
        _dir: dir,
        shutdown: Some(tx),
        _schema: schema,
    }
}

fn sdk_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/sdk")
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
