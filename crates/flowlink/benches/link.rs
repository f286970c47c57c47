//! Benchmark (prints, asserts nothing about speed): wall time to link one module into N inbound
//! flows with `flowlink link` against a local server (rate limit off), next to the seeds' way —
//! `tests/bench/seed_link.py`, plain `requests`, one flow after another, GET then PUT — against
//! the same server, and the ratio.
//!
//! `cargo bench -p flowlink --bench link` (N from `FLOWLINK_BENCH_FLOWS`, default 1000).

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use serde_json::{json, Value};

use flowlink_client::api::{FlowType, FlowWrite};
use flowlink_client::Client;
use flowlink_server::{AppState, ServerConfig};
use flowlink_store::SqliteStore;

fn seconds(start: Instant) -> f64 {
    start.elapsed().as_secs_f64()
}

fn main() {
    let n: usize = std::env::var("FLOWLINK_BENCH_FLOWS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, id, secret) = rt.block_on(async {
        let store = Arc::new(SqliteStore::open_dir(dir.path()).await.expect("store"));
        let creds = flowlink_server::bootstrap::bootstrap(store.as_ref())
            .await
            .expect("bootstrap")
            .expect("fresh");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let state = AppState::new(
            store,
            ServerConfig {
                rate_limit_per_minute: 0,
                ..ServerConfig::default()
            },
        );
        tokio::spawn(flowlink_server::serve(
            listener,
            state,
            std::future::pending::<()>(),
        ));
        (url, creds.client_id.to_string(), creds.client_secret)
    });
    let client = Client::new(&url, &id, &secret).expect("client");

    let (flowlink_module, python_module) = rt.block_on(async {
        let setup = Instant::now();
        use futures::StreamExt;
        let created: Vec<_> = futures::stream::iter(0..n)
            .map(|i| {
                let client = client.clone();
                async move {
                    let body = FlowWrite {
                        name: Some(format!("Inbound {i:04}")),
                        flow_type: Some(FlowType::InboundCall),
                        actions: Some(json!([
                            {"type": "playPrompt", "name": "Greeting", "prompt": {"text": "Hello"}},
                            {"type": "transferToAcd", "name": "Queue", "queue": "Support"}
                        ])),
                        ..Default::default()
                    };
                    client.create_flow(&body).await
                }
            })
            .buffer_unordered(16)
            .collect()
            .await;
        assert!(created.iter().all(Result::is_ok), "creating flows failed");
        let tag = |t: &str| flowlink_client::LogicDoc::Actions {
            actions: vec![json!({"type": "tagInteraction", "name": "Tag", "tags": [t]})],
            variables: None,
        };
        let a = client
            .create_module("Bench flowlink", None, Some(&tag("a")))
            .await
            .expect("module");
        let b = client
            .create_module("Bench python", None, Some(&tag("b")))
            .await
            .expect("module");
        println!(
            "setup: {n} inbound flows created in {:.2} s",
            seconds(setup)
        );
        (a.id.expect("id"), b.id.expect("id"))
    });

    // flowlink: the CLI binary, as a user runs it (process start, login, listing included).
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_flowlink"))
        .args([
            "link",
            "--module",
            &flowlink_module,
            "--type",
            "inboundcall",
            "--quiet",
            "-o",
            "json",
        ])
        .env("GENESYS_ENV_URL", &url)
        .env("GENESYS_CLIENT_ID", &id)
        .env("GENESYS_CLIENT_SECRET", &secret)
        .output()
        .expect("run flowlink");
    let flowlink_s = seconds(start);
    assert!(
        out.status.success(),
        "flowlink link failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("json report");
    let linked = report["results"]
        .as_array()
        .map_or(0, |r| r.iter().filter(|x| x["status"] == "linked").count());
    println!(
        "flowlink link:      {linked} flows linked in {flowlink_s:.3} s ({:.0} flows/s)",
        linked as f64 / flowlink_s
    );

    // The seeds' way.
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/bench/seed_link.py");
    let start = Instant::now();
    let py = Command::new("python3")
        .arg(&script)
        .args([&url, &id, &secret, &python_module])
        .output();
    let python_s = seconds(start);
    match py {
        Ok(o) if o.status.success() => {
            let r: Value = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
            println!(
                "seeds' python way: {} flows linked in {python_s:.3} s ({:.3} s inside the script)",
                r["flows"],
                r["seconds"].as_f64().unwrap_or(f64::NAN)
            );
            println!("ratio:              flowlink is {:.1}x faster (target >= 10x, and < 2 s for 1000 flows)", python_s / flowlink_s);
        }
        Ok(o) => println!(
            "seeds' python way: failed: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(e) => println!("seeds' python way: skipped (python3 not runnable: {e})"),
    }

    // Both jobs really happened: every flow calls both modules exactly once.
    rt.block_on(async {
        let flows = client
            .list_flows(&flowlink_client::FlowQuery::of_type(FlowType::InboundCall))
            .await
            .expect("list");
        let full = futures::future::join_all(
            flows
                .iter()
                .take(20)
                .map(|f| client.get_flow(f.id.as_deref().unwrap_or_default())),
        )
        .await;
        for f in full {
            let f = f.expect("get");
            let calls = f
                .actions
                .as_ref()
                .and_then(Value::as_array)
                .map_or(0, |a| a.iter().filter(|x| x["type"] == "callFlow").count());
            assert_eq!(calls, 2, "flow {:?} should call both modules", f.name);
        }
    });
}
